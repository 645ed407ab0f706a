"""Chapter 2 widget: how shuffled minibatches cover a rollout buffer, epoch after epoch."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.colors import ListedColormap

from course_lib.plotting import COLORS, PlotView, new_figure
from course_lib.sampling import (
    minibatch_indices,
    minibatch_indices_with_replacement,
    num_batches,
    visit_counts,
)
from course_lib.widgets._base import explorer, int_slider

__all__ = ["sampling_explorer", "batch_grid"]

_BATCH_COLORS = ListedColormap([c for c in COLORS.values() if c != COLORS["grey"]] * 3)


def batch_grid(
    n: int, batch_size: int, epochs: int, *, drop_last: bool, seed: int
) -> tuple[np.ndarray, list[list[list[int]]]]:
    """An ``epochs × n`` grid holding each sample's minibatch id (NaN where dropped), and the batches."""
    g = torch.Generator().manual_seed(seed)
    grid = np.full((epochs, n), np.nan)
    all_batches = []
    for e in range(epochs):
        batches = minibatch_indices(n, batch_size, drop_last=drop_last, generator=g)
        for b, idx in enumerate(batches):
            grid[e, idx] = b
        all_batches.append(batches)
    return grid, all_batches


def sampling_explorer(
    n: int = 64, batch_size: int = 10, epochs: int = 4, seed: int = 0, drop_last: bool = False
) -> widgets.VBox:
    """Sliders for buffer size, batch size, epochs and seed, and a ``drop_last`` box.

    Left: an epochs × samples grid coloured by minibatch id (white = dropped). Right: how
    often each sample was used over all epochs, shuffled epochs versus the same number of
    minibatches drawn with replacement.
    """
    controls = {
        "n": int_slider("buffer size n", n, 4, 256),
        "batch_size": int_slider("batch size", batch_size, 1, 64),
        "epochs": int_slider("epochs E", epochs, 1, 10),
        "seed": int_slider("seed", seed, 0, 99),
        "drop_last": widgets.Checkbox(value=drop_last, description="drop_last"),
    }
    fig, (ax_grid, ax_count) = new_figure(1, 2, figsize=(9.0, 3.2), width_ratios=[1.6, 1])
    image = ax_grid.imshow(
        np.zeros((1, 1)),
        aspect="auto",
        interpolation="nearest",
        cmap=_BATCH_COLORS,
        vmin=0,
        vmax=len(_BATCH_COLORS.colors) - 1,
    )
    ax_grid.set_xlabel("sample index")
    ax_grid.set_ylabel("epoch")
    ax_grid.grid(False)
    view = PlotView(fig)

    def update() -> str:
        v = {k: c.value for k, c in controls.items()}
        grid, batches = batch_grid(
            v["n"], v["batch_size"], v["epochs"], drop_last=v["drop_last"], seed=v["seed"]
        )
        image.set_data(np.ma.masked_invalid(grid))
        image.set_extent((-0.5, v["n"] - 0.5, v["epochs"] - 0.5, -0.5))
        ax_grid.set_title("minibatch id of each sample (white: dropped)", fontsize=10)
        ax_grid.set_yticks(range(v["epochs"]))

        used = visit_counts([b for epoch in batches for b in epoch], v["n"]).numpy()
        per_epoch = len(batches[0])
        draws = minibatch_indices_with_replacement(
            v["n"],
            v["batch_size"],
            num_batches=per_epoch * v["epochs"],
            generator=torch.Generator().manual_seed(v["seed"]),
        )
        replaced = visit_counts(draws, v["n"]).numpy()
        top = int(max(used.max(), replaced.max()))
        bins = np.arange(top + 2) - 0.5
        ax_count.clear()
        ax_count.hist(
            [used, replaced],
            bins=bins,
            color=[COLORS["blue"], COLORS["orange"]],
            label=["shuffled epochs", "with replacement"],
        )
        ax_count.set_xlabel("times a sample was used")
        ax_count.set_ylabel("number of samples")
        ax_count.legend(loc="upper left")
        never = int((replaced == 0).sum())
        ax_count.set_title(f"{never} never used with replacement", fontsize=10)

        dropped = v["n"] % v["batch_size"] if v["drop_last"] else 0
        last = len(batches[0][-1]) if batches[0] else 0
        return (
            f"<b>{num_batches(v['n'], v['batch_size'], drop_last=v['drop_last'])}</b> minibatches per epoch "
            f"(last one holds {last}); <b>{dropped}</b> samples dropped per epoch."
        )

    return explorer(controls, view, update, title="Minibatch sampling explorer")
