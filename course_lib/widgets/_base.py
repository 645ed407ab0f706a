"""The plumbing every course widget shares: controls + a plot + a status line.

A widget module builds its controls and a :class:`~course_lib.plotting.PlotView`, writes
an ``update()`` that redraws the figure from the controls' values (calling the library,
never holding algorithm code) and hands them to :func:`explorer`. The returned ``VBox``
carries ``controls`` (name -> control), ``view`` and ``status`` attributes so tests and
notebooks can drive it headless, and ``last_update_ms``, the time of the last redraw.

For the course site, ``site=SiteGrid(...)`` declares which control values the site
precomputes (:mod:`course_lib.widgets._grid`; by default every position, thinned evenly where
there are too many); with ``COURSE_SITE_FRAMES`` set, the box renders those frames once built.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping

import ipywidgets as widgets

from course_lib.plotting import PlotView
from course_lib.validation import MAX_SEED, check_int, check_real
from course_lib.widgets._grid import EXPLORER_CLASS, FRAMES_ENV, SiteGrid, render_site_frames


def explorer(
    controls: Mapping[str, widgets.Widget],
    view: PlotView,
    update: Callable[[], str | None],
    *,
    title: str = "",
    site: SiteGrid | None = None,
) -> widgets.VBox:
    """Wire ``controls`` so any change calls ``update()`` then refreshes ``view``.

    ``update`` returns an HTML string for the status line (or ``None`` to keep it). ``site``:
    the control values the course site precomputes (default ``SiteGrid()``: every position,
    thinned evenly beyond 160 frames). ``box.show({name: value, ...})`` sets several controls,
    then redraws once.
    """
    if site is not None and not isinstance(site, SiteGrid):
        raise TypeError(f"site must be a SiteGrid, got {type(site).__name__}")
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
    box.update, box.title, box.site = update, title, site or SiteGrid()
    box.add_class(EXPLORER_CLASS)
    muted = False  # while show() sets several controls: redraw once, after the last

    def on_change(_change=None) -> None:
        if muted:
            return
        start = time.perf_counter()
        message = update()
        view.refresh()
        if message is not None:
            status.value = message
        box.last_update_ms = (time.perf_counter() - start) * 1e3

    def show(values: Mapping[str, object]) -> None:
        nonlocal muted
        muted = True
        try:
            for name, value in values.items():
                box.controls[name].value = value
        finally:
            muted = False
        on_change()

    box.show = show
    for control in controls.values():
        control.observe(on_change, names="value")
    on_change()
    if os.environ.get(FRAMES_ENV):  # a site build: render this widget's frames (or find them)
        render_site_frames(box, os.environ[FRAMES_ENV])
    return box


def _check_slider(
    description: object, value: object, lo: object, hi: object, step: object, *, integer: bool
) -> None:
    """A slider's settings, refused here: ipywidgets clamps a start value outside ``[lo, hi]``
    silently, swaps nothing when ``lo > hi`` and never moves with ``step=0``."""
    if not isinstance(description, str):
        raise TypeError(f"description must be the slider's label (a str), got {description!r}")
    if integer:
        lo, hi = check_int("lo", lo, -MAX_SEED), check_int("hi", hi, -MAX_SEED)
    else:
        lo, hi = (
            check_real("lo", lo, -math.inf, math.inf),
            check_real("hi", hi, -math.inf, math.inf),
        )
    if lo > hi:
        raise ValueError(
            f"lo and hi must have lo <= hi (the {description!r} slider's range), got lo={lo}, hi={hi}"
        )
    if integer:
        check_int("value", value, lo, hi)
        check_int("step", step, 1)
    else:
        check_real("value", value, lo, hi)
        check_real("step", step, 0.0, math.inf, lo_open=True)


def int_slider(description: str, value: int, lo: int, hi: int, step: int = 1) -> widgets.IntSlider:
    """An integer slider from ``lo`` to ``hi`` starting at ``value`` (each refused if wrong)."""
    _check_slider(description, value, lo, hi, step, integer=True)
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
    """A float slider from ``lo`` to ``hi`` starting at ``value``, read out with ``fmt``."""
    _check_slider(description, value, lo, hi, step, integer=False)
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a number format spec such as '.2f', got {fmt!r}")
    try:  # the readout would fail at the first redraw, in the browser: refuse it here
        format(1.0, fmt)
    except ValueError as err:
        raise ValueError(f"fmt must be a number format spec such as '.2f', got {fmt!r}") from err
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
