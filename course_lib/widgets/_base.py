"""The plumbing every course widget shares: controls + a plot + a status line.

A widget module builds its controls and a :class:`~course_lib.plotting.PlotView`, writes
an ``update()`` that redraws the figure from the controls' values (calling the library,
never holding algorithm code) and hands them to :func:`explorer`. The returned ``VBox``
carries ``controls`` (name -> control), ``view`` and ``status`` attributes so tests and
notebooks can drive it headless, and ``last_update_ms``, the time of the last redraw.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import ipywidgets as widgets

from course_lib.plotting import PlotView


def explorer(
    controls: Mapping[str, widgets.Widget],
    view: PlotView,
    update: Callable[[], str | None],
    *,
    title: str = "",
) -> widgets.VBox:
    """Wire ``controls`` so any change calls ``update()`` then refreshes ``view``.

    ``update`` returns an HTML string for the status line (or ``None`` to keep it).
    """
    status = widgets.HTML()
    header = [widgets.HTML(f"<b>{title}</b>")] if title else []
    box = widgets.VBox(
        header
        + [
            widgets.HBox(list(controls.values()), layout={"flex_flow": "row wrap"}),
            view.image,
            status,
        ]
    )
    box.controls = dict(controls)
    box.view = view
    box.status = status
    box.last_update_ms = float("nan")

    def on_change(_change=None) -> None:
        start = time.perf_counter()
        message = update()
        view.refresh()
        if message is not None:
            status.value = message
        box.last_update_ms = (time.perf_counter() - start) * 1e3

    for control in controls.values():
        control.observe(on_change, names="value")
    on_change()
    return box


def _check_start(description: str, value: float, lo: float, hi: float) -> None:
    """ipywidgets clamps a start value outside [lo, hi] silently; refuse it instead."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise ValueError(f"the {description!r} slider starts in [{lo}, {hi}], got {value!r}")


def int_slider(description: str, value: int, lo: int, hi: int, step: int = 1) -> widgets.IntSlider:
    _check_start(description, value, lo, hi)
    return widgets.IntSlider(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        continuous_update=False,
        style={"description_width": "initial"},
    )


def float_slider(
    description: str, value: float, lo: float, hi: float, step: float, fmt: str = ".2f"
) -> widgets.FloatSlider:
    _check_start(description, value, lo, hi)
    return widgets.FloatSlider(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        readout_format=fmt,
        continuous_update=False,
        style={"description_width": "initial"},
    )
