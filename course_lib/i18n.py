"""The course's language: one switch for everything a chapter prints, draws and says.

Each chapter sets its language once, in its ``parameters`` cell (``LANGUAGE = "zh"`` in the
Chinese edition), and calls :func:`set_language`. From then on every string the library shows a
reader goes through :func:`tr`: checker feedback, widget labels, plot titles and axes, checkpoint
lines, and the reading guides the chapters print from their runs. Messages are looked up by their
English text in gettext catalogs (PO files, the format of the Python documentation's and
Sphinx's translations, editable in Poedit or Weblate) under ``course_lib/locale/<language>/``;
a message without a translation falls back to its English, never to an error.

Write a message with named placeholders and pass the values, so that a translation may put them
in its own order::

    print(tr("MAML-RL after one step: {mean:.2f}", mean=score))

Error messages raised at the library's edge stay English, as torch's do.
"""

from __future__ import annotations

import functools
import string
import warnings
from pathlib import Path

__all__ = ["LANGUAGES", "set_language", "language", "tr", "catalog"]

#: The languages the course is written in; English is the source.
LANGUAGES = ("en", "zh")
#: The library's catalogs, and the chapters' (their code cells' messages), when the course runs
#: from its repository (``make lab``, ``make test``).
LOCALE_DIRS = (
    Path(__file__).resolve().parent / "locale",
    Path(__file__).resolve().parents[1] / "notebooks" / "locale",
)

_current = {"language": "en"}


def set_language(language: str) -> None:
    """Show the course in ``language`` (``"en"`` or ``"zh"``) from now on, in this process."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    _current["language"] = language
    if language == "zh":
        from course_lib.plotting import use_cjk_font  # plots need a font with Chinese glyphs

        use_cjk_font()
        # A character the font cannot draw shows as a box: make that an error, not a warning.
        warnings.filterwarnings(
            "error", message=r"Glyph \d+ .* missing from font", category=UserWarning
        )


def language() -> str:
    """The language set by :func:`set_language` (``"en"`` until then)."""
    return _current["language"]


@functools.cache
def catalog(language: str) -> dict[str, str]:
    """Every translated message of ``language``: English text → translation.

    Read from the PO files under each of :data:`LOCALE_DIRS` (``<dir>/<language>/*.po``), the
    entries without a context (a chapter's prose, keyed by cell, is used when the Chinese
    notebooks are built, not here); untranslated and fuzzy (stale) entries are left out, so
    their English shows.
    """
    from babel.messages.pofile import read_po

    messages: dict[str, str] = {}
    for folder in LOCALE_DIRS:
        for path in sorted((folder / language).glob("*.po")):
            with path.open("rb") as f:
                for message in read_po(f):
                    if message.id and message.string and not message.fuzzy and not message.context:
                        messages[str(message.id)] = str(message.string)
    return messages


def tr(message: str, /, **values: object) -> str:
    """``message`` in the current language, with ``values`` filled into its ``{placeholders}``."""
    if not isinstance(message, str):
        raise TypeError(f"message must be a str, got {type(message).__name__}")
    text = (
        message
        if _current["language"] == "en"
        else catalog(_current["language"]).get(message, message)
    )
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):  # a broken translation must not break the chapter
        return message.format(**values)


def placeholders(message: str) -> set[str]:
    """The names of ``message``'s ``{placeholders}`` (a translation must keep the same set)."""
    return {field for _, field, _, _ in string.Formatter().parse(message) if field}
