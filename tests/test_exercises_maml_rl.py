"""Chapter 8 checkers: the right answers pass, each wrong answer gets its own diagnosis."""

import numpy as np
import pytest
import torch

from course_lib.exercises import maml_rl as _maml
from course_lib.exercises import rl2 as _rl2
from course_lib.exercises.maml_rl import (
    check_dice_objective,
    check_episodes_needed,
    check_ood_prediction,
    check_rl2_inner_loop,
)
from course_lib.maml_rl.dice import dice_surrogate
from course_lib.stats import Interval


def _discount(rewards, gamma):
    return gamma ** torch.arange(rewards.shape[0], dtype=rewards.dtype)[:, None]


def right(logprob, rewards, gamma):
    w = torch.cumsum(logprob, 0)
    return (torch.exp(w - w.detach()) * _discount(rewards, gamma) * rewards).sum(0).mean()


def summed(logprob, rewards, gamma):
    w = torch.cumsum(logprob, 0)
    return (torch.exp(w - w.detach()) * _discount(rewards, gamma) * rewards).sum()


def undiscounted(logprob, rewards, gamma):
    w = torch.cumsum(logprob, 0)
    return (torch.exp(w - w.detach()) * rewards).sum(0).mean()


def shifted_discount(logprob, rewards, gamma):
    w = torch.cumsum(logprob, 0)
    return (torch.exp(w - w.detach()) * gamma * _discount(rewards, gamma) * rewards).sum(0).mean()


def plain_logprob(logprob, rewards, gamma):
    g = torch.flip(torch.cumsum(torch.flip(_discount(rewards, gamma) * rewards, [0]), 0), [0])
    return (logprob * g).sum(0).mean()


def per_step_box(logprob, rewards, gamma):
    return (
        (torch.exp(logprob - logprob.detach()) * _discount(rewards, gamma) * rewards).sum(0).mean()
    )


def backwards_sum(logprob, rewards, gamma):
    w = torch.flip(torch.cumsum(torch.flip(logprob, [0]), 0), [0])
    return (torch.exp(w - w.detach()) * _discount(rewards, gamma) * rewards).sum(0).mean()


def linear_box(logprob, rewards, gamma):
    w = torch.cumsum(logprob, 0)
    return ((1 + w - w.detach()) * _discount(rewards, gamma) * rewards).sum(0).mean()


def all_detached(logprob, rewards, gamma):
    w = torch.cumsum(logprob, 0).detach()
    return (torch.exp(w - w) * _discount(rewards, gamma) * rewards).sum(0).mean()


def per_trajectory(logprob, rewards, gamma):
    w = torch.cumsum(logprob, 0)
    return (torch.exp(w - w.detach()) * _discount(rewards, gamma) * rewards).sum(0)


def not_done(logprob, rewards, gamma):
    raise NotImplementedError


def library(logprob, rewards, gamma):
    return dice_surrogate(logprob, rewards, None, gamma)


def test_right_answer_passes(capsys):
    assert check_dice_objective(right)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize(
    "fn, diagnosis",
    [
        (summed, "you summed over the N trajectories"),
        (undiscounted, "the rewards are not discounted"),
        (shifted_discount, "the discount starts at γ, not 1"),
        (plain_logprob, "you multiplied by log π itself"),
        (per_step_box, "each reward is boxed with its own step's log π only"),
        (backwards_sum, "W_t must sum the log-probabilities *up to* t"),
        (linear_box, "a box such as 1 + (W − W.detach()) has the right first derivative only"),
        (all_detached, "its gradient is zero"),
        (per_trajectory, "return one number (a 0-d tensor)"),
        (not_done, "not"),
        (library, "the library's own"),
        (dice_surrogate, "the library's own"),
    ],
)
def test_wrong_answers_get_their_diagnosis(fn, diagnosis, capsys):
    assert check_dice_objective(fn) is False
    out = capsys.readouterr().out
    assert "✗" in out and diagnosis in out, out


def test_rl2_inner_loop_question(capsys):
    assert check_rl2_inner_loop("b")
    for choice, reason in (
        ("a", "it describes MAML-RL"),
        ("c", "no inner step size"),
        ("d", "no gradient step happens inside a trial"),
        (None, "not answered yet"),
        ("z", "is not one of the choices"),
    ):
        assert check_rl2_inner_loop(choice) is False
        assert reason in capsys.readouterr().out


def test_episodes_needed_question(capsys):
    assert check_episodes_needed(60, steps=3, num_trajectories=20)
    for answer, reason in (
        (3, "that counts gradient steps"),
        (20, "that is the data for one step"),
        (80, "also counts the episodes that *evaluate*"),
        ("sixty", "give a number"),
        (7, "re-read the question"),
    ):
        assert check_episodes_needed(answer, steps=3, num_trajectories=20) is False
        assert reason in capsys.readouterr().out


def test_ood_prediction_follows_the_runs_interval(capsys):
    gone, kept = Interval(-1.2, 0.9, 100), Interval(1.5, 0.6, 100)
    assert check_ood_prediction("b", gone) and check_ood_prediction("(b)", gone)
    assert check_ood_prediction("a", gone) is False
    assert "out of distribution" in capsys.readouterr().out
    assert check_ood_prediction("a", kept)
    assert check_ood_prediction("b", kept) is False
    assert "keeps a clear lead" in capsys.readouterr().out
    assert check_ood_prediction(None, gone) is False
    assert "not answered yet" in capsys.readouterr().out


def rewards_zeroed(logprob, rewards, gamma):
    rewards.zero_()  # the reference is computed before the answer runs, on its own copy
    return (logprob * 0).sum()


def numpy_objective(logprob, rewards, gamma):
    discount = gamma ** np.arange(rewards.shape[0])[:, None]
    return torch.tensor((discount * rewards.numpy()).sum(0).mean())


def numpy_scalar(logprob, rewards, gamma):
    return (rewards.numpy() * 0).sum()


@pytest.mark.parametrize(
    "fn, diagnosis",
    [
        (rewards_zeroed, "your function changed its input `rewards` in place"),
        (numpy_objective, "your objective goes through numpy, which autograd cannot follow"),
        (numpy_scalar, "got a numpy scalar (numpy.float64) (numpy cuts the gradient"),
    ],
)
def test_numpy_and_mutations_get_their_own_diagnosis(fn, diagnosis, capsys):
    assert check_dice_objective(fn) is False
    out = capsys.readouterr().out
    assert diagnosis in out and "detach only the copy" not in out, out


@pytest.mark.parametrize(
    "lead, says",
    [
        (None, "rl2_lead_outside must be this run's paired interval"),
        ({"RL²": 1.0}, "run the cells above"),
        # (a NaN or infinite lead, which has no sign, cannot reach the checker: stats.Interval
        # refuses it when built, and stats.paired_difference refuses NaN scores)
    ],
)
def test_ood_prediction_with_broken_results_cannot_judge(lead, says, capsys):
    assert check_ood_prediction("b", lead) is False
    out = capsys.readouterr().out
    assert out.startswith("✗ the check cannot judge an answer yet") and says in out, out


@pytest.mark.parametrize(
    "steps, trajectories, says",
    [
        (-1, 20, "passed steps = -1 and num_trajectories = 20; they must be whole numbers"),
        (3, 0, "num_trajectories in [1, 100000]"),
    ],
)
def test_episodes_needed_with_bad_sizes_accepts_nothing(steps, trajectories, says, capsys):
    for answer in (0, -20, steps * trajectories):
        assert check_episodes_needed(answer, steps=steps, num_trajectories=trajectories) is False
        out = capsys.readouterr().out
        assert "cannot judge" in out and says in out, out


def test_episodes_needed_names_adding_instead_of_multiplying(capsys):
    assert check_episodes_needed(23, steps=3, num_trajectories=20) is False
    assert "the steps and the episodes multiply" in capsys.readouterr().out


# The generated bad-input sweep exempts the checkers' parameters (tests/sweep_registry/meta_rl.py):
# a checker never raises, it judges. This holds that up for Chapters 7-8's eleven parameters.
_CHECKER_CALLS = {
    "check_dice_objective-fn": lambda v: _maml.check_dice_objective(v),
    "check_rl2_inner_loop-answer": lambda v: _maml.check_rl2_inner_loop(v),
    "check_episodes_needed-answer": lambda v: _maml.check_episodes_needed(
        v, steps=2, num_trajectories=20
    ),
    "check_episodes_needed-steps": lambda v: _maml.check_episodes_needed(
        40, steps=v, num_trajectories=20
    ),
    "check_episodes_needed-num_trajectories": lambda v: _maml.check_episodes_needed(
        40, steps=2, num_trajectories=v
    ),
    "check_ood_prediction-answer": lambda v: _maml.check_ood_prediction(v, None),
    "check_ood_prediction-rl2_lead_outside": lambda v: _maml.check_ood_prediction("a", v),
    "check_trial_input-fn": lambda v: _rl2.check_trial_input(v),
    "check_input_size-answer": lambda v: _rl2.check_input_size(v),
    "check_reset_each_episode-answer": lambda v: _rl2.check_reset_each_episode(v),
    "check_thompson_short_horizon-answer": lambda v: _rl2.check_thompson_short_horizon(v),
}


@pytest.mark.parametrize("call", list(_CHECKER_CALLS.values()), ids=list(_CHECKER_CALLS))
def test_checkers_report_bad_inputs_instead_of_raising(call, capsys):
    """Every bad value (wrong type, None, NaN, a huge int, a negative one) is reported with a ✗
    line and a False, never raised at the reader."""
    for value in (None, object(), "x", float("nan"), -1, 10**400):
        assert call(value) is False, value
        assert "✗" in capsys.readouterr().out, value
