"""The course site (`make book`, scripts/build_book.py), in English and in Chinese: it builds,
lists the chapters in order, every chapter page of each language holds its plots and no error
output, every widget is live over its own frames, every page links to the same page in the
other language, the site fits its size budget, and no page loads anything from another host.

Building executes every chapter once (see tests/book_site.py for reusing the browser tests'
copies); the tests at the end need no build.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from book_site import (
    CHAPTERS,
    LANGUAGES,
    PAGE_IDS,
    PAGES,
    SOURCES,
    build_book,
    built_book,
    language_dir,
)
from test_translations import english_left

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return built_book(tmp_path_factory)


@pytest.fixture(scope="module")
def grids(book) -> dict:
    return json.loads((book / "grids.json").read_text(encoding="utf-8"))


def _page(book: Path, lang: str, name: str) -> Path:
    return book / "site" / language_dir(lang) / name


def _executed_path(book: Path, lang: str, path: Path) -> Path:
    return book / "executed" / language_dir(lang) / path.name


@pytest.mark.parametrize("lang", LANGUAGES)
def test_index_lists_every_chapter_in_order(book, lang):
    assert CHAPTERS, "no notebooks in notebooks/"
    index = _page(book, lang, "index.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in index
    links = re.findall(r'<li><a href="([^"]+)">', index)
    assert links == [p.stem + ".html" for p in CHAPTERS]
    for p in CHAPTERS:
        source = SOURCES[lang] / p.name
        title = build_book.title_of(nbformat.read(source, as_version=4), p.stem)
        assert build_book.html.escape(title) in index


def _switch(page: str) -> dict[str, str]:
    """The language switch of a page (its only links with ``hreflang``): language -> target."""
    assert 'class="book-lang"' in page, "the page has no language switch"
    return {lang: href for href, lang in re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"', page)}


@pytest.mark.parametrize(("lang", "name"), [(lang, p.stem + ".html") for lang, p in PAGES]
                         + [(lang, "index.html") for lang in LANGUAGES],
                         ids=[*PAGE_IDS, *(f"{lang}-index" for lang in LANGUAGES)])  # fmt: skip
def test_every_page_links_to_itself_in_the_other_language(book, lang, name):
    page = _page(book, lang, name)
    links = _switch(page.read_text(encoding="utf-8"))
    assert set(links) == set(LANGUAGES) - {lang}
    for other, href in links.items():
        target = (page.parent / href).resolve()
        assert target == _page(book, other, name).resolve(), href
        assert f'<html lang="{other}">' in target.read_text(encoding="utf-8")


def _explorers(executed: nbformat.NotebookNode) -> tuple[list[str], list[str]]:
    """The displayed widgets of an executed chapter: (explorer boxes, every other widget)."""
    state = build_book.widget_state(executed)
    shown = build_book.shown_widgets(executed)
    boxes = [m for m in shown if build_book.grid_keys(state, m) is not None]
    return boxes, [m for m in shown if m not in boxes]


@pytest.mark.parametrize(("lang", "path"), PAGES, ids=PAGE_IDS)
def test_chapter_page_has_plots_live_widgets_and_no_errors(lang, path, book):
    page = _page(book, lang, f"{path.stem}.html").read_text(encoding="utf-8")
    executed = nbformat.read(_executed_path(book, lang, path), as_version=4)
    text = build_book.site_text(lang)

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
    # Each plot is a file of the site's images/ (the PNG, or the same pixels as lossless WebP).
    up = "../" if language_dir(lang) else ""
    assert "data:image/png;base64" not in re.sub(r"<script.*?</script>", "", page, flags=re.S)
    assert page.count(f'src="{up}images/') == pngs + widget_images
    if any(c.cell_type == "code" and "widgets" in c.source for c in executed.cells):
        assert boxes or others, (
            "the chapter makes widgets but none was saved in the executed notebook"
        )
    # Only a widget without a site grid says it is live in JupyterLab only; no widget JavaScript.
    assert page.count(text["live_note"]) == page.count("book-widget book-widget-live")
    assert page.count(text["grid_note"]) == len(boxes)
    assert "widget-state+json" not in page and "require.js" not in page
    assert '<nav class="book-nav">' in page


@pytest.mark.parametrize(("lang", "path"), PAGES, ids=PAGE_IDS)
def test_every_site_grid_holds_the_widgets_own_frames(lang, path, book, grids):
    """Each widget's grid opens on the frame the notebook shows (the same PNG, by its hash),
    holds one frame per combination of the values it claims, each rendered with the controls at
    exactly those values, and every frame file is on the site."""
    executed = nbformat.read(_executed_path(book, lang, path), as_version=4)
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
    assert [(r["language"], r["chapter"]) for r in sizes["chapters"]] == [
        (lang, p.stem) for lang, p in PAGES
    ]


#: A line that shows an error raised at the library's edge, which stays English as torch's do.
_EDGE_ERROR = re.compile(r"^\s*(?:TypeError|ValueError|ArgumentTypeError)\b")


@pytest.mark.parametrize(("lang", "path"), [pg for pg in PAGES if pg[0] != "en"],
                         ids=[i for i, pg in zip(PAGE_IDS, PAGES) if pg[0] != "en"])  # fmt: skip
def test_no_english_sentence_is_printed_in_a_chinese_chapter(lang, path, book):
    """Every line a Chinese chapter printed in its run (reading guides, tables, checkpoint lines,
    checker feedback) is Chinese but for names, numbers and code, by the rule its prose keeps."""
    executed = nbformat.read(_executed_path(book, lang, path), as_version=4)
    left = [
        (line.strip()[:100], words)
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream" and o.name == "stdout"
        for line in "".join(o.text).splitlines()
        if not _EDGE_ERROR.match(line) and (words := english_left(line))
    ]
    assert not left, f"{path.name} printed English: {left}"


@pytest.mark.parametrize(("lang", "path"), [pg for pg in PAGES if pg[0] != "en"],
                         ids=[i for i, pg in zip(PAGE_IDS, PAGES) if pg[0] != "en"])  # fmt: skip
def test_chinese_pages_come_from_the_chinese_run(lang, path, book, grids):
    """A Chinese page is its own run of notebooks-zh/: its prose, what it printed and its widgets'
    frames are Chinese (no grid of an English page is reused on it)."""
    executed = nbformat.read(_executed_path(book, lang, path), as_version=4)
    source = nbformat.read(SOURCES[lang] / path.name, as_version=4)
    assert [c.source for c in executed.cells] == [c.source for c in source.cells]
    cjk = re.compile(r"[\u4e00-\u9fff]")
    printed = "".join(
        "".join(o.get("text", ""))
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream"
    )
    if printed.strip():
        assert cjk.search(printed), f"{path.name} printed no Chinese"
    page = grids["pages"][lang][CHAPTERS.index(path)]
    english = grids["pages"][LANGUAGES[0]][CHAPTERS.index(path)]
    for key in page["grids"]:
        grid = grids["grids"][key]
        assert key not in english["grids"], f"{grid['widget']}: the English grid on a zh page"
        assert cjk.search(grid["frames"][0]["status"] + grid["title"]), grid["widget"]


def test_no_page_loads_anything_from_another_host(book):
    """What a page of either language loads (scripts, styles, images, fonts, frames) lies inside
    the site folder. tests/browser/test_site.py checks the same in Chromium, request by request."""
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
    for sheet in (site / "assets").glob("*.css"):  # the shared styles: only data: URLs
        for url in re.findall(r"url\(['\"]?([^'\")]+)", sheet.read_text(encoding="utf-8")):
            assert url.startswith("data:"), f"{sheet.name} loads {url}"
        assert "@import" not in sheet.read_text(encoding="utf-8")
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
    assert build_book.site_text("en")["live_note"] in out and "widgets" not in nb.metadata
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
    live_note = build_book.site_text("en")["live_note"]
    assert "train: 100%" in html and "50/50" in html and live_note not in html


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


def test_a_chinese_grid_says_in_chinese_what_the_site_leaves_out():
    out = build_book.grid_html(MANIFEST, "../frames/", "zh")
    text = build_book.site_text("zh")
    assert text["grid_note"] in out and 'src="../frames/f2.webp"' in out
    assert "取值比 JupyterLab" in out and "；" in out  # the notes joined the Chinese way
    assert build_book.site_text("en")["grid_note"] not in out


def test_long_styles_and_inline_plots_move_to_shared_files(tmp_path):
    png = _tiny_png()
    body = (
        f"<html><head><style>{'a{b:c}' * 1000}</style><style>.x{{}}</style></head><body>"
        f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}"></body></html>'
    )
    out, images = build_book.share_assets(body, tmp_path, "../")
    (css,) = (tmp_path / "assets").glob("*.css")
    assert f'<link rel="stylesheet" href="../assets/{css.name}">' in out
    assert "<style>.x{}</style>" in out  # a short block stays
    (image,) = images
    assert f'src="../images/{image}"' in out and "base64" not in out
    from PIL import Image

    with Image.open(tmp_path / "images" / image) as shown, Image.open(io.BytesIO(png)) as orig:
        assert shown.convert("RGBA").tobytes() == orig.convert("RGBA").tobytes()  # lossless
    # The same picture on another page is the same file.
    assert build_book.share_assets(body, tmp_path, "")[1] == images


def test_site_frames_keep_few_colours_exactly_and_cut_many_to_a_palette(tmp_path):
    from PIL import Image

    few = Image.new("RGB", (64, 64), "white")
    few.paste((0, 114, 178), (8, 8, 40, 40))
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    many = Image.fromarray(noise)  # about 4,000 colours, no two alike nearby
    for name, image in (("few.webp", few), ("many.webp", many)):
        image.save(tmp_path / name, "WEBP", lossless=True)
        build_book.site_frame(tmp_path / name, tmp_path / f"site-{name}")
        with Image.open(tmp_path / f"site-{name}") as shown:
            colours = shown.convert("RGB").getcolors(1 << 16)
            if name == "few.webp":
                assert shown.convert("RGB").tobytes() == image.tobytes()
            else:
                assert colours is not None and len(colours) <= build_book.SITE_COLOURS
        assert (tmp_path / "palette" / name).is_file()  # made once, kept beside the original


def _tiny_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 20), (230, 159, 0)).save(out, "PNG")
    return out.getvalue()


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
    # The site's own words on a Chinese page are Chinese: the contents link, the index.
    assert '<a href="index.html">目录</a>' in zh and "Contents" not in zh
    assert build_book.site_text("zh")["heading"] in (site / "zh" / "index.html").read_text()
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
