"""Your working copy of the chapters: what `make lab` serves and `make refresh` updates.

Usage:
    python scripts/working_copy.py sync [--src student] [--dest work]
    python scripts/working_copy.py refresh [--src student] [--dest work] CHAPTER

Running a chapter writes its outputs (and your edits) into the file JupyterLab serves. Were that
file a committed or generated edition (``notebooks/`` for instructors, ``student/`` built by
``make student``), every run would change it and the next ``git pull`` or ``make student``
would clash with the student's work. So ``make lab`` serves a copy: ``work/`` of the student
edition, or ``work-instructor/`` of ``notebooks/`` with ``make lab EDITION=instructor`` (both
ignored by git):

* ``sync`` copies in whatever of the edition the copy lacks (everything on the first run,
  a new chapter after a ``git pull``) and never overwrites a file you already have;
* ``refresh 03_ppo`` brings the course's current version of one chapter in, after moving yours
  to ``work/backups/03_ppo.<date-time>.ipynb`` (``make refresh CHAPTER=03_ppo``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

BACKUPS = "backups"


def _entries(src: Path) -> list[Path]:
    """What the course ships in ``src``: chapters and any files beside them, no hidden ones."""
    return sorted(p for p in src.iterdir() if not p.name.startswith("."))


def sync(src: Path, dest: Path) -> list[Path]:
    """Copy every entry of ``src`` that ``dest`` lacks; return the copies made (in ``dest``)."""
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for entry in _entries(src):
        target = dest / entry.name
        if target.exists():
            continue  # yours: never overwritten
        if entry.is_dir():
            shutil.copytree(entry, target)
        else:
            shutil.copy2(entry, target)
        copied.append(target)
    return copied


def chapter_path(src: Path, chapter: str) -> Path:
    """``"03_ppo"`` or ``"03_ppo.ipynb"`` -> ``src/03_ppo.ipynb``; ValueError naming the
    chapters that exist when there is no such chapter."""
    name = chapter if chapter.endswith(".ipynb") else f"{chapter}.ipynb"
    path = src / Path(name).name  # a bare name only: never a path out of src
    if not chapter or not path.is_file():
        known = ", ".join(p.stem for p in _entries(src) if p.suffix == ".ipynb")
        raise ValueError(f"no chapter {chapter!r} in {src}/; the chapters are: {known}")
    return path


def refresh(src: Path, dest: Path, chapter: str, stamp: str | None = None) -> Path | None:
    """Replace ``dest``'s copy of ``chapter`` with the one in ``src``.

    Your copy is moved to ``dest/backups/<chapter>.<stamp>.ipynb`` first (``stamp`` defaults
    to the date and time); returns that backup's path, or None when you had no copy yet.
    """
    new = chapter_path(src, chapter)
    mine = dest / new.name
    backup = None
    if mine.exists():
        stamp = stamp or time.strftime("%Y%m%d-%H%M%S")
        backup = dest / BACKUPS / f"{new.stem}.{stamp}.ipynb"
        if backup.exists():
            raise FileExistsError(f"{backup} exists already: wait a second and run it again")
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(mine, backup)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(new, mine)
    return backup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["sync", "refresh"])
    parser.add_argument("chapter", nargs="?", default="", help="for refresh: e.g. 03_ppo")
    parser.add_argument("--src", type=Path, default=Path("student"), help="the edition to copy")
    parser.add_argument("--dest", type=Path, default=Path("work"))
    # Intermixed: `refresh --src notebooks --dest work 03_ppo` (the Makefile's order) parses.
    args = parser.parse_intermixed_args(argv)
    if not args.src.is_dir():
        hint = (
            " (build the student edition first: make student)" if args.src.name == "student" else ""
        )
        parser.error(f"--src {args.src} is not a folder{hint}")
    if args.dest.resolve() == args.src.resolve():
        parser.error("--dest must differ from --src: the point is not to run the committed files")
    if args.action == "sync":
        kept = len(list(args.dest.iterdir())) if args.dest.is_dir() else 0
        copied = sync(args.src, args.dest)
        print(f"[lab] {args.dest}/: {len(copied)} copied in from {args.src}/, {kept} of yours kept")
        return 0
    try:
        backup = refresh(args.src, args.dest, args.chapter)
    except ValueError as err:
        parser.error(f"{err} (make refresh CHAPTER=NN_name)")
    saved = f"yours is in {backup}" if backup else "you had no copy yet"
    print(f"[lab] {args.dest}/{Path(args.chapter).stem}.ipynb is the course's version now; {saved}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
