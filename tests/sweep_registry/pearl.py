"""PEARL: pearl.*, its widget (widgets.pearl) and exercises (exercises.pearl).

Everything here is tiny: one training task batch of 2 tasks, width-8 networks, 5-step episodes,
so that every baseline returns in milliseconds (``train_pearl``'s in about 0.1 s) and every case
fails at the edge, before any work.
"""

from __future__ import annotations

import bad_inputs
import torch
from torch import nn

#: One iteration of everything, at the smallest sizes (latent_dim 5 and context rows of width 5,
#: as common's PEARLAgent).
TINY = dict(
    iterations=1, num_train_tasks=2, initial_episodes=1, tasks_per_iteration=1, prior_episodes=1,
    posterior_episodes=1, gradient_steps=1, meta_batch_size=2, batch_size=4, context_size=4,
    hidden_sizes=(8,), encoder_hidden_sizes=(8,), buffer_capacity=50, max_steps=5,
)  # fmt: skip
NAN, INF = float("nan"), float("inf")


def _config(**changes):
    from course_lib.pearl.train import PEARLConfig

    return PEARLConfig(**{**TINY, **changes})


def _agent(**changes):
    from course_lib.pearl.train import make_agent

    return make_agent(_config(**changes))


CONFIG = bad_inputs.Lazy(_config)
OTHER_LATENT = bad_inputs.Lazy(lambda: _agent(latent_dim=3))
OTHER_WIDTH = bad_inputs.Lazy(lambda: _agent(next_obs_in_context=True))


def _env(num_envs: int = 2, action_type: str = "continuous"):
    from course_lib.tasks.point_robot import SparsePointRobotVectorEnv

    return SparsePointRobotVectorEnv(num_envs, action_type, 1, 5)


def _trial():
    from course_lib.pearl.evaluate import adaptation_trial

    from .common import VALID_BY_TYPE as SHARED

    return adaptation_trial(
        SHARED["PEARLAgent"](), CONFIG(), torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    )


TRIAL = bad_inputs.Lazy(_trial)


def _hand_trial(transitions: int, width: int = 5):
    from course_lib.pearl.evaluate import Trial

    return Trial(
        torch.zeros(1, 1),
        torch.zeros(1, 1, 2, 2),
        torch.zeros(1, transitions, width),
        torch.ones(1, transitions, dtype=torch.bool),
        torch.zeros(1, 1, 5),
        torch.zeros(1, 2),
    )


def _explorer():
    """A dense-task agent that shows "explore, then exploit" without training: z from the prior
    walks it away (action tanh(3 z)), and its encoder is so sure of z = 0 after any transition
    that episode 2 stands still at the start, next to the goal."""
    config = _config(task="navigation", hidden_sizes=(), encoder_hidden_sizes=())
    from course_lib.pearl.train import make_agent

    agent = make_agent(config)
    with torch.no_grad():
        encoder, actor = agent.encoder.net[-1], agent.actor.net[-1]
        encoder.weight.zero_()
        encoder.bias.copy_(torch.tensor([0.0] * 5 + [-30.0] * 5))  # means 0, variances ~0
        actor.weight.zero_()
        actor.bias.zero_()
        actor.weight[0, 2], actor.weight[1, 3] = 3.0, 3.0  # mean action = 3 z[:2] (obs first)
    return agent, config


EXPLORER = bad_inputs.Lazy(_explorer)


def _sample(**changes):
    fields = {"obs": 2, "action": 2, "reward": 1}
    sample = {k: torch.zeros(1, 3, w) for k, w in fields.items()}
    return {**sample, **changes}


def _batch(rows: int = 4, **changes):
    from course_lib.pearl.train import FIELDS

    batch = {k: torch.zeros(rows, w) for k, w in FIELDS.items()}
    return {**batch, **changes}


def _buffer():
    """Two tasks' rings of 4 rows of {"obs": 2, "reward": 1}, task 0 holding one row, task 1 two."""
    from course_lib.pearl.buffer import MultiTaskReplayBuffer

    buffer = MultiTaskReplayBuffer(2, 4, {"obs": 2, "reward": 1})
    buffer.add(torch.tensor([0, 1, 1]), {"obs": torch.zeros(3, 2), "reward": torch.zeros(3, 1)})
    return buffer


def _episodes():
    from course_lib.pearl.train import play_episodes

    from .common import VALID_BY_TYPE as SHARED

    goals = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    return play_episodes(
        SHARED["PEARLAgent"](), _env(), goals, torch.zeros(2, 5), torch.Generator()
    )


EPISODES = bad_inputs.Lazy(_episodes)


def _twin_q():
    from course_lib.pearl.sac import TwinQ

    return TwinQ(5, (8,))


_M = "course_lib.pearl."

#: Fresh instances for the methods (sac.TwinQ: input 5 = obs 2 + action 2 + z 1).
INSTANCES = {
    f"{_M}buffer.MultiTaskReplayBuffer": _buffer,
    f"{_M}sac.TwinQ": _twin_q,
    f"{_M}train.Episodes": EPISODES,
}
_STEPS = {"RL²": 384_000.0, "MAML-RL": INF, "PEARL": 8_200.0}

VALID_BY_TYPE = {"PEARLConfig": CONFIG}

VALID_BY_CALLABLE = {
    f"{_M}buffer.MultiTaskReplayBuffer": lambda: {"widths": {"obs": 2, "reward": 1}},
    f"{_M}encoder.ContextEncoder": lambda: {"hidden_sizes": (8,)},
    # the methods (ContextEncoder and TanhGaussianActor from their baselines: widths 2, d = 2)
    f"{_M}buffer.MultiTaskReplayBuffer.add": lambda: {
        "tasks": torch.tensor([1]),
        "rows": {"obs": _zeros(1, 2), "reward": _zeros(1, 1)},
    },
    f"{_M}buffer.MultiTaskReplayBuffer.clear": lambda: {"tasks": torch.tensor([0])},
    f"{_M}buffer.MultiTaskReplayBuffer.sample": lambda: {
        "tasks": torch.tensor([0, 1]),
        "batch_size": 3,
    },
    f"{_M}encoder.ContextEncoder.factors": lambda: {"context": _zeros(1, 3, 2)},
    f"{_M}encoder.ContextEncoder.forward": lambda: {"context": _zeros(1, 3, 2)},
    **{
        f"{_M}sac.TanhGaussianActor.{method}": lambda: {"obs": _zeros(3, 2), "z": _zeros(3, 2)}
        for method in ("forward", "sample", "act")
    },
    f"{_M}sac.TwinQ.forward": lambda: {
        "obs": _zeros(3, 2),
        "action": _zeros(3, 2),
        "z": _zeros(3, 1),
    },
    f"{_M}train.PEARLAgent.posterior": lambda: {"context": _zeros(1, 3, 5)},
    f"{_M}train.PEARLAgent.sample_z": lambda: {"mean": _zeros(2, 5), "variance": torch.ones(2, 5)},
    f"{_M}encoder.check_context": lambda: {"context": torch.zeros(1, 3, 5), "width": 5},
    f"{_M}encoder.product_of_gaussians": lambda: {
        "means": torch.zeros(3, 2),
        "variances": torch.ones(3, 2),
    },
    f"{_M}encoder.kl_to_prior": lambda: {"mean": torch.zeros(2), "variance": torch.ones(2)},
    f"{_M}sac.TanhGaussianActor": lambda: {"hidden_sizes": (8,)},
    f"{_M}sac.TwinQ": lambda: {"hidden_sizes": (8,)},
    f"{_M}sac.tanh_gaussian_log_prob": lambda: {
        "u": torch.zeros(3, 2),
        "mean": torch.zeros(3, 2),
        "log_std": torch.zeros(3, 2),
    },
    f"{_M}sac.soft_q_target": lambda: {
        "dones": torch.zeros(4),
        "next_q": torch.zeros(2, 4),
        "next_logprob": torch.zeros(4),
        "gamma": 0.9,
        "alpha": 0.2,
    },
    f"{_M}sac.critic_loss": lambda: {"q_pred": torch.zeros(2, 4), "target": torch.zeros(4)},
    f"{_M}sac.actor_loss": lambda: {"q_new": torch.zeros(2, 4), "alpha": 0.2},
    f"{_M}sac.temperature_loss": lambda: {"log_alpha": torch.tensor(0.0), "target_entropy": -2.0},
    f"{_M}sac.polyak_update": lambda: {
        "target": nn.Linear(2, 2),
        "source": nn.Linear(2, 2),
        "tau": 0.5,
    },
    f"{_M}train.make_env": lambda: {"num_envs": 2},
    f"{_M}train.play_episodes": lambda: {"env": _env(), "z": torch.zeros(2, 5)},
    f"{_M}train.context_rows": lambda: {"sample": _sample()},
    f"{_M}train.pearl_losses": lambda: {"context": torch.zeros(2, 3, 5), "batch": _batch()},
    f"{_M}train.train_pearl": lambda: {"config": CONFIG(), "progress": False},
    f"{_M}evaluate.destinations": lambda: {"z": torch.zeros(2, 5)},
    f"{_M}evaluate.explorer_goal": lambda: {
        "agent": EXPLORER()[0],
        "config": EXPLORER()[1],
        "candidates": torch.tensor([[0.3, 0.3], [0.02, 0.0]]),
    },
    f"{_M}evaluate.prefix_posteriors": lambda: {"trial": TRIAL()},
    "course_lib.widgets.pearl.pearl_explorer": lambda: {"goal": (0.0, 1.0)},
    "course_lib.exercises.pearl.check_efficiency_prediction": lambda: {
        "answer": "PEARL",
        "steps": dict(_STEPS),
    },
}


def _bad(*pairs):
    return lambda: list(pairs)


def _zeros(*shape, **kw):
    return torch.zeros(*shape, **kw)


BAD_BY_PARAM = {
    # the methods: rows of other widths or counts than the instance reads, NaN/inf inside
    f"{_M}buffer.MultiTaskReplayBuffer.add-tasks": lambda: [
        ("out_of_range", torch.tensor([2])),
        ("float", torch.tensor([1.0])),
        ("two_d", torch.tensor([[1]])),
    ],
    f"{_M}buffer.MultiTaskReplayBuffer.add-rows": lambda: [
        ("missing_field", {"obs": _zeros(1, 2)}),
        ("wrong_width", {"obs": _zeros(1, 3), "reward": _zeros(1, 1)}),
        ("other_count", {"obs": _zeros(2, 2), "reward": _zeros(2, 1)}),
        ("nan_reward", {"obs": _zeros(1, 2), "reward": torch.full((1, 1), NAN)}),
    ],
    f"{_M}buffer.MultiTaskReplayBuffer.clear-tasks": lambda: [("out_of_range", torch.tensor([-1]))],
    f"{_M}buffer.MultiTaskReplayBuffer.sample-tasks": lambda: [
        ("out_of_range", torch.tensor([5])),
        ("float", torch.tensor([0.0])),
    ],
    f"{_M}buffer.MultiTaskReplayBuffer.sample-batch_size": _bad(("zero", 0), ("over_cap", 10**8)),
    f"{_M}encoder.ContextEncoder.factors-context": lambda: [
        ("wrong_width", _zeros(1, 3, 4)),
        ("one_d", _zeros(2)),
        ("inf", torch.full((1, 3, 2), INF)),
    ],
    f"{_M}encoder.ContextEncoder.forward-context": lambda: [("wrong_width", _zeros(1, 3, 4))],
    f"{_M}encoder.ContextEncoder.forward-mask": lambda: [
        ("wrong_shape", torch.ones(1, 2, dtype=torch.bool)),
        ("float", torch.ones(1, 3)),
    ],
    **{
        f"{_M}sac.TanhGaussianActor.{method}-obs": lambda: [
            ("wrong_width", _zeros(3, 3)),
            ("other_count", _zeros(4, 2)),  # against z [3, 2]
            ("inf", torch.full((3, 2), INF)),
            ("int_dtype", _zeros(3, 2, dtype=torch.long)),
        ]
        for method in ("forward", "sample", "act")
    },
    **{
        f"{_M}sac.TanhGaussianActor.{method}-z": lambda: [
            ("wrong_width", _zeros(3, 5)),
            ("scalar", torch.tensor(0.0)),
        ]
        for method in ("forward", "sample", "act")
    },
    f"{_M}sac.TwinQ.forward-obs": lambda: [
        ("other_count", _zeros(4, 2)),
        ("one_d", _zeros(3)),
        ("inf", torch.full((3, 2), INF)),
    ],
    f"{_M}sac.TwinQ.forward-action": lambda: [("wrong_width", _zeros(3, 3))],
    f"{_M}sac.TwinQ.forward-z": lambda: [("three_d", _zeros(1, 3, 1))],
    f"{_M}train.PEARLAgent.posterior-context": lambda: [
        ("wrong_width", _zeros(1, 3, 4)),
        ("empty", _zeros(1, 0, 5)),
    ],
    f"{_M}train.PEARLAgent.posterior-mask": lambda: [
        ("wrong_shape", torch.ones(3, dtype=torch.bool))
    ],
    f"{_M}train.PEARLAgent.sample_z-mean": lambda: [
        ("wrong_width", _zeros(2, 3)),
        ("inf", torch.full((2, 5), INF)),
    ],
    f"{_M}train.PEARLAgent.sample_z-variance": lambda: [
        ("negative", -torch.ones(2, 5)),
        ("broadcasts", torch.ones(1, 5)),
    ],
    f"{_M}train.PEARLAgent.prior_z-num": _bad(("zero", 0), ("over_cap", 10**7)),
    # the buffer: its memory, and widths that are not positive integers per named field
    f"{_M}buffer.MultiTaskReplayBuffer-capacity": _bad(("over_memory", 10**8)),
    f"{_M}buffer.MultiTaskReplayBuffer-widths": _bad(
        ("empty", {}),
        ("zero_width", {"obs": 0}),
        ("float_width", {"obs": 2.5}),
        ("int_key", {1: 2}),
        ("too_wide", {"obs": 10**5}),
    ),
    # the encoder: context of the wrong width or rank, masks of the wrong shape or dtype
    f"{_M}encoder.ContextEncoder-hidden_sizes": _bad(("zero_width", (0,)), ("too_wide", (10**5,))),
    f"{_M}encoder.check_context-width": _bad(("zero", 0)),
    f"{_M}encoder.check_context-context": lambda: [
        ("wrong_width", _zeros(1, 3, 4)),
        ("one_d", _zeros(5)),
        ("empty", _zeros(1, 0, 5)),
        ("int_dtype", _zeros(1, 3, 5, dtype=torch.long)),
        ("inf", torch.full((1, 3, 5), INF)),
    ],
    f"{_M}encoder.check_context-mask": lambda: [
        ("wrong_shape", torch.ones(1, 2, dtype=torch.bool)),
        ("float", torch.ones(1, 3)),
    ],
    f"{_M}encoder.product_of_gaussians-means": lambda: [
        ("one_d", _zeros(3)),
        ("inf", torch.full((3, 2), INF)),
        ("int_dtype", _zeros(3, 2, dtype=torch.long)),
    ],
    f"{_M}encoder.product_of_gaussians-variances": lambda: [
        ("broadcasts", torch.ones(3, 1)),  # [3, 1] against [3, 2]: a different product
        ("negative", -torch.ones(3, 2)),
        ("minus_inf", torch.full((3, 2), -INF)),
    ],
    f"{_M}encoder.product_of_gaussians-mask": lambda: [
        ("wrong_shape", torch.ones(2, dtype=torch.bool)),
        ("float", torch.ones(3)),
        ("per_entry", torch.ones(3, 2, dtype=torch.bool)),
    ],
    f"{_M}encoder.kl_to_prior-mean": lambda: [
        ("scalar", torch.tensor(0.0)),
        ("inf", torch.full((2,), INF)),
    ],
    f"{_M}encoder.kl_to_prior-variance": lambda: [
        ("zero", _zeros(2)),
        ("negative", -torch.ones(2)),
        ("broadcasts", torch.ones(2, 1)),
    ],
    # SAC: [N] against [N, 1] broadcasts into [N, N]; both critics are [2, N]; dones are 0/1
    f"{_M}sac.TanhGaussianActor-latent_dim": _bad(("huge", 10**6)),
    f"{_M}sac.TanhGaussianActor-hidden_sizes": _bad(("zero_width", (0,))),
    f"{_M}sac.TwinQ-hidden_sizes": _bad(("zero_width", (0,))),
    f"{_M}sac.tanh_gaussian_log_prob-u": lambda: [("wrong_shape", _zeros(3))],
    f"{_M}sac.tanh_gaussian_log_prob-mean": lambda: [
        ("int_dtype", _zeros(3, 2, dtype=torch.long)),
        ("inf", torch.full((3, 2), INF)),
    ],
    f"{_M}sac.tanh_gaussian_log_prob-log_std": lambda: [("broadcasts", _zeros(3, 1))],
    f"{_M}sac.soft_q_target-rewards": lambda: [
        ("column", _zeros(4, 1)),
        ("wrong_n", _zeros(3)),
        ("inf", torch.full((4,), INF)),
    ],
    f"{_M}sac.soft_q_target-dones": lambda: [
        ("not_0_or_1", torch.full((4,), 0.5)),
        ("wrong_n", _zeros(3)),
        ("column", _zeros(4, 1)),
    ],
    f"{_M}sac.soft_q_target-next_q": lambda: [
        ("one_critic", _zeros(4)),
        ("wrong_n", _zeros(2, 3)),
        ("three_critics", _zeros(3, 4)),
    ],
    f"{_M}sac.soft_q_target-next_logprob": lambda: [("column", _zeros(4, 1))],
    f"{_M}sac.soft_q_target-gamma": _bad(("above_1", 1.5), ("negative", -0.1)),
    f"{_M}sac.soft_q_target-alpha": lambda: [
        ("negative", -0.1),
        ("nan", NAN),
        ("inf", INF),
        ("vector", _zeros(2)),
        ("nan_tensor", torch.tensor(NAN)),
    ],
    f"{_M}sac.critic_loss-q_pred": lambda: [("one_critic", _zeros(4)), ("wrong_n", _zeros(2, 3))],
    f"{_M}sac.critic_loss-target": lambda: [
        ("column", _zeros(4, 1)),
        ("inf", torch.full((4,), INF)),
    ],
    f"{_M}sac.actor_loss-q_new": lambda: [("wrong_n", _zeros(2, 3))],
    f"{_M}sac.actor_loss-logprob": lambda: [("column", _zeros(4, 1))],
    f"{_M}sac.actor_loss-alpha": _bad(("negative", -0.1)),
    f"{_M}sac.temperature_loss-log_alpha": lambda: [
        ("vector", _zeros(4)),
        ("int_dtype", torch.tensor(0)),
    ],
    f"{_M}sac.temperature_loss-logprob": lambda: [("column", _zeros(4, 1))],
    f"{_M}sac.temperature_loss-target_entropy": _bad(("huge", 1e9)),
    f"{_M}sac.polyak_update-target": lambda: [("other_architecture", nn.Linear(2, 3))],
    f"{_M}sac.polyak_update-source": lambda: [
        ("other_architecture", nn.Linear(3, 2)),
        ("no_weights", nn.ReLU()),
    ],
    f"{_M}sac.polyak_update-tau": _bad(("above_1", 1.5), ("negative", -0.1)),
    # the trainer's pieces: agents and configs that do not match, batches of other sizes
    f"{_M}train.check_agent-agent": lambda: [
        ("other_latent_dim", OTHER_LATENT()),
        ("other_context_width", OTHER_WIDTH()),
    ],
    f"{_M}train.check_agent-config": lambda: [
        ("other_latent_dim", _config(latent_dim=3)),
        ("other_context_width", _config(next_obs_in_context=True)),
    ],
    f"{_M}train.make_env-num_envs": _bad(("zero", 0), ("over_cap", 10**7)),
    f"{_M}train.play_episodes-env": lambda: [
        ("object", object()),
        ("None", None),
        ("other_count", _env(3)),
        ("discrete", _env(2, "discrete")),
    ],
    f"{_M}train.play_episodes-goals": lambda: [
        ("other_count", _zeros(3, 2)),
        ("three_wide", _zeros(2, 3)),
        ("inf", torch.full((2, 2), INF)),
    ],
    f"{_M}train.play_episodes-z": lambda: [
        ("wrong_width", _zeros(2, 4)),
        ("other_count", _zeros(3, 5)),
        ("one_d", _zeros(5)),
        ("int_dtype", _zeros(2, 5, dtype=torch.long)),
        ("inf", torch.full((2, 5), INF)),
    ],
    f"{_M}train.play_episodes-critic_reward": _bad(("unknown", "sparse")),
    f"{_M}train.context_rows-sample": lambda: [
        ("missing_reward", {"obs": _zeros(1, 3, 2), "action": _zeros(1, 3, 2)}),
        ("wrong_width", _sample(action=_zeros(1, 3, 3))),
        ("mismatched_batch", _sample(reward=_zeros(1, 4, 1))),
        ("nan_reward", _sample(reward=torch.full((1, 3, 1), NAN))),
        ("not_a_tensor", _sample(reward=[[[0.0]] * 3])),
        ("two_d", {k: v[0] for k, v in _sample().items()}),
    ],
    f"{_M}train.pearl_losses-agent": lambda: [("other_latent_dim", OTHER_LATENT())],
    f"{_M}train.pearl_losses-config": lambda: [
        ("other_context_width", _config(next_obs_in_context=True))
    ],
    f"{_M}train.pearl_losses-context": lambda: [
        ("wrong_width", _zeros(2, 3, 4)),
        ("two_d", _zeros(3, 5)),
        ("empty", _zeros(2, 0, 5)),
        ("other_task_count", _zeros(3, 3, 5)),  # 4 batch rows are not B rows for each of 3 tasks
    ],
    f"{_M}train.pearl_losses-batch": lambda: [
        ("mismatched_rows", _batch(obs=_zeros(6, 2))),
        ("not_per_task", _batch(rows=3)),
        ("empty", _batch(rows=0)),
        ("nan_reward", _batch(critic_reward=torch.full((4, 1), NAN))),
        ("missing_done", {k: v for k, v in _batch().items() if k != "done"}),
        ("done_not_0_or_1", _batch(done=torch.full((4, 1), 0.5))),
        ("wrong_width", _batch(action=_zeros(4, 3))),
    ],
    # evaluation: goals of the wrong shape, work over its stated budget, a mismatched agent
    f"{_M}evaluate.adaptation_trial-agent": lambda: [("other_latent_dim", OTHER_LATENT())],
    f"{_M}evaluate.adaptation_trial-goals": lambda: [
        ("three_wide", _zeros(2, 3)),
        ("none", _zeros(0, 2)),
        ("inf", torch.full((2, 2), INF)),
        ("over_cap", _zeros(100_001, 2)),
    ],
    f"{_M}evaluate.adaptation_trial-episodes": _bad(("zero", 0), ("over_cap", 51)),
    f"{_M}evaluate.adaptation_trial-seed": _bad(("over_64_bits", 2**64)),
    f"{_M}evaluate.destinations-z": lambda: [
        ("wrong_width", _zeros(2, 4)),
        ("one_d", _zeros(5)),
        ("int_dtype", _zeros(2, 5, dtype=torch.long)),
        ("inf", torch.full((2, 5), INF)),
    ],
    f"{_M}evaluate.destinations-config": lambda: [("other_latent_dim", _config(latent_dim=3))],
    f"{_M}evaluate.explorer_goal-candidates": lambda: [
        ("three_wide", _zeros(2, 3)),
        ("none", _zeros(0, 2)),
        ("over_budget", _zeros(20_000, 2)),  # 20,000 × 3 episodes × 5 steps, one at a time
    ],
    f"{_M}evaluate.explorer_goal-episodes": _bad(("one", 1), ("over_cap", 51)),
    f"{_M}evaluate.prefix_posteriors-agent": lambda: [("other_context_width", OTHER_WIDTH())],
    f"{_M}evaluate.prefix_posteriors-trial": lambda: [
        ("other_context_width", _hand_trial(4, width=7)),
        ("too_long", _hand_trial(4_000)),  # (N + 1) · N · d = 80 million entries
    ],
    f"{_M}evaluate.prefix_posteriors-goal_index": _bad(("out_of_range", 2)),
    "course_lib.widgets.pearl.pearl_explorer-goal": _bad(
        ("str_pair", ("a", "b")),
        ("text", "ab"),
        ("nan", (NAN, 1.0)),
        ("below_the_half_circle", (0.0, -1.0)),
        ("three", (0.0, 1.0, 0.0)),
    ),
    "course_lib.widgets.pearl.pearl_explorer-transitions": _bad(("over", 16)),
    "course_lib.widgets.pearl.pearl_explorer-config": lambda: [
        ("other_latent_dim", _config(latent_dim=3))
    ],
    "course_lib.exercises.pearl.check_efficiency_prediction-steps": lambda: [
        ("missing_family", {"RL²": 1.0, "PEARL": 2.0}),
        ("nan", {**_STEPS, "PEARL": NAN}),
        ("negative", {**_STEPS, "PEARL": -1.0}),
        ("text", {**_STEPS, "PEARL": "8200"}),
        ("bool", {**_STEPS, "PEARL": True}),
    ],
}

RECORDS = {
    f"{_M}train.Episodes": "built by play_episodes from the env's steps, handed back",
    f"{_M}evaluate.Trial": "built by adaptation_trial, handed back (prefix_posteriors checks "
    "the one it is given)",
}

EXEMPT = {
    "course_lib.exercises.pearl.check_product_of_gaussians-fn": "the reader's answer: every value "
    "is judged with feedback (a non-function is told so), never refused with an error",
    **{
        f"course_lib.exercises.pearl.{name}-answer": "the reader's answer: every value is judged "
        "with feedback, never refused with an error"
        for name in (
            "check_posterior_variance",
            "check_encoder_gradient",
            "check_efficiency_prediction",
        )
    },
}
