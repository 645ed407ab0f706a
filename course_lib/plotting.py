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
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course_lib.validation import check_bool, check_int, check_real

__all__ = [
    "COLORS",
    "course_style",
    "new_figure",
    "render_png",
    "PlotView",
    "LiveCurve",
    "plot_lines",
    "use_cjk_font",
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


def _check_figsize(figsize: object) -> None:
    if isinstance(figsize, str) or not isinstance(figsize, Sequence) or len(figsize) != 2:
        raise TypeError(
            f"figsize must be a pair of numbers (width, height) in inches, got {figsize!r}"
        )
    for i, inches in enumerate(figsize):
        check_real(f"figsize[{i}]", inches, 0.0, 50.0, lo_open=True)  # 50 in: already 20 MB PNGs


def _check_figure(fig: object, dpi: object) -> None:
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    check_int("dpi", dpi, 10, 600)


def _check_panels(panels: object) -> None:
    if not isinstance(panels, Mapping):
        raise TypeError(
            f"panels must be a mapping {{title: {{history key: label}}}}, got {panels!r:.60}"
        )
    if not 1 <= len(panels) <= 10:
        raise ValueError(f"panels must hold 1 to 10 panels, got {len(panels)}")
    for title, series in panels.items():
        if not isinstance(series, Mapping):
            raise TypeError(
                f"panels[{title!r}] must be a mapping {{history key: label}}, got {series!r:.60}"
            )


def _check_target(target: object) -> None:
    if target is None:
        return
    if not isinstance(target, Mapping):
        raise TypeError(
            f"target must be a mapping {{title: (value, label)}} or None, got {target!r:.60}"
        )
    for title, line in target.items():
        ok = isinstance(line, tuple | list) and len(line) == 2 and isinstance(line[1], str)
        if not ok:
            raise TypeError(f"target[{title!r}] must be a pair (value, label), got {line!r:.60}")
        check_real(f"target[{title!r}] value", line[0], -1e300, 1e300)


def _check_series(x: object, series: object, spread: object) -> None:
    if isinstance(x, str) or not isinstance(x, Sequence | np.ndarray | range):
        raise TypeError(f"x must be a sequence of numbers, got {type(x).__name__} {x!r:.60}")
    if not isinstance(series, Mapping):
        raise TypeError(f"series must be a mapping {{name: values}}, got {type(series).__name__}")
    for name, value in (("spread", spread),):
        if value is not None and not isinstance(value, Mapping):
            raise TypeError(f"{name} must be a mapping {{name: values}} or None, got {value!r:.60}")
    for label, values in (
        *((f"series[{k!r}]", v) for k, v in series.items()),
        *((f"spread[{k!r}]", v) for k, v in (spread or {}).items()),
    ):
        if len(values) != len(x):
            raise ValueError(f"{label} must have one value per x ({len(x)}), got {len(values)}")
    for k, v in (
        spread or {}
    ).items():  # a NaN band draws nothing, silently; a negative one inverts
        widths = np.asarray(v, dtype=float)
        if not (np.isfinite(widths) & (widths >= 0)).all():
            raise ValueError(f"spread[{k!r}] must hold finite widths >= 0, got {list(v)!r:.60}")


#: The font that draws the Chinese edition's labels: Noto Sans CJK (SIL Open Font License),
#: installed from PyPI with the course (package ``noto-cjk-sans-otc``), so it is there on Linux,
#: macOS and Windows alike; Latin text keeps matplotlib's DejaVu Sans and falls back per glyph.
CJK_FONT = "Noto Sans CJK SC"


def use_cjk_font() -> None:
    """Let every later plot draw Chinese: register Noto Sans CJK and put it after DejaVu Sans."""
    from matplotlib import font_manager

    if not any(f.name == CJK_FONT for f in font_manager.fontManager.ttflist):
        from noto_cjk_sans_otc import FONT_PATH

        font_manager.fontManager.addfont(str(FONT_PATH))
    # Named families, not the generic "sans-serif": matplotlib falls back glyph by glyph along
    # an explicit family list.
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", CJK_FONT]


def course_style() -> matplotlib.rc_context:
    """Context manager applying the course's matplotlib style (``with course_style(): ...``)."""
    return matplotlib.rc_context(_STYLE)


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize=(7.0, 3.2), **subplot_kw):
    """A pyplot-free figure and its axes in the course style: ``fig, ax = new_figure()``."""
    check_int("nrows", nrows, 1, 10)
    check_int("ncols", ncols, 1, 10)
    _check_figsize(figsize)
    with course_style():
        fig = Figure(figsize=figsize, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, **subplot_kw)
    return fig, axes


def render_png(fig: Figure, *, dpi: int = 90) -> bytes:
    """The figure as PNG bytes (what a widget's image shows)."""
    _check_figure(fig, dpi)
    buf = io.BytesIO()
    with course_style():
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


class PlotView:
    """A matplotlib figure shown as an ``ipywidgets.Image``; call :meth:`refresh` after drawing."""

    def __init__(self, fig: Figure, *, dpi: int = 90, freeze_layout: bool = True):
        import ipywidgets as widgets

        _check_figure(fig, dpi)
        self.fig = fig
        self.dpi = dpi
        self.image = widgets.Image(format="png")
        self._freeze_layout = check_bool("freeze_layout", freeze_layout)

    def refresh(self) -> None:
        self.image.value = render_png(self.fig, dpi=self.dpi)
        if self._freeze_layout and self.fig.get_layout_engine() is not None:
            # The first render placed the axes (constrained layout); keeping those positions
            # makes every later redraw about a third cheaper, and the plot does not jump.
            self.fig.set_layout_engine("none")


class _MissingKeyError(KeyError, ValueError):
    """A row without the curve's x column: a ``KeyError`` that is also a bad argument."""

    def __str__(self) -> str:  # KeyError's own str() would quote the message
        return str(self.args[0])


class LiveCurve:
    """A learning curve that redraws itself while training runs; pass it as a trainer's callback.

    Args:
        panels: one entry per panel: a title mapped to the history keys drawn on it, each with
            its legend label, e.g. ``{"CartPole-v1": {"episode_return": "training return",
            "eval_return": "greedy evaluation"}}``. Rows that lack a key (an evaluation every
            few iterations) simply add no point to that line.
        x_key: the history key on the x axis (``"env_steps"`` for RL trainers).
        xlabel, ylabel: axis labels (default: the x key; no y label).
        every: redraw at most once per ``every`` rows, so drawing stays a small cost.
        target: optional labelled horizontal line per panel title: ``{title: (value, label)}``.
    """

    def __init__(
        self,
        panels: Mapping[str, Mapping[str, str]],
        *,
        x_key: str = "env_steps",
        xlabel: str | None = None,
        ylabel: str | None = None,
        every: int = 1,
        target: Mapping[str, tuple[float, str]] | None = None,
        figsize=(8.0, 2.8),
    ):
        from IPython.display import display

        _check_panels(panels)
        if not isinstance(x_key, str):
            raise TypeError(f"x_key must be a history key (str), got {x_key!r}")
        check_int("every", every, 1)
        _check_figsize(figsize)
        for name, label in (("xlabel", xlabel), ("ylabel", ylabel)):
            if label is not None and not isinstance(label, str):
                raise TypeError(f"{name} must be an axis label (a str) or None, got {label!r:.60}")
        _check_target(target)
        self.panels = {title: dict(series) for title, series in panels.items()}
        self.x_key = x_key
        self.every = max(1, int(every))
        self.fig, axes = new_figure(1, len(self.panels), figsize=figsize, squeeze=False)
        self.axes = list(axes[0])
        self.lines = {}
        self.points: dict[str, tuple[list[float], list[float]]] = {}
        palette = list(COLORS.values())
        for ax, (title, series) in zip(self.axes, self.panels.items()):
            for i, (key, label) in enumerate(series.items()):
                (self.lines[key],) = ax.plot([], [], color=palette[i], marker=".", label=label)
                self.points[key] = ([], [])
            if target and title in target:
                value, label = target[title]
                ax.axhline(value, color=COLORS["grey"], ls="--", lw=1, label=label)
            ax.set_title(title)
            ax.set_xlabel(xlabel or x_key.replace("_", " "))
            if ylabel:
                ax.set_ylabel(ylabel)
            ax.legend(loc="lower right", fontsize=8)
        self.view = PlotView(self.fig, freeze_layout=False)  # tick labels grow as data arrives
        self.view.refresh()
        self._calls = 0
        display(self.view.image)

    def update(self, row: Mapping[str, float], model: object = None) -> None:
        """Add one history row (the trainer callback signature; never stops training)."""
        if not isinstance(row, Mapping):
            raise TypeError(f"row must be a history row (a mapping of floats), got {row!r:.60}")
        if self.x_key not in row:
            raise _MissingKeyError(
                f"row must have the x_key, got one without it: row has no {self.x_key!r} "
                f"(the x_key); it has {sorted(row)}"
            )
        self._calls += 1
        for key, (xs, ys) in self.points.items():
            value = row.get(key)
            if value is not None and value == value:  # skip missing and NaN values
                xs.append(float(row[self.x_key]))
                ys.append(float(value))
        if self._calls % self.every == 0:
            self.redraw()

    __call__ = update

    def redraw(self) -> None:
        for key, (xs, ys) in self.points.items():
            self.lines[key].set_data(xs, ys)
        for ax in self.axes:
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
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    _check_series(x, series, spread)
    if styles is not None and not isinstance(styles, Mapping):
        raise TypeError(
            f"styles must be a mapping {{name: plot keywords}} or None, got {styles!r:.60}"
        )
    if not callable(label_fn):
        raise TypeError(f"label_fn must be callable(name) -> label, got {label_fn!r:.60}")
    for name, ys in series.items():
        kw = dict((styles or {}).get(name, {}))
        (line,) = ax.plot(x, ys, label=label_fn(name), **kw)
        if spread and name in spread:
            lo = [y - s for y, s in zip(ys, spread[name])]
            hi = [y + s for y, s in zip(ys, spread[name])]
            ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.15, lw=0)
    ax.legend()
