"""Issue 28's edges: work caps that stop hangs, silent results refused, valid inputs accepted.

Each refusal is asserted with its message: the argument, the accepted range (or budget) and
the value given.
"""

import time

import numpy as np
import pytest
import torch

from course_lib import pg, tabular
from course_lib.compare.maml_rl_vs_rl2 import goals_outside
from course_lib.evaluation import evaluate
from course_lib.maml_rl.dice import (
    TinyMDP,
    dice_surrogate,
    discounted_reward_to_go,
    reinforce_surrogate,
)
from course_lib.tasks.navigation import Navigation2DVectorEnv
from course_lib.tasks.point_robot import SparsePointRobotVectorEnv

# ------------------------------------------------------------------ §2 nothing hangs


def test_reward_to_go_caps_the_horizon_fast():
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"at most T = 100_000 steps .* got T = 100_000_000"):
        pg.reward_to_go(torch.zeros(10**8), 0.99)
    assert time.perf_counter() - start < 5
    assert pg.reward_to_go(torch.ones(3), 0.5).tolist() == [1.75, 1.5, 1.0]


def test_bellman_sweeps_are_capped():
    mdp = tabular.TabularMDP(torch.ones(1, 1, 1), torch.ones(1, 1), torch.ones(1))
    policy = torch.ones(1, 1)
    with pytest.raises(
        ValueError, match=r"max_sweeps must be an integer in \[1, 100_000\], got 10"
    ):
        tabular.policy_evaluation(mdp, policy, 1.0, max_sweeps=10**9)
    with pytest.raises(ValueError, match=r"max_sweeps must be an integer in \[1, 100_000\]"):
        tabular.value_iteration(mdp, 1.0, max_sweeps=10**9)


def test_tiny_mdp_caps_the_enumeration():
    mdp = TinyMDP.default()
    with pytest.raises(ValueError, match=r"horizon must be an integer in \[1, 16\], got 25"):
        TinyMDP(mdp.transition, mdp.reward, horizon=25)
    with pytest.raises(
        ValueError, match=r"2\^12 × 2\^11 = 8_388_608 trajectories .* budget of 65_536"
    ):
        TinyMDP(mdp.transition, mdp.reward, horizon=12)
    with pytest.raises(ValueError, match=r"gamma must be in \[0.0, 1.0\], got 2"):
        TinyMDP(mdp.transition, mdp.reward, gamma=2)
    bad = mdp.transition.clone()
    bad[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="transition must be finite"):
        TinyMDP(bad, mdp.reward)
    with pytest.raises(ValueError, match=r"every row summing to 1"):
        TinyMDP(mdp.transition * 2, mdp.reward)
    with pytest.raises(
        ValueError, match=r"transition must have shape .* \[2, 2, 2\], got \(2, 2\)"
    ):
        TinyMDP(mdp.reward, mdp.reward)


def test_goals_outside_a_thin_ring_is_fast_and_inside():
    start = time.perf_counter()
    goals = goals_outside(100, inner=0.9999999, seed=0)
    assert time.perf_counter() - start < 1
    assert goals.shape == (100, 2)
    assert (goals.abs().amax(1) > 0.9999999).all() and (goals.abs() <= 1).all()
    with pytest.raises(ValueError, match=r"inner must be in \[0.0, 10.0\], got nan"):
        goals_outside(5, inner=float("nan"))


def test_goals_outside_keeps_the_rejection_draws_where_they_suffice():
    """The chapters' ring (0.5, 1]: one rejection round of 4·N draws gives the N goals, so
    the goals are those of plain rejection sampling with this generator."""
    gen = torch.Generator().manual_seed(7)
    draw = (2 * torch.rand(400, 2, generator=gen) - 1) * 1.0
    expected = draw[draw.abs().amax(1) > 0.5][:100]
    assert torch.equal(goals_outside(100, inner=0.5, outer=1.0, seed=7), expected)


def test_thin_ring_goals_are_uniform_on_the_ring():
    goals = goals_outside(20_000, inner=0.9, seed=1)  # mostly drawn directly
    # the ring 0.9 < max(|x|, |y|) <= 1 has area 4 − 4 · 0.81 = 0.76, of which the bands
    # |x| > 0.9 (y free in [−1, 1]) hold 2 · 0.1 · 2 = 0.4: a share of 0.526
    share = float((goals[:, 0].abs() > 0.9).float().mean())
    assert abs(share - 0.4 / 0.76) < 0.015


def test_evaluate_caps_the_steps_of_an_endless_env():
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    returns = evaluate(
        lambda obs: rng.integers(0, 4, len(obs)), "CliffWalking-v1", 2, max_steps=200
    )
    assert returns.shape == (2,) and time.perf_counter() - start < 10
    assert (returns < 0).all()  # every step costs at least 1: the cut returns are finite sums
    with pytest.raises(ValueError, match=r"episodes × max_steps = 1024 × 1_000_000 .* budget of"):
        evaluate(lambda obs: obs, "CartPole-v1", 1024, max_steps=1_000_000)
    with pytest.raises(
        ValueError, match=r"max_steps must be an integer in \[1, 10_000_000\], got 0"
    ):
        evaluate(lambda obs: obs, "CartPole-v1", 1, max_steps=0)


def test_value_steps_are_capped():
    with pytest.raises(ValueError, match=r"value_steps must be an integer in \[1, 1_000\], got 10"):
        pg.ReinforceConfig(value_steps=10**9)


def test_maml_rl_explorer_caps_its_work():
    from course_lib.maml_rl.train import GaussianPolicy
    from course_lib.rl2.agent import RecurrentActorCritic
    from course_lib.widgets.maml_rl import maml_rl_explorer

    policy = GaussianPolicy()
    agent = RecurrentActorCritic(4, 9, hidden_size=4)
    with pytest.raises(ValueError, match=r"max_steps must be an integer in \[1, 500\], got 10"):
        maml_rl_explorer(policy, agent, max_steps=10**9)
    with pytest.raises(
        ValueError, match=r"num_trajectories × max_steps .*, got 100 × 500 = 50_000"
    ):
        maml_rl_explorer(policy, agent, num_trajectories=100, max_steps=500)


def test_adaptation_curve_caps_its_work():
    from course_lib.maml_rl.train import GaussianPolicy, adaptation_curve

    with pytest.raises(ValueError, match=r"max_steps must be an integer in \[1, 10_000\]"):
        adaptation_curve(GaussianPolicy(), torch.zeros(1, 2), max_steps=10**9)
    with pytest.raises(
        ValueError, match=r"100_000_000 env steps, got 4 × 1000 × 20 × 10000 = 800_000_000"
    ):
        adaptation_curve(GaussianPolicy(), torch.zeros(1000, 2), max_steps=10_000)


def test_rollout_trials_has_a_work_budget():
    from course_lib.rl2.train import RL2Config, make_agent
    from course_lib.tasks.mazes import RandomGoalMazeVectorEnv
    from course_lib.trials import rollout_trials

    env = RandomGoalMazeVectorEnv(1000, "room4", episodes_per_trial=100, max_steps=1000)
    agent = make_agent(env, RL2Config(hidden_size=4))
    with pytest.raises(
        ValueError, match=r"budget of 10_000_000 env steps, got 1000 × 100 × 1000 = 100_000_000"
    ):
        rollout_trials(agent, env, seed=0)


# ------------------------------------------------------------------ §1 silent results


@pytest.mark.parametrize("make", [Navigation2DVectorEnv, SparsePointRobotVectorEnv])
def test_step_tensor_checks_action_shape_and_range(make):
    env = make(3, "discrete")
    env.reset_tensor(0)
    with pytest.raises(ValueError, match=r"actions must have shape \[3\] .* got \[2\]"):
        env.step_tensor(torch.tensor([1, 2]))
    with pytest.raises(
        ValueError, match=r"integer move indices in \[0, 8\], got values from -1 to 2"
    ):
        env.step_tensor(torch.tensor([-1, 0, 2]))
    with pytest.raises(ValueError, match=r"in \[0, 8\], got values from 0 to 9"):
        env.step_tensor(torch.tensor([0, 9, 2]))
    env.step_tensor(torch.tensor([0, 8, 4]))
    env = make(3, "continuous")
    env.reset_tensor(0)
    with pytest.raises(ValueError, match=r"actions must have shape \[3, 2\] .* got \[1, 2\]"):
        env.step_tensor(torch.zeros(1, 2))
    with pytest.raises(ValueError, match="actions must be finite numbers, got NaN"):
        env.step_tensor(torch.full((3, 2), float("nan")))
    with pytest.raises(TypeError, match="actions must be a torch.Tensor, got list"):
        env.step_tensor([[0.0, 0.0]] * 3)


def test_prototype_logits_checks_its_task():
    from course_lib.meta.classifiers import prototype_logits

    support, query = torch.randn(5, 3), torch.randn(4, 3)
    labels = torch.arange(5)
    assert prototype_logits(support, labels, query, 5).shape == (4, 5)
    with pytest.raises(ValueError, match=r"n_way must be an integer in \[1, 10_000\], got 0"):
        prototype_logits(support, labels, query, 0)
    with pytest.raises(
        ValueError, match=r"cover every class 0..4 \(n_way = 5\) .* \[0, 1, 2, 3, 7\]"
    ):
        prototype_logits(support, torch.tensor([0, 1, 2, 3, 7]), query, 5)
    with pytest.raises(ValueError, match=r"cover every class .* got \[-1, 0, 1, 2, 3\]"):
        prototype_logits(support, torch.tensor([-1, 0, 1, 2, 3]), query, 5)
    with pytest.raises(ValueError, match=r"must agree, got \[5, 3\], \[5\] and \[4, 2\]"):
        prototype_logits(support, labels, torch.randn(4, 2), 5)
    with pytest.raises(TypeError, match="support_labels must be integer labels"):
        prototype_logits(support, labels.float(), query, 5)


@pytest.mark.parametrize("where", ["transitions", "start"])
def test_tabular_mdp_refuses_nan(where):
    P, R, mu = torch.full((2, 1, 2), 0.4), torch.zeros(2, 1), torch.tensor([0.5, 0.5])
    if where == "transitions":
        P[0, 0, 0] = float("nan")
    else:
        mu = torch.tensor([float("nan"), 1.0])
    with pytest.raises(ValueError, match=f"{where} must be finite probabilities, got NaN"):
        tabular.TabularMDP(P, R, mu)


@pytest.mark.parametrize("gamma", [5.0, -1.0, float("nan")])
def test_dice_helpers_check_gamma(gamma):
    logprob, rewards = torch.zeros(3, 2), torch.ones(3, 2)
    for fn in (dice_surrogate, reinforce_surrogate):
        with pytest.raises(ValueError, match=r"gamma must be in \[0.0, 1.0\], got"):
            fn(logprob, rewards, None, gamma)
    with pytest.raises(ValueError, match=r"gamma must be in \[0.0, 1.0\], got"):
        discounted_reward_to_go(rewards, gamma)


def test_discounted_reward_to_go_caps_its_matrix():
    with pytest.raises(ValueError, match=r"T in \[1, 4_096\] .* got shape \(5000, 1\)"):
        discounted_reward_to_go(torch.zeros(5000, 1), 0.9)


def test_empty_params_are_refused():
    from course_lib.maml_rl.train import GaussianPolicy, adaptation_curve

    with pytest.raises(ValueError, match=r"params must hold the policy's weights .*, got \[\]"):
        adaptation_curve(GaussianPolicy(), torch.zeros(1, 2), params={})


def test_components_refuse_empty_step_sizes_and_negative_inner_lr():
    from course_lib.meta.architecture import MixedActivationMLP
    from course_lib.meta.components import (
        ComponentConfig,
        adapt_with_components,
        initial_components,
    )

    model = MixedActivationMLP(1, (6,), ("tanh",), seed=1)
    phi = initial_components(model, ComponentConfig(components=()))
    x, y = torch.zeros(5, 1), torch.zeros(5, 1)
    with pytest.raises(ValueError, match=r"inner_lr must be in \[0.0, 100.0\], got -1.0"):
        adapt_with_components(model, phi, x, y, inner_lr=-1.0, steps=1)
    with pytest.raises(ValueError, match=r"phi\['step_sizes'\] .* got an empty dict"):
        adapt_with_components(model, {**phi, "step_sizes": {}}, x, y, inner_lr=0.1, steps=1)


def test_maze_search_checks_bounds_and_walls():
    from course_lib.tasks.mazes import next_cell_table, parse_layout, shortest_path_lengths

    free, start = parse_layout("room4")
    assert shortest_path_lengths(free, start)[start] == 0
    open_grid = np.ones((3, 3), dtype=bool)
    with pytest.raises(ValueError, match=r"enclosed by walls .* 3 x 3 grid with 12 free border"):
        shortest_path_lengths(open_grid, (1, 1))
    with pytest.raises(ValueError, match="enclosed by walls"):
        next_cell_table(open_grid)
    wall = tuple(int(v) for v in np.argwhere(~free)[0])
    with pytest.raises(ValueError, match=r"start must be a \(row, col\) free cell .* got"):
        shortest_path_lengths(free, wall)
    with pytest.raises(ValueError, match=r"start must be a \(row, col\) free cell"):
        shortest_path_lengths(free, (free.shape[0], 1))


# ------------------------------------------------------------------ valid inputs pass


def test_numpy_ints_in_rooms_are_accepted():
    from course_lib.tasks.mazes import RandomMazeVectorEnv

    env = RandomMazeVectorEnv(2, rooms=(np.int64(2), np.int32(2)))
    assert env.num_envs == 2


def test_a_numpy_or_torch_goal_pair_is_accepted():
    from course_lib.maml_rl.train import GaussianPolicy
    from course_lib.rl2.agent import RecurrentActorCritic
    from course_lib.widgets.maml_rl import _check_inputs

    policy, agent = GaussianPolicy(), RecurrentActorCritic(4, 9, hidden_size=4)
    assert _check_inputs(policy, agent, np.array([0.3, -0.3])) == (0.3, -0.3)
    x, y = _check_inputs(policy, agent, torch.tensor([0.25, -0.5]))
    assert (x, y) == (0.25, -0.5)
    with pytest.raises(TypeError, match="goal must be a pair"):
        _check_inputs(policy, agent, np.zeros(3))


def test_a_0d_tensor_inner_lr_is_accepted():
    from course_lib.meta.functional import adapt

    model = torch.nn.Linear(1, 1)
    params = dict(model.named_parameters())
    x, y = torch.ones(4, 1), torch.zeros(4, 1)
    a = adapt(model, params, x, y, inner_lr=torch.tensor(0.1), steps=1)
    b = adapt(model, params, x, y, inner_lr=0.1, steps=1)
    assert all(torch.allclose(a[k], b[k]) for k in a)
    with pytest.raises(ValueError, match=r"inner_lr must be in \[0.0, 100.0\], got -1.0"):
        adapt(model, params, x, y, inner_lr=torch.tensor(-1.0), steps=1)


def test_evaluate_needs_an_explicit_cap_where_the_env_has_no_time_limit():
    """CliffWalking-v1 registers no time limit: the caller must say how long an episode may
    run; an env with a limit is cut at its own limit by default (CartPole-v1: 500)."""
    import numpy as np

    from course_lib.evaluation import evaluate

    def stay(obs):
        return np.zeros(len(obs), dtype=np.int64)

    with pytest.raises(
        ValueError, match=r"max_steps must be given for CliffWalking-v1.*got max_steps=None"
    ):
        evaluate(stay, "CliffWalking-v1", 1)
    assert evaluate(stay, "CliffWalking-v1", 1, max_steps=20).tolist() == [-20.0]
    assert evaluate(stay, "CartPole-v1", 1).shape == (1,)
