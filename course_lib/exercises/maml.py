"""Chapter 5's coding exercise: the second-order term of MAML's meta-gradient, the one FOMAML drops.

``my_second_order_term(model, params, task, inner_lr) -> dict`` returns, for one task and one
inner step θ = φ − α ∇l_s(φ),

    −α ∇²l_s(φ) ∇_θ l_q(θ)

keyed like ``params``: the Hessian of the *support* loss at *φ* times the *query* gradient at
*θ*, a Hessian-vector product. :func:`check_second_order_term` compares it with
:func:`course_lib.meta.second_order_term` on the 1-40-40-1 network and on the (a, b) model,
and recognises the usual mistakes by computing each of them: the sign, α missing or twice,
the Hessian at θ or of the query loss, v taken at φ or from the support loss, v not held
constant, MAML's or FOMAML's whole gradient handed in, a summed instead of a mean squared
error, a first gradient without ``create_graph=True``, ``model(x)`` instead of
``functional_call``, and ``params`` changed in place.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor
from torch.func import functional_call, grad, jvp

from course_lib.exercises.harness import Case, CodingExercise, StudentError, describe, safe_checker
from course_lib.i18n import tr
from course_lib.meta import (
    SineModel,
    SinusoidTasks,
    first_order_terms,
    meta_loss,
    meta_loss_loop,
    mlp_regressor,
    second_order_term,
)

__all__ = ["check_second_order_term"]

_RELATIVE = 1e-3  # a match: within 0.1% of the largest entry


def _cases() -> list[Case]:
    """The 1-40-40-1 network and the (a, b) model, each with a φ moved away from its own
    weights and one task (support then query)."""
    tasks = SinusoidTasks().sample(2, 10, 10, torch.Generator().manual_seed(7))
    cases = []
    for i, (label, model, alpha) in enumerate(
        [
            (tr("on the 1-40-40-1 network, α = 0.01"), mlp_regressor(seed=3), 0.01),
            (tr("on the (a, b) sine model, α = 0.3"), SineModel(1.5, 0.4), 0.3),
        ]
    ):
        generator = torch.Generator().manual_seed(5)
        phi = {
            n: (p.detach() + 0.1 * torch.randn(p.shape, generator=generator)).requires_grad_(True)
            for n, p in model.named_parameters()
        }
        cases.append(Case(label, (model, phi, tuple(t[i] for t in tasks), alpha), time_limit=20.0))
    return cases


def _loss(model, p, x, y, summed=False):
    error = (functional_call(model, p, (x,)) - y) ** 2
    return error.sum() if summed else error.mean()


def _mistakes(model, phi, task, alpha) -> list[tuple[str, dict[str, Tensor]]]:
    """Each likely wrong answer, computed, with the sentence that names it."""
    x_s, y_s, x_q, y_q = task
    phi = {n: p.detach() for n, p in phi.items()}

    def g(x, y, summed=False):
        return grad(lambda p: _loss(model, p, x, y, summed))

    def hvp(x, y, at, v):
        return jvp(g(x, y), (at,), (v,))[1]

    def scaled(c, d):
        return {n: c * t for n, t in d.items()}

    theta = {n: phi[n] - alpha * t for n, t in g(x_s, y_s)(phi).items()}
    v = g(x_q, y_q)(theta)
    h_v = hvp(x_s, y_s, phi, v)
    fomaml = v
    maml = {n: v[n] - alpha * h_v[n] for n in v}

    def moving_v(p):  # ∇_φ [∇l_s(φ) · ∇l_q(θ(φ))], v *not* held constant
        gs = g(x_s, y_s)(p)
        th = {n: p[n] - alpha * gs[n] for n in p}
        vq = g(x_q, y_q)(th)
        return sum((gs[n] * vq[n]).sum() for n in p)

    summed_theta = {n: phi[n] - alpha * t for n, t in g(x_s, y_s, True)(phi).items()}
    summed = scaled(-alpha, jvp(g(x_s, y_s, True), (phi,), (g(x_q, y_q, True)(summed_theta),))[1])
    return [
        (
            tr("your term has the wrong sign: ∂θ/∂φ = I − α∇²l_s, so the term is −α·∇²l_s·v."),
            scaled(alpha, h_v),
        ),
        (
            tr(
                "α is missing: the term is −α·∇²l_s(φ)·v, the inner step size times the Hessian-vector product."
            ),
            scaled(-1.0, h_v),
        ),
        (tr("α is missing and the sign is flipped: the term is −α·∇²l_s(φ)·v."), h_v),
        (
            tr(
                "α appears twice: θ already contains one α, the term has exactly one more, −α·∇²l_s(φ)·v."
            ),
            scaled(-(alpha**2), h_v),
        ),
        (
            tr(
                "the Hessian is taken at θ; it belongs at φ: ∂θ/∂φ differentiates θ = φ − α∇l_s(φ) with respect to φ."
            ),
            scaled(-alpha, hvp(x_s, y_s, theta, v)),
        ),
        (
            tr(
                "that is the Hessian of the *query* loss; the inner step descends the *support* loss, so ∂θ/∂φ = I − α∇²l_s(φ)."
            ),
            scaled(-alpha, hvp(x_q, y_q, phi, v)),
        ),
        (
            tr(
                "v is the query gradient at φ; it must be taken at θ, after the inner step (it is FOMAML's gradient, ∇_θ l_q(θ))."
            ),
            scaled(-alpha, hvp(x_s, y_s, phi, g(x_q, y_q)(phi))),
        ),
        (
            tr(
                "v is a support gradient; the vector the Hessian multiplies is the query gradient at θ, ∇_θ l_q(θ)."
            ),
            scaled(-alpha, hvp(x_s, y_s, phi, g(x_s, y_s)(theta))),
        ),
        (
            tr(
                "v is a support gradient at φ; the vector the Hessian multiplies is the query gradient at θ, ∇_θ l_q(θ)."
            ),
            scaled(-alpha, hvp(x_s, y_s, phi, g(x_s, y_s)(phi))),
        ),
        (
            tr(
                "v was not held constant: differentiating ∇l_s(φ)·v with v = ∇_θ l_q(θ(φ)) still attached adds a second term. Detach v (or compute it from a detached θ) before the second backward pass."
            ),
            scaled(-alpha, grad(moving_v)(phi)),
        ),
        (
            tr(
                "that is MAML's whole meta-gradient; the term is only its second-order part, MAML − FOMAML = −α·∇²l_s(φ)·∇_θ l_q(θ)."
            ),
            maml,
        ),
        (
            tr(
                "that is FOMAML's gradient ∇_θ l_q(θ), the part FOMAML keeps; the exercise asks for the part it drops, −α·∇²l_s(φ)·∇_θ l_q(θ)."
            ),
            fomaml,
        ),
        (
            tr(
                "your losses are summed over the points; use the mean squared error, as the inner loop does."
            ),
            summed,
        ),
    ]


def _gap(a: dict, b: dict) -> float:
    return max((a[n].detach().double() - b[n].double()).abs().max().item() for n in b)


def _scale(d: dict) -> float:
    return max(t.abs().max().item() for t in d.values())


def _check_returned(term: object, phi: dict) -> str | None:
    if not isinstance(term, dict) or set(term) != set(phi):
        got = sorted(term) if isinstance(term, dict) else describe(term)
        return tr(
            "return a dict with the same keys as params {keys}; got {got}.",
            keys=sorted(phi),
            got=got,
        )
    for name, p in phi.items():
        t = term[name]
        if not isinstance(t, Tensor):
            return tr("term['{name}'] is {got}, not a torch tensor.", name=name, got=describe(t))
        if t.shape != p.shape:
            return tr(
                "term['{name}'] must have the shape of params['{name}'], {shape}; got {got}.",
                name=name,
                shape=tuple(p.shape),
                got=tuple(t.shape),
            )
        if not torch.isfinite(t).all():
            return tr("term['{name}'] holds NaN or inf.", name=name)
    return None


def _observe(fn: Callable, model, params, task, alpha) -> object:
    """Runs with the answer; turns autograd's two usual complaints into what they mean. It runs
    in the sandbox's forked child, which inherits the reader's language and the catalog the
    checker loaded before forking, so its feedback comes back translated."""
    try:
        return fn(model, params, task, alpha)
    except RuntimeError as error:
        text = str(error)
        if "not have been used in the graph" in text:
            raise StudentError(
                tr(
                    "you called model(x), which runs the model's *own* weights, not params: φ never "
                    "enters the loss. Compute predictions with torch.func.functional_call(model, params, (x,))."
                )
            ) from None
        if "does not require grad" in text:
            raise StudentError(
                tr(
                    "a gradient could not be differentiated again: take the support gradient with "
                    "torch.autograd.grad(..., create_graph=True), so that ∇l_s(φ)·v has a graph back to φ."
                )
            ) from None
        raise


def _reference(case: Case) -> dict:
    model, phi, task, alpha = case.args
    return second_order_term(model, phi, task, inner_lr=alpha)


def _judge(case: Case, term: object, reference: dict) -> str | None:
    model, phi, task, alpha = case.args
    label = case.label
    if (problem := _check_returned(term, phi)) is not None:
        return tr("{case}: {message}", case=label, message=problem)
    scale = _scale(reference)
    if _gap(term, reference) <= _RELATIVE * scale:
        return None
    if _scale(term) <= 1e-12:
        return tr(
            "{case}: your term is zero everywhere: was the support gradient detached "
            "(no create_graph=True), or v multiplied by something that does not depend on φ?",
            case=label,
        )
    for sentence, wrong in _mistakes(model, phi, task, alpha):
        if _gap(term, wrong) <= _RELATIVE * max(_scale(wrong), 1e-12):
            return tr("{case}: {message}", case=label, message=sentence)
    flat_ref = torch.cat([reference[n].reshape(-1) for n in phi]).double()
    flat = torch.cat([term[n].detach().reshape(-1) for n in phi]).double()
    cosine = (flat @ flat_ref / (flat.norm() * flat_ref.norm())).item()
    ratio = (flat.norm() / flat_ref.norm()).item()
    if cosine > 0.999:
        return tr(
            "{case}: your term points the right way but is {ratio:.3g} times as long: "
            "check the factors (α once, the mean squared error, no extra 2 or 1/K).",
            case=label,
            ratio=ratio,
        )
    return tr(
        "{case}: your term differs from −α·∇²l_s(φ)·∇_θ l_q(θ) by up to "
        "{gap:.2e} (largest entry {scale:.2e}; cosine {cosine:+.2f}). Check "
        "which loss each gradient belongs to and where it is taken: the support loss at φ for "
        "the Hessian, the query loss at θ for v.",
        case=label,
        gap=_gap(term, reference),
        scale=scale,
        cosine=cosine,
    )


SECOND_ORDER_TERM = CodingExercise(
    library=(second_order_term, first_order_terms, meta_loss, meta_loss_loop),
    arg_names=(None, "params", "task", None),
    cases=_cases,
    observe=_observe,
    reference=_reference,
    judge=_judge,
    time_limit=20.0,
    changed_input=lambda name: (
        tr("params was changed in place: leave φ as it is, build new tensors.")
        if name == "params"
        else tr(
            "your function changed its input `{name}` in place; build new tensors instead.",
            name=name,
        )
    ),
    success="",  # set by check_second_order_term, in the reader's language
)


@safe_checker
def check_second_order_term(fn: Callable) -> bool:
    """Check a student's ``my_second_order_term(model, params, task, inner_lr)``; print feedback."""
    SECOND_ORDER_TERM.success = tr(
        "your second-order term is right on both models: MAML's meta-gradient is FOMAML's "
        "∇_θ l_q(θ) plus your −α·∇²l_s(φ)·∇_θ l_q(θ)."
    )
    return SECOND_ORDER_TERM.check(fn)
