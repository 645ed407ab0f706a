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

A Chinese character takes two columns of a monospaced output, and Python pads a string by its
number of characters. So a translated message pads by *display width* when it is formatted with
one, in a chapter's f-string (``f"{tr('player'):<16}"``) as in a message's own placeholders
(``tr("{name:12s} …", name=…)``), and the columns of a printed table still line up.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
import warnings
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "set_language",
    "language",
    "tr",
    "listing",
    "catalog",
    "display_width",
    "pad",
]

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
    if not isinstance(language, str):
        raise TypeError(f"language must be one of {LANGUAGES}, got {language!r}")
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


def catalog(language: str) -> dict[str, str]:
    """Every translated message of ``language`` (one of :data:`LANGUAGES`): English text →
    translation (read once per process).

    Read from the PO files under each of :data:`LOCALE_DIRS` (``<dir>/<language>/*.po``), the
    entries without a context (a chapter's prose, keyed by cell, is used when the Chinese
    notebooks are built, not here); untranslated and fuzzy (stale) entries are left out, so
    their English shows.
    """
    _check_str("language", language)
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    return _catalog(language)


@functools.cache
def _catalog(language: str) -> dict[str, str]:
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
    """``message`` in the current language, with ``values`` filled into its ``{placeholders}``.

    Outside English the result pads by display width when formatted (see the module docstring).
    """
    if not isinstance(message, str):
        raise TypeError(f"message must be a str, got {type(message).__name__}")
    _check_values(message, values)
    if _current["language"] == "en":
        return message.format(**values) if values else message
    text = catalog(_current["language"]).get(message, message)
    if not values:
        return Text(text)
    try:
        return Text(_WIDE.vformat(text, (), values))
    except (KeyError, IndexError, ValueError):  # a broken translation must not break the chapter
        return Text(_WIDE.vformat(message, (), values))


def _check_values(message: str, values: dict[str, object]) -> None:
    """Every ``{placeholder}`` of ``message`` has its value (a missing one would print as
    ``{n}``, or raise a bare KeyError from ``str.format``).

    Without values a message is printed as it is, so its braces may be literal (``G_{t+1}``):
    only a placeholder that is a plain name (``{n}``, ``{mean:.2f}``) is taken for one there.
    """
    try:
        fields = [
            field for _, field, _, _ in string.Formatter().parse(message) if field is not None
        ]
    except ValueError as err:  # an unmatched brace
        if values:
            raise ValueError(
                f"message must be a format string, got {message!r:.80}: {err}"
            ) from err
        return
    if values:
        roots = {re.match(r"[^.\[]*", field)[0] for field in fields}
    else:
        roots = {field for field in fields if field.isidentifier()}
    missing = sorted(roots - values.keys())
    if missing:
        raise ValueError(
            f"message's placeholders {missing} need a value each (tr(message, name=value)), "
            f"got values for {sorted(values)}: {message!r:.80}"
        )


#: What separates the items of a printed list: the middle of each language's CLDR list pattern
#: (``babel.lists.format_list``: "{0}, {1}" in English, "{0}、{1}" in Chinese, the enumeration
#: comma, not the clause comma "，"). The last item gets no "and"/"和": these lists are read
#: as rows of results, not as sentences.
LIST_SEPARATORS = {"en": ", ", "zh": "、"}


def listing(items: Iterable[object]) -> str:
    """``items`` printed as one list in the current language: ``a, b, c`` or ``甲、乙、丙``."""
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise TypeError(f"items must be a list (or another iterable) of items, got {items!r:.80}")
    return Text(LIST_SEPARATORS[_current["language"]].join(str(item) for item in items))


def display_width(text: str) -> int:
    """How many columns ``text`` takes in a monospaced font: 2 for a wide (CJK) character, 0 for
    a combining mark, 1 otherwise (Unicode's East Asian Width, UAX #11)."""
    _check_str("text", text)
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


#: A string's format spec: ``[[fill]align][width][.precision][s]`` (the format mini-language).
_STRING_SPEC = re.compile(
    r"(?:(?P<fill>.)?(?P<align>[<>^]))?(?P<width>\d+)?(?:\.(?P<precision>\d+))?s?", re.S
)


def pad(text: str, spec: str) -> str:
    """``format(text, spec)``, but padded to the spec's width in display columns."""
    _check_str("text", text)
    _check_str("spec", spec)
    match = _STRING_SPEC.fullmatch(spec)
    if match is None:  # not a string spec: say what is wrong with it, naming the spec
        try:
            return format(str(text), spec)
        except ValueError as err:
            raise ValueError(
                f"spec must be a string format spec such as '<12' or '>8.3s', got {spec!r}: {err}"
            ) from err
    text = str(text)
    if match["precision"] is not None:
        text = text[: int(match["precision"])]
    room = int(match["width"] or 0) - display_width(text)
    if room <= 0:
        return text
    fill, align = match["fill"] or " ", match["align"] or "<"
    left = {"<": 0, ">": room, "^": room // 2}[align]
    return fill * left + text + fill * (room - left)


def _check_str(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__} {value!r:.80}")


class Text(str):
    """A translated message: a ``str`` that pads by display width in a format spec."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return pad(self, spec)


class _WideFormatter(string.Formatter):
    """``str.format`` that pads every string value by display width (numbers as usual)."""

    def format_field(self, value: object, spec: str) -> str:
        return pad(value, spec) if isinstance(value, str) else format(value, spec)


_WIDE = _WideFormatter()


def placeholders(message: str) -> set[str]:
    """The names of ``message``'s ``{placeholders}`` (a translation must keep the same set)."""
    _check_str("message", message)
    return {field for _, field, _, _ in string.Formatter().parse(message) if field}
