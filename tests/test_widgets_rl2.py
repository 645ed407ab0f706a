"""Chapter 7 widgets driven headless: moving a slider must redraw the figure."""

import pytest
import torch

from course_lib.rl2 import (
    BernoulliBanditVectorEnv,
    RandomGoalMazeVectorEnv,
    RL2Config,
    evaluate_rl2,
    make_agent,
)
from course_lib.widgets import bandit_trial_viewer, maze_replay

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def bandit_batch():
    env = BernoulliBanditVectorEnv(4, k=5, episodes_per_trial=10)
    return evaluate_rl2(make_agent(env, RL2Config(hidden_size=8), seed=0), env, seed=0)["batch"]


@pytest.fixture(scope="module")
def maze():
    env = RandomGoalMazeVectorEnv(4, "room4", episodes_per_trial=3, max_steps=8)
    return evaluate_rl2(make_agent(env, RL2Config(hidden_size=8), seed=0), env, seed=0)[
        "batch"
    ], env


def test_bandit_trial_viewer_redraws_on_step_and_trial(bandit_batch):
    box = bandit_trial_viewer(bandit_batch)
    assert set(box.controls) == {"trial", "step"}
    before = box.view.image.value
    box.controls["step"].value = 6
    after_step = box.view.image.value
    assert after_step != before and "step 6" in box.status.value
    box.controls["trial"].value = 2
    assert box.view.image.value != after_step
    assert box.last_update_ms < 5000


def test_maze_replay_redraws_on_episode_and_step(maze):
    batch, env = maze
    box = maze_replay(batch, env)
    assert set(box.controls) == {"trial", "episode", "step"}
    before = box.view.image.value
    box.controls["episode"].value = 2
    assert box.view.image.value != before
    mid = box.view.image.value
    box.controls["step"].value = 1
    assert box.view.image.value != mid
    assert "episode lengths" in box.status.value


def test_widgets_reject_the_wrong_batch(bandit_batch, maze):
    with pytest.raises(TypeError, match="bandit TrialBatch"):
        bandit_trial_viewer(maze[0])
    with pytest.raises(TypeError, match="maze TrialBatch"):
        maze_replay(bandit_batch, maze[1])
