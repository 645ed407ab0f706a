"""Chapter 2 widget: how shuffled minibatches cover a rollout buffer, epoch after epoch."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.ticker import MaxNLocator

from course_lib.i18n import tr
from course_lib.plotting import COLORS, PlotView, new_figure
from course_lib.sampling import (
    minibatch_indices,
    minibatch_indices_with_replacement,
    num_batches,
    visit_counts,
)
from course_lib.training import make_generator
from course_lib.validation import check_bool, check_instance, check_int, check_seed
from course_lib.widgets._base import explorer, int_slider
from course_lib.widgets._grid import SiteGrid

__all__ = [
    "sampling_explorer",
    "sampling_default",
    "replacement_counts",
    "batch_grid",
    "batch_colormap",
    "use_summary",
]

#: The opening view shows samples never used with replacement when at least this share is.
UNUSED_SHARE = 0.1
MAX_EPOCHS = 10

#: The largest side (samples or epochs) a grid is drawn for: far past what a plot can show.
MAX_GRID = 10_000

_PALETTE = [c for name, c in COLORS.items() if name != "grey"]


def batch_colormap(num_batches: int) -> ListedColormap:
    """One distinct colour per minibatch id, for any number of batches.

    Up to 7 batches: the course palette; up to 20: matplotlib's tab20; beyond that, evenly
    spaced colours of a continuous map (neighbouring ids look alike, the colour bar tells
    them apart). Colours never repeat, so two batches never share one.
    """
    k = max(check_int("num_batches", num_batches, 0, MAX_GRID * MAX_GRID), 1)
    if k <= len(_PALETTE):
        return ListedColormap(_PALETTE[:k])
    if k <= 20:
        return ListedColormap(matplotlib.colormaps["tab20"].colors[:k])
    return ListedColormap(matplotlib.colormaps["viridis"](np.linspace(0, 1, k)))


def use_summary(used: np.ndarray, epochs: int) -> str:
    """What the shuffled-epochs histogram shows, in words, from the counts themselves."""
    epochs = check_int("epochs", epochs, 1)
    check_instance("used", used, np.ndarray, "a numpy array of use counts")
    if used.ndim != 1 or not used.size or not np.issubdtype(used.dtype, np.integer):
        raise ValueError(
            f"used must be a non-empty 1-D integer array of counts, got shape {list(used.shape)} "
            f"of {used.dtype}"
        )
    lo, hi = int(used.min()), int(used.max())
    if lo == hi == epochs:
        return tr(
            "shuffled: every sample used exactly {epochs} times (one blue spike at E)",
            epochs=epochs,
        )
    return tr(
        "shuffled: uses range {lo}–{hi}, mean {mean:.2f} (samples that fell in a "
        "dropped tail lose that epoch)",
        lo=lo,
        hi=hi,
        mean=used.mean(),
    )


def batch_grid(
    n: int, batch_size: int, epochs: int, *, drop_last: bool, seed: int
) -> tuple[np.ndarray, list[list[list[int]]]]:
    """An ``epochs × n`` grid holding each sample's minibatch id (NaN where dropped), and the batches."""
    n = check_int("n", n, 1, MAX_GRID)
    epochs = check_int("epochs", epochs, 1, MAX_GRID)
    g = make_generator(check_seed(seed))
    grid = np.full((epochs, n), np.nan)
    all_batches = []
    for e in range(epochs):
        batches = minibatch_indices(n, batch_size, drop_last=drop_last, generator=g)
        for b, idx in enumerate(batches):
            grid[e, idx] = b
        all_batches.append(batches)
    return grid, all_batches


def replacement_counts(
    n: int, batch_size: int, epochs: int, *, seed: int, drop_last: bool = False
) -> np.ndarray:
    """How often each of ``n`` samples is drawn when E epochs' worth of minibatches (the same
    number of batches as ``epochs`` shuffled epochs) are drawn *with* replacement."""
    epochs = check_int("epochs", epochs, 1, MAX_GRID)
    seed = check_seed(seed)
    draws = minibatch_indices_with_replacement(
        n,
        batch_size,
        num_batches=num_batches(n, batch_size, drop_last=drop_last) * epochs,
        generator=make_generator(seed),
    )
    return visit_counts(draws, n).numpy()


def sampling_default(n: int = 64, batch_size: int = 10, seed: int = 0) -> int:
    """The explorer's opening number of epochs: where both halves of its story are visible.

    Shuffled epochs use every sample exactly E times at any E. Drawing with replacement
    leaves about ``n·e^(−E)`` samples unused, so past a few epochs the "never used" bar is
    empty and only the spread of uses tells the two apart. The opening E is the largest
    (at least 2, so the grid shows a reshuffle) at which this seed's draws still leave at
    least ``UNUSED_SHARE`` of the buffer unused.
    """
    check_int("n", n, 4, 256)
    check_int("batch_size", batch_size, 1, 64)
    check_int("seed", seed, 0, 99)
    unused = [
        (replacement_counts(n, batch_size, e, seed=seed) == 0).mean()
        for e in range(1, MAX_EPOCHS + 1)
    ]
    visible = [e for e, share in enumerate(unused, start=1) if share >= UNUSED_SHARE]
    return max([2, *visible])


def sampling_explorer(
    n: int = 64,
    batch_size: int = 10,
    epochs: int | None = None,
    seed: int = 0,
    drop_last: bool = False,
) -> widgets.VBox:
    """Sliders for buffer size, batch size, epochs and seed, and a ``drop_last`` box.

    Left: an epochs × samples grid coloured by minibatch id (white = dropped). Right: how
    often each sample was used over all epochs, shuffled epochs versus the same number of
    minibatches drawn with replacement. ``epochs=None`` opens at :func:`sampling_default`.
    """
    # The sliders' ranges: a value outside them would be clamped silently, so it is an error.
    check_int("n", n, 4, 256)
    check_int("batch_size", batch_size, 1, 64)
    check_int("seed", seed, 0, 99)
    check_bool("drop_last", drop_last)
    if epochs is None:
        epochs = sampling_default(n, batch_size, seed)
    check_int("epochs", epochs, 1, MAX_EPOCHS)
    controls = {
        "n": int_slider(tr("buffer size n"), n, 4, 256),
        "batch_size": int_slider(tr("batch size"), batch_size, 1, 64),
        "epochs": int_slider(tr("epochs E"), epochs, 1, MAX_EPOCHS),
        "seed": int_slider(tr("seed"), seed, 0, 99),
        "drop_last": widgets.Checkbox(value=drop_last, description="drop_last"),
    }
    fig, (ax_grid, ax_count) = new_figure(1, 2, figsize=(9.0, 3.2), width_ratios=[1.6, 1])
    image = ax_grid.imshow(np.zeros((1, 1)), aspect="auto", interpolation="nearest")
    # Horizontal, below the grid: its tick labels may grow (1 … 255) without moving the plots.
    colorbar = fig.colorbar(
        image, ax=ax_grid, location="bottom", label=tr("minibatch id"), aspect=40, pad=0.02
    )
    ax_grid.set_xlabel(tr("sample index"))
    ax_grid.set_ylabel(tr("epoch"))
    ax_grid.grid(False)
    view = PlotView(fig)

    def update() -> str:
        v = {k: c.value for k, c in controls.items()}
        grid, batches = batch_grid(
            v["n"], v["batch_size"], v["epochs"], drop_last=v["drop_last"], seed=v["seed"]
        )
        count = len(batches[0])
        image.set_data(np.ma.masked_invalid(grid))
        image.set_cmap(batch_colormap(count))
        image.set_clim(-0.5, max(count, 1) - 0.5)
        image.set_extent((-0.5, v["n"] - 0.5, v["epochs"] - 0.5, -0.5))
        colorbar.update_normal(image)
        colorbar.locator = MaxNLocator(nbins=max(min(count, 10), 1), integer=True)
        colorbar.update_ticks()
        ax_grid.set_title(tr("minibatch id of each sample (white: dropped)"), fontsize=10)
        ax_grid.set_yticks(range(v["epochs"]))

        used = visit_counts([b for epoch in batches for b in epoch], v["n"]).numpy()
        replaced = replacement_counts(
            v["n"], v["batch_size"], v["epochs"], seed=v["seed"], drop_last=v["drop_last"]
        )
        top = int(max(used.max(), replaced.max()))
        bins = np.arange(top + 2) - 0.5
        ax_count.clear()
        ax_count.hist(
            [used, replaced],
            bins=bins,
            color=[COLORS["blue"], COLORS["orange"]],
            label=[tr("shuffled epochs"), tr("with replacement")],
        )
        ax_count.set_xlabel(tr("times a sample was used"))
        ax_count.set_ylabel(tr("number of samples"))
        # Below the axes, so it never covers a bar.
        ax_count.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2)
        never = int((replaced == 0).sum())
        ax_count.set_title(
            tr(
                "with replacement: {never} of {n} never used, uses {lo}–{hi}",
                never=never,
                n=v["n"],
                lo=int(replaced.min()),
                hi=int(replaced.max()),
            ),
            fontsize=10,
        )

        dropped = v["n"] % v["batch_size"] if v["drop_last"] else 0
        last = len(batches[0][-1]) if batches[0] else 0
        return tr(
            "<b>{batches}</b> minibatches per epoch (last one holds {last}); <b>{dropped}</b> "
            "samples dropped per epoch; {summary}.",
            batches=num_batches(v["n"], v["batch_size"], drop_last=v["drop_last"]),
            last=last,
            dropped=dropped,
            summary=use_summary(used, v["epochs"]),
        )

    site = SiteGrid(
        max_frames=240, fixed={"seed": tr("another seed only reshuffles the same picture")}
    )
    return explorer(controls, view, update, title=tr("Minibatch sampling explorer"), site=site)
