"""Why MAML is good, measured: how fast φ reaches new tasks, and how near it lies to their optima.

The notes give two reasons (MAML为什么好):

* 元学习找到的参数可以迅速找到不同任务的最优参数: from MAML's φ, a few gradient steps
  reach a good model for each new task. :func:`steps_to_reach` counts, per task, the inner
  steps until the query loss first falls to a threshold.
* 元学习找到了与多种任务最优很接近的参数: MAML's φ lies close to every task's optimum.
  A network has no single optimum per task: every permutation of its hidden units, and
  whole valleys of other weights, fit the task equally well. So "the distance to the
  task's optimum" is the distance to the *nearest* parameters that fit it. We estimate it
  from several starts: :func:`fit_tasks` runs gradient descent on all of a task's points
  from one start until the loss falls to a common target (so every fit is equally good),
  and :func:`nearest_fit` takes, for a given φ, the closest of the fits found from every
  start. Fits from other starts keep the measurement from being "how far gradient descent
  walks from φ", which is only the first reason again.

Both are compared with the pre-training (预训练) φ, which fits the mixture of all tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.func import grad_and_value, vmap

from course_lib.meta.functional import (
    Params,
    _check_model,
    _check_tasks,
    _check_weights,
    _task_loss,
    mse,
)
from course_lib.meta.tasks import TaskBatch
from course_lib.validation import check_int, check_real

__all__ = [
    "steps_to_reach",
    "TaskFits",
    "fit_tasks",
    "nearby",
    "parameter_distance",
    "nearest_fit",
]


def steps_to_reach(per_task: Tensor, threshold: float) -> Tensor:
    """For each task (row of ``per_task``: its loss after 0, 1, … S steps), the first step
    count whose loss is at most ``threshold``; S + 1 where it never gets there."""
    if not isinstance(per_task, Tensor) or per_task.dim() != 2:
        raise ValueError(
            f"per_task must be a [tasks, steps + 1] tensor of losses, got {getattr(per_task, 'shape', per_task)!r}"
        )
    check_real("threshold", threshold, 0.0, float("inf"), hi_open=True)
    if bool(torch.isnan(per_task).any()):  # +inf (a diverged curve) is a loss; NaN is not
        raise ValueError(
            f"per_task must hold losses, got {int(torch.isnan(per_task).sum())} NaN entries"
        )
    reached = per_task <= threshold
    never = torch.full((per_task.shape[0],), per_task.shape[1], dtype=torch.long)
    first = reached.float().argmax(dim=1)  # index of the first True (0 if none)
    return torch.where(reached.any(dim=1), first, never)


class TaskFits(NamedTuple):
    """Parameters fitted to each task from one start (every tensor has the task dimension first).

    ``theta[name]`` is ``[B, *shape]``; ``losses`` (``[B]``) is each fit's loss on all of its
    task's points; ``steps`` (``[B]``) how many gradient steps it took; ``reached`` (``[B]``)
    whether the loss got down to the target within the step limit.
    """

    theta: Params
    losses: Tensor
    steps: Tensor
    reached: Tensor


def fit_tasks(
    model: nn.Module,
    start: Mapping[str, Tensor],
    tasks: TaskBatch,
    *,
    target: float,
    inner_lr: float = 0.01,
    max_steps: int = 2000,
) -> TaskFits:
    """Fit every task from ``start``: plain gradient descent on all of its points (support ∪
    query), each task stopping as soon as its MSE is at most ``target``.

    A common target makes fits from different starts equally good, so their distances compare
    places, not fit quality. The tasks still above the target run in one ``vmap``; a task that
    reaches it drops out, so the cost is the total number of steps, not the slowest task's
    steps times the number of tasks.
    """
    _check_model(model)
    _check_weights("start", start, model)
    _check_tasks(tasks)
    check_real("target", target, 0.0, float("inf"), lo_open=True, hi_open=True)
    check_real("inner_lr", inner_lr, 0.0, 10.0, lo_open=True)
    check_int("max_steps", max_steps, 1, 100_000)
    x, y = tasks.all_points()
    batch = x.shape[0]
    theta = {n: p.detach().expand(batch, *p.shape).clone() for n, p in start.items()}
    gradient_and_loss = vmap(grad_and_value(lambda p, xi, yi: _task_loss(model, p, xi, yi, mse)))
    steps = torch.zeros(batch, dtype=torch.long)
    active = torch.arange(batch)  # the tasks still above the target: only they are computed
    with torch.no_grad():
        for _ in range(max_steps):
            params = {n: t[active] for n, t in theta.items()}
            gradient, loss = gradient_and_loss(params, x[active], y[active])
            going = loss > target
            if not going.any():
                break
            active = active[going]
            steps[active] += 1
            for n, t in theta.items():
                t[active] = params[n][going] - inner_lr * gradient[n][going]
        losses = vmap(lambda p, xi, yi: _task_loss(model, p, xi, yi, mse))(theta, x, y)
    return TaskFits(theta, losses, steps, losses <= target)


def nearby(params: Mapping[str, Tensor], radius: float, generator: torch.Generator) -> Params:
    """``params`` moved by exactly ``radius`` (Euclidean, over all parameters) in a uniformly
    random direction: another start next to φ."""
    _check_weights("params", params)
    check_real("radius", radius, 0.0, 1e6)
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    direction = {
        n: torch.randn(p.shape, generator=generator, dtype=p.dtype) for n, p in params.items()
    }
    norm = torch.sqrt(sum((d**2).sum() for d in direction.values()))
    return {n: p.detach() + radius * direction[n] / norm for n, p in params.items()}


def parameter_distance(phi: Mapping[str, Tensor], theta: Mapping[str, Tensor]) -> Tensor:
    """Euclidean distance ‖φ − θ_m‖ over all parameters, for each task m (``[B]``).

    ``theta`` holds one parameter set per task (``[B, *shape]``, as in :class:`TaskFits`);
    ``phi`` is either one parameter set (``[*shape]``, compared with every task's) or also
    one per task.
    """
    _check_weights("phi", phi)
    _check_weights("theta", theta)
    if set(phi) != set(theta):
        raise ValueError(
            f"phi and theta must hold the same parameters, got {sorted(phi)} and {sorted(theta)}"
        )
    for n, t in theta.items():
        if t.dim() == 0 or phi[n].shape not in (t.shape, t.shape[1:]):
            raise ValueError(
                f"theta[{n!r}] must be [B, *shape] with phi's shape {tuple(phi[n].shape)} "
                f"(or that shape itself for phi), got {tuple(t.shape)}"
            )
    squared = sum(((theta[n].detach() - phi[n].detach()) ** 2).flatten(1).sum(1) for n in theta)
    return torch.as_tensor(squared).sqrt()


def nearest_fit(phi: Mapping[str, Tensor], fits: Mapping[str, TaskFits]) -> tuple[Tensor, Tensor]:
    """For each task, the distance from ``phi`` to the nearest fit (among those that reached the
    target) and the index, in ``fits``' order, of the start it came from: ``([B], [B])``.

    A task no start fitted gets distance ``inf`` and index −1.
    """
    if not isinstance(fits, Mapping) or not fits:
        raise (TypeError if not isinstance(fits, Mapping) else ValueError)(
            f"fits must be a non-empty dict {{start name: TaskFits from fit_tasks}}, got {fits!r:.60}"
        )
    for name, fit in fits.items():
        if not isinstance(fit, TaskFits):
            raise TypeError(f"fits[{name!r}] must be a TaskFits from fit_tasks, got {fit!r:.60}")
    distances = torch.stack(
        [torch.where(f.reached, parameter_distance(phi, f.theta), torch.inf) for f in fits.values()]
    )  # [starts, B]
    nearest, which = distances.min(dim=0)
    return nearest, torch.where(torch.isfinite(nearest), which, -1)
