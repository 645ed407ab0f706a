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
    Report,
    StudentError,
    call,
    check_choice,
    check_number,
    library_answer,
    safe_checker,
)
from course_lib.ppo import clipped_surrogate_loss, ppo_loss

__all__ = ["check_clipped_surrogate", "check_clipped_value", "check_flat_gradient"]

_EPS = 0.2

# (name, ratio r, advantage A): r inside [1 − ε, 1 + ε], above it, below it, for both signs.
_POINT_CASES = [
    ("A > 0, r inside the clip range", 1.1, 2.0),
    ("A > 0, r above 1 + ε", 1.5, 2.0),
    ("A > 0, r below 1 − ε", 0.5, 2.0),
    ("A < 0, r inside the clip range", 0.9, -2.0),
    ("A < 0, r below 1 − ε", 0.5, -2.0),
    ("A < 0, r above 1 + ε", 1.5, -2.0),
]

Case = tuple[str, torch.Tensor, torch.Tensor, torch.Tensor, float]


def _cases() -> list[Case]:
    cases: list[Case] = [
        (name, torch.tensor([math.log(r) - 1.0]), torch.tensor([-1.0]), torch.tensor([a]), _EPS)
        for name, r, a in _POINT_CASES
    ]
    g = torch.Generator().manual_seed(0)
    old = -torch.rand(64, generator=g) * 2
    new = old + 0.4 * torch.randn(64, generator=g)
    adv = torch.randn(64, generator=g)
    cases.append(("a random batch of 64 (both signs)", new, old, adv, _EPS))
    cases.append(("the same batch with ε = 0.1", new, old, adv, 0.1))
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


_HINTS = {
    "sign": "the sign: this is a loss to *minimise*. Return the negative of the clipped "
    "objective, -(torch.min(...)).mean().",
    "max": "you took the max of the two terms: PPO takes the *min*, the pessimistic bound, so "
    "moving r further than ε never looks better than it is.",
    "no_min_clipped": "you forgot the min: take torch.min(r * A, torch.clamp(r, 1 - ε, 1 + ε) "
    "* A), not the clipped term alone (alone, a step that made a good action *less* likely "
    "would not be pulled back).",
    "no_min_unclipped": "you forgot the clip and the min: that is the plain importance-sampling "
    "surrogate r·A, which rewards moving r without limit.",
    "sum": "use the mean over samples, not the sum: .mean() keeps the loss scale independent "
    "of the batch size.",
    "eps_range": "the clip range: clip the ratio to [1 − ε, 1 + ε] (around 1), not to [−ε, ε].",
    "eps_range2": "the clip range: clip the ratio to [1 − ε, 1 + ε], not [1 − 2ε, 1 + 2ε].",
    "inverted_ratio": "the ratio is upside down: r = π_new / π_old = exp(logprob − old_logprob).",
    "ratio_no_exp": "the ratio is r = exp(logprob − old_logprob): the inputs are "
    "log-probabilities, so their difference is log r.",
    "clip_product": "clip the *ratio* r, then multiply by A: torch.clamp(r, 1 − ε, 1 + ε) * A, "
    "not torch.clamp(r * A, …).",
}


def _value(fn: Callable, case: Case, requires_grad: bool = False):
    """The student's loss on one case, checked to be a scalar tensor; (loss, logprob leaf)."""
    name, new, old, adv, eps = case
    leaf = new.clone().requires_grad_(requires_grad)
    try:
        out = call(fn, leaf, old.clone(), adv.clone(), eps)
    except StudentError as error:
        if str(error).startswith("not implemented yet"):
            raise
        raise StudentError(f"{name}: {error}") from None
    if not isinstance(out, torch.Tensor):
        hint = " (.item() and float() cut the gradient)" if isinstance(out, float) else ""
        raise StudentError(
            f"{name}: your function returned {type(out).__name__}; return a torch scalar "
            f"tensor, e.g. loss = -(...).mean(){hint}."
        )
    if out.numel() != 1:
        raise StudentError(
            f"{name}: your function returned a tensor of shape {tuple(out.shape)}; reduce it "
            "to one number with .mean()."
        )
    return out, leaf


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


def _diagnose(got: list[float], cases: list[Case]) -> str | None:
    """The mistake whose values match the student's on every case, if one does."""
    per_case = [_mistakes(new, old, adv, eps) for _, new, old, adv, eps in cases]
    for key in _HINTS:
        if all(_close(g, float(m[key])) for g, m in zip(got, per_case)):
            return _HINTS[key]
    return None


@safe_checker
def check_clipped_surrogate(
    fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, float], torch.Tensor],
) -> bool:
    """Check a student's ``fn(logprob, old_logprob, advantages, clip_coef)``; print feedback."""
    report = Report()
    if (message := library_answer(fn, clipped_surrogate_loss, ppo_loss)) is not None:
        return report.fail(message)
    cases = _cases()
    got = []
    try:
        for case in cases:
            got.append(float(_value(fn, case)[0].detach()))
    except StudentError as error:
        return report.fail(str(error))
    expected = [
        float(clipped_surrogate_loss(new, old, adv, eps)) for _, new, old, adv, eps in cases
    ]
    wrong = [i for i, (g, e) in enumerate(zip(got, expected)) if not _close(g, e)]
    if wrong:
        first = wrong[0]
        hint = _diagnose(got, cases) or (
            "compute r = exp(logprob − old_logprob), then −mean(min(r·A, clip(r, 1−ε, 1+ε)·A))."
        )
        return report.fail(
            f"{cases[first][0]}: expected {expected[first]:.4f}, got {got[first]:.4f} "
            f"({len(cases) - len(wrong)} of {len(cases)} cases right).",
            hint=hint,
        )
    report.ok(
        f"all {len(cases)} values match (both advantage signs, inside and beyond the clip range)."
    )

    # The gradient must flow through logprob (no .item(), .detach() or numpy in between).
    case = cases[-2]
    try:
        out, leaf = _value(fn, case, requires_grad=True)
        if not out.requires_grad:
            return report.fail(
                "the loss carries no gradient to logprob: keep everything in torch (no .item(), "
                ".detach(), torch.tensor(...) of a result, or numpy in between)."
            )
        call(out.backward)
    except StudentError as error:
        return report.fail(f"computing the gradient: {error}")
    reference = case[1].clone().requires_grad_(True)
    clipped_surrogate_loss(reference, case[2], case[3], case[4]).backward()
    if leaf.grad is None or not torch.allclose(leaf.grad, reference.grad, atol=1e-6):
        return report.fail(
            "the values are right but the gradient is not: compute r with torch.exp of the "
            "log-probability difference so that autograd sees every step."
        )
    return report.ok("the gradient matches too: your clipped surrogate is correct.")


def check_clipped_value(answer: object) -> bool:
    """Question: min(r·A, clip(r, 0.8, 1.2)·A) for r = 1.5, A = 2."""
    return check_number(
        answer,
        2.4,
        1e-6,
        hints=[
            (3.0, "that is r·A, the unclipped term; the min picks the smaller, clipped one."),
            (-2.4, "that is the *loss* (the negative); the question asks for the objective."),
            (1.2, "that is the clipped ratio; multiply it by the advantage A = 2."),
            (1.6, "the clip range is [1 − ε, 1 + ε] = [0.8, 1.2]: clip(1.5) = 1.2, not 1.6."),
            (0.8, "1.5 lies above the range, so it is clipped to the upper edge 1 + ε."),
        ],
        why="clip(1.5, 0.8, 1.2) = 1.2, so the terms are 1.5·2 = 3 and 1.2·2 = 2.4; the min is 2.4.",
    )


def check_flat_gradient(answer: object) -> bool:
    """Question: A < 0 and r = 0.5 (ε = 0.2): what does L^CLIP's gradient do for this sample?"""
    return check_choice(
        answer,
        "a",
        {
            "b": "with A < 0, 0.5·A is *larger* than 0.8·A (e.g. −1 vs −1.6 for A = −2): the "
            "min picks the clipped term 0.8·A, whose derivative in r is 0.",
            "c": "pulling r back up would make a bad action more likely again; and here the "
            "clipped term is active, so there is no gradient at all.",
            "d": "the learning rate scales a gradient but cannot turn a zero gradient into a "
            "non-zero one, and the zero comes from the clip, not from the step size.",
        },
        why="the bad action's probability already fell below 1 − ε times the old one; the "
        "clipped term 0.8·A is the smaller, so the sample stops pushing (a flat objective).",
    )
