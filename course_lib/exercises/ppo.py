"""Chapter 3 exercises: PPO's clipped objective.

* :func:`check_clipped_value` (easy, a number): one sample's clipped objective by hand.
* :func:`check_clipped_surrogate` (coding): ``fn(logprob, old_logprob, advantages,
  clip_coef) -> scalar loss``, compared with :func:`course_lib.ppo.clipped_surrogate_loss` on
  hand-picked cases (each advantage sign, the ratio inside the clip range and beyond each
  edge) and a random batch; the usual mistakes are recognised from the values the answer
  gives on *all* cases together, then its gradient is compared.
* :func:`check_flat_gradient` (think, a choice): which side of the clip range is flat.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from course_lib.exercises.harness import (
    Case,
    CodingExercise,
    Problem,
    StudentError,
    call,
    check_choice,
    check_number,
    describe,
    safe_checker,
)
from course_lib.i18n import tr
from course_lib.ppo import clipped_surrogate_loss, ppo_loss

__all__ = ["check_clipped_surrogate", "check_clipped_value", "check_flat_gradient"]

_EPS = 0.2


# (name, ratio r, advantage A): r inside [1 − ε, 1 + ε], above it, below it, for both signs.
def _point_cases() -> list[tuple[str, float, float]]:
    """(name, ratio r, advantage A), named in the reader's language."""
    return [
        (tr("A > 0, r inside the clip range"), 1.1, 2.0),
        (tr("A > 0, r above 1 + ε"), 1.5, 2.0),
        (tr("A > 0, r below 1 − ε"), 0.5, 2.0),
        (tr("A < 0, r inside the clip range"), 0.9, -2.0),
        (tr("A < 0, r below 1 − ε"), 0.5, -2.0),
        (tr("A < 0, r above 1 + ε"), 1.5, -2.0),
    ]


def _cases() -> list[Case]:
    """(logprob, old_logprob, advantages, clip_coef, with_grad): the gradient is checked on the
    random batch, where every sample's clip state differs."""
    cases = [
        Case(
            name,
            (
                torch.tensor([math.log(r) - 1.0]),
                torch.tensor([-1.0]),
                torch.tensor([a]),
                _EPS,
                False,
            ),
        )
        for name, r, a in _point_cases()
    ]
    g = torch.Generator().manual_seed(0)
    old = -torch.rand(64, generator=g) * 2
    new = old + 0.4 * torch.randn(64, generator=g)
    adv = torch.randn(64, generator=g)
    cases.append(Case(tr("a random batch of 64 (both signs)"), (new, old, adv, _EPS, True)))
    cases.append(Case(tr("the same batch with ε = 0.1"), (new, old, adv, 0.1, False)))
    return cases


def _mistakes(new: torch.Tensor, old: torch.Tensor, adv: torch.Tensor, eps: float) -> dict:
    """What each common mistake returns on this input."""
    r = torch.exp(new - old)
    clip = torch.clamp(r, 1 - eps, 1 + eps)
    log_ratio = new - old
    pessimistic = torch.min(r * adv, clip * adv)
    return {
        "sign": pessimistic.mean(),
        "max": -torch.max(r * adv, clip * adv).mean(),
        "no_min_clipped": -(clip * adv).mean(),
        "no_min_unclipped": -(r * adv).mean(),
        "sum": -pessimistic.sum(),
        "eps_range": -torch.min(r * adv, torch.clamp(r, -eps, eps) * adv).mean(),
        "eps_range2": -torch.min(r * adv, torch.clamp(r, 1 - 2 * eps, 1 + 2 * eps) * adv).mean(),
        "inverted_ratio": -torch.min(adv / r, torch.clamp(1 / r, 1 - eps, 1 + eps) * adv).mean(),
        "ratio_no_exp": -torch.min(
            log_ratio * adv, torch.clamp(log_ratio, 1 - eps, 1 + eps) * adv
        ).mean(),
        "clip_product": -torch.min(r * adv, torch.clamp(r * adv, 1 - eps, 1 + eps)).mean(),
    }


def _hints() -> dict[str, str]:
    """What each common mistake means, in the reader's language (built when a check runs)."""
    return {
        "sign": tr(
            "the sign: this is a loss to *minimise*. Return the negative of the clipped "
            "objective, -(torch.min(...)).mean()."
        ),
        "max": tr(
            "you took the max of the two terms: PPO takes the *min*, the pessimistic bound, so "
            "moving r further than ε never looks better than it is."
        ),
        "no_min_clipped": tr(
            "you forgot the min: take torch.min(r * A, torch.clamp(r, 1 - ε, 1 + ε) "
            "* A), not the clipped term alone (alone, a step that made a good action *less* likely "
            "would not be pulled back)."
        ),
        "no_min_unclipped": tr(
            "you forgot the clip and the min: that is the plain importance-sampling "
            "surrogate r·A, which rewards moving r without limit."
        ),
        "sum": tr(
            "use the mean over samples, not the sum: .mean() keeps the loss scale independent "
            "of the batch size."
        ),
        "eps_range": tr(
            "the clip range: clip the ratio to [1 − ε, 1 + ε] (around 1), not to [−ε, ε]."
        ),
        "eps_range2": tr("the clip range: clip the ratio to [1 − ε, 1 + ε], not [1 − 2ε, 1 + 2ε]."),
        "inverted_ratio": tr(
            "the ratio is upside down: r = π_new / π_old = exp(logprob − old_logprob)."
        ),
        "ratio_no_exp": tr(
            "the ratio is r = exp(logprob − old_logprob): the inputs are "
            "log-probabilities, so their difference is log r."
        ),
        "clip_product": tr(
            "clip the *ratio* r, then multiply by A: torch.clamp(r, 1 − ε, 1 + ε) * A, "
            "not torch.clamp(r * A, …)."
        ),
    }


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


def _diagnose(got: list[float], points: list[tuple]) -> str | None:
    """The mistake whose values match the student's on every case, if one does."""
    per_case = [_mistakes(new, old, adv, eps) for new, old, adv, eps in points]
    for key, hint in _hints().items():
        if all(_close(g, float(m[key])) for g, m in zip(got, per_case)):
            return hint
    return None


def _observe(fn: Callable, new, old, adv, eps: float, with_grad: bool) -> dict:
    """Runs with the answer: its loss on the inputs as given and, on the gradient case, the
    gradient it sends back to a fresh ``logprob`` leaf (or the feedback on why it cannot)."""
    seen = {"loss": fn(new, old, adv, eps)}
    if with_grad:
        leaf = new.detach().clone().requires_grad_(True)
        try:
            out = call(fn, leaf, old, adv, eps)
        except StudentError as error:
            seen["grad_error"] = str(error)
            seen["forward"] = True
            return seen
        seen["carries_grad"] = isinstance(out, torch.Tensor) and out.requires_grad
        if seen["carries_grad"] and out.numel() == 1:
            try:
                call(out.backward)
            except StudentError as error:
                seen["grad_error"] = str(error)
                return seen
            seen["grad"] = leaf.grad
    return seen


def _reference(case: Case) -> tuple[float, torch.Tensor | None]:
    new, old, adv, eps, with_grad = case.args
    leaf = new.clone().requires_grad_(with_grad)
    loss = clipped_surrogate_loss(leaf, old, adv, eps)
    if with_grad:
        loss.backward()
    return float(loss.detach()), leaf.grad


def _judge(case: Case, seen: dict, expected: tuple) -> str | None:
    out = seen["loss"]
    if not isinstance(out, torch.Tensor):
        cut = tr(" (.item() and float() cut the gradient)") if type(out) is float else ""
        if type(out).__module__ == "numpy":
            cut = tr(" (numpy cuts the gradient: stay in torch)")
        return tr(
            "{case}: your function returned {got}; return a torch scalar "
            "tensor, e.g. loss = -(...).mean(){cut}.",
            case=case.label,
            got=describe(out),
            cut=cut,
        )
    if out.numel() != 1:
        return tr(
            "{case}: your function returned a tensor of shape {shape}; reduce "
            "it to one number with .mean().",
            case=case.label,
            shape=tuple(out.shape),
        )
    if not out.is_floating_point():
        return tr(
            "{case}: your function returned a {dtype} tensor; a loss is a float.",
            case=case.label,
            dtype=out.dtype,
        )
    return None


def _values(cases: list[Case], seen: list[dict], expected: list) -> Problem | None:
    """The loss values on every case; a wrong one is diagnosed from all of them together."""
    got = [float(s["loss"].detach()) for s in seen]
    want = [value for value, _ in expected]
    wrong = [i for i, (g, e) in enumerate(zip(got, want)) if not _close(g, e)]
    if wrong:
        first = wrong[0]
        points = [case.args[:4] for case in cases]
        hint = _diagnose(got, points) or (
            tr("compute r = exp(logprob − old_logprob), then −mean(min(r·A, clip(r, 1−ε, 1+ε)·A)).")
        )
        return Problem(
            tr(
                "{case}: expected {want:.4f}, got {got:.4f} ({right} of {total} cases right).",
                case=cases[first].label,
                want=want[first],
                got=got[first],
                right=len(cases) - len(wrong),
                total=len(cases),
            ),
            hint=hint,
        )
    return None


def _gradient(cases: list[Case], seen: list[dict], expected: list) -> str | None:
    """The gradient must flow through logprob (no .item(), .detach() or numpy in between)."""
    i = next(i for i, case in enumerate(cases) if case.args[4])
    grad_case, reference = seen[i], expected[i][1]
    if "grad_error" in grad_case:
        where = f"{cases[i].label}: " if grad_case.get("forward") else ""
        return tr(
            "computing the gradient: {where}{error}", where=where, error=grad_case["grad_error"]
        )
    if not grad_case["carries_grad"]:
        return tr(
            "the loss carries no gradient to logprob: keep everything in torch (no .item(), "
            ".detach(), torch.tensor(...) of a result, or numpy in between)."
        )
    grad = grad_case.get("grad")
    if (
        not isinstance(grad, torch.Tensor)
        or grad.shape != reference.shape
        or not torch.allclose(grad.float(), reference, atol=1e-6)
    ):
        return tr(
            "the values are right but the gradient is not: compute r with torch.exp of the "
            "log-probability difference so that autograd sees every step."
        )
    return None


CLIPPED_SURROGATE = CodingExercise(
    library=(clipped_surrogate_loss, ppo_loss),
    arg_names=("logprob", "old_logprob", "advantages", None, None),
    cases=_cases,
    observe=_observe,
    reference=_reference,
    judge=_judge,
    # The ok line and the success line are set by check_clipped_surrogate, in the reader's language.
    across_cases=[(_values, ""), (_gradient, None)],
    success="",
)


@safe_checker
def check_clipped_surrogate(
    fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, float], torch.Tensor],
) -> bool:
    """Check a student's ``fn(logprob, old_logprob, advantages, clip_coef)``; print feedback."""
    values_ok = tr(
        "all {n} values match (both advantage signs, inside and beyond the clip range).",
        n=len(_point_cases()) + 2,
    )
    CLIPPED_SURROGATE.across_cases = [(_values, values_ok), (_gradient, None)]
    CLIPPED_SURROGATE.success = tr("the gradient matches too: your clipped surrogate is correct.")
    return CLIPPED_SURROGATE.check(fn)


@safe_checker
def check_clipped_value(answer: object) -> bool:
    """Question: min(r·A, clip(r, 0.8, 1.2)·A) for r = 1.5, A = 2."""
    return check_number(
        answer,
        2.4,
        1e-6,
        hints=[
            (3.0, tr("that is r·A, the unclipped term; the min picks the smaller, clipped one.")),
            (-2.4, tr("that is the *loss* (the negative); the question asks for the objective.")),
            (1.2, tr("that is the clipped ratio; multiply it by the advantage A = 2.")),
            (1.6, tr("the clip range is [1 − ε, 1 + ε] = [0.8, 1.2]: clip(1.5) = 1.2, not 1.6.")),
            (0.8, tr("1.5 lies above the range, so it is clipped to the upper edge 1 + ε.")),
            (
                -3.0,
                tr(
                    "that is the unclipped term's loss; the objective is min(r·A, clip(r)·A), positive here."
                ),
            ),
            (
                1.5,
                tr(
                    "that is the ratio r itself; multiply the clipped ratio by the advantage A = 2."
                ),
            ),
        ],
        why=tr(
            "clip(1.5, 0.8, 1.2) = 1.2, so the terms are 1.5·2 = 3 and 1.2·2 = 2.4; the min is 2.4."
        ),
    )


@safe_checker
def check_flat_gradient(answer: object) -> bool:
    """Question: A < 0 and r = 0.5 (ε = 0.2): what does L^CLIP's gradient do for this sample?"""
    return check_choice(
        answer,
        "a",
        {
            "b": tr(
                "with A < 0, 0.5·A is *larger* than 0.8·A (e.g. −1 vs −1.6 for A = −2): the "
                "min picks the clipped term 0.8·A, whose derivative in r is 0."
            ),
            "c": tr(
                "pulling r back up would make a bad action more likely again; and here the "
                "clipped term is active, so there is no gradient at all."
            ),
            "d": tr(
                "the learning rate scales a gradient but cannot turn a zero gradient into a "
                "non-zero one, and the zero comes from the clip, not from the step size."
            ),
        },
        why=tr(
            "the bad action's probability already fell below 1 − ε times the old one; the "
            "clipped term 0.8·A is the smaller, so the sample stops pushing (a flat objective)."
        ),
    )
