"""The course site's widget grids (course_lib/widgets/_grid.py): every widget's grid covers its
default and claims only values its live controls offer, in English and in Chinese (the site
has both); frames are the widget's own PNGs, cached by code and data.

Every public widget factory is built headless on small inputs (tests/site_widgets.py).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import math
import re
import warnings

import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest
from PIL import Image
from site_widgets import BUILDERS

import course_lib.widgets as course_widgets
from course_lib import i18n
from course_lib.plotting import PlotView, new_figure
from course_lib.widgets import _grid
from course_lib.widgets._base import explorer, float_slider, int_slider
from course_lib.widgets._grid import (
    EXPLORER_CLASS,
    FRAMES_ENV,
    GRID_CLASS,
    SiteGrid,
    live_values,
    load_manifest,
    render_site_frames,
    site_axes,
)


def test_every_widget_factory_has_a_builder():
    assert set(BUILDERS) == set(course_widgets.__all__)


@pytest.fixture(
    params=[(lang, name) for lang in i18n.LANGUAGES for name in BUILDERS],
    ids=[f"{lang}-{name}" for lang in i18n.LANGUAGES for name in BUILDERS],
)
def box(request):
    """Each widget, built (and tested) in each language of the course; English afterwards."""
    lang, name = request.param
    with matplotlib.rc_context(), warnings.catch_warnings():
        i18n.set_language(lang)
        try:
            yield BUILDERS[name]()
        finally:
            i18n.set_language("en")


def _refused(control, values) -> list:
    """The values the live control does not hold as given (clamped, or not an option)."""
    before, refused = control.value, []
    try:
        for value in values:
            control.value = value
            if not _grid._same(control.value, value):
                refused.append(value)
    finally:
        control.value = before
    return refused


def test_site_grid_covers_the_default_and_claims_only_live_values(box):
    axes = site_axes(box)
    assert [a.name for a in axes] == list(box.controls), "every control is on the grid or fixed"
    for axis in axes:
        control = box.controls[axis.name]
        kind, live, labels = live_values(control)
        # The site opens where the live widget opens.
        assert _grid._same(axis.values[axis.default], control.value), axis.name
        # Every value it claims is one the live control offers, with the live readout.
        for value, label in zip(axis.values, axis.labels):
            i = next(i for i, v in enumerate(live) if _grid._same(v, value))
            assert labels[i] == label, (axis.name, value)
        assert not _refused(control, axis.values), axis.name
        assert axis.kind == kind and axis.live == len(live)
        assert len(set(axis.labels)) == len(axis.labels), "two positions with one readout"
        # Fewer positions than live only with a line saying how they were chosen, or why fixed.
        assert (len(axis.values) < axis.live) == bool(axis.note), (axis.name, axis.note)
        if axis.kind == "checkbox":  # the site's "off"/"on" in the widget's language
            assert set(axis.labels) <= {i18n.tr("off"), i18n.tr("on")}, axis.labels
        if i18n.language() == "zh" and axis.note:  # the page's line about it, in Chinese
            assert re.search(r"[\u4e00-\u9fff]", axis.note), axis.note
        if axis.name in box.site.fixed:
            assert axis.values == (control.value,) and box.site.fixed[axis.name] in axis.note
    assert math.prod(len(a.values) for a in axes) <= box.site.max_frames


def test_live_values_follow_each_control_type():
    slider = float_slider("phase", 1.0, -math.pi, 2 * math.pi, 0.05)
    kind, values, labels = live_values(slider)
    assert kind == "range" and 1.0 in values and values[0] == pytest.approx(-math.pi)
    assert len(values) == int((3 * math.pi) / 0.05) + 2  # every step, and the start between steps
    assert live_values(int_slider("k", 3, 1, 9, 2))[1] == [1, 3, 5, 7, 9]
    toggle = widgets.ToggleButtons(options=[("K = 1", 1), ("K = 5", 5)], value=5)
    assert live_values(toggle) == ("select", [1, 5], ["K = 1", "K = 5"])
    assert live_values(widgets.Checkbox(value=True)) == ("checkbox", [False, True], ["off", "on"])
    assert live_values(widgets.Text("x")) is None


def _toy(site=None, **kw):
    """An explorer over two sliders that counts its redraws."""
    fig, ax = new_figure(figsize=(2.0, 1.5))
    (line,) = ax.plot([0, 1], [0, 0])
    controls = {
        "a": int_slider("a", kw.get("a", 37), 0, 100),
        "b": float_slider("b", 0.5, 0.0, 1.0, 0.25),
    }
    calls = []

    def update():
        calls.append((controls["a"].value, controls["b"].value))
        line.set_ydata([0, controls["a"].value * controls["b"].value / 100])
        return f"a·b = {controls['a'].value * controls['b'].value:g}"

    box = explorer(controls, PlotView(fig, dpi=30), update, title="toy", site=site)
    return box, calls


def test_thinning_is_even_keeps_the_default_and_the_ends_and_says_so():
    box, _ = _toy(SiteGrid(max_frames=30))
    a, b = site_axes(box)
    assert b.values == (0.0, 0.25, 0.5, 0.75, 1.0) and b.note == ""  # 5 positions: all kept
    assert len(a.values) * 5 <= 30 and 37 in a.values and a.values[0] == 0 and a.values[-1] == 100
    stride = a.values[1] - a.values[0]
    assert all(v % stride == 0 for v in a.values if v not in (37, 100))  # every s-th from 0
    assert (
        a.note == f"{len(a.values)} of its 101 positions: every {stride}th from 0, the default 37"
    )


def test_declared_positions_fixed_controls_and_bad_declarations():
    box, _ = _toy(SiteGrid(positions={"b": 3}, fixed={"a": "a reason"}))
    a, b = site_axes(box)
    assert a.values == (37,) and a.note == "fixed at 37: a reason"
    assert b.values == (0.0, 0.5, 1.0) and b.note == "3 of its 5 positions: every 2nd from 0.00"
    box.site = SiteGrid(positions={"b": 2})  # fewer than the ends and the default
    with pytest.raises(ValueError, match="keeps fewer than its first and last"):
        site_axes(box)
    box.site = SiteGrid(fixed={"c": "no such control"})
    with pytest.raises(ValueError, match=r"\['c'\]"):
        site_axes(box)
    box.site = SiteGrid(max_frames=3)
    with pytest.raises(ValueError, match="declare some controls fixed"):
        site_axes(box)
    with pytest.raises(ValueError, match="max_frames"):
        SiteGrid(max_frames=0)
    with pytest.raises(ValueError, match="must say why"):
        SiteGrid(fixed={"a": " "})
    with pytest.raises(TypeError, match="site must be a SiteGrid"):
        _toy(site={"max_frames": 3})


def test_show_sets_several_controls_and_redraws_once():
    box, calls = _toy()
    assert calls == [(37, 0.5)] and EXPLORER_CLASS in box._dom_classes
    box.show({"a": 10, "b": 1.0})
    assert calls[1:] == [(10, 1.0)] and box.status.value == "a·b = 10"


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGBA"))


def test_frames_are_the_widgets_own_pngs_and_the_box_ends_as_it_began(tmp_path):
    box, _ = _toy(SiteGrid(max_frames=12))
    opening = box.view.image.value
    folder = render_site_frames(box, tmp_path)
    manifest = load_manifest(folder)
    axes = manifest["axes"]
    assert len(manifest["frames"]) == math.prod(len(a["values"]) for a in axes) <= 12
    assert GRID_CLASS + manifest["key"] in box._dom_classes
    # The widget is back where it opened: same values, the same PNG byte for byte.
    assert box.view.image.value == opening
    assert (box.controls["a"].value, box.controls["b"].value) == (37, 0.5)
    for combo, frame in zip(
        itertools.product(*(range(len(a["values"])) for a in axes)), manifest["frames"]
    ):
        values = {a["name"]: a["values"][i] for a, i in zip(axes, combo)}
        assert frame["values"] == values
        # Each frame is the PNG the live widget shows at those values, losslessly re-encoded.
        box.show(values)
        png = box.view.image.value
        assert frame["png_sha256"] == hashlib.sha256(png).hexdigest()
        assert np.array_equal(_pixels((folder / frame["file"]).read_bytes()), _pixels(png))
        assert frame["status"] == box.status.value
    recorded = json.loads((folder / "manifest.json").read_text())
    assert recorded["title"] == "toy" and recorded["module"] == __name__
    assert recorded["code_sha256"] == _grid.code_hash(__name__) is not None
    assert _grid.code_hash("__main__") is None  # a widget written in a notebook cell


def test_an_unchanged_widget_is_not_rendered_again(tmp_path, monkeypatch):
    small = SiteGrid(max_frames=9)
    first = render_site_frames(_toy(small)[0], tmp_path)

    def no_sweep(*args, **kwargs):
        raise AssertionError("an unchanged widget was rendered again")

    monkeypatch.setattr(_grid, "_sweep", no_sweep)
    assert render_site_frames(_toy(small)[0], tmp_path) == first
    # Other data (another opening picture) or other code: another key, rendered anew.
    monkeypatch.undo()
    assert render_site_frames(_toy(small, a=36)[0], tmp_path) != first
    sources = _grid._code_sources
    monkeypatch.setattr(_grid, "_code_sources", lambda box: [*sources(box), b"an edit"])
    assert render_site_frames(_toy(small)[0], tmp_path) != first


def test_explorer_renders_its_frames_when_the_site_asks(tmp_path, monkeypatch):
    box, _ = _toy()
    assert not any(c.startswith(GRID_CLASS) for c in box._dom_classes)  # a student's kernel
    monkeypatch.setenv(FRAMES_ENV, str(tmp_path))
    box, _ = _toy(SiteGrid(max_frames=9))
    (key,) = [c.removeprefix(GRID_CLASS) for c in box._dom_classes if c.startswith(GRID_CLASS)]
    assert load_manifest(tmp_path / key)["widget"] == "_toy"
