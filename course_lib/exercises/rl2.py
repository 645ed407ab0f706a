"""Chapter 7 exercises: what the RL² agent reads, and where its memory lives.

* :func:`check_input_size` (easy, a number): the length of the bandit agent's input vector.
* :func:`check_trial_input` (coding): ``fn(obs, prev_action, prev_reward, prev_episode_end,
  num_actions)`` builds ``[o_t, one_hot(a_{t-1}), r_{t-1}, d_{t-1}]``, compared with
  :func:`course_lib.trials.trial_input` part by part.
* :func:`check_reset_each_episode` (think, a choice): what resetting h every episode does.
* :func:`check_thompson_short_horizon` (think, a choice): why Thompson sampling scores below
  greedy when a trial has only 10 pulls.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_lib.exercises.harness import (
    Case,
    CodingExercise,
    StudentError,
    check_choice,
    check_number,
    describe,
    safe_checker,
)
from course_lib.i18n import tr
from course_lib.trials import trial_input

__all__ = [
    "check_trial_input",
    "check_input_size",
    "check_reset_each_episode",
    "check_thompson_short_horizon",
]


def _first_step() -> str:
    """The first-step rule, in the reader's language."""
    return tr(
        "Remember: prev_action = -1 means no action yet (a trial's first step), so that row's "
        "one-hot is all zeros."
    )


def _cases() -> list[Case]:
    g = torch.Generator().manual_seed(0)
    listed = [
        (
            tr("on one step after pulling arm 2 and winning"),
            (torch.zeros(1, 1), torch.tensor([2]), torch.tensor([1.0]), torch.tensor([1.0]), 3),
        ),
        (
            tr("on a trial's first step (prev_action = -1)"),
            (torch.zeros(2, 1), torch.tensor([-1, -1]), torch.zeros(2), torch.zeros(2), 4),
        ),
        (
            tr("on a batch of maze steps, mid-episode and at an episode start"),
            (
                torch.eye(5)[[0, 3, 4]],
                torch.tensor([0, 3, 1]),
                torch.tensor([-0.01, 1.0, -0.01]),
                torch.tensor([0.0, 1.0, 0.0]),
                4,
            ),
        ),
        (
            tr("on a random batch mixing first steps and later steps"),
            (
                torch.rand(6, 3, generator=g),
                torch.tensor([-1, 0, 1, 4, -1, 2]),
                torch.rand(6, generator=g),
                torch.tensor([0.0, 1, 0, 1, 0, 1]),
                5,
            ),
        ),
    ]
    return [Case(label, args) for label, args in listed]


def _diagnose(got: torch.Tensor, want: torch.Tensor, obs_size: int, num_actions: int) -> str:
    """Which part of the vector is wrong, and the likely reason."""
    one_hot = slice(obs_size, obs_size + num_actions)
    reward, flag = obs_size + num_actions, obs_size + num_actions + 1
    if (
        torch.allclose(got[:, reward], want[:, flag])
        and torch.allclose(got[:, flag], want[:, reward])
        and not torch.allclose(want[:, reward], want[:, flag])
    ):
        return tr(
            "the reward and the episode-end flag are swapped: the order is [o_t, "
            "one_hot(a_{t-1}), r_{t-1}, d_{t-1}]."
        )
    parts = [  # (name, columns, whether the first-step rule applies)
        (tr("observation o_t"), slice(0, obs_size), False),
        (tr("one-hot previous action"), one_hot, True),
        (tr("previous reward r_{t-1}"), slice(reward, reward + 1), False),
        (tr("episode-end flag d_{t-1}"), slice(flag, flag + 1), False),
    ]
    for name, cols, about_action in parts:
        if not torch.allclose(got[:, cols], want[:, cols], atol=1e-6):
            hint = f" {_first_step()}" if about_action else ""
            return tr(
                "the {part} part (columns {first}..{last}) is wrong: got {got}, "
                "expected {want}.{hint}",
                part=name,
                first=cols.start,
                last=cols.stop - 1,
                got=got[:, cols].tolist(),
                want=want[:, cols].tolist(),
                hint=hint,
            )
    return tr("the values differ from [o_t, one_hot(a_{t-1}), r_{t-1}, d_{t-1}].")


def _judge(case: Case, got: object, want: torch.Tensor) -> str | None:
    if not isinstance(got, torch.Tensor):
        return tr("{case}: return a torch.Tensor, got {got}.", case=case.label, got=describe(got))
    if tuple(got.shape) != tuple(want.shape):
        return tr(
            "{case}: expected shape {shape} = [batch, obs_size + num_actions "
            "+ 2], got {got}. Concatenate along dim=1 and give the reward and the "
            "flag a column each.",
            case=case.label,
            shape=tuple(want.shape),
            got=tuple(got.shape),
        )
    if not got.is_floating_point():
        return tr(
            "{case}: return a float tensor (the network multiplies it by float weights), "
            "got {dtype}.",
            case=case.label,
            dtype=got.dtype,
        )
    if not torch.allclose(got.float(), want, atol=1e-6):
        obs, num_actions = case.args[0], case.args[4]
        return f"{case.label}: {_diagnose(got.float(), want, obs.shape[1], num_actions)}"
    return None


def _observe(fn: Callable, *args: object) -> object:
    """Runs with the answer; an index of -1 gets the first-step rule instead of torch's words.
    It runs in the sandbox's forked child, which inherits the reader's language and the catalog
    the checker loaded before forking, so its feedback comes back translated."""
    try:
        return fn(*args)
    except (RuntimeError, IndexError) as error:
        if "non-negative" in str(error) or "out of bounds" in str(error):
            raise StudentError(
                tr(
                    "one_hot (or indexing) received prev_action = -1. {first_step} Fill the "
                    "one-hot only where prev_action >= 0.",
                    first_step=_first_step(),
                )
            ) from None
        raise


TRIAL_INPUT = CodingExercise(
    library=(trial_input,),
    arg_names=("obs", "prev_action", "prev_reward", "prev_episode_end", None),
    cases=_cases,
    observe=_observe,
    reference=lambda case: trial_input(*case.args),
    judge=_judge,
    changed_input=lambda name: tr(
        "your function changed its input {name} in place (e.g. {name}[{name} < 0] = 0): the "
        "caller still needs it; work on a copy.",
        name=name,
    ),
    success="",  # set by check_trial_input, in the reader's language
)


@safe_checker
def check_trial_input(fn: Callable[..., torch.Tensor]) -> bool:
    """Check a student's ``fn(obs, prev_action, prev_reward, prev_episode_end, num_actions)``.

    It must return the ``[B, obs_size + num_actions + 2]`` float tensor
    ``[o_t, one_hot(a_{t-1}), r_{t-1}, d_{t-1}]`` with an all-zero one-hot where
    ``prev_action == -1``, leaving its inputs unchanged. Prints feedback; True when right.
    """
    TRIAL_INPUT.success = tr(
        "trial input correct on all 4 cases: the agent sees what it did, what it got, and "
        "when an episode ended."
    )
    return TRIAL_INPUT.check(fn)


@safe_checker
def check_input_size(answer: object) -> bool:
    """Question: the input length for the 5-armed bandit (observation of size 1)."""
    return check_number(
        answer,
        8,
        0,
        hints=[
            (
                7,
                tr("one number short: the vector ends with the reward *and* the episode-end flag."),
            ),
            (6, tr("two short: the previous reward and the episode-end flag take a number each.")),
            (
                5,
                tr("that is the one-hot alone; the observation, the reward and the flag come too."),
            ),
            (
                4,
                tr("the previous action is a one-hot over the 5 arms (5 numbers), not one number."),
            ),
            (
                9,
                tr(
                    "one too many: the one-hot has one entry per arm, 5, with no extra 'no action' "
                    "entry (no action is the all-zero one-hot)."
                ),
            ),
        ],
        why=tr("1 (observation) + 5 (one-hot of the previous arm) + 1 (reward) + 1 (flag) = 8."),
    )


@safe_checker
def check_reset_each_episode(answer: object) -> bool:
    """Question: h reset at every episode end instead of every trial end, in the maze."""
    return check_choice(
        answer,
        "a",
        {
            "b": tr(
                "where would the shortcut come from? Everything the agent learned about this "
                "goal in episode 1 lived in h, and h was just wiped."
            ),
            "c": tr(
                "the weights are the same for every trial, and each trial hides the goal "
                "somewhere else: they can encode a good sweep, not this trial's goal."
            ),
            "d": tr(
                "h = 0 is exactly what the agent sees at every trial's first step; it acts "
                "fine from there, it just explores again."
            ),
        },
        why=tr(
            "the goal's location lives only in h; wiping h at each episode end leaves the "
            "agent where the memoryless agent is: every episode a fresh sweep."
        ),
    )


def check_thompson_short_horizon(answer: object) -> bool:
    """Question: why Thompson sampling trails greedy on 10-pull, 5-armed bandits."""
    return check_choice(
        answer,
        "a",
        {
            "b": tr(
                "Beta(1, 1) is the uniform distribution, exactly how the arm probabilities are "
                "drawn (p_i ~ U[0, 1]): the prior is right, and greedy uses the same posteriors."
            ),
            "c": tr(
                "it is the other way round: a posterior sample of a rarely pulled arm is often "
                "high, so Thompson sampling tries more arms than greedy, not fewer."
            ),
            "d": tr(
                "neither player sees the true p_i; both act on the same Beta posteriors built "
                "from the rewards so far."
            ),
        },
        why=tr(
            "a wide posterior often draws a high sample, so Thompson sampling keeps pulling "
            "arms that are probably worse; that exploration pays off over many pulls, but with 10 "
            "there are too few left to use what it learns."
        ),
    )
