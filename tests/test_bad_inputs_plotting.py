"""Bad input to plotting.

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import math

from bad_inputs import (
    T,
    V,
    registry,
    sweep,
)

from course_lib import (
    plotting,
)

CASES, case = registry()


for _name, _call, _error, _frag in [
    (
        "new-figure-rows-0",
        lambda: plotting.new_figure(0),
        V,
        "nrows must be an integer in [1, 10], got 0",
    ),  # fmt: skip
    (
        "new-figure-cols-huge",
        lambda: plotting.new_figure(1, 10**6),
        V,
        "ncols must be an integer in [1, 10], got 1000000",
    ),  # fmt: skip
    ("new-figure-rows-str", lambda: plotting.new_figure("2"), T, "nrows must be an integer"),
    (
        "new-figure-figsize-huge",
        lambda: plotting.new_figure(figsize=(1e5, 1e5)),
        V,
        "figsize[0] must be in (0.0, 50.0], got 100000.0",
    ),  # fmt: skip
    (
        "new-figure-figsize-str",
        lambda: plotting.new_figure(figsize="big"),
        T,
        "figsize must be a pair of numbers (width, height) in inches, got 'big'",
    ),  # fmt: skip
    (
        "new-figure-figsize-nan",
        lambda: plotting.new_figure(figsize=(math.nan, 3.0)),
        V,
        "figsize[0] must be in (0.0, 50.0], got nan",
    ),  # fmt: skip
    (
        "render-png-fig",
        lambda: plotting.render_png("fig"),
        T,
        "fig must be a matplotlib Figure, got str",
    ),  # fmt: skip
    (
        "render-png-dpi-huge",
        lambda: plotting.render_png(plotting.new_figure()[0], dpi=10**5),
        V,
        "dpi must be an integer in [10, 600], got 100000",
    ),  # fmt: skip
    (
        "render-png-dpi-0",
        lambda: plotting.render_png(plotting.new_figure()[0], dpi=0),
        V,
        "dpi must be an integer in [10, 600], got 0",
    ),  # fmt: skip
    (
        "plot-view-fig",
        lambda: plotting.PlotView(None),
        T,
        "fig must be a matplotlib Figure, got NoneType",
    ),  # fmt: skip
    (
        "plot-view-dpi",
        lambda: plotting.PlotView(plotting.new_figure()[0], dpi=-1),
        V,
        "dpi must be an integer in [10, 600], got -1",
    ),  # fmt: skip
    (
        "live-curve-panels",
        lambda: plotting.LiveCurve("loss"),
        T,
        "panels must be a mapping {title: {history key: label}}, got 'loss'",
    ),  # fmt: skip
    (
        "live-curve-empty",
        lambda: plotting.LiveCurve({}),
        V,
        "panels must hold 1 to 10 panels, got 0",
    ),  # fmt: skip
    (
        "live-curve-series",
        lambda: plotting.LiveCurve({"a": "loss"}),
        T,
        "panels['a'] must be a mapping {history key: label}, got 'loss'",
    ),  # fmt: skip
    (
        "live-curve-every-0",
        lambda: plotting.LiveCurve({"a": {"loss": "loss"}}, every=0),
        V,
        "every must be an integer >= 1, got 0",
    ),  # fmt: skip
    (
        "live-curve-x-key",
        lambda: plotting.LiveCurve({"a": {"loss": "loss"}}, x_key=3),
        T,
        "x_key must be a history key (str), got 3",
    ),  # fmt: skip
    (
        "live-curve-update-row",
        lambda: _live_curve().update("row"),
        T,
        "row must be a history row (a mapping of floats), got 'row'",
    ),  # fmt: skip
    (
        "live-curve-update-x",
        lambda: _live_curve().update({"loss": 1.0}),
        KeyError,
        "row has no 'env_steps' (the x_key)",
    ),  # fmt: skip
    (
        "plot-lines-length",
        lambda: plotting.plot_lines(plotting.new_figure()[1], [1, 2, 3], {"a": [1, 2]}),
        V,
        "series['a'] must have one value per x (3), got 2",
    ),  # fmt: skip
    (
        "plot-lines-series",
        lambda: plotting.plot_lines(plotting.new_figure()[1], [1, 2], [1, 2]),
        T,
        "series must be a mapping {name: values}, got list",
    ),  # fmt: skip
    (
        "plot-lines-spread",
        lambda: plotting.plot_lines(
            plotting.new_figure()[1], [1, 2], {"a": [1, 2]}, spread={"a": [1]}
        ),
        V,
        "spread['a'] must have one value per x (2), got 1",
    ),  # fmt: skip
]:
    case(f"plotting-{_name}", _call, _error, _frag)


def _live_curve():
    return plotting.LiveCurve({"a": {"loss": "loss"}})


test_bad_input_gives_a_clear_error = sweep(CASES)
