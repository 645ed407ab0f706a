"""The RL core: pg, ppo, trpo, tabular, td, training, evaluation, sampling, nets, checkpoints,
stats, plotting and the task families under ``course_lib.tasks``.

Every baseline is tiny (a 3-state chain, an 8-wide net, two CartPole envs, one training
iteration), so that a valid call returns in well under a second and each bad value fails at
the edge before any work. Issue #28's examples in this area are hand-written bad values below
(:data:`BAD_BY_PARAM`): actions broadcast to more envs, a discrete move −1, an MDP with a NaN
transition or rows summing to 2, a start cell on a wall, work over a stated budget.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import bad_inputs
import numpy as np
import torch

Lazy = bad_inputs.Lazy
NAN = float("nan")


def _tabular_policy():
    return torch.full((3, 2), 0.5)  # chain_mdp(3): 3 states, 2 actions


# ------------------------------------------------------------------------------ fixtures


def _tmp_dir() -> Path:
    """A folder for the checkpoint cases' files, removed when the test process exits."""
    folder = Path(tempfile.mkdtemp(prefix="sweep-rl-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


TMP = Lazy(_tmp_dir)


def _saved_agent() -> Path:
    from course_lib import checkpoints

    return checkpoints.save(bad_inputs.AGENT(), TMP() / "agent.pt")


SAVED = Lazy(_saved_agent)


def _chain3():
    from course_lib.tabular import chain_mdp

    return chain_mdp(3)


CHAIN3 = Lazy(_chain3)


def _tabular_episodes():
    from course_lib.tabular import sample_episodes

    gen = torch.Generator().manual_seed(0)
    return sample_episodes(CHAIN3(), _tabular_policy(), 4, generator=gen)


EPISODES = Lazy(_tabular_episodes)


def _td_runs():
    from course_lib.td import sample_runs

    gen = torch.Generator().manual_seed(0)
    return sample_runs(CHAIN3(), _tabular_policy(), 2, 2, generator=gen)


RUNS = Lazy(_td_runs)


def _q_learning():
    from course_lib.tabular import value_iteration
    from course_lib.td import q_learning

    gen = torch.Generator().manual_seed(0)
    result = q_learning(CHAIN3(), 0.9, 5, num_runs=2, generator=gen)
    return result, value_iteration(CHAIN3(), 0.9)[0]


Q_LEARNING = Lazy(_q_learning)


def _reinforce():
    """A baseline REINFORCE agent, a batch of 2 CartPole episodes, its optimizers and config."""
    from course_lib import pg

    config = pg.ReinforceConfig(
        iterations=1, episodes_per_batch=2, hidden_sizes=(8,), value_steps=1
    )
    agent, envs, optimizers = pg._setup(config)
    try:
        batch = pg.collect_episodes(agent, envs, generator=torch.Generator().manual_seed(0), seed=0)
    finally:
        envs.close()
    return agent, batch, optimizers, config


REINFORCE = Lazy(_reinforce)


def _episode_envs():
    from course_lib.pg import make_episode_envs

    return make_episode_envs("CartPole-v1", 2)


EPISODE_ENVS = Lazy(_episode_envs)


def _ppo_setup():
    """A CartPole vector env of 2, its first observation, a rollout of 4 steps and its GAE."""
    from course_lib import ppo

    envs = ppo.make_envs("CartPole-v1", 2)
    obs, _ = envs.reset(seed=0)
    agent = bad_inputs.AGENT()
    rollout, _ = ppo.collect_rollout(agent, envs, obs, 4, generator=torch.Generator())
    advantages, returns = ppo.compute_gae(
        rollout.rewards, rollout.values, rollout.next_values, rollout.terminated,
        rollout.episode_end, 0.99, 0.95,
    )  # fmt: skip
    return envs, obs, rollout, advantages, returns


PPO = Lazy(_ppo_setup)


def _ppo_update_args():
    from course_lib import ppo

    envs, obs, rollout, advantages, returns = PPO()
    agent = bad_inputs.AGENT()
    batch, evaluate = ppo.transitions(agent, rollout, advantages, returns)
    optimizer = torch.optim.Adam(agent.parameters(), lr=1e-4)
    config = ppo.PPOConfig(num_envs=2, num_steps=4, update_epochs=1, num_minibatches=1)
    return {"batch": batch, "evaluate": evaluate, "optimizer": optimizer, "config": config}


PPO_UPDATE = Lazy(_ppo_update_args)


def _figure():
    from course_lib.plotting import new_figure

    return new_figure(figsize=(2.0, 1.5))


FIGURE = Lazy(_figure)


def _trpo_args():
    """A 2-parameter problem from w₀ = 0: surrogate L(w) = w·x, "KL" ½‖w − w₀‖² (Fisher = I)."""
    w = torch.nn.Parameter(torch.zeros(2))
    x = torch.tensor([1.0, 0.5])

    def surrogate():
        return (w * x).sum()

    def kl():
        return 0.5 * w.pow(2).sum()

    return {"params": [w], "surrogate": surrogate, "kl": kl}


def _free():
    from course_lib.tasks.mazes import parse_layout

    return parse_layout("room4")


FREE = Lazy(_free)


def _train_result():
    from course_lib.training import TrainResult

    return TrainResult(None, None, [])


def _bar():
    from tqdm.auto import tqdm

    return tqdm(total=1, disable=True)


def _reset(env):
    """An env after its first (seeded) reset, ready to step; a single env or a vector one."""
    if hasattr(env, "reset_tensor"):
        env.reset_tensor(seed=0)
    else:
        env.reset(seed=0)
    return env, None


def _goal_maze_vec():
    from course_lib.tasks.mazes import RandomGoalMazeVectorEnv

    return RandomGoalMazeVectorEnv(num_envs=2)


def _maze_vec():
    from course_lib.tasks.mazes import RandomMazeVectorEnv

    return RandomMazeVectorEnv(num_envs=2, rooms=(2, 2))


def _tasks():
    from course_lib.tasks import bandits, mazes, navigation, point_robot

    return bandits, mazes, navigation, point_robot


# ------------------------------------------------------------------------- valid calls

VALID_BY_CALLABLE = {
    # pg
    "course_lib.pg.reinforce_loss": lambda: {
        "logprobs": torch.zeros(3, 2),
        "weights": torch.ones(3, 2),
    },
    "course_lib.pg.collect_episodes": lambda: {"agent": REINFORCE()[0], "envs": EPISODE_ENVS()},
    "course_lib.pg.episode_weights": lambda: {
        "agent": REINFORCE()[0],
        "batch": REINFORCE()[1],
        "gamma": 0.9,
        "variant": "baseline",
    },
    "course_lib.pg.gradient_variance": lambda: {
        "agent": REINFORCE()[0],
        "batch": REINFORCE()[1],
        "gamma": 0.9,
        "variant": "baseline",
    },
    "course_lib.pg.reinforce_update": lambda: dict(
        zip(("agent", "batch", "optimizers", "config"), REINFORCE())
    ),
    "course_lib.pg.ReinforceOptimizers": lambda: {
        "policy": REINFORCE()[2].policy,
        "value": REINFORCE()[2].value,
    },
    "course_lib.pg.train_reinforce": lambda: {
        "config": REINFORCE()[3],
        "progress": False,
    },
    "course_lib.pg.evaluate_policy": lambda: {"agent": REINFORCE()[0], "episodes": 2},
    # ppo
    "course_lib.ppo.ppo_loss": lambda: {"old_values": torch.zeros(4), "entropy": torch.zeros(4)},
    "course_lib.ppo.compute_gae": lambda: {
        "next_values": torch.zeros(4),
        "terminated": torch.zeros(4),
        "episode_end": torch.zeros(4),
    },
    "course_lib.ppo.ActorCritic": lambda: {
        "observation_space": bad_inputs.AGENT().observation_space,
        "action_space": bad_inputs.AGENT().action_space,
        "hidden_sizes": (8,),
        "seed": 0,
    },
    "course_lib.ppo.gaussian_log_prob": lambda: {
        "mean": torch.zeros(3, 2),
        "log_std": torch.zeros(3, 2),
        "actions": torch.ones(3, 2),
    },
    "course_lib.ppo.gaussian_entropy": lambda: {"log_std": torch.zeros(2)},
    "course_lib.ppo.collect_rollout": lambda: {
        "agent": bad_inputs.AGENT(),
        "envs": PPO()[0],
        "obs": PPO()[1],
        "num_steps": 2,
    },
    "course_lib.ppo.transitions": lambda: {
        "agent": bad_inputs.AGENT(),
        "rollout": PPO()[2],
        "advantages": PPO()[3],
        "returns": PPO()[4],
    },
    "course_lib.ppo.PPOBatch": lambda: {
        "old_logprob": torch.zeros(4),
        "advantages": torch.zeros(4),
        "returns": torch.zeros(4),
        "old_values": torch.zeros(4),
    },
    "course_lib.ppo.ppo_update": lambda: dict(PPO_UPDATE()),
    "course_lib.ppo.train": lambda: {
        "config": __import__("course_lib.ppo").ppo.PPOConfig(
            num_envs=2,
            num_steps=4,
            total_steps=8,
            update_epochs=1,
            num_minibatches=1,
            hidden_sizes=(8,),
        ),
        "progress": False,
    },
    # trpo
    "course_lib.trpo.conjugate_gradient": lambda: {
        "matrix_vector": lambda v: 2.0 * v,
        "b": torch.tensor([1.0, 2.0]),
    },
    "course_lib.trpo.trpo_step": _trpo_args,
    # tabular
    "course_lib.tabular.TabularMDP": lambda: {
        "transitions": CHAIN3().transitions,
        "rewards": CHAIN3().rewards,
        "start": CHAIN3().start,
    },
    "course_lib.tabular.TabularEpisodes": lambda: {
        "states": EPISODES().states,
        "actions": EPISODES().actions,
        "rewards": EPISODES().rewards,
        "mask": EPISODES().mask,
    },
    "course_lib.tabular.epsilon_greedy_policy": lambda: {
        "best_actions": torch.tensor([0, 1, 1]),
        "num_actions": 2,
        "epsilon": 0.1,
    },
    "course_lib.tabular.softmax_policy": lambda: {"theta": torch.zeros(3, 2)},
    "course_lib.tabular.score_function_gradient": lambda: {"theta": torch.zeros(3, 2)},
    "course_lib.tabular.policy_evaluation": lambda: {"policy": _tabular_policy()},
    "course_lib.tabular.solve_values": lambda: {"policy": _tabular_policy(), "gamma": 0.9},
    "course_lib.tabular.action_values": lambda: {"policy": _tabular_policy(), "gamma": 0.9},
    "course_lib.tabular.expected_return": lambda: {"policy": _tabular_policy(), "gamma": 0.9},
    "course_lib.tabular.state_visits": lambda: {"policy": _tabular_policy(), "discount": 0.9},
    "course_lib.tabular.sample_episodes": lambda: {"policy": _tabular_policy()},
    "course_lib.tabular.monte_carlo_values": lambda: {"episodes": EPISODES(), "gamma": 0.9},
    "course_lib.tabular.exact_policy_gradient": lambda: {"theta": torch.zeros(3, 2), "gamma": 0.9},
    "course_lib.tabular.expected_score_function_gradient": lambda: {
        "theta": torch.zeros(3, 2),
        "gamma": 0.9,
    },
    "course_lib.tabular.score_function_estimates": lambda: {
        "theta": torch.zeros(3, 2),
        "episodes": EPISODES(),
        "weights": torch.ones(EPISODES().states.shape, dtype=torch.float64),
    },
    # td
    "course_lib.td.sample_runs": lambda: {"policy": _tabular_policy()},
    "course_lib.td.mc_evaluation": lambda: {"runs": RUNS(), "gamma": 0.9, "step_sizes": 0.1},
    "course_lib.td.td0_evaluation": lambda: {"runs": RUNS(), "gamma": 0.9, "step_sizes": 0.1},
    "course_lib.td.q_learning_update": lambda: {
        "Q": torch.zeros(2, 3, 2),
        "state": torch.tensor([0, 1]),
        "action": torch.tensor([1, 0]),
        "reward": torch.tensor([0.0, 1.0]),
        "next_state": torch.tensor([1, 2]),
        "terminal": torch.tensor([False, True]),
        "step_size": 0.5,
        "gamma": 0.9,
    },
    "course_lib.td.greedy_actions": lambda: {"Q": torch.zeros(2, 3, 2)},
    # evaluation, checkpoints, nets, sampling, stats
    "course_lib.evaluation.evaluate": lambda: {"agent": bad_inputs.AGENT(), "episodes": 2},
    "course_lib.evaluation.record_frames": lambda: {
        "agent": bad_inputs.AGENT(),
        "env_id": "CartPole-v1",
        "max_frames": 2,
    },
    "course_lib.checkpoints.save": lambda: {"agent": bad_inputs.AGENT(), "path": TMP() / "b.pt"},
    "course_lib.checkpoints.load": lambda: {"path": SAVED()},
    "course_lib.checkpoints.weights_digest": lambda: {
        "state_dict": bad_inputs.AGENT().state_dict(),
    },
    "course_lib.nets.layer_init": lambda: {"layer": torch.nn.Linear(2, 2)},
    "course_lib.nets.mlp": lambda: {"in_features": 2, "hidden_sizes": (8,), "out_features": 1},
    "course_lib.sampling.visit_counts": lambda: {"batches": [[0, 1], [2, 0]], "n": 3},
    "course_lib.sampling.iterate_minibatches": lambda: {"batch_size": 2},
    # ``name`` is the caller's argument name, which the message repeats
    "course_lib.stats.as_scores": lambda: {"name": "values", "values": [1.0, 2.0, 3.0]},
    "course_lib.stats.differences": lambda: {"a": [1.0, 2.0, 3.0], "b": [0.5, 1.0, 2.0]},
    "course_lib.stats.paired_difference": lambda: {"a": [1.0, 2.0, 3.0], "b": [0.5, 1.0, 2.0]},
    "course_lib.stats.sign": lambda: {
        "difference": __import__("course_lib.stats").stats.mean_ci([1.0, 2.0, 3.0]),
    },
    # training
    "course_lib.training.check_callback": lambda: {"callback": None},
    "course_lib.training.finish_progress": lambda: {"bar": _bar(), "stopped_early": False},
    "course_lib.training.train_loop": lambda: {
        "result": _train_result(),
        "iteration": lambda i: {"loss": 0.0},
        "iterations": 1,
        "callback": None,
        "progress": False,
        "desc": "sweep",
    },
    # plotting
    "course_lib.plotting.new_figure": lambda: {"figsize": (2.0, 1.5)},
    "course_lib.plotting.render_png": lambda: {"fig": FIGURE()[0], "dpi": 20},
    "course_lib.plotting.PlotView": lambda: {"fig": FIGURE()[0], "dpi": 20},
    "course_lib.plotting.LiveCurve": lambda: {
        "panels": {"p": {"loss": "loss"}},
        "figsize": (2.0, 1.5),
    },
    "course_lib.plotting.plot_lines": lambda: {
        "ax": FIGURE()[1],
        "x": [0.0, 1.0],
        "series": {"a": [1.0, 2.0]},
    },
    # tasks
    "course_lib.tasks.bandits.evaluation_bandits": lambda: {"k": 3, "seeds": [0, 1]},
    "course_lib.tasks.base.check_actions": lambda: {
        "actions": torch.tensor([0, 1]),
        "num_envs": 2,
        "num_actions": 3,
    },
    "course_lib.tasks.mazes.parse_layout": lambda: {"layout": "room4"},
    "course_lib.tasks.mazes.layout_string": lambda: {"free": FREE()[0], "start": FREE()[1]},
    "course_lib.tasks.mazes.shortest_path_lengths": lambda: {
        "free": FREE()[0],
        "start": FREE()[1],
    },
    "course_lib.tasks.mazes.next_cell_table": lambda: {"free": FREE()[0]},
    "course_lib.tasks.mazes.random_maze_layout": lambda: {
        "rooms": (2, 2),
        "rng": np.random.default_rng(0),
    },
    "course_lib.tasks.navigation.move": lambda: {
        "position": torch.zeros(3, 2),
        "action": torch.ones(3, 2),
    },
    "course_lib.tasks.navigation.navigation_reward": lambda: {
        "position": torch.zeros(3, 2),
        "goal": torch.ones(3, 2),
    },
    "course_lib.tasks.navigation.reached_goal": lambda: {
        "position": torch.zeros(3, 2),
        "goal": torch.ones(3, 2),
    },
    "course_lib.tasks.navigation.check_batched_actions": lambda: {
        "actions": torch.tensor([0, 8, 4]),
        "num_envs": 3,
        "action_type": "discrete",
    },
    "course_lib.tasks.navigation.numpy_actions": lambda: {
        "actions": np.array([0, 8, 4]),
        "num_envs": 3,
        "action_type": "discrete",
    },
    "course_lib.tasks.navigation.move_point": lambda: {
        "position": np.zeros(2, dtype=np.float32),
        "action": 4,
        "action_type": "discrete",
        "action_space": __import__("gymnasium").spaces.Discrete(9),
    },
    "course_lib.tasks.point_robot.dense_reward": lambda: {
        "position": torch.zeros(3, 2),
        "goal": torch.ones(3, 2),
    },
    "course_lib.tasks.point_robot.sparse_reward": lambda: {
        "position": torch.zeros(3, 2),
        "goal": torch.ones(3, 2),
    },
    # widgets
    "course_lib.widgets.pg.settled_episode": lambda: {
        "result": Q_LEARNING()[0],
        "q_star": Q_LEARNING()[1],
    },
    "course_lib.widgets.pg.converged_episode": lambda: {
        "result": Q_LEARNING()[0],
        "q_star": Q_LEARNING()[1],
    },
    "course_lib.widgets.pg.q_learning_explorer": lambda: {
        "runs": {0.5: Q_LEARNING()[0]},
        "q_star": Q_LEARNING()[1],
        "mdp": CHAIN3(),
    },
    "course_lib.widgets.ppo.clip_objective_curve": lambda: {
        "ratios": np.array([0.5, 1.0, 1.5]),
        "advantage": 1.0,
        "clip_coef": 0.2,
    },
    "course_lib.widgets.sampling.use_summary": lambda: {"used": np.array([2, 2, 1]), "epochs": 2},
    # methods: the agents' on a batch of 3 CartPole-sized observations (ActorCritic's
    # instance is its class baseline: CartPole spaces, 2 actions), the envs' on INSTANCES
    "course_lib.ppo.ActorCritic.act": lambda: {"obs": torch.zeros(3, 4)},
    "course_lib.ppo.ActorCritic.value": lambda: {"obs": torch.zeros(3, 4)},
    "course_lib.ppo.ActorCritic.forward": lambda: {"obs": torch.zeros(3, 4)},
    "course_lib.ppo.ActorCritic.evaluate_actions": lambda: {
        "obs": torch.zeros(3, 4),
        "actions": torch.tensor([0, 1, 1]),
    },
    "course_lib.ppo.ActorCritic.env_action": lambda: {"actions": torch.tensor([0, 1, 1])},
    "course_lib.pg.ReinforceAgent.act": lambda: {"obs": torch.zeros(3, 2)},
    "course_lib.pg.ReinforceAgent.log_probs": lambda: {"obs": torch.zeros(3, 2)},
    "course_lib.plotting.LiveCurve.update": lambda: {"row": {"env_steps": 1, "loss": 0.5}},
    "course_lib.training.TrainResult.metric": lambda: {"key": "loss"},
    "course_lib.tasks.bandits.BernoulliBandit.step": lambda: {"action": 0},
    "course_lib.tasks.bandits.BernoulliBanditVectorEnv.step_tensor": lambda: {
        "actions": torch.tensor([0, 1]),
    },
    "course_lib.tasks.base.TrialVectorEnv.step": lambda: {"actions": np.array([0, 1])},
    "course_lib.tasks.base.TrialVectorEnv.step_tensor": lambda: {"actions": torch.tensor([0, 1])},
    "course_lib.tasks.base.TrialVectorEnv.reset": lambda: {},
    "course_lib.tasks.base.TrialVectorEnv.reset_tensor": lambda: {},
    "course_lib.tasks.mazes.RandomGoalMaze.step": lambda: {"action": 0},
    "course_lib.tasks.mazes.RandomGoalMazeVectorEnv.step_tensor": lambda: {
        "actions": torch.tensor([0, 1]),
    },
    "course_lib.tasks.mazes.RandomGoalMazeVectorEnv.trial_layout": lambda: {
        "task": _reset(_goal_maze_vec())[0].task[0],
    },
    "course_lib.tasks.mazes.RandomMazeVectorEnv.trial_layout": lambda: {
        "task": _reset(_maze_vec())[0].task[0],
    },
    "course_lib.tasks.navigation.Navigation2D.step": lambda: {"action": np.zeros(2, np.float32)},
    "course_lib.tasks.navigation.Navigation2DVectorEnv.step_tensor": lambda: {
        "actions": torch.zeros(2, 2),
    },
    "course_lib.tasks.navigation.PointEnv.reset": lambda: {},
    "course_lib.tasks.navigation.PointVectorEnv.fix_goals": lambda: {"goals": torch.zeros(2, 2)},
    "course_lib.tasks.navigation.PointVectorEnv.reset_tensor": lambda: {},
    "course_lib.tasks.point_robot.SparsePointRobot.step": lambda: {
        "action": np.zeros(2, np.float32),
    },
    "course_lib.tasks.point_robot.SparsePointRobotVectorEnv.step_tensor": lambda: {
        "actions": torch.zeros(2, 2),
    },
    "course_lib.tasks.base.new_trial_due": lambda: {
        "env": __import__("course_lib.tasks.bandits").tasks.bandits.BernoulliBandit(),
        "seed": None,
        "options": None,
        "task": None,
    },
}

NO_BASELINE: dict = {}

RECORDS = {
    "course_lib.stats.Interval": "built by stats.mean_ci and friends from checked samples",
    "course_lib.pg.EpisodeBatch": "built by pg.collect_episodes from the envs it stepped",
    "course_lib.ppo.Rollout": "built by ppo.collect_rollout from the envs it stepped",
    "course_lib.td.QLearningResult": "built by td.q_learning from the tables it learned",
    "course_lib.training.TrainResult": "built by each trainer around the model it trains",
}

_CHECKER = (
    "a checker judges whatever the student passes: a wrong or odd answer is feedback "
    "(it prints why and returns False), never an exception raised at the student"
)

EXEMPT = {
    f"course_lib.exercises.{name}": _CHECKER
    for name in (
        "pg.check_constant_baseline-answer",
        "pg.check_q_learning_update-fn",
        "pg.check_reward_to_go-fn",
        "pg.check_value_at_gamma_zero-answer",
        "ppo.check_clipped_surrogate-fn",
        "ppo.check_clipped_value-answer",
        "ppo.check_flat_gradient-answer",
        "sampling.check_batches_per_epoch-answer",
        "sampling.check_drop_last_uses-answer",
        "sampling.check_minibatches-fn",
        "sampling.check_never_used-answer",
    )
}

EXEMPT["course_lib.tasks.base.new_trial_due-task"] = (
    "any task object (arm probabilities, a goal, a maze) or None (none drawn yet): the "
    "function only asks whether it is None"
)

# ------------------------------------------------------------------- hand-written bad values


def _row_sums_2():
    P = CHAIN3().transitions.clone()
    P[1, 0] = torch.tensor([1.0, 0.0, 1.0])  # a row summing to 2 (issue #28)
    return P


def _negative_transition():
    P = CHAIN3().transitions.clone()
    P[1, 0, 0] = -0.5
    return P


def _open_border():
    free = FREE()[0].copy()
    free[0, 1] = True  # a hole in the wall: a move up from (1, 1) would wrap to the last row
    return free


def _scores():
    return [
        ("str", "1, 2, 3"),
        ("strings", ["1", "2", "3"]),  # numpy would parse them as numbers
        ("nan_inside", [1.0, NAN, 2.0]),
        ("inf_inside", [1.0, float("inf"), 2.0]),
        ("one_score", [1.0]),
        ("2_d", [[1.0, 2.0], [3.0, 4.0]]),
        ("None", None),
        ("object", object()),
    ]


_POINT_FUNCTIONS = (
    "tasks.navigation.move-action",
    "tasks.navigation.move-position",
    "tasks.navigation.navigation_reward-position",
    "tasks.navigation.navigation_reward-goal",
    "tasks.navigation.reached_goal-position",
    "tasks.navigation.reached_goal-goal",
    "tasks.point_robot.dense_reward-position",
    "tasks.point_robot.dense_reward-goal",
    "tasks.point_robot.sparse_reward-position",
    "tasks.point_robot.sparse_reward-goal",
)

BAD_BY_PARAM = {
    # ---- issue #28's examples in this area
    # actions [1, 2] silently broadcast to 3 envs; move -1 silently became move 8
    "course_lib.tasks.navigation.check_batched_actions-actions": lambda: [
        ("broadcast_2_to_3", torch.tensor([1, 2])),
        ("move_minus_1", torch.tensor([-1, 0, 0])),
        ("move_9", torch.tensor([9, 0, 0])),
        ("float_moves", torch.tensor([0.0, 1.0, 2.0])),
        ("list", [0, 1, 2]),
        ("None", None),
    ],
    "course_lib.tasks.navigation.numpy_actions-actions": lambda: [
        ("broadcast_2_to_3", np.array([1, 2])),
        ("move_minus_1", np.array([-1, 0, 0])),
        ("float_moves", np.array([0.5, 1.0, 2.0])),
        ("object", object()),
    ],
    "course_lib.tasks.navigation.move_point-action": lambda: [
        ("move_minus_1", -1),
        ("move_9", 9),
        ("float", 2.5),
        ("str", "3"),
        ("None", None),
    ],
    "course_lib.tasks.base.check_actions-actions": lambda: [
        ("broadcast_1_to_2", torch.tensor([1])),
        ("minus_1", torch.tensor([-1, 0])),
        ("too_big", torch.tensor([0, 3])),
        ("float", torch.tensor([0.0, 1.0])),
        ("list", [0, 1]),
        ("None", None),
    ],
    # TabularMDP with a NaN transition (the generated NaN) or rows summing to 2
    "course_lib.tabular.TabularMDP-transitions": lambda: [
        ("row_sums_2", _row_sums_2()),
        ("negative", _negative_transition()),
        ("shape_[S,A]", torch.zeros(3, 2)),
        ("inf", torch.full((3, 2, 3), float("inf"))),
    ],
    "course_lib.tabular.TabularMDP-start": lambda: [
        ("sums_to_2", torch.tensor([1.0, 1.0, 0.0])),
        ("negative", torch.tensor([1.5, -0.5, 0.0])),
        ("shape", torch.tensor([1.0, 0.0])),
    ],
    "course_lib.tabular.TabularMDP-rewards": lambda: [("shape", torch.zeros(3))],
    "course_lib.tabular.TabularMDP-state_names": lambda: [
        ("too_few", ("a", "b")),
        ("ints", (0, 1, 2)),
    ],
    # shortest_path_lengths wrapped round the grid like a torus; a start cell on a wall
    "course_lib.tasks.mazes.shortest_path_lengths-free": lambda: [
        ("open_border", _open_border()),
        ("int_grid", FREE()[0].astype(int)),
        ("1_d", FREE()[0][1]),
    ],
    "course_lib.tasks.mazes.shortest_path_lengths-start": lambda: [
        ("on_a_wall", (0, 0)),
        ("outside", (10, 10)),
        ("negative", (-1, 1)),
        ("float", (1.0, 1.0)),
        ("three", (1, 1, 1)),
    ],
    "course_lib.tasks.mazes.next_cell_table-free": lambda: [("open_border", _open_border())],
    "course_lib.tasks.mazes.layout_string-start": lambda: [("on_a_wall", (0, 0))],
    "course_lib.tasks.mazes.random_maze_layout-rooms": lambda: [
        ("one_room", (1, 1)),
        ("too_many", (100, 100)),
        ("float", (2.0, 2.0)),
        ("three", (2, 2, 2)),
    ],
    # work a call implies: reward_to_go of 10**8 steps (capped at 100_000), policy evaluation
    # of 10**9 sweeps, an oracle walk of 10**9 steps, an evaluation over its step budget
    "course_lib.pg.reward_to_go-rewards": lambda: [
        ("over_horizon_cap", torch.zeros(100_001)),
        ("empty", torch.zeros(0)),
        ("3_d", torch.zeros(2, 2, 2)),
    ],
    "course_lib.tabular.policy_evaluation-max_sweeps": lambda: [("10**9", 10**9), ("zero", 0)],
    "course_lib.tabular.policy_evaluation-tol": lambda: [("zero", 0.0)],
    "course_lib.tasks.navigation.oracle_return-max_steps": lambda: [("10**9", 10**9)],
    "course_lib.tasks.point_robot.sparse_oracle_return-max_steps": lambda: [("10**9", 10**9)],
    "course_lib.evaluation.evaluate-max_steps": lambda: [
        ("over_budget", 5_000_001),
        ("10**9", 10**9),
    ],
    "course_lib.evaluation.evaluate-episodes": lambda: [("10**6", 10**6)],
    "course_lib.evaluation.evaluate-env_id": lambda: [
        ("unfit", "Pendulum-v1"),
        ("unregistered", "NoSuchEnv-v0"),
    ],
    "course_lib.evaluation.record_frames-env_id": lambda: [("unfit", "Pendulum-v1")],
    "course_lib.evaluation.record_frames-max_steps": lambda: [("10**9", 10**9)],
    "course_lib.evaluation.record_frames-max_frames": lambda: [("10**6", 10**6)],
    # REINFORCE waits for every episode to end: an env with no time limit is refused
    "course_lib.pg.make_episode_envs-env_id": lambda: [
        ("no_time_limit", "CliffWalking-v1"),
        ("unregistered", "NoSuchEnv-v0"),
    ],
    "course_lib.pg.make_episode_envs-num_envs": lambda: [("10**6", 10**6)],
    "course_lib.tabular.sample_episodes-num_episodes": lambda: [("10**9", 10**9)],
    "course_lib.tabular.sample_episodes-max_steps": lambda: [("10**9", 10**9)],
    "course_lib.td.sample_runs-num_runs": lambda: [("10**9", 10**9)],
    "course_lib.ppo.collect_rollout-num_steps": lambda: [("over_batch_cap", 500_001)],
    "course_lib.training.train_loop-iterations": lambda: [("10**9", 10**9)],
    # ---- shapes and mismatches the annotations cannot say
    "course_lib.tabular.policy_evaluation-policy": lambda: [
        ("rows_sum_to_2", torch.ones(3, 2)),
        ("negative", torch.tensor([[1.5, -0.5]] * 3)),
        ("shape", torch.full((2, 2), 0.5)),
    ],
    "course_lib.tabular.epsilon_greedy_policy-best_actions": lambda: [
        ("out_of_range", torch.tensor([0, 2, 1])),
        ("float", torch.tensor([0.0, 1.0, 1.0])),
    ],
    "course_lib.tabular.score_function_estimates-weights": lambda: [
        ("shape", torch.ones(2, 2, dtype=torch.float64)),
    ],
    "course_lib.tabular.TabularEpisodes-states": lambda: [
        ("float", EPISODES().states.double()),
        ("negative", -EPISODES().states - 1),
        ("shape", EPISODES().states[:, :2]),
    ],
    "course_lib.tabular.TabularEpisodes-mask": lambda: [("not_0/1", EPISODES().mask * 2)],
    "course_lib.td.q_learning_update-state": lambda: [
        ("out_of_range", torch.tensor([0, 3])),
        ("one_learner", torch.tensor([0])),
    ],
    "course_lib.td.q_learning_update-action": lambda: [("minus_1", torch.tensor([1, -1]))],
    "course_lib.td.q_learning_update-terminal": lambda: [("int_flags", torch.tensor([0, 1]))],
    "course_lib.td.q_learning_update-step_size": lambda: [
        ("per_learner_wrong_length", torch.tensor([0.5, 0.5, 0.5])),
        ("above_1", 1.5),
    ],
    "course_lib.td.mc_evaluation-runs": lambda: [("empty", [])],
    "course_lib.td.mc_evaluation-mdp": lambda: [
        ("bigger_episodes", __import__("course_lib.tabular").tabular.chain_mdp(2))
    ],
    "course_lib.pg.reinforce_loss-weights": lambda: [("broadcast_[T,1]", torch.ones(3, 1))],
    "course_lib.pg.reinforce_loss-mask": lambda: [("shape", torch.ones(3))],
    "course_lib.pg.episode_weights-variant": lambda: [("unknown", "advantage")],
    "course_lib.ppo.compute_gae-terminated": lambda: [("not_0/1", torch.full((4,), 2.0))],
    "course_lib.ppo.compute_gae-values": lambda: [("shape_[T,1]", torch.zeros(4, 1))],
    "course_lib.ppo.ppo_loss-returns": lambda: [("broadcast_[B,1]", torch.zeros(4, 1))],
    "course_lib.ppo.PPOBatch-returns": lambda: [("length", torch.zeros(3))],
    "course_lib.ppo.transitions-advantages": lambda: [("flat", torch.zeros(8))],
    "course_lib.ppo.collect_rollout-obs": lambda: [("one_env", PPO()[1][:1])],
    "course_lib.ppo.gaussian_log_prob-actions": lambda: [("shape", torch.ones(3, 1))],
    "course_lib.trpo.conjugate_gradient-b": lambda: [("2_d", torch.ones(2, 2))],
    "course_lib.trpo.trpo_step-params": lambda: [("empty", []), ("not_tensors", [1.0])],
    "course_lib.checkpoints.weights_digest-state_dict": lambda: [("not_tensors", {"w": [1.0]})],
    "course_lib.widgets.pg.converged_episode-q_star": lambda: [("shape", torch.zeros(2, 2))],
    "course_lib.widgets.pg.converged_episode-run": lambda: [("no_such_run", 5)],
    "course_lib.widgets.ppo.clip_objective_curve-ratios": lambda: [
        ("negative", np.array([-1.0, 1.0])),
        ("nan", np.array([NAN])),
    ],
    "course_lib.widgets.sampling.use_summary-used": lambda: [("float", np.array([1.5, 2.0]))],
    "course_lib.sampling.visit_counts-batches": lambda: [("out_of_range", [[0, 3]])],
    # ---- parameters annotated ``object``/``Any`` or not at all
    **{
        f"course_lib.stats.{key}": _scores
        for key in (
            "as_scores-values",
            "differences-a",
            "differences-b",
            "paired_difference-a",
            "paired_difference-b",
        )
    },
    "course_lib.nets.mlp-activation": lambda: [
        ("instance", torch.nn.Tanh()),
        ("not_a_module", int),
        ("int", 3),
        ("None", None),
    ],
    "course_lib.plotting.new_figure-figsize": lambda: [
        ("str", "big"),
        ("one_number", (2.0,)),
        ("nan", (NAN, 1.0)),
        ("zero", (0.0, 1.0)),
        ("huge", (1000.0, 1.0)),
        ("None", None),
    ],
    "course_lib.plotting.LiveCurve-figsize": lambda: [("str", "big"), ("zero", (0.0, 1.0))],
    "course_lib.plotting.plot_lines-ax": lambda: [("object", object()), ("None", None)],
    "course_lib.plotting.plot_lines-series": lambda: [("length", {"a": [1.0, 2.0, 3.0]})],
    "course_lib.training.check_callback-callback": lambda: [("int", 3), ("str", "print")],
}
BAD_BY_PARAM.update(
    {
        f"course_lib.{key}": lambda: [
            ("no_xy_axis", torch.zeros(3, 3)),
            ("int", torch.zeros(3, 2, dtype=torch.long)),
            ("0_d", torch.tensor(0.0)),
            ("not_broadcastable", torch.zeros(4, 2)),
        ]
        for key in _POINT_FUNCTIONS
    }
)
BAD_BY_PARAM["course_lib.stats.differences-b"] = lambda: [*_scores(), ("mismatched", [1.0, 2.0])]

#: Gaps the generated sweep found that are not fixed yet (strict xfails: a fixed one must leave).
KNOWN_GAPS: dict = {}

#: Fresh instances for the methods: every env reset (seeded) first, as a caller must; the
#: abstract bases (TrialVectorEnv, PointEnv, PointVectorEnv) as one concrete family each,
#: whose overrides are what a call on the base reaches.
INSTANCES = {
    "course_lib.tasks.bandits.BernoulliBandit": lambda: _reset(_tasks()[0].BernoulliBandit())[0],
    "course_lib.tasks.bandits.BernoulliBanditVectorEnv": lambda: _reset(
        _tasks()[0].BernoulliBanditVectorEnv(num_envs=2)
    )[0],
    "course_lib.tasks.base.TrialVectorEnv": lambda: _reset(
        _tasks()[0].BernoulliBanditVectorEnv(num_envs=2)
    )[0],
    "course_lib.tasks.mazes.RandomGoalMaze": lambda: _reset(_tasks()[1].RandomGoalMaze())[0],
    "course_lib.tasks.mazes.RandomGoalMazeVectorEnv": lambda: _reset(_goal_maze_vec())[0],
    "course_lib.tasks.mazes.RandomMazeVectorEnv": lambda: _reset(_maze_vec())[0],
    "course_lib.tasks.navigation.Navigation2D": lambda: _reset(_tasks()[2].Navigation2D())[0],
    "course_lib.tasks.navigation.PointEnv": lambda: _tasks()[2].Navigation2D(),
    "course_lib.tasks.navigation.Navigation2DVectorEnv": lambda: _reset(
        _tasks()[2].Navigation2DVectorEnv(num_envs=2)
    )[0],
    "course_lib.tasks.navigation.PointVectorEnv": lambda: _tasks()[2].Navigation2DVectorEnv(
        num_envs=2
    ),
    "course_lib.tasks.point_robot.SparsePointRobot": lambda: _reset(_tasks()[3].SparsePointRobot())[
        0
    ],
    "course_lib.tasks.point_robot.SparsePointRobotVectorEnv": lambda: _reset(
        _tasks()[3].SparsePointRobotVectorEnv(num_envs=2)
    )[0],
    "course_lib.pg.ReinforceAgent": lambda: __import__("course_lib.pg").pg.ReinforceAgent(
        2, 2, (8,)
    ),
    "course_lib.training.TrainResult": lambda: __import__(
        "course_lib.training"
    ).training.TrainResult(None, None, [{"iteration": 1, "loss": 0.5}]),
}

#: ``*tensors`` of iterate_minibatches: two tensors that share their first dimension.
POSITIONAL = {
    "course_lib.sampling.iterate_minibatches": lambda: (torch.zeros(6, 2), torch.arange(6)),
}

INTENDED = {
    "course_lib.stats.mean_ci_along-dim-negative": "dim=-1 is the last dimension (torch's "
    "convention), a legal axis",
    "course_lib.training.RunningMean.add-value-nan": "a diverging run's loss: the row records "
    "it rather than stopping the run (what the trainers decided for a NaN loss)",
    "course_lib.training.RunningMean.add-value-inf": "an overflowing loss, recorded as NaN is",
    "course_lib.training.RunningMean.add-value--inf": "an overflowing loss, recorded as NaN is",
}

HUGE_CONTRADICTS = {
    "course_lib.stats.as_scores-minimum": "a minimum of 10**12 scores is legal; the 3 values "
    "given then fall short of it (the error names the scores and says so)",
    "course_lib.tasks.base.check_actions-num_envs": "10**12 envs is a legal count; the [2] "
    "actions then have the wrong shape (the error names actions)",
    "course_lib.tasks.navigation.check_batched_actions-num_envs": "as check_actions: the "
    "actions' shape contradicts it",
    "course_lib.tasks.navigation.numpy_actions-num_envs": "as check_actions: the actions' "
    "shape contradicts it",
}

# The envs' step methods take gymnasium's unannotated actions: their bad values by hand.
_F32 = np.float32
BAD_BY_PARAM.update(
    {
        "course_lib.tasks.bandits.BernoulliBandit.step-action": lambda: [
            ("out_of_range", 5),
            ("negative", -1),
            ("str", "0"),
            ("None", None),
        ],
        "course_lib.tasks.mazes.RandomGoalMaze.step-action": lambda: [
            ("out_of_range", 4),
            ("str", "up"),
            ("None", None),
        ],
        "course_lib.tasks.navigation.Navigation2D.step-action": lambda: [
            ("nan", np.array([NAN, 0.0], _F32)),
            ("shape", np.zeros(3, _F32)),
            ("str", "left"),
            ("None", None),
        ],
        "course_lib.tasks.point_robot.SparsePointRobot.step-action": lambda: [
            ("nan", np.array([NAN, 0.0], _F32)),
            ("shape", np.zeros(3, _F32)),
            ("str", "left"),
        ],
        "course_lib.tasks.base.TrialVectorEnv.step-actions": lambda: [
            ("out_of_range", np.array([0, 7])),
            ("length", np.array([0])),
            ("None", None),
        ],
        "course_lib.tasks.base.TrialVectorEnv.step_tensor-actions": lambda: [
            ("out_of_range", torch.tensor([0, 7])),
            ("float", torch.tensor([0.0, 1.0])),
            ("list", [0, 1]),
        ],
        "course_lib.tasks.bandits.BernoulliBanditVectorEnv.step_tensor-actions": lambda: [
            ("out_of_range", torch.tensor([0, 5])),
            ("length", torch.tensor([0])),
            ("bool", torch.tensor([True, False])),
        ],
        "course_lib.tasks.mazes.RandomGoalMazeVectorEnv.step_tensor-actions": lambda: [
            ("out_of_range", torch.tensor([0, 4])),
            ("length", torch.tensor([0, 1, 2])),
        ],
        "course_lib.tasks.navigation.Navigation2DVectorEnv.step_tensor-actions": lambda: [
            ("shape", torch.zeros(3, 2)),
            ("int", torch.zeros(2, 2, dtype=torch.long)),
            ("complex", torch.zeros(2, 2, dtype=torch.complex64)),
        ],
        "course_lib.tasks.point_robot.SparsePointRobotVectorEnv.step_tensor-actions": lambda: [
            ("shape", torch.zeros(3, 2)),
            ("int", torch.zeros(2, 2, dtype=torch.long)),
        ],
        "course_lib.tasks.mazes.RandomGoalMazeVectorEnv.trial_layout-task": lambda: [
            ("wall", torch.tensor(0)),
            ("float", torch.tensor(5.0)),
        ],
        "course_lib.tasks.mazes.RandomMazeVectorEnv.trial_layout-task": lambda: [
            ("shape", torch.zeros(3, 3, dtype=torch.long)),
            ("no_goal", torch.zeros(_maze_vec().height, _maze_vec().width, dtype=torch.long)),
        ],
        "course_lib.tasks.navigation.PointVectorEnv.fix_goals-goals": lambda: [
            ("shape", torch.zeros(3, 2)),
        ],
        "course_lib.ppo.ActorCritic.act-obs": lambda: [("width", torch.zeros(3, 5))],
        "course_lib.ppo.ActorCritic.evaluate_actions-actions": lambda: [
            ("out_of_range", torch.tensor([0, 1, 2])),
            ("length", torch.tensor([0, 1])),
        ],
        "course_lib.ppo.ActorCritic.env_action-actions": lambda: [
            ("out_of_range", torch.tensor([0, 2])),
        ],
        "course_lib.pg.ReinforceAgent.act-obs": lambda: [("width", torch.zeros(3, 4))],
    }
)

EXEMPT["course_lib.plotting.LiveCurve.update-model"] = (
    "the trainer callback's second argument (the model being trained): any object or None, "
    "which the curve ignores"
)

# Kinds the red team's sample found (benchmarks/bad_input_sample.py), kept closed here.
BAD_BY_PARAM.update(
    {
        "course_lib.tabular.sample_episodes-num_episodes": lambda: [
            ("10**9", 10**9),
            ("over_work", 10**6),  # x the default 1000 steps: 10**9 episode-steps
        ],
        "course_lib.tasks.bandits.evaluation_bandits-seeds": lambda: [
            ("over_work", range(10**7)),  # x k = 3: 3 * 10**7 probabilities
        ],
        "course_lib.pg.reinforce_loss-mask": lambda: [
            ("shape", torch.ones(3)),
            ("all_zero", torch.zeros(3, 2)),
            ("not_0/1", torch.full((3, 2), 2.0)),
        ],
        "course_lib.pg.reinforce_loss-logprobs": lambda: [
            ("int", torch.zeros(3, 2, dtype=torch.long)),
            ("empty", torch.zeros(0, 2)),
        ],
        "course_lib.pg.reward_to_go-rewards": lambda: [
            ("over_horizon_cap", torch.zeros(100_001)),
            ("empty", torch.zeros(0)),
            ("3_d", torch.zeros(2, 2, 2)),
            ("bool", torch.tensor([True, False, True])),
            ("complex", torch.zeros(3, dtype=torch.complex64)),
        ],
        "course_lib.pg.collect_episodes-agent": lambda: [
            ("other_env", __import__("course_lib.pg").pg.ReinforceAgent(3, 2, (8,))),
        ],
        "course_lib.pg.evaluate_policy-agent": lambda: [
            ("other_actions", __import__("course_lib.pg").pg.ReinforceAgent(4, 3, (8,))),
        ],
        "course_lib.ppo.compute_gae-values": lambda: [
            ("shape_[T,1]", torch.zeros(4, 1)),
        ],
        "course_lib.trpo.conjugate_gradient-matrix_vector": lambda: [
            ("wrong_shape", lambda v: v[:1]),
        ],
        "course_lib.trpo.trpo_step-surrogate": lambda: [
            ("nan", lambda: torch.tensor(NAN, requires_grad=True)),
        ],
        "course_lib.widgets.ppo.clip_objective_curve-clip_coef": lambda: [("nan", NAN)],
    }
)

BAD_BY_PARAM.update(
    {
        "course_lib.plotting.plot_lines-spread": lambda: [("nan_inside", {"a": [NAN, 0.1]})],
        "course_lib.tasks.mazes.layout_string-free": lambda: [("open_border", _open_border())],
        "course_lib.tasks.point_robot.random_half_circle_goals-generator": lambda: [
            ("None", None),
        ],
        "course_lib.training.linear_anneal-iteration": lambda: [("past_the_end", 10**6)],
    }
)
