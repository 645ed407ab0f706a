"""The one chapter list (course_lib.chapters) against the notebooks, Chapter 0's roadmap, every
chapter's closing "Next" line and the README's chapter table."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib.chapters import CHAPTERS, chapter, next_markdown, roadmap_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_the_list_is_the_notebooks_in_reading_order():
    assert [c.number for c in CHAPTERS] == list(range(len(CHAPTERS)))
    assert [c.file for c in CHAPTERS] == sorted(
        p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
    )


def test_roadmap_and_next_lines_match_the_list():
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sync_chapters.py"), "--check"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr


def test_readme_chapter_table_lists_every_chapter():
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| (\d+) \| `(\d\d_\w+\.ipynb)` \|", readme, flags=re.M)
    assert [(int(n), f) for n, f in rows] == [(c.number, c.file) for c in CHAPTERS]


def test_roadmap_lists_every_later_chapter_and_next_points_forward():
    roadmap = roadmap_markdown()
    assert all(f"`{c.file}`" in roadmap for c in CHAPTERS[1:])
    assert CHAPTERS[1].file in next_markdown(0) and "last chapter" in next_markdown(
        CHAPTERS[-1].number
    )


def test_unknown_chapter_is_named():
    with pytest.raises(ValueError, match="no chapter 42"):
        chapter(42)
