"""Meta-training: MAML, FOMAML, Reptile, Meta-SGD and the pre-training baseline, one entry point.

Every method shares the same outer loop (外循环), read top to bottom in :func:`meta_train`:

    for each iteration:
        sample a meta-batch of tasks (support + query sets)
        compute the outer gradient for φ            ← the methods differ only here
        Adam step on φ (and, for Meta-SGD, on the learned step sizes α)

The outer gradient per method:

* ``"maml"``: ∇_φ mean_m L_query^m(θ^m), θ^m = inner loop from φ, differentiated through
  the inner steps (second order).
* ``"fomaml"``: the same with the inner gradients treated as constants (first order): the
  query gradient taken at θ^m, applied to φ.
* ``"reptile"``: no gradient of a query loss at all: the pseudo-gradient φ − mean_m θ̃^m,
  where θ̃^m is plain SGD on task m's support and query sets in turn
  (:func:`~course_lib.meta.functional.reptile_inner_loop`). Fed to Adam, as Nichol et al.
  suggest ("treat φ − θ̃ as a gradient") and common implementations do;
  :func:`~course_lib.meta.functional.reptile_update` is the plain φ + ε(θ̃ − φ) form.
* ``"metasgd"``: MAML whose inner step sizes α are per-parameter tensors learned by the outer
  loop too (Li et al., 2017): *learning the optimizer* (学习优化器).
* ``"pretrain"``: the baseline: one model regressed on the mixture of all tasks' points
  (the loss at φ itself, no inner loop). It finds the φ that is best *now*, not the one that
  is best *after adaptation*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from course_lib.meta.functional import (
    InnerLR,
    Params,
    _check_inner,
    _check_meta_args,
    _check_model,
    _check_tasks,
    _check_weights,
    _check_work,
    _meta_loss,
    _mse,
    _reptile_inner_loop,
    adapt,
)
from course_lib.meta.models import init_params, mlp_regressor
from course_lib.meta.tasks import SinusoidTasks, TaskBatch
from course_lib.training import (
    Callback,
    MetaLoopConfig,
    Row,
    RunningMean,
    TrainResult,
    check_callback,
    log_due,
    make_generator,
    train_loop,
)
from course_lib.validation import (
    DEVICE,
    SEED,
    Widths,
    bounded,
    check_bool,
    check_choice,
    check_declared,
    check_params,
    check_tensor,
    choice,
    declared,
)

__all__ = ["METHODS", "MetaConfig", "MetaLearner", "meta_train", "outer_gradient"]

METHODS: tuple[str, ...] = ("maml", "fomaml", "reptile", "metasgd", "pretrain")


@dataclass
class MetaConfig(MetaLoopConfig):
    """Hyperparameters of one meta-training run (defaults: the MAML paper's sinusoid setup).

    Attributes:
        method: one of ``METHODS``: "maml", "fomaml", "reptile", "metasgd", "pretrain".
        iterations: outer-loop steps (meta-iterations); the paper uses 70,000.
        meta_batch_size: tasks per outer step (paper: 25).
        k_support: K, support points per task the inner loop learns from (paper: 10 or 5).
        k_query: query points per task that score the adapted model.
        inner_lr: α, the inner-loop step size (paper: 0.01); Meta-SGD's initial value.
        inner_steps: gradient steps in the inner loop during training (paper: 1).
        learning_rate: β, Adam's step size for the outer loop (paper: 1e-3).
        hidden_sizes: hidden layer widths of the regressor (paper: (40, 40)).
        seed: seeds the initialization and the task stream.
        device: where the model and the tasks live ("cpu", "cuda", ...).
        log_every: iterations between history rows (each row averages the losses since the last).
    """

    method: str = choice("maml", METHODS)
    iterations: int = bounded(2000, 1, 10_000_000)
    meta_batch_size: int = bounded(25, 1, 10_000)
    k_support: int = bounded(10, 1, 10_000)
    k_query: int = bounded(10, 1, 10_000)
    inner_lr: float = bounded(0.01, 0.0, 10.0, low_open=True)
    inner_steps: int = bounded(1, 0, 1000)  # 0 only for "pretrain" (checked below)
    learning_rate: float = bounded(1e-3, 0.0, 1.0, low_open=True)
    hidden_sizes: tuple[int, ...] = declared((40, 40), Widths(nonempty=True))
    seed: int = declared(0, SEED)
    device: str = declared("cpu", DEVICE)
    log_every: int = bounded(100, 1, 10_000_000)

    def __post_init__(self) -> None:
        check_declared(self)
        if self.method in ("maml", "fomaml", "metasgd", "reptile") and self.inner_steps < 1:
            raise ValueError(
                f"inner_steps must be >= 1 for method {self.method!r}, got {self.inner_steps}"
            )
        _check_work(
            "iterations × meta_batch_size × inner_steps",
            (self.iterations, self.meta_batch_size, max(self.inner_steps, 1)),
        )


@dataclass
class MetaLearner:
    """A trained meta-learner: the architecture, the learned φ and the inner-loop step size.

    ``inner_lr`` is the float α for every method except Meta-SGD, where it is the learned
    dict of per-parameter step sizes. ``adapt`` and ``predict`` run the inner loop and the
    model on a new task (no gradient flows back into φ).
    """

    method: str
    model: nn.Module
    params: Params
    inner_lr: InnerLR
    config: MetaConfig

    def __post_init__(self) -> None:
        check_choice("method", self.method, METHODS)
        _check_model(self.model)
        # A diverged run's φ is still handed back (its history says so): NaN is not refused here.
        _check_weights("params", self.params, self.model, finite=False)
        _check_inner(self.inner_lr, 0, self.params)
        if not isinstance(self.config, MetaConfig):
            raise TypeError(f"config must be a MetaConfig, got {type(self.config).__name__}")
        if self.method != self.config.method:
            raise ValueError(
                f"method must be the config's method {self.config.method!r}, got {self.method!r}"
            )

    def adapt(self, x: Tensor, y: Tensor, *, steps: int, inner_lr: InnerLR | None = None) -> Params:
        """θ after ``steps`` inner steps on the support set ``x, y`` (``[K, 1]``) from φ."""
        lr = self.inner_lr if inner_lr is None else inner_lr
        theta = adapt(self.model, self.params, x, y, inner_lr=lr, steps=steps, first_order=True)
        return {name: t.detach() for name, t in theta.items()}

    def predict(self, x: Tensor, params: Params | None = None) -> Tensor:
        """The model's output at ``x`` with ``params`` (default φ)."""
        check_tensor("x", x, floating=True, finite=True)
        with torch.no_grad():
            return torch.func.functional_call(self.model, check_params(params, self.params), (x,))


def outer_gradient(
    method: str,
    model: nn.Module,
    params: Params,
    tasks: TaskBatch,
    *,
    inner_lr: InnerLR,
    inner_steps: int,
) -> tuple[Tensor, dict[str, Tensor]]:
    """The outer loss and the gradient every method hands to the optimizer, for one meta-batch.

    Returns ``(loss, grads)`` with ``grads`` keyed like ``params`` (and, for Meta-SGD, also
    ``"lr." + name`` for each learned step size). ``loss`` is the query loss after adaptation
    (MAML family), the mixture loss at φ (pre-training) or the loss of θ on its own task
    (Reptile, a diagnostic only).
    """
    check_choice("method", method, METHODS)
    _check_meta_args(model, params, tasks, inner_lr, inner_steps, steps_name="inner_steps")
    if method == "metasgd" and not isinstance(inner_lr, Mapping):
        raise TypeError(
            f"inner_lr must be a dict of learned step sizes for method 'metasgd', got {inner_lr!r}"
        )
    if method != "reptile" and not all(p.requires_grad for p in params.values()):
        raise ValueError(
            f"params must require grad for method {method!r} (use init_params(model)), "
            "got tensors without requires_grad"
        )
    return _outer_gradient(method, model, params, tasks, inner_lr, inner_steps)


def _outer_gradient(method, model, params, tasks, inner_lr, inner_steps):
    """:func:`outer_gradient` without the checks, for :func:`meta_train`'s loop: its inputs
    are the trainer's own, and a run that diverges records NaN losses, as it always did."""
    names = list(params)
    if method in ("maml", "fomaml", "metasgd"):
        loss = _meta_loss(model, params, tasks, inner_lr, inner_steps, method == "fomaml")
        leaves = [params[n] for n in names]
        if method == "metasgd":
            leaves += [inner_lr[n] for n in names]
        grads = torch.autograd.grad(loss, leaves)
        out = dict(zip(names, grads[: len(names)]))
        if method == "metasgd":
            out.update({"lr." + n: g for n, g in zip(names, grads[len(names) :])})
        return loss.detach(), out
    if method == "reptile":
        theta = _reptile_inner_loop(model, params, tasks, inner_lr, inner_steps)
        with torch.no_grad():
            x, y = tasks.all_points()
            loss = torch.vmap(
                lambda th, xi, yi: _mse(torch.func.functional_call(model, th, (xi,)), yi)
            )(theta, x, y).mean()
            return loss, {n: params[n].detach() - theta[n].mean(0) for n in names}
    if method == "pretrain":
        x, y = tasks.all_points()
        loss = _mse(torch.func.functional_call(model, params, (x,)), y)
        return loss.detach(), dict(
            zip(names, torch.autograd.grad(loss, [params[n] for n in names]))
        )
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def meta_train(
    config: MetaConfig,
    tasks: SinusoidTasks | None = None,
    callback: Callback | None = None,
    *,
    progress: bool = True,
) -> TrainResult[MetaLearner, MetaConfig]:
    """Meta-train one method on a task family; returns a :class:`~course_lib.training.TrainResult`
    whose ``model`` is the :class:`MetaLearner`.

    Args:
        config: the method, its hyperparameters and seed (see :class:`MetaConfig`).
        tasks: the task family (default: the paper's sinusoids).
        callback: ``callback(row, learner)`` after each history row; ``True`` stops training.
        progress: show a tqdm progress bar.

    A history row every ``log_every`` iterations: ``iteration``, ``loss`` (mean outer loss
    since the last row), ``grad_norm`` (of the last outer gradient), ``seconds`` and, for
    Meta-SGD, ``mean_inner_lr`` (mean |α| over all weights).
    """
    if not isinstance(config, MetaConfig):
        raise TypeError(f"config must be a MetaConfig, got {type(config).__name__}")
    check_callback(callback)
    check_bool("progress", progress)
    tasks = SinusoidTasks() if tasks is None else tasks
    if not callable(getattr(tasks, "sample", None)):
        raise TypeError(
            "tasks must be a task family with a sample(num_tasks, k_support, k_query, generator) "
            f"method, got {type(tasks).__name__}"
        )
    generator = make_generator(config.seed)  # tasks are drawn on the CPU, then moved
    model = mlp_regressor(config.hidden_sizes, seed=config.seed).to(config.device)
    params = init_params(model)
    inner_lr: InnerLR = config.inner_lr
    leaves = list(params.values())
    if config.method == "metasgd":
        inner_lr = {
            n: torch.full_like(p, config.inner_lr).requires_grad_(True) for n, p in params.items()
        }
        leaves += list(inner_lr.values())
    optimizer = torch.optim.Adam(leaves, lr=config.learning_rate)

    def learner() -> MetaLearner:
        final_lr = inner_lr
        if config.method == "metasgd":
            final_lr = {n: a.detach().clone() for n, a in inner_lr.items()}
        return MetaLearner(
            config.method,
            model,
            {n: p.detach().clone() for n, p in params.items()},
            final_lr,
            config,
        )

    result, loss_mean = TrainResult(None, config, []), RunningMean()

    def iteration(i: int) -> Row | None:
        batch = tasks.sample(config.meta_batch_size, config.k_support, config.k_query, generator)
        _check_tasks(batch, "tasks.sample()")  # a custom family's batch: checked once, here
        loss, grads = _outer_gradient(
            config.method, model, params, batch.to(config.device), inner_lr, config.inner_steps
        )
        for name, p in params.items():
            p.grad = grads[name]
        if config.method == "metasgd":
            for name, a in inner_lr.items():
                a.grad = grads["lr." + name]
        optimizer.step()
        loss_mean.add(loss.item())
        if not log_due(i, config.log_every, config.iterations):
            return None
        row = {
            "loss": loss_mean.take(),
            "grad_norm": torch.sqrt(sum((g**2).sum() for g in grads.values())).item(),
        }
        if config.method == "metasgd":
            row["mean_inner_lr"] = (
                torch.cat([a.detach().abs().flatten() for a in inner_lr.values()]).mean().item()
            )
        result.model = learner()  # what the callback sees: a snapshot of the weights so far
        return row

    train_loop(
        result, iteration, iterations=config.iterations, callback=callback,
        progress=progress, desc=config.method, show="loss",
    )  # fmt: skip
    result.model = learner()
    return result
