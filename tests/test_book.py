"""The course site (`make book`, scripts/build_book.py): it builds, lists the chapters in order,
and every chapter page holds its plots (widgets as static images) and no error output.

Building executes every chapter once. When the browser tests of the same run already executed
them, point ``BOOK_EXECUTED_DIR`` at their copies (``test-artifacts/executed``) and the build
takes those (each only if its cells match notebooks/ exactly) instead of running them again.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))

_spec = importlib.util.spec_from_file_location("build_book", ROOT / "scripts" / "build_book.py")
build_book = importlib.util.module_from_spec(_spec)
sys.modules["build_book"] = (
    build_book  # the build runs chapters in worker processes: they import it by name
)
_spec.loader.exec_module(build_book)

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    args = ["--src", str(ROOT / "notebooks"), "--out", str(out)]
    if os.environ.get("BOOK_EXECUTED_DIR"):
        args += ["--executed-dir", os.environ["BOOK_EXECUTED_DIR"]]
    assert build_book.main(args) == 0
    return out


def test_index_lists_every_chapter_in_order(book):
    assert CHAPTERS, "no notebooks in notebooks/"
    index = (book / "site" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<li><a href="([^"]+)">', index)
    assert links == [p.stem + ".html" for p in CHAPTERS]
    for p in CHAPTERS:
        title = build_book.title_of(nbformat.read(p, as_version=4), p.stem)
        assert build_book.html.escape(title) in index


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_page_has_plots_and_no_errors(path, book):
    page = (book / "site" / f"{path.stem}.html").read_text(encoding="utf-8")
    executed = nbformat.read(book / "executed" / path.name, as_version=4)

    errors = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert not errors, [f"{o.ename}: {o.evalue}" for o in errors]
    assert "Traceback (most recent call last)" not in page
    assert "application/vnd.jupyter.error" not in page

    # Every plot of the run is on the page: matplotlib outputs and widget images alike.
    pngs = sum(
        1
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    )
    state = executed.metadata.get("widgets", {}).get(build_book.WIDGET_STATE, {}).get("state", {})
    shown = [
        o["data"][build_book.WIDGET_VIEW]["model_id"]
        for c in executed.cells if c.cell_type == "code" for o in c.outputs if build_book.WIDGET_VIEW in o.get("data", {})
    ]  # fmt: skip
    widget_images = sum(
        1 for mid in shown for sub in build_book._walk(state, mid)
        if state.get(sub, {}).get("model_name") == "ImageModel" and build_book._image_value(state[sub])
    )  # fmt: skip
    assert page.count('src="data:image/png;base64,') == pngs + widget_images
    assert page.count('class="book-widget') >= len(shown)
    if any(c.cell_type == "code" and "widgets" in c.source for c in executed.cells):
        assert shown, "the chapter makes widgets but none was saved in the executed notebook"
    # A widget with controls says it is live in JupyterLab; no widget JavaScript or require.js.
    assert page.count(build_book.LIVE_NOTE) == page.count("book-widget book-widget-live")
    assert "widget-state+json" not in page and "require.js" not in page
    assert '<nav class="book-nav">' in page


def _state(entries: dict) -> dict:
    return {
        "widgets": {
            build_book.WIDGET_STATE: {"state": entries, "version_major": 2, "version_minor": 0}
        }
    }


def test_widget_becomes_static_image_with_note():
    state = {
        "box": {
            "model_name": "VBoxModel",
            "state": {
                "children": [
                    "IPY_MODEL_title",
                    "IPY_MODEL_row",
                    "IPY_MODEL_img",
                    "IPY_MODEL_status",
                ]
            },
        },
        "title": {"model_name": "HTMLModel", "state": {"value": "<b>Explorer</b>"}},
        "row": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_s", "IPY_MODEL_d"]}},
        "s": {"model_name": "FloatSliderModel", "state": {"description": "γ", "value": 0.9}},
        "d": {
            "model_name": "DropdownModel",
            "state": {"description": "env", "index": 1, "_options_labels": ["a", "b"]},
        },
        "img": {
            "model_name": "ImageModel",
            "state": {"format": "png"},
            "buffers": [{"path": ["value"], "encoding": "base64", "data": PNG}],
        },
        "status": {"model_name": "HTMLModel", "state": {"value": "status <b>ok</b>"}},
    }
    nb = nbformat.v4.new_notebook(metadata=_state(state))
    cell = nbformat.v4.new_code_cell("explorer()")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={build_book.WIDGET_VIEW: {"model_id": "box"}, "text/plain": "VBox()"},
        )
    ]
    nb.cells = [cell]
    assert build_book.staticize_widgets(nb) == 1
    out = nb.cells[0].outputs[0]["data"]["text/html"]
    assert f'src="data:image/png;base64,{PNG}"' in out
    assert (
        "γ = 0.9" in out
        and "env = b" in out
        and "<b>Explorer</b>" in out
        and "status <b>ok</b>" in out
    )
    assert build_book.LIVE_NOTE in out and "widgets" not in nb.metadata
    assert out.index("<b>Explorer</b>") < out.index("γ = 0.9") < out.index("data:image/png")


def test_progress_bar_keeps_its_text_without_live_note():
    state = {
        "bar": {
            "model_name": "HBoxModel",
            "state": {"children": ["IPY_MODEL_l", "IPY_MODEL_p", "IPY_MODEL_r"]},
        },
        "l": {"model_name": "HTMLModel", "state": {"value": "train: 100%"}},
        "p": {"model_name": "FloatProgressModel", "state": {"value": 50, "max": 50}},
        "r": {"model_name": "HTMLModel", "state": {"value": " 50/50 [00:03<00:00]"}},
    }
    html = build_book.widget_html(state, "bar")
    assert "train: 100%" in html and "50/50" in html and build_book.LIVE_NOTE not in html


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(SystemExit):
        build_book.main(["--src", str(tmp_path / "missing")])
    with pytest.raises(SystemExit):
        build_book.main(["--src", str(ROOT / "notebooks"), "--jobs", "0", "--out", str(tmp_path)])
    with pytest.raises(SystemExit):  # a folder without notebooks
        build_book.main(["--src", str(tmp_path), "--out", str(tmp_path / "out")])
