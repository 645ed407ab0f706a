"""Chapter 8 exercises: the DiCE objective (coding), and three questions on MAML-RL vs RL².

* :func:`check_dice_objective`: write the surrogate whose derivatives of every order are the
  policy-gradient estimates MAML-RL's inner step needs.
* :func:`check_rl2_inner_loop`: what changes inside an RL² trial (multiple choice).
* :func:`check_episodes_needed`: how much data MAML-RL's adaptation consumes (a number).
* :func:`check_ood_prediction`: predict, then run: who adapts better outside the training square.
"""

from __future__ import annotations

import math
from collections.abc import Callable

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
    describe,
    safe_checker,
    uses_numpy,
)
from course_lib.i18n import tr
from course_lib.maml_rl.dice import dice_surrogate, reinforce_surrogate
from course_lib.maml_rl.train import policy_gradient_loss
from course_lib.stats import Interval, sign
from course_lib.validation import check_int

__all__ = [
    "check_dice_objective",
    "check_rl2_inner_loop",
    "check_episodes_needed",
    "check_ood_prediction",
]

_GAMMA = 0.9


def _case(seed: int = 0) -> tuple[Tensor, Tensor, Callable[[Tensor], Tensor]]:
    """Parameters θ, rewards ``[T, N]`` and θ ↦ log-probabilities ``[T, N]`` (non-linear in θ,
    so second derivatives are not zero)."""
    gen = torch.Generator().manual_seed(seed)
    t, n, d = 4, 3, 2
    features = torch.randn(t, n, d, generator=gen, dtype=torch.float64)
    rewards = torch.randn(t, n, generator=gen, dtype=torch.float64)
    theta = torch.randn(d, generator=gen, dtype=torch.float64)

    def logprob(th: Tensor) -> Tensor:
        return -torch.nn.functional.softplus(features @ th)

    return theta, rewards, logprob


def _derivatives(fn: Callable, theta: Tensor, rewards: Tensor, logprob: Callable) -> dict:
    """Value, gradient and Hessian of ``fn(logprob(θ), rewards, γ)`` at θ (runs with the
    answer); ``connected`` is False when the value carries no gradient at all. It runs in the
    sandbox's forked child, which inherits the reader's language and the catalog the checker
    loaded before forking, so its feedback comes back translated."""
    th = theta.clone().requires_grad_()
    value = fn(logprob(th), rewards, _GAMMA)
    if not isinstance(value, Tensor):
        stay = (
            tr(" (numpy cuts the gradient: stay in torch)")
            if type(value).__module__ == "numpy"
            else ""
        )
        raise StudentError(
            tr(
                "return one number (a 0-d tensor), the mean over the N trajectories; got "
                "{got}{stay}",
                got=describe(value),
                stay=stay,
            )
        )
    if value.numel() != 1:
        raise StudentError(
            tr(
                "return one number (a 0-d tensor), the mean over the N trajectories; got a tensor "
                "of shape {shape}",
                shape=tuple(value.shape),
            )
        )
    seen = {"value": value.detach(), "connected": value.requires_grad, "numpy": uses_numpy(fn)}
    if not value.requires_grad:
        return seen
    (grad,) = torch.autograd.grad(value, th, create_graph=True, allow_unused=True)
    seen["grad"] = torch.zeros_like(theta) if grad is None else grad.detach()
    if grad is None or not grad.requires_grad:
        seen["hessian"] = torch.zeros(len(theta), len(theta), dtype=theta.dtype)
    else:
        rows = [torch.autograd.grad(gi, th, retain_graph=True)[0] for gi in grad]
        seen["hessian"] = torch.stack(rows).detach()
    return seen


def _value_hint(value: Tensor, rewards: Tensor, logprob: Tensor) -> str:
    value = value.reshape(()).to(rewards.dtype)
    discount = _GAMMA ** torch.arange(rewards.shape[0], dtype=rewards.dtype)[:, None]
    per_trajectory = (discount * rewards).sum(0)
    candidates = {
        tr("you summed over the N trajectories; average them (the objective is an expectation)"): (
            per_trajectory.sum()
        ),
        tr("the rewards are not discounted: weight r_t by γ^t"): rewards.sum(0).mean(),
        tr("the discount starts at γ, not 1: the first reward r_0 gets weight γ^0 = 1"): (
            (_GAMMA * discount * rewards).sum(0).mean()
        ),
        tr(
            "you multiplied by log π itself; the magic box ⊡(x) = exp(x − x.detach()) is 1 in value, "
            "so the objective's value must be the (discounted) return"
        ): reinforce_surrogate(logprob, rewards, None, _GAMMA),
    }
    for hint, candidate in candidates.items():
        if torch.allclose(value, candidate.detach(), atol=1e-9):
            return hint
    return tr("its value must equal the mean discounted return Σ_t γ^t r_t (the magic box is 1)")


def _gradient_hint(seen: dict, theta: Tensor, rewards: Tensor, logprob_fn: Callable) -> str:
    if not seen["connected"]:
        if seen["numpy"]:
            return tr(
                "no gradient reaches logprob: your objective goes through numpy, which autograd "
                "cannot follow; stay in torch (torch.cumsum, torch.exp, …) from logprob to the "
                "returned number"
            )
        return tr(
            "its gradient is zero: nothing connects the objective to logprob any more (a "
            ".detach() on the whole expression, .item(), or torch.tensor(…) of a result); "
            "detach only the copy inside the box, exp(W − W.detach())"
        )
    fn_grad = seen["grad"]
    if torch.count_nonzero(fn_grad) == 0:
        return tr(
            "its gradient is zero: detach only the copy inside the box, exp(W − W.detach()), "
            "not the whole expression"
        )
    th = theta.clone().requires_grad_()
    lp = logprob_fn(th)
    discount = _GAMMA ** torch.arange(rewards.shape[0], dtype=rewards.dtype)[:, None]
    per_step = (torch.exp(lp - lp.detach()) * discount * rewards).sum(0).mean()
    reverse = torch.flip(torch.cumsum(torch.flip(lp, [0]), 0), [0])
    backwards = (torch.exp(reverse - reverse.detach()) * discount * rewards).sum(0).mean()
    for candidate, hint in (
        (
            per_step,
            tr(
                "each reward is boxed with its own step's log π only: use W_t = cumsum of log π up to "
                "and including t, so r_t credits every action that led to it"
            ),
        ),
        (
            backwards,
            tr(
                "W_t must sum the log-probabilities *up to* t (the causes of r_t), not from t to the end"
            ),
        ),
    ):
        (g,) = torch.autograd.grad(candidate, th, retain_graph=True)
        if torch.allclose(fn_grad.to(g.dtype), g, atol=1e-9):
            return hint
    return tr("its gradient must be Σ_t γ^t ∇log π_t · G_t (the policy gradient with reward-to-go)")


def _cases() -> list[Case]:
    return [
        Case(tr("on a batch of 3 trajectories × 4 steps"), _case(seed), time_limit=5.0)
        for seed in (0, 1)
    ]


def _reference(case: Case) -> dict:
    theta, rewards, logprob_fn = case.args
    return _derivatives(lambda lp, r, g: dice_surrogate(lp, r, None, g), *case.args)


def _judge(case: Case, seen: dict, want: dict) -> Problem | None:
    theta, rewards, logprob_fn = case.args
    value = seen["value"]
    if not value.is_floating_point() or not torch.allclose(
        value.to(want["value"].dtype).reshape(()), want["value"], atol=1e-8, rtol=1e-6
    ):
        return Problem(
            tr("the value is wrong"), hint=_value_hint(value, rewards, logprob_fn(theta))
        )
    for key in ("grad", "hessian"):
        got = seen.get(key)
        if (
            got is None
            or got.shape != want[key].shape
            or not torch.allclose(got.to(want[key].dtype), want[key], atol=1e-8, rtol=1e-6)
        ):
            if key == "grad":
                hint = _gradient_hint(seen, theta, rewards, logprob_fn)
            else:
                hint = tr(
                    "value and gradient are right but the second derivative is not: a box "
                    "such as 1 + (W − W.detach()) has the right first derivative only; "
                    "exp(W − W.detach()) keeps every order right"
                )
            wrong = (
                tr("the gradient is wrong")
                if key == "grad"
                else tr("the second derivative (Hessian) is wrong")
            )
            return Problem(wrong, hint=hint)
    return None


DICE_OBJECTIVE = CodingExercise(
    library=(dice_surrogate, reinforce_surrogate, policy_gradient_loss),
    arg_names=(None, "rewards", None),
    cases=_cases,
    observe=_derivatives,
    reference=_reference,
    judge=_judge,
    success="",  # set by check_dice_objective, in the reader's language
)


@safe_checker
def check_dice_objective(fn: Callable[[Tensor, Tensor, float], Tensor]) -> bool:
    """Check ``fn(logprob [T, N], rewards [T, N], gamma) -> scalar``, the DiCE objective.

    Passes when its value, gradient and Hessian (with respect to the parameters behind
    ``logprob``) all equal those of Σ_t ⊡(W_t) γ^t r_t averaged over trajectories.
    """
    DICE_OBJECTIVE.success = tr(
        "value, gradient and Hessian match the DiCE objective on two random batches."
    )
    return DICE_OBJECTIVE.check(fn)


@safe_checker
def check_rl2_inner_loop(answer: object) -> bool:
    """What changes inside one RL² trial? (a) the weights, by θ_k = θ_0 + α∇R_trial(θ_0);
    (b) only the recurrent hidden state, the weights stay fixed; (c) the step size α;
    (d) both: one gradient step per episode and the hidden state."""
    return check_choice(
        answer,
        "b",
        {
            "a": tr(
                "that is the notes' formula, but it describes MAML-RL: RL² takes no gradient "
                "step inside a trial. Its weights change only in the outer loop, between trials."
            ),
            "c": tr("RL² has no inner step size at all: there is no inner gradient step to scale."),
            "d": tr(
                "no gradient step happens inside a trial; the GRU's state update h_t = f(h_{t-1}, "
                "o_t, a_{t-1}, r_{t-1}) is the whole inner loop."
            ),
        },
        why=tr(
            "the inner loop of RL² is the forward pass of the GRU; what it learns about the task "
            "lives in h, and the weights change only in the outer loop."
        ),
    )


@safe_checker
def check_episodes_needed(answer: object, *, steps: int, num_trajectories: int) -> bool:
    """How many episodes on the new goal does MAML-RL play to compute θ_steps?"""
    try:
        steps = check_int("steps", steps, 1, 1000)
        num_trajectories = check_int("num_trajectories", num_trajectories, 1, 100_000)
    except (TypeError, ValueError):  # the edge's English error, worded for the reader here
        raise CannotJudge(
            tr(
                "the chapter passed steps = {steps!r} and num_trajectories = {n!r}; they must be "
                "whole numbers, steps in [1, 1000] and num_trajectories in [1, 100000]",
                steps=steps,
                n=num_trajectories,
            )
        ) from None
    expected = steps * num_trajectories
    return check_number(
        answer,
        expected,
        0.5,
        hints=[
            (
                steps,
                tr(
                    "that counts gradient steps; each step is computed from its own batch "
                    "of {num_trajectories} fresh episodes",
                    num_trajectories=num_trajectories,
                ),
            ),
            (num_trajectories, tr("that is the data for one step; θ_k needs k steps")),
            (
                (steps + 1) * num_trajectories,
                tr(
                    "that also counts the episodes that *evaluate* "
                    "θ_{steps}; the question asks for the data spent before θ_{steps} exists",
                    steps=steps,
                ),
            ),
            (3, tr("3 is RL²'s episode count for a trial, not MAML-RL's data")),
            (
                steps + num_trajectories,
                tr(
                    "the steps and the episodes multiply: each of the {steps} steps uses its own "
                    "{num_trajectories} episodes",
                    steps=steps,
                    num_trajectories=num_trajectories,
                ),
            ),
        ],
        why=tr(
            "{steps} steps × {num_trajectories} episodes each; RL² spends no extra episodes: it "
            "adapts while it acts.",
            steps=steps,
            num_trajectories=num_trajectories,
        ),
        unit=tr(" episodes"),
    )


@safe_checker
def check_ood_prediction(answer: object, rl2_lead_outside: Interval) -> bool:
    """Predict-then-run: inside the training square RL² (episode 3) is clearly ahead of MAML-RL
    (3 gradient steps). Outside it, is RL² (a) still clearly ahead, or (b) is its lead gone (level,
    or MAML-RL ahead)? ``rl2_lead_outside`` is this run's paired interval of RL² − MAML-RL on the
    outside goals (:func:`course_lib.stats.paired_difference`)."""
    if not isinstance(rl2_lead_outside, Interval):
        raise CannotJudge(
            tr(
                "rl2_lead_outside must be this run's paired interval of RL² − MAML-RL "
                "(course_lib.stats.paired_difference): run the cells above first"
            )
        )
    if not (
        math.isfinite(rl2_lead_outside.mean)
        and math.isfinite(rl2_lead_outside.half_width)
        and rl2_lead_outside.half_width >= 0
    ):  # a NaN lead has no sign: judging on it would call "lead gone" right by default
        raise CannotJudge(
            tr(
                "rl2_lead_outside must be a finite interval (this run's paired RL² − MAML-RL), "
                "got {lead!r}: run the cells above again",
                lead=rl2_lead_outside,
            )
        )
    lead = tr("RL² − MAML-RL = {lead:.2f} on this run's outside goals", lead=rl2_lead_outside)
    still_ahead = sign(rl2_lead_outside) > 0
    reasons = {
        "a": tr(
            "RL²'s adaptation is a forward pass of weights trained only on goals inside the square: "
            "rewards from a goal outside it are inputs its GRU never learned to use, so its learning "
            "algorithm is itself out of distribution, while a gradient step improves any policy it is "
            "given data for ({lead}).",
            lead=lead,
        ),
        "b": tr(
            "on this run RL² keeps a clear lead: what its GRU learned inside the square (head off, "
            "follow the falling distance, return to the best place) carried over ({lead}).",
            lead=lead,
        ),
    }
    correct = "a" if still_ahead else "b"
    other = "b" if still_ahead else "a"
    return check_choice(answer, correct, {other: reasons[other]}, why=tr("{lead}.", lead=lead))
