"""Chapter 7's task families (course_lib.tasks.bandits, .mazes): check_env, seeding, trials, the registry."""

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

from course_lib import tasks
from course_lib.tasks import (
    BernoulliBandit,
    BernoulliBanditVectorEnv,
    RandomGoalMaze,
    RandomGoalMazeVectorEnv,
)


@pytest.mark.parametrize(
    "env",
    [
        BernoulliBandit(2, 1),
        BernoulliBandit(5, 10),
        RandomGoalMaze("room4"),
        RandomGoalMaze("maze7", observe_walls=True),
    ],
    ids=["bandit2", "bandit5", "room4", "maze7-walls"],
)
def test_check_env_passes(env):
    check_env(env, skip_render_check=True)


def test_registered_ids_make_env_and_vector_env():
    env = gym.make(tasks.BANDIT_ID, k=4, episodes_per_trial=3)
    assert env.action_space.n == 4
    vec = gym.make_vec(
        tasks.MAZE_ID, num_envs=6, vectorization_mode="vector_entry_point", layout="room5"
    )
    assert isinstance(vec, RandomGoalMazeVectorEnv)
    obs, _ = vec.reset(seed=0)
    assert obs.shape == (6, 49)


def test_bandit_seeding_is_reproducible():
    def run(seed):
        env = BernoulliBandit(5, 10)
        _, info = env.reset(seed=seed)
        rewards = [env.step(i % 5)[1] for i in range(10)]
        return info["arm_probs"], rewards

    p0, r0 = run(3)
    p1, r1 = run(3)
    p2, _ = run(4)
    np.testing.assert_array_equal(p0, p1)
    assert r0 == r1
    assert not np.allclose(p0, p2)


def test_bandit_keeps_task_within_trial_and_redraws_after():
    env = BernoulliBandit(3, 2)
    _, info = env.reset(seed=0)
    p = info["arm_probs"]
    env.step(0)
    _, info = env.reset()  # second episode of the same trial
    np.testing.assert_array_equal(info["arm_probs"], p)
    _, _, terminated, _, info = env.step(1)
    assert terminated and info["trial_end"]
    _, info = env.reset()  # trial over: new task
    assert not np.allclose(info["arm_probs"], p)


def test_vector_bandit_seeding_and_trial_end():
    a, b = BernoulliBanditVectorEnv(8, 4, 3), BernoulliBanditVectorEnv(8, 4, 3)
    a.reset(seed=7), b.reset(seed=7)
    torch.testing.assert_close(a.arm_probs, b.arm_probs)
    p = a.arm_probs.clone()
    for t in range(3):
        _, ra, ep_a, tr_a = a.step_tensor(torch.arange(8) % 4)
        _, rb, _, _ = b.step_tensor(torch.arange(8) % 4)
        torch.testing.assert_close(ra, rb)
        assert ep_a.all()
        assert bool(tr_a.all()) == (t == 2)
    assert not torch.allclose(a.arm_probs, p)  # the new trial drew new arms


def test_vector_bandit_reward_rates_match_probabilities():
    env = BernoulliBanditVectorEnv(20_000, 2, 1)
    env.reset_tensor(seed=0)
    p = env.arm_probs[:, 0].clone()
    _, reward, _, _ = env.step_tensor(torch.zeros(20_000, dtype=torch.long))
    assert abs(float(reward.mean() - p.mean())) < 0.015


def test_maze_moves_walls_goal_and_truncation():
    env = RandomGoalMaze("room4", episodes_per_trial=2, max_steps=3)
    env.reset(seed=0)
    env.goal = (4, 4)  # far corner, cannot be reached in 3 steps
    obs, reward, term, trunc, _ = env.step(0)  # up: a wall, stays at the start
    assert env.position == env.start and reward == pytest.approx(-0.01) and not (term or trunc)
    env.step(1)
    _, _, term, trunc, info = env.step(2)
    assert trunc and not term and info["episode"] == 1 and not info["trial_end"]
    env.reset()
    env.goal = (1, 2)
    _, reward, term, _, info = env.step(1)  # right, onto the goal
    assert term and reward == 1.0 and info["trial_end"]


def test_maze_vector_matches_single_env_rules():
    vec = RandomGoalMazeVectorEnv(3, "room4", episodes_per_trial=2, max_steps=4)
    vec.reset(seed=1)
    vec.goal = torch.tensor([1 * 6 + 2, 4 * 6 + 4, 1 * 6 + 2])
    obs, reward, ep_end, trial_end = vec.step_tensor(torch.tensor([1, 1, 0]))
    torch.testing.assert_close(reward, torch.tensor([1.0, -0.01, -0.01]))
    assert ep_end.tolist() == [True, False, False] and not trial_end.any()
    assert int(obs[0].argmax()) == vec.start_cell  # reset to the start in the same step
    assert int(obs[2].argmax()) == vec.start_cell  # bumped into the wall
    assert int(obs[1].argmax()) == vec.start_cell + 1


def test_maze_vector_seeding_reproducible():
    a, b = RandomGoalMazeVectorEnv(16, "room5"), RandomGoalMazeVectorEnv(16, "room5")
    a.reset(seed=5), b.reset(seed=5)
    assert torch.equal(a.goal, b.goal)
    assert not bool((a.goal == a.start_cell).any())


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: BernoulliBandit(1, 10), r"k must be an integer in \[2, 1_000\], got 1"),
        (
            lambda: BernoulliBandit(5, 0),
            r"episodes_per_trial must be an integer in \[1, 100_000\], got 0",
        ),
        (
            lambda: BernoulliBanditVectorEnv(0),
            r"num_envs must be an integer in \[1, 100_000\], got 0",
        ),
        (lambda: RandomGoalMaze("nope"), "layout must be"),
        (
            lambda: RandomGoalMaze(max_steps=0),
            r"max_steps must be an integer in \[1, 10_000\], got 0",
        ),
        (lambda: RandomGoalMaze(step_cost=-1.0), r"step_cost must be in \[0.0, 1.0\]"),
    ],
)
def test_bad_env_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_types_and_actions():
    with pytest.raises(TypeError, match="k must be an integer"):
        BernoulliBandit(2.5)
    env = BernoulliBandit(3)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"action must be an arm index in \[0, 2\]"):
        env.step(3)
    vec = BernoulliBanditVectorEnv(2, 3)
    vec.reset(seed=0)
    with pytest.raises(ValueError, match=r"actions must be 2 action indices in \[0, 2\]"):
        vec.step(np.array([0, 5]))


def test_numpy_integers_are_valid_rooms_and_goal_cells():
    """Issue #28's valid inputs: numpy ints in ``rooms``, a numpy (row, col) goal pair and start."""
    from course_lib.tasks import mazes

    layout = mazes.random_maze_layout((np.int64(2), np.int32(3)), np.random.default_rng(0))
    assert layout == mazes.random_maze_layout((2, 3), np.random.default_rng(0))
    env = mazes.RandomGoalMaze(layout="room4", goal=np.array([2, 3]))
    assert env.goal_cells == [(2, 3)]
    free, start = mazes.parse_layout("room4")
    np.testing.assert_array_equal(
        mazes.shortest_path_lengths(free, np.array(start)), mazes.shortest_path_lengths(free, start)
    )
    with pytest.raises(ValueError, match=r"goal must be a \(row, col\) free cell .* got array"):
        mazes.RandomGoalMaze(layout="room4", goal=np.array([2.0, 3.0]))  # floats are not cells


def test_a_maze_grid_must_be_walled_and_its_start_free():
    """No torus: an open border is refused (a move would wrap round); a start on a wall too."""
    from course_lib.tasks import mazes

    free, start = mazes.parse_layout("room4")
    holed = free.copy()
    holed[0, 1] = True
    with pytest.raises(ValueError, match="enclosed by walls .* got a 6 x 6 grid with 1 free"):
        mazes.shortest_path_lengths(holed, start)
    with pytest.raises(ValueError, match=r"start must be a \(row, col\) free cell .* got \(0, 0\)"):
        mazes.shortest_path_lengths(free, (0, 0))
    with pytest.raises(TypeError, match="free must be a 2-D bool numpy array .* got a 2-D int64"):
        mazes.next_cell_table(free.astype(np.int64))
