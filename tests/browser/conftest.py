"""Fixtures for the real-browser tests: one JupyterLab server and one headless Chromium per
test session, and a runner that keeps two chapters' kernels busy at once.

The server holds every chapter in English (``notebooks/``, at its root) and in Chinese
(``notebooks-zh/``, built by ``make zh``, in its ``zh/`` folder): the tests open each one.

Run them with ``.venv/bin/pytest -q tests/browser`` (``make test`` does). They are skipped
only when the environment variable ``COURSE_SKIP_BROWSER=1`` is set. A missing
``/usr/bin/chromium`` is installed with ``scripts/install_browser.sh`` (Debian's package).

Environment variables:
    COURSE_SKIP_BROWSER=1            skip these tests (say why in your CI log).
    COURSE_BROWSER_NOTEBOOKS=DIR     test the notebooks in DIR instead of notebooks/.
    COURSE_BROWSER_LANGUAGES="en zh" the editions to open (default both; the Chinese one is
                                     built from DIR's catalogs into notebooks-zh/ if missing).
    COURSE_BROWSER_CONCURRENCY=N     chapters running at once (default 2; 1 = one by one).
    UPDATE_SCREENSHOTS=1             also write docs/screenshots/<chapter>.png (for the README).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .lab import CHROMIUM, CHROMIUM_ARGS, Chapter, LabServer, stop_process

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
SCREENSHOTS = ROOT / "docs" / "screenshots"
NOTEBOOKS = Path(os.environ.get("COURSE_BROWSER_NOTEBOOKS", ROOT / "notebooks"))
LANGUAGES = tuple(os.environ.get("COURSE_BROWSER_LANGUAGES", "en zh").split())
TIMINGS: dict[str, dict[str, float]] = {}
SESSION_START = time.monotonic()


def chapter_notebooks() -> list[Path]:
    """Every chapter, in course order (file names start with the chapter number)."""
    return sorted(p for p in NOTEBOOKS.glob("*.ipynb") if not p.name.startswith("."))


def served_notebooks() -> dict[str, Path]:
    """{path in the server: notebook}: each English chapter by its name, then each Chinese one
    as ``zh/<name>`` (the same code cells, the prose from its catalog, ``LANGUAGE = "zh"``)."""
    unknown = set(LANGUAGES) - {"en", "zh"}
    if unknown:
        raise ValueError(f"COURSE_BROWSER_LANGUAGES takes en and zh, got {sorted(unknown)}")
    served = {p.name: p for p in chapter_notebooks()} if "en" in LANGUAGES else {}
    if "zh" in LANGUAGES:
        zh = NOTEBOOKS.with_name(NOTEBOOKS.name + "-zh")  # notebooks/ -> notebooks-zh/
        wanted = [zh / p.name for p in chapter_notebooks()]
        if not all(p.exists() for p in wanted):  # what `make zh` does
            subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "translate.py"), "build",
                 "--src", str(NOTEBOOKS), "--out", str(zh)],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        served |= {f"zh/{p.name}": p for p in wanted}
    return served


# Discovered once, when the tests are collected: the server copies and the runner runs these.
SERVED = served_notebooks()
CHAPTER_PATHS = chapter_notebooks()


def pytest_collection_modifyitems(config, items):
    if os.environ.get("COURSE_SKIP_BROWSER") == "1":
        skip = pytest.mark.skip(reason="COURSE_SKIP_BROWSER=1 is set")
        for item in items:
            if "browser" in Path(str(item.fspath)).parts:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def lab_server():
    """A private JupyterLab on a copy of the chapters, in a temporary folder. Even if a test
    fails it is stopped by its pid, its log is kept in test-artifacts/browser/ and the folder
    (token config, cookie secret, notebook copies) is deleted."""
    server = LabServer(SERVED)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if server.log_path.exists():
            shutil.copyfile(server.log_path, ARTIFACTS / "jupyterlab.log")
        server.remove()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by the playwright package (no `playwright install`)."""
    # Installs Debian's chromium (and a CJK font) only when missing; a no-op otherwise.
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "install_browser.sh")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:  # a failure, not a skip: the dev extra must provide it
        raise RuntimeError(
            "the `playwright` package is missing: `.venv/bin/pip install playwright` (dev extra)"
        ) from err
    pw = sync_playwright().start()
    chromium = None
    try:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
    finally:
        if chromium is not None:
            # Chromium is a child of playwright's driver; close() ends it, and stopping the
            # driver ends the rest. Fall back to the browser's own pid if close() hangs.
            try:
                chromium.close()
            except Exception:
                pass
        pw.stop()


class Runner:
    """Opens chapters in order and keeps up to ``concurrency`` of them running at once.

    ``get(name)`` returns the chapter started (opening it and clicking Run All Cells if it
    was not yet), after starting the next chapters in line, so the browser executes the next
    chapter while the test of this one waits and checks. Under pytest-xdist each worker has
    its own server and runs only its own chapters (no look-ahead).
    """

    def __init__(self, browser, server: LabServer, names: list[str], concurrency: int):
        self.browser = browser
        self.server = server
        self.names = names
        self.concurrency = concurrency
        self.started: dict[str, Chapter] = {}

    def _start(self, name: str) -> Chapter:
        context = self.browser.new_context(viewport={"width": 1280, "height": 1400})
        chapter = Chapter(context.new_page(), self.server, name)
        self.started[name] = chapter
        t0 = time.monotonic()
        chapter.open()
        chapter.run_all()
        TIMINGS.setdefault(name, {})["open_s"] = round(chapter.started - t0, 1)
        return chapter

    def get(self, name: str) -> Chapter:
        chapter = self.started.get(name) or self._start(name)
        if self.concurrency > 1 and "PYTEST_XDIST_WORKER" not in os.environ:
            i = self.names.index(name)
            for nxt in self.names[i + 1 : i + self.concurrency]:
                if nxt not in self.started:
                    self._start(nxt)
        return chapter

    def finish(self, name: str) -> None:
        chapter = self.started.get(name)
        if chapter is not None:
            try:
                chapter.close()
            finally:
                chapter.page.context.close()

    def close_all(self) -> None:
        for name in list(self.started):
            try:
                self.finish(name)
            except Exception:
                pass


@pytest.fixture(scope="session")
def runner(browser, lab_server):
    concurrency = int(os.environ.get("COURSE_BROWSER_CONCURRENCY", "2"))
    r = Runner(browser, lab_server, list(SERVED), concurrency)
    try:
        yield r
    finally:
        r.close_all()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not TIMINGS:
        return
    total = time.monotonic() - SESSION_START
    terminalreporter.write_sep("-", "browser: seconds per chapter (open, run all, widgets)")
    for name, t in TIMINGS.items():
        terminalreporter.write_line(f"{name:40s} " + "  ".join(f"{k}={v}" for k, v in t.items()))
    terminalreporter.write_line(
        f"browser session wall time (server + browser start included): {total:.1f} s"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "timings.json").write_text(
        json.dumps({"chapters": TIMINGS, "session_s": round(total, 1)}, indent=1)
    )


__all__ = ["stop_process"]
