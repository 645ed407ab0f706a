"""Chapter 7 checkers: right answers pass; each wrong answer gets its own diagnosis."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib.exercises import check_trial_input
from course_lib.exercises.rl2 import (
    check_input_size,
    check_reset_each_episode,
    check_thompson_short_horizon,
)
from course_lib.rl2 import trial_input


def right(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    one_hot = torch.zeros(len(prev_action), num_actions)
    taken = prev_action >= 0
    one_hot[taken, prev_action[taken].long()] = 1.0
    return torch.cat([obs.float(), one_hot, prev_reward[:, None], prev_episode_end[:, None]], dim=1)


def right_with_one_hot(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    one_hot = F.one_hot(prev_action.clamp(min=0), num_actions).float()
    one_hot = one_hot * (prev_action >= 0).float()[:, None]
    extra = torch.stack([prev_reward, prev_episode_end], dim=1)
    return torch.cat([obs, one_hot, extra], dim=1)


@pytest.mark.parametrize("answer", [right, right_with_one_hot])
def test_right_answers_pass(answer, capsys):
    assert check_trial_input(answer) is True
    assert capsys.readouterr().out.startswith("✓ trial input correct on all 4 cases")


def first_step_is_arm_zero(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    one_hot = F.one_hot(prev_action.clamp(min=0), num_actions).float()
    return torch.cat([obs, one_hot, prev_reward[:, None], prev_episode_end[:, None]], dim=1)


def wrap_around(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    one_hot = F.one_hot(prev_action % num_actions, num_actions).float()  # -1 -> last arm
    return torch.cat([obs, one_hot, prev_reward[:, None], prev_episode_end[:, None]], dim=1)


def one_hot_of_minus_one(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    one_hot = F.one_hot(prev_action, num_actions).float()
    return torch.cat([obs, one_hot, prev_reward[:, None], prev_episode_end[:, None]], dim=1)


def swapped(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    x = right(obs, prev_action, prev_reward, prev_episode_end, num_actions)
    return torch.cat([x[:, :-2], x[:, -1:], x[:, -2:-1]], dim=1)


def no_flag(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    return right(obs, prev_action, prev_reward, prev_episode_end, num_actions)[:, :-1]


def not_unsqueezed(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    one_hot = right(obs, prev_action, prev_reward, prev_episode_end, num_actions)[
        :, obs.shape[1] : -2
    ]
    return torch.cat([obs, one_hot, prev_reward, prev_episode_end], dim=1)


def long_tensor(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    return right(obs, prev_action, prev_reward, prev_episode_end, num_actions).long()


def numpy_answer(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    return right(obs, prev_action, prev_reward, prev_episode_end, num_actions).numpy()


def changes_input(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    first = prev_action < 0
    prev_action[first] = 0
    x = right(obs, prev_action, prev_reward, prev_episode_end, num_actions)
    x[first, obs.shape[1] : obs.shape[1] + num_actions] = 0
    return x


def reward_twice(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    x = right(obs, prev_action, prev_reward, prev_episode_end, num_actions)
    x[:, -1] = prev_reward
    return x


def stub(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    raise NotImplementedError


WRONG = [
    (trial_input, "✗ that is the library's own `trial_input`"),
    (functools.partial(trial_input), "✗ that is the library's own `trial_input`"),
    (lambda *a: trial_input(*a), "✗ that is the library's own `trial_input`"),
    (
        first_step_is_arm_zero,
        "✗ on a trial's first step (prev_action = -1): the one-hot previous action part (columns 1..4) is wrong",
    ),
    (
        wrap_around,
        "✗ on a trial's first step (prev_action = -1): the one-hot previous action part (columns 1..4) is wrong",
    ),
    (
        one_hot_of_minus_one,
        "✗ on a trial's first step (prev_action = -1): one_hot (or indexing) received prev_action = -1.",
    ),
    (
        swapped,
        "✗ on a batch of maze steps, mid-episode and at an episode start: the reward and the episode-end flag are swapped",
    ),
    (no_flag, "✗ on one step after pulling arm 2 and winning: expected shape (1, 6)"),
    (
        not_unsqueezed,
        "✗ on one step after pulling arm 2 and winning: your code has a shape mismatch",
    ),
    (long_tensor, "✗ on one step after pulling arm 2 and winning: return a float tensor"),
    (
        numpy_answer,
        "✗ on one step after pulling arm 2 and winning: return a torch.Tensor, got a numpy array.",
    ),
    (
        changes_input,
        "✗ on a trial's first step (prev_action = -1): your function changed its input prev_action in place",
    ),
    (
        reward_twice,
        "✗ on a batch of maze steps, mid-episode and at an episode start: the episode-end flag d_{t-1} part",
    ),
    (stub, "✗ not implemented yet"),
]


@pytest.mark.parametrize("answer, diagnosis", WRONG, ids=[str(i) for i in range(len(WRONG))])
def test_wrong_answer_gets_its_diagnosis(answer, diagnosis, capsys):
    assert check_trial_input(answer) is False
    out = capsys.readouterr().out
    assert out.startswith(diagnosis), out
    assert "Traceback" not in out and len(out.splitlines()) == 1


def test_first_step_rule_is_explained(capsys):
    check_trial_input(wrap_around)
    assert "prev_action = -1 means no action yet" in capsys.readouterr().out


def test_numpy_is_imported_for_the_wrong_answers():
    assert np.__name__ == "numpy"


def test_input_size_question(capsys):
    assert check_input_size(8)
    for wrong, reason in [
        (7, "the reward *and* the episode-end flag"),
        (6, "take a number each"),
        (5, "that is the one-hot alone"),
        (4, "a one-hot over the 5 arms"),
        (9, "no extra 'no action' entry"),
        (12, "re-read the question"),
    ]:
        assert not check_input_size(wrong)
        assert reason in capsys.readouterr().out


def test_reset_each_episode_question(capsys):
    assert check_reset_each_episode("a")
    for wrong, reason in [
        ("b", "h was just wiped"),
        ("c", "they can encode a good sweep, not this trial's goal"),
        ("d", "it just explores again"),
    ]:
        assert not check_reset_each_episode(wrong)
        assert reason in capsys.readouterr().out


def test_thompson_short_horizon_question(capsys):
    assert check_thompson_short_horizon("a")
    assert "too few left to use what it learns" in capsys.readouterr().out
    for wrong, reason in [
        ("b", "the prior is right"),
        ("(C)", "tries more arms than greedy, not fewer"),
        ("d", "neither player sees the true p_i"),
        ("e", "is not one of the choices"),
    ]:
        assert not check_thompson_short_horizon(wrong)
        assert reason in capsys.readouterr().out
