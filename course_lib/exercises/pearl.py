"""Chapter 9 exercises: the product-of-Gaussians posterior (coding), and three questions on PEARL.

* :func:`check_product_of_gaussians`: write q(z | c) ∝ N(0, I) · Π_n N(μ_n, σ_n²).
* :func:`check_posterior_variance`: one number, by hand (a variance after three factors).
* :func:`check_encoder_gradient`: where the encoder learns from (multiple choice).
* :func:`check_efficiency_prediction`: predict, then run: which family needs the fewest
  meta-training samples on the sparse task.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from numbers import Real

import torch
from torch import Tensor

from course_lib.exercises.harness import (
    CannotJudge,
    Case,
    CodingExercise,
    Problem,
    StudentError,
    check_choice,
    check_number,
    safe_checker,
)
from course_lib.i18n import listing, tr
from course_lib.pearl import encoder
from course_lib.pearl.encoder import ContextEncoder, product_of_gaussians

__all__ = [
    "check_product_of_gaussians",
    "check_posterior_variance",
    "check_encoder_gradient",
    "check_efficiency_prediction",
]


def _case(seed: int, n: int, d: int) -> tuple[Tensor, Tensor]:
    gen = torch.Generator().manual_seed(seed)
    means = torch.randn(n, d, generator=gen, dtype=torch.float64) * 2
    variances = torch.rand(n, d, generator=gen, dtype=torch.float64) * 1.5 + 0.2
    return means, variances


def _close(a: Tensor, b: Tensor) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=1e-6, atol=1e-8))


def _variance_hint(got: Tensor, means: Tensor, variances: Tensor) -> str:
    precision = 1.0 / variances
    candidates = {
        tr(
            "you added the variances; a product of Gaussians adds the *precisions* 1/σ² (and the "
            "variance is one over their sum)"
        ): [variances.sum(0), 1.0 + variances.sum(0)],
        tr("the prior factor N(0, 1) is missing: it adds precision 1, so 1/σ² = 1 + Σ_n 1/σ_n²"): [
            1.0 / precision.sum(0)
        ],
        tr("you returned the precision 1/σ²; return the variance, one over it"): [
            1.0 + precision.sum(0)
        ],
        tr("you returned the standard deviation; return the variance σ²"): [
            (1.0 / (1.0 + precision.sum(0))).sqrt()
        ],
        tr("you averaged the variances; precisions add, so every factor narrows the posterior"): [
            variances.mean(0)
        ],
    }
    for hint, values in candidates.items():
        if any(_close(got, v) for v in values):
            return hint
    return tr(
        "the variance must be 1 / (1 + Σ_n 1/σ_n²): the prior's precision 1 plus each factor's"
    )


def _mean_hint(got: Tensor, means: Tensor, variances: Tensor) -> str:
    precision = 1.0 / variances
    weighted = (precision * means).sum(0)
    candidates = {
        tr(
            "the prior is missing from the mean: its precision 1 belongs in the denominator, "
            "μ = Σ_n (μ_n/σ_n²) / (1 + Σ_n 1/σ_n²) (its mean 0 adds nothing to the numerator)"
        ): [weighted / precision.sum(0)],
        tr(
            "you averaged the means; weight each μ_n by its precision 1/σ_n², so sure factors count "
            "more"
        ): [means.mean(0), means.sum(0) / (len(means) + 1)],
        tr("you weighted the means by their variances; weight them by their precisions 1/σ_n²"): [
            (variances * means).sum(0) / (1.0 + variances.sum(0)),
            (variances * means).sum(0) / variances.sum(0),
        ],
        tr("you forgot to divide by the total precision: μ = σ² · Σ_n μ_n/σ_n²"): [weighted],
    }
    for hint, values in candidates.items():
        if any(_close(got, v) for v in values):
            return hint
    return tr(
        "the mean must be σ² · Σ_n μ_n/σ_n² (precision-weighted, the prior's mean 0 included)"
    )


def _as_pair(out: object, d: int) -> tuple[Tensor, Tensor]:
    if not (isinstance(out, tuple | list) and len(out) == 2):
        raise StudentError(
            tr(
                "return a pair (mean, variance), each a tensor of shape [{d}]; got {kind}",
                d=d,
                kind=type(out).__name__,
            )
        )
    mean, variance = out
    for name, value in ((tr("the mean"), mean), (tr("the variance"), variance)):
        if not isinstance(value, Tensor):
            raise StudentError(
                tr(
                    "{name} must be a torch tensor, got {kind}",
                    name=name,
                    kind=type(value).__name__,
                )
            )
        if value.shape != (d,):
            hint = (
                tr(" (you reduced over the latent dimensions: sum over the transitions, dim 0)")
                if value.dim() == 1
                else ""
            )
            raise StudentError(
                tr(
                    "{name} must have shape [{d}] (one per latent dimension), got {shape}{hint}",
                    name=name,
                    d=d,
                    shape=list(value.shape),
                    hint=hint,
                )
            )
    return mean.detach().to(torch.float64).clone(), variance.detach().to(torch.float64).clone()


def _where(n: int, d: int) -> str:
    """The case's name, "on 4 factors in 3 dimensions", as whole phrases (no plural suffixes)."""
    if n > 1 and d > 1:
        return tr("on {n} factors in {d} dimensions", n=n, d=d)
    if n > 1:
        return tr("on {n} factors in {d} dimension", n=n, d=d)
    if d > 1:
        return tr("on {n} factor in {d} dimensions", n=n, d=d)
    return tr("on {n} factor in {d} dimension", n=n, d=d)


def _cases() -> list[Case]:
    """Three posteriors: several factors in several dimensions, one factor, one dimension."""
    cases = []
    for seed, (n, d) in enumerate([(4, 3), (1, 2), (6, 1)]):
        means, variances = _case(seed, n, d)
        cases.append(Case(_where(n, d), (means, variances)))
    return cases


def _observe(fn: Callable, means: Tensor, variances: Tensor) -> tuple[Tensor, Tensor]:
    """Runs with the answer (in the sandbox's child): its output as a checked (mean, variance)."""
    return _as_pair(fn(means, variances), means.shape[1])


def _judge(case: Case, got: tuple[Tensor, Tensor], want: tuple[Tensor, Tensor]) -> Problem | None:
    """The variance first (the mean's formula uses it), each wrong one with its likely mistake."""
    means, variances = case.args
    if not _close(got[1], want[1]):
        return Problem(tr("the variance is wrong"), _variance_hint(got[1], means, variances))
    if not _close(got[0], want[0]):
        return Problem(tr("the mean is wrong"), _mean_hint(got[0], means, variances))
    return None


PRODUCT_OF_GAUSSIANS = CodingExercise(
    library=(product_of_gaussians, encoder._product, ContextEncoder.forward),
    arg_names=("means", "variances"),
    cases=_cases,
    observe=_observe,
    reference=lambda case: product_of_gaussians(*case.args),
    judge=_judge,
    success="",  # set by check_product_of_gaussians, in the reader's language
)


@safe_checker
def check_product_of_gaussians(fn: Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]) -> bool:
    """Check ``fn(means [N, d], variances [N, d]) -> (mean [d], variance [d])``: the posterior
    N(0, I) · Π_n N(means_n, variances_n), per latent dimension."""
    PRODUCT_OF_GAUSSIANS.success = tr(
        "mean and variance match the posterior on three cases: precisions add (the prior's 1 "
        "included) and the mean is precision-weighted."
    )
    return PRODUCT_OF_GAUSSIANS.check(fn)


@safe_checker
def check_posterior_variance(answer: object) -> bool:
    """The encoder gives the same factor N(μ, σ² = 0.5) for each of 3 transitions; the prior is
    N(0, 1). What is the posterior variance of that dimension?"""
    return check_number(
        answer,
        1 / 7,
        0.002,
        hints=[
            (1 / 6, tr("that leaves out the prior: it adds precision 1, so 1/σ² = 1 + 3 × 2 = 7")),
            (1.5, tr("that adds the variances; a product adds precisions (1/0.5 = 2 each)")),
            (2.5, tr("that adds the variances and the prior's; precisions add, not variances")),
            (7, tr("that is the precision 1 + 3 × 2; the variance is one over it")),
            (0.5, tr("the product of several factors is narrower than any one of them")),
            (1 / 3, tr("that counts one factor; all three multiply in: 1 + 2 + 2 + 2")),
            (1 / 5, tr("that counts two factors; all three multiply in: 1 + 2 + 2 + 2")),
        ],
        why=tr(
            "precisions add: 1 (the prior) + 3 × 1/0.5 = 7, so σ² = 1/7 ≈ 0.143; each transition "
            "narrows the belief, whatever its order."
        ),
    )


@safe_checker
def check_encoder_gradient(answer: object) -> bool:
    """Where does PEARL's encoder get its training signal? (a) the actor's loss; (b) the
    critics' Bellman error plus the KL term to the prior; (c) a loss that reconstructs the
    rewards of the context; (d) nowhere: it is fixed."""
    return check_choice(
        answer,
        "b",
        {
            "a": tr(
                "the actor sees z with its gradient stopped (z.detach()): the paper trains the "
                "encoder through the critic, whose Bellman error says directly whether z "
                "identifies the task."
            ),
            "c": tr(
                "that is another design (VariBAD decodes rewards and transitions); PEARL's "
                "encoder has no decoder, it learns from the critic's loss and the KL term."
            ),
            "d": tr("the encoder is trained with everything else, in every gradient step."),
        },
        why=tr(
            "the critics read z, so their Bellman error's gradient flows into the encoder; the "
            "KL term pulls q(z|c) toward the prior (the information bottleneck)."
        ),
    )


#: The families Chapter 9 compares, as ``sample_efficiency(...)["steps"]`` names them.
FAMILIES = ("RL²", "MAML-RL", "PEARL")


def check_efficiency_prediction(answer: object, steps: Mapping[str, float]) -> bool:
    """Predict, then run: on the sparse point robot, which family reaches the target return with
    the fewest environment steps of meta-training, ``"RL²"``, ``"MAML-RL"`` or ``"PEARL"``?
    ``steps`` holds this run's steps to the target (inf where a family never reached it; empty
    when the run set no target, which the checker reports as a question it cannot judge yet).

    ``steps`` is the chapter's measurement, not the reader's answer: a broken one is the chapter's
    bug and raises here (``TypeError``/``ValueError``), before any feedback is printed.
    """
    return _judge_efficiency(answer, _check_steps(steps))


def _check_steps(steps: object) -> dict[str, float]:
    if not isinstance(steps, Mapping):
        raise TypeError(
            f"steps must be a mapping family -> environment steps (sample_efficiency(...)"
            f"['steps']), got {type(steps).__name__}"
        )
    if steps and set(steps) != set(FAMILIES):
        raise ValueError(
            f"steps must have the keys {list(FAMILIES)} (or none: no target this run), got "
            f"{sorted(map(str, steps))}"
        )
    for name, value in steps.items():
        if isinstance(value, bool) or not isinstance(value, Real):
            raise TypeError(f"steps[{name!r}] must be a number of steps, got {value!r}")
        if math.isnan(value) or value < 0:
            raise ValueError(f"steps[{name!r}] must be >= 0 (inf: never reached), got {value!r}")
    return {name: float(value) for name, value in steps.items()}


@safe_checker
def _judge_efficiency(answer: object, steps: dict[str, float]) -> bool:
    if not steps:
        raise CannotJudge(
            tr(
                "no family reached a common target return in this run (steps got {steps})",
                steps=steps,
            )
        )
    names = FAMILIES
    correct = min(names, key=lambda n: steps[n])
    shown = {n: (tr("never") if steps[n] == float("inf") else f"{steps[n]:,.0f}") for n in names}
    summary = listing(f"{n} {shown[n]}" for n in names)
    reasons = {
        "RL²": tr(
            "RL² learns on-policy: every PPO iteration plays fresh trials and throws them away "
            "after one update (this run's steps to the target: {summary}).",
            summary=summary,
        ),
        "MAML-RL": tr(
            "MAML-RL needs on-policy episodes for every inner and outer step, and with "
            "sparse rewards its episodes rarely see any reward at all ({summary}).",
            summary=summary,
        ),
        "PEARL": tr("not in this run ({summary}).", summary=summary),
    }
    return check_choice(
        answer,
        correct,
        {n: reasons[n] for n in names if n != correct},
        why=tr(
            "this run's environment steps to the target: {summary}. Off-policy learning reuses "
            "every transition in many gradient steps.",
            summary=summary,
        ),
    )
