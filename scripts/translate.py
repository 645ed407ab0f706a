"""The Chinese edition, from one source: translation catalogs in, Chinese notebooks out.

Usage:
    python scripts/translate.py update [--lang zh]     # refresh every catalog from the English
    python scripts/translate.py build  [--lang zh] [--src notebooks] [--out notebooks-zh]
    python scripts/translate.py status [--lang zh]     # what is untranslated or stale, per catalog

The English is the source; translations live in gettext PO files (the format of the Python
documentation's translations; Poedit and Weblate edit them):

* ``notebooks/locale/<lang>/NN_name.po``, one per chapter: each markdown cell keyed by its cell id
  (``msgctxt "cell <id>"``), the student wording of an exercise's prose (``"student <id>"``), and
  the messages its code cells print through ``tr("...")`` (no context);
* ``course_lib/locale/<lang>/<module>.po``, one per library module that calls ``tr("...")``
  (checker feedback, widget and plot labels).

Each entry's ``msgid`` is the exact English it was translated from. ``update`` keeps every
translation whose English is unchanged; when an English cell changes, its old translation is
kept but marked fuzzy (stale), with the old English as ``#| msgid``, until a translator updates
it; ``tests/test_translations.py`` fails while any entry is missing or stale, so the two editions
cannot drift apart. ``build`` writes the translated instructor edition: code cells are copied
unchanged, except the ``parameters`` cell's ``LANGUAGE = "en"``, which becomes the edition's
language (the chapter then prints, draws and checks in it).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LIBRARY = ROOT / "course_lib"
LANGUAGE_LINE = re.compile(r'^LANGUAGE = "en"', re.MULTILINE)
PROSE_TAG, STUDENT_SOURCE = "solution-prose", "student_source"
#: Reference outputs of ``# NBVAL_CHECK_OUTPUT`` cells, per language (scripts/record_outputs.py).
REFERENCE_KEY = "nbval_reference"


# -- what needs translating ---------------------------------------------------------------------
def tr_messages(source: str) -> Iterator[str]:
    """The literal first arguments of every ``tr("...")`` call in Python ``source``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a cell with IPython magics: parse it without them
        tree = ast.parse(
            "\n".join(
                line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
            )
        )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "tr"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def notebook_messages(path: Path) -> list[tuple[str | None, str]]:
    """(context, English) of everything a chapter shows a reader, in the chapter's order."""
    nb = nbformat.read(path, as_version=4)
    out: list[tuple[str | None, str]] = []
    seen: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            if cell.source.strip():
                out.append((f"cell {cell.id}", cell.source))
            student = cell.metadata.get(STUDENT_SOURCE)
            if PROSE_TAG in cell.metadata.get("tags", []) and student:
                out.append((f"student {cell.id}", student))
        elif cell.cell_type == "code":
            for message in tr_messages(cell.source):
                if message not in seen:
                    seen.add(message)
                    out.append((None, message))
    return out


def module_messages(path: Path) -> list[tuple[str | None, str]]:
    seen: dict[str, None] = {}
    for message in tr_messages(path.read_text(encoding="utf-8")):
        seen.setdefault(message)
    return [(None, m) for m in seen]


def catalogs(lang: str) -> dict[Path, list[tuple[str | None, str]]]:
    """Every catalog the course has for ``lang``, with the messages it must hold."""
    out: dict[Path, list[tuple[str | None, str]]] = {}
    for nb in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        out[NOTEBOOKS / "locale" / lang / f"{nb.stem}.po"] = notebook_messages(nb)
    for module in sorted(LIBRARY.rglob("*.py")):
        messages = module_messages(module)
        if messages:
            name = ".".join(module.relative_to(ROOT).with_suffix("").parts)
            out[LIBRARY / "locale" / lang / f"{name}.po"] = messages
    return out


# -- PO files ----------------------------------------------------------------------------------
def read_catalog(path: Path) -> Catalog:
    if not path.exists():
        return Catalog(locale=None)
    with path.open("rb") as f:
        return read_po(f)


def write_catalog(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=0, omit_header=True, include_previous=True, sort_output=False)


def update_catalog(
    path: Path, messages: list[tuple[str | None, str]], lang: str
) -> tuple[int, int]:
    """Rewrite ``path`` to hold exactly ``messages``, keeping what is translated; returns (new, stale)."""
    old = read_catalog(path)
    by_key = {(m.context, m.id): m for m in old if m.id}
    by_context = {m.context: m for m in old if m.id and m.context}
    fresh = Catalog(locale=lang, project="metarl-course", fuzzy=False)
    new = stale = 0
    for context, english in messages:
        known = by_key.get((context, english))
        if known is not None:
            fresh.add(english, known.string, context=context, flags=known.flags,
                      previous_id=known.previous_id)  # fmt: skip
            continue
        before = by_context.get(context) if context else None
        if (
            before is not None and before.string
        ):  # the English changed: the old translation is stale
            fresh.add(
                english, before.string, context=context, flags={"fuzzy"}, previous_id=[before.id]
            )
            stale += 1
        else:
            fresh.add(english, "", context=context)
            new += 1
    write_catalog(fresh, path)
    return new, stale


def translations(path: Path) -> dict[tuple[str | None, str], str]:
    """(context, English) → translation, for every entry that is translated and not stale."""
    return {
        (m.context, m.id): m.string for m in read_catalog(path) if m.id and m.string and not m.fuzzy
    }


# -- the translated edition --------------------------------------------------------------------
def build_notebook(path: Path, lang: str) -> tuple[nbformat.NotebookNode, int]:
    """The chapter in ``lang``: prose from its catalog, code unchanged but for LANGUAGE; returns it
    and how many cells had no (fresh) translation and kept their English."""
    nb = nbformat.read(path, as_version=4)
    table = translations(NOTEBOOKS / "locale" / lang / f"{path.stem}.po")
    missing = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            translated = table.get((f"cell {cell.id}", cell.source))
            missing += translated is None
            cell.source = translated or cell.source
            student = cell.metadata.get(STUDENT_SOURCE)
            if student:
                cell.metadata[STUDENT_SOURCE] = table.get((f"student {cell.id}", student), student)
        elif cell.cell_type == "code":
            if "parameters" in cell.metadata.get("tags", []):
                cell.source = LANGUAGE_LINE.sub(f'LANGUAGE = "{lang}"', cell.source)
            reference = cell.metadata.pop(f"{REFERENCE_KEY}_{lang}", None)
            if reference is not None:
                cell.metadata[REFERENCE_KEY] = reference
    for cell in nb.cells:  # no other language's references travel along
        for key in [k for k in cell.metadata if k.startswith(f"{REFERENCE_KEY}_")]:
            del cell.metadata[key]
    nb.metadata["language"] = lang
    return nb, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["update", "build", "status"])
    parser.add_argument("--lang", default="zh", choices=["zh"])
    parser.add_argument("--src", type=Path, default=NOTEBOOKS)
    parser.add_argument("--out", type=Path, default=ROOT / "notebooks-zh")
    parser.add_argument(
        "--only", nargs="*", help="update only the catalogs whose file name contains one of these"
    )
    args = parser.parse_args(argv)
    if args.action == "update":
        for path, messages in catalogs(args.lang).items():
            if args.only and not any(part in path.name for part in args.only):
                continue
            new, stale = update_catalog(path, messages, args.lang)
            if new or stale:
                print(f"{path.relative_to(ROOT)}: {new} new, {stale} stale")
        return 0
    if args.action == "status":
        for path, messages in catalogs(args.lang).items():
            done = translations(path)
            todo = [m for m in messages if m not in done]
            print(
                f"{len(messages) - len(todo):4d}/{len(messages):4d} translated  {path.relative_to(ROOT)}"
            )
        return 0
    if args.out.resolve() == args.src.resolve():
        parser.error("--out must differ from --src")
    args.out.mkdir(parents=True, exist_ok=True)
    for path in sorted(args.src.glob("[0-9][0-9]_*.ipynb")):
        nb, missing = build_notebook(path, args.lang)
        nbformat.write(nb, args.out / path.name)
        note = f" ({missing} cells still in English)" if missing else ""
        print(f"{args.out / path.name}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
