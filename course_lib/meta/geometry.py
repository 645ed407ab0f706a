"""Why MAML is good, measured: its φ reaches new tasks' optima fast, and lies close to them.

The notes give two reasons (MAML为什么好):

* 元学习找到的参数可以迅速找到不同任务的最优参数: from MAML's φ, a few gradient steps
  reach a good model for each new task. :func:`steps_to_reach` counts, per task, the inner
  steps until the query loss first falls to a threshold.
* 元学习找到了与多种任务最优很接近的参数: MAML's φ lies close to every task's optimum.
  :func:`distance_to_task_optima` fits each task thoroughly from φ (many plain gradient
  steps on all its points) and measures how far the fitted parameters are from φ.

Both are compared with the pre-training (预训练) φ, which fits the mixture of all tasks.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn
from torch.func import vmap

from course_lib.meta.functional import _check_tasks, adapt, task_loss
from course_lib.meta.tasks import TaskBatch
from course_lib.validation import check_int, check_real

__all__ = ["steps_to_reach", "distance_to_task_optima"]


def steps_to_reach(per_task: Tensor, threshold: float) -> Tensor:
    """For each task (row of ``per_task``: its loss after 0, 1, … S steps), the first step
    count whose loss is at most ``threshold``; S + 1 where it never gets there."""
    if not isinstance(per_task, Tensor) or per_task.dim() != 2:
        raise ValueError(
            f"per_task must be a [tasks, steps + 1] tensor of losses, got {getattr(per_task, 'shape', per_task)!r}"
        )
    check_real("threshold", threshold, 0.0, float("inf"), hi_open=True)
    reached = per_task <= threshold
    never = torch.full((per_task.shape[0],), per_task.shape[1], dtype=torch.long)
    first = reached.float().argmax(dim=1)  # index of the first True (0 if none)
    return torch.where(reached.any(dim=1), first, never)


def distance_to_task_optima(
    model: nn.Module,
    phi: Mapping[str, Tensor],
    tasks: TaskBatch,
    *,
    inner_lr: float = 0.01,
    steps: int = 300,
) -> tuple[Tensor, Tensor]:
    """‖θ*_m − φ‖ for each task m, where θ*_m is ``steps`` gradient steps on all of task m's
    points (support ∪ query) from φ; returns ``(distances, losses of θ*_m)``, each ``[B]``.

    The losses show that every θ*_m really fits its task, so the distances compare two φ's
    by how far each must travel to a good model, not by how little each one moved.
    """
    _check_tasks(tasks)
    check_real("inner_lr", inner_lr, 0.0, 10.0, lo_open=True)
    if check_int("steps", steps, 1) > 5000:
        raise ValueError(f"steps must be in [1, 5000], got {steps}")
    phi = {name: p.detach() for name, p in phi.items()}
    x, y = tasks.all_points()

    def fit(xi: Tensor, yi: Tensor) -> tuple[Tensor, Tensor]:
        theta = adapt(model, phi, xi, yi, inner_lr=inner_lr, steps=steps, first_order=True)
        squared = sum(((theta[n] - phi[n]) ** 2).sum() for n in phi)
        return squared.sqrt(), task_loss(model, theta, xi, yi)

    with torch.no_grad():
        distances, losses = vmap(fit)(x, y)
    return distances, losses
