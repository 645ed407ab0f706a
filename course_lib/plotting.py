"""The few plot helpers shared by widgets and notebooks: one style, one place.

Widgets draw on a :class:`matplotlib.figure.Figure` that is *not* managed by pyplot (so
Jupyter never displays it twice) and show it through :class:`PlotView`, an
``ipywidgets.Image`` holding the rendered PNG. Updating a widget means changing the
artists and calling :meth:`PlotView.refresh`: no output piles up in the notebook, and the
same figure object is reused across slider moves.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = [
    "COLORS",
    "course_style",
    "new_figure",
    "render_png",
    "PlotView",
    "LiveCurve",
    "plot_lines",
]

# One palette for the whole course (colour-blind friendly, Okabe-Ito).
COLORS: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "red": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "grey": "#7F7F7F",
}

_STYLE = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "figure.dpi": 100,
    "axes.prop_cycle": matplotlib.cycler(color=list(COLORS.values())),
}


def course_style() -> matplotlib.rc_context:
    """Context manager applying the course's matplotlib style (``with course_style(): ...``)."""
    return matplotlib.rc_context(_STYLE)


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize=(7.0, 3.2), **subplot_kw):
    """A pyplot-free figure and its axes in the course style: ``fig, ax = new_figure()``."""
    with course_style():
        fig = Figure(figsize=figsize, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, **subplot_kw)
    return fig, axes


def render_png(fig: Figure, *, dpi: int = 90) -> bytes:
    """The figure as PNG bytes (what a widget's image shows)."""
    buf = io.BytesIO()
    with course_style():
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


class PlotView:
    """A matplotlib figure shown as an ``ipywidgets.Image``; call :meth:`refresh` after drawing."""

    def __init__(self, fig: Figure, *, dpi: int = 90, freeze_layout: bool = True):
        import ipywidgets as widgets

        self.fig = fig
        self.dpi = dpi
        self.image = widgets.Image(format="png")
        self._freeze_layout = freeze_layout

    def refresh(self) -> None:
        self.image.value = render_png(self.fig, dpi=self.dpi)
        if self._freeze_layout and self.fig.get_layout_engine() is not None:
            # The first render placed the axes (constrained layout); keeping those positions
            # makes every later redraw about a third cheaper, and the plot does not jump.
            self.fig.set_layout_engine("none")


class LiveCurve:
    """A learning curve that redraws itself while training runs (pass ``update`` as a callback).

    Args:
        keys: metric names to plot, one panel each (``{"episodic_return": "return"}`` maps a
            history key to a panel title).
        every: redraw at most once per ``every`` calls, so drawing stays a small cost.
        target: optional horizontal line per key (e.g. CartPole's 475).
    """

    def __init__(
        self,
        keys: Mapping[str, str],
        *,
        x_key: str = "global_step",
        every: int = 1,
        target: Mapping[str, float] | None = None,
        figsize=(8.0, 2.8),
    ):
        from IPython.display import display

        self.keys = dict(keys)
        self.x_key = x_key
        self.every = max(1, int(every))
        self.target = dict(target or {})
        self.fig, axes = new_figure(1, len(self.keys), figsize=figsize, squeeze=False)
        self.axes = list(axes[0])
        self.lines = {}
        for ax, (key, title) in zip(self.axes, self.keys.items()):
            (self.lines[key],) = ax.plot([], [], color=COLORS["blue"])
            ax.set_title(title)
            ax.set_xlabel(x_key.replace("_", " "))
            if key in self.target:
                ax.axhline(self.target[key], color=COLORS["grey"], ls="--", lw=1)
        self.view = PlotView(self.fig, freeze_layout=False)  # tick labels grow as data arrives
        self.view.refresh()
        self._calls = 0
        self._xs: list[float] = []
        self._ys: dict[str, list[float]] = {k: [] for k in self.keys}
        display(self.view.image)

    def update(self, metrics: Mapping[str, float], *, force: bool = False) -> None:
        """Append one row of metrics (a dict holding ``x_key`` and the plotted keys)."""
        self._calls += 1
        self._xs.append(float(metrics[self.x_key]))
        for key in self.keys:
            self._ys[key].append(float(metrics.get(key, float("nan"))))
        if force or self._calls % self.every == 0:
            self.redraw()

    __call__ = update

    def redraw(self) -> None:
        for ax, key in zip(self.axes, self.keys):
            self.lines[key].set_data(self._xs, self._ys[key])
            ax.relim()
            ax.autoscale_view()
        self.view.refresh()


def plot_lines(
    ax,
    x: Sequence[float],
    series: Mapping[str, Sequence[float]],
    *,
    spread: Mapping[str, Sequence[float]] | None = None,
    styles: Mapping[str, Mapping] | None = None,
    label_fn: Callable[[str], str] = str,
) -> None:
    """Several named lines on one axis, each with an optional ±spread band."""
    for name, ys in series.items():
        kw = dict((styles or {}).get(name, {}))
        (line,) = ax.plot(x, ys, label=label_fn(name), **kw)
        if spread and name in spread:
            lo = [y - s for y, s in zip(ys, spread[name])]
            hi = [y + s for y, s in zip(ys, spread[name])]
            ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.15, lw=0)
    ax.legend()
