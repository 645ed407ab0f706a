"""Chapter 1 checkers: right answers pass, and each usual mistake gets its own diagnosis."""

import functools

import pytest
import torch

from course_lib.exercises import (
    check_constant_baseline,
    check_reward_to_go,
    check_value_at_gamma_zero,
)
from course_lib.pg import reward_to_go


def right(rewards, gamma):
    returns = torch.zeros_like(rewards)
    future = 0.0
    for t in reversed(range(len(rewards))):
        future = rewards[t] + gamma * future
        returns[t] = future
    return returns


def right_float32(rewards, gamma):  # another float dtype is fine
    return right(rewards.float(), gamma)


def test_right_answers_pass(capsys):
    assert check_reward_to_go(right) is True
    assert check_reward_to_go(right_float32) is True
    out = capsys.readouterr().out
    assert "your reward-to-go is correct" in out and "✗" not in out


def _undiscounted(rewards, gamma):
    return right(rewards, 1.0)


def _absolute_discount(rewards, gamma):
    T = len(rewards)
    return torch.stack([sum(gamma**k * rewards[k] for k in range(t, T)) for t in range(T)])


def _whole_return(rewards, gamma):
    return right(rewards, gamma)[0].repeat(len(rewards))


def _past(rewards, gamma):
    out, running = torch.zeros_like(rewards), 0.0
    for t in range(len(rewards)):
        running = rewards[t] + gamma * running
        out[t] = running
    return out


def _reversed(rewards, gamma):
    return right(rewards, gamma).flip(0)


def _excludes_current(rewards, gamma):
    return gamma * torch.cat([right(rewards, gamma)[1:], torch.zeros(1, dtype=rewards.dtype)])


def _one_step_late(rewards, gamma):
    return torch.cat([right(rewards, gamma)[1:], torch.zeros(1, dtype=rewards.dtype)])


def _discounts_current(rewards, gamma):
    return gamma * right(rewards, gamma)


def _scalar(rewards, gamma):
    return right(rewards, gamma)[0]


def _too_short(rewards, gamma):
    return right(rewards, gamma)[:-1]


def _no_return(rewards, gamma):
    right(rewards, gamma)


def _in_place(rewards, gamma):
    for t in reversed(range(len(rewards) - 1)):
        rewards[t] += gamma * rewards[t + 1]
    return rewards


def _todo(rewards, gamma):
    raise NotImplementedError


def _endless(rewards, gamma):
    t = len(rewards) - 1
    while t >= 0:
        pass


def _crashes(rewards, gamma):
    return rewards[len(rewards)]  # off the end


def _library(rewards, gamma):
    return reward_to_go(rewards, gamma)


def _dice_helper(rewards, gamma):
    from course_lib.maml_rl import dice

    return dice.discounted_reward_to_go(rewards[:, None], gamma)[:, 0]


def _through_importlib(rewards, gamma):
    import importlib

    return getattr(importlib.import_module("course_lib.pg"), "reward_" + "to_go")(rewards, gamma)


@pytest.mark.parametrize(
    "fn, diagnosis",
    [
        (_undiscounted, "γ is missing"),
        (_absolute_discount, "the discount restarts at t"),
        (_whole_return, "the whole episode's return G_0 on every step"),
        (_past, "you summed the rewards *before* t"),
        (_reversed, "the right numbers in reverse order"),
        (_excludes_current, "you left out r_t itself"),
        (_one_step_late, "that is G_{t+1}, one step late"),
        (_discounts_current, "r_t is discounted once too often"),
        (_scalar, "your function returned one number"),
        (_too_short, "your function returned shape (2,) for 3 rewards"),
        (_no_return, "did you forget `return returns`"),
        (_in_place, "your function changed `rewards` in place"),
        (_todo, "not implemented yet"),
        (_endless, "was stopped: is there a loop that never ends"),
        (_crashes, "out of range"),
        (reward_to_go, "the library's own `reward_to_go`"),
        (_library, "the library's own `reward_to_go`"),
        (_dice_helper, "the library's own `discounted_reward_to_go`"),
        (_through_importlib, "the library's own `reward_to_go`"),
        (functools.partial(reward_to_go), "the library's own `reward_to_go`"),
    ],
)
def test_each_mistake_gets_its_diagnosis(fn, diagnosis, capsys):
    assert check_reward_to_go(fn) is False
    out = capsys.readouterr().out
    assert diagnosis in out, out
    assert "Traceback" not in out


def test_a_mistake_only_on_later_cases_is_still_caught(capsys):
    def breaks_at_gamma_one(rewards, gamma):
        return right(rewards, min(gamma, 0.99))

    assert check_reward_to_go(breaks_at_gamma_one) is False
    out = capsys.readouterr().out
    assert "✓ rewards [1, 2, 3] with γ = 0.5" in out and "✗ four rewards of 1 with γ = 1" in out


@pytest.mark.parametrize(
    "fn, diagnosis",
    [
        (lambda r, g: right(r, g).numpy(), "returned a numpy array; return a torch tensor"),
        (lambda r, g: right(r, g).tolist(), "returned a list; return a torch tensor"),
        (lambda r, g: right(r, g).long(), "returned a torch.int64 tensor"),
        (lambda r, g: torch.full_like(r, float("nan")), "walk backwards from the last step"),
    ],
)
def test_numpy_lists_and_nan_are_refused_by_name(fn, diagnosis, capsys):
    assert check_reward_to_go(fn) is False
    out = capsys.readouterr().out
    assert diagnosis in out, out


def test_not_a_function(capsys):
    assert check_reward_to_go(42) is False
    assert "expected a function" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, passes, says",
    [
        (0.05, True, "with γ = 0 a value is the expected immediate reward"),
        (None, False, "not answered yet"),
        (0.0, False, "the left exit pays 0.1 at once"),
        (0.1, False, "goes left only half the time"),
        (1.0, False, "nothing after the first reward counts"),
        (0.55, False, "the goal cannot be reached in one step"),
        (0.25, False, "that is V(s0) at γ = 1"),
        (0.025, False, "weight the exit's reward 0.1 by ½ once"),
        (-0.05, False, "no value can be negative"),
        (5, False, "no reward here is larger than 1"),
        (-0.2, False, "no value can be negative"),
        (0.3, False, "re-read the question"),
        ("a twentieth", False, "give a number"),
    ],
)
def test_value_at_gamma_zero(answer, passes, says, capsys):
    assert check_value_at_gamma_zero(answer) is passes
    assert says in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, passes, says",
    [
        ("a", True, "a baseline must be close to the returns to help"),
        ("(A)", True, "right"),
        ("b", False, "never biases the estimate"),
        ("c", False, "only reduces the variance when it is close to the returns"),
        ("d", False, "only the average is protected"),
        ("e", False, "is not one of the choices"),
        (None, False, "not answered yet"),
        ("(b)", False, "never biases the estimate"),
        (" C ", False, "only reduces the variance when it is close to the returns"),
        (3, False, "is not one of the choices"),
        ("", False, "is not one of the choices"),
        (["a"], False, "is not one of the choices"),
    ],
)
def test_constant_baseline_question(answer, passes, says, capsys):
    assert check_constant_baseline(answer) is passes
    assert says in capsys.readouterr().out


def test_a_library_replaced_in_the_session_is_noticed(capsys, monkeypatch):
    import course_lib.exercises.pg as checker_module
    import course_lib.pg

    monkeypatch.setattr(course_lib.pg, "reward_to_go", lambda rewards, gamma: rewards * 0)
    assert check_reward_to_go(lambda r, g: r * 0) is False
    assert "the library's `reward_to_go` was replaced in this session" in capsys.readouterr().out
    monkeypatch.undo()
    monkeypatch.setattr(checker_module, "reward_to_go", lambda rewards, gamma: rewards * 0)
    assert check_reward_to_go(lambda r, g: r * 0) is False
    assert "was replaced in this session" in capsys.readouterr().out
