"""Few-shot Chinese characters, each drawn by many typefaces (Chapter 6's data set).

Omniglot (Lake et al., 2015), the benchmark of the MAML and prototypical-network papers, has
1,623 characters from 50 alphabets, each drawn once by 20 different people: a **class** is a
character and its 20 **instances** are the 20 hands. The lesson of the benchmark is that raw
pixels are a poor way to compare two drawings of one character (Vinyals et al. 2016, Table 1:
nearest neighbour on pixels 41.7% at 5-way 1-shot, learned methods 97–99%), so features must be
learned, and learned from *other* characters.

Omniglot needs a download. This module builds the same kind of data set from material a
Debian machine installs: a class is one of 1,000 common Chinese characters and its instances
are that character rendered from 28 typefaces of five styles (Song/Ming 宋体/明体, Hei 黑体, Kai
楷体, Fangsong 仿宋, Yuan 圆体) and several weights, each with a mild random affine jitter and a
stroke-width change, as one person's drawing differs from another's. Like Omniglot's, the
images are 28×28.

* The characters are GB 2312's level-1 set (一级汉字, the 3,755 characters of common use) that
  every typeface has (2,552: the traditional-character fonts lack the simplified-only ones),
  1,000 of them picked with a fixed seed.
* The rendered set ships with the course (``course_lib/data/characters-28.npz``, 16 grey
  levels, 4.4 MB, SHA-256 beside it; ``course_lib/data/FONTS.md`` lists every font and its
  licence), so no student needs the fonts. ``scripts/build_characters.py`` rebuilds it from
  the fonts, and the tests check that a rebuild matches the shipped file.
* :func:`character_split` gives meta-training, meta-validation and meta-test families that
  share no character; ``split="typefaces"`` also tests on typeface families never seen in
  training (a harder question: do the features transfer to a new hand?).
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from course_lib.i18n import tr
from course_lib.meta.images import ImageTasks
from course_lib.validation import (
    check_bool,
    check_choice,
    check_instance,
    check_int,
    check_real,
    check_seed,
    check_sequence,
)

__all__ = [
    "IMAGE_SIZE",
    "GREY_LEVELS",
    "DATA_FILE",
    "STYLES",
    "Typeface",
    "TYPEFACES",
    "TEST_FAMILIES",
    "LICENCES",
    "Jitter",
    "CharacterSet",
    "CharacterTasks",
    "common_characters",
    "gb2312_level1",
    "open_typeface",
    "check_glyphs",
    "draw_jitter",
    "render_character",
    "render_characters",
    "build_character_set",
    "write_character_set",
    "load_characters",
    "character_split",
    "file_sha256",
]

#: Side of the square images, Omniglot's size in the papers (they downsample 105×105 drawings).
IMAGE_SIZE = 28
#: Grey levels kept in the shipped file: 16 (4 bits a pixel) halve its size; scikit-learn's
#: digits have 17. Ink is 1.0, paper 0.0.
GREY_LEVELS = 16
#: The shipped data set and its checksum (``sha256sum`` format) beside it.
DATA_FILE = Path(__file__).resolve().parents[1] / "data" / f"characters-{IMAGE_SIZE}.npz"
#: How many characters the shipped set holds, and the seed that picks and jitters them.
NUM_CHARACTERS, BUILD_SEED = 1000, 0
#: Rendering happens at this multiple of the output size, then area-averaged down, as
#: Omniglot's 28×28 images are its 105×105 drawings shrunk.
OVERSAMPLE = 4
#: The glyph's em square as a fraction of the canvas (room for the jitter's rotation and shift).
EM_FRACTION = 0.8

#: The five styles of Chinese type, with their Chinese names.
STYLES: dict[str, str] = {
    "Song": "宋体 / 明体",
    "Hei": "黑体",
    "Kai": "楷体",
    "Fangsong": "仿宋",
    "Yuan": "圆体",
}

#: Licence identifiers used in :data:`TYPEFACES`, with what each says about rendered output.
LICENCES: dict[str, str] = {
    "OFL-1.1": "SIL Open Font License 1.1. Documents and images made with the fonts are not "
    "covered by the licence ('The requirement for fonts to remain under this license does "
    "not apply to any document created using the Font Software').",
    "Arphic-1999": "Arphic Public License (1999), a GPL-style licence: redistribution is "
    "permitted; like the GPL it restricts the font program, and output from the program is "
    "covered only if its contents constitute a work based on the program.",
    "GPL-2-font-exception": "GNU GPL v2 with the font embedding exception (WenQuanYi Zen Hei; "
    "its Latin glyphs come from M+ FONTS, whose licence permits any use): redistribution is "
    "permitted, and documents that use the font are not thereby covered by the GPL.",
    "GPL-2+-font-exception": "GNU GPL v2 or later with the font exception (cwTeX): "
    "redistribution is permitted, and documents that contain text rendered with the fonts "
    "are not thereby covered by the GPL.",
    "Apache-2.0 or GPL-3+-font-exception": "Apache License 2.0 (or GPL v3 with the font "
    "exception): redistribution is permitted.",
}


@dataclass(frozen=True)
class Typeface:
    """One typeface: a hand that draws every character.

    Attributes:
        name: the font's own full name, e.g. "Noto Serif CJK SC Light".
        style: one of :data:`STYLES`.
        family: the design family; fonts of one family share a designer (the typeface split
            holds out whole families).
        package: the Debian package that installs the font file.
        path: where that package installs it.
        index: the face inside a font collection (.ttc); 0 for a single font.
        licence: a key of :data:`LICENCES`.
    """

    name: str
    style: str
    family: str
    package: str
    path: str
    index: int = 0
    licence: str = "OFL-1.1"

    def __post_init__(self) -> None:
        for field in ("name", "family", "package", "path"):
            value = getattr(self, field)
            check_instance(field, value, str, "a non-empty string")
            if not value:
                raise ValueError(f"{field} must be a non-empty string, got ''")
        check_choice("style", self.style, tuple(STYLES))
        check_int("index", self.index, 0, 1000)  # a face inside a font collection
        check_choice("licence", self.licence, tuple(LICENCES))

    @property
    def key(self) -> int:
        """A number fixed by the name: seeds this typeface's jitter whatever the list order."""
        return zlib.crc32(self.name.encode())


def _noto(kind: str, weight: str) -> Typeface:
    package = "fonts-noto-cjk" if weight in ("Regular", "Bold") else "fonts-noto-cjk-extra"
    suffix = "" if weight == "Regular" else f" {weight}"
    return Typeface(
        f"Noto {kind} CJK SC{suffix}",
        "Hei" if kind == "Sans" else "Song",
        f"Noto {kind} CJK",
        package,
        f"/usr/share/fonts/opentype/noto/Noto{kind}CJK-{weight}.ttc",
        index=2,  # the collection holds JP, KR, SC, TC, HK: SC is simplified Chinese
    )


_ARPHIC, _CWTEX, _WQY = (
    "/usr/share/fonts/truetype/arphic",
    "/usr/share/fonts/truetype/cwtex",
    ("/usr/share/fonts/truetype/wqy"),
)
_LXGW = "/usr/share/fonts/truetype/lxgw-wenkai"

#: The 28 typefaces, from Debian bookworm's font packages. Two more Arphic fonts
#: (fonts-arphic-bsmi00lp, fonts-arphic-bkai00mp) were left out: at 28×28 they draw nearly
#: the pixels of AR PL UMing and UKai, which were built from them (a mean distance 6–8% of
#: that between two different characters, measured on 60 characters).
TYPEFACES: tuple[Typeface, ...] = (
    *(_noto("Sans", w) for w in ("Thin", "Light", "DemiLight", "Regular", "Medium", "Bold", "Black")),
    *(
        _noto("Serif", w)
        for w in ("ExtraLight", "Light", "Regular", "Medium", "SemiBold", "Bold", "Black")
    ),
    Typeface("AR PL UMing CN", "Song", "Arphic", "fonts-arphic-uming", f"{_ARPHIC}/uming.ttc",
             licence="Arphic-1999"),
    Typeface("AR PL SungtiL GB", "Song", "Arphic", "fonts-arphic-gbsn00lp",
             f"{_ARPHIC}-gbsn00lp/gbsn00lp.ttf", licence="Arphic-1999"),
    Typeface("AR PL UKai CN", "Kai", "Arphic", "fonts-arphic-ukai", f"{_ARPHIC}/ukai.ttc",
             licence="Arphic-1999"),
    Typeface("AR PL KaitiM GB", "Kai", "Arphic", "fonts-arphic-gkai00mp",
             f"{_ARPHIC}-gkai00mp/gkai00mp.ttf", licence="Arphic-1999"),
    Typeface("WenQuanYi Zen Hei", "Hei", "WenQuanYi", "fonts-wqy-zenhei",
             f"{_WQY}/wqy-zenhei.ttc", licence="GPL-2-font-exception"),
    Typeface("WenQuanYi Micro Hei", "Hei", "WenQuanYi", "fonts-wqy-microhei",
             f"{_WQY}/wqy-microhei.ttc", licence="Apache-2.0 or GPL-3+-font-exception"),
    Typeface("cwTeX Q Ming", "Song", "cwTeX", "fonts-cwtex-ming", f"{_CWTEX}/cwming.ttf",
             licence="GPL-2+-font-exception"),
    Typeface("cwTeX Q Kai", "Kai", "cwTeX", "fonts-cwtex-kai", f"{_CWTEX}/cwkai.ttf",
             licence="GPL-2+-font-exception"),
    Typeface("cwTeX Q HeiBold", "Hei", "cwTeX", "fonts-cwtex-heib", f"{_CWTEX}/cwheib.ttf",
             licence="GPL-2+-font-exception"),
    Typeface("cwTeX Q FangSong", "Fangsong", "cwTeX", "fonts-cwtex-fs", f"{_CWTEX}/cwfs.ttf",
             licence="GPL-2+-font-exception"),
    Typeface("cwTeX Q Yuan", "Yuan", "cwTeX", "fonts-cwtex-yen", f"{_CWTEX}/cwyen.ttf",
             licence="GPL-2+-font-exception"),
    Typeface("LXGW WenKai Light", "Kai", "LXGW WenKai", "fonts-lxgw-wenkai",
             f"{_LXGW}/LXGWWenKai-Light.ttf"),
    Typeface("LXGW WenKai", "Kai", "LXGW WenKai", "fonts-lxgw-wenkai",
             f"{_LXGW}/LXGWWenKai-Regular.ttf"),
    Typeface("LXGW WenKai Bold", "Kai", "LXGW WenKai", "fonts-lxgw-wenkai",
             f"{_LXGW}/LXGWWenKai-Bold.ttf"),
)  # fmt: skip

#: Families held out of training by ``character_split(split="typefaces")``: 10 of the 28
#: typefaces, among them the only Fangsong and Yuan fonts, styles training never shows.
TEST_FAMILIES: tuple[str, ...] = ("WenQuanYi", "cwTeX", "LXGW WenKai")


# ---------------------------------------------------------------------------------------
# Fonts and glyphs
# ---------------------------------------------------------------------------------------


def gb2312_level1() -> str:
    """The 3,755 level-1 characters of GB 2312 (一级汉字, "characters in common use"), in its order.

    They fill rows 16–55 of the standard (bytes 0xB0–0xD7 then 0xA1–0xFE in EUC-CN); row 55
    ends at 0xF9. Python's ``gb2312`` codec holds the table, so no file is needed.
    """
    out = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                out.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:  # the five unused cells at the end of row 55
                continue
    return "".join(out)


def _font_file(typeface: Typeface, font_dirs: Sequence[str | Path] | None) -> Path:
    """The font file: ``typeface.path``, or a file of the same name under ``font_dirs``."""
    _check_typeface(typeface)
    font_dirs = _check_font_dirs(font_dirs)
    if font_dirs is None:
        candidates = [Path(typeface.path)]
    else:
        name = Path(typeface.path).name
        candidates = [p for d in font_dirs for p in sorted(Path(d).rglob(name))]
    for path in candidates:
        if path.is_file():
            return path
    where = typeface.path if font_dirs is None else f"{Path(typeface.path).name} under {font_dirs}"
    raise ValueError(
        f"the font file of {typeface.name!r} is missing: no {where}. On Debian or Ubuntu: "
        f"apt-get install -y {typeface.package} (or run scripts/install_fonts.sh)"
    )


@functools.lru_cache(maxsize=64)
def _coverage(path: Path, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # matplotlib's dependency: always installed with it

    with TTFont(path, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap())


def check_glyphs(
    typeface: Typeface, characters: Iterable[str], font_dirs: Sequence[str | Path] | None = None
) -> None:
    """ValueError naming the characters ``typeface`` has no glyph for (its cmap lacks them).

    A missing glyph would render as an empty square or a blank (the font's ``.notdef``), a
    class whose instances disagree for a reason no reader could see.
    """
    characters = _check_characters(characters)
    have = _coverage(_font_file(typeface, font_dirs), typeface.index)
    missing = [c for c in characters if ord(c) not in have]
    if missing:
        shown = "".join(missing[:20]) + ("…" if len(missing) > 20 else "")
        raise ValueError(
            f"characters must all have a glyph in {typeface.name!r}, got {len(missing)} that "
            f"have none: {shown} (U+{ord(missing[0]):04X} first); pick characters every "
            "typeface has (common_characters)"
        )


def common_characters(
    typefaces: Sequence[Typeface] = TYPEFACES,
    candidates: str | None = None,
    font_dirs: Sequence[str | Path] | None = None,
) -> str:
    """The characters of ``candidates`` (default: GB 2312 level 1) that every typeface has."""
    typefaces = _check_typefaces(typefaces)
    font_dirs = _check_font_dirs(font_dirs)
    candidates = gb2312_level1() if candidates is None else candidates
    candidates = "".join(_check_characters(candidates, "candidates"))
    covered = [_coverage(_font_file(t, font_dirs), t.index) for t in typefaces]
    return "".join(c for c in candidates if all(ord(c) in have for have in covered))


@functools.lru_cache(maxsize=64)
def _open(path: Path, index: int, pixels: int):
    from PIL import ImageFont

    # BASIC layout: one glyph needs no shaping, and libraqm (when present) would make the
    # rendering depend on one more library's version.
    return ImageFont.truetype(
        str(path), size=pixels, index=index, layout_engine=ImageFont.Layout.BASIC
    )


def open_typeface(
    typeface: Typeface, size: int = IMAGE_SIZE, font_dirs: Sequence[str | Path] | None = None
):
    """The Pillow font of ``typeface`` scaled for ``size``×``size`` images (rendered 4× larger)."""
    size = _check_size(size)
    return _open(
        _font_file(typeface, font_dirs),
        typeface.index,
        round(EM_FRACTION * OVERSAMPLE * size),
    )


# ---------------------------------------------------------------------------------------
# Rendering: one instance = one character, one typeface, one jitter
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Jitter:
    """How one instance departs from the typeface's own glyph (all mild, as between two hands).

    Attributes:
        rotation: degrees, clockwise on screen (image rows grow downwards); shear: horizontal
            shear factor;
        scale: overall size; aspect: width/height stretch (width × aspect, height ÷ aspect);
        shift_x, shift_y: translation as a fraction of the image side;
        stroke: -1 thins every stroke by one pixel of the 4× canvas, +1 thickens it, 0 keeps it.
    """

    rotation: float = 0.0
    shear: float = 0.0
    scale: float = 1.0
    aspect: float = 1.0
    shift_x: float = 0.0
    shift_y: float = 0.0
    stroke: int = 0

    def __post_init__(self) -> None:
        # A NaN or a string here would only surface as a raw PIL/numpy error (or a blank glyph)
        # when the instance is rendered: refuse it where the jitter is made.
        for name, (lo, hi, lo_open) in _JITTER_BOUNDS.items():
            check_real(name, getattr(self, name), lo, hi, lo_open=lo_open)
        check_int("stroke", self.stroke, -1, 1)


#: What a :class:`Jitter` accepts: wider than :data:`JITTER_RANGES` (the ranges drawn), so that a
#: hand-made jitter can exaggerate, but finite, and a positive size.
_JITTER_BOUNDS = {
    "rotation": (-180.0, 180.0, False),
    "shear": (-1.0, 1.0, False),
    "scale": (0.0, 4.0, True),
    "aspect": (0.0, 4.0, True),
    "shift_x": (-1.0, 1.0, False),
    "shift_y": (-1.0, 1.0, False),
}


#: The jitter's ranges: uniform on each (rotation in degrees, shifts as image fractions).
JITTER_RANGES = {
    "rotation": (-6.0, 6.0),
    "shear": (-0.1, 0.1),
    "scale": (0.88, 1.0),
    "aspect": (0.94, 1.06),
    "shift_x": (-0.05, 0.05),
    "shift_y": (-0.05, 0.05),
}


def draw_jitter(rng: np.random.Generator) -> Jitter:
    """One instance's jitter: each of :data:`JITTER_RANGES` uniform, the stroke −1, 0 or +1."""
    check_instance("rng", rng, np.random.Generator, "a numpy Generator (instance_rng)")
    u = rng.random(len(JITTER_RANGES) + 1)
    values = {k: lo + (hi - lo) * float(x) for (k, (lo, hi)), x in zip(JITTER_RANGES.items(), u)}
    return Jitter(**values, stroke=int(3 * u[-1]) - 1)


def instance_rng(character: str, typeface: Typeface, seed: int = BUILD_SEED) -> np.random.Generator:
    """The generator of one instance's jitter, fixed by (seed, character, typeface).

    Keyed by the character's code point and the typeface's name, not by positions in a list:
    any subset of the set can be rebuilt on its own and matches the full build.
    """
    _check_character(character)
    _check_typeface(typeface)
    return np.random.default_rng([check_seed(seed), ord(character), typeface.key])


def render_character(
    character: str,
    typeface: Typeface,
    *,
    size: int = IMAGE_SIZE,
    jitter: Jitter | None = None,
    font_dirs: Sequence[str | Path] | None = None,
) -> np.ndarray:
    """One instance: ``character`` drawn by ``typeface`` with ``jitter``, ``uint8 [size, size]``.

    White ink (255) on black paper (0). The glyph is drawn on a canvas 4× the size with its
    bounding box centred, its strokes thinned or thickened, turned, sheared, scaled and shifted
    (bilinear), then shrunk to ``size`` by averaging each 4×4 block.
    """
    from PIL import Image, ImageDraw

    size = _check_size(size)
    _check_character(character)
    jitter = Jitter() if jitter is None else jitter
    if not isinstance(jitter, Jitter):
        raise TypeError(f"jitter must be a Jitter, got {type(jitter).__name__}")
    check_glyphs(typeface, character, font_dirs)
    font = open_typeface(typeface, size, font_dirs)
    side = OVERSAMPLE * size
    canvas = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(canvas)
    left, top, right, bottom = draw.textbbox((0, 0), character, font=font)
    draw.text(
        ((side - left - right) / 2, (side - top - bottom) / 2), character, fill=255, font=font
    )
    canvas = _change_stroke(canvas, jitter.stroke)
    canvas = canvas.transform(
        (side, side),
        Image.Transform.AFFINE,
        _inverse_affine(jitter, side),
        resample=Image.Resampling.BILINEAR,
    )
    return np.asarray(canvas.resize((size, size), Image.Resampling.BOX), dtype=np.uint8)


def _change_stroke(canvas, stroke: int):
    """Thicken (max filter) or thin (min filter) every stroke by one canvas pixel.

    Thinning is skipped when it would erase more than half the ink (a hairline weight would
    lose whole strokes, not width).
    """
    from PIL import ImageFilter

    if stroke > 0:
        return canvas.filter(ImageFilter.MaxFilter(3))
    if stroke < 0:
        thinner = canvas.filter(ImageFilter.MinFilter(3))
        if np.asarray(thinner, dtype=np.int64).sum() >= 0.5 * np.asarray(canvas, np.int64).sum():
            return thinner
    return canvas


def _inverse_affine(jitter: Jitter, side: int) -> tuple[float, ...]:
    """Pillow's affine coefficients: for each output pixel p, the input point A⁻¹(p − c − t) + c.

    A = rotation · shear · diag(scale·aspect, scale/aspect), about the canvas centre c.
    """
    theta = np.deg2rad(jitter.rotation)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    shear = np.array([[1.0, jitter.shear], [0.0, 1.0]])
    stretch = np.diag([jitter.scale * jitter.aspect, jitter.scale / jitter.aspect])
    inverse = np.linalg.inv(rotation @ shear @ stretch)
    centre = np.array([side / 2, side / 2])
    shift = np.array([jitter.shift_x, jitter.shift_y]) * side
    offset = centre - inverse @ (centre + shift)
    return (*inverse[0], offset[0], *inverse[1], offset[1])


def render_characters(
    characters: str,
    typefaces: Sequence[Typeface] = TYPEFACES,
    *,
    size: int = IMAGE_SIZE,
    seed: int = BUILD_SEED,
    font_dirs: Sequence[str | Path] | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Every instance: ``uint8 [len(characters), len(typefaces), size, size]`` at 16 grey levels.

    Each instance's jitter comes from :func:`instance_rng`. Values are levels 0…15 (ink 15),
    the precision the shipped file keeps.
    """
    from tqdm.auto import tqdm

    characters = "".join(_check_characters(characters))
    typefaces = _check_typefaces(typefaces)
    size, seed = _check_size(size), check_seed(seed)
    font_dirs, progress = _check_font_dirs(font_dirs), check_bool("progress", progress)
    _check_renders(len(characters), typefaces)
    for typeface in typefaces:  # every missing file or glyph is named before any rendering
        check_glyphs(typeface, characters, font_dirs)
    out = np.zeros((len(characters), len(typefaces), size, size), dtype=np.uint8)
    for i, character in enumerate(tqdm(characters, desc="rendering", disable=not progress)):
        for j, typeface in enumerate(typefaces):
            jitter = draw_jitter(instance_rng(character, typeface, seed))
            image = render_character(
                character, typeface, size=size, jitter=jitter, font_dirs=font_dirs
            )
            out[i, j] = _to_levels(image)
    return out


def _to_levels(image: np.ndarray) -> np.ndarray:
    """0…255 → 0…15, rounding to the nearest level (integer arithmetic: exact everywhere)."""
    return ((image.astype(np.uint16) * (GREY_LEVELS - 1) + 127) // 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------
# The shipped file
# ---------------------------------------------------------------------------------------


def build_character_set(
    count: int = NUM_CHARACTERS,
    *,
    seed: int = BUILD_SEED,
    size: int = IMAGE_SIZE,
    typefaces: Sequence[Typeface] = TYPEFACES,
    candidates: str | None = None,
    font_dirs: Sequence[str | Path] | None = None,
    progress: bool = False,
) -> dict[str, np.ndarray]:
    """The arrays of the shipped file, rendered from the installed fonts.

    ``count`` characters are drawn (seeded) from :func:`common_characters` of ``candidates``
    (default: GB 2312 level 1; a few characters make a small set to try things on) and kept in
    their order. Returns ``levels`` ``[C, F, size, size]`` (0…15), ``characters``, ``typefaces`` and
    ``font_sha256`` (of each font file, so a rebuild can tell a changed font from a bug).
    """
    # Every argument is checked before the font tables are read (seconds for all 28 fonts).
    count, seed, size = check_int("count", count, 1), check_seed(seed), _check_size(size)
    typefaces, progress = _check_typefaces(typefaces), check_bool("progress", progress)
    font_dirs = _check_font_dirs(font_dirs)
    if candidates is not None:
        candidates = "".join(_check_characters(candidates, "candidates"))
    _check_renders(count, typefaces, "count")
    pool = common_characters(typefaces, candidates, font_dirs)
    count = check_int("count", count, 1, len(pool))
    picked = np.sort(np.random.default_rng(check_seed(seed)).permutation(len(pool))[:count])
    characters = "".join(pool[i] for i in picked)
    levels = render_characters(
        characters, typefaces, size=size, seed=seed, font_dirs=font_dirs, progress=progress
    )
    return {
        "levels": levels,
        "characters": np.array(list(characters)),
        "typefaces": np.array([t.name for t in typefaces]),
        "font_sha256": np.array([file_sha256(_font_file(t, font_dirs)) for t in typefaces]),
        "seed": np.array(seed),
    }


def write_character_set(arrays: dict[str, np.ndarray], path: str | Path) -> str:
    """Write ``arrays`` as a compressed ``.npz`` whose bytes depend only on the arrays.

    ``numpy.savez_compressed`` stamps each member with the current time, so two builds of the
    same data would differ; here every member gets a fixed date. The levels are packed two
    pixels a byte. Returns the file's SHA-256 (also written to ``<path>.sha256``).
    """
    arrays, path = _check_arrays(arrays), _check_path(path, writing=True)
    members = {**arrays, "levels": _pack(arrays["levels"])}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, array in members.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            data = io.BytesIO()
            np.lib.format.write_array(data, np.asarray(array), allow_pickle=False)
            z.writestr(info, data.getvalue(), compresslevel=9)
    path.write_bytes(buffer.getvalue())
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n")
    return digest


def _pack(levels: np.ndarray) -> np.ndarray:
    """Two 4-bit levels a byte along the last axis (its length must be even)."""
    if levels.shape[-1] % 2:
        raise ValueError(f"levels: the image width must be even to pack, got {levels.shape[-1]}")
    return (levels[..., 0::2] << 4) | levels[..., 1::2]


def _unpack(packed: np.ndarray) -> np.ndarray:
    out = np.empty((*packed.shape[:-1], 2 * packed.shape[-1]), dtype=np.uint8)
    out[..., 0::2], out[..., 1::2] = packed >> 4, packed & 0x0F
    return out


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, in hex."""
    path = _check_path(path)
    if not path.is_file():
        raise ValueError(f"path must be an existing file, got {str(path)!r}")
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class CharacterSet:
    """The loaded data set.

    Attributes:
        levels: ``uint8 [C, F, 28, 28]``, grey levels 0…15 (ink 15): class c, typeface f.
        characters: the C characters (class c is ``characters[c]``).
        typefaces: the F typefaces (instance f of every class is drawn by ``typefaces[f]``).
        font_sha256: SHA-256 of each font file the set was rendered from.
    """

    levels: Tensor
    characters: str
    typefaces: tuple[Typeface, ...]
    font_sha256: tuple[str, ...]

    def __post_init__(self) -> None:
        _check_levels(self.levels, ndim=4, what="[C, F, H, W]")
        c, f = self.levels.shape[:2]
        _check_names(self.characters, self.typefaces, c, f)
        sha = check_sequence("font_sha256", self.font_sha256, of=str, length=f)
        if any(len(h) != 64 or set(h) - set("0123456789abcdef") for h in sha):
            raise ValueError(
                f"font_sha256 must be SHA-256 hex digests (64 of 0-9a-f), got {sha!r:.80}"
            )

    @property
    def num_classes(self) -> int:
        return len(self.characters)

    @property
    def num_instances(self) -> int:
        return len(self.typefaces)

    def tasks(
        self, classes: Sequence[int], instances: Sequence[int], description: str
    ) -> CharacterTasks:
        """A task family over some classes, with some instances (typefaces) of each."""
        classes = _check_indices("classes", classes, self.num_classes)
        instances = _check_indices("instances", instances, self.num_instances)
        return CharacterTasks(
            self.levels[classes][:, instances].unsqueeze(2),
            "".join(self.characters[c] for c in classes),
            tuple(self.typefaces[i] for i in instances),
            description=description,
        )

    def family(
        self, characters: str, typefaces: Sequence[Typeface], description: str
    ) -> CharacterTasks:
        """The tasks over ``characters`` as drawn by ``typefaces`` (both must be in the set).

        E.g. the typeface split's meta-test characters drawn by its *training* typefaces:
        new characters by familiar hands, beside new characters by new hands.
        """
        characters = "".join(_check_characters(characters))
        typefaces = _check_typefaces(typefaces)
        index = {c: i for i, c in enumerate(self.characters)}
        missing = [c for c in characters if c not in index]
        if missing:
            raise ValueError(
                f"characters must be in the data set, got some that are not: "
                f"{''.join(missing[:10])}"
            )
        faces = [t for t in typefaces if t not in self.typefaces]
        if faces:
            raise ValueError(
                f"typefaces must be in the data set, got some that are not: "
                f"{[t.name for t in faces]}"
            )
        return self.tasks(
            [index[c] for c in characters],
            [self.typefaces.index(t) for t in typefaces],
            description,
        )


class CharacterTasks(ImageTasks):
    """N-way K-shot tasks over Chinese characters: class c is ``characters[c]``, and image i of
    every class is drawn by ``typefaces[i]``.

    Images are kept as grey levels 0…15 (``uint8``) and handed out as floats in [0, 1].
    Classes are named by code point (``"U+6C38"`` for 永) so that plot labels need no CJK font.
    """

    def __init__(
        self,
        levels: Tensor,
        characters: str,
        typefaces: tuple[Typeface, ...],
        *,
        description: str = "characters",
    ) -> None:
        _check_levels(levels, ndim=5, what="[C, F, 1, H, W]")
        _check_names(characters, typefaces, *levels.shape[:2])
        self.characters, self.typefaces = characters, tuple(typefaces)
        super().__init__(
            levels,
            [f"U+{ord(c):04X}" for c in characters],
            max_value=GREY_LEVELS - 1,
            description=description,
        )


def load_characters(path: str | Path | None = None) -> CharacterSet:
    """The shipped data set (read once per process; treat the tensors as read-only).

    Checks the file against its ``.sha256`` beside it, so a truncated download or a Git LFS
    pointer is named as such instead of failing later as a shape error.
    """
    # Checked before the cache: a list would fail there as "unhashable", naming nothing.
    return _load_characters(DATA_FILE if path is None else _check_path(path).resolve())


@functools.cache
def _load_characters(path: Path) -> CharacterSet:
    if not path.is_file():
        raise ValueError(
            f"path: the character data set {path} is missing; it ships with the course "
            "(rebuild it with scripts/build_characters.py)"
        )
    data = path.read_bytes()
    checksum = path.with_name(path.name + ".sha256")
    if checksum.is_file():
        expected = checksum.read_text().split()[0]
        got = hashlib.sha256(data).hexdigest()
        if got != expected:
            raise ValueError(
                f"path: {path} does not match its checksum (SHA-256 {got[:12]}…, expected "
                f"{expected[:12]}… from {checksum.name}): the file is damaged or not the "
                "shipped one"
            )
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        levels = _unpack(z["levels"])
        characters = "".join(z["characters"].tolist())
        names = z["typefaces"].tolist()
        sha = tuple(z["font_sha256"].tolist())
    by_name = {t.name: t for t in TYPEFACES}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValueError(f"path: {path} names typefaces this library does not know: {unknown}")
    return CharacterSet(torch.from_numpy(levels), characters, tuple(by_name[n] for n in names), sha)


#: Sizes of the character split: meta-training / meta-validation / meta-test (Snell et al.
#: split Omniglot's 1,623 characters about 1,028 / 172 / 423).
SPLIT_SIZES = (700, 100, 200)
#: Seed of the split's permutation of the characters.
SPLIT_SEED = 0


def character_split(
    split: str = "characters", *, seed: int = SPLIT_SEED, data: CharacterSet | None = None
) -> tuple[CharacterTasks, CharacterTasks, CharacterTasks]:
    """Meta-training, meta-validation and meta-test families that share no character.

    ``split="characters"`` (the papers' protocol): 700 / 100 / 200 characters, every family
    with all 28 typefaces as the instances of each class. ``split="typefaces"``: the same
    characters, but meta-training and meta-validation draw only the 18 typefaces of the other
    families and meta-test only the 10 of :data:`TEST_FAMILIES` (WenQuanYi, cwTeX, LXGW
    WenKai), so a test task is new characters drawn by new hands.
    """
    check_choice("split", split, ("characters", "typefaces"))
    seed = check_seed(seed)
    if data is not None:
        check_instance("data", data, CharacterSet, "a CharacterSet (load_characters) or None")
    data = load_characters() if data is None else data
    order = np.random.default_rng(check_seed(seed)).permutation(data.num_classes).tolist()
    n_train, n_val, _ = SPLIT_SIZES
    parts = (order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :])
    everyone = list(range(data.num_instances))
    held_out = [i for i, t in enumerate(data.typefaces) if t.family in TEST_FAMILIES]
    seen = [i for i in everyone if i not in held_out]
    instances = (everyone,) * 3 if split == "characters" else (seen, seen, held_out)
    return tuple(  # type: ignore[return-value]
        data.tasks(sorted(c), i, description)
        for description, c, i in zip(_split_descriptions(split), parts, instances)
    )


def _split_descriptions(split: str) -> tuple[str, str, str]:
    """The three families' names as a reader sees them (whole phrases, for translation)."""
    if split == "characters":
        return (
            tr("meta-training characters (characters split)"),
            tr("meta-validation characters (characters split)"),
            tr("meta-test characters (characters split)"),
        )
    return (
        tr("meta-training characters (typefaces split)"),
        tr("meta-validation characters (typefaces split)"),
        tr("meta-test characters (typefaces split)"),
    )


# ---------------------------------------------------------------------------------------
# Checks at the library's edge
# ---------------------------------------------------------------------------------------


def _check_size(size: object) -> int:
    size = check_int("size", size, 1)
    if not 8 <= size <= 256:
        raise ValueError(
            f"size must be in [8, 256] pixels (below 8 a character is a blur of a few pixels), "
            f"got {size}"
        )
    return size


#: Most characters one call renders or checks (GB 2312 has 7,445 in all; level 1, 3,755).
MAX_CHARACTERS = 100_000
#: Most instances one call renders: the shipped set is 28,000 (about 20 s of CPU); 100,000 is
#: over a minute. Each size alone is capped; this caps their product.
MAX_RENDERS = 100_000


def _check_renders(count: int, typefaces: tuple[Typeface, ...], name: str = "characters") -> None:
    if count * len(typefaces) > MAX_RENDERS:
        raise ValueError(
            f"{name} × typefaces must be at most {MAX_RENDERS:_} instances to render, got "
            f"{count:_} × {len(typefaces)} = {count * len(typefaces):_}"
        )


def _check_characters(characters: object, name: str = "characters") -> tuple[str, ...]:
    """A string, or an iterable of one-character strings (a list of characters), as a tuple."""
    if isinstance(characters, str):
        out = tuple(characters)
    elif isinstance(characters, Iterable) and not isinstance(characters, bytes | Mapping):
        out = tuple(itertools.islice(characters, MAX_CHARACTERS + 1))  # an endless one stops
        if any(not isinstance(c, str) or len(c) != 1 for c in out):
            raise TypeError(f"{name} must be a string of characters, got {out!r:.80}")
    else:
        raise TypeError(f"{name} must be a string of characters, got {type(characters).__name__}")
    if not out:
        raise ValueError(f"{name} must hold at least one character, got ''")
    if len(out) > MAX_CHARACTERS:
        raise ValueError(
            f"{name} must hold at most {MAX_CHARACTERS:_} characters, got {len(out):_}"
        )
    return out


def _check_indices(name: str, indices: object, size: int) -> list[int]:
    """Different indices in 0..size−1, at least one (a list, for tensor indexing)."""
    if isinstance(indices, np.ndarray | Tensor) and indices.ndim == 1:
        indices = indices.tolist()
    out = [check_int(f"{name} entries", i, 0, size - 1) for i in check_sequence(name, indices)]
    if not out or len(set(out)) != len(out):
        raise ValueError(f"{name} must be different indices, at least one, got {indices!r:.80}")
    return out


def _check_character(character: object) -> str:
    if not isinstance(character, str):
        raise TypeError(f"character must be a one-character string, got {type(character).__name__}")
    if len(character) != 1:
        raise ValueError(f"character must be one character, got {character!r}")
    return character


def _check_typeface(typeface: object) -> Typeface:
    return check_instance("typeface", typeface, Typeface, "a Typeface (see TYPEFACES)")


def _check_typefaces(typefaces: object) -> tuple[Typeface, ...]:
    if isinstance(typefaces, Typeface):
        typefaces = (typefaces,)
    if isinstance(typefaces, str | bytes) or not isinstance(typefaces, Sequence):
        raise TypeError(
            f"typefaces must be a sequence of Typeface (see TYPEFACES), got "
            f"{type(typefaces).__name__}"
        )
    wrong = [t for t in typefaces if not isinstance(t, Typeface)]
    if wrong:
        raise TypeError(
            f"typefaces must be a sequence of Typeface (see TYPEFACES), got {wrong[0]!r:.60}"
        )
    if not typefaces:
        raise ValueError("typefaces must hold at least one Typeface, got none")
    return tuple(typefaces)


def _check_font_dirs(font_dirs: object) -> tuple[Path, ...] | None:
    """None (each typeface's own path) or folders to search, as Paths. A single string is
    refused: iterating it would search one folder per letter."""
    if font_dirs is None:
        return None
    if isinstance(font_dirs, str | bytes | Path) or not isinstance(font_dirs, Sequence):
        raise TypeError(
            f"font_dirs must be a list of folders (str or Path) or None, got {font_dirs!r:.80}"
        )
    wrong = [d for d in font_dirs if not isinstance(d, str | Path)]
    if wrong:
        raise TypeError(f"font_dirs must hold folder paths (str or Path), got {wrong[0]!r:.60}")
    return tuple(Path(d) for d in font_dirs)


def _check_path(path: object, *, writing: bool = False) -> Path:
    """``path`` (a str or Path) as a Path; for writing, its folder must exist."""
    if not isinstance(path, str | Path):
        raise TypeError(f"path must be a file path (str or Path), got {type(path).__name__}")
    path = Path(path)
    if writing and not path.parent.is_dir():
        raise ValueError(f"path must be in an existing folder, got {str(path)!r}")
    return path


#: The arrays :func:`build_character_set` returns (``write_character_set`` needs ``levels``).
_ARRAYS = ("levels", "characters", "typefaces", "font_sha256", "seed")


def _check_arrays(arrays: object) -> dict[str, np.ndarray]:
    if not isinstance(arrays, Mapping):
        raise TypeError(
            f"arrays must be the dict of build_character_set ({', '.join(_ARRAYS)}), got "
            f"{type(arrays).__name__}"
        )
    if "levels" not in arrays:
        raise ValueError(
            f"arrays must hold 'levels' (and {_ARRAYS[1:]}), got {sorted(map(str, arrays))}"
        )
    wrong = [
        k for k, v in arrays.items() if not isinstance(k, str) or not isinstance(v, np.ndarray)
    ]
    if wrong:
        raise TypeError(f"arrays must map names to numpy arrays, got {wrong[0]!r:.60}")
    levels = arrays["levels"]
    if not isinstance(levels, np.ndarray) or levels.dtype != np.uint8 or levels.ndim != 4:
        raise TypeError(
            f"arrays['levels'] must be a uint8 array [C, F, size, size], got "
            f"{getattr(levels, 'dtype', type(levels).__name__)} {getattr(levels, 'shape', '')}"
        )
    if levels.size and int(levels.max()) >= GREY_LEVELS:
        raise ValueError(
            f"arrays['levels'] must hold grey levels 0..{GREY_LEVELS - 1} (4 bits a pixel), got "
            f"a maximum of {int(levels.max())}"
        )
    return dict(arrays)


def _check_levels(levels: object, *, ndim: int, what: str) -> None:
    """Grey levels 0…15 as an integer tensor of ``ndim`` dimensions."""
    if not isinstance(levels, Tensor):
        raise TypeError(
            f"levels must be a torch.Tensor {what} of grey levels, got {type(levels).__name__}"
        )
    if levels.is_floating_point() or levels.dtype == torch.bool or levels.is_complex():
        raise TypeError(
            f"levels must be integer grey levels 0..{GREY_LEVELS - 1}, got {levels.dtype}"
        )
    if levels.dim() != ndim:
        raise ValueError(f"levels must be {what}, got shape {tuple(levels.shape)}")
    if levels.numel() and (int(levels.min()) < 0 or int(levels.max()) >= GREY_LEVELS):
        raise ValueError(
            f"levels must be grey levels 0..{GREY_LEVELS - 1}, got values from "
            f"{int(levels.min())} to {int(levels.max())}"
        )


def _check_names(characters: object, typefaces: object, classes: int, instances: int) -> None:
    """One character per class and one Typeface per instance."""
    check_instance("characters", characters, str, "a string, one character per class")
    if len(characters) != classes:
        raise ValueError(
            f"characters must name each of the {classes} classes, got {len(characters)} characters"
        )
    faces = check_sequence("typefaces", typefaces, of=Typeface)
    if len(faces) != instances:
        raise ValueError(
            f"typefaces must name the {instances} instances of each class, got {len(faces)}"
        )
