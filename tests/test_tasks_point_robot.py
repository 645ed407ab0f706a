"""The sparse point robot: gymnasium's checker, the authors' rules, the batched env = the single env."""

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

from course_lib.tasks import (
    SPARSE_POINT_ROBOT_ID,
    SparsePointRobot,
    SparsePointRobotVectorEnv,
    half_circle_goals,
    random_half_circle_goals,
    sparse_oracle_return,
    sparse_reward,
)


class AuthorsSparsePointEnv:
    """The authors' env, transcribed independently (katerakelly/oyster, rlkit/envs/point_robot.py,
    SparsePointEnv inside NormalizedBoxEnv): the action in [−1, 1] is mapped onto the ±0.1 box and
    clipped, added to the state; the dense reward is −distance, the sparse one is the dense reward
    masked to 0 outside the goal radius, plus 1 inside."""

    def __init__(self, goal, goal_radius=0.2):
        self.goal, self.radius, self.state = (
            np.asarray(goal, dtype=np.float64),
            goal_radius,
            np.zeros(2),
        )

    def step(self, action):
        lb, ub = -0.1, 0.1
        scaled = np.clip(
            lb + (np.asarray(action, dtype=np.float64) + 1.0) * 0.5 * (ub - lb), lb, ub
        )
        self.state = self.state + scaled
        x, y = self.state - self.goal
        dense = -((x**2 + y**2) ** 0.5)
        sparse = dense * float(dense >= -self.radius)
        if dense >= -self.radius:
            sparse += 1
        return self.state.copy(), dense, sparse


@pytest.mark.parametrize("action_type", ["continuous", "discrete"])
def test_single_env_passes_gymnasium_checker(action_type):
    check_env(SparsePointRobot(action_type), skip_render_check=True)


def test_registered_id_gives_both_versions():
    assert isinstance(gym.make(SPARSE_POINT_ROBOT_ID).unwrapped, SparsePointRobot)
    vec = gym.make_vec(SPARSE_POINT_ROBOT_ID, num_envs=3, vectorization_mode="vector_entry_point")
    assert isinstance(vec, SparsePointRobotVectorEnv) and vec.num_envs == 3


@pytest.mark.parametrize("seed", range(4))
def test_single_and_vector_env_match_the_authors_env(seed):
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, math.pi)
    goal = np.array([math.cos(angle), math.sin(angle)])
    single = SparsePointRobot(max_steps=20)
    single.reset(options={"goal": goal})
    vec = SparsePointRobotVectorEnv(1, max_steps=20)
    vec.fix_goals(torch.tensor(goal[None], dtype=torch.float32))
    authors = AuthorsSparsePointEnv(goal.astype(np.float32))
    # Head for the goal with noise, so that some steps land inside the radius and some outside.
    for t in range(20):
        action = np.clip((goal - authors.state) / 0.1 + rng.normal(0, 1.5, 2), -3, 3).astype(
            np.float32
        )
        state, dense, sparse = authors.step(action)
        obs, reward, terminated, truncated, info = single.step(action)
        v_obs, v_reward, v_end, _ = vec.step_tensor(torch.tensor(action[None]))
        np.testing.assert_allclose(obs, state, atol=1e-5)
        assert reward == pytest.approx(sparse, abs=1e-5)
        assert info["dense_reward"] == pytest.approx(dense, abs=1e-5)
        assert float(v_reward[0]) == pytest.approx(sparse, abs=1e-5)
        assert float(vec.last_dense_reward[0]) == pytest.approx(dense, abs=1e-5)
        assert not terminated and truncated == (t == 19) and bool(v_end[0]) == (t == 19)
    assert float(vec.position.abs().max()) == 0.0  # autoreset to the origin after the last move


def test_reward_is_sparse_one_minus_distance_inside_the_radius():
    goal = torch.tensor([0.0, 1.0])
    positions = torch.tensor([[0.0, 0.85], [0.0, 0.8], [0.0, 0.79], [0.5, 0.5]])
    torch.testing.assert_close(sparse_reward(positions, goal), torch.tensor([0.85, 0.8, 0.0, 0.0]))


def test_goals_lie_on_the_upper_half_circle():
    for goals in (
        half_circle_goals(7),
        random_half_circle_goals(500, torch.Generator().manual_seed(0)),
    ):
        torch.testing.assert_close(goals.norm(dim=1), torch.ones(len(goals)))
        assert bool((goals[:, 1] >= -1e-6).all())
    torch.testing.assert_close(
        half_circle_goals(3)[[0, 2]], torch.tensor([[1.0, 0.0], [-1.0, 0.0]]), atol=1e-6, rtol=0
    )


def test_trials_keep_the_goal_and_draw_a_new_one_after():
    env = SparsePointRobotVectorEnv(4, episodes_per_trial=2, max_steps=3)
    env.reset_tensor(seed=0)
    first = env.goal.clone()
    for _ in range(3):
        env.step_tensor(torch.zeros(4, 2))
    assert torch.equal(env.goal, first)  # one episode done, same task
    ends = [env.step_tensor(torch.zeros(4, 2))[3] for _ in range(3)]
    assert bool(ends[-1].all()) and not torch.equal(env.goal, first)


def test_discrete_actions_move_on_the_grid():
    env = SparsePointRobot("discrete")
    env.reset(options={"goal": (0.0, 1.0)})
    obs, *_ = env.step(8)  # (+0.1, +0.1)
    np.testing.assert_allclose(obs, [0.1, 0.1], atol=1e-6)


def test_oracle_walks_straight_in_and_scores_the_exact_return():
    # Goal (0, 1): eight moves of 0.1 reach 0.8 (distance 0.2, reward 0.8), then 0.9 and 1.0 (0.9, 1.0),
    # and the last ten moves stay on the goal (reward 1 each): 0.8 + 0.9 + 10 × 1 + 1.0.
    total = sparse_oracle_return(torch.tensor([[0.0, 1.0]]))
    torch.testing.assert_close(total, torch.tensor([0.8 + 0.9 + 11 * 1.0]))
    discrete = sparse_oracle_return(torch.tensor([[0.0, 1.0]]), action_type="discrete")
    torch.testing.assert_close(discrete, total)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: SparsePointRobot(goal_radius=0.0), "goal_radius must be in"),
        (lambda: SparsePointRobot(goal_radius=-0.1), "goal_radius must be in"),
        (lambda: SparsePointRobotVectorEnv(2, goal_radius=0), "goal_radius must be in"),
        (lambda: SparsePointRobot(action_type="joystick"), "action_type must be one of"),
        (lambda: SparsePointRobotVectorEnv(0), "num_envs must be an integer"),
        (lambda: SparsePointRobot(max_steps=0), "max_steps must be an integer"),
        (lambda: sparse_oracle_return(torch.zeros(3), 20), "goals must have shape"),
        (lambda: half_circle_goals(0), "num_goals must be an integer"),
    ],
)
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_actions_and_goals_are_named():
    env = SparsePointRobot()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="finite array of shape"):
        env.step(np.array([np.nan, 0.0], dtype=np.float32))
    with pytest.raises(ValueError, match="options\\['goal'\\] must be a finite"):
        env.reset(options={"goal": (0.0, float("inf"))})
    vec = SparsePointRobotVectorEnv(2)
    with pytest.raises(ValueError, match="goals must be finite with shape"):
        vec.fix_goals(torch.zeros(3, 2))
    with pytest.raises(ValueError, match="actions must be"):
        vec.step(np.zeros((3, 2), dtype=np.float32))
