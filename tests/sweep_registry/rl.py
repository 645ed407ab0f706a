"""The RL core: pg, ppo, trpo, tabular, td, training, evaluation, sampling, nets, checkpoints,
stats, plotting and the task families under ``course_lib.tasks``.

Every baseline is tiny (a 3-state chain, an 8-wide net, two CartPole envs, one training
iteration), so that a valid call returns in well under a second and each bad value fails at
the edge before any work. Issue #28's examples in this area are hand-written bad values below
(:data:`BAD_BY_PARAM`): actions broadcast to more envs, a discrete move −1, an MDP with a NaN
transition or rows summing to 2, a start cell on a wall, work over a stated budget.
"""

from __future__ import annotations

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
    return Path(tempfile.mkdtemp(prefix="sweep-rl-"))


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
    """A 2-parameter problem: surrogate −(w·x), KL ½‖w − w₀‖²."""
    w = torch.nn.Parameter(torch.zeros(2))
    x = torch.tensor([1.0, 0.5])

    def surrogate():
        return (w * x).sum()

    def kl():
        return 0.5 * (w - w.detach().clone().zero_()).pow(2).sum() + 0.0 * w.sum()

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
    "course_lib.stats.as_scores": lambda: {"name": "scores", "values": [1.0, 2.0, 3.0]},
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
}

NO_BASELINE = {
    "course_lib.sampling.iterate_minibatches": "needs at least one tensor (*tensors), which "
    "a keyword-only baseline cannot pass (tests/test_sampling.py checks its keywords)",
}

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

# ------------------------------------------------------------------- hand-written bad values

BAD_BY_PARAM: dict = {}

#: Gaps the generated sweep found that are not fixed yet (strict xfails: a fixed one must leave).
KNOWN_GAPS: dict = {}
