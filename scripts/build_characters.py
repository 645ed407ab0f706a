"""Rebuild Chapter 6's data set of Chinese characters from the installed fonts, or check it.

    bash scripts/install_fonts.sh                      # the Debian font packages (apt-get)
    .venv/bin/python scripts/build_characters.py       # writes course_lib/data/characters-28.npz,
                                                       # its .sha256 and FONTS.md
    .venv/bin/python scripts/build_characters.py --check   # rebuild in memory, compare

The file's bytes depend only on the rendered pixels (``write_character_set`` fixes the zip
members' dates), so a rebuild with the same fonts, Pillow and numpy gives the same SHA-256.
``--check`` says which of the fonts differ when it does not.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from course_lib.meta import characters as ch  # noqa: E402

FONTS_MD = ch.DATA_FILE.with_name("FONTS.md")


def _package_version(package: str) -> str:
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True
        )
    except FileNotFoundError:
        return "?"
    return out.stdout.strip() or "?"


def fonts_markdown(arrays: dict[str, np.ndarray], file_sha: str, size_bytes: int) -> str:
    """FONTS.md: what the data set is, every font with its package and licence, the checksums."""
    import PIL
    from PIL import features

    levels = arrays["levels"]
    c, f = levels.shape[:2]
    lines = [
        "# Chapter 6's characters: fonts and licences",
        "",
        f"`characters-{ch.IMAGE_SIZE}.npz` holds {c:,} Chinese characters (classes) × {f} typefaces "
        f"(instances) = {c * f:,} images of {ch.IMAGE_SIZE}×{ch.IMAGE_SIZE} pixels at "
        f"{ch.GREY_LEVELS} grey levels, {size_bytes / 1e6:.1f} MB. Built by "
        "`scripts/build_characters.py` from the Debian bookworm packages below with Pillow "
        f"{PIL.__version__} (FreeType {features.version('freetype2')}) and numpy {np.__version__}; "
        f"seed {int(arrays['seed'])}. SHA-256 of the file: `{file_sha}` (also in "
        f"`characters-{ch.IMAGE_SIZE}.npz.sha256`).",
        "",
        "The characters are the level-1 characters of GB 2312 (一级汉字, common use) that every "
        "font below has, 1,000 of them drawn with the seed. Each image is one character rendered "
        "from one font with a mild random affine jitter (rotation ±6°, shear ±0.1, scale "
        "0.88–1.0, aspect 0.94–1.06, shift ±5%) and a stroke one canvas pixel thinner, the same "
        "or thicker; see `course_lib/meta/characters.py`.",
        "",
        "## Licences",
        "",
        "The file holds small raster images of glyphs, not font software: no font program, "
        "outline or hinting is copied. Every licence below permits redistribution; for each, "
        "what it says about output made with the font:",
        "",
        *(f"* **{key}**: {text}" for key, text in ch.LICENCES.items()),
        "",
        "Where a GPL-style licence could be read as covering the images, they are offered under "
        "that font's licence, and the corresponding source is the Debian package named below.",
        "",
        "## Fonts",
        "",
        "| # | typeface | style | family | Debian package (version) | file | licence | SHA-256 of the file |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, (name, sha) in enumerate(zip(arrays["typefaces"], arrays["font_sha256"])):
        t = next(t for t in ch.TYPEFACES if t.name == name)
        index = f" (face {t.index})" if t.index else ""
        lines.append(
            f"| {i} | {t.name} | {t.style} ({ch.STYLES[t.style]}) | {t.family} | "
            f"`{t.package}` ({_package_version(t.package)}) | `{t.path}`{index} | {t.licence} | "
            f"`{sha[:16]}…` |"
        )
    lines += [
        "",
        f"The typeface split (`character_split(split='typefaces')`) trains on the families not in "
        f"{', '.join(ch.TEST_FAMILIES)} and tests on those.",
        "",
    ]
    return "\n".join(lines)


def compare(rebuilt: dict[str, np.ndarray], shipped: ch.CharacterSet) -> list[str]:
    """What differs between a rebuild and the shipped set (empty: identical)."""
    problems = []
    if "".join(rebuilt["characters"].tolist()) != shipped.characters:
        problems.append("the characters differ")
    names = tuple(rebuilt["typefaces"].tolist())
    if names != tuple(t.name for t in shipped.typefaces):
        problems.append("the typefaces differ")
        return problems
    for j, name in enumerate(names):
        if rebuilt["font_sha256"][j] != shipped.font_sha256[j]:
            problems.append(
                f"{name}: the installed font file differs from the one the set was built from"
            )
    levels = shipped.levels.numpy()
    if rebuilt["levels"].shape != levels.shape:
        problems.append(f"shape {rebuilt['levels'].shape} against {levels.shape}")
    else:
        for j, name in enumerate(names):
            differ = int((rebuilt["levels"][:, j] != levels[:, j]).any(axis=(1, 2)).sum())
            if differ:
                problems.append(f"{name}: {differ} of {levels.shape[0]} images differ")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="rebuild and compare; write nothing")
    parser.add_argument("--out", type=Path, default=ch.DATA_FILE)
    parser.add_argument("--font-dir", action="append", help="look for font files here instead")
    args = parser.parse_args()
    t0, cpu0 = time.perf_counter(), time.process_time()
    arrays = ch.build_character_set(font_dirs=args.font_dir, progress=True)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    print(f"rendered {arrays['levels'].shape[0] * arrays['levels'].shape[1]:,} images in "
          f"{seconds:.0f} s ({cpu:.0f} s CPU)")  # fmt: skip
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            digest = ch.write_character_set(arrays, Path(tmp) / ch.DATA_FILE.name)
        shipped = ch.file_sha256(ch.DATA_FILE)
        problems = compare(arrays, ch.load_characters())
        print(f"rebuilt file SHA-256 {digest}\nshipped file SHA-256 {shipped}")
        if problems or digest != shipped:
            print("MISMATCH:\n  " + "\n  ".join(problems or ["the bytes differ"]))
            return 1
        print("the rebuild matches the shipped file byte for byte")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    digest = ch.write_character_set(arrays, args.out)
    size = args.out.stat().st_size
    args.out.with_name("FONTS.md").write_text(fonts_markdown(arrays, digest, size))
    print(
        f"wrote {args.out} ({size / 1e6:.2f} MB, SHA-256 {digest[:16]}…), its .sha256 and FONTS.md"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
