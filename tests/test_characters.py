"""Chapter 6's data set: the shipped characters, their splits, the rendering and its rebuild.

The rebuild test needs the Debian fonts (``scripts/install_fonts.sh``, which ``make unit`` runs
first). Where they are missing it is skipped with the command to install them, except under
CI (``CI`` set), where it fails: a skip there would hide a shipped file nobody can rebuild.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from course_lib.meta import characters as ch
from course_lib.meta.characters import (
    DATA_FILE,
    STYLES,
    TEST_FAMILIES,
    TYPEFACES,
    Jitter,
    Typeface,
    character_split,
    load_characters,
)

ROOT = Path(__file__).resolve().parents[1]
FONTS_PRESENT = all(Path(t.path).is_file() for t in TYPEFACES)


@functools.cache
def changed_fonts() -> tuple[str, ...]:
    """The typefaces whose installed file is not the one the shipped set was rendered from."""
    shipped = load_characters()
    return tuple(
        t.name
        for t, sha in zip(shipped.typefaces, shipped.font_sha256)
        if ch.file_sha256(t.path) != sha
    )


def needs_fonts(*, as_shipped: bool = False):
    """Skip (locally) or fail (CI) when the fonts are missing or, with ``as_shipped``, differ
    from the files the set was rendered from (another distribution's or release's versions:
    a rebuild there cannot match, and that says nothing about the shipped file)."""
    message = None
    if not FONTS_PRESENT:
        missing = sorted({t.package for t in TYPEFACES if not Path(t.path).is_file()})
        message = f"fonts missing ({' '.join(missing)}): run bash scripts/install_fonts.sh"
    elif as_shipped and changed_fonts():
        message = (
            f"the installed fonts of {', '.join(changed_fonts())} differ from the files the shipped "
            "set was rendered from (course_lib/data/FONTS.md lists Debian bookworm's versions)"
        )
    if message is None:
        return
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def data():
    return load_characters()


# ---------------------------------------------------------------------------------------
# The shipped file
# ---------------------------------------------------------------------------------------


def test_shipped_set_statistics(data):
    assert data.num_classes == 1000 and data.num_instances == 28 >= 20
    assert data.levels.shape == (1000, 28, 28, 28) and data.levels.dtype == torch.uint8
    assert int(data.levels.max()) == ch.GREY_LEVELS - 1 and int(data.levels.min()) == 0
    assert len(set(data.characters)) == 1000
    assert set(data.characters) <= set(ch.gb2312_level1())
    assert {t.style for t in data.typefaces} == set(STYLES)  # all five styles of type
    assert DATA_FILE.stat().st_size < 6e6  # "a few MB"
    # No blank instance: every typeface drew every character (一, one stroke, has the least ink).
    ink = data.levels.float().sum(dim=(2, 3))
    assert (ink > 10 * 15).all()


def test_file_matches_its_checksum():
    recorded = DATA_FILE.with_name(DATA_FILE.name + ".sha256").read_text().split()
    assert recorded[1] == DATA_FILE.name
    assert hashlib.sha256(DATA_FILE.read_bytes()).hexdigest() == recorded[0]


def test_loading_takes_under_two_seconds():
    start, cpu = time.perf_counter(), time.process_time()
    ch._load_characters.__wrapped__(DATA_FILE)  # not the cached copy
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"load_characters: {wall:.2f} s wall, {cpu:.2f} s CPU")
    assert cpu < 2.0  # the machine may be shared: CPU time is what the load itself costs


def test_fonts_md_lists_every_typeface_and_licence(data):
    text = DATA_FILE.with_name("FONTS.md").read_text()
    for typeface in data.typefaces:
        assert f"| {typeface.name} |" in text and typeface.package in text
        assert typeface.licence in ch.LICENCES
    for licence in {t.licence for t in data.typefaces}:
        assert f"**{licence}**" in text
    assert ch.file_sha256(DATA_FILE) in text


def test_install_script_installs_every_package():
    script = (ROOT / "scripts" / "install_fonts.sh").read_text()
    listed = dict(re.findall(r"^(fonts-[a-z0-9-]+) (/\S+)$", script, flags=re.MULTILINE))
    assert set(listed) == {t.package for t in TYPEFACES}
    for package, path in listed.items():  # the file it checks belongs to that package
        assert path in {t.path for t in TYPEFACES if t.package == package}
    assert "declare -A" not in script  # macOS's /bin/bash 3.2 has no associative arrays


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(
    ("apt", "uid", "ci", "rc", "said"),
    [
        (False, 0, "", 0, "apt-get is not available"),  # macOS, Windows: no harm done
        (True, 1000, "", 0, "installing needs root"),  # Linux without sudo: no password prompt
        (False, 0, "1", 1, "CI is set: failing"),  # CI must not skip the rebuild test silently
    ],
)
def test_install_script_never_breaks_make_unit_for_a_student(tmp_path, apt, uid, ci, rc, said):
    """Where it cannot install the fonts it explains and exits 0, so `make unit` goes on."""
    script = (ROOT / "scripts" / "install_fonts.sh").read_text()
    gone = next(t for t in TYPEFACES if t.path in script)  # one package's file goes missing
    copy = tmp_path / "install_fonts.sh"
    copy.write_text(script.replace(gone.path, str(tmp_path / "absent.ttf")))
    bin_dir = tmp_path / "bin"  # a PATH with a fake id, no sudo, and apt-get only if asked
    bin_dir.mkdir()
    fakes = {"id": f"echo {uid}", **({"apt-get": "exit 100"} if apt else {})}
    for name, body in fakes.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    env = {"PATH": str(bin_dir), **({"CI": ci} if ci else {})}
    out = subprocess.run(
        [shutil.which("bash"), str(copy)], env=env, capture_output=True, text=True, timeout=30
    )
    assert out.returncode == rc, out.stderr
    assert f"missing {gone.package} " in out.stderr and said in out.stderr


def test_a_damaged_file_is_named(tmp_path):
    copy = tmp_path / DATA_FILE.name
    shutil.copy(DATA_FILE, copy)
    shutil.copy(DATA_FILE.with_name(DATA_FILE.name + ".sha256"), tmp_path)
    raw = bytearray(copy.read_bytes())
    raw[len(raw) // 2] ^= 1
    copy.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="does not match its checksum"):
        load_characters(copy)
    with pytest.raises(ValueError, match="is missing; it ships with the course"):
        load_characters(tmp_path / "nothing.npz")


def test_written_files_depend_only_on_the_arrays(tmp_path):
    arrays = {
        "levels": np.arange(2 * 3 * 8 * 8, dtype=np.uint8).reshape(2, 3, 8, 8) % 16,
        "characters": np.array(list("永国")),
        "seed": np.array(0),
    }
    a = ch.write_character_set(arrays, tmp_path / "a.npz")
    time.sleep(1.1)  # a zip stamped with the clock would change here
    b = ch.write_character_set(arrays, tmp_path / "b.npz")
    assert a == b
    with np.load(tmp_path / "a.npz") as z:
        assert np.array_equal(ch._unpack(z["levels"]), arrays["levels"])


# ---------------------------------------------------------------------------------------
# Splits and tasks
# ---------------------------------------------------------------------------------------


def test_character_split_shares_no_character(data):
    train, val, test = character_split()
    sizes = (train.num_classes, val.num_classes, test.num_classes)
    assert sizes == ch.SPLIT_SIZES == (700, 100, 200)
    sets = [set(f.characters) for f in (train, val, test)]
    assert not (sets[0] & sets[1]) and not (sets[0] & sets[2]) and not (sets[1] & sets[2])
    assert sets[0] | sets[1] | sets[2] == set(data.characters)
    assert all(f.images_per_class == 28 and f.typefaces == data.typefaces for f in (train, test))
    assert train.image_shape == (1, 28, 28)


def test_typeface_split_tests_on_unseen_families():
    train, val, test = character_split("typefaces")
    assert set(train.characters).isdisjoint(test.characters)
    assert {t.family for t in test.typefaces} == set(TEST_FAMILIES)
    assert not {t.family for t in train.typefaces + val.typefaces} & set(TEST_FAMILIES)
    assert (train.images_per_class, test.images_per_class) == (18, 10)
    assert {t.style for t in test.typefaces} >= {"Fangsong", "Yuan"}
    assert not {t.style for t in train.typefaces} & {"Fangsong", "Yuan"}


def test_family_draws_the_same_characters_with_other_typefaces(data):
    train, _, test = character_split("typefaces")
    seen = data.family(test.characters, train.typefaces, "test characters, seen typefaces")
    assert seen.characters == test.characters and seen.typefaces == train.typefaces
    c, f = data.characters.index(test.characters[3]), data.typefaces.index(train.typefaces[5])
    assert torch.equal(seen.images[3, 5, 0], data.levels[c, f])
    with pytest.raises(ValueError, match="characters must be in the data set"):
        data.family("𠀀", train.typefaces, "x")


def test_tasks_hold_floats_in_zero_one_and_shuffled_labels():
    _, _, test = character_split()
    batch = test.sample(3, 5, 2, 4, torch.Generator().manual_seed(0))
    assert batch.x_support.shape == (3, 10, 1, 28, 28) and batch.x_query.shape == (3, 20, 1, 28, 28)
    assert batch.x_support.dtype == torch.float32
    assert 0.0 <= float(batch.x_support.min()) and float(batch.x_support.max()) <= 1.0
    assert batch.y_support[0].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    again = test.sample(3, 5, 2, 4, torch.Generator().manual_seed(0))
    assert torch.equal(batch.x_query, again.x_query)
    assert test.describe(0) == f"U+{ord(test.characters[0]):04X}"  # plot labels need no CJK font


def test_too_many_ways_or_shots_are_named():
    _, _, test = character_split()
    with pytest.raises(ValueError, match=r"n_way must be <= 200, the classes of meta-test.*201"):
        test.sample(1, 201, 1, 1)
    with pytest.raises(ValueError, match=r"k_shot \+ k_query must be <= 28.*got 20 \+ 9 = 29"):
        test.sample(1, 5, 20, 9)
    _, _, new_hands = character_split("typefaces")
    with pytest.raises(ValueError, match=r"k_shot \+ k_query must be <= 10"):
        new_hands.sample(1, 5, 5, 15)
    with pytest.raises(ValueError, match="split must be one of"):
        character_split("fonts")


# ---------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------


def test_gb2312_level1_is_the_common_set():
    level1 = ch.gb2312_level1()
    assert len(level1) == 3755 and level1[0] == "啊" and level1[-1] == "座"


def test_jitter_is_mild_and_reproducible():
    jitters = [ch.draw_jitter(np.random.default_rng(i)) for i in range(200)]
    for name, (lo, hi) in ch.JITTER_RANGES.items():
        values = [getattr(j, name) for j in jitters]
        assert lo <= min(values) and max(values) <= hi
    assert {j.stroke for j in jitters} == {-1, 0, 1}
    a = ch.instance_rng("永", TYPEFACES[0]).random()
    assert a == ch.instance_rng("永", TYPEFACES[0]).random()
    assert a != ch.instance_rng("永", TYPEFACES[1]).random()


def test_bad_render_arguments_are_named():
    noto = TYPEFACES[3]
    with pytest.raises(ValueError, match=r"size must be in \[8, 256\].*got 7"):
        ch.render_character("永", noto, size=7)
    with pytest.raises(ValueError, match=r"size must be in \[8, 256\]"):
        ch.open_typeface(noto, size=4)
    with pytest.raises(ValueError, match="one character, got '永国'"):
        ch.render_character("永国", noto)
    with pytest.raises(TypeError, match="character must be a one-character string"):
        ch.render_character(0x6C38, noto)
    with pytest.raises(TypeError, match="jitter must be a Jitter"):
        ch.render_character("永", noto, jitter=(0, 0))
    with pytest.raises(TypeError, match="typeface must be a Typeface"):
        ch.render_character("永", "Noto Sans")


def test_a_missing_font_file_names_its_package(tmp_path):
    ghost = Typeface("Ghost Sans", "Hei", "Ghost", "fonts-ghost", str(tmp_path / "ghost.ttf"))
    with pytest.raises(
        ValueError, match=r"font file of 'Ghost Sans' is missing.*apt-get install -y fonts-ghost"
    ):
        ch.render_character("永", ghost)
    with pytest.raises(ValueError, match="is missing"):
        ch.render_characters("永", [ghost])
    with pytest.raises(ValueError, match="is missing: no ghost.ttf under"):
        ch.check_glyphs(ghost, "永", font_dirs=[tmp_path])


def test_a_missing_glyph_is_named():
    needs_fonts()
    cwtex = next(t for t in TYPEFACES if t.name == "cwTeX Q Ming")  # traditional characters only
    with pytest.raises(ValueError, match=r"'cwTeX Q Ming', got 1 that have none: 国 \(U\+56FD"):
        ch.render_character("国", cwtex)
    with pytest.raises(ValueError, match="got 2 that have none"):
        ch.render_characters("永国们", [cwtex])


def test_one_instance_renders_as_shipped(data):
    """Each instance's jitter is keyed by (seed, character, typeface), so one image rebuilds alone."""
    needs_fonts(as_shipped=True)
    for c, f in ((0, 0), (517, 13), (999, 27)):
        character, typeface = data.characters[c], data.typefaces[f]
        jitter = ch.draw_jitter(ch.instance_rng(character, typeface))
        image = ch.render_character(character, typeface, jitter=jitter)
        assert image.shape == (28, 28) and image.dtype == np.uint8
        assert np.array_equal(ch._to_levels(image), data.levels[c, f].numpy())
    plain = ch.render_character(data.characters[0], data.typefaces[3], jitter=Jitter(), size=56)
    assert plain.shape == (56, 56) and plain.max() == 255


def test_the_rebuild_matches_the_shipped_file(tmp_path):
    """The whole set, rendered again from the fonts, is the shipped file byte for byte."""
    needs_fonts(as_shipped=True)
    rebuilt = ch.build_character_set()
    digest = ch.write_character_set(rebuilt, tmp_path / DATA_FILE.name)
    assert digest == ch.file_sha256(DATA_FILE), (
        "rebuild differs: run scripts/build_characters.py --check"
    )


# ---------------------------------------------------------------------------------------
# Arguments checked before any work (issue #28); a tiny build with a font every machine has
# ---------------------------------------------------------------------------------------


@functools.cache
def stix() -> Typeface:
    """matplotlib's STIX General (SIL OFL 1.1): Latin glyphs, installed wherever matplotlib is."""
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "STIXGeneral.ttf"
    return Typeface("STIX General", "Song", "STIX", "matplotlib", str(path))


def test_a_tiny_set_builds_from_a_few_candidates(tmp_path):
    arrays = ch.build_character_set(2, typefaces=(stix(),), candidates="ABC", size=8)
    assert arrays["levels"].shape == (2, 1, 8, 8) and arrays["levels"].max() <= 15
    assert "".join(arrays["characters"]) in ("AB", "AC", "BC")
    digest = ch.write_character_set(arrays, tmp_path / "tiny.npz")
    assert digest == ch.file_sha256(tmp_path / "tiny.npz")


def test_build_arguments_are_checked_before_the_fonts_are_read(monkeypatch):
    def no_fonts(*args, **kwargs):
        raise AssertionError("the font tables were read before the arguments were checked")

    monkeypatch.setattr(ch, "common_characters", no_fonts)
    for kwargs, error, message in [
        ({"count": 0}, ValueError, r"count must be an integer >= 1, got 0"),
        ({"seed": -1}, ValueError, r"seed must be an integer >= 0, got -1"),
        ({"size": 4}, ValueError, r"size must be in \[8, 256\] pixels.*got 4"),
        ({"progress": "no"}, TypeError, r"progress must be True or False, got 'no'"),
        ({"font_dirs": "/usr/share/fonts"}, TypeError, r"font_dirs must be a list of folders"),
        ({"candidates": ""}, ValueError, r"candidates must hold at least one character"),
        (
            {"count": 4000, "typefaces": TYPEFACES},
            ValueError,
            r"count × typefaces must be at most 100_000 instances to render, got 4_000 × 28 = 112_000",
        ),
    ]:
        with pytest.raises(error, match=message):
            ch.build_character_set(**{"typefaces": (stix(),), **kwargs})


def test_typefaces_and_data_sets_check_their_fields():
    with pytest.raises(ValueError, match=r"style must be one of .*got 'Gothic'"):
        Typeface("X", "Gothic", "X", "fonts-x", "/x.ttf")
    with pytest.raises(ValueError, match=r"licence must be one of .*got 'MIT'"):
        Typeface("X", "Hei", "X", "fonts-x", "/x.ttf", licence="MIT")
    with pytest.raises(TypeError, match="characters must be a string of characters, got"):
        ch.render_characters([1, 2], (stix(),), size=8)  # used to render "12"
    levels = torch.zeros(2, 1, 8, 8, dtype=torch.uint8)
    with pytest.raises(
        ValueError, match="levels must be grey levels 0..15, got values from 0 to 16"
    ):
        ch.CharacterSet(
            levels + 16 * (torch.arange(2) == 1).reshape(2, 1, 1, 1), "AB", (stix(),), ("0" * 64,)
        )
    data = ch.CharacterSet(levels, "AB", (stix(),), ("0" * 64,))
    with pytest.raises(ValueError, match=r"classes entries must be an integer in \[0, 1\], got 5"):
        data.tasks([0, 5], [0], "toys")
    assert data.tasks(np.array([1, 0]), [0], "toys").characters == "BA"
    with pytest.raises(TypeError, match="data must be a CharacterSet"):
        character_split(data=levels)
    with pytest.raises(TypeError, match="path must be a file path .*got list"):
        load_characters(["characters-28.npz"])  # used to fail in the cache as "unhashable"
    assert load_characters(str(DATA_FILE)) is load_characters()
