"""The course site (`make book`, scripts/build_book.py): it builds, lists the chapters in order,
every chapter page holds its plots and no error output, every widget is live over its own
frames, the site fits its size budget, and no page loads anything from another host.

Building executes every chapter once (see tests/book_site.py for reusing the browser tests'
copies); the tests at the end need no build.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
from pathlib import Path

import nbformat
import pytest
from book_site import CHAPTERS, build_book, built_book

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return built_book(tmp_path_factory)


@pytest.fixture(scope="module")
def grids(book) -> dict:
    return json.loads((book / "grids.json").read_text(encoding="utf-8"))


def test_index_lists_every_chapter_in_order(book):
    assert CHAPTERS, "no notebooks in notebooks/"
    index = (book / "site" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<li><a href="([^"]+)">', index)
    assert links == [p.stem + ".html" for p in CHAPTERS]
    for p in CHAPTERS:
        title = build_book.title_of(nbformat.read(p, as_version=4), p.stem)
        assert build_book.html.escape(title) in index


def _explorers(executed: nbformat.NotebookNode) -> tuple[list[str], list[str]]:
    """The displayed widgets of an executed chapter: (explorer boxes, every other widget)."""
    state = build_book.widget_state(executed)
    shown = build_book.shown_widgets(executed)
    boxes = [m for m in shown if build_book.grid_keys(state, m) is not None]
    return boxes, [m for m in shown if m not in boxes]


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_page_has_plots_live_widgets_and_no_errors(path, book):
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

    # Every explorer widget is live (controls over its frames); the other widgets are shown as
    # their images, and every matplotlib plot of the run is on the page.
    state = build_book.widget_state(executed)
    boxes, others = _explorers(executed)
    assert page.count('class="book-widget book-grid"') == len(boxes)
    assert page.count("<input ") + page.count("<select ") >= len(boxes)
    pngs = sum(
        1
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    )
    widget_images = sum(
        1 for mid in others for sub in build_book._walk(state, mid)
        if state.get(sub, {}).get("model_name") == "ImageModel" and build_book._image_value(state[sub])
    )  # fmt: skip
    assert page.count('src="data:image/png;base64,') == pngs + widget_images
    if any(c.cell_type == "code" and "widgets" in c.source for c in executed.cells):
        assert boxes or others, (
            "the chapter makes widgets but none was saved in the executed notebook"
        )
    # Only a widget without a site grid says it is live in JupyterLab only; no widget JavaScript.
    assert page.count(build_book.LIVE_NOTE) == page.count("book-widget book-widget-live")
    assert page.count(build_book.GRID_NOTE) == len(boxes)
    assert "widget-state+json" not in page and "require.js" not in page
    assert '<nav class="book-nav">' in page


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_site_grid_holds_the_widgets_own_frames(path, book, grids):
    """Each widget's grid opens on the frame the notebook shows (the same PNG, by its hash),
    holds one frame per combination of the values it claims, each rendered with the controls at
    exactly those values, and every frame file is on the site."""
    executed = nbformat.read(book / "executed" / path.name, as_version=4)
    state = build_book.widget_state(executed)
    boxes, _ = _explorers(executed)
    for model_id in boxes:
        (key,) = build_book.grid_keys(state, model_id)
        grid = grids["grids"][key]
        axes = grid["axes"]
        assert len(grid["frames"]) == math.prod(len(a["labels"]) for a in axes)
        for combo, frame in zip(
            itertools.product(*(range(len(a["values"])) for a in axes)), grid["frames"]
        ):
            for a, i in zip(axes, combo):
                held, claimed = frame["values"][a["name"]], a["values"][i]
                assert (
                    held == pytest.approx(claimed)
                    if isinstance(claimed, float)
                    else held == claimed
                )
            assert (book / "site" / "frames" / frame["file"]).is_file()
        for a in axes:
            assert 0 <= a["default"] < len(a["values"]) and len(a["values"]) == len(a["labels"])
            assert a["note"] or len(a["values"]) == a["live"], a
        image = next(
            state[sub] for sub in build_book._walk(state, model_id)
            if state.get(sub, {}).get("model_name") == "ImageModel"
        )  # fmt: skip
        opening = hashlib.sha256(base64.b64decode(build_book._image_value(image))).hexdigest()
        assert grid["frames"][build_book._default_index(axes)]["png_sha256"] == opening


def test_site_fits_its_budget_and_reports_each_chapter(book, grids):
    sizes = grids["sizes"]
    on_disk = sum(f.stat().st_size for f in (book / "site").rglob("*") if f.is_file())
    assert sizes["total_bytes"] == on_disk <= build_book.SITE_BUDGET_MB * 1e6
    assert [r["chapter"] for r in sizes["chapters"]] == [p.stem for p in CHAPTERS]


def test_no_page_loads_anything_from_another_host(book):
    """What a page loads (scripts, styles, images, fonts, frames) lies inside the site folder.
    tests/browser/test_site.py checks the same in Chromium, request by request."""
    site = book / "site"
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        loads = re.findall(
            r"<(?:script|img|link|iframe|source)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", text
        )
        for style in re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S):
            loads += re.findall(r"url\(['\"]?([^'\")]+)", style)
        loads += re.findall(r"import\(\"([^\"]+)\"\)", text)
        for url in loads:
            if url.startswith(("data:", "#", "about:")):
                continue
            assert "://" not in url and not url.startswith("//"), f"{page.name} loads {url}"
            assert (page.parent / url.split("?")[0]).resolve().is_file(), (
                f"{page.name}: {url} missing"
            )
    assert (site / "mathjax" / "MathJax.js").is_file()


# -- without a build ------------------------------------------------------------------------
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
    assert build_book.staticize_widgets(nb)["widgets"] == 1
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


MANIFEST = {
    "key": "k1",
    "title": "Two controls",
    "axes": [
        {"name": "g", "description": "γ", "kind": "range", "values": [0.0, 0.5, 1.0],
         "labels": ["0.00", "0.50", "1.00"], "default": 1, "live": 21,
         "note": "3 of its 21 positions: every 10th from 0.00"},
        {"name": "on", "description": "drop_last", "kind": "checkbox", "values": [False, True],
         "labels": ["off", "on"], "default": 0, "live": 2, "note": ""},
        {"name": "seed", "description": "seed", "kind": "range", "values": [0], "labels": ["0"],
         "default": 0, "live": 100, "note": "fixed at 0: another seed reshuffles"},
    ],
    "frames": [{"file": f"f{i}.webp", "status": f"status {i % 2}", "values": {}} for i in range(6)],
}  # fmt: skip


def test_grid_widget_is_html_inputs_over_its_frames():
    out = build_book.grid_html(MANIFEST, "frames/")
    # The default: γ = 0.50 (index 1), drop_last off, seed 0 -> frame 1·2 + 0 = 2.
    assert 'src="frames/f2.webp"' in out and "status 0" in out
    assert re.search(r'type="range" min="0" max="2" step="1" value="1" data-axis="0"', out)
    assert re.search(r'type="checkbox" data-axis="1"[^>]*>', out) and " checked" not in out
    assert re.search(r'type="range" min="0" max="0"[^>]*disabled', out)  # fixed: shown, not movable
    assert "<output>0.50</output>" in out
    assert "every 10th from 0.00" in out and "fixed at 0: another seed reshuffles" in out
    data = json.loads(re.search(r'class="book-grid-data">(.*?)</script>', out).group(1))
    assert data["frames"] == [f"f{i}.webp" for i in range(6)] and data["status_of"] == [0, 1] * 3


def _executed(title: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nThe return $G_0$.")]
    return nb


def test_a_second_language_gets_its_own_pages_and_every_page_a_switch(tmp_path):
    for lang, title in (("en", "Start here"), ("zh", "从这里开始")):
        folder = tmp_path / "executed" / lang
        folder.mkdir(parents=True)
        nbformat.write(_executed(title), folder / "00_start.ipynb")
    site = tmp_path / "site"
    available = {"en": {"00_start.html"}, "zh": {"00_start.html"}}
    for lang in ("en", "zh"):
        build_book.render(
            [tmp_path / "executed" / lang / "00_start.ipynb"],
            site if lang == "en" else site / "zh",
            language=lang,
            languages=["en", "zh"],
            available=available,
        )
    en, zh = (site / "00_start.html").read_text(), (site / "zh" / "00_start.html").read_text()
    assert '<html lang="en">' in en and '<html lang="zh">' in zh
    assert 'href="zh/00_start.html" hreflang="zh"' in en
    assert 'href="../00_start.html" hreflang="en"' in zh
    assert 'src="../mathjax/MathJax.js' in zh and 'src="mathjax/MathJax.js' in en
    assert "从这里开始" in zh and 'href="zh/index.html"' in (site / "index.html").read_text()
    # One language: no switch at all.
    build_book.render([tmp_path / "executed" / "en" / "00_start.ipynb"], tmp_path / "one")
    assert 'class="book-lang"' not in (tmp_path / "one" / "00_start.html").read_text()


def test_an_executed_copy_is_reused_only_with_current_frames(tmp_path):
    """A chapter executed before its widget's code changed (or without frames) runs again."""
    classes = [build_book.EXPLORER_CLASS, build_book.GRID_CLASS + "k1"]
    state = {"box": {"model_name": "VBoxModel", "state": {"_dom_classes": classes}}}
    nb = nbformat.v4.new_notebook(metadata=_state(state))
    cell = nbformat.v4.new_code_cell("explorer()", execution_count=1)
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={build_book.WIDGET_VIEW: {"model_id": "box"}})
    ]
    nb.cells = [cell]
    assert build_book.missing_grids(nb, tmp_path) == ["box"]  # no frames at all
    (tmp_path / "k1").mkdir()
    module = "course_lib.widgets.ppo"
    manifest = {"key": "k1", "module": module, "code_sha256": "an older version", "frames": []}
    (tmp_path / "k1" / "manifest.json").write_text(json.dumps(manifest))
    assert build_book.missing_grids(nb, tmp_path) == ["box"]  # drawn by other code
    manifest["code_sha256"] = build_book.code_hash(module)
    (tmp_path / "k1" / "manifest.json").write_text(json.dumps(manifest))
    assert build_book.missing_grids(nb, tmp_path) == []


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(SystemExit):
        build_book.main(["--src", str(tmp_path / "missing")])
    with pytest.raises(SystemExit):
        build_book.main(["--src", str(CHAPTERS[0].parent), "--jobs", "0", "--out", str(tmp_path)])
    with pytest.raises(SystemExit):  # a folder without notebooks
        build_book.main(["--src", str(tmp_path), "--out", str(tmp_path / "out")])
    with pytest.raises(SystemExit):  # a second language without its notebooks
        build_book.main(["--src", str(CHAPTERS[0].parent), "--languages", "en", "zh"])
    with pytest.raises(SystemExit):
        build_book.main(["--src", str(CHAPTERS[0].parent), "--lang-src", "zh"])
