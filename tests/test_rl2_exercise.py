"""The Chapter 7 exercise checker gives specific feedback and a True/False verdict."""

import torch

from course_lib.exercises import check_trial_input
from course_lib.rl2 import trial_input


def test_reference_passes(capsys):
    assert check_trial_input(trial_input) is True
    assert "✓" in capsys.readouterr().out


def test_not_implemented(capsys):
    def todo(obs, prev_action, prev_reward, prev_episode_end, num_actions):
        raise NotImplementedError

    assert check_trial_input(todo) is False
    assert "not implemented yet" in capsys.readouterr().out


def test_forgetting_the_first_step_rule_is_named(capsys):
    def wrap_around(obs, prev_action, prev_reward, prev_episode_end, num_actions):
        one_hot = torch.nn.functional.one_hot(
            prev_action % num_actions, num_actions
        ).float()  # -1 -> last arm
        return torch.cat([obs, one_hot, prev_reward[:, None], prev_episode_end[:, None]], dim=1)

    assert check_trial_input(wrap_around) is False
    out = capsys.readouterr().out
    assert "one-hot previous action" in out and "-1" in out


def test_missing_column_gives_shape_feedback(capsys):
    def no_flag(obs, prev_action, prev_reward, prev_episode_end, num_actions):
        return trial_input(obs, prev_action, prev_reward, prev_episode_end, num_actions)[:, :-1]

    assert check_trial_input(no_flag) is False
    assert "expected shape" in capsys.readouterr().out


def test_swapped_reward_and_flag_is_named(capsys):
    def swapped(obs, prev_action, prev_reward, prev_episode_end, num_actions):
        x = trial_input(obs, prev_action, prev_reward, prev_episode_end, num_actions)
        return torch.cat([x[:, :-2], x[:, -1:], x[:, -2:-1]], dim=1)

    assert check_trial_input(swapped) is False
    assert "previous reward" in capsys.readouterr().out
