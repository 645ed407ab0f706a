"""Bad input to RL²: task families, trial inputs, agent, rollouts, training, baselines.

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from bad_inputs import (
    V4,
    V41,
    T,
    V,
    registry,
    sweep,
    time_limit,
)

from course_lib import (
    trials,
)
from course_lib.rl2 import baselines
from course_lib.rl2.agent import RecurrentActorCritic
from course_lib.rl2.train import RL2Config, evaluate_rl2, make_agent, train_rl2
from course_lib.tasks import bandits, mazes
from course_lib.trials import rollout_trials

CASES, case = registry()


for _name, _call, _error, _frag in [
    (
        "bandit-k-1",
        lambda: bandits.BernoulliBandit(k=1),
        V,
        "k must be an integer in [2, 1_000], got 1",
    ),  # fmt: skip
    (
        "bandit-k-huge",
        lambda: bandits.BernoulliBandit(k=10**9),
        V,
        "k must be an integer in [2, 1_000], got 1000000000",
    ),  # fmt: skip
    ("bandit-k-str", lambda: bandits.BernoulliBandit(k="5"), T, "k must be an integer"),
    (
        "bandit-n-0",
        lambda: bandits.BernoulliBandit(episodes_per_trial=0),
        V,
        "episodes_per_trial must be an integer in [1, 100_000], got 0",
    ),  # fmt: skip
    (
        "bandit-n-huge",
        lambda: bandits.BernoulliBandit(episodes_per_trial=10**9),
        V,
        "episodes_per_trial must be an integer in [1, 100_000]",
    ),  # fmt: skip
    (
        "bandit-step-before-reset",
        lambda: bandits.BernoulliBandit().step(0),
        V,
        "call reset() before step(): got step(action=0) first",
    ),  # fmt: skip
    (
        "bandit-step-arm",
        lambda: _reset(bandits.BernoulliBandit(k=3)).step(7),
        V,
        "action must be an arm index in [0, 2], got 7",
    ),  # fmt: skip
    (
        "bandit-vec-envs-0",
        lambda: bandits.BernoulliBanditVectorEnv(num_envs=0),
        V,
        "num_envs must be an integer in [1, 100_000], got 0",
    ),  # fmt: skip
    (
        "bandit-vec-envs-huge",
        lambda: bandits.BernoulliBanditVectorEnv(num_envs=10**9),
        V,
        "num_envs must be an integer in [1, 100_000]",
    ),  # fmt: skip
    (
        "bandit-vec-k-huge",
        lambda: bandits.BernoulliBanditVectorEnv(k=10**8),
        V,
        "k must be an integer in [2, 1_000]",
    ),  # fmt: skip
    (
        "bandit-vec-actions-range",
        lambda: _reset_vec(bandits.BernoulliBanditVectorEnv(num_envs=2, k=3)).step_tensor(
            torch.tensor([0, 5])
        ),
        V,
        "actions must be indices in [0, 2], got [0, 5]",
    ),  # fmt: skip
    (
        "bandit-vec-actions-shape",
        lambda: _reset_vec(bandits.BernoulliBanditVectorEnv(num_envs=2, k=3)).step_tensor(
            torch.tensor([0, 1, 2])
        ),
        V,
        "actions must have shape [2], got [3]",
    ),  # fmt: skip
    (
        "bandit-vec-actions-float",
        lambda: _reset_vec(bandits.BernoulliBanditVectorEnv(num_envs=2, k=3)).step_tensor(
            torch.tensor([0.5, 1.0])
        ),
        T,
        "actions must be an integer tensor, got dtype torch.float32",
    ),  # fmt: skip
    (
        "bandit-vec-seed",
        lambda: bandits.BernoulliBanditVectorEnv().reset_tensor(seed=-1),
        V,
        "seed must be an integer >= 0, got -1",
    ),  # fmt: skip
    ("maze-layout", lambda: mazes.RandomGoalMaze(layout="nope"), V, "layout must be a name in"),
    ("maze-layout-int", lambda: mazes.RandomGoalMaze(layout=3), T, "layout must be a name in"),
    (
        "maze-layout-huge",
        lambda: mazes.RandomGoalMaze(layout="#" * 10**6),
        V,
        "layout must be at most",
    ),  # fmt: skip
    (
        "maze-max-steps-0",
        lambda: mazes.RandomGoalMaze(max_steps=0),
        V,
        "max_steps must be an integer in [1, 10_000], got 0",
    ),  # fmt: skip
    (
        "maze-max-steps-huge",
        lambda: mazes.RandomGoalMaze(max_steps=10**9),
        V,
        "max_steps must be an integer in [1, 10_000]",
    ),  # fmt: skip
    (
        "maze-episodes-huge",
        lambda: mazes.RandomGoalMaze(episodes_per_trial=10**9),
        V,
        "episodes_per_trial must be an integer in [1, 100_000]",
    ),  # fmt: skip
    (
        "maze-step-cost",
        lambda: mazes.RandomGoalMaze(step_cost=-0.1),
        V,
        "step_cost must be in [0.0, 1.0], got -0.1",
    ),  # fmt: skip
    (
        "maze-goal-reward-nan",
        lambda: mazes.RandomGoalMaze(goal_reward=math.nan),
        V,
        "goal_reward must be in",
    ),  # fmt: skip
    (
        "maze-observe-walls",
        lambda: mazes.RandomGoalMaze(observe_walls="yes"),
        T,
        "observe_walls must be True or False, got 'yes'",
    ),  # fmt: skip
    (
        "maze-vec-envs-0",
        lambda: mazes.RandomGoalMazeVectorEnv(num_envs=0),
        V,
        "num_envs must be an integer in [1, 100_000], got 0",
    ),  # fmt: skip
    (
        "maze-vec-envs-huge",
        lambda: mazes.RandomGoalMazeVectorEnv(num_envs=10**9),
        V,
        "num_envs must be an integer in [1, 100_000]",
    ),  # fmt: skip
    (
        "maze-random-rooms",
        lambda: mazes.random_maze_layout((0, 3), np.random.default_rng(0)),
        V,
        "rooms",
    ),  # fmt: skip
    (
        "maze-random-rooms-huge",
        lambda: mazes.random_maze_layout((10**6, 3), np.random.default_rng(0)),
        V,
        "rooms",
    ),  # fmt: skip
    (
        "maze-random-rng",
        lambda: mazes.random_maze_layout((3, 3), 0),
        T,
        "rng must be a numpy.random.Generator, got int",
    ),  # fmt: skip
    (
        "maze-random-loops",
        lambda: mazes.random_maze_layout((3, 3), np.random.default_rng(0), loops=2.0),
        V,
        "loops must be in [0.0, 1.0], got 2.0",
    ),  # fmt: skip
]:
    case(f"rl2-env-{_name}", _call, _error, _frag)


def _reset(env):
    env.reset(seed=0)
    return env


def _reset_vec(env):
    env.reset_tensor(seed=0)
    return env


for _name, _call, _error, _frag in [
    ("input-size-0", lambda: trials.input_size(0, 2), V, "obs_size must be an integer"),
    ("input-size-str", lambda: trials.input_size(1, "2"), T, "num_actions must be an integer"),
    (
        "trial-input-list",
        lambda: trials.trial_input([0.0], V4.long(), V4, V4, 2),
        T,
        "obs must be a torch.Tensor, got list",
    ),  # fmt: skip
    (
        "trial-input-action-range",
        lambda: trials.trial_input(torch.zeros(4, 1), torch.tensor([0, 1, 2, 5]), V4, V4, 3),
        V,
        "prev_action must hold -1 or indices in [0, 2], got 5",
    ),  # fmt: skip
    (
        "trial-input-batch",
        lambda: trials.trial_input(torch.zeros(4, 1), torch.zeros(3).long(), V4, V4, 3),
        V,
        "prev_action [3]",
    ),  # fmt: skip
    (
        "trial-input-reward-shape",
        lambda: trials.trial_input(torch.zeros(4, 1), V4.long(), V41, V4, 3),
        V,
        "prev_reward [4, 1]",
    ),  # fmt: skip
    (
        "trial-input-float-action",
        lambda: trials.trial_input(torch.zeros(4, 1), V4 + 0.5, V4, V4, 3),
        T,
        "prev_action must be an integer tensor",
    ),  # fmt: skip
    (
        "reset-hidden-shape",
        lambda: trials.reset_hidden(torch.zeros(4, 8), torch.zeros(3, dtype=torch.bool)),
        V,
        "trial_end must have shape [4], got [3]",
    ),  # fmt: skip
    (
        "reset-hidden-list",
        lambda: trials.reset_hidden([0.0], V4),
        T,
        "hidden must be a torch.Tensor, got list",
    ),  # fmt: skip
    ("wrapper-env", lambda: trials.TrialWrapper("env"), T, "env must be a gymnasium Env"),
    ("agent-input-0", lambda: RecurrentActorCritic(0, 2), V, "input_size must be an integer"),
    ("agent-actions-1", lambda: RecurrentActorCritic(4, 1), V, "num_actions must be an integer"),
    (
        "agent-hidden-huge",
        lambda: RecurrentActorCritic(4, 2, 10**6),
        V,
        "hidden_size must be an integer in [1, 4_096], got 1000000",
    ),  # fmt: skip
    (
        "agent-recurrent-str",
        lambda: RecurrentActorCritic(4, 2, 8, "False"),
        T,
        "recurrent must be True or False, got 'False'",
    ),  # fmt: skip
    (
        "agent-obs-only-int",
        lambda: RecurrentActorCritic(4, 2, 8, True, 1),
        T,
        "observation_only must be True or False, got 1",
    ),  # fmt: skip
    (
        "agent-forward-shape",
        lambda: RecurrentActorCritic(4, 2, 8)(torch.zeros(3, 2, 5)),
        V,
        "inputs must have shape [T, B, 4], got (3, 2, 5)",
    ),  # fmt: skip
    (
        "agent-forward-hidden",
        lambda: RecurrentActorCritic(4, 2, 8)(torch.zeros(3, 2, 4), torch.zeros(2, 9)),
        V,
        "hidden must have shape [2, 8], got [2, 9]",
    ),  # fmt: skip
    (
        "agent-initial-state",
        lambda: RecurrentActorCritic(4, 2, 8).initial_state(-1),
        V,
        "batch_size must be an integer",
    ),  # fmt: skip
    (
        "make-agent-env",
        lambda: make_agent("env", RL2Config()),
        T,
        "env must be a TrialVectorEnv with Discrete actions (a task family of course_lib.tasks",
    ),  # fmt: skip
    (
        "make-agent-config",
        lambda: make_agent(bandits.BernoulliBanditVectorEnv(), {}),
        T,
        "config must be an RL2Config, got dict",
    ),  # fmt: skip
    (
        "rollout-agent",
        lambda: rollout_trials("agent", bandits.BernoulliBanditVectorEnv(), 0),
        T,
        "agent must be a RecurrentActorCritic, got str",
    ),  # fmt: skip
    (
        "rollout-env",
        lambda: rollout_trials(RecurrentActorCritic(7, 2, 8), "env", 0),
        T,
        "env must be a TrialVectorEnv with Discrete actions (a task family of course_lib.tasks",
    ),  # fmt: skip
    (
        "rollout-seed",
        lambda: rollout_trials(
            RecurrentActorCritic(8, 5, 8), bandits.BernoulliBanditVectorEnv(), -1
        ),
        V,
        "seed must be an integer >= 0, got -1",
    ),  # fmt: skip
    (
        "rollout-seed-huge",
        lambda: rollout_trials(
            RecurrentActorCritic(8, 5, 8), bandits.BernoulliBanditVectorEnv(), 2**63
        ),
        V,
        "seed must be an integer in [0, 2**63)",
    ),  # fmt: skip
    (
        "rollout-mismatch",
        lambda: rollout_trials(
            RecurrentActorCritic(7, 2, 8), bandits.BernoulliBanditVectorEnv(k=5), 0
        ),
        V,
        "agent must read this env's 8 inputs and choose among its 5 actions, got an agent of 7 inputs and 2 actions",
    ),  # fmt: skip
    (
        "rollout-greedy",
        lambda: rollout_trials(
            RecurrentActorCritic(8, 5, 8), bandits.BernoulliBanditVectorEnv(), 0, greedy="yes"
        ),
        T,
        "greedy must be True or False, got 'yes'",
    ),  # fmt: skip
    (
        "evaluate-seed",
        lambda: evaluate_rl2(
            RecurrentActorCritic(8, 5, 8), bandits.BernoulliBanditVectorEnv(), seed="0"
        ),
        T,
        "seed must be an integer",
    ),  # fmt: skip
    (
        "evaluate-mismatch",
        lambda: evaluate_rl2(
            RecurrentActorCritic(7, 2, 8), bandits.BernoulliBanditVectorEnv(), seed=0
        ),
        V,
        "got an agent of 7 inputs",
    ),  # fmt: skip
    (
        "train-env",
        lambda: train_rl2(RL2Config(), "env"),
        T,
        "env must be a TrialVectorEnv with Discrete actions (a task family of course_lib.tasks",
    ),  # fmt: skip
    (
        "train-config",
        lambda: train_rl2({"seed": 1}, bandits.BernoulliBanditVectorEnv(num_envs=8)),
        T,
        "config must be an RL2Config, got dict",
    ),  # fmt: skip
    (
        "train-callback",
        lambda: train_rl2(RL2Config(), bandits.BernoulliBanditVectorEnv(num_envs=8), callback="x"),
        T,
        "callback must be callable",
    ),  # fmt: skip
    (
        "train-agent",
        lambda: train_rl2(RL2Config(), bandits.BernoulliBanditVectorEnv(num_envs=8), agent="agent"),
        T,
        "agent must be a RecurrentActorCritic, got str",
    ),  # fmt: skip
    (
        "train-agent-mismatch",
        lambda: train_rl2(
            RL2Config(),
            bandits.BernoulliBanditVectorEnv(num_envs=8),
            agent=RecurrentActorCritic(7, 2, 8),
        ),
        V,
        "got an agent of 7 inputs",
    ),  # fmt: skip
    (
        "train-progress",
        lambda: train_rl2(RL2Config(), bandits.BernoulliBanditVectorEnv(num_envs=8), progress="no"),
        T,
        "progress must be True or False, got 'no'",
    ),  # fmt: skip
    (
        "baseline-name",
        lambda: baselines.run_baseline("magic", 5, 10, 10, 0),
        V,
        "name must be one of",
    ),  # fmt: skip
    (
        "baseline-k-1",
        lambda: baselines.run_baseline("greedy", 1, 10, 10, 0),
        V,
        "k must be an integer",
    ),  # fmt: skip
    (
        "baseline-trials-0",
        lambda: baselines.run_baseline("greedy", 5, 10, 0, 0),
        V,
        "trials must be an integer",
    ),  # fmt: skip
    (
        "baseline-seed",
        lambda: baselines.run_baseline("greedy", 5, 10, 10, -1),
        V,
        "seed must be an integer >= 0, got -1",
    ),  # fmt: skip
    (
        "baseline-epsilon",
        lambda: baselines.run_baseline("epsilon_greedy", 5, 10, 10, 0, epsilon=2.0),
        V,
        "epsilon must be in",
    ),  # fmt: skip
    ("bayes-k-str", lambda: baselines.bayes_optimal_value("5", 10), T, "k must be an integer"),
    (
        "bayes-huge",
        lambda: baselines.bayes_optimal_value(10, 100),
        V,
        "exact DP is intractable for k=10, n=100",
    ),  # fmt: skip
    (
        "gittins-table-n",
        lambda: baselines.finite_horizon_gittins_table(10**4),
        V,
        "n must be an integer in [1, 200]",
    ),  # fmt: skip
    (
        "gittins-table-grid",
        lambda: baselines.finite_horizon_gittins_table(10, grid=10**6),
        V,
        "grid must be an integer in [2, 4_096]",
    ),  # fmt: skip
    (
        "gittins-method-k",
        lambda: baselines.gittins_method(1, 10),
        V,
        "k must be an integer in [2, 1_000], got 1",
    ),  # fmt: skip
]:
    case(f"rl2-{_name}", _call, _error, _frag)

test_bad_input_gives_a_clear_error = sweep(CASES)

# -- edges that must keep working (no crash, no NaN)


def test_the_smallest_rl2_run_that_is_accepted_trains_without_nan():
    """One env of single-pull trials, with minibatches of 2 steps: the edge the config allows."""
    env = bandits.BernoulliBanditVectorEnv(num_envs=2, k=2, episodes_per_trial=1)
    config = RL2Config(iterations=2, hidden_size=8, num_minibatches=1)
    with time_limit(60):
        result = train_rl2(config, env, progress=False)
    assert all(math.isfinite(row["policy_loss"]) for row in result.history)


def test_gittins_method_answers_at_once_for_long_trials():
    """Counting exact-DP states for n = 1000 took about 10 s; past the cap it is not needed."""
    with time_limit(2):
        assert baselines.gittins_method(2, 1000) == "finite-horizon Gittins index"
        assert baselines.gittins_method(1000, 200) == "finite-horizon Gittins index"
