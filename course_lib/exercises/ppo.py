"""Chapter 3 exercise: write PPO's clipped surrogate loss.

The student writes ``fn(logp_new, logp_old, advantages, clip_coef) -> scalar tensor``. The
checker runs it on hand-picked cases (each advantage sign, with the ratio inside the clip
range and beyond each edge) and on a random batch, compares with
:func:`course_lib.ppo.clipped_surrogate_loss`, and recognises the usual mistakes.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from course_lib.ppo import clipped_surrogate_loss

__all__ = ["check_clipped_surrogate"]

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


def _call(
    fn: Callable, logp_new: torch.Tensor, logp_old: torch.Tensor, adv: torch.Tensor, eps: float
) -> float:
    out = fn(logp_new.clone(), logp_old.clone(), adv.clone(), eps)
    if not isinstance(out, torch.Tensor):
        raise TypeError(
            f"your function returned {type(out).__name__}; return a torch scalar tensor (e.g. loss = -(...).mean())"
        )
    if out.numel() != 1:
        raise TypeError(
            f"your function returned a tensor of shape {tuple(out.shape)}; reduce it to one number with .mean()"
        )
    return float(out.detach())


def _variants(
    logp_new: torch.Tensor, logp_old: torch.Tensor, adv: torch.Tensor, eps: float
) -> dict[str, float]:
    """What the common mistakes would return on this input."""
    r = torch.exp(logp_new - logp_old)
    clipped = torch.clamp(r, 1 - eps, 1 + eps)
    return {
        "sign": float(torch.min(r * adv, clipped * adv).mean()),
        "no_min_unclipped": float(-(r * adv).mean()),
        "no_min_clipped": float(-(clipped * adv).mean()),
        "max": float(-torch.max(r * adv, clipped * adv).mean()),
        "sum": float(-torch.min(r * adv, clipped * adv).sum()),
        "eps_range": float(-torch.min(r * adv, torch.clamp(r, -eps, eps) * adv).mean()),
        "eps_range2": float(
            -torch.min(r * adv, torch.clamp(r, 1 - 2 * eps, 1 + 2 * eps) * adv).mean()
        ),
        "ratio_no_exp": float(
            -torch.min(
                (logp_new - logp_old) * adv,
                torch.clamp(logp_new - logp_old, 1 - eps, 1 + eps) * adv,
            ).mean()
        ),
    }


_HINTS = {
    "sign": "sign: this should be a loss to minimize. Return the *negative* of the clipped objective: -(min(...)).mean().",
    "no_min_unclipped": "you forgot the min (and the clip): PPO takes min(r·A, clip(r, 1−ε, 1+ε)·A), the pessimistic of the two.",
    "no_min_clipped": "you forgot the min: take torch.min(r * A, torch.clamp(r, 1 - eps, 1 + eps) * A), not the clipped term alone.",
    "max": "you took the max: PPO takes the *min* of the two terms, the pessimistic bound.",
    "sum": "use the mean over samples, not the sum: .mean() keeps the loss scale independent of the batch size.",
    "eps_range": "clip range uses ε wrong: clip the ratio to [1 − ε, 1 + ε] (around 1), not to [−ε, ε].",
    "eps_range2": "clip range uses ε wrong: clip the ratio to [1 − ε, 1 + ε].",
    "ratio_no_exp": "the ratio is r = exp(logp_new − logp_old): the inputs are log-probabilities.",
}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


def _diagnose(got: float, logp_new, logp_old, adv, eps) -> str | None:
    for key, value in _variants(logp_new, logp_old, adv, eps).items():
        if _close(got, value):
            return _HINTS[key]
    return None


def check_clipped_surrogate(
    fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, float], torch.Tensor],
) -> bool:
    """Check a student's ``fn(logp_new, logp_old, advantages, clip_coef)``; print feedback, return True if right."""
    if not callable(fn):
        raise TypeError(
            f"fn must be a function (logp_new, logp_old, advantages, clip_coef) -> loss, got {type(fn).__name__}"
        )
    cases: list[tuple[str, torch.Tensor, torch.Tensor, torch.Tensor, float]] = []
    for name, r, a in _POINT_CASES:
        cases.append(
            (name, torch.tensor([math.log(r) - 1.0]), torch.tensor([-1.0]), torch.tensor([a]), _EPS)
        )
    g = torch.Generator().manual_seed(0)
    logp_old = -torch.rand(64, generator=g) * 2
    cases.append(
        (
            "a random batch of 64 (both signs)",
            logp_old + 0.4 * torch.randn(64, generator=g),
            logp_old,
            torch.randn(64, generator=g),
            _EPS,
        )
    )
    cases.append(("the same batch with ε = 0.1", cases[-1][1], logp_old, cases[-1][3], 0.1))

    passed = 0
    for name, logp_new, logp_old_, adv, eps in cases:
        expected = float(clipped_surrogate_loss(logp_new, logp_old_, adv, eps))
        try:
            got = _call(fn, logp_new, logp_old_, adv, eps)
        except NotImplementedError:
            print("✗ not implemented yet: replace `raise NotImplementedError` with your loss.")
            return False
        except Exception as err:  # show the student's own error, briefly
            print(f"✗ {name}: your function raised {type(err).__name__}: {err}")
            return False
        if _close(got, expected):
            print(f"✓ {name}")
            passed += 1
            continue
        hint = _diagnose(got, logp_new, logp_old_, adv, eps)
        print(f"✗ {name}: expected {expected:.4f}, got {got:.4f}.")
        print(
            f"  Hint: {hint}"
            if hint
            else "  Hint: compute r = exp(logp_new − logp_old), then −mean(min(r·A, clip(r, 1−ε, 1+ε)·A))."
        )
        return False

    # The gradient must flow through logp_new (no .item(), .detach() or numpy in between).
    name, logp_new, logp_old_, adv, eps = cases[-2]
    leaf = logp_new.clone().requires_grad_(True)
    out = fn(leaf, logp_old_.clone(), adv.clone(), eps)
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        print(
            "✗ the loss carries no gradient to logp_new: keep everything in torch (no .item(), .detach() or numpy)."
        )
        return False
    out.backward()
    ref_leaf = logp_new.clone().requires_grad_(True)
    clipped_surrogate_loss(ref_leaf, logp_old_, adv, eps).backward()
    if leaf.grad is None or not torch.allclose(leaf.grad, ref_leaf.grad, atol=1e-6):
        print(
            "✗ the values are right but the gradient is not: compute r with torch.exp so autograd sees it."
        )
        return False
    print(
        f"✓ gradient matches the reference. All {passed} cases pass: your clipped surrogate is correct."
    )
    return True
