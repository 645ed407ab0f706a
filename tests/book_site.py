"""The course site for the tests: ``scripts/build_book.py`` loaded as a module, and one build.

The site has two languages: English (``notebooks/``, at the site's root) and Chinese
(``notebooks-zh/``, built by ``make zh``, under ``zh/``). ``make book-check`` builds the site
once into ``test-artifacts/book`` and points ``BOOK_DIR`` at it. Without ``BOOK_DIR``, the first
test that asks builds it into a temporary folder, from ``BOOK_EXECUTED_DIR`` (or
``test-artifacts/executed``, the browser tests' copies, the Chinese ones in its ``zh/``) where
those are up to date, executing the other chapters; later tests of the session reuse that build.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if not p.name.startswith("."))
#: The site's languages, the first at its root, and where each one's notebooks are.
LANGUAGES = ("en", "zh")
SOURCES = {"en": ROOT / "notebooks", "zh": ROOT / "notebooks-zh"}
#: Every (language, chapter) page, for parametrizing.
PAGES = [(lang, p) for lang in LANGUAGES for p in CHAPTERS]
PAGE_IDS = [f"{lang}-{p.stem}" for lang, p in PAGES]

_spec = importlib.util.spec_from_file_location("build_book", ROOT / "scripts" / "build_book.py")
build_book = importlib.util.module_from_spec(_spec)
sys.modules["build_book"] = build_book  # the build's worker processes import it by name
_spec.loader.exec_module(build_book)

_built: list[Path] = []


def language_dir(lang: str) -> str:
    """A language's folder inside the site (and inside ``executed/``): the first is the root."""
    return "" if lang == LANGUAGES[0] else lang


def built_book(tmp_path_factory) -> Path:
    """The built site's folder (``BOOK_DIR``, else one build per test session)."""
    if os.environ.get("BOOK_DIR"):
        return Path(os.environ["BOOK_DIR"])
    if not _built:
        if not SOURCES["zh"].is_dir():  # what `make zh` does
            subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "translate.py"), "build",
                 "--src", str(SOURCES["en"]), "--out", str(SOURCES["zh"])],
                check=True,
            )  # fmt: skip
        out = tmp_path_factory.mktemp("book")
        args = ["--src", str(SOURCES["en"]), "--out", str(out), "--languages", *LANGUAGES]
        args += ["--lang-src", f"zh={SOURCES['zh']}"]
        executed = os.environ.get("BOOK_EXECUTED_DIR") or ROOT / "test-artifacts" / "executed"
        if Path(executed).is_dir():
            args += ["--executed-dir", str(executed)]
        assert build_book.main(args) == 0
        _built.append(out)
    return _built[0]
