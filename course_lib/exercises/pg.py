"""Chapter 1 exercises: returns, values and the policy gradient.

* :func:`check_value_at_gamma_zero` (easy, a number): V(s0) of the chain at γ = 0.
* :func:`check_reward_to_go` (coding): ``my_reward_to_go(rewards, gamma)`` returns
  G_t = r_t + γ r_{t+1} + … for every step of one episode.
* :func:`check_constant_baseline` (think, a choice): what a bad constant baseline does to the
  score-function estimate.
* :func:`check_q_learning_update` (coding): ``my_q_update(Q, s, a, r, s_next, terminal, alpha,
  gamma)`` returns the table after one Q-learning step.

Each prints ✓/✗ feedback that names the likely mistake and returns True when right.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_lib.exercises.harness import (
    Case,
    CodingExercise,
    Problem,
    check_choice,
    check_number,
    describe,
    safe_checker,
)
from course_lib.i18n import tr
from course_lib.maml_rl.dice import discounted_reward_to_go
from course_lib.pg import discounted_return, reward_to_go
from course_lib.ppo import compute_gae
from course_lib.td import q_learning, q_learning_update

__all__ = [
    "check_value_at_gamma_zero",
    "check_reward_to_go",
    "check_constant_baseline",
    "baseline_options",
    "check_q_learning_update",
]


# --------------------------------------------------------------------------------------------
# Question 1 (easy): V(s0) as γ → 0
# --------------------------------------------------------------------------------------------


@safe_checker
def check_value_at_gamma_zero(answer: object) -> bool:
    """On ``chain_mdp()`` (exit 0.1 one step left of s0, goal 1 five steps right) with the
    uniform random policy (ε = 1): what is V(s0) at γ = 0?"""
    return check_number(
        answer,
        0.05,
        1e-3,
        hints=[
            (
                0.0,
                tr(
                    "at γ = 0 the value is the expected *first* reward, and from s0 the left exit pays 0.1 at once."
                ),
            ),
            (
                0.1,
                tr(
                    "the uniform policy goes left only half the time: weight the 0.1 by π(left|s0)."
                ),
            ),
            (
                1.0,
                tr("the goal is five steps away; at γ = 0 nothing after the first reward counts."),
            ),
            (
                0.5,
                tr("the goal is five steps away; at γ = 0 nothing after the first reward counts."),
            ),
            (
                0.55,
                tr(
                    "that averages the exit and the goal, but the goal cannot be reached in one step."
                ),
            ),
            (
                0.25,
                tr(
                    "that is V(s0) at γ = 1 (every future reward counts in full); at γ = 0 only the first does."
                ),
            ),
            (
                0.025,
                tr("π(left|s0) = ½ is counted twice: weight the exit's reward 0.1 by ½ once."),
            ),
            (lambda a: a < 0, tr("all rewards here are >= 0, so no value can be negative.")),
            (lambda a: a > 1, tr("no reward here is larger than 1, and at γ = 0 only one counts.")),
        ],
        why=tr(
            "V(s0) = Σ_a π(a|s0) r(s0, a) = ½·0.1 + ½·0 = 0.05: with γ = 0 a value is the expected immediate reward."
        ),
    )


# --------------------------------------------------------------------------------------------
# Coding exercise: reward-to-go
# --------------------------------------------------------------------------------------------


# (label, rewards, γ): the first case tells every usual mistake apart (distinct rewards, γ ≠ 0, 1).
def _reward_cases() -> list[tuple[str, list[float], float]]:
    """(label, rewards, γ), labelled in the reader's language."""
    return [
        (tr("rewards [1, 2, 3] with γ = 0.5"), [1.0, 2.0, 3.0], 0.5),
        (tr("four rewards of 1 with γ = 1 (plain sums)"), [1.0, 1.0, 1.0, 1.0], 1.0),
        (tr("rewards [1, 2, 3] with γ = 0 (only the current reward counts)"), [1.0, 2.0, 3.0], 0.0),
        (tr("a one-step episode"), [5.0], 0.9),
        (tr("a CartPole-like episode: 30 rewards of 1, γ = 0.99"), [1.0] * 30, 0.99),
    ]


def _cases() -> list[Case]:
    g = torch.Generator().manual_seed(0)
    random = torch.randn(50, generator=g, dtype=torch.float64).tolist()
    listed = [*_reward_cases(), (tr("50 random rewards (some negative) with γ = 0.9"), random, 0.9)]
    return [
        Case(label, (torch.tensor(values, dtype=torch.float64), gamma))
        for label, values, gamma in listed
    ]


def _mistakes(rewards: torch.Tensor, gamma: float) -> dict[str, torch.Tensor]:
    """What each usual mistake returns on this input."""
    T = rewards.shape[0]
    right = reward_to_go(rewards, gamma)
    k = torch.arange(T, dtype=rewards.dtype)
    past = torch.stack([(gamma ** (t - k[: t + 1]) * rewards[: t + 1]).sum() for t in range(T)])
    after = torch.cat([right[1:], right.new_zeros(1)])
    return {
        "undiscounted": reward_to_go(rewards, 1.0),
        "absolute discount": torch.stack([(gamma ** k[t:] * rewards[t:]).sum() for t in range(T)]),
        "whole return": discounted_return(rewards, gamma).expand(T),
        "past rewards": past,
        "reversed": right.flip(0),
        "excludes r_t": gamma * after,
        "excludes r_t, undiscounted step": after,
        "discounts r_t": gamma * right,
    }


def _hints() -> dict[str, str]:
    """What each usual mistake means, in the reader's language (built when a check runs)."""
    return {
        "undiscounted": tr(
            "γ is missing: each step further away counts γ times less, G_t = r_t + γ G_{t+1}."
        ),
        "absolute discount": tr(
            "the discount restarts at t: weight r_k by γ^(k−t), not γ^k (a step's own reward always counts in full)."
        ),
        "whole return": tr(
            "that is the whole episode's return G_0 on every step; G_t counts only the rewards from step t on."
        ),
        "past rewards": tr(
            "you summed the rewards *before* t; the return looks forward: G_t = r_t + γ r_{t+1} + γ² r_{t+2} + …"
        ),
        "reversed": tr(
            "the right numbers in reverse order: fill returns[t] while walking t backwards, and return them in time order."
        ),
        "excludes r_t": tr(
            "you left out r_t itself: G_t = r_t + γ G_{t+1} starts with the current reward."
        ),
        "excludes r_t, undiscounted step": tr(
            "that is G_{t+1}, one step late: G_t = r_t + γ G_{t+1} starts with the current reward."
        ),
        "discounts r_t": tr(
            "r_t is discounted once too often: G_t = r_t + γ G_{t+1}, the current reward has weight γ⁰ = 1."
        ),
    }


#: (rtol, atol) by the answer's dtype: a float32 answer (``torch.zeros(T)``) keeps ~7 digits.
_TOLERANCE = {torch.float64: (1e-6, 1e-8), torch.float32: (1e-5, 1e-5)}


def _as_returns(out: object, T: int) -> tuple[torch.Tensor, tuple[float, float]] | str:
    """The student's output as (a float64 tensor of shape [T], its tolerance), or what is wrong."""
    if out is None:
        return tr("your function returned None: did you forget `return returns`?")
    if type(out) in (int, float) or (isinstance(out, torch.Tensor) and out.dim() == 0):
        return tr(
            "your function returned one number; return one G_t per step (a tensor of length T), not only G_0."
        )
    if not isinstance(out, torch.Tensor):
        return tr(
            "your function returned {got}; return a torch tensor of length T "
            "(start from torch.zeros_like(rewards)): the returns feed a torch loss next.",
            got=describe(out),
        )
    if tuple(out.shape) != (T,):
        return tr(
            "your function returned shape {shape} for {T} rewards; return one G_t per step, shape ({T},).",
            shape=tuple(out.shape),
            T=T,
        )
    if not (out.is_floating_point() or out.is_complex()):
        return tr(
            "your function returned a {dtype} tensor; returns are real numbers (torch.zeros_like(rewards) keeps the rewards' float dtype).",
            dtype=out.dtype,
        )
    return out.detach().to(torch.float64), _TOLERANCE.get(out.dtype, (1e-2, 1e-2))


def _judge(case: Case, out: object, expected: torch.Tensor) -> Problem | str | None:
    rewards, gamma = case.args
    returns = _as_returns(out, len(rewards))
    if isinstance(returns, str):
        return tr("{case}: {message}", case=case.label, message=returns)
    got, (rtol, atol) = returns
    if torch.allclose(got, expected, rtol=rtol, atol=atol):
        return None
    hint = next(
        (
            _hints()[key]
            for key, wrong in _mistakes(rewards, gamma).items()
            if torch.allclose(got, wrong, rtol=rtol, atol=atol)
        ),
        tr("walk backwards from the last step: G_{T−1} = r_{T−1}, then G_t = r_t + γ G_{t+1}."),
    )
    shown = [round(x, 3) for x in got.tolist()[:4]]
    want = [round(x, 3) for x in expected.tolist()[:4]]
    return Problem(
        tr("{case}: got {got}…, expected {want}…", case=case.label, got=shown, want=want), hint=hint
    )


REWARD_TO_GO = CodingExercise(
    # Every reward-to-go the library has: Ch 1's, Ch 8's matrix form, and GAE (λ = 1, V = 0).
    library=(reward_to_go, discounted_return, discounted_reward_to_go, compute_gae),
    arg_names=("rewards", None),
    cases=_cases,
    reference=lambda case: reward_to_go(*case.args),
    judge=_judge,
    success="",  # set by check_reward_to_go, in the reader's language
    per_case_ok=True,
    changed_input=lambda name: Problem(
        tr("your function changed `{name}` in place.", name=name),
        hint=tr(
            "write the returns into a new tensor (torch.zeros_like(rewards)) and leave the input alone."
        ),
    ),
)


@safe_checker
def check_reward_to_go(fn: Callable[[torch.Tensor, float], torch.Tensor]) -> bool:
    """Check a student's ``fn(rewards, gamma)`` (rewards: a float64 tensor [T]); print feedback."""
    REWARD_TO_GO.success = tr("your reward-to-go is correct on every case.")
    return REWARD_TO_GO.check(fn)


# --------------------------------------------------------------------------------------------
# Question 2 (think): a bad constant baseline
# --------------------------------------------------------------------------------------------

BASELINE_OPTIONS = {
    "a": "the average stays the exact gradient; the variance grows",
    "b": "the average moves away from the exact gradient (the estimate becomes biased)",
    "c": "the average stays the exact gradient; the variance shrinks",
    "d": "nothing changes: same average, same variance",
}


def baseline_options() -> dict[str, str]:
    """:data:`BASELINE_OPTIONS` in the reader's language, for a chapter to print."""
    return {
        "a": tr("the average stays the exact gradient; the variance grows"),
        "b": tr("the average moves away from the exact gradient (the estimate becomes biased)"),
        "c": tr("the average stays the exact gradient; the variance shrinks"),
        "d": tr("nothing changes: same average, same variance"),
    }


@safe_checker
def check_constant_baseline(answer: object) -> bool:
    """Subtract b = 5 from every return on the chain (whose returns lie in [0, 1]): what happens
    to the average of many score-function estimates, and to their variance?"""
    return check_choice(
        answer,
        "a",
        {
            "b": tr(
                "a baseline that depends only on the state never biases the estimate: "
                "E[∇log π(a|s)] = Σ_a ∇π(a|s) = ∇1 = 0, so E[∇log π(a|s) · b] = 0."
            ),
            "c": tr(
                "a baseline only reduces the variance when it is close to the returns; b = 5 is far "
                "from every return in [0, 1], so |G − b| is larger than |G| and the noise grows."
            ),
            "d": tr(
                "each single estimate changes (every weight G − 5 is different from G); only the "
                "average is protected, by E[∇log π] = 0."
            ),
        },
        options=list(BASELINE_OPTIONS),
        why=tr(
            "E[∇log π · b] = 0 keeps the average exact, but weights |G − 5| ≈ 4.5 are bigger than "
            "|G| ≤ 1, so every estimate swings further: a baseline must be close to the returns to help."
        ),
    )


# --------------------------------------------------------------------------------------------
# Coding exercise: one Q-learning update
# --------------------------------------------------------------------------------------------

# (name, Q, s, a, r, s', terminal, α, γ). The first case tells every usual mistake apart: in s'
# the best action (0), the action taken (1) and the worst (2) differ, max, mean and min of
# Q(s', ·) differ, and Q(s, ·) has a larger maximum elsewhere than at the action taken.
_TABLE = [[0.1, 0.4, 0.6], [0.3, 0.8, 0.5], [0.7, 0.3, 0.1], [0.2, 0.9, 0.4]]


def _q_case_list() -> list[tuple[str, list[list[float]], int, int, float, int, bool, float, float]]:
    """(label, Q, s, a, r, s', terminal, α, γ), labelled in the reader's language."""
    return [
        (tr("s=0, a=1, r=0.5, s'=2, α=0.5, γ=0.9"), _TABLE, 0, 1, 0.5, 2, False, 0.5, 0.9),
        (
            tr("a terminal step: s=3, a=0, r=1, the episode ends"),
            _TABLE,
            3,
            0,
            1.0,
            0,
            True,
            0.5,
            0.9,
        ),
        (tr("α = 1, γ = 0: Q(s, a) becomes the reward"), _TABLE, 1, 2, -0.3, 3, False, 1.0, 0.0),
        (tr("a self-loop: s' = s = 1"), _TABLE, 1, 0, 0.2, 1, False, 0.25, 0.8),
    ]


def _random_q_case() -> tuple[str, list[list[float]], int, int, float, int, bool, float, float]:
    g = torch.Generator().manual_seed(1)
    table = torch.randn(6, 4, generator=g, dtype=torch.float64).tolist()
    return (
        tr("a random 6 × 4 table (negative values too)"),
        table,
        4,
        3,
        -0.7,
        5,
        False,
        0.1,
        0.95,
    )


def _q_target(Q: torch.Tensor, r: float, s_next: int, terminal: bool, gamma: float) -> float:
    """The right target: r + γ max_a' Q(s', a'), or r alone after a terminal step."""
    return r + (0.0 if terminal else gamma * float(Q[s_next].max()))


def _set(Q: torch.Tensor, s: int, a: int, value: float) -> torch.Tensor:
    out = Q.clone()
    out[s, a] = value
    return out


def _q_mistakes(Q, s, a, r, s_next, terminal, alpha, gamma) -> dict[str, torch.Tensor]:
    """What each usual mistake returns on this transition."""
    q = float(Q[s, a])
    future = 0.0 if terminal else 1.0
    target = _q_target(Q, r, s_next, terminal, gamma)

    def moved(target_value: float) -> torch.Tensor:
        return _set(Q, s, a, q + alpha * (target_value - q))

    row = Q.clone()
    row[s] += alpha * (target - q)
    return {
        "sarsa": moved(r + future * gamma * float(Q[s_next, a])),
        "mean": moved(r + future * gamma * float(Q[s_next].mean())),
        "min": moved(r + future * gamma * float(Q[s_next].min())),
        "current state": moved(r + future * gamma * float(Q[s].max())),
        "bootstraps at the end": moved(r + gamma * float(Q[s_next].max())),
        "no gamma": moved(r + future * float(Q[s_next].max())),
        "discounts r": moved(gamma * (r + future * float(Q[s_next].max()))),
        "no step size": _set(Q, s, a, target),
        "adds the target": _set(Q, s, a, q + alpha * target),
        "wrong sign": _set(Q, s, a, q - alpha * (target - q)),
        "whole row": row,
    }


def _q_hints() -> dict[str, str]:
    """What each usual Q-learning mistake means, in the reader's language."""
    return {
        "sarsa": tr(
            "you bootstrapped from Q(s', a), the next state's value of the action just taken; "
            "Q-learning bootstraps from the best next action, max_a' Q(s', a')."
        ),
        "mean": tr(
            "you averaged Q(s', ·) over the next actions (that is the value of acting at random "
            "in s'); Q-learning takes the best one, max_a' Q(s', a')."
        ),
        "min": tr(
            "you took the smallest Q(s', a'): use the largest, max_a' Q(s', a') (`Q[s_next].max()`)."
        ),
        "current state": tr(
            "the max runs over the *next* state's actions, Q[s_next], not the current state's Q[s]."
        ),
        "bootstraps at the end": tr(
            "after a terminal step there is no next state: the target is r alone "
            "(multiply the bootstrap by 1 − terminal)."
        ),
        "no gamma": tr("γ is missing: the next state's value counts γ · max_a' Q(s', a')."),
        "discounts r": tr(
            "the reward is discounted too: the target is r + γ max_a' Q(s', a'), r undiscounted."
        ),
        "no step size": tr(
            "you replaced Q(s, a) by the target; move it only a fraction α of the way: "
            "Q(s, a) + α (target − Q(s, a))."
        ),
        "adds the target": tr("you added α · target; add α times the TD error, target − Q(s, a)."),
        "wrong sign": tr(
            "the sign is flipped: Q(s, a) moves *toward* the target, + α (target − Q(s, a))."
        ),
        "whole row": tr(
            "you changed every action of s; only the pair (s, a) that was taken changes."
        ),
    }


def _as_table(out: object, shape: tuple[int, int]) -> torch.Tensor | str:
    """The student's output as a float64 tensor of ``shape``, or what is wrong with it."""
    if out is None:
        return tr("your function returned None: did you forget `return Q_new`?")
    if isinstance(out, int | float) or (isinstance(out, torch.Tensor) and out.dim() == 0):
        return tr(
            "your function returned one number; return the whole new table (shape [S, A]), "
            "with only entry (s, a) changed."
        )
    if not isinstance(out, torch.Tensor):
        return tr(
            "your function returned {got}; return a torch tensor like Q "
            "(start from `Q_new = Q.clone()`).",
            got=describe(out),
        )
    if tuple(out.shape) != shape:
        return tr(
            "your function returned shape {got}; return the whole table, shape {shape}.",
            got=tuple(out.shape),
            shape=shape,
        )
    return out.detach().to(torch.float64)


def _q_cases() -> list[Case]:
    cases = []
    for name, table, s, a, r, s_next, terminal, alpha, gamma in [*_q_case_list(), _random_q_case()]:
        Q = torch.tensor(table, dtype=torch.float64)
        cases.append(Case(name, (Q, s, a, r, s_next, terminal, alpha, gamma)))
    return cases


def _judge_q(case: Case, out: object, expected: torch.Tensor) -> Problem | str | None:
    Q, s, a, r, s_next, terminal, alpha, gamma = case.args
    got = _as_table(out, tuple(Q.shape))
    if isinstance(got, str):
        return tr("{case}: {message}", case=case.label, message=got)
    if torch.allclose(got, expected, rtol=1e-9, atol=1e-12):
        return None
    mistakes = _q_mistakes(Q, s, a, r, s_next, terminal, alpha, gamma)
    hint = next(
        (
            _q_hints()[key]
            for key, wrong in mistakes.items()
            if torch.allclose(got, wrong, rtol=1e-9, atol=1e-12)
        ),
        tr(
            "write the target first, r + γ max_a' Q(s', a') (just r if terminal), then move "
            "Q(s, a) a fraction α toward it; leave every other entry as it was."
        ),
    )
    changed = (got != Q).nonzero().tolist()
    return Problem(
        tr(
            "{case}: got Q(s, a) = {got:.4f}, expected {want:.4f} (entries you changed: {changed})",
            case=case.label,
            got=float(got[s, a]),
            want=float(expected[s, a]),
            changed=[tuple(c) for c in changed],
        ),
        hint=hint,
    )


Q_LEARNING_UPDATE = CodingExercise(
    library=(q_learning_update, q_learning),
    arg_names=("Q", None, None, None, None, None, None, None),
    cases=_q_cases,
    reference=lambda case: _library_q_update(*case.args),
    judge=_judge_q,
    success="",  # set by check_q_learning_update, in the reader's language
    per_case_ok=True,
    changed_input=lambda name: Problem(
        tr("your function changed `{name}` in place.", name=name),
        hint=tr("copy it first (`Q_new = Q.clone()`), change the copy and return it."),
    ),
)


@safe_checker
def check_q_learning_update(fn: Callable[..., torch.Tensor]) -> bool:
    """Check a student's ``fn(Q, s, a, r, s_next, terminal, alpha, gamma)`` (Q: float64 [S, A],
    s, a, s_next: ints, r: a float, terminal: a bool) returning the updated table; print feedback."""
    Q_LEARNING_UPDATE.success = tr("your Q-learning update is correct on every case.")
    return Q_LEARNING_UPDATE.check(fn)


def _library_q_update(Q, s, a, r, s_next, terminal, alpha, gamma) -> torch.Tensor:
    """The library's batched update on one learner: the reference answer."""
    as_long = lambda x: torch.tensor([x], dtype=torch.long)  # noqa: E731
    new = q_learning_update(
        Q.unsqueeze(0),
        as_long(s),
        as_long(a),
        torch.tensor([r], dtype=torch.float64),
        as_long(s_next),
        torch.tensor([terminal]),
        alpha,
        gamma,
    )
    return new.squeeze(0)
