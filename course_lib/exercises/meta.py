"""Exercises of Chapters 4-5: the inner-loop step, and what MAML and pre-training optimise.

* Chapter 5, :func:`check_maml_objective` (easy, a choice): which loss MAML minimises.
* Chapter 5, :func:`check_inner_step` (coding): ``inner_step(model, params, x, y, inner_lr) ->
  dict`` returning θ = φ − α ∇_φ L_support(φ), differentiable with respect to φ (second
  order), without changing ``params`` in place.
* Chapter 5, :func:`check_which_phi` (think, a choice): which φ each method prefers.
* Chapter 4, :func:`check_meta_sgd_step`: ``meta_sgd_step(model, params, x, y, step_sizes)``,
  the same step with one learned step size per weight (Meta-SGD: θ = φ − α ⊙ ∇L), which
  must pass gradients back to the step sizes too.

The coding checkers compare the student's θ and the meta-gradient through it with the
library's :func:`course_lib.meta.adapt` on several cases, and recognise the usual mistakes
(a step up the gradient, ``model(x)`` instead of ``functional_call``, a first-order step, a
detached θ, float64, ``params`` changed in place). The cases start φ away from the model's
own weights, so a step computed with the model's own weights is told apart.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_lib.exercises.harness import (
    Case,
    CodingExercise,
    StudentError,
    call,
    check_choice,
    describe,
    safe_checker,
)
from course_lib.i18n import tr
from course_lib.meta import (
    SineModel,
    SinusoidTasks,
    adapt,
    adapt_with_components,
    init_params,
    meta_loss,
    meta_loss_loop,
    mlp_regressor,
    task_loss,
)
from course_lib.meta.functional import reptile_inner_loop
from course_lib.meta.learned_update import adapt_with_rule

__all__ = [
    "check_inner_step",
    "check_meta_sgd_step",
    "check_maml_objective",
    "check_which_phi",
]

_CLOSE = 1e-5


_TIME_LIMIT = 5.0  # one inner step and a second-order meta-gradient of a 1-40-40-1 net


def _cases(per_weight: bool) -> list[Case]:
    """(model, φ, x, y, step size, x_query, y_query) for each model; φ starts away from the
    model's own weights, so that a step computed with model(x) is told apart."""
    generator = torch.Generator().manual_seed(7)
    batch = SinusoidTasks().sample(2, 10, 10, generator)
    models = [
        (tr("the 1-40-40-1 network"), mlp_regressor(seed=3), 0.01),
        (tr("the (a, b) sine model"), SineModel(1.5, 0.4), 0.3),
    ]
    cases = []
    for i, (name, model, lr) in enumerate(models):
        params = _start(model)
        if per_weight:
            label = tr("on {model}, per-weight step sizes", model=name)
            lr = _step_sizes(params, lr)
        else:
            label = tr("on {model}, α = {lr}", model=name, lr=lr)
        data = (batch.x_support[i], batch.y_support[i], batch.x_query[i], batch.y_query[i])
        x, y, x_q, y_q = data
        cases.append(Case(label, (model, params, x, y, lr, x_q, y_q), data=per_weight))
    return cases


def _start(model) -> dict[str, torch.Tensor]:
    """φ: the model's weights moved a little, so that φ differs from what model(x) uses."""
    generator = torch.Generator().manual_seed(5)
    return {
        name: (p.detach() + 0.1 * torch.randn(p.shape, generator=generator)).requires_grad_(True)
        for name, p in init_params(model).items()
    }


def _step_sizes(params, value: float) -> dict:
    generator = torch.Generator().manual_seed(11)  # different sizes per weight, so α ⊙ g is tested
    return {
        n: (value * (0.5 + torch.rand(p.shape, generator=generator))).requires_grad_(True)
        for n, p in params.items()
    }


def _own_weights_step(model, params, x, y, lr) -> dict:
    """What ``model(x)`` gives: the gradient taken at the model's own weights, not at φ."""
    own = {n: p.detach().clone().requires_grad_(True) for n, p in model.named_parameters()}
    grads = torch.autograd.grad(task_loss(model, own, x, y), list(own.values()))
    return {
        n: params[n].detach() - (lr[n].detach() if isinstance(lr, dict) else lr) * g
        for n, g in zip(own, grads)
    }


def _gap(a: dict, b: dict) -> float:
    return max((a[n].detach().float() - b[n].detach().float()).abs().max().item() for n in b)


def _meta_grad(model, params, theta, x_q, y_q, lr):
    leaves = list(params.values()) + (list(lr.values()) if isinstance(lr, dict) else [])
    loss = task_loss(model, theta, x_q, y_q)
    grads = torch.autograd.grad(loss, leaves, allow_unused=True)
    return [g if g is not None else torch.zeros_like(p) for g, p in zip(grads, leaves)]


def _model_call() -> str:
    """The feedback on ``model(x)`` in place of ``functional_call``, in the reader's language."""
    return tr(
        "you called model(x), which runs the model's *own* weights, not params: the gradient is "
        "taken at the wrong point and φ never enters the loss. Compute the prediction with "
        "torch.func.functional_call(model, params, (x,))."
    )


def _check_shape(theta: object, params: dict) -> str | None:
    """A message if θ is not a dict of float32 tensors shaped like params."""
    if not isinstance(theta, dict) or set(theta) != set(params):
        got = sorted(theta) if isinstance(theta, dict) else describe(theta)
        return tr(
            "return a dict with the same keys as params {keys}; got {got}.",
            keys=sorted(params),
            got=got,
        )
    for name, p in params.items():
        t = theta[name]
        if not isinstance(t, torch.Tensor):
            return tr(
                "θ['{name}'] is {got}, not a torch tensor: keep everything in torch "
                "(no .numpy(), no .detach()) so the outer loop can differentiate through θ.",
                name=name,
                got=describe(t),
            )
        if t.shape != p.shape:
            return tr(
                "θ['{name}'] must be a tensor of shape {shape}, got {got}.",
                name=name,
                shape=tuple(p.shape),
                got=tuple(t.shape),
            )
        if t.dtype != p.dtype:
            return tr(
                "θ['{name}'] is {dtype}, φ is {phi_dtype}: keep float32 (a float64 step size "
                "or tensor turns θ into float64, which the network's float32 inputs cannot mix "
                "with). Use the Python float inner_lr as it is.",
                name=name,
                dtype=t.dtype,
                phi_dtype=p.dtype,
            )
    return None


def _value_mistake(theta, model, params, x, y, lr, reference, per_weight: bool) -> str:
    """Why θ's values differ from one gradient step on the support MSE."""
    ascent = {n: 2 * params[n].detach() - reference[n].detach() for n in params}
    if _gap(theta, ascent) < _CLOSE:
        return tr("you stepped *up* the gradient: θ = φ − α·∇L, with a minus sign.")
    if _gap(theta, _own_weights_step(model, params, x, y, lr)) < _CLOSE:
        return _model_call()
    if _gap(theta, {n: p.detach() for n, p in params.items()}) < 1e-8:
        return tr("θ equals φ: the step did not move the parameters (a zero or missing gradient).")
    error = _gap(theta, reference)
    if per_weight:
        return tr(
            "θ differs from one gradient step on the support MSE by up to {error:.2e} (use the "
            "mean squared error of functional_call(model, params, (x,)) against y, and multiply "
            "each gradient elementwise by its own step size step_sizes[name]).",
            error=error,
        )
    return tr(
        "θ differs from one gradient step on the support MSE by up to {error:.2e} (use the mean "
        "squared error of functional_call(model, params, (x,)) against y, and the step size "
        "inner_lr).",
        error=error,
    )


def _observe(fn: Callable, model, params, x, y, lr, x_q, y_q) -> dict:
    """Runs with the answer: its θ and, when θ is a dict of tensors attached to φ, the
    meta-gradient of the query loss through it (or why it could not be taken). It runs in the
    sandbox's forked child, which inherits the reader's language and the catalog the checker
    loaded before forking, so its feedback comes back translated."""
    try:
        theta = fn(model, params, x, y, lr)
    except RuntimeError as error:
        if "not have been used in the graph" in str(error):
            raise StudentError(_model_call()) from None
        raise
    seen = {"theta": theta}
    attached = (
        isinstance(theta, dict)
        and set(theta) == set(params)
        and all(isinstance(t, torch.Tensor) and t.requires_grad for t in theta.values())
    )
    if attached:
        try:
            seen["grad"] = call(
                _meta_grad, model, params, theta, x_q, y_q, lr, time_limit=_TIME_LIMIT
            )
        except StudentError as error:
            seen["grad_error"] = str(error)
    return seen


def _reference(case: Case) -> dict:
    model, params, x, y, lr, x_q, y_q = case.args
    theta = adapt(model, params, x, y, inner_lr=lr, steps=1)
    return {"theta": theta, "grad": _meta_grad(model, params, theta, x_q, y_q, lr)}


def _judge(case: Case, seen: dict, expected: dict) -> str | None:
    model, params, x, y, lr, x_q, y_q = case.args
    per_weight, theta, reference = case.data, seen["theta"], expected["theta"]
    if (problem := _check_shape(theta, params)) is not None:
        return tr("{case}: {message}", case=case.label, message=problem)
    if _gap(theta, reference) > _CLOSE:
        mistake = _value_mistake(theta, model, params, x, y, lr, reference, per_weight)
        return tr("{case}: {message}", case=case.label, message=mistake)
    if not all(theta[n].requires_grad for n in params):
        return tr(
            "θ is detached from φ: the outer loop cannot send a gradient back. Don't call "
            ".detach(), .item() or torch.no_grad() on the way."
        )
    if "grad_error" in seen:
        return tr(
            "{case}, differentiating through your θ: {error}",
            case=case.label,
            error=seen["grad_error"],
        )
    student, second = seen["grad"], expected["grad"]
    if per_weight and all(bool((g == 0).all()) for g in student[len(params) :]):
        return tr(
            "no gradient reaches the step sizes: build θ from step_sizes[name] itself (don't "
            "detach it or use .item())."
        )
    gap = max((s - r).abs().max().item() for s, r in zip(student, second))
    if gap <= 1e-4:
        return None
    first_order = adapt(model, params, x, y, inner_lr=lr, steps=1, first_order=True)
    first = _meta_grad(model, params, first_order, x_q, y_q, lr)
    if max((s - f).abs().max().item() for s, f in zip(student, first)) < _CLOSE:
        return tr(
            "the values are right but the meta-gradient is first-order (FOMAML): compute the "
            "inner gradient with torch.autograd.grad(..., create_graph=True) so the outer loop "
            "differentiates through it."
        )
    return tr(
        "{case}: the meta-gradient through your θ differs from MAML's by up to {gap:.2e}.",
        case=case.label,
        gap=gap,
    )


def _changed_input(name: str) -> str:
    if name == "params":
        return tr(
            "`params` was changed in place: build new tensors (θ = φ − α·g), leave φ as it is."
        )
    return tr(
        "your function changed its input `{name}` in place: the outer loop still needs it "
        "as it was; build new tensors instead.",
        name=name,
    )


def _exercise(per_weight: bool) -> CodingExercise:
    """The checker; its success line is set when a check runs, in the reader's language."""
    return CodingExercise(
        # Every inner step the library has: Ch 5's adapt and its callers, Ch 4's variants.
        library=(
            adapt,
            meta_loss,
            meta_loss_loop,
            reptile_inner_loop,
            adapt_with_components,
            adapt_with_rule,
        ),
        arg_names=("model", "params", "x", "y", "step_sizes" if per_weight else None, None, None),
        cases=lambda: _cases(per_weight),
        observe=_observe,
        reference=_reference,
        judge=_judge,
        time_limit=_TIME_LIMIT,
        changed_input=_changed_input,
        success="",
    )


INNER_STEP = _exercise(False)
META_SGD_STEP = _exercise(True)


@safe_checker
def check_inner_step(fn: Callable) -> bool:
    """Check a student's ``inner_step(model, params, x, y, inner_lr)``; print feedback."""
    INNER_STEP.success = tr(
        "inner_step is right: one differentiable gradient step, φ untouched, MAML's "
        "second-order meta-gradient flows through it."
    )
    return INNER_STEP.check(fn)


@safe_checker
def check_meta_sgd_step(fn: Callable) -> bool:
    """Check a student's ``meta_sgd_step(model, params, x, y, step_sizes)`` (per-weight α)."""
    META_SGD_STEP.success = tr(
        "meta_sgd_step is right: θ = φ − α ⊙ ∇L, and the outer loop gets gradients for both "
        "φ and the step sizes α."
    )
    return META_SGD_STEP.check(fn)


@safe_checker
def check_maml_objective(answer: object) -> bool:
    """Question: which loss does MAML's outer loop minimise?"""
    return check_choice(
        answer,
        "b",
        {
            "a": tr(
                "Σ l^m(φ) scores φ itself, before any adaptation: that is pre-training's "
                "objective, the current best (当前最优)."
            ),
            "c": tr(
                "the support points were used to take the step; scoring θ on them again "
                "rewards memorising those K points, not doing well on the task."
            ),
            "d": tr(
                "the average curve is where pre-training tends to end up; MAML never looks "
                "at an average task."
            ),
        },
        why=tr(
            "θ^m is φ after the inner loop on task m's support set, and its loss is measured "
            "on held-out query points: the future potential (未来潜力) of φ."
        ),
    )


@safe_checker
def check_which_phi(answer: object) -> bool:
    """Question: φ₁ (3.0 before, 0.6 after one step) or φ₂ (2.9 before, 2.5 after)?"""
    return check_choice(
        answer,
        "a",
        {
            "b": tr("pre-training scores φ itself (before any step): 2.9 < 3.0, so it prefers φ₂."),
            "c": tr("MAML scores φ after the inner step: 0.6 < 2.5, so it prefers φ₁."),
            "d": tr(
                "that is each method's *least* favourite: MAML looks after the step (0.6 vs "
                "2.5), pre-training before it (3.0 vs 2.9)."
            ),
        },
        why=tr(
            "MAML compares the losses after the step (0.6 < 2.5: φ₁), pre-training the "
            "losses of φ itself (2.9 < 3.0: φ₂)."
        ),
    )
