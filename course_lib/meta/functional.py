"""The inner loop (内循环) and the MAML meta-loss, written functionally with ``torch.func``.

MAML (Finn et al., 2017) learns an initialization φ. For a task m with support set
(x, y) the inner loop takes a few gradient steps from φ:

    θ^m = φ − α ∇_φ L_support^m(φ)            (one step; repeat for more)

and the outer loop (外循环) scores θ^m on the task's query set and moves φ to make that
score good on average over tasks:

    φ ← φ − β ∇_φ  mean_m L_query^m(θ^m(φ))

The gradient ∇_φ passes *through* the inner step, so it contains the second-order term
(∂θ/∂φ = I − α ∇²L_support). FOMAML (first-order MAML) drops that term by treating the inner
gradient as a constant: its meta-gradient is simply ∇_θ L_query(θ^m), taken at θ^m.

Two implementations of the same maths are given:

* :func:`meta_loss` (the one used for training): the model is called with
  ``torch.func.functional_call`` and the whole meta-batch is adapted in one call with
  ``torch.func.vmap``; inner gradients come from ``torch.func.grad``.
* :func:`meta_loss_loop`: the textbook per-task Python loop with
  ``torch.autograd.grad(create_graph=True)``: slower, kept as the reference the tests and
  the benchmark compare against.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping

import torch
from torch import Tensor, nn
from torch.func import functional_call, grad, vmap

from course_lib.meta.tasks import TaskBatch
from course_lib.validation import (
    check_finite,
    check_instance,
    check_int,
    check_real,
    check_same_shape,
    check_tensor,
)

__all__ = [
    "Params",
    "InnerLR",
    "LossFn",
    "mse",
    "task_loss",
    "adapt",
    "meta_loss",
    "meta_loss_loop",
    "reptile_update",
    "reptile_inner_loop",
]

Params = dict[str, Tensor]
#: A scalar step size α, or one learned step size tensor per parameter (Meta-SGD).
InnerLR = float | Mapping[str, Tensor]
#: ``loss_fn(prediction, target) -> scalar``: what the inner loop descends and the outer loop
#: scores (MSE for regression, cross-entropy for classification).
LossFn = Callable[[Tensor, Tensor], Tensor]


# -- Checks at the edge, shared by the meta modules ----------------------------------------
# The inner loop runs inside ``torch.func`` transforms (``vmap`` over tasks, ``grad`` of the
# support loss). A check on a tensor's *values* (is it finite?) cannot run there: vmap cannot
# branch on a batched value. Those checks run where the caller passed a plain tensor and are
# skipped on the transform's wrapped tensors (whose plain originals were checked on entry).


def _traced(tensor: Tensor) -> bool:
    """True for a tensor wrapped by a ``torch.func`` transform (vmap, grad, jvp)."""
    return torch._C._functorch.is_functorch_wrapped_tensor(tensor)


def _check_data(name: str, value: object, *, min_ndim: int = 1) -> Tensor:
    """A tensor of at least ``min_ndim`` dimensions holding no NaN or ±inf (points, targets)."""
    check_tensor(name, value)
    if value.dim() < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimension(s), got shape {tuple(value.shape)}"
        )
    if not _traced(value):
        check_finite(name, value)  # a NaN point turns every loss and gradient into NaN, silently
    return value


#: The most work a meta-training config may ask for (iterations × tasks per step × inner
#: steps): the course's and the benchmarks' largest runs ask for about 10**7, so 10**9 only
#: stops a typo (an extra zero or two on every size) before it runs for weeks.
MAX_WORK = 10**9


def _check_work(what: str, sizes: tuple[int, ...], budget: int = MAX_WORK) -> None:
    """Refuse a product of sizes (``what`` names the factors, ``"a × b"``) beyond ``budget``."""
    work = math.prod(sizes)
    if work > budget:
        factors = " × ".join(f"{n:_}" for n in sizes)
        raise ValueError(f"{what} must be at most {budget:_}, got {factors} = {work:_}")


def _check_model(model: object, name: str = "model") -> nn.Module:
    return check_instance(name, model, nn.Module, "a torch.nn.Module (the architecture)")


def _check_weights(
    name: str,
    params: object,
    model: nn.Module | None = None,
    fixed: Mapping | None = None,
    *,
    finite: bool = True,
) -> Mapping[str, Tensor]:
    """A non-empty dict of tensors (finite ones, unless ``finite=False``); with ``model``, one
    per weight of it, of its shape (``fixed`` supplies the ones passed separately).

    ``functional_call`` fills a missing name with the module's own weight: a dict that misses
    one runs the wrong network, with no error.
    """
    if not isinstance(params, Mapping):
        raise TypeError(
            f"{name} must be a dict of weight tensors such as dict(model.named_parameters()), "
            f"got {type(params).__name__}"
        )
    if not params:
        raise ValueError(f"{name} must hold the weights (a non-empty dict), got an empty dict")
    for key, tensor in params.items():
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{name}[{key!r}] must be a tensor, got {type(tensor).__name__}")
        if finite and not _traced(tensor) and not bool(torch.isfinite(tensor.detach()).all()):
            raise ValueError(f"{name}[{key!r}] must hold finite numbers, got NaN or ±inf")
    if model is not None:
        weights = dict(model.named_parameters())
        given = {**params, **(fixed or {})}
        known = set(weights) | {n for n, _ in model.named_buffers()}
        missing, unknown = sorted(set(weights) - set(given)), sorted(set(given) - known)
        if missing or unknown:
            raise ValueError(
                f"{name} must hold the model's weights {sorted(weights)}, got keys "
                f"{sorted(params)} (missing {missing}, unknown {unknown})"
            )
        for key, tensor in params.items():
            if key in weights and tensor.shape != weights[key].shape:
                raise ValueError(
                    f"{name}[{key!r}] must have the weight's shape {tuple(weights[key].shape)}, "
                    f"got {tuple(tensor.shape)}"
                )
    return params


def _check_loss_fn(loss_fn: object) -> None:
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function (prediction, target) -> loss, got {loss_fn!r}")


def _check_support(x: object, y: object, names: tuple[str, str] = ("x", "y")) -> None:
    """Float inputs ``[K, ...]`` (K >= 1) and targets with as many points K, all finite."""
    _check_data(names[0], x)
    _check_data(names[1], y)
    if not x.is_floating_point():  # an int x fails deep in the first layer's matmul
        raise TypeError(f"{names[0]} must be a floating-point tensor, got dtype {x.dtype}")
    if x.shape[0] < 1:  # no point: the mean loss is NaN and its gradient too
        raise ValueError(
            f"{names[0]} must hold at least one point (K >= 1), got shape {tuple(x.shape)}"
        )
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"{names[1]} must have one target per point of {names[0]} ({x.shape[0]}), "
            f"got shape {tuple(y.shape)}"
        )


def _check_target_shape(
    model, params, x: Tensor, y: Tensor, loss_fn: object, name: str = "y"
) -> None:
    """For MSE, ``y`` has the prediction's shape: a ``[K]`` target against a ``[K, 1]``
    prediction would broadcast (``mse`` refuses it, but naming its own arguments, not ``y``).
    One forward pass on one point tells the shape (skipped inside ``torch.func`` transforms,
    whose plain inputs were checked on entry)."""
    if loss_fn is not mse or _traced(x):
        return
    with torch.no_grad():
        per_point = tuple(functional_call(model, dict(params), (x[:1],)).shape[1:])
    if tuple(y.shape[1:]) != per_point:
        raise ValueError(
            f"{name} must have the model's prediction shape {(x.shape[0], *per_point)} "
            f"(mse compares them), got {tuple(y.shape)}"
        )


def mse(prediction: Tensor, target: Tensor) -> Tensor:
    """Mean squared error, the regression loss of the sinusoid tasks."""
    check_same_shape(prediction=prediction, target=target)  # [K, 1] − [K] would broadcast
    _check_data("prediction", prediction, min_ndim=0)
    _check_data("target", target, min_ndim=0)
    return ((prediction - target) ** 2).mean()


def _mse(prediction: Tensor, target: Tensor) -> Tensor:
    """:func:`mse` checking only the shapes (a trainer's predictions may diverge to NaN)."""
    check_same_shape(prediction=prediction, target=target)
    return ((prediction - target) ** 2).mean()


def _task_loss(model: nn.Module, params: Mapping[str, Tensor], x, y, loss_fn: LossFn) -> Tensor:
    return loss_fn(functional_call(model, dict(params), (x,)), y)


def task_loss(
    model: nn.Module, params: Mapping[str, Tensor], x: Tensor, y: Tensor, loss_fn: LossFn = mse
) -> Tensor:
    """``loss_fn`` of ``model`` evaluated with ``params`` (not its own weights) on one task's points."""
    _check_model(model)
    _check_weights("params", params, model)
    _check_support(x, y)
    _check_loss_fn(loss_fn)
    _check_target_shape(model, params, x, y, loss_fn)
    return _task_loss(model, params, x, y, loss_fn)


#: Inner steps beyond this take minutes per call (and MAML keeps every step's graph).
MAX_INNER_STEPS = 1000


def _check_inner(
    inner_lr: InnerLR, steps: int, params: Mapping[str, Tensor] | None = None, name: str = "steps"
) -> None:
    check_int(name, steps, 0, MAX_INNER_STEPS)
    if isinstance(inner_lr, Mapping):
        if params is not None and set(inner_lr) != set(params):
            raise ValueError(
                f"inner_lr must have one step size per parameter {sorted(params)}, got keys {sorted(inner_lr)}"
            )
        for key, a in inner_lr.items():
            if not isinstance(a, Tensor):
                raise TypeError(
                    f"inner_lr must be a float or a dict of per-parameter step-size tensors, "
                    f"got {type(a).__name__} for {key!r}"
                )
            if not _traced(a) and not bool(torch.isfinite(a.detach()).all()):
                raise ValueError(f"inner_lr[{key!r}] must hold finite step sizes, got NaN or ±inf")
    elif isinstance(inner_lr, numbers.Real) and not isinstance(inner_lr, bool):
        check_real("inner_lr", inner_lr, 0.0, 100.0)
    elif isinstance(inner_lr, Tensor) and inner_lr.dim() == 0 and inner_lr.is_floating_point():
        if not _traced(inner_lr):  # a 0-d tensor is a float: same range
            check_real("inner_lr", float(inner_lr.detach()), 0.0, 100.0)
    else:
        raise TypeError(
            "inner_lr must be a float >= 0 or a dict of per-parameter tensors, got "
            f"{type(inner_lr).__name__} {inner_lr!r:.60} (a 0-d float tensor counts as a float)"
        )


def _step_size(inner_lr: InnerLR, name: str):
    return inner_lr[name] if isinstance(inner_lr, Mapping) else inner_lr


def adapt(
    model: nn.Module,
    params: Mapping[str, Tensor],
    x: Tensor,
    y: Tensor,
    *,
    inner_lr: InnerLR,
    steps: int,
    first_order: bool = False,
    loss_fn: LossFn = mse,
) -> Params:
    """The inner loop on one task: ``steps`` gradient-descent steps on the support set from ``params``.

    Args:
        model: the architecture, called functionally (its own weights are not used).
        params: the starting point φ, e.g. ``dict(model.named_parameters())``.
        x, y: the task's support set, each ``[K, 1]``.
        inner_lr: step size α, or a dict of per-parameter step-size tensors (Meta-SGD).
        steps: number of gradient steps (0 returns ``params`` unchanged).
        first_order: if True, each inner gradient is treated as a constant (FOMAML): the
            result still depends on φ, but only through the identity path θ = φ − α·g.
        loss_fn: the task loss (default MSE).

    Returns the adapted parameters θ as a new dict; differentiable with respect to
    ``params`` (and to a learned ``inner_lr``) through all the steps unless ``first_order``.
    Works inside ``torch.func.vmap``, which is how :func:`meta_loss` adapts a whole batch.
    """
    _check_model(model)
    _check_weights("params", params, model)
    _check_support(x, y)
    _check_loss_fn(loss_fn)
    _check_inner(inner_lr, steps, params)
    if not isinstance(first_order, bool):
        raise TypeError(f"first_order must be True or False, got {first_order!r}")
    _check_target_shape(model, params, x, y, loss_fn)
    return _adapt(model, params, x, y, inner_lr, steps, first_order, loss_fn)


def _adapt(model, params, x, y, inner_lr, steps, first_order=False, loss_fn=mse) -> Params:
    """:func:`adapt` without the checks: for loops whose inputs were checked once, on entry
    (a diverging inner loop's θ may hold inf by its later steps, and that is a result)."""
    theta = dict(params)
    loss_grad = grad(lambda p: _task_loss(model, p, x, y, loss_fn))
    for _ in range(steps):
        g = loss_grad(theta)
        if first_order:
            g = {name: gi.detach() for name, gi in g.items()}
        theta = {name: theta[name] - _step_size(inner_lr, name) * g[name] for name in theta}
    return theta


def _check_tasks(tasks: TaskBatch, name: str = "tasks") -> None:
    """A TaskBatch (or a 4-tuple of tensors) with one B and matching K's, all finite."""
    if not isinstance(tasks, tuple) or len(tasks) != 4:
        raise TypeError(
            f"{name} must be a TaskBatch (x_support, y_support, x_query, y_query), "
            f"got {type(tasks).__name__} {tasks!r:.60}"
        )
    for field, t in zip(TaskBatch._fields, tasks):
        # inputs [B, K, features...]; targets [B, K, ...] (values, or class labels [B, K])
        min_dim, shape = (3, "[B, K, features...]") if field[0] == "x" else (2, "[B, K, ...]")
        if not isinstance(t, Tensor) or t.dim() < min_dim:
            raise ValueError(
                f"{name}.{field} must be a tensor of shape {shape}, got {getattr(t, 'shape', type(t))}"
            )
        if not _traced(t):
            check_finite(f"{name}.{field}", t)
    shapes = [tuple(t.shape) for t in tasks]
    if len({t.shape[0] for t in tasks}) != 1:
        raise ValueError(f"{name}: all TaskBatch tensors must share the batch size B, got {shapes}")
    x_support, y_support, x_query, y_query = tasks  # a plain 4-tuple is accepted too
    if x_support.shape[1] != y_support.shape[1] or x_query.shape[1] != y_query.shape[1]:
        raise ValueError(
            f"{name}: inputs and targets must have the same number of points K, got {shapes}"
        )
    if x_support.shape[1] < 1 or x_query.shape[1] < 1:  # an empty set's mean loss is NaN
        raise ValueError(f"{name}: every set must hold at least one point (K >= 1), got {shapes}")


def _check_meta_args(
    model,
    params,
    tasks,
    inner_lr,
    steps,
    first_order: object = False,
    loss_fn: object = mse,
    steps_name: str = "steps",
) -> None:
    """The checks every meta-batch entry point makes once, outside its ``vmap``."""
    _check_model(model)
    _check_weights("params", params, model)
    _check_tasks(tasks)
    _check_inner(inner_lr, steps, params, name=steps_name)
    if not isinstance(first_order, bool):
        raise TypeError(f"first_order must be True or False, got {first_order!r}")
    _check_loss_fn(loss_fn)


def meta_loss(
    model: nn.Module,
    params: Mapping[str, Tensor],
    tasks: TaskBatch,
    *,
    inner_lr: InnerLR,
    steps: int,
    first_order: bool = False,
    loss_fn: LossFn = mse,
) -> Tensor:
    """Mean query loss after adapting to each task: the quantity MAML's outer loop minimises.

    All B tasks are adapted in one batched call (``vmap`` over the task dimension). Its
    gradient with respect to ``params`` is the MAML meta-gradient, second order by default,
    first order (FOMAML) with ``first_order=True``.
    """
    _check_meta_args(model, params, tasks, inner_lr, steps, first_order, loss_fn)
    return _meta_loss(model, params, tasks, inner_lr, steps, first_order, loss_fn)


def _meta_loss(model, params, tasks, inner_lr, steps, first_order=False, loss_fn=mse) -> Tensor:
    """:func:`meta_loss` without the checks: for a trainer whose inputs were checked at its
    start (a diverging run's NaN φ is then its history's NaN loss, as before, not an error)."""

    def query_loss_after_adaptation(x_s: Tensor, y_s: Tensor, x_q: Tensor, y_q: Tensor) -> Tensor:
        theta = _adapt(model, params, x_s, y_s, inner_lr, steps, first_order, loss_fn)
        return _task_loss(model, theta, x_q, y_q, loss_fn)

    return vmap(query_loss_after_adaptation)(*tasks).mean()


def meta_loss_loop(
    model: nn.Module,
    params: Mapping[str, Tensor],
    tasks: TaskBatch,
    *,
    inner_lr: InnerLR,
    steps: int,
    first_order: bool = False,
    loss_fn: LossFn = mse,
) -> Tensor:
    """The same meta-loss as :func:`meta_loss`, one task at a time with ``torch.autograd.grad``.

    This is how MAML is usually first written: for each task, unroll the inner steps with
    ``create_graph=True`` so the outer backward pass can differentiate through them.
    """
    _check_meta_args(model, params, tasks, inner_lr, steps, first_order, loss_fn)
    losses = []
    for x_s, y_s, x_q, y_q in zip(*tasks):
        theta = dict(params)
        for _ in range(steps):
            names = [n for n, p in theta.items() if p.requires_grad]
            grads = torch.autograd.grad(
                _task_loss(model, theta, x_s, y_s, loss_fn),
                [theta[n] for n in names],
                create_graph=not first_order,
            )
            theta = {
                **theta,
                **{n: theta[n] - _step_size(inner_lr, n) * g for n, g in zip(names, grads)},
            }
        losses.append(_task_loss(model, theta, x_q, y_q, loss_fn))
    return torch.stack(losses).mean()


@torch.no_grad()
def reptile_update(
    model: nn.Module,
    params: Mapping[str, Tensor],
    tasks: TaskBatch,
    *,
    inner_lr: float,
    steps: int,
    epsilon: float,
) -> Params:
    """One Reptile outer step (Nichol et al., 2018): φ ← φ + ε (mean_m θ̃^m − φ).

    θ̃^m is the result of ``steps`` plain SGD steps on task m's minibatches in turn
    (:func:`reptile_inner_loop`); no meta-gradient is computed at all: the direction θ̃ − φ
    *is* the update. With ``steps=1`` Reptile reduces to joint training on the mixture
    (pre-training), so use several inner steps.
    """
    _check_meta_args(model, params, tasks, inner_lr, steps)
    check_real("epsilon", epsilon, 0.0, 1.0, lo_open=True)
    theta = reptile_inner_loop(model, params, tasks, inner_lr=inner_lr, steps=steps)
    return {name: p + epsilon * (theta[name].mean(0) - p) for name, p in params.items()}


def reptile_inner_loop(
    model: nn.Module, params: Mapping[str, Tensor], tasks: TaskBatch, *, inner_lr: float, steps: int
) -> Params:
    """θ̃^m for every task m (a dict of ``[B, ...]`` tensors): ``steps`` first-order SGD steps.

    The steps take task m's two minibatches in turn, support, query, support, …: Nichol et al.
    run SGD over successive minibatches of a task, and their analysis (see
    :mod:`course_lib.meta.first_order`) needs different minibatches: then the update rewards a
    step on one minibatch that also helps the other. (Repeating one batch turns that term into
    a penalty on the gradient's norm.)
    """
    _check_meta_args(model, params, tasks, inner_lr, steps)
    return _reptile_inner_loop(model, params, tasks, inner_lr, steps)


def _reptile_inner_loop(model, params, tasks, inner_lr, steps: int) -> Params:
    """:func:`reptile_inner_loop` without the checks (for trainers, as :func:`_meta_loss`)."""
    params = {name: p.detach() for name, p in params.items()}

    def one_task(x_s: Tensor, y_s: Tensor, x_q: Tensor, y_q: Tensor) -> Params:
        theta = params
        for step in range(steps):
            x, y = (x_s, y_s) if step % 2 == 0 else (x_q, y_q)
            theta = _adapt(model, theta, x, y, inner_lr, 1, True)
        return theta

    return vmap(one_task)(*tasks)
