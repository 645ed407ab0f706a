"""Write Chapter 0's roadmap and every chapter's closing "Next" line from course_lib.chapters.

Usage:
    python scripts/sync_chapters.py            # rewrite the notebooks where they differ
    python scripts/sync_chapters.py --check    # only report (tests/test_chapters.py runs this)

The roadmap is the markdown cell tagged ``roadmap`` in Chapter 0; the "Next" line is the last cell
of every chapter, a markdown cell tagged ``next-chapter`` (added if missing). Nothing else changes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib.chapters import CHAPTERS, next_markdown, roadmap_markdown  # noqa: E402

ROADMAP_TAG, NEXT_TAG = "roadmap", "next-chapter"


def _tagged(nb, tag: str):
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


def _set(cell, source: str) -> bool:
    if cell.source == source:
        return False
    cell.source = source
    return True


def sync_notebook(path: Path, number: int, *, write: bool) -> list[str]:
    """The differences found in one chapter (fixed in place when ``write``)."""
    nb = nbformat.read(path, as_version=4)
    problems = []
    if number == 0:
        roadmap = _tagged(nb, ROADMAP_TAG)
        if len(roadmap) != 1:
            problems.append(
                f"{path.name}: needs exactly one cell tagged {ROADMAP_TAG!r}, has {len(roadmap)}"
            )
        elif _set(roadmap[0], roadmap_markdown()):
            problems.append(f"{path.name}: the roadmap differs from course_lib.chapters")
    nexts = _tagged(nb, NEXT_TAG)
    if not nexts:
        cell = nbformat.v4.new_markdown_cell(next_markdown(number))
        cell.metadata["tags"] = [NEXT_TAG]
        nb.cells.append(cell)
        problems.append(f"{path.name}: has no closing cell tagged {NEXT_TAG!r}")
    else:
        if nexts[-1] is not nb.cells[-1] or len(nexts) > 1:
            problems.append(f"{path.name}: the {NEXT_TAG!r} cell must be the one last cell")
        if _set(nexts[-1], next_markdown(number)):
            problems.append(f"{path.name}: its Next line differs from course_lib.chapters")
    if write and problems:
        nbformat.write(nb, path)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report differences, change nothing")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    args = parser.parse_args(argv)
    files = sorted(args.notebooks.glob("[0-9][0-9]_*.ipynb"))
    names = [f.stem for f in files]
    listed = [c.name for c in CHAPTERS]
    if names != listed:
        print(f"notebooks {names} differ from course_lib.chapters.CHAPTERS {listed}")
        return 1
    problems = []
    for chapter, path in zip(CHAPTERS, files):
        problems += sync_notebook(path, chapter.number, write=not args.check)
    for p in problems:
        print(("" if args.check else "fixed: ") + p)
    return 1 if problems and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
