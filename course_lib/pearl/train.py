"""PEARL's meta-training loop: collect with posterior sampling, learn off-policy from replay.

One iteration (the authors' ``MetaRLAlgorithm.train``, katerakelly/oyster), top to bottom
(:func:`train_pearl`):

1. **Tasks.** Draw ``tasks_per_iteration`` of the training tasks; empty their *encoder* buffers,
   so that the context of these tasks will come from the episodes collected now.
2. **Collect with z from the prior** (``prior_episodes`` per task, each with a fresh z ∼ N(0, I)):
   the exploration of an agent that knows nothing yet. Stored in both buffers.
3. **Collect with z from the posterior** (``posterior_episodes`` per task, one after another): before
   each episode, infer q(z | c) from a context drawn from the task's encoder buffer and sample z
   (**posterior sampling**, 后验采样). Stored in both buffers.
4. **Learn**, ``gradient_steps`` times: draw ``meta_batch_size`` training tasks; for each, a
   context of ``context_size`` transitions from its encoder buffer and an actor-critic batch of
   ``batch_size`` transitions from its replay buffer; infer z; one SAC step conditioned on z
   (:mod:`course_lib.pearl.sac`), in which the encoder learns from the critic's loss plus
   β · KL(q(z|c) ‖ N(0, I)) (:mod:`course_lib.pearl.encoder`).

Everything batches over tasks: a collection step moves every episode of every task at once through
the natively batched env (:class:`~course_lib.tasks.SparsePointRobotVectorEnv` or Chapter 8's
:class:`~course_lib.tasks.navigation.Navigation2DVectorEnv`), and a gradient step runs all
``meta_batch_size`` tasks' batches through each network in one call.

**Differences from the authors' code**, besides SAC v2 (see :mod:`course_lib.pearl.sac`) and the
prior factor in the posterior (:mod:`course_lib.pearl.encoder`): tasks per iteration are drawn
without replacement (theirs: with); the first posterior-collection episode already uses the
posterior of the prior episodes (theirs starts that phase from the prior again); the training
goals are drawn from the task distribution with the config's seed (theirs: a fixed shuffled list).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor, nn

from course_lib.pearl.buffer import MAX_STORED, MultiTaskReplayBuffer
from course_lib.pearl.encoder import ContextEncoder, kl_to_prior
from course_lib.pearl.sac import (
    TanhGaussianActor,
    TwinQ,
    actor_loss,
    critic_loss,
    polyak_update,
    soft_q_target,
    temperature_loss,
)
from course_lib.tasks.navigation import Navigation2DVectorEnv, PointVectorEnv
from course_lib.tasks.point_robot import SparsePointRobotVectorEnv, random_half_circle_goals
from course_lib.training import (
    Callback,
    Row,
    TrainResult,
    check_callback,
    make_generator,
    seeded,
    train_loop,
)
from course_lib.validation import (
    DEVICE,
    FLAG,
    SEED,
    WIDTHS,
    bounded,
    check_bool,
    check_choice,
    check_declared,
    check_finite,
    check_instance,
    check_int,
    check_tensor,
    choice,
    declared,
)

__all__ = [
    "TASKS",
    "PEARLConfig",
    "PEARLAgent",
    "Episodes",
    "check_agent",
    "make_agent",
    "make_env",
    "training_goals",
    "play_episodes",
    "context_rows",
    "pearl_losses",
    "train_pearl",
]

#: The task families PEARL trains on here: Chapter 8's dense 2-D navigation and the sparse point robot.
TASKS = ("navigation", "sparse_point_robot")
#: What the critic learns from: the dense reward (the authors' choice on the sparse task) or the
#: task's own reward (for navigation the two are the same).
CRITIC_REWARDS = ("dense", "task")
OBS_DIM = ACTION_DIM = 2
#: The fields one transition is stored with (widths), in both replay buffers.
FIELDS = {"obs": 2, "action": 2, "reward": 1, "critic_reward": 1, "next_obs": 2, "done": 1}
#: Cap on the rows one gradient step runs through a network (beyond it a step takes seconds).
MAX_ROWS = 1_000_000
#: Caps on one collection: episodes played at once (the batched env's copies), and their
#: transitions (episodes × max_steps, stored field by field: the buffers' memory budget).
MAX_EPISODES_AT_ONCE = 1_000_000
#: SAC gradient steps one training run may take (iterations × gradient_steps): 1,000 times the
#: paper's 500 × 2,000 (Rakelly et al. 2019, oyster's configs), so no course or benchmark run is
#: near it, while a typo's 10**10 (months of CPU) is refused.
MAX_GRADIENT_STEPS = 1_000_000_000
MAX_COLLECTED = MAX_STORED // sum(FIELDS.values())


@dataclass
class PEARLConfig:
    """Every hyperparameter of PEARL. The defaults are the authors' sparse point robot
    (``configs/sparse-point-robot.json`` over ``configs/default.py``), except where the SAC
    version differs (``reward_scale``, the temperature; see :mod:`course_lib.pearl.sac`).
    At these sizes one iteration takes minutes on a CPU; the chapter's quick scale is far smaller.
    """

    task: str = choice("sparse_point_robot", TASKS)  # "navigation" (dense, Ch 8) or sparse
    iterations: int = bounded(500, 1, 100_000)  # collect-then-learn iterations (num_iterations)
    # training goals, drawn once from the task distribution (n_train_tasks)
    num_train_tasks: int = bounded(80, 1, 10_000)
    # per training task before learning, z from the prior (num_initial_steps / 20)
    initial_episodes: int = bounded(10, 1, 10_000)
    # tasks collected for per iteration (num_tasks_sample); also <= num_train_tasks
    tasks_per_iteration: int = bounded(10, 1, 10_000)
    prior_episodes: int = bounded(5, 0, 10_000)  # per task, z from the prior (num_steps_prior / 20)
    # per collected task, z from the posterior (num_steps_posterior / 20)
    posterior_episodes: int = bounded(45, 0, 10_000)
    gradient_steps: int = bounded(1000, 1, 1_000_000)  # SAC steps per iteration
    meta_batch_size: int = bounded(16, 1, 10_000)  # tasks per gradient step (meta_batch)
    batch_size: int = bounded(256, 1, 100_000)  # actor-critic transitions per task per step
    context_size: int = bounded(1024, 1, 100_000)  # context transitions per task per step
    latent_dim: int = bounded(5, 1, 1_000)  # d, the size of z
    hidden_sizes: tuple[int, ...] = declared((300, 300, 300), WIDTHS)  # actor, critics (net_size)
    encoder_hidden_sizes: tuple[int, ...] = declared((200, 200, 200), WIDTHS)
    learning_rate: float = bounded(3e-4, 0.0, 1.0, low_open=True)  # Adam, for every network and α
    gamma: float = bounded(0.9, 0.0, 1.0, high_open=True)  # discount (the sparse point robot's)
    tau: float = bounded(0.005, 0.0, 1.0, low_open=True)  # Polyak rate of the target critics
    # rewards × this in the Bellman target (theirs: 100, i.e. α = 0.01)
    reward_scale: float = bounded(1.0, 0.0, 1e6, low_open=True)
    kl_weight: float = bounded(1.0, 0.0, 1e6)  # β, the weight of KL(q(z|c) ‖ prior) (kl_lambda)
    autotune_alpha: bool = declared(True, FLAG)  # tune α to keep the entropy near the target
    alpha: float = bounded(1.0, 0.0, 1e3, low_open=True)  # α (the starting value when tuned)
    target_entropy: float | None = bounded(None, -1e3, 1e3)  # None: −dim(A) = −2
    critic_reward: str = choice("dense", CRITIC_REWARDS)  # "dense" (the authors') or "task"
    next_obs_in_context: bool = declared(False, FLAG)  # context rows (s, a, r) or (s, a, r, s′)
    # transitions kept per task (times num_train_tasks, capped below by the buffers' memory)
    buffer_capacity: int = bounded(100_000, 1, MAX_STORED // sum(FIELDS.values()))
    max_steps: int = bounded(20, 1, 1_000)  # episode length (max_path_length)
    goal_radius: float = bounded(0.2, 0.0, 2.0, low_open=True)  # the sparse task's reward radius
    goal_low: float = bounded(
        -0.5, -10.0, 10.0, high_open=True
    )  # navigation goals: uniform on [low, high]²
    goal_high: float = bounded(0.5, -10.0, 10.0, low_open=True)  # and > goal_low
    seed: int = declared(0, SEED)  # seeds the weights, the goals, the episodes and the batches
    device: str = declared("cpu", DEVICE)

    def __post_init__(self) -> None:
        check_declared(self)
        check_int("tasks_per_iteration", self.tasks_per_iteration, 1, self.num_train_tasks)
        stored = self.num_train_tasks * self.buffer_capacity * sum(FIELDS.values())
        if stored > MAX_STORED:
            raise ValueError(
                f"num_train_tasks * buffer_capacity must be <= {MAX_STORED // sum(FIELDS.values()):_} "
                f"transitions (the replay buffer's memory), got {self.num_train_tasks} * "
                f"{self.buffer_capacity}"
            )
        for name in ("batch_size", "context_size"):
            rows = self.meta_batch_size * getattr(self, name)
            if rows > MAX_ROWS:
                raise ValueError(
                    f"meta_batch_size * {name} must be <= {MAX_ROWS:_} rows per gradient step, got "
                    f"{self.meta_batch_size} * {getattr(self, name)}"
                )
        if not self.goal_low < self.goal_high:
            raise ValueError(f"goal_low must be < goal_high, got {self.goal_low}, {self.goal_high}")
        steps = self.iterations * self.gradient_steps
        if steps > MAX_GRADIENT_STEPS:
            raise ValueError(
                f"iterations * gradient_steps must be <= {MAX_GRADIENT_STEPS:_} gradient steps, got "
                f"{self.iterations} * {self.gradient_steps} = {steps:_}"
            )
        self._check_collection_sizes()

    def _check_collection_sizes(self) -> None:
        """The work one collection implies, and the encoder buffer's memory (train_pearl)."""
        for name, episodes in (
            ("num_train_tasks * initial_episodes", self.num_train_tasks * self.initial_episodes),
            (
                "tasks_per_iteration * prior_episodes",
                self.tasks_per_iteration * self.prior_episodes,
            ),
        ):
            if episodes > MAX_EPISODES_AT_ONCE or episodes * self.max_steps > MAX_COLLECTED:
                raise ValueError(
                    f"{name} must be <= {MAX_EPISODES_AT_ONCE:_} episodes played at once, and "
                    f"times max_steps <= {MAX_COLLECTED:_} transitions, got {episodes:_} episodes "
                    f"of {self.max_steps} steps"
                )
        per_task = self.encoder_buffer_capacity * sum(FIELDS.values())
        if self.num_train_tasks * per_task > MAX_STORED:
            raise ValueError(
                "num_train_tasks * max(initial_episodes, prior_episodes + posterior_episodes) * "
                f"max_steps must be <= {MAX_COLLECTED:_} transitions (the encoder buffer's memory), "
                f"got {self.num_train_tasks} * {self.encoder_buffer_capacity}"
            )

    @property
    def encoder_buffer_capacity(self) -> int:
        """Transitions the encoder buffer keeps per task: the most one visit collects."""
        episodes = max(self.initial_episodes, self.prior_episodes + self.posterior_episodes)
        return episodes * self.max_steps

    @property
    def transition_size(self) -> int:
        """The width of one context row: (s, a, r) or (s, a, r, s′)."""
        return OBS_DIM + ACTION_DIM + 1 + (OBS_DIM if self.next_obs_in_context else 0)

    @property
    def entropy_target(self) -> float:
        return -float(ACTION_DIM) if self.target_entropy is None else float(self.target_entropy)


class PEARLAgent(nn.Module):
    """Everything PEARL learns: the task encoder, the actor, the twin critics, their target
    copies and the temperature log α. The actor and the critics read (s, z) and (s, a, z)."""

    def __init__(self, config: PEARLConfig):
        super().__init__()
        c = check_instance("config", config, PEARLConfig, "a PEARLConfig")
        self.latent_dim = c.latent_dim
        self.next_obs_in_context = c.next_obs_in_context
        self.encoder = ContextEncoder(c.transition_size, c.latent_dim, c.encoder_hidden_sizes)
        self.actor = TanhGaussianActor(OBS_DIM, c.latent_dim, ACTION_DIM, c.hidden_sizes)
        self.critic = TwinQ(OBS_DIM + ACTION_DIM + c.latent_dim, c.hidden_sizes)
        self.target_critic = copy.deepcopy(self.critic).requires_grad_(False)
        self.log_alpha = nn.Parameter(torch.tensor(math.log(c.alpha)))

    @property
    def device(self) -> torch.device:
        return self.log_alpha.device

    def posterior(self, context: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """q(z | context): ``(mean, variance)`` ``[..., d]`` from ``context [..., N, width]``
        (checked by the encoder, once on this agent's device)."""
        check_tensor("context", context)
        if mask is not None:
            mask = check_tensor("mask", mask).to(self.device)
        return self.encoder(context.to(self.device), mask)

    def sample_z(self, mean: Tensor, variance: Tensor, generator: torch.Generator) -> Tensor:
        """z = mean + σ · ε with ε ∼ N(0, I) from ``generator`` (differentiable in mean and σ).

        ``mean`` and ``variance`` are one shape ``[..., d]`` (a posterior), finite, variance >= 0
        (checked: a negative one would make σ NaN).
        """
        check_tensor("mean", mean, floating=True, finite=True)
        check_tensor("variance", variance, floating=True, finite=True)
        if mean.dim() == 0 or mean.shape[-1] != self.latent_dim or variance.shape != mean.shape:
            raise ValueError(
                f"mean and variance must have one shape [..., {self.latent_dim}] (the agent's "
                f"latent_dim), got {tuple(mean.shape)} and {tuple(variance.shape)}"
            )
        if bool((variance < 0).any()):
            raise ValueError(f"variance must be >= 0, got min {float(variance.min()):.3g}")
        check_instance("generator", generator, torch.Generator, "a torch.Generator")
        noise = torch.randn(mean.shape, generator=generator).to(mean.device)
        return mean + variance.sqrt() * noise

    def prior_z(self, num: int, generator: torch.Generator) -> Tensor:
        """``[num, d]`` draws from the prior N(0, I): the zero-context policy's task variables
        (one per episode played at once: 1 <= num <= MAX_EPISODES_AT_ONCE)."""
        check_int("num", num, 1, MAX_EPISODES_AT_ONCE)
        check_instance("generator", generator, torch.Generator, "a torch.Generator")
        return torch.randn(num, self.latent_dim, generator=generator).to(self.device)


def _check_config(config: object) -> PEARLConfig:
    return check_instance("config", config, PEARLConfig, "a PEARLConfig")


def check_agent(agent: PEARLAgent, config: PEARLConfig) -> PEARLAgent:
    """``agent`` if it is a :class:`PEARLAgent` built for ``config``: its z has
    ``config.latent_dim`` dimensions and its encoder reads context rows of
    ``config.transition_size`` (an agent evaluated with another config's context fails later,
    with a shape error deep in the encoder)."""
    check_instance("agent", agent, PEARLAgent, "a PEARLAgent (train_pearl(...).model)")
    check_instance(
        "config", config, PEARLConfig, "a PEARLConfig (the one the agent was trained with)"
    )
    got = (agent.latent_dim, agent.encoder.transition_size)
    if got != (config.latent_dim, config.transition_size):
        raise ValueError(
            f"agent and config must match: config has latent_dim {config.latent_dim} and context "
            f"rows of width {config.transition_size}, got an agent with {got[0]} and {got[1]}"
        )
    return agent


def make_agent(config: PEARLConfig) -> PEARLAgent:
    """A fresh agent with weights drawn from ``config.seed`` (torch's global RNG untouched)."""
    _check_config(config)
    with seeded(config.seed):
        return PEARLAgent(config).to(config.device)


def make_env(config: PEARLConfig, num_envs: int):
    """The natively batched env of ``config.task`` with ``num_envs`` copies (continuous actions)."""
    _check_config(config)
    check_int("num_envs", num_envs, 1, MAX_EPISODES_AT_ONCE)
    if config.task == "navigation":
        return Navigation2DVectorEnv(
            num_envs, "continuous", 1, config.max_steps, config.goal_low, config.goal_high
        )
    return SparsePointRobotVectorEnv(
        num_envs, "continuous", 1, config.max_steps, config.goal_radius
    )


def training_goals(config: PEARLConfig, generator: torch.Generator) -> Tensor:
    """``[num_train_tasks, 2]`` training goals drawn from the task distribution."""
    _check_config(config)
    check_instance("generator", generator, torch.Generator, "a torch.Generator")
    n = config.num_train_tasks
    if config.task == "navigation":
        u = torch.rand(n, 2, generator=generator)
        return config.goal_low + (config.goal_high - config.goal_low) * u
    return random_half_circle_goals(n, generator)


class Episodes(NamedTuple):
    """One episode in each of E envs, time-major ``[T, E, ...]``; ``mask`` is False after an
    episode terminated (navigation ends at the goal; the rest of its row is padding)."""

    obs: Tensor  # [T, E, 2] position before the move
    actions: Tensor  # [T, E, 2] in [−1, 1]
    rewards: Tensor  # [T, E] the task's reward (sparse on the sparse task), 0 on padding
    critic_rewards: Tensor  # [T, E] what the critic learns from
    next_obs: Tensor  # [T, E, 2] position after the move
    dones: Tensor  # [T, E] bool: the episode terminated at next_obs
    mask: Tensor  # [T, E] bool: the step belongs to the episode

    @property
    def returns(self) -> Tensor:
        """The task's return of each episode, ``[E]``."""
        return self.rewards.sum(0)

    def context(self, next_obs: bool = False) -> tuple[Tensor, Tensor]:
        """Each episode as context rows ``[E, T, width]`` (s, a, r[, s′]) and its mask ``[E, T]``."""
        parts = [self.obs, self.actions, self.rewards[..., None]]
        if check_bool("next_obs", next_obs):
            parts.append(self.next_obs)
        return torch.cat(parts, dim=-1).transpose(0, 1), self.mask.T

    def rows(self) -> tuple[Tensor, dict[str, Tensor]]:
        """The real (unpadded) transitions as buffer rows: ``(env index [n], {field: [n, w]})``."""
        t, e = torch.nonzero(self.mask, as_tuple=True)
        fields = {
            "obs": self.obs[t, e],
            "action": self.actions[t, e],
            "reward": self.rewards[t, e, None],
            "critic_reward": self.critic_rewards[t, e, None],
            "next_obs": self.next_obs[t, e],
            "done": self.dones[t, e, None].float(),
        }
        return e, fields


def _check_goals(
    name: str, goals: object, count: int | None = None, maximum: int = 100_000
) -> Tensor:
    """``goals`` as a finite float tensor ``[G, 2]``: G = ``count`` (the env's copies) if given,
    else 1 to ``maximum``."""
    check_tensor(name, goals, ndim=2)
    wanted = f"G = env.num_envs = {count}" if count is not None else f"1 <= G <= {maximum:_}"
    size_ok = goals.shape[0] == count if count is not None else 1 <= goals.shape[0] <= maximum
    if goals.shape[1] != 2 or not size_ok:
        raise ValueError(f"{name} must have shape [G, 2] with {wanted}, got {tuple(goals.shape)}")
    check_finite(name, goals)
    return goals.float()


@torch.no_grad()
def play_episodes(
    agent: PEARLAgent,
    env,
    goals: Tensor,
    z: Tensor,
    generator: torch.Generator,
    *,
    deterministic: bool = False,
    critic_reward: str = "dense",
) -> Episodes:
    """One episode per goal of ``goals [E, 2]``, env e acting with task variable ``z[e]``, all at once.

    ``deterministic`` plays the actor's mean action (evaluation, as the authors' code does);
    otherwise actions are sampled from ``generator``. ``env`` is :func:`make_env`'s, with E copies.
    """
    check_instance("agent", agent, PEARLAgent, "a PEARLAgent (train_pearl(...).model)")
    check_instance("env", env, PointVectorEnv, "a PEARL task's batched env (make_env(config, E))")
    if env.action_type != "continuous":
        raise ValueError(f"env must take continuous actions (make_env), got {env.action_type!r}")
    goals = _check_goals("goals", goals, env.num_envs)
    check_tensor("z", z, ndim=2, floating=True, finite=True)
    if tuple(z.shape) != (len(goals), agent.latent_dim):
        raise ValueError(
            f"z must have shape [{len(goals)}, {agent.latent_dim}] (one task variable of the "
            f"agent's latent_dim per goal), got {tuple(z.shape)}"
        )
    check_instance("generator", generator, torch.Generator, "a torch.Generator")
    check_bool("deterministic", deterministic)
    check_choice("critic_reward", critic_reward, CRITIC_REWARDS)
    env.fix_goals(goals)  # also restarts every env at the origin
    obs, device = env.position.clone(), agent.device
    alive = torch.ones(len(goals), dtype=torch.bool)
    rows: dict[str, list[Tensor]] = {k: [] for k in Episodes._fields}
    for _ in range(env.max_steps):
        # unchecked: z is checked above, and the env's positions are finite
        action = agent.actor._act(obs.to(device), z, generator, deterministic).cpu()
        next_start, reward, episode_end, _ = env.step_tensor(action)
        dense = getattr(env, "last_dense_reward", reward)  # navigation: the reward is dense
        for key, value in (
            ("obs", obs),
            ("actions", action),
            ("rewards", torch.where(alive, reward, 0.0)),
            (
                "critic_rewards",
                torch.where(alive, dense if critic_reward == "dense" else reward, 0.0),
            ),
            ("next_obs", env.last_final_position.clone()),
            ("dones", env.last_terminated & alive),
            ("mask", alive),
        ):
            rows[key].append(value)
        alive = alive & ~episode_end
        obs = next_start
    return Episodes(*(torch.stack(rows[k]) for k in Episodes._fields))


def _fields(name: str, rows: object, fields: tuple[str, ...], ndim: int) -> dict[str, Tensor]:
    """``rows[f]`` for each of ``fields``: float tensors of ``ndim`` dimensions, one leading
    shape for all (the batch), the last dimension each field's width (:data:`FIELDS`)."""
    check_instance(name, rows, Mapping, "a mapping field name -> tensor")
    missing = [f for f in fields if f not in rows]
    if missing:
        raise ValueError(
            f"{name} must hold the fields {list(fields)}, got {sorted(map(str, rows))}"
        )
    lead = None
    for f in fields:
        value = check_tensor(f"{name}[{f!r}]", rows[f], ndim=ndim, floating=True)
        lead = tuple(value.shape[:-1]) if lead is None else lead
        if tuple(value.shape) != (*lead, FIELDS[f]):
            raise ValueError(
                f"{name}[{f!r}] must have shape {[*lead, FIELDS[f]]} (the batch of "
                f"{name}[{fields[0]!r}], width {FIELDS[f]}), got {tuple(value.shape)}"
            )
    return {f: rows[f] for f in fields}


def _finite_fields(name: str, fields: dict[str, Tensor], joined: Tensor) -> None:
    """One pass over ``joined`` (the fields side by side); a failure names the field."""
    if not bool(torch.isfinite(joined).all()):
        for f, value in fields.items():
            check_finite(f"{name}[{f!r}]", value)


def context_rows(sample: dict[str, Tensor], config: PEARLConfig) -> Tensor:
    """Buffer rows ``{field: [M, N, w]}`` as the encoder's context ``[M, N, width]``: (s, a, r[, s′])."""
    _check_config(config)
    names = ("obs", "action", "reward") + (("next_obs",) if config.next_obs_in_context else ())
    fields = _fields("sample", sample, names, ndim=3)
    context = torch.cat(list(fields.values()), dim=-1)
    _finite_fields("sample", fields, context)  # a NaN reward would poison every z inferred
    return context


def pearl_losses(
    agent: PEARLAgent,
    context: Tensor,
    batch: dict[str, Tensor],
    config: PEARLConfig,
    generator: torch.Generator,
) -> dict[str, Tensor]:
    """PEARL's losses on one meta-batch; their sum is what one gradient step descends.

    Args:
        context: ``[M, C, width]``, C context transitions of each of the M tasks.
        batch: the actor-critic batch, each field ``[M·B, width]`` (task m's B rows together).

    Returns ``{"critic", "kl", "actor", "temperature"}``. Each reaches only its own networks:
    ``critic`` the critics and, through z, the encoder; ``kl`` the encoder; ``actor`` the actor
    (z and the critics' weights enter it as constants); ``temperature`` log α.
    """
    batch = _check_loss_inputs(agent, context, batch, config, generator)
    c = config
    mean, variance = agent.posterior(context)  # task inference: q(z | context) for each task
    z = agent.sample_z(mean, variance, generator)
    z_rows = z.repeat_interleave(len(batch["obs"]) // len(z), dim=0)  # one z per task's rows
    z_fixed = z_rows.detach()  # the actor and the target see z as a constant
    alpha = agent.log_alpha.exp().detach()
    with torch.no_grad():  # the soft Bellman target, from the target critics
        # the networks' unchecked paths: the batch and context are checked above, z comes from
        # the encoder
        next_action, next_logprob = agent.actor._sample(batch["next_obs"], z_fixed, generator)
        target = soft_q_target(
            c.reward_scale * batch["critic_reward"].squeeze(-1),
            batch["done"].squeeze(-1),
            agent.target_critic._values(batch["next_obs"], next_action, z_fixed),
            next_logprob,
            gamma=c.gamma,
            alpha=alpha,
        )
    q_pred = agent.critic._values(batch["obs"], batch["action"], z_rows)
    action, logprob = agent.actor._sample(batch["obs"], z_fixed, generator)
    q_new = agent.critic._values(batch["obs"], action, z_fixed, frozen=True)
    return {
        "critic": critic_loss(q_pred, target),
        "kl": kl_to_prior(mean, variance).sum(),  # summed over tasks, as the authors' code does
        "actor": actor_loss(logprob, q_new, alpha),
        "temperature": temperature_loss(agent.log_alpha, logprob, c.entropy_target),
        "entropy": -logprob.detach().mean(),
        "q_mean": q_pred.detach().mean(),
    }


#: The fields of an actor-critic batch that the losses read.
BATCH_FIELDS = ("obs", "action", "critic_reward", "next_obs", "done")


def _check_loss_inputs(
    agent: object, context: object, batch: object, config: object, generator: object
) -> dict[str, Tensor]:
    """pearl_losses' arguments: shapes and dtypes up front, one finiteness pass over the batch."""
    check_agent(agent, config)
    check_tensor("context", context, ndim=3)  # [M, C, width]: the encoder checks the rest
    if len(context) == 0:
        raise ValueError(f"context must hold M >= 1 tasks, got shape {tuple(context.shape)}")
    fields = _fields("batch", batch, BATCH_FIELDS, ndim=2)
    rows, tasks = len(fields["obs"]), len(context)
    if rows == 0 or rows % tasks:
        raise ValueError(
            f"batch must hold B >= 1 rows for each of the {tasks} tasks of context (M·B rows, "
            f"task m's together), got {rows} rows"
        )
    _finite_fields("batch", fields, torch.cat(list(fields.values()), dim=-1))
    done = fields["done"]
    if bool(((done != 0) & (done != 1)).any()):
        raise ValueError(f"batch['done'] must be 0 or 1, got {done.unique().tolist()}")
    check_instance("generator", generator, torch.Generator, "a torch.Generator")
    return batch


class _Learner:
    """The optimiser and one gradient step of PEARL (step 4 of the module docstring)."""

    def __init__(self, agent: PEARLAgent, config: PEARLConfig):
        self.agent, self.c = agent, config
        # Every network and log α share one learning rate, and each loss reaches only its own
        # parameters (pearl_losses), so one Adam over all of them is one Adam per network.
        trained = [p for name, p in agent.named_parameters() if not name.startswith("target_")]
        if not config.autotune_alpha:
            trained = [p for p in trained if p is not agent.log_alpha]
        self.optimizer = torch.optim.Adam(trained, lr=config.learning_rate, foreach=True)

    def step(
        self,
        rl_buffer: MultiTaskReplayBuffer,
        enc_buffer: MultiTaskReplayBuffer,
        gen: torch.Generator,
    ) -> dict[str, float]:
        agent, c = self.agent, self.c
        tasks = torch.randint(c.num_train_tasks, (c.meta_batch_size,), generator=gen)
        context = context_rows(enc_buffer.sample(tasks, c.context_size, gen), c)
        sample = rl_buffer.sample(tasks, c.batch_size, gen)
        batch = {k: v.flatten(0, 1).to(agent.device) for k, v in sample.items()}
        losses = pearl_losses(agent, context.to(agent.device), batch, c, gen)
        total = losses["critic"] + c.kl_weight * losses["kl"] + losses["actor"]
        if c.autotune_alpha:
            total = total + losses["temperature"]
        self.optimizer.zero_grad(set_to_none=True)
        total.backward()
        self.optimizer.step()
        polyak_update(agent.target_critic, agent.critic, c.tau)
        return {
            "loss": float(losses["critic"].detach()),
            "actor_loss": float(losses["actor"].detach()),
            "kl": float(losses["kl"].detach()) / c.meta_batch_size,
            "entropy": float(losses["entropy"]),
            "q_mean": float(losses["q_mean"]),
        }


def _check_train_args(config: object, callback: object, progress: object) -> PEARLConfig:
    config = PEARLConfig() if config is None else config
    if not isinstance(config, PEARLConfig):
        raise TypeError(f"config must be a PEARLConfig, got {type(config).__name__}")
    check_callback(callback)
    check_bool("progress", progress)
    return config


def train_pearl(
    config: PEARLConfig | None = None,
    callback: Callback | None = None,
    *,
    progress: bool = True,
) -> TrainResult[PEARLAgent, PEARLConfig]:
    """Meta-train PEARL (steps 1–4 of the module docstring); returns a
    :class:`~course_lib.training.TrainResult` whose model is the :class:`PEARLAgent`.

    History rows: ``iteration``, ``env_steps``, ``gradient_steps``, ``seconds``, ``loss`` (the
    critics'), ``actor_loss``, ``kl`` (per task), ``entropy``, ``alpha``, ``q_mean``,
    ``prior_return`` and ``episode_return`` (the collected prior / posterior episodes' mean return).
    """
    c = _check_train_args(config, callback, progress)
    gen = make_generator(c.seed)
    agent = make_agent(c)
    learner = _Learner(agent, c)
    goals = training_goals(c, gen)
    rl_buffer = MultiTaskReplayBuffer(c.num_train_tasks, c.buffer_capacity, FIELDS)
    enc_buffer = MultiTaskReplayBuffer(c.num_train_tasks, c.encoder_buffer_capacity, FIELDS)
    envs: dict[int, object] = {}  # one batched env per batch size, made once

    def collect(tasks: Tensor, z: Tensor, to_encoder: bool = True) -> Episodes:
        n = len(tasks)
        env = envs.setdefault(n, make_env(c, n))
        episodes = play_episodes(agent, env, goals[tasks], z, gen, critic_reward=c.critic_reward)
        which, rows = episodes.rows()
        rl_buffer.add(tasks[which], rows)
        if to_encoder:
            enc_buffer.add(tasks[which], rows)
        return episodes

    all_tasks = torch.arange(c.num_train_tasks)
    initial = all_tasks.repeat_interleave(c.initial_episodes)
    env_steps = int(collect(initial, agent.prior_z(len(initial), gen)).mask.sum())

    def iteration(i: int) -> Row:
        nonlocal env_steps
        tasks = torch.randperm(c.num_train_tasks, generator=gen)[: c.tasks_per_iteration]
        enc_buffer.clear(tasks)  # the context of these tasks: what is collected now
        prior_returns, post_returns = [], []
        if c.prior_episodes:
            batch = tasks.repeat_interleave(c.prior_episodes)
            episodes = collect(batch, agent.prior_z(len(batch), gen))
            prior_returns.append(episodes.returns)
            env_steps += int(episodes.mask.sum())
        for _ in range(c.posterior_episodes):  # one episode at a time: the posterior moves between
            with torch.no_grad():
                context = context_rows(enc_buffer.sample(tasks, c.context_size, gen), c)
                z = agent.sample_z(*agent.posterior(context), gen)
            episodes = collect(tasks, z)
            post_returns.append(episodes.returns)
            env_steps += int(episodes.mask.sum())
        stats = [learner.step(rl_buffer, enc_buffer, gen) for _ in range(c.gradient_steps)]
        return {
            "env_steps": float(env_steps),
            "gradient_steps": float(i * c.gradient_steps),
            **{k: sum(s[k] for s in stats) / len(stats) for k in stats[0]},
            "alpha": float(agent.log_alpha.detach().exp()),
            "prior_return": _mean_return(prior_returns),
            "episode_return": _mean_return(post_returns),
        }

    return train_loop(
        TrainResult(agent, c, []), iteration, iterations=c.iterations, callback=callback,
        progress=progress, desc="PEARL", show="episode_return",
    )  # fmt: skip


def _mean_return(returns: list[Tensor]) -> float:
    """The mean return of the episodes collected (NaN when a run collects none of this kind)."""
    return float(torch.cat(returns).mean()) if returns else float("nan")
