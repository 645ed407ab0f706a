"""The two loops drawn in the (a, b) plane of the model f(x) = a·sin(x + b).

With only two parameters, φ (the initialization), each task's adapted θ^m and each task's
loss surface fit in one picture: the notes' φ0 → θ^m → φ1 figure. For MAML the outer
update of φ follows the gradient of the loss *at θ^m* (carried back through the inner step);
for pre-training it follows the gradient of the loss *at φ itself*. The functions here use
the same :func:`~course_lib.meta.functional.meta_loss` as the neural-network experiments.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from course_lib.meta.functional import (
    _check_inner,
    _check_tasks,
    _check_work,
    adapt,
    meta_loss,
    mse,
)
from course_lib.meta.models import SineModel
from course_lib.meta.tasks import TaskBatch
from course_lib.validation import check_choice, check_int, check_real, check_tensor

__all__ = ["sine_loss_grid", "TwoLoopPaths", "two_loop_paths", "PATH_METHODS"]

PATH_METHODS = ("maml", "fomaml", "pretrain")


def sine_loss_grid(a: Tensor, b: Tensor, x: Tensor, y: Tensor) -> Tensor:
    """MSE of a·sin(x + b) on the points (x, y) for every (a, b) on a grid: shape ``[len(b), len(a)]``.

    Args:
        a, b: 1-D tensors of grid values; x, y: the task's points, any shape with the same size.
    """
    check_tensor("a", a, ndim=1, finite=True)
    check_tensor("b", b, ndim=1, finite=True)
    if check_tensor("x", x, finite=True).numel() != check_tensor("y", y, finite=True).numel():
        raise ValueError(f"x and y must hold as many points, got {x.numel()} and {y.numel()}")
    x, y = x.reshape(1, 1, -1), y.reshape(1, 1, -1)
    prediction = a.reshape(1, -1, 1) * torch.sin(x + b.reshape(-1, 1, 1))
    return ((prediction - y) ** 2).mean(-1)


class TwoLoopPaths(NamedTuple):
    """Where φ and the θ's go. ``outer``: φ_0..φ_T as ``[T + 1, 2]`` (a, b) points.
    ``inner``: for each φ_t (t = 0..T) and task m the inner path φ_t → θ^m, ``[T + 1, M, S + 1, 2]``
    (the last one shows where adaptation from the final φ lands).
    ``losses``: the outer objective at each φ_t, ``[T + 1]``."""

    outer: Tensor
    inner: Tensor
    losses: Tensor


#: The most (outer, inner) step pairs one picture may take.
MAX_PATH_STEPS = 10**4


def two_loop_paths(
    tasks: TaskBatch,
    *,
    phi0: tuple[float, float] = (1.0, 0.0),
    method: str = "maml",
    inner_lr: float = 0.1,
    inner_steps: int = 1,
    outer_steps: int = 3,
    learning_rate: float = 0.1,
) -> TwoLoopPaths:
    """Run both loops on the (a, b) model with plain gradient descent and record every point.

    ``method`` is "maml" (outer gradient through the inner steps, second order), "fomaml" or
    "pretrain" (outer gradient of the loss at φ on all the tasks' points; the inner paths are
    still recorded: they show where fine-tuning from φ would go).
    """
    check_choice("method", method, PATH_METHODS)
    _check_inner(inner_lr, inner_steps, name="inner_steps")
    _check_tasks(tasks)
    if tasks.x_support.shape[2:] != (1,) or tasks.x_query.shape[2:] != (1,):
        raise ValueError(
            "tasks must be sinusoid tasks of the (a, b) model ([B, K, 1] points), got shapes "
            f"{[tuple(t.shape) for t in tasks]}"
        )
    check_int("outer_steps", outer_steps, 0, 1000)  # a picture: more steps only take minutes
    # each (outer, inner) step is about 1.5 ms (measured under load): 10**4 of them ~ 15 s;
    # the widget's largest view asks for 9 × 5
    _check_work(
        "(outer_steps + 1) × inner_steps", (outer_steps + 1, max(inner_steps, 1)), MAX_PATH_STEPS
    )
    check_real("learning_rate", learning_rate, 0.0, 10.0, lo_open=True)
    if isinstance(phi0, str) or not isinstance(phi0, tuple | list) or len(phi0) != 2:
        raise TypeError(f"phi0 must be a pair of numbers (a, b), got {phi0!r}")
    for i, v in enumerate(phi0):
        check_real(f"phi0[{i}]", v, -1e6, 1e6)
    model = SineModel()
    phi = {"a": torch.tensor(float(phi0[0])), "b": torch.tensor(float(phi0[1]))}
    outer, inner, losses = [], [], []

    def point(p) -> Tensor:
        return torch.stack([p["a"], p["b"]], dim=-1).detach()

    for t in range(outer_steps + 1):
        phi = {n: v.detach().requires_grad_(True) for n, v in phi.items()}
        outer.append(point(phi))
        if method == "pretrain":
            x, y = tasks.all_points()
            loss = mse(torch.func.functional_call(model, phi, (x,)), y)
        else:
            loss = meta_loss(
                model,
                phi,
                tasks,
                inner_lr=inner_lr,
                steps=inner_steps,
                first_order=(method == "fomaml"),
            )
        losses.append(loss.detach())
        path = [point(phi).expand(tasks.x_support.shape[0], 2)]
        theta = {n: v.detach().expand(tasks.x_support.shape[0]) for n, v in phi.items()}
        for _ in range(inner_steps):
            theta = torch.vmap(
                lambda th, xs, ys: adapt(
                    model, th, xs, ys, inner_lr=inner_lr, steps=1, first_order=True
                )
            )(theta, tasks.x_support, tasks.y_support)
            path.append(point(theta))
        inner.append(torch.stack(path, dim=1))
        if t == outer_steps:
            break
        grads = torch.autograd.grad(loss, [phi["a"], phi["b"]])
        phi = {"a": phi["a"] - learning_rate * grads[0], "b": phi["b"] - learning_rate * grads[1]}
    return TwoLoopPaths(torch.stack(outer), torch.stack(inner), torch.stack(losses))
