"""Proximal Policy Optimization (近端策略优化, PPO), from scratch, read top to bottom (Chapter 3).

The algorithm in five pieces, in the order they appear in this file:

1. :class:`PPOConfig`: every hyperparameter, named, with its default (a CartPole setting).
2. :class:`ActorCritic`: a policy π_θ(a|s) (actor, 策略网络) and a value function V(s)
   (critic, 价值网络). Discrete actions use a categorical distribution; continuous (Box)
   actions a diagonal Gaussian with a learned, state-independent log standard deviation.
3. :func:`collect_rollout`: run the current policy for ``num_steps`` steps in ``num_envs``
   parallel environments (``gymnasium.make_vec``), handling *truncation* (time limit) apart
   from *termination* (a real end of the episode).
4. :func:`compute_gae` and :func:`clipped_surrogate_loss`: generalized advantage estimation
   (广义优势估计) and the clipped objective. Both are reused by RL² (Chapter 7).
5. :func:`ppo_update`: several epochs of minibatch gradient steps over one rollout, using
   :mod:`course_lib.sampling` (Chapter 2), with CleanRL's diagnostics (approx KL, clip
   fraction, explained variance).

:func:`train` ties them together; :func:`evaluate`, :func:`save` and :func:`load` finish the job.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from course_lib.nets import mlp
from course_lib.sampling import iterate_minibatches
from course_lib.validation import check_int, check_real

__all__ = [
    "PPOConfig",
    "ActorCritic",
    "gaussian_log_prob",
    "gaussian_entropy",
    "make_envs",
    "Rollout",
    "EpisodeStats",
    "collect_rollout",
    "compute_gae",
    "clipped_surrogate_loss",
    "ppo_update",
    "TrainResult",
    "train",
    "evaluate",
    "StopWhenSolved",
    "record_frames",
    "save",
    "load",
]


# --------------------------------------------------------------------------------------------
# 1. Configuration
# --------------------------------------------------------------------------------------------


@dataclass
class PPOConfig:
    """Every PPO hyperparameter, with defaults that solve CartPole-v1 in ~50k steps.

    One *update* (一次更新) collects ``num_envs × num_steps`` transitions (the batch), then takes
    ``update_epochs × num_minibatches`` gradient steps on them. Training runs
    ``total_steps // batch_size`` updates.
    """

    env_id: str = "CartPole-v1"
    num_envs: int = 16  # parallel environments in the vector env
    num_steps: int = 32  # steps per environment per rollout
    total_steps: int = 50_000  # environment steps in the whole run (all envs together)
    learning_rate: float = 2e-3  # Adam step size at the start
    anneal_lr: bool = True  # decay the learning rate linearly to 0 over the run
    gamma: float = 0.98  # discount factor γ (折扣因子)
    gae_lambda: float = 0.8  # GAE λ: 0 = one-step TD, 1 = Monte-Carlo
    num_minibatches: int = 2  # minibatches per epoch (the batch must split evenly)
    update_epochs: int = 10  # passes over each rollout
    clip_coef: float = 0.2  # ε in clip(r, 1 − ε, 1 + ε)
    clip_vloss: bool = False  # also clip the value update around the old values
    ent_coef: float = 0.0  # entropy bonus weight (exploration)
    vf_coef: float = 0.5  # value-loss weight
    max_grad_norm: float = 0.5  # global gradient-norm clip
    target_kl: float | None = None  # stop the epochs early once approx KL exceeds this
    norm_adv: bool = True  # normalise advantages per minibatch
    hidden_sizes: tuple[int, ...] = (64, 64)  # MLP widths of actor and critic
    init_log_std: float = 0.0  # Gaussian policies only: initial log σ of every action dim
    reward_scale: float = 1.0  # multiply rewards before learning (episode stats stay raw)
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        if not isinstance(self.env_id, str) or not self.env_id:
            raise TypeError(
                f"env_id must be a non-empty string such as 'CartPole-v1', got {self.env_id!r}"
            )
        check_int("num_envs", self.num_envs, 1)
        check_int("num_steps", self.num_steps, 1)
        check_int("num_minibatches", self.num_minibatches, 1)
        check_int("update_epochs", self.update_epochs, 1)
        check_int("seed", self.seed, 0)
        check_int("total_steps", self.total_steps, 1)
        if self.total_steps < self.batch_size:
            raise ValueError(
                f"total_steps must be >= the batch num_envs × num_steps = {self.batch_size} (one update), got {self.total_steps}"
            )
        if self.batch_size % self.num_minibatches:
            raise ValueError(
                f"num_minibatches must divide the batch num_envs × num_steps = {self.batch_size} into whole minibatches, "
                f"got num_minibatches={self.num_minibatches}"
            )
        check_real("learning_rate", self.learning_rate, 0.0, 1.0, lo_open=True)
        check_real("gamma", self.gamma, 0.0, 1.0)
        check_real("gae_lambda", self.gae_lambda, 0.0, 1.0)
        check_real("clip_coef", self.clip_coef, 0.0, 1.0, lo_open=True)
        check_real("ent_coef", self.ent_coef, 0.0, math.inf)
        check_real("vf_coef", self.vf_coef, 0.0, math.inf)
        check_real("max_grad_norm", self.max_grad_norm, 0.0, math.inf, lo_open=True)
        check_real("reward_scale", self.reward_scale, 0.0, math.inf, lo_open=True)
        check_real("init_log_std", self.init_log_std, -5.0, 2.0)
        if self.target_kl is not None:
            check_real("target_kl", self.target_kl, 0.0, math.inf, lo_open=True)
        for name in ("anneal_lr", "clip_vloss", "norm_adv"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if isinstance(self.hidden_sizes, (str, bytes)) or not isinstance(
            self.hidden_sizes, Sequence
        ):
            raise TypeError(
                f"hidden_sizes must be a sequence of positive integers such as (64, 64), got {self.hidden_sizes!r}"
            )
        self.hidden_sizes = tuple(self.hidden_sizes)
        for h in self.hidden_sizes:
            check_int("hidden_sizes entries", h, 1)
        try:
            torch.device(self.device)
        except (RuntimeError, TypeError) as err:
            raise ValueError(
                f"device must be a torch device string such as 'cpu' or 'cuda', got {self.device!r}"
            ) from err

    @property
    def batch_size(self) -> int:
        """Transitions per rollout: ``num_envs × num_steps``."""
        return self.num_envs * self.num_steps

    @property
    def minibatch_size(self) -> int:
        return self.batch_size // self.num_minibatches

    @property
    def num_updates(self) -> int:
        return self.total_steps // self.batch_size


# --------------------------------------------------------------------------------------------
# 2. The actor-critic
# --------------------------------------------------------------------------------------------

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def gaussian_log_prob(
    mean: torch.Tensor, log_std: torch.Tensor, actions: torch.Tensor
) -> torch.Tensor:
    """log N(a; μ, diag σ²), summed over the last (action) dimension.

    Per dimension: −½((a − μ)/σ)² − log σ − ½ log 2π. The dimensions are independent, so the
    log-density of the action vector is the sum.
    """
    z = (actions - mean) * torch.exp(-log_std)
    return (-0.5 * z.pow(2) - log_std - _LOG_SQRT_2PI).sum(-1)


def gaussian_entropy(log_std: torch.Tensor) -> torch.Tensor:
    """Entropy of a diagonal Gaussian, summed over the action dimension: Σ (½ + ½ log 2π + log σ)."""
    return (0.5 + _LOG_SQRT_2PI + log_std).sum(-1)


class ActorCritic(nn.Module):
    """Separate actor and critic MLPs (as in CleanRL's ``ppo.py``).

    * ``Discrete(n)`` actions: the actor outputs n logits; π(a|s) = softmax(logits)[a].
    * ``Box`` actions: the actor outputs the mean μ(s); ``log_std`` is one learned parameter
      per action dimension, independent of the state. Sampled actions are *not* clipped here:
      the log-probability must belong to the action actually sampled. Only the copy sent to
      the environment is clipped to the bounds (see :meth:`env_action`).

    Args:
        observation_space: a flat ``Box`` (the input size is its number of elements).
        action_space: ``Discrete`` or ``Box``; anything else raises ``TypeError``.
        hidden_sizes: hidden layer widths of both networks.
        init_log_std: initial log σ (Box actions only).
        seed: if given, the initial weights depend only on it (the global RNG is untouched).
    """

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        hidden_sizes: Sequence[int] = (64, 64),
        *,
        init_log_std: float = 0.0,
        seed: int | None = None,
    ):
        super().__init__()
        if not isinstance(observation_space, gym.spaces.Box):
            raise TypeError(
                f"observation_space must be a gymnasium Box, got {type(observation_space).__name__}: {observation_space}"
            )
        if not isinstance(action_space, (gym.spaces.Discrete, gym.spaces.Box)):
            raise TypeError(
                f"action_space must be gymnasium Discrete (categorical policy) or Box (Gaussian policy), "
                f"got {type(action_space).__name__}: {action_space}"
            )
        self.observation_space = observation_space
        self.action_space = action_space
        self.discrete = isinstance(action_space, gym.spaces.Discrete)
        self.obs_dim = int(np.prod(observation_space.shape))
        self.act_dim = int(action_space.n) if self.discrete else int(np.prod(action_space.shape))
        self.hidden_sizes = tuple(hidden_sizes)
        self.config: PPOConfig | None = None  # set by train(); saved with the weights
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            self.critic = mlp(self.obs_dim, self.hidden_sizes, 1, out_gain=1.0)
            self.actor = mlp(self.obs_dim, self.hidden_sizes, self.act_dim, out_gain=0.01)
        if not self.discrete:
            self.log_std = nn.Parameter(torch.full((self.act_dim,), float(init_log_std)))
            self.register_buffer(
                "action_low", torch.as_tensor(action_space.low, dtype=torch.float32).reshape(-1)
            )
            self.register_buffer(
                "action_high", torch.as_tensor(action_space.high, dtype=torch.float32).reshape(-1)
            )

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        """V(s), shape ``[B]``."""
        return self.critic(obs).squeeze(-1)

    def act(
        self,
        obs: torch.Tensor,
        *,
        generator: torch.Generator | None = None,
        deterministic: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sample (or, if ``deterministic``, take the most likely) actions for a batch of observations.

        Returns ``(actions, log_probs, values)``; actions are ``[B]`` (long) or ``[B, act_dim]``.
        """
        out = self.actor(obs)
        if self.discrete:
            log_probs_all = torch.log_softmax(out, dim=-1)
            if deterministic:
                actions = out.argmax(-1)
            else:
                actions = torch.multinomial(log_probs_all.exp(), 1, generator=generator).squeeze(-1)
            log_prob = log_probs_all.gather(-1, actions.unsqueeze(-1)).squeeze(-1)
        else:
            log_std = self.log_std.expand_as(out)
            if deterministic:
                actions = out
            else:
                noise = torch.randn(out.shape, generator=generator, device=out.device)
                actions = out + noise * log_std.exp()
            log_prob = gaussian_log_prob(out, log_std, actions)
        return actions, log_prob, self.value(obs)

    def evaluate_actions(
        self, obs: torch.Tensor, actions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """log π(a|s), the policy entropy and V(s) for stored ``actions`` (with gradients)."""
        out = self.actor(obs)
        if self.discrete:
            log_probs_all = torch.log_softmax(out, dim=-1)
            log_prob = log_probs_all.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)
            entropy = -(log_probs_all.exp() * log_probs_all).sum(-1)
        else:
            log_std = self.log_std.expand_as(out)
            log_prob = gaussian_log_prob(out, log_std, actions)
            entropy = gaussian_entropy(log_std)
        return log_prob, entropy, self.value(obs)

    def env_action(self, actions: torch.Tensor) -> np.ndarray:
        """The actions as the environment wants them: ints, or floats clipped to the Box bounds."""
        if self.discrete:
            return actions.detach().cpu().numpy()
        clipped = torch.clamp(actions, self.action_low, self.action_high)
        return clipped.detach().cpu().numpy().reshape((-1, *self.action_space.shape))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Greedy actions for a batch of observations (what :func:`evaluate` runs)."""
        return self.act(obs, deterministic=True)[0]


# --------------------------------------------------------------------------------------------
# 3. Rollouts
# --------------------------------------------------------------------------------------------


def make_envs(env_id: str, num_envs: int, **kwargs: Any) -> gym.vector.VectorEnv:
    """``num_envs`` copies of ``env_id`` stepped together, in gymnasium's SAME_STEP autoreset mode.

    In that mode a sub-environment that finishes is reset within the same ``step`` call: the
    returned observation is already the first of the next episode, and the true last
    observation is in ``info["final_obs"]`` (we need it to bootstrap a truncated episode).
    """
    check_int("num_envs", num_envs, 1)
    return gym.make_vec(
        env_id,
        num_envs=num_envs,
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP},
        **kwargs,
    )


@dataclass
class EpisodeStats:
    """Running return and length of the episode in progress in each env; finished ones are logged."""

    num_envs: int
    running_return: np.ndarray = field(init=False)
    running_length: np.ndarray = field(init=False)
    returns: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.running_return = np.zeros(self.num_envs)
        self.running_length = np.zeros(self.num_envs, dtype=np.int64)

    def step(self, rewards: np.ndarray, done: np.ndarray) -> None:
        self.running_return += rewards
        self.running_length += 1
        for i in np.flatnonzero(done):
            self.returns.append(float(self.running_return[i]))
            self.lengths.append(int(self.running_length[i]))
            self.running_return[i] = 0.0
            self.running_length[i] = 0

    def pop(self) -> tuple[list[float], list[int]]:
        """The episodes finished since the last call."""
        out = (self.returns, self.lengths)
        self.returns, self.lengths = [], []
        return out


@dataclass
class Rollout:
    """One batch of experience; every tensor is ``[T, N, …]`` (time, environment)."""

    obs: torch.Tensor
    actions: torch.Tensor
    logprobs: torch.Tensor
    values: torch.Tensor
    rewards: torch.Tensor
    next_values: torch.Tensor  # V(s_{t+1}); for a truncated step V(final observation)
    terminated: torch.Tensor  # 1: s_{t+1} is terminal (no bootstrap)
    episode_end: torch.Tensor  # 1: terminated or truncated (GAE recursion stops)


@torch.no_grad()
def collect_rollout(
    agent: ActorCritic,
    envs: gym.vector.VectorEnv,
    obs: np.ndarray,
    num_steps: int,
    *,
    generator: torch.Generator | None = None,
    stats: EpisodeStats | None = None,
    reward_scale: float = 1.0,
) -> tuple[Rollout, np.ndarray]:
    """Run the policy for ``num_steps`` steps of the vector env (SAME_STEP autoreset, see :func:`make_envs`).

    ``obs`` is the current observation of every env; the observation after the last step is
    returned with the rollout, ready for the next call.

    Termination vs truncation: CartPole *terminates* when the pole falls (there is no future,
    V = 0) but is *truncated* at 500 steps (a time limit: the state still has a future, so the
    target bootstraps from V of the final observation). Confusing the two teaches the critic
    that good states near the time limit are worthless.
    """
    num_steps = check_int("num_steps", num_steps, 1)
    device = next(agent.parameters()).device
    T, N = num_steps, envs.num_envs
    obs_buf = torch.zeros((T, N, agent.obs_dim), device=device)
    act_buf = torch.zeros(
        (T, N) if agent.discrete else (T, N, agent.act_dim),
        dtype=torch.long if agent.discrete else torch.float32,
        device=device,
    )
    logp_buf = torch.zeros((T, N), device=device)
    value_buf = torch.zeros((T + 1, N), device=device)
    reward_buf = torch.zeros((T, N), device=device)
    term_buf = torch.zeros((T, N), device=device)
    end_buf = torch.zeros((T, N), device=device)
    truncated_at: list[tuple[int, int]] = []  # (t, env) of truncated steps
    final_obs: list[np.ndarray] = []

    obs_t = torch.as_tensor(obs, dtype=torch.float32, device=device).reshape(N, -1)
    for t in range(T):
        obs_buf[t] = obs_t
        actions, logp, value = agent.act(obs_t, generator=generator)
        act_buf[t], logp_buf[t], value_buf[t] = actions, logp, value
        obs, rewards, terminated, truncated, info = envs.step(agent.env_action(actions))
        done = terminated | truncated
        if stats is not None:
            stats.step(rewards, done)
        reward_buf[t] = torch.as_tensor(rewards * reward_scale, dtype=torch.float32, device=device)
        term_buf[t] = torch.as_tensor(terminated, dtype=torch.float32, device=device)
        end_buf[t] = torch.as_tensor(done, dtype=torch.float32, device=device)
        for i in np.flatnonzero(truncated & ~terminated):
            truncated_at.append((t, int(i)))
            final_obs.append(np.asarray(info["final_obs"][i], dtype=np.float32).reshape(-1))
        obs_t = torch.as_tensor(obs, dtype=torch.float32, device=device).reshape(N, -1)

    value_buf[T] = agent.value(obs_t)
    next_values = value_buf[1:].clone()  # V(s_{t+1}); after an episode end this is a reset state...
    if truncated_at:  # ...so a truncated step bootstraps from the final observation instead
        v_final = agent.value(torch.as_tensor(np.stack(final_obs), device=device))
        ts, envs_idx = zip(*truncated_at)
        next_values[list(ts), list(envs_idx)] = v_final
    rollout = Rollout(
        obs_buf, act_buf, logp_buf, value_buf[:T], reward_buf, next_values, term_buf, end_buf
    )
    return rollout, obs


# --------------------------------------------------------------------------------------------
# 4. Advantages and the clipped objective (shared with RL², Chapter 7)
# --------------------------------------------------------------------------------------------


def compute_gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_values: torch.Tensor,
    terminated: torch.Tensor,
    episode_end: torch.Tensor,
    gamma: float,
    lam: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalized Advantage Estimation over a rollout of shape ``[T, N]``.

    Args:
        rewards: r_t.
        values: V(s_t).
        next_values: V(s_{t+1}); at a truncated step, the value of the *final*
            observation (the episode was cut, not finished, so it still bootstraps).
        terminated: 1 where s_{t+1} is terminal: no bootstrap.
        episode_end: 1 where the episode ended (terminated or truncated): the
            advantage recursion stops, so credit never leaks into the next episode.
        gamma: discount factor in [0, 1].
        lam: GAE λ in [0, 1]; 0 gives one-step TD errors, 1 Monte-Carlo returns minus V.

    Returns:
        ``(advantages, returns)`` with ``returns = advantages + values``.

    The recursion, from the last step backwards::

        δ_t = r_t + γ (1 − terminated_t) next_values_t − values_t
        A_t = δ_t + γ λ (1 − episode_end_t) A_{t+1}
    """
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma}")
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f"lam must be in [0, 1], got {lam}")
    shapes = {t.shape for t in (rewards, values, next_values, terminated, episode_end)}
    if len(shapes) != 1:
        raise ValueError(
            f"rewards, values, next_values, terminated, episode_end must share one shape [T, N], got {sorted(map(tuple, shapes))}"
        )
    not_terminal = 1.0 - terminated.to(values.dtype)
    not_end = 1.0 - episode_end.to(values.dtype)
    deltas = rewards + gamma * not_terminal * next_values - values
    advantages = torch.zeros_like(values)
    running = torch.zeros_like(values[0])
    for t in reversed(range(values.shape[0])):
        running = deltas[t] + gamma * lam * not_end[t] * running
        advantages[t] = running
    return advantages, advantages + values


def clipped_surrogate_loss(
    logp_new: torch.Tensor,
    logp_old: torch.Tensor,
    advantages: torch.Tensor,
    clip_coef: float,
) -> torch.Tensor:
    """PPO's clipped surrogate objective, negated so that it is minimized.

    ``r = exp(logp_new − logp_old)`` is the probability ratio of the new policy to the one
    that collected the data. The loss is ``−mean(min(r·A, clip(r, 1−ε, 1+ε)·A))``: once
    ``r`` has moved more than ε in the direction the advantage favours, the clipped term is
    the smaller one and its gradient is zero, so one batch cannot push the policy far.
    """
    if clip_coef <= 0:
        raise ValueError(f"clip_coef must be > 0, got {clip_coef}")
    ratio = torch.exp(logp_new - logp_old)
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1.0 - clip_coef, 1.0 + clip_coef) * advantages
    return -torch.min(unclipped, clipped).mean()


# --------------------------------------------------------------------------------------------
# 5. The update: several epochs of minibatches over one rollout
# --------------------------------------------------------------------------------------------


def ppo_update(
    agent: ActorCritic,
    optimizer: torch.optim.Optimizer,
    rollout: Rollout,
    advantages: torch.Tensor,
    returns: torch.Tensor,
    config: PPOConfig,
    *,
    generator: torch.Generator | None = None,
) -> dict[str, float]:
    """``update_epochs`` passes over the rollout, each cut into ``num_minibatches`` shuffled minibatches.

    Per minibatch: loss = clipped surrogate − ent_coef · entropy + vf_coef · value loss, one
    Adam step after clipping the global gradient norm. Returned as floats: the losses and
    entropy of the last minibatch, ``epochs`` actually run, and the diagnostics

    * ``approx_kl``: the (r − 1) − log r estimator of KL(π_old ‖ π_new) (always ≥ 0, low variance);
      of the last minibatch. If it exceeds ``target_kl`` the remaining epochs are skipped.
    * ``clip_fraction``: share of samples whose ratio left [1 − ε, 1 + ε] (their gradient is zero).
    * ``explained_variance``: 1 − Var(returns − V)/Var(returns) of the rollout's values; 1 is a
      perfect critic, 0 is no better than a constant, negative is worse.
    """
    B = config.batch_size
    b_obs = rollout.obs.reshape(B, -1)
    b_actions = rollout.actions.reshape(B, *rollout.actions.shape[2:])
    b_logp = rollout.logprobs.reshape(B)
    b_adv = advantages.reshape(B)
    b_ret = returns.reshape(B)
    b_val = rollout.values.reshape(B)

    clip_fractions: list[torch.Tensor] = []
    epochs_run = 0
    for _ in range(config.update_epochs):
        epochs_run += 1
        for obs, actions, logp_old, adv, ret, v_old in iterate_minibatches(
            b_obs,
            b_actions,
            b_logp,
            b_adv,
            b_ret,
            b_val,
            batch_size=config.minibatch_size,
            generator=generator,
        ):
            logp_new, entropy, v_new = agent.evaluate_actions(obs, actions)
            log_ratio = logp_new - logp_old
            with torch.no_grad():
                ratio = log_ratio.exp()
                approx_kl = ((ratio - 1) - log_ratio).mean()
                clip_fractions.append(((ratio - 1).abs() > config.clip_coef).float().mean())

            if config.norm_adv:
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            policy_loss = clipped_surrogate_loss(logp_new, logp_old, adv, config.clip_coef)

            if config.clip_vloss:  # keep V close to the values that collected the data, too
                v_clipped = v_old + torch.clamp(v_new - v_old, -config.clip_coef, config.clip_coef)
                value_loss = 0.5 * torch.max((v_new - ret) ** 2, (v_clipped - ret) ** 2).mean()
            else:
                value_loss = 0.5 * ((v_new - ret) ** 2).mean()

            entropy_mean = entropy.mean()
            loss = policy_loss - config.ent_coef * entropy_mean + config.vf_coef * value_loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), config.max_grad_norm)
            optimizer.step()

        if config.target_kl is not None and approx_kl.item() > config.target_kl:
            break

    var_returns = b_ret.var()
    explained = (
        float("nan")
        if var_returns.item() == 0
        else (1 - (b_ret - b_val).var() / var_returns).item()
    )
    return {
        "policy_loss": policy_loss.item(),
        "value_loss": value_loss.item(),
        "entropy": entropy_mean.item(),
        "approx_kl": approx_kl.item(),
        "clip_fraction": torch.stack(clip_fractions).mean().item(),
        "explained_variance": explained,
        "epochs": float(epochs_run),
    }


# --------------------------------------------------------------------------------------------
# 6. Training, evaluation, checkpoints
# --------------------------------------------------------------------------------------------


@dataclass
class TrainResult:
    """What :func:`train` returns: the agent, its config and one row of metrics per update."""

    agent: ActorCritic
    config: PPOConfig
    history: list[dict[str, float]]
    episode_returns: list[float]  # every finished training episode, in order
    train_seconds: float  # rollouts + updates, callbacks excluded

    def metric(self, key: str) -> np.ndarray:
        """One column of the history as an array, e.g. ``result.metric("approx_kl")``."""
        if self.history and not any(key in row for row in self.history):
            raise KeyError(f"unknown metric {key!r}; available: {sorted(self.history[0])}")
        return np.array([row.get(key, float("nan")) for row in self.history], dtype=float)


Callback = Callable[[dict[str, float], ActorCritic], "bool | None"]


def train(
    config: PPOConfig, callback: Callback | None = None, *, progress: bool = True
) -> TrainResult:
    """Train PPO on ``config.env_id`` and return the agent with a per-update history.

    Each update: (maybe) anneal the learning rate → :func:`collect_rollout` →
    :func:`compute_gae` → :func:`ppo_update` → log metrics. ``callback(metrics, agent)`` is
    called after every update (e.g. to draw a live learning curve); if it returns ``True``
    training stops early. Its time is not counted in ``train_seconds`` or ``steps_per_second``.

    Same ``config`` (seed included) → same numbers: the environments, the weight
    initialisation, the action sampling and the minibatch shuffling are all seeded from it.

    Metrics of each update (one ``history`` row): ``global_step``; ``episodic_return`` and
    ``episodic_length``, rolling means over the last 20 finished training episodes (stochastic
    policy, NaN until an episode ends); ``episodes`` finished in this update;
    ``learning_rate``; from :func:`ppo_update` ``policy_loss``, ``value_loss``, ``entropy``,
    ``approx_kl``, ``clip_fraction``, ``explained_variance``, ``epochs``; and
    ``steps_per_second`` / ``train_seconds`` (callbacks excluded).
    """
    if not isinstance(config, PPOConfig):
        raise TypeError(f"config must be a PPOConfig, got {type(config).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(
            f"callback must be callable(metrics, agent) or None, got {type(callback).__name__}"
        )
    from tqdm.auto import tqdm

    device = torch.device(config.device)
    envs = make_envs(config.env_id, config.num_envs)
    agent = ActorCritic(
        envs.single_observation_space,
        envs.single_action_space,
        config.hidden_sizes,
        init_log_std=config.init_log_std,
        seed=config.seed,
    ).to(device)
    agent.config = config
    optimizer = torch.optim.Adam(agent.parameters(), lr=config.learning_rate, eps=1e-5)
    generator = torch.Generator(device=device).manual_seed(config.seed)
    stats = EpisodeStats(config.num_envs)
    obs, _ = envs.reset(seed=config.seed)

    history: list[dict[str, float]] = []
    all_returns: list[float] = []
    all_lengths: list[int] = []
    train_seconds, global_step = 0.0, 0
    num_updates = config.num_updates
    bar = tqdm(range(num_updates), desc=f"PPO {config.env_id}", disable=not progress, leave=True)
    try:
        for update in bar:
            start = time.perf_counter()
            lr = (
                config.learning_rate * (1.0 - update / num_updates)
                if config.anneal_lr
                else config.learning_rate
            )
            for group in optimizer.param_groups:
                group["lr"] = lr

            rollout, obs = collect_rollout(
                agent,
                envs,
                obs,
                config.num_steps,
                generator=generator,
                stats=stats,
                reward_scale=config.reward_scale,
            )
            global_step += config.batch_size
            advantages, returns = compute_gae(
                rollout.rewards,
                rollout.values,
                rollout.next_values,
                rollout.terminated,
                rollout.episode_end,
                config.gamma,
                config.gae_lambda,
            )
            losses = ppo_update(
                agent, optimizer, rollout, advantages, returns, config, generator=generator
            )
            train_seconds += time.perf_counter() - start

            ep_returns, ep_lengths = stats.pop()
            all_returns.extend(ep_returns)
            all_lengths.extend(ep_lengths)
            metrics = {
                "update": float(update + 1),
                "global_step": float(global_step),
                # Rolling means over the last 20 finished training episodes (NaN until one ends).
                "episodic_return": float(np.mean(all_returns[-20:]))
                if all_returns
                else float("nan"),
                "episodic_length": float(np.mean(all_lengths[-20:]))
                if all_lengths
                else float("nan"),
                "episodes": float(len(ep_returns)),
                "learning_rate": lr,
                **losses,
                "steps_per_second": global_step / train_seconds,
                "train_seconds": train_seconds,
            }
            history.append(metrics)
            if all_returns:
                bar.set_postfix(ret=f"{metrics['episodic_return']:.1f}", refresh=False)
            if callback is not None and callback(metrics, agent):
                break
    finally:
        bar.close()
        envs.close()
    return TrainResult(agent, config, history, all_returns, train_seconds)


@torch.no_grad()
def evaluate(
    agent: ActorCritic | Callable[[np.ndarray], np.ndarray],
    env_id: str,
    episodes: int = 20,
    seed: int = 0,
    deterministic: bool = True,
) -> np.ndarray:
    """Returns of ``episodes`` full episodes (one per parallel env; env ``i`` is seeded ``seed + i``).

    ``agent`` is an :class:`ActorCritic` (greedy actions if ``deterministic``, else sampled
    with a generator seeded by ``seed``) or any function mapping a batch of observations to a
    batch of environment actions (the benchmark evaluates Stable-Baselines3 this way, under
    the same protocol).
    """
    episodes = check_int("episodes", episodes, 1)
    seed = check_int("seed", seed, 0)
    if not isinstance(agent, ActorCritic) and not callable(agent):
        raise TypeError(
            f"agent must be an ActorCritic or a callable obs -> actions, got {type(agent).__name__}"
        )
    envs = make_envs(env_id, episodes)
    try:
        obs, _ = envs.reset(seed=seed)
        returns = np.zeros(episodes)
        active = np.ones(episodes, dtype=bool)
        if isinstance(agent, ActorCritic):
            device = next(agent.parameters()).device
            generator = torch.Generator(device=device).manual_seed(seed)
        while active.any():
            if isinstance(agent, ActorCritic):
                obs_t = torch.as_tensor(obs, dtype=torch.float32, device=device).reshape(
                    episodes, -1
                )
                actions = agent.env_action(
                    agent.act(obs_t, generator=generator, deterministic=deterministic)[0]
                )
            else:
                actions = agent(obs)
            obs, rewards, terminated, truncated, _ = envs.step(actions)
            returns += rewards * active  # finished envs keep running (autoreset); ignore them
            active &= ~(terminated | truncated)
    finally:
        envs.close()
    return returns


class StopWhenSolved:
    """A :func:`train` callback: every ``every_steps`` environment steps, evaluate the agent
    greedily on ``episodes`` episodes and stop training once their mean return reaches
    ``threshold`` (gymnasium's ``reward_threshold`` by default, 475 for CartPole-v1).

    The evaluations are kept in ``self.evaluations`` as ``(global_step, mean_return)``. Use a
    different evaluation seed afterwards to check the result on episodes the stopping rule
    never saw.
    """

    def __init__(
        self,
        env_id: str,
        threshold: float | None = None,
        *,
        every_steps: int = 2048,
        episodes: int = 20,
        seed: int = 10_000,
    ):
        if threshold is None:
            threshold = gym.spec(env_id).reward_threshold
            if threshold is None:
                raise ValueError(f"{env_id} has no reward_threshold; pass threshold= explicitly")
        self.env_id, self.threshold = env_id, float(threshold)
        self.every_steps = check_int("every_steps", every_steps, 1)
        self.episodes = check_int("episodes", episodes, 1)
        self.seed = check_int("seed", seed, 0)
        self.evaluations: list[tuple[int, float]] = []
        self._next = self.every_steps

    @property
    def solved(self) -> bool:
        return bool(self.evaluations) and self.evaluations[-1][1] >= self.threshold

    def __call__(self, metrics: dict[str, float], agent: ActorCritic) -> bool:
        step = int(metrics["global_step"])
        if step < self._next:
            return False
        while self._next <= step:
            self._next += self.every_steps
        score = float(np.mean(evaluate(agent, self.env_id, self.episodes, seed=self.seed)))
        self.evaluations.append((step, score))
        metrics["eval_return"] = score
        return score >= self.threshold


@torch.no_grad()
def record_frames(
    agent: ActorCritic, env_id: str, *, max_frames: int = 200, every: int = 1, seed: int = 0
) -> tuple[list[np.ndarray], float]:
    """Play one greedy episode with ``render_mode="rgb_array"``.

    Returns every ``every``-th rendered frame (at most ``max_frames`` of them) and the
    episode's return, e.g. to show the trained agent as an animation.
    """
    max_frames = check_int("max_frames", max_frames, 1)
    every = check_int("every", every, 1)
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # off-screen rendering: no display needed
    env = gym.make(env_id, render_mode="rgb_array")
    device = next(agent.parameters()).device
    try:
        obs, _ = env.reset(seed=seed)
        frames, total, t, done = [env.render()], 0.0, 0, False
        while not done:
            obs_t = torch.as_tensor(obs, dtype=torch.float32, device=device).reshape(1, -1)
            action = agent.env_action(agent.act(obs_t, deterministic=True)[0])[0]
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            done = terminated or truncated
            t += 1
            if t % every == 0 and len(frames) < max_frames:
                frames.append(env.render())
    finally:
        env.close()
    return frames, total


_FORMAT = "course_lib.ppo.ActorCritic/1"


def _space_to_dict(space: gym.Space) -> dict[str, Any]:
    if isinstance(space, gym.spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n)}
    return {
        "type": "Box",
        "low": space.low.astype(float).tolist(),
        "high": space.high.astype(float).tolist(),
    }


def _space_from_dict(spec: dict[str, Any]) -> gym.Space:
    if spec["type"] == "Discrete":
        return gym.spaces.Discrete(int(spec["n"]))
    return gym.spaces.Box(
        np.array(spec["low"], dtype=np.float32),
        np.array(spec["high"], dtype=np.float32),
        dtype=np.float32,
    )


def save(agent: ActorCritic, path: str | Path) -> Path:
    """Write the agent's weights, its spaces and its config (if any) to ``path``; returns the path."""
    if not isinstance(agent, ActorCritic):
        raise TypeError(f"agent must be an ActorCritic, got {type(agent).__name__}")
    path = Path(path)
    payload = {
        "format": _FORMAT,
        "observation_space": _space_to_dict(agent.observation_space),
        "action_space": _space_to_dict(agent.action_space),
        "hidden_sizes": list(agent.hidden_sizes),
        "config": dataclasses.asdict(agent.config) if agent.config is not None else None,
        "state_dict": {k: v.detach().cpu() for k, v in agent.state_dict().items()},
    }
    torch.save(payload, path)
    return path


def load(path: str | Path, *, device: str = "cpu") -> ActorCritic:
    """Load an agent written by :func:`save` (``torch.load(..., weights_only=True)``: tensors and plain data only).

    Raises ``FileNotFoundError`` if there is no file, ``ValueError`` if it is corrupt, not a
    checkpoint of this format, or its weights do not fit the network it describes.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:  # a truncated zip, random bytes, a pickle with arbitrary objects...
        raise ValueError(
            f"{path} is not a readable checkpoint (corrupt, or not written by course_lib.ppo.save): {err}"
        ) from err
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise ValueError(f"{path} is not a course_lib PPO checkpoint (expected format {_FORMAT!r})")
    try:
        agent = ActorCritic(
            _space_from_dict(payload["observation_space"]),
            _space_from_dict(payload["action_space"]),
            payload["hidden_sizes"],
        )
        agent.load_state_dict(payload["state_dict"])
        agent.config = PPOConfig(**payload["config"]) if payload["config"] is not None else None
    except (KeyError, RuntimeError, TypeError, ValueError) as err:
        raise ValueError(
            f"{path}: the checkpoint does not match the network it describes: {err}"
        ) from err
    return agent.to(device)
