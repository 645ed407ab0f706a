"""Chapter 4 widget: pick the component φ that was learned, see its outer loop and a new task.

A thin view over runs the notebook already trained with
:func:`course_lib.meta.learn_components`: every prediction is computed once, when the widget
is built (``LearningAlgorithm.adapt`` / ``predict``); moving a control only redraws.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import torch

from course_lib.i18n import tr
from course_lib.meta import LearningAlgorithm, TaskBatch
from course_lib.meta.functional import _check_data, _check_tasks
from course_lib.plotting import COLORS, PlotView, new_figure
from course_lib.training import TrainResult
from course_lib.widgets._base import explorer, int_slider

__all__ = ["component_explorer", "ComponentView", "precompute_views"]


@dataclass
class ComponentView:
    """What the widget draws for one run: its outer-loop curve and its fits to new tasks."""

    iterations: np.ndarray  # outer-loop iterations of the history rows
    losses: np.ndarray  # mean query loss at those rows
    before: np.ndarray  # [tasks, grid] predictions at φ (no inner step)
    after: np.ndarray  # [tasks, grid] predictions after the inner loop
    task_losses: np.ndarray  # [tasks] query loss after the inner loop


def precompute_views(
    runs: Mapping[str, TrainResult], tasks: TaskBatch, x_grid: torch.Tensor
) -> dict[str, ComponentView]:
    """Adapt every run to every task once: the only model calls the widget ever makes."""
    _check_inputs(runs, tasks)
    _check_data("x_grid", x_grid, min_ndim=2)
    if x_grid.dim() != 2 or x_grid.shape[1] != 1:
        raise ValueError(f"x_grid must be [N, 1] points, got shape {tuple(x_grid.shape)}")
    views = {}
    for label, result in runs.items():
        algorithm: LearningAlgorithm = result.model
        before, after = [], []
        for m in range(tasks.x_support.shape[0]):
            theta = algorithm.adapt(tasks.x_support[m], tasks.y_support[m])
            before.append(algorithm.predict(x_grid).reshape(-1))
            after.append(algorithm.predict(x_grid, theta).reshape(-1))
        views[label] = ComponentView(
            result.metric("iteration"),
            result.metric("loss"),
            torch.stack(before).numpy(),
            torch.stack(after).numpy(),
            algorithm.query_losses(tasks).numpy(),
        )
    return views


def _check_inputs(runs: object, tasks: object) -> None:
    if not isinstance(runs, Mapping) or not runs:
        raise (TypeError if not isinstance(runs, Mapping) else ValueError)(
            f"runs must be a non-empty dict {{label: TrainResult of learn_components}}, got {runs!r:.60}"
        )
    for label, result in runs.items():
        if not isinstance(result, TrainResult) or not isinstance(result.model, LearningAlgorithm):
            raise TypeError(
                f"runs[{label!r}] must be the TrainResult of learn_components, got {type(result).__name__}"
            )
        if not result.history:
            raise ValueError(f"runs[{label!r}] has an empty history: train it first")
    if not isinstance(tasks, TaskBatch):
        raise TypeError(
            f"tasks must be a TaskBatch of new regression tasks, got {type(tasks).__name__}"
        )
    _check_tasks(tasks)
    if tasks.x_support.shape[-1] != 1:
        raise ValueError(
            f"tasks must have 1-D inputs (sinusoid regression), got x of shape {tuple(tasks.x_support.shape)}"
        )
    if not 1 <= tasks.x_support.shape[0] <= 20:
        raise ValueError(
            f"tasks must hold 1 to 20 tasks (each is adapted once), got {tasks.x_support.shape[0]}"
        )


def component_explorer(
    runs: Mapping[str, TrainResult], tasks: TaskBatch, *, baseline: str | None = None
) -> widgets.VBox:
    """Choose which component φ was learned; see its outer-loop curve and its fit to a new task.

    Args:
        runs: label -> result of ``learn_components`` on the sinusoid tasks (the same
            tasks and budget, different components).
        tasks: a few new tasks (``[B ≤ 20, K, 1]``); their query points are drawn as the truth.
        baseline: the label the status line compares with (default: the first run).

    The default view shows the run with the lowest mean query loss on the new tasks, on
    the task where it gains most over the baseline.
    """
    _check_inputs(runs, tasks)
    labels = list(runs)
    baseline = labels[0] if baseline is None else baseline
    if baseline not in runs:
        raise ValueError(f"baseline must be one of {labels}, got {baseline!r}")
    x_grid = torch.linspace(-5, 5, 120).reshape(-1, 1)
    views = precompute_views(runs, tasks, x_grid)
    best = min(labels, key=lambda label: views[label].task_losses.mean())
    gain = views[baseline].task_losses - views[best].task_losses
    controls = {
        "component": widgets.Dropdown(options=labels, value=best, description=tr("φ learns")),
        "task": int_slider(tr("new task"), int(np.argmax(gain)), 0, len(gain) - 1),
    }

    fig, (curve_ax, task_ax) = new_figure(1, 2, figsize=(9.0, 3.0))
    palette = [COLORS[c] for c in ("blue", "orange", "green", "red", "purple", "sky", "grey")]
    curves = {}
    for i, label in enumerate(labels):
        view = views[label]
        (curves[label],) = curve_ax.plot(
            view.iterations, view.losses, color=palette[i % len(palette)], label=label
        )
    curve_ax.set_xlabel(tr("outer-loop iteration"))
    curve_ax.set_ylabel(tr("query MSE after adapting"))
    curve_ax.set_title(tr("outer loop: every selection"))
    curve_ax.legend(fontsize=7)
    x = x_grid[:, 0].numpy()
    (query_dots,) = task_ax.plot([], [], ".", color=COLORS["grey"], ms=3, label=tr("query (truth)"))
    (before_line,) = task_ax.plot(x, x * 0, "--", color=COLORS["grey"], label=tr("φ, before"))
    (after_line,) = task_ax.plot(x, x * 0, color=COLORS["blue"], lw=2, label=tr("after inner loop"))
    (support_dots,) = task_ax.plot([], [], "o", color="black", ms=5, label=tr("support"))
    task_ax.set_xlabel("x")
    task_ax.set_ylabel("y")
    legend = task_ax.legend(fontsize=7, loc="lower left")
    # The legend draws copies of the lines: recolour the copy too, or it keeps its first colour.
    after_key = legend.legend_handles[2]  # entries: query, φ before, after inner loop, support
    view_box = PlotView(fig, dpi=80)  # a smaller PNG: the redraw is mostly its rendering

    def update() -> str:
        label, m = controls["component"].value, controls["task"].value
        view = views[label]
        for other, line in curves.items():
            line.set_linewidth(2.5 if other == label else 0.8)
            line.set_alpha(1.0 if other == label else 0.35)
        query_dots.set_data(tasks.x_query[m, :, 0].numpy(), tasks.y_query[m, :, 0].numpy())
        support_dots.set_data(tasks.x_support[m, :, 0].numpy(), tasks.y_support[m, :, 0].numpy())
        before_line.set_ydata(view.before[m])
        after_line.set_ydata(view.after[m])
        after_line.set_color(curves[label].get_color())
        after_key.set_color(curves[label].get_color())
        span = float(tasks.y_query[m].abs().max()) + 1.0
        task_ax.set_ylim(-span, span)
        task_ax.set_title(tr("new task {m}: φ learns {label}", m=m, label=label))
        return tr(
            "<b>{label}</b>: query MSE {loss:.3f} on this task; "
            "mean over {count} new tasks {mean:.3f} ({baseline}: {baseline_mean:.3f})",
            label=label,
            loss=view.task_losses[m],
            count=len(gain),
            mean=view.task_losses.mean(),
            baseline=baseline,
            baseline_mean=views[baseline].task_losses.mean(),
        )

    return explorer(
        controls, view_box, update, title=tr("What can φ be? Pick the learned component")
    )
