"""The course site in headless Chromium, opened from disk (file://) as a reader with no network
would: in English and in Chinese, every control of every chapter moves its figure to the right
frame, within 100 ms, every page's language switch leads to the same page in the other
language, and no request leaves the machine.

For each chapter page of each language (course order) the test

* blocks and records every request that is not to a local file (``file:``, ``data:``,
  ``blob:``, ``about:``), and fails on any, on any failed local load (a missing frame, a
  missing piece of MathJax) and on any script error;
* waits until MathJax (the site's own copy) has typeset the page, and checks formulas came out;
* for each widget with a site grid: checks it opens on the default frame, then moves each of
  its controls as a reader does (a slider by keyboard, one step and then to its end; a dropdown
  to its next option; a checkbox by a click) and checks, after each move, that the picture is
  the frame the widget's kernel drew for the values the controls now show (looked up by those
  values in the build's record, ``grids.json``, not by the page's own arithmetic), that its
  status line came along, and that the page answered within ``RESPONSE_MS``;
* follows the page's language switch and checks it lands on the same chapter in the other
  language, fetching nothing from another host there either.

``make book-check`` runs it on the site it built (``BOOK_DIR``); run alone it builds the site
(tests/book_site.py). Screenshots of each widget go to ``test-artifacts/browser/site_*.png``,
the moves and the slowest response of each chapter to ``site_response_ms.json`` there.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from book_site import CHAPTERS, LANGUAGES, PAGE_IDS, PAGES, built_book, language_dir

RESPONSE_MS = 100  # the budget: input event to the new frame decoded
LOCAL = ("file:", "data:", "blob:", "about:")  # about:blank is MathJax's own blank font probe


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return built_book(tmp_path_factory)


@pytest.fixture(scope="module")
def grids(book) -> dict:
    return json.loads((book / "grids.json").read_text(encoding="utf-8"))["grids"]


class Watch:
    """Everything a page asks for, and what went wrong: requests to another host (blocked),
    failed local loads, script errors."""

    def __init__(self, context, page):
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        context.route(re.compile(r"^(?!file:|data:|blob:|about:)"), self._block)
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", self._failed)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("websocket", lambda ws: self.blocked.append(ws.url))

    def _block(self, route) -> None:
        self.blocked.append(route.request.url)
        route.abort()

    def _failed(self, request) -> None:
        if not request.url.startswith("about:"):
            self.failed.append(f"{request.url}: {request.failure}")

    def check(self, leaving: bool = False) -> None:
        """Fail on what went wrong so far. ``leaving``: the test has since clicked away from the
        page, which aborts its loads still under way (MathJax fetches fonts lazily): those are
        no fault of the page (each page's own loads are checked before it is left)."""
        assert not self.blocked, f"requests to another host: {self.blocked}"
        assert all(u.startswith(LOCAL) for u in self.requests), self.requests
        failed = [f for f in self.failed if not (leaving and f.endswith("net::ERR_ABORTED"))]
        assert not failed, f"local loads that failed: {failed}"
        assert not self.errors, f"script errors: {self.errors}"


def _text(fragment: str) -> str:
    """The text a browser shows for an HTML fragment (what ``textContent`` returns)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _shown(widget, axes: list[dict]) -> list[int]:
    """Which position of each axis the page shows, read as a reader reads it: a slider's readout,
    a dropdown's selected option, a checkbox's tick."""
    shown = []
    for i, axis in enumerate(axes):
        el = widget.locator(f'[data-axis="{i}"]')
        kind = el.evaluate("e => e.type")
        if kind == "checkbox":  # the site's two labels, "off" and "on" (in Chinese 关, 开)
            label = axis["labels"][1 if el.is_checked() else 0]
        elif kind == "range":
            label = el.locator("xpath=following-sibling::output").inner_text()
        else:
            label = el.evaluate("e => e.options[e.selectedIndex].text")
        shown.append(axis["labels"].index(label))
    return shown


def _frame_for(grid: dict, shown: list[int]) -> int:
    """The kernel's frame for those positions: the one whose recorded control values are the
    axes' values there."""
    wanted = {a["name"]: a["values"][p] for a, p in zip(grid["axes"], shown)}
    for k, frame in enumerate(grid["frames"]):
        if all(
            frame["values"][n] == pytest.approx(v)
            if isinstance(v, float)
            else frame["values"][n] == v
            for n, v in wanted.items()
        ):
            return k
    raise AssertionError(f"no frame was rendered for {wanted}")


def _check_frame(page, widget, grid: dict, action: str) -> float:
    """The widget shows the kernel's frame for its controls' values; returns the response ms."""
    k = _frame_for(grid, _shown(widget, grid["axes"]))
    page.wait_for_function(
        "([w, k]) => w.dataset.frame === String(k) && w.dataset.responseMs !== undefined",
        arg=[widget.element_handle(), k],
        timeout=10_000,
    )
    img = widget.locator("img.book-widget-image")
    src = img.get_attribute("src")
    assert src.endswith("/" + grid["frames"][k]["file"]), f"{action}: shows {src}, frame {k}"
    assert img.evaluate("i => i.complete && i.naturalWidth > 0"), f"{action}: frame not decoded"
    status = widget.locator(".book-grid-status").evaluate("e => e.textContent")
    assert status.strip() == _text(grid["frames"][k]["status"]).strip(), action
    return float(widget.get_attribute("data-response-ms"))


def _moves(el) -> list[tuple[str, callable]]:
    """How a reader moves one control: (what, do it). A slider takes one step (back, if it
    starts at its end) and then goes to the far end, when that is another position."""
    kind = el.evaluate("e => e.type")
    if kind == "range":
        value, top = el.evaluate("e => [e.valueAsNumber, +e.max]")
        first = "ArrowLeft" if value == top else "ArrowRight"
        after = value - 1 if value == top else value + 1
        far, far_key = (0, "Home") if value == top else (top, "End")
        moves = [("one step", lambda: el.press(first))]
        if far != after:
            moves.append(("to the end", lambda: el.press(far_key)))
        return moves
    if kind == "checkbox":
        return [("a click", el.click)]
    count, current = el.evaluate("e => [e.options.length, e.selectedIndex]")
    return [("the next option", lambda: el.select_option(index=(current + 1) % count))]


def _page(book: Path, lang: str, name: str) -> Path:
    return (book / "site" / language_dir(lang) / name).resolve()


def _follow_switch(page, book: Path, lang: str, name: str) -> None:
    """Click the page's link to each other language: it opens ``name`` in that language."""
    for other in LANGUAGES:
        if other == lang:
            continue
        link = page.locator(f'.book-lang a[hreflang="{other}"]')
        assert link.count() == 1, f"no switch to {other}"
        link.click()
        page.wait_for_load_state("load")
        assert page.url == _page(book, other, name).as_uri(), page.url
        assert page.locator("html").get_attribute("lang") == other
        page.go_back()
        page.wait_for_load_state("load")


@pytest.mark.parametrize(("lang", "path"), PAGES, ids=PAGE_IDS)
def test_chapter_from_disk_moves_every_control_to_its_frame(
    lang, path, book, grids, browser, artifacts
):
    context = browser.new_context(viewport={"width": 1100, "height": 1000})
    page = context.new_page()
    watch = Watch(context, page)
    stem = f"{lang}_{path.stem}"
    try:
        page.goto(_page(book, lang, f"{path.stem}.html").as_uri())
        page.wait_for_load_state("load")
        if page.locator("script[src*='mathjax/MathJax.js']").count():
            page.wait_for_function(
                "document.documentElement.dataset.mathjax === 'done'", timeout=60_000
            )
            body = page.locator("main").inner_text()
            assert "Math Processing Error" not in body and "[Math Processing Error]" not in body
            if re.search(
                r"\$[^$\n]+\$",
                (book / "executed" / language_dir(lang) / path.name).read_text(encoding="utf-8"),
            ):
                assert page.locator(".MathJax").count() > 0, "formulas were not typeset"
        widgets = page.locator(".book-grid").all()
        slowest = []
        for n, widget in enumerate(widgets):
            grid = grids[widget.get_attribute("data-key")]
            widget.scroll_into_view_if_needed()
            k = _frame_for(grid, [a["default"] for a in grid["axes"]])
            assert (
                widget.locator("img.book-widget-image")
                .get_attribute("src")
                .endswith(grid["frames"][k]["file"])
            ), "the widget must open on its default frame"
            moved = 0
            for el in widget.locator("[data-axis]:not([disabled])").all():
                name = el.get_attribute("data-name")
                el.focus()
                for what, move in _moves(el):
                    before = widget.get_attribute("data-frame")
                    move()
                    page.wait_for_function(
                        "([w, b]) => w.dataset.frame !== b",
                        arg=[widget.element_handle(), before],
                        timeout=10_000,
                    )
                    ms = _check_frame(page, widget, grid, f"{grid['widget']}: {name} by {what}")
                    slowest.append((ms, f"{grid['widget']} {name} {what}"))
                    moved += 1
            assert moved, f"{grid['widget']}: the site offers no control to move"
            widget.screenshot(path=str(artifacts / f"site_{stem}_widget{n}.png"))
        if slowest:
            timings = artifacts / "site_response_ms.json"
            recorded = json.loads(timings.read_text()) if timings.exists() else {}
            recorded[stem] = {"moves": len(slowest), "max_ms": max(slowest)[0]}
            timings.write_text(json.dumps(recorded, indent=1))
        over = [s for s in slowest if s[0] >= RESPONSE_MS]
        assert not over, f"slower than {RESPONSE_MS} ms: {over}"
        watch.check()
        _follow_switch(page, book, lang, f"{path.stem}.html")
        watch.check(leaving=True)
    except Exception:
        page.screenshot(path=str(artifacts / f"site_{stem}_FAILED.png"), full_page=True)
        raise
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_contents_page_links_every_chapter_and_fetches_nothing(lang, book, browser):
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(context, page)
    try:
        page.goto(_page(book, lang, "index.html").as_uri())
        _follow_switch(page, book, lang, "index.html")
        hrefs = page.locator("ol.toc a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        assert hrefs == [p.stem + ".html" for p in CHAPTERS]
        page.locator("ol.toc a").first.click()
        page.wait_for_load_state("load")
        assert page.url == _page(book, lang, CHAPTERS[0].stem + ".html").as_uri()
        watch.check(leaving=True)
    finally:
        context.close()
