"""Every chapter, the way a student uses it: JupyterLab in Chromium, Run All Cells, then play.

For each notebook in ``notebooks/`` (discovered, in course order) and for its Chinese edition
in ``notebooks-zh/`` (served as ``zh/<name>``: the same code, Chinese prose, printing and drawing
in Chinese) the test checks that

* every code cell ran and no cell shows an error (in the notebook model and in the page);
* every widget the chapter displays renders (no "Error displaying widget"), with its plot;
* moving one control of each widget (a slider by keyboard) changes its plot (or, for a widget
  without a plot, its HTML text);
* every checkpoint cell (a cell printing "✓ …") and every exercise check cell (tagged ``check``)
  printed its success line starting with "✓";
* a widget self-test (Chapter 0: a cell printing "✓ widgets work" only once the *browser* has
  moved its slider) said "not checked yet" after Run All, and says "✓ widgets work" when run
  again after the test moved the slider: proof that the front end, not the kernel, moved it
  (in the Chinese edition, the same lines in Chinese, read from the chapter's catalog).

Before/after screenshots of each widget go to ``test-artifacts/browser/`` (the Chinese ones
prefixed ``zh_``); the saved runs to ``test-artifacts/executed/`` (``zh/`` for the Chinese),
from which ``make book-check`` builds both languages of the site.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from course_lib.i18n import catalog

from .conftest import SCREENSHOTS, SERVED, TIMINGS
from .lab import has_controls, move_one_control, run_command, view_hash

EXECUTED = Path(__file__).resolve().parents[2] / "test-artifacts" / "executed"
RUN_TIMEOUT_S = 280  # one chapter, while another runs beside it; the suite's budget is 300 s
CHAPTERS = list(SERVED)  # "01_rl_from_zero.ipynb", …, "zh/01_rl_from_zero.ipynb", …
# Chapter 0's widget check prints the first only after the browser moved its slider.
SELF_TEST = "✓ widgets work"
NOT_YET = "◻ widgets not checked yet"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _in_language(lang: str, english: str) -> str:
    """How a line that starts with ``english`` starts in ``lang``: its catalog's translation of
    the message that starts so, up to its first colon or placeholder."""
    if lang == "en":
        return english
    found = [text for msgid, text in catalog(lang).items() if msgid.startswith(english)]
    assert len(found) == 1, f"{len(found)} {lang} messages start with {english!r}"
    return re.split(r"[:：{]", found[0])[0].strip()


def _language(name: str) -> str:
    return name.split("/")[0] if "/" in name else "en"


_JS_SELECT_CELL = (
    """(i) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }"""
)


def test_chapters_exist():
    assert CHAPTERS, "no notebooks found: the browser tests need notebooks/*.ipynb"


def _tick_lines(cell: dict) -> list[str]:
    lines = []
    for out in cell["outputs"]:
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            text = out.get("text", "")
            lines += ("".join(text) if isinstance(text, list) else text).splitlines()
    return [line for line in lines if line.startswith("✓")]


def _stdout(cell: dict) -> str:
    return "\n".join(
        "".join(o["text"]) if isinstance(o.get("text"), list) else o.get("text", "")
        for o in cell["outputs"]
        if o.get("output_type") == "stream"
    )


def _check_widget_self_test(chapter, cells: list[dict], lang: str) -> None:
    """Re-run each self-test cell after the sliders were moved; it must now print SELF_TEST."""
    works, not_yet = _in_language(lang, SELF_TEST), _in_language(lang, NOT_YET)
    for i, cell in enumerate(cells):
        if cell["type"] != "code" or SELF_TEST not in cell["source"]:
            continue
        assert not_yet in _stdout(cell), (
            f"cell {i}: before anyone moved the slider the self-test must say {not_yet!r}"
        )
        chapter.page.evaluate(_JS_SELECT_CELL, i)
        run_command(chapter.page, "notebook:run-cell")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            text = _stdout(chapter.model()["cells"][i])
            if works in text:
                break
            chapter.page.wait_for_timeout(250)
        assert works in text, f"cell {i} re-run after moving the slider printed:\n{text}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_in_jupyterlab(name, runner, artifacts):
    chapter = runner.get(name)
    lang = _language(name)
    stem = name.removesuffix(".ipynb").replace("/", "_")  # zh/01_x.ipynb -> zh_01_x
    try:
        run_s, reruns = chapter.run_to_end(RUN_TIMEOUT_S)
        TIMINGS.setdefault(name, {}).update(run_s=round(run_s, 1), reruns=reruns)
        chapter.screenshot(artifacts / f"{stem}_after_run.png")
        model = chapter.model()
        assert model["path"] == name

        # Everything ran, nothing failed.
        assert not chapter.dialogs(), f"a dialog is open: {chapter.dialogs()}"
        assert not chapter.errors(model), f"error outputs: {chapter.errors(model)}"
        assert not chapter.rendered_tracebacks(), chapter.rendered_tracebacks()
        assert not chapter.unexecuted_code_cells(model), (
            f"code cells that never ran: {chapter.unexecuted_code_cells(model)}"
        )

        # Checkpoints and exercise checks printed their success line.
        cells = model["cells"]
        ticks = 0
        for i, cell in enumerate(cells):
            if cell["type"] != "code":
                continue
            if "✓" in cell["source"] or "check" in cell["tags"]:
                lines = _tick_lines(cell)
                assert lines, (
                    f"cell {i} should print a line starting with '✓'; its source:\n{cell['source'][:300]}"
                )
                ticks += len(lines)
        if any("solution" in c["tags"] for c in cells):
            assert ticks, "exercise checks printed no '✓' line"

        # The run as the student has it, widgets in their initial state: the course site can be
        # built from these copies (scripts/build_book.py --executed-dir test-artifacts/executed).
        chapter.save_copy(EXECUTED / name)

        # Every displayed widget renders; each one with a plot and controls reacts.
        declared = sum(
            1
            for c in cells
            for out in c["outputs"]
            if "application/vnd.jupyter.widget-view+json" in out.get("data", {})
        )
        outputs = chapter.widget_outputs()
        assert len(outputs) == declared, (
            f"{declared} widget outputs in the notebook, {len(outputs)} rendered in the page"
        )
        t0 = time.monotonic()
        moved = 0
        for k, output in enumerate(outputs):
            output.scroll_into_view_if_needed()
            for img in output.locator("img").all():
                assert (img.get_attribute("src") or "").startswith(("blob:", "data:")), (
                    f"widget {k}: an image without data"
                )
            if not has_controls(output):
                continue  # a progress bar or a live training curve: rendering is all it promises
            if lang == "zh":  # its title, labels and status line as the page shows them
                shown = output.inner_text()
                assert CJK.search(shown), f"widget {k} shows no Chinese: {shown[:200]!r}"
            before = view_hash(output)
            chapter.screenshot(artifacts / f"{stem}_widget{k}_before.png", output)
            action = move_one_control(chapter.page, output)
            deadline = time.monotonic() + 30
            while view_hash(output) == before and time.monotonic() < deadline:
                chapter.page.wait_for_timeout(200)
            assert view_hash(output) != before, (
                f"widget {k}: what it shows did not change after {action}"
            )
            chapter.page.wait_for_timeout(300)  # let the new image paint before the screenshot
            chapter.screenshot(artifacts / f"{stem}_widget{k}_after.png", output)
            if moved == 0 and lang == "en" and os.environ.get("UPDATE_SCREENSHOTS") == "1":
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(
                    artifacts / f"{stem}_widget{k}_after.png", SCREENSHOTS / f"{stem}.png"
                )
            moved += 1
        if moved == 0 and lang == "en" and os.environ.get("UPDATE_SCREENSHOTS") == "1":
            # No widget with controls: show the chapter's first plot widget (e.g. a live
            # training curve), else the page after the run.
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            with_plot = [o for o in outputs if o.locator("img").count()]
            chapter.screenshot(SCREENSHOTS / f"{stem}.png", with_plot[0] if with_plot else None)
        TIMINGS[name].update(
            widgets=len(outputs), moved=moved, widgets_s=round(time.monotonic() - t0, 1)
        )
        _check_widget_self_test(chapter, cells, lang)
    except Exception:
        chapter.screenshot(artifacts / f"{stem}_FAILED.png")
        raise
    finally:
        runner.finish(name)
