"""The trial rules (course_lib.trials): the RL² input vector, the hidden-state reset, TrialWrapper."""

import gymnasium as gym
import pytest
import torch
from gymnasium.utils.env_checker import check_env

from course_lib.rl2 import TrialWrapper, reset_hidden, trial_input
from course_lib.tasks import (
    BernoulliBandit,
    RandomGoalMaze,
)
from course_lib.trials import input_size


@pytest.mark.filterwarnings("ignore:.*different from the unwrapped version")
def test_check_env_passes_on_trial_wrapper():
    check_env(TrialWrapper(BernoulliBandit(3, 4)), skip_render_check=True)
    check_env(
        TrialWrapper(RandomGoalMaze("room4", episodes_per_trial=2, max_steps=5)),
        skip_render_check=True,
    )


def test_trial_input_layout_and_first_step():
    x = trial_input(
        torch.zeros(2, 1),
        torch.tensor([-1, 2]),
        torch.tensor([0.0, 1.0]),
        torch.tensor([0.0, 1.0]),
        3,
    )
    assert x.shape == (2, input_size(1, 3))
    assert x[0].tolist() == [0, 0, 0, 0, 0, 0]  # a trial's first step: nothing happened yet
    assert x[1].tolist() == [0, 0, 0, 1, 1, 1]


def test_trial_wrapper_shapes_flags_and_fixed_task():
    env = TrialWrapper(RandomGoalMaze("room4", episodes_per_trial=3, max_steps=2))
    x, info = env.reset(seed=0)
    goal = info["goal"]
    assert x.shape == env.observation_space.shape == (36 + 4 + 2,)
    assert x[36:].sum() == 0
    ends, terminated, steps = [], False, 0
    while not terminated:
        x, _, terminated, truncated, info = env.step(2)
        steps += 1
        ends.append(info["episode_end"])
        assert env.unwrapped.goal == goal  # the task stays fixed across the trial's episodes
        assert x[36 + 2] == 1.0 and x[-1] == float(info["episode_end"])
    assert info["episode"] == 3 and sum(ends) == 3 and steps <= 6


def test_reset_hidden_only_at_trial_end():
    h = torch.ones(3, 4)
    out = reset_hidden(h, torch.tensor([False, True, False]))
    assert out[1].abs().sum() == 0 and torch.equal(out[[0, 2]], h[[0, 2]])


def test_trial_wrapper_needs_discrete_actions():
    class ContinuousBandit(BernoulliBandit):
        def __init__(self):
            super().__init__(2, 2)
            self.action_space = gym.spaces.Box(-1.0, 1.0, shape=(1,))

    with pytest.raises(TypeError, match="env.action_space must be Discrete"):
        TrialWrapper(ContinuousBandit())
