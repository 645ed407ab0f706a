"""2-D navigation: the single env passes gymnasium's checker, the batched env follows the same rules."""

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

from course_lib.tasks import NAVIGATION_ID, Navigation2D, Navigation2DVectorEnv
from course_lib.tasks.navigation import DISCRETE_MOVES, oracle_return


@pytest.mark.parametrize("action_type", ["continuous", "discrete"])
def test_single_env_passes_gymnasium_checker(action_type):
    check_env(Navigation2D(action_type), skip_render_check=True)


def test_registered_id_gives_both_versions():
    env = gym.make(NAVIGATION_ID)
    assert isinstance(env.unwrapped, Navigation2D)
    vec = gym.make_vec(NAVIGATION_ID, num_envs=3, vectorization_mode="vector_entry_point")
    assert isinstance(vec, Navigation2DVectorEnv) and vec.num_envs == 3


class PaperPointEnv:
    """The paper's env, transcribed independently: rllab's ``normalize`` (action a in [−1, 1]
    mapped onto the ±0.1 box, then clipped) around ``PointEnvRandGoal.step`` (move, reward
    −distance, done within 0.01 of the goal on both axes)."""

    def __init__(self, goal):
        self.goal, self.state = np.asarray(goal, dtype=np.float64), np.zeros(2)

    def step(self, action):
        lb, ub = -0.1, 0.1
        scaled = np.clip(
            lb + (np.asarray(action, dtype=np.float64) + 1.0) * 0.5 * (ub - lb), lb, ub
        )
        self.state = self.state + scaled
        x, y = self.state - self.goal
        return self.state.copy(), -((x**2 + y**2) ** 0.5), abs(x) < 0.01 and abs(y) < 0.01


def test_reward_is_minus_distance_after_a_normalised_move():
    env = Navigation2D()
    env.reset(options={"goal": (0.3, -0.4)})
    obs, reward, terminated, truncated, _ = env.step(np.array([5.0, -0.5], dtype=np.float32))
    np.testing.assert_allclose(obs, [0.1, -0.05], atol=1e-6)  # 0.1 * clip(a, -1, 1)
    assert reward == pytest.approx(-np.hypot(0.2, -0.35), abs=1e-6)
    assert not terminated and not truncated


@pytest.mark.parametrize("seed", range(5))
def test_single_and_vector_env_match_the_papers_env_with_termination(seed):
    rng = np.random.default_rng(seed)
    goal = rng.uniform(-0.5, 0.5, 2)
    single = Navigation2D(max_steps=100)
    single.reset(options={"goal": goal.tolist()})
    vec = Navigation2DVectorEnv(1, max_steps=100)
    vec.fix_goals(torch.tensor(goal[None], dtype=torch.float32))
    paper = PaperPointEnv(goal.astype(np.float32))
    for t in range(100):
        # Head for the goal with action noise, so that the episode ends early at the goal.
        action = np.clip((paper.goal - paper.state) / 0.1, -1, 1) + rng.normal(0, 0.3, 2)
        action = action.astype(np.float32)
        state, reward, done = paper.step(action)
        obs, r, terminated, truncated, _ = single.step(action)
        v_obs, v_r, v_term, v_trunc, info = vec.step(action[None])
        assert r == pytest.approx(reward, abs=1e-5) and float(v_r[0]) == pytest.approx(
            reward, abs=1e-5
        )
        assert terminated == done == bool(v_term[0]), t
        if done:
            np.testing.assert_allclose(info["final_obs"][0], state, atol=1e-5)
            assert not truncated and not v_trunc[0]
            break
        np.testing.assert_allclose(obs, state, atol=1e-5)
    assert done, "the noisy walk towards the goal should reach it within 100 steps"


def test_oracle_stops_at_the_goal():
    goals = torch.tensor([[0.25, 0.0], [0.0, 0.0]])
    # (0.25, 0): moves to 0.1, 0.2, then onto the goal (reward 0) and the episode ends.
    expected = -(0.15 + 0.05 + 0.0)
    returns = oracle_return(goals, 100)
    assert float(returns[0]) == pytest.approx(expected, abs=1e-5)
    assert float(returns[1]) == 0.0


def test_episode_truncates_at_max_steps_and_trial_keeps_goal():
    env = Navigation2D(max_steps=3, episodes_per_trial=2)
    _, info = env.reset(seed=0)
    goal = info["goal"]
    for _ in range(3):
        _, _, _, truncated, step_info = env.step(np.zeros(2, dtype=np.float32))
    assert truncated and not step_info["trial_end"]
    _, info = env.reset()
    np.testing.assert_array_equal(info["goal"], goal)  # same trial, same goal
    for _ in range(3):
        _, _, _, _, step_info = env.step(np.zeros(2, dtype=np.float32))
    assert step_info["trial_end"]
    _, info = env.reset()
    assert not np.array_equal(info["goal"], goal)


def test_vector_env_matches_single_env_step_for_step():
    goals = torch.tensor([[0.2, 0.1], [-0.4, 0.3]])
    vec = Navigation2DVectorEnv(2, max_steps=5)
    vec.fix_goals(goals)
    singles = [Navigation2D(max_steps=5) for _ in range(2)]
    for env, goal in zip(singles, goals):
        env.reset(options={"goal": goal.tolist()})
    rng = np.random.default_rng(0)
    for _ in range(5):
        actions = rng.normal(0, 1.0, size=(2, 2)).astype(np.float32)
        obs, reward, term, trunc, _ = vec.step(actions)
        for i, env in enumerate(singles):
            o, r, te, tr, _ = env.step(actions[i])
            assert r == pytest.approx(float(reward[i]), abs=1e-5)
            assert tr == trunc[i] and te == term[i]
            if not tr:
                np.testing.assert_allclose(o, obs[i], atol=1e-6)
    assert trunc.all() and (obs == 0).all()  # same-step autoreset to the origin


def test_discrete_moves_and_trial_end_draw_new_goals():
    vec = Navigation2DVectorEnv(4, "discrete", episodes_per_trial=1, max_steps=2)
    vec.reset(seed=3)
    first = vec.goal.clone()
    vec.step(np.full(4, 8))  # (+0.1, +0.1)
    np.testing.assert_allclose(vec.position.numpy(), 0.1)
    _, _, _, trunc, info = vec.step(np.full(4, 4))  # (0, 0): stay
    assert trunc.all() and info["trial_end"].all()
    np.testing.assert_allclose(info["final_obs"], 0.1)
    assert not torch.equal(vec.goal, first)
    assert DISCRETE_MOVES.shape == (9, 2)


def test_fixed_goals_survive_resets():
    vec = Navigation2DVectorEnv(2, goal_low=-0.5, goal_high=0.5)
    goals = torch.tensor([[0.9, 0.9], [-0.8, 0.7]])
    vec.fix_goals(goals)
    vec.reset(seed=1)
    assert torch.equal(vec.goal, goals)
    vec.fix_goals(None)
    vec.reset(seed=1)
    assert not torch.equal(vec.goal, goals)


def test_reset_seed_is_reproducible():
    a, b = Navigation2DVectorEnv(5), Navigation2DVectorEnv(5)
    assert np.array_equal(a.reset(seed=7)[1]["goal"], b.reset(seed=7)[1]["goal"])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"action_type": "grid"}, ValueError, "action_type must be one of"),
        ({"max_steps": 0}, ValueError, "max_steps must be an integer >= 1"),
        ({"max_steps": 10**6}, ValueError, r"max_steps must be an integer in \[1, 10000\]"),
        ({"episodes_per_trial": 1.5}, TypeError, "episodes_per_trial must be an integer"),
        ({"goal_low": 0.5, "goal_high": 0.5}, ValueError, "goal_low must be < goal_high"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        Navigation2D(**kwargs)
    with pytest.raises(error, match=match):
        Navigation2DVectorEnv(2, **kwargs)


def test_bad_actions_and_goals():
    env = Navigation2D()
    with pytest.raises(ValueError, match=r"call reset\(\) before step\(\)"):
        env.step(np.zeros(2))
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"action must be a finite array of shape \(2,\)"):
        env.step(np.array([np.nan, 0.0]))
    vec = Navigation2DVectorEnv(3, "discrete")
    with pytest.raises(ValueError, match=r"3 move indices in \[0, 8\]"):
        vec.step(np.array([0, 9, 1]))
    with pytest.raises(ValueError, match=r"goals must be finite with shape \(3, 2\)"):
        vec.fix_goals(torch.zeros(2, 2))
    with pytest.raises(ValueError, match="num_envs must be an integer"):
        Navigation2DVectorEnv(0)


@pytest.mark.parametrize("goal", [(0.1, float("nan")), (0.1, 0.2, 0.3)])
def test_a_given_goal_must_be_a_finite_pair(goal):
    with pytest.raises(ValueError, match=r"options\['goal'\] must be a finite \(x, y\)"):
        Navigation2D().reset(seed=0, options={"goal": goal})


def test_point_functions_refuse_nan_and_misshapen_points():
    """A NaN position made every reward NaN; ``[B, 3]`` points or unbroadcastable batches too."""
    from course_lib.tasks.navigation import move, navigation_reward, reached_goal
    from course_lib.tasks.point_robot import dense_reward, sparse_reward

    ok = torch.zeros(3, 2)
    bad = ok.clone()
    bad[1, 0] = float("nan")
    for fn in (navigation_reward, reached_goal, dense_reward, sparse_reward):
        with pytest.raises(ValueError, match="position must hold finite numbers .* got 1 NaN"):
            fn(bad, ok)
        with pytest.raises(ValueError, match=r"goal must have shape \[..., 2\] .* got \[3, 3\]"):
            fn(ok, torch.zeros(3, 3))
        with pytest.raises(ValueError, match=r"position, goal must broadcast together, got"):
            fn(ok, torch.zeros(4, 2))
    with pytest.raises(ValueError, match="action must hold finite numbers"):
        move(ok, bad)
    with pytest.raises(ValueError, match=r"goal_radius must be in \(0.0, 2.0\], got nan"):
        sparse_reward(ok, ok, float("nan"))
    # a batch of candidates against one goal each still broadcasts, as oracle_return uses it
    assert navigation_reward(torch.zeros(2, 9, 2), torch.ones(2, 1, 2)).shape == (2, 9)


def test_batched_actions_must_be_one_per_env():
    """Issue #28: actions [1, 2] broadcast to 3 envs, and move −1 silently became move 8."""
    from course_lib.tasks.navigation import check_batched_actions, numpy_actions

    with pytest.raises(ValueError, match=r"actions must have shape \[3\] .* got \[2\]"):
        check_batched_actions(torch.tensor([1, 2]), 3, "discrete")
    with pytest.raises(ValueError, match=r"integer move indices in \[0, 8\], got values from -1"):
        check_batched_actions(torch.tensor([-1, 0, 0]), 3, "discrete")
    with pytest.raises(ValueError, match=r"actions must be 3 move indices in \[0, 8\], got \[-1"):
        numpy_actions(np.array([-1, 0, 0]), 3, "discrete")
    with pytest.raises(TypeError, match="actions must be integer move indices, got dtype float64"):
        numpy_actions(np.array([0.5, 1.0, 2.0]), 3, "discrete")  # 0.5 would have become move 0
    with pytest.raises(ValueError, match="action_type must be one of"):
        check_batched_actions(torch.tensor([0, 1, 2]), 3, "grid")
