"""Evaluating meta-learners the way the MAML paper does: adapt to *new* tasks, then score.

:func:`adaptation_curve` gives the query MSE after 0, 1, …, S inner gradient steps on the K
support points of many new tasks (the paper's Figure 2 and Table 2), with the mean and the
spread over tasks. Every method is evaluated by the same procedure, so the curves compare
the initializations φ (and, for Meta-SGD, the learned step sizes), not the evaluation code.
The result is the course's one :class:`~course_lib.adaptation.AdaptationCurve`.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.func import vmap

from course_lib.adaptation import AdaptationCurve
from course_lib.meta.functional import (
    InnerLR,
    _adapt,
    _check_data,
    _check_inner,
    _check_support,
    _check_target_shape,
    _check_tasks,
    _task_loss,
    mse,
)
from course_lib.meta.tasks import SinusoidTasks, TaskBatch
from course_lib.meta.train import MetaLearner
from course_lib.training import make_generator
from course_lib.validation import check_seed

__all__ = ["adaptation_curve", "adaptation_trajectory", "evaluation_tasks"]


def evaluation_tasks(
    num_tasks: int = 200,
    k_support: int = 5,
    k_query: int = 100,
    *,
    seed: int = 12345,
    family: SinusoidTasks | None = None,
) -> TaskBatch:
    """A fixed set of new tasks to compare methods on (a different seed stream from training)."""
    family = SinusoidTasks() if family is None else family
    if not callable(getattr(family, "sample", None)):
        raise TypeError(
            f"family must be a task family with a sample() method, got {type(family).__name__}"
        )
    generator = make_generator(check_seed(seed))  # None would draw unseeded: not reproducible
    return family.sample(num_tasks, k_support, k_query, generator)


def _check_learner(learner: object) -> None:
    if not isinstance(learner, MetaLearner):
        raise TypeError(f"learner must be a MetaLearner, got {type(learner).__name__}")


def adaptation_curve(
    learner: MetaLearner,
    tasks: TaskBatch,
    *,
    max_steps: int = 10,
    inner_lr: InnerLR | None = None,
) -> AdaptationCurve:
    """Query MSE after 0..``max_steps`` plain gradient steps on each task's support set.

    Args:
        learner: any trained :class:`MetaLearner` (MAML, FOMAML, Reptile, Meta-SGD, pretrain).
        tasks: new tasks; support sets are adapted to, query sets scored.
        max_steps: S, the largest number of inner steps.
        inner_lr: step size for the evaluation (default: the learner's own α, learned for Meta-SGD).
    """
    _check_learner(learner)
    lr = learner.inner_lr if inner_lr is None else inner_lr
    _check_inner(lr, max_steps, learner.params, name="max_steps")
    _check_tasks(tasks)
    model, phi = learner.model, learner.params

    def losses_along_the_way(x_s: Tensor, y_s: Tensor, x_q: Tensor, y_q: Tensor) -> Tensor:
        theta, losses = phi, [_task_loss(model, phi, x_q, y_q, mse)]
        for _ in range(max_steps):
            theta = _adapt(model, theta, x_s, y_s, lr, 1, True)
            losses.append(_task_loss(model, theta, x_q, y_q, mse))
        return torch.stack(losses)

    with torch.no_grad():
        per_task = vmap(losses_along_the_way)(*tasks)
    return AdaptationCurve(
        list(range(max_steps + 1)), per_task.detach(), "query MSE", higher_is_better=False
    )


def adaptation_trajectory(
    learner: MetaLearner,
    x_support: Tensor,
    y_support: Tensor,
    x_eval: Tensor,
    *,
    steps: int,
    inner_lr: InnerLR | None = None,
) -> Tensor:
    """Predictions at ``x_eval`` (``[N, 1]``) after 0..``steps`` inner steps: shape ``[steps + 1, N]``."""
    _check_learner(learner)
    lr = learner.inner_lr if inner_lr is None else inner_lr
    _check_inner(lr, steps, learner.params)
    _check_support(x_support, y_support, ("x_support", "y_support"))
    _check_data("x_eval", x_eval, min_ndim=2)
    if x_eval.shape[1:] != x_support.shape[1:]:
        raise ValueError(
            f"x_eval must have the support points' shape per point {tuple(x_support.shape[1:])}, "
            f"got {tuple(x_eval.shape)}"
        )
    _check_target_shape(learner.model, learner.params, x_support, y_support, mse, "y_support")
    theta, predictions = learner.params, [learner.predict(x_eval)]
    for _ in range(steps):
        theta = _adapt(learner.model, theta, x_support, y_support, lr, 1, True)
        theta = {name: t.detach() for name, t in theta.items()}
        predictions.append(learner.predict(x_eval, theta))
    return torch.stack([p.reshape(-1) for p in predictions])
