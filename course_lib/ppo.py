"""Proximal Policy Optimization (近端策略优化, PPO), from scratch, read top to bottom (Chapter 3).

The algorithm in six pieces, in the order they appear in this file:

1. :class:`PPOConfig`: every hyperparameter, named, with its default (a CartPole setting).
2. :class:`ActorCritic`: a policy π_θ(a|s) (actor, 策略网络) and a value function V(s)
   (critic, 价值网络). Discrete actions use a categorical distribution; continuous (Box)
   actions a diagonal Gaussian with a learned, state-independent log standard deviation.
3. :func:`collect_rollout`: run the current policy for ``num_steps`` steps in ``num_envs``
   parallel environments (``gymnasium.make_vec``), handling *truncation* (time limit) apart
   from *termination* (a real end of the episode).
4. :func:`compute_gae`, :func:`clipped_surrogate_loss` and :func:`ppo_loss`: generalized
   advantage estimation (广义优势估计), the clipped objective, and the whole PPO loss as a
   pure function that returns its own diagnostics (approx KL, clip fraction, entropy,
   explained variance).
5. :func:`ppo_update`: several epochs of minibatch gradient steps over one batch, using
   :mod:`course_lib.sampling` (Chapter 2). RL² (Chapter 7) calls this same update with
   whole trials as its samples.
6. :func:`train`: the loop that ties them together, under the course's training contract
   (:mod:`course_lib.training`).

Evaluation and recording live in :mod:`course_lib.evaluation`, checkpoints in
:mod:`course_lib.checkpoints`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from course_lib.nets import _check_sizes, mlp
from course_lib.sampling import _check_generator, split_minibatches
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
    Checked,
    bounded,
    check_bool,
    check_declared,
    check_device,
    check_env_id,
    check_finite,
    check_hidden_sizes,
    check_instance,
    check_int,
    check_real,
    check_same_shape,
    check_seed,
    check_tensor,
    declared,
)

__all__ = [
    "PPOConfig",
    "ActorCritic",
    "gaussian_log_prob",
    "gaussian_entropy",
    "make_envs",
    "Rollout",
    "collect_rollout",
    "compute_gae",
    "clipped_surrogate_loss",
    "ppo_loss",
    "PPOBatch",
    "ppo_update",
    "transitions",
    "train",
]


# --------------------------------------------------------------------------------------------
# 1. Configuration
# --------------------------------------------------------------------------------------------


#: Caps stated in the errors: beyond them a run takes hours or a rollout gigabytes.
MAX_ENVS, MAX_STEPS_PER_ROLLOUT, MAX_BATCH, MAX_TOTAL_STEPS = 4096, 100_000, 1_000_000, 10**8
#: Transitions a run learns from, counted once per epoch (total_steps × update_epochs): the
#: course's largest run is 100,000 × 10 = 10**6; 10**9 is days of CPU, surely a typo.
MAX_WORK = 10**9


def _gym_id(value: object, name: str) -> str:
    """A registered gymnasium id; an empty string is a missing id (TypeError), as ``None`` is."""
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty string such as 'CartPole-v1', got {value!r}")
    return check_env_id(value, name)


@dataclass
class PPOConfig:
    """Every PPO hyperparameter, with defaults that solve CartPole-v1 in ~50k steps.

    One *update* (一次更新) collects ``num_envs × num_steps`` transitions (the batch), then takes
    ``update_epochs × num_minibatches`` gradient steps on them. Training runs
    ``total_steps // batch_size`` updates.
    """

    env_id: str = declared("CartPole-v1", Checked(_gym_id))
    num_envs: int = bounded(16, 1, MAX_ENVS)  # parallel environments in the vector env
    num_steps: int = bounded(32, 1, MAX_STEPS_PER_ROLLOUT)  # steps per environment per rollout
    total_steps: int = bounded(50_000, 1, MAX_TOTAL_STEPS)  # env steps in the run (all envs)
    learning_rate: float = bounded(2e-3, 0.0, 1.0, low_open=True)  # Adam step size at the start
    anneal_lr: bool = declared(True, FLAG)  # decay the learning rate linearly to 0 over the run
    gamma: float = bounded(0.98, 0.0, 1.0)  # discount factor γ (折扣因子)
    gae_lambda: float = bounded(0.8, 0.0, 1.0)  # GAE λ: 0 = one-step TD, 1 = Monte-Carlo
    num_minibatches: int = bounded(2, 1, 100_000)  # minibatches per epoch (must split evenly)
    update_epochs: int = bounded(10, 1, 1000)  # passes over each rollout
    clip_coef: float = bounded(0.2, 0.0, 1.0, low_open=True)  # ε in clip(r, 1 − ε, 1 + ε)
    clip_vloss: bool = declared(False, FLAG)  # also clip the value update around the old values
    ent_coef: float = bounded(0.0, 0.0, 100.0)  # entropy bonus weight (exploration)
    vf_coef: float = bounded(0.5, 0.0, 100.0)  # value-loss weight
    max_grad_norm: float = bounded(0.5, 0.0, 1e6, low_open=True)  # global gradient-norm clip
    # stop the epochs early once approx KL exceeds this (None: never)
    target_kl: float | None = bounded(None, 0.0, 100.0, low_open=True)
    norm_adv: bool = declared(True, FLAG)  # normalise advantages per minibatch
    hidden_sizes: tuple[int, ...] = declared((64, 64), WIDTHS)  # MLP widths of actor and critic
    init_log_std: float = bounded(0.0, -5.0, 2.0)  # Gaussian policies only: initial log σ
    # multiply rewards before learning (episode stats stay raw)
    reward_scale: float = bounded(1.0, 0.0, math.inf, low_open=True, high_open=True)
    seed: int = declared(0, SEED)
    device: str = declared("cpu", DEVICE)

    def __post_init__(self) -> None:
        check_declared(self)  # each field against its declared range; below, between fields
        if self.batch_size > MAX_BATCH:
            raise ValueError(
                f"the batch num_envs × num_steps must be <= {MAX_BATCH:_} transitions, "
                f"got {self.num_envs} × {self.num_steps} = {self.batch_size:_}"
            )
        if self.total_steps < self.batch_size:
            raise ValueError(
                f"total_steps must be >= the batch num_envs × num_steps = {self.batch_size} "
                f"(one update), got {self.total_steps}"
            )
        if self.batch_size % self.num_minibatches:
            raise ValueError(
                f"num_minibatches must divide the batch num_envs × num_steps = {self.batch_size} "
                f"into whole minibatches, got num_minibatches={self.num_minibatches}"
            )
        check_minibatch_size(self.batch_size // self.num_minibatches, self.norm_adv)
        work = self.total_steps * self.update_epochs
        if work > MAX_WORK:
            raise ValueError(
                f"total_steps × update_epochs must be at most {MAX_WORK:_} transition passes, "
                f"got {self.total_steps:_} × {self.update_epochs:_} = {work:_}"
            )

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


def check_minibatch_size(minibatch_size: int, norm_adv: bool) -> None:
    """Normalising advantages needs a standard deviation: at least 2 samples per minibatch."""
    minibatch_size = check_int("minibatch_size", minibatch_size, 1)
    if check_bool("norm_adv", norm_adv) and minibatch_size < 2:
        raise ValueError(
            "norm_adv=True needs minibatches of at least 2 samples (a 1-sample minibatch has no "
            f"standard deviation, and its normalised advantage is NaN), got {minibatch_size}: "
            "use fewer num_minibatches or a larger batch"
        )


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
    _check_gaussian(mean=mean, log_std=log_std, actions=actions)
    log_prob = _gaussian_log_prob(mean, log_std, actions)
    if not torch._C._functorch.is_functorch_wrapped_tensor(log_prob):
        if not math.isfinite(float(log_prob.detach().sum())):  # one sum checks all three
            for name, value in (("mean", mean), ("log_std", log_std), ("actions", actions)):
                check_finite(name, value)
            raise ValueError(
                "log_std must keep the density finite, got values from "
                f"{float(log_std.min()):.3g} (σ = exp(log_std) underflows)"
            )
    return log_prob


def gaussian_entropy(log_std: torch.Tensor) -> torch.Tensor:
    """Entropy of a diagonal Gaussian, summed over the action dimension: Σ (½ + ½ log 2π + log σ)."""
    _check_gaussian(log_std=log_std)
    return _gaussian_entropy(_finite("log_std", log_std))


def _finite(name: str, value: torch.Tensor) -> torch.Tensor:
    """:func:`check_finite`, except on a tensor inside a ``torch.func`` transform (MAML-RL's
    ``vmap`` over tasks), where a data-dependent branch cannot run; such a call's own inputs
    were checked, unbatched, at its edge."""
    if torch._C._functorch.is_functorch_wrapped_tensor(value):
        return value
    return check_finite(name, value)


def _all_finite(tensors: dict[str, torch.Tensor]) -> None:
    """Every float tensor of ``tensors`` finite, checked with one sum per tensor and a single
    host sync (this runs once per minibatch); only on a failure is each one inspected."""
    floats = [t for t in tensors.values() if t.is_floating_point()]
    if not floats or torch._C._functorch.is_functorch_wrapped_tensor(floats[0]):
        return
    if not math.isfinite(float(sum(t.detach().sum(dtype=torch.float64) for t in floats))):
        for name, value in tensors.items():
            check_finite(name, value)


def _check_gaussian(**tensors: object) -> None:
    """Float tensors with an action dimension, of one shape (broadcasting ``[B, 1]`` against
    ``[B]`` would sum the wrong numbers); the callers check finiteness."""
    for name, value in tensors.items():
        check_tensor(name, value, floating=True)
        if value.dim() < 1:
            raise ValueError(f"{name} must have an action dimension (last), got a 0-d tensor")
    if len(tensors) > 1:
        check_same_shape(**tensors)


# The actor-critic's own calls: its tensors are its own outputs, checked by construction.
def _gaussian_log_prob(mean, log_std, actions) -> torch.Tensor:
    z = (actions - mean) * torch.exp(-log_std)
    return (-0.5 * z.pow(2) - log_std - _LOG_SQRT_2PI).sum(-1)


def _gaussian_entropy(log_std) -> torch.Tensor:
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
        self.hidden_sizes = check_hidden_sizes(hidden_sizes)
        init_log_std = check_real("init_log_std", init_log_std, -20.0, 20.0)
        if seed is not None:
            check_seed(seed)
        self.config: PPOConfig | None = None  # set by train(); saved with the weights
        # Weights come from torch's global RNG; with a seed, draw them in a fork of it.
        # The sizes come from the spaces: a too-wide Box is named as the space it came from.
        names = ("observation_space (its number of elements)", "action_space (its size)")
        _check_sizes(self.obs_dim, self.hidden_sizes, self.act_dim, names=names)
        with seeded(seed) if seed is not None else contextlib.nullcontext():
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

    def _check_obs(self, obs: object) -> torch.Tensor:
        """A float tensor ``[..., obs_dim]`` of finite observations (one host sync)."""
        if not isinstance(obs, torch.Tensor) or not obs.is_floating_point():
            raise TypeError(
                f"obs must be a floating-point tensor [..., {self.obs_dim}], got "
                f"{getattr(obs, 'dtype', type(obs).__name__)}"
            )
        if obs.dim() == 0 or obs.shape[-1] != self.obs_dim:
            raise ValueError(
                f"obs must have shape [..., {self.obs_dim}] for this agent, got {list(obs.shape)}"
            )
        if not bool(torch.isfinite(obs).all()):
            raise ValueError(f"obs must hold finite numbers, got NaN or inf in {list(obs.shape)}")
        return obs

    def _check_actions(self, actions: object, batch: tuple[int, ...]) -> torch.Tensor:
        """Actions for a batch ``batch``: indices in [0, n) (discrete), else finite ``[..., act_dim]``."""
        want = batch if self.discrete else (*batch, self.act_dim)
        if (
            not isinstance(actions, torch.Tensor)
            or actions.dtype == torch.bool
            or actions.is_complex()
        ):
            raise TypeError(
                f"actions must be a real tensor of shape {list(want)}, got "
                f"{getattr(actions, 'dtype', type(actions).__name__)}"
            )
        if tuple(actions.shape) != tuple(want):
            raise ValueError(f"actions must have shape {list(want)}, got {list(actions.shape)}")
        if self.discrete:
            ok = ((actions >= 0) & (actions < self.act_dim) & (actions == actions.round())).all()
            if not bool(ok):
                raise ValueError(
                    f"actions must be indices in [0, {self.act_dim - 1}], got {actions.tolist()!r:.80}"
                )
        elif not actions.is_floating_point() or not bool(torch.isfinite(actions).all()):
            raise ValueError(
                f"actions must be finite floats (Box actions), got {actions.dtype} "
                f"{actions.tolist()!r:.80}"
            )
        return actions

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        """V(s), shape ``[B]``."""
        return self.critic(self._check_obs(obs)).squeeze(-1)

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
        self._check_obs(obs)
        check_bool("deterministic", deterministic)
        _check_generator(generator)
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
            log_prob = _gaussian_log_prob(out, log_std, actions)
        return actions, log_prob, self.value(obs)

    def evaluate_actions(
        self, obs: torch.Tensor, actions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """log π(a|s), the policy entropy and V(s) for stored ``actions`` (with gradients)."""
        self._check_actions(actions, tuple(self._check_obs(obs).shape[:-1]))
        out = self.actor(obs)
        if self.discrete:
            log_probs_all = torch.log_softmax(out, dim=-1)
            log_prob = log_probs_all.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)
            entropy = -(log_probs_all.exp() * log_probs_all).sum(-1)
        else:
            log_std = self.log_std.expand_as(out)
            log_prob = _gaussian_log_prob(out, log_std, actions)
            entropy = _gaussian_entropy(log_std)
        return log_prob, entropy, self.value(obs)

    def env_action(self, actions: torch.Tensor) -> np.ndarray:
        """The actions as the environment wants them: ints, or floats clipped to the Box bounds."""
        batch = getattr(actions, "shape", ())
        self._check_actions(actions, tuple(batch if self.discrete else batch[:-1]))
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
    gymnasium's ``RecordEpisodeStatistics`` records the return and length of the last 20
    finished episodes (raw rewards, before any ``reward_scale``).
    """
    env_id = check_env_id(env_id)
    check_int("num_envs", num_envs, 1, MAX_ENVS)
    try:
        envs = gym.make_vec(
            env_id,
            num_envs=num_envs,
            vectorization_mode="sync",
            vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP},
            **kwargs,
        )
    except TypeError as err:  # gymnasium's message names the env's __init__, not our argument
        if not kwargs:
            raise
        raise TypeError(
            f"kwargs must be keyword arguments that {env_id}'s constructor takes, got "
            f"{sorted(kwargs)}: {err}"
        ) from err
    # Keeps each episode's undiscounted return and length (``return_queue``, ``length_queue``).
    return gym.wrappers.vector.RecordEpisodeStatistics(envs, buffer_length=20)


@dataclass
class Rollout:
    """One batch of experience; every tensor is ``[T, N, …]`` (time, environment)."""

    obs: torch.Tensor
    actions: torch.Tensor
    logprob: torch.Tensor  # log π_old(a_t | s_t) of the policy that collected the data
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
    num_steps = _check_rollout_args(agent, envs, obs, num_steps, generator, reward_scale)
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


def _check_rollout_args(agent, envs, obs, num_steps, generator, reward_scale) -> int:
    num_steps = check_int("num_steps", num_steps, 1)
    check_instance("agent", agent, ActorCritic, "an ActorCritic")
    check_instance("envs", envs, gym.vector.VectorEnv, "a gymnasium vector env (make_envs)")
    if envs.num_envs * num_steps > MAX_BATCH:  # the buffers below hold every step
        raise ValueError(
            f"num_steps × num_envs must be <= {MAX_BATCH:_} transitions, got {num_steps:_} × "
            f"{envs.num_envs}"
        )
    check_instance(
        "obs", obs, np.ndarray | torch.Tensor, "the envs' current observations (an array)"
    )
    if obs.shape[0] != envs.num_envs or int(np.prod(obs.shape[1:])) != agent.obs_dim:
        raise ValueError(
            f"obs must hold {envs.num_envs} observations of {agent.obs_dim} numbers (one per env, "
            f"for this agent), got shape {list(obs.shape)}"
        )
    if not bool(np.isfinite(np.asarray(obs, dtype=np.float64)).all()):
        raise ValueError("obs must hold finite numbers, got NaN or inf")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {generator!r:.60}")
    check_real("reward_scale", reward_scale, 0.0, 1e6, lo_open=True)
    return num_steps


# --------------------------------------------------------------------------------------------
# 4. Advantages and the clipped objective (shared with RL², Chapter 7)
# --------------------------------------------------------------------------------------------


def _check_gae_inputs(rewards, values, next_values, terminated, episode_end, gamma, lam) -> None:
    """One shape ``[T, N]`` for all five tensors (broadcasting would give wrong advantages)."""
    check_real("gamma", gamma, 0.0, 1.0)
    check_real("lam", lam, 0.0, 1.0)
    check_tensor("values", values, floating=True)  # integer values would truncate the advantages
    check_same_shape(
        rewards=rewards,
        values=values,
        next_values=next_values,
        terminated=terminated,
        episode_end=episode_end,
    )
    if values.dim() == 0 or values.shape[0] == 0:  # no step to take an advantage at
        raise ValueError(
            f"rewards, values and the other rollout tensors must have shape [T, N] (or [T]) "
            f"with T >= 1 steps, got {list(values.shape)}"
        )
    for name, value in (("rewards", rewards), ("values", values), ("next_values", next_values)):
        _finite(name, value)  # a NaN here would spread to every earlier advantage
    for name, value in (("terminated", terminated), ("episode_end", episode_end)):
        if not torch._C._functorch.is_functorch_wrapped_tensor(value) and bool(
            ((value != 0) & (value != 1)).any()
        ):
            raise ValueError(
                f"{name} must hold 0/1 flags, got values {value.unique().tolist()[:5]}"
            )


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
    _check_gae_inputs(rewards, values, next_values, terminated, episode_end, gamma, lam)
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
    logprob: torch.Tensor,
    old_logprob: torch.Tensor,
    advantages: torch.Tensor,
    clip_coef: float,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """PPO's clipped surrogate objective, negated so that it is minimized.

    ``r = exp(logprob − old_logprob)`` is the probability ratio of the new policy to the one
    that collected the data. The loss is ``−mean(min(r·A, clip(r, 1−ε, 1+ε)·A))``: once
    ``r`` has moved more than ε in the direction the advantage favours, the clipped term is
    the smaller one and its gradient is zero, so one batch cannot push the policy far.
    ``mask`` (0/1 weights, the same shape) averages over the real steps only, e.g. those of
    episodes that ended early.
    """
    check_real("clip_coef", clip_coef, 0.0, 1.0, lo_open=True)
    if mask is None:
        check_same_shape(logprob=logprob, old_logprob=old_logprob, advantages=advantages)
    else:
        check_same_shape(logprob=logprob, old_logprob=old_logprob, advantages=advantages, mask=mask)
    for name, value in (
        ("logprob", logprob),
        ("old_logprob", old_logprob),
        ("advantages", advantages),
    ):
        _finite(name, value)
    if (
        mask is not None
        and not torch._C._functorch.is_functorch_wrapped_tensor(mask)
        and not bool(((mask == 0) | (mask == 1)).all() & (mask != 0).any())
    ):  # weights of 3 would scale the loss; all zeros would divide 0 by 0
        raise ValueError(
            "mask must be 0/1 weights with at least one 1, got values "
            f"{mask.unique().tolist()!r:.60}"
        )
    ratio = torch.exp(logprob - old_logprob)
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1.0 - clip_coef, 1.0 + clip_coef) * advantages
    objective = torch.min(unclipped, clipped)
    if mask is None:
        return -objective.mean()
    return -(objective * mask).sum() / mask.sum()


def _check_loss_inputs(args: dict[str, Any]) -> None:
    """The seven tensors of :func:`ppo_loss` (and ``mask``, if given) share one shape; the
    coefficients are finite; a minibatch to normalise holds at least 2 samples."""
    names = ("logprob", "old_logprob", "advantages", "values", "old_values", "returns", "entropy")
    tensors = {name: args[name] for name in names}
    if args["mask"] is not None:
        if check_tensor("mask", args["mask"]).dtype != torch.bool:
            raise TypeError(f"mask must be a bool tensor, got dtype {args['mask'].dtype}")
        tensors["mask"] = args["mask"]
    check_same_shape(**tensors)
    _all_finite(tensors)  # one NaN makes the loss and every gradient NaN
    check_real("vf_coef", args["vf_coef"], 0.0, 100.0)
    check_real("ent_coef", args["ent_coef"], 0.0, 100.0)
    check_bool("norm_adv", args["norm_adv"])
    check_bool("clip_vloss", args["clip_vloss"])
    if args["mask"] is None:  # with a mask, the caller's config has checked the sizes
        check_minibatch_size(args["advantages"].numel(), args["norm_adv"])


def ppo_loss(
    logprob: torch.Tensor,
    old_logprob: torch.Tensor,
    advantages: torch.Tensor,
    values: torch.Tensor,
    old_values: torch.Tensor,
    returns: torch.Tensor,
    entropy: torch.Tensor,
    *,
    clip_coef: float,
    vf_coef: float,
    ent_coef: float,
    norm_adv: bool = True,
    clip_vloss: bool = False,
    mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The whole PPO loss for one minibatch, and its diagnostics. A pure function.

    All tensors share one shape (``[B]`` for transitions, ``[B, T]`` for RL²'s trials);
    ``mask`` (same shape, bool) marks the real steps when trials are padded to one length.

        loss = L^CLIP − ent_coef · entropy + vf_coef · ½ (V − R̂)²

    Returns ``(loss, diagnostics)``; the diagnostics are detached scalars:

    * ``policy_loss``, ``value_loss``, ``entropy``: the three terms;
    * ``approx_kl``: mean of (r − 1) − log r, an estimator of KL(π_old ‖ π_new) that is never
      negative and has low variance (Schulman, "Approximating KL divergence", 2020);
    * ``clip_fraction``: share of samples whose ratio left [1 − ε, 1 + ε] (zero gradient);
    * ``explained_variance``: 1 − Var(R̂ − V)/Var(R̂) of the critic being trained: 1 is a
      perfect critic, 0 no better than a constant, negative worse (NaN if R̂ is constant).
    """
    _check_loss_inputs(locals())  # every argument, before anything is computed
    if mask is not None:  # keep the real steps only; every statistic below is then plain
        logprob, old_logprob, advantages, values, old_values, returns, entropy = (
            t[mask]
            for t in (logprob, old_logprob, advantages, values, old_values, returns, entropy)
        )
    if norm_adv:  # per minibatch, as in CleanRL: the scale of the rewards drops out
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    policy_loss = clipped_surrogate_loss(logprob, old_logprob, advantages, clip_coef)
    if clip_vloss:  # keep V close to the values that collected the data, too
        v_clipped = old_values + torch.clamp(values - old_values, -clip_coef, clip_coef)
        value_loss = 0.5 * torch.max((values - returns) ** 2, (v_clipped - returns) ** 2).mean()
    else:
        value_loss = 0.5 * ((values - returns) ** 2).mean()
    entropy_mean = entropy.mean()
    loss = policy_loss - ent_coef * entropy_mean + vf_coef * value_loss

    with torch.no_grad():
        log_ratio = logprob - old_logprob
        ratio = log_ratio.exp()
        var_returns = returns.var()
        diagnostics = {
            "policy_loss": policy_loss.detach(),
            "value_loss": value_loss.detach(),
            "entropy": entropy_mean.detach(),
            "approx_kl": ((ratio - 1) - log_ratio).mean(),
            "clip_fraction": ((ratio - 1).abs() > clip_coef).float().mean(),
            "explained_variance": 1 - (returns - values).var() / var_returns
            if var_returns > 0
            else torch.tensor(float("nan")),
        }
    return loss, diagnostics


# --------------------------------------------------------------------------------------------
# 5. The update: several epochs of minibatches over one batch (shared with RL²)
# --------------------------------------------------------------------------------------------


@dataclass
class PPOBatch:
    """What the update needs of collected experience; dimension 0 indexes the *samples*.

    PPO's samples are single transitions (tensors ``[B]``); RL²'s are whole trials (tensors
    ``[N, T]``, with ``mask`` marking the real steps), since a recurrent policy must re-run a
    trial from its start to recompute its log-probabilities.
    """

    old_logprob: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor
    old_values: torch.Tensor
    mask: torch.Tensor | None = None

    def __post_init__(self) -> None:
        tensors = {
            name: check_tensor(name, getattr(self, name), floating=True, finite=True)
            for name in ("old_logprob", "advantages", "returns", "old_values")
        }
        if self.mask is not None:
            tensors["mask"] = check_tensor("mask", self.mask)
        check_same_shape(**tensors)
        if tensors["old_logprob"].dim() < 1:
            raise ValueError("old_logprob must have a sample dimension, got a 0-d tensor")

    def __len__(self) -> int:
        return self.old_logprob.shape[0]

    def __getitem__(self, index: torch.Tensor) -> PPOBatch:
        # Slices of a checked batch are checked already: build them without __post_init__
        # (this runs once per minibatch).
        part = object.__new__(PPOBatch)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            setattr(part, f.name, None if value is None else value[index])
        return part


#: ``evaluate(index) -> (logprob, entropy, values)`` of the samples ``index``, with gradients.
EvaluateFn = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor, torch.Tensor]]


class UpdateSettings(Protocol):
    """The config fields :func:`ppo_update` reads (both ``PPOConfig`` and ``RL2Config`` have them)."""

    update_epochs: int
    num_minibatches: int
    clip_coef: float
    vf_coef: float
    ent_coef: float
    norm_adv: bool
    clip_vloss: bool
    max_grad_norm: float
    target_kl: float | None


def ppo_update(
    batch: PPOBatch,
    evaluate: EvaluateFn,
    optimizer: torch.optim.Optimizer,
    config: UpdateSettings,
    *,
    generator: torch.Generator | None = None,
) -> dict[str, float]:
    """``update_epochs`` passes over ``batch``, each cut into ``num_minibatches`` shuffled minibatches
    (:func:`course_lib.sampling.split_minibatches`: exactly that many, sizes within one).

    Per minibatch: recompute log-probabilities, entropy and values of its samples with the
    current weights (``evaluate``), take :func:`ppo_loss`, clip the global gradient norm,
    one optimizer step. If ``target_kl`` is set and an epoch's mean approx KL exceeds it, the
    remaining epochs are skipped.

    Returns the mean of each :func:`ppo_loss` diagnostic over every minibatch step taken
    (one reduction for every statistic), and ``epochs`` actually run.
    """
    _check_update_args(batch, evaluate, optimizer, config, generator)
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    totals: dict[str, float] = {}
    steps = epochs = 0
    for _ in range(config.update_epochs):
        epochs += 1
        epoch_kl = []
        for index in split_minibatches(len(batch), config.num_minibatches, generator=generator):
            index = torch.as_tensor(index)
            minibatch = batch[index]
            logprob, entropy, values = evaluate(index)
            loss, diagnostics = ppo_loss(
                logprob,
                minibatch.old_logprob,
                minibatch.advantages,
                values,
                minibatch.old_values,
                minibatch.returns,
                entropy,
                clip_coef=config.clip_coef,
                vf_coef=config.vf_coef,
                ent_coef=config.ent_coef,
                norm_adv=config.norm_adv,
                clip_vloss=config.clip_vloss,
                mask=minibatch.mask,
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(parameters, config.max_grad_norm)
            optimizer.step()
            for key, value in diagnostics.items():
                totals[key] = totals.get(key, 0.0) + value.item()
            epoch_kl.append(diagnostics["approx_kl"].item())
            steps += 1
        if config.target_kl is not None and sum(epoch_kl) / len(epoch_kl) > config.target_kl:
            break
    return {**{key: total / steps for key, total in totals.items()}, "epochs": float(epochs)}


def _check_update_args(batch, evaluate, optimizer, config, generator) -> None:
    check_instance("batch", batch, PPOBatch, "a PPOBatch")
    if not callable(evaluate):
        raise TypeError(
            f"evaluate must be callable(index) -> (logprob, entropy, values), got {evaluate!r:.60}"
        )
    check_instance("optimizer", optimizer, torch.optim.Optimizer, "a torch optimizer")
    missing = [name for name in UpdateSettings.__annotations__ if not hasattr(config, name)]
    if missing:
        raise TypeError(
            f"config must be a PPOConfig or RL2Config (fields {sorted(UpdateSettings.__annotations__)}), "
            f"got {type(config).__name__} without {missing}"
        )
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {generator!r:.60}")


def transitions(
    agent: ActorCritic, rollout: Rollout, advantages: torch.Tensor, returns: torch.Tensor
) -> tuple[PPOBatch, EvaluateFn]:
    """Flatten a ``[T, N]`` rollout into a batch of ``T·N`` transitions, and the function that
    re-evaluates any subset of them with the agent's current weights."""
    check_instance("agent", agent, ActorCritic, "an ActorCritic")
    check_instance("rollout", rollout, Rollout, "a Rollout from collect_rollout")
    for name, value in (("advantages", advantages), ("returns", returns)):
        check_tensor(name, value, floating=True, finite=True)
        if value.shape != rollout.logprob.shape:
            raise ValueError(
                f"{name} must have the rollout's shape [T, N] = {list(rollout.logprob.shape)}, "
                f"got {list(value.shape)}"
            )
    if rollout.obs.shape[-1] != agent.obs_dim:
        raise ValueError(
            f"rollout must hold observations of {agent.obs_dim} numbers for this agent, got "
            f"{rollout.obs.shape[-1]}"
        )
    n = rollout.logprob.numel()
    obs = rollout.obs.reshape(n, -1)
    actions = rollout.actions.reshape(n, *rollout.actions.shape[2:])
    batch = PPOBatch(
        rollout.logprob.reshape(n),
        advantages.reshape(n),
        returns.reshape(n),
        rollout.values.reshape(n),
    )
    return batch, lambda index: agent.evaluate_actions(obs[index], actions[index])


# --------------------------------------------------------------------------------------------
# 6. Training
# --------------------------------------------------------------------------------------------


def train(
    config: PPOConfig, callback: Callback | None = None, *, progress: bool = True
) -> TrainResult[ActorCritic, PPOConfig]:
    """Train PPO on ``config.env_id``; returns a :class:`~course_lib.training.TrainResult`.

    Each iteration: (maybe) anneal the learning rate → :func:`collect_rollout` →
    :func:`compute_gae` → :func:`ppo_update` → one history row. ``callback(row, agent)`` runs
    after every row (e.g. a live curve, or :class:`course_lib.evaluation.StopWhenSolved`);
    returning ``True`` stops training. Its time is not counted in ``seconds``.

    Same ``config`` (seed included) and thread count → same numbers: the environments, the
    weight initialisation, the action sampling and the minibatch shuffling are all seeded
    from ``config.seed``; torch's global RNG is left untouched.

    History row keys: ``iteration``, ``env_steps``, ``episode_return`` and ``episode_length``
    (means over the last 20 finished training episodes of the *sampling* policy, NaN until one
    ends), ``episodes`` (finished in this iteration), ``learning_rate``, the diagnostics of
    :func:`ppo_update` (``policy_loss``, ``value_loss``, ``entropy``, ``approx_kl``,
    ``clip_fraction``, ``explained_variance``, ``epochs``), ``steps_per_second`` and
    ``seconds``.
    """
    if not isinstance(config, PPOConfig):
        raise TypeError(f"config must be a PPOConfig, got {type(config).__name__}")
    check_callback(callback)
    check_bool("progress", progress)
    device = check_device(config.device)
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
    generator = make_generator(config.seed, device)
    obs, _ = envs.reset(seed=config.seed)

    result = TrainResult(agent, config, [])
    episodes_before = 0

    def iteration(i: int) -> Row:
        nonlocal obs, episodes_before
        rollout, obs = collect_rollout(
            agent,
            envs,
            obs,
            config.num_steps,
            generator=generator,
            reward_scale=config.reward_scale,
        )
        advantages, returns = compute_gae(
            rollout.rewards, rollout.values, rollout.next_values, rollout.terminated,
            rollout.episode_end, config.gamma, config.gae_lambda,
        )  # fmt: skip
        batch, evaluate = transitions(agent, rollout, advantages, returns)
        diagnostics = ppo_update(batch, evaluate, optimizer, config, generator=generator)
        recent = list(envs.return_queue)
        row = {
            "env_steps": float(i * config.batch_size),
            "episode_return": float(np.mean(recent)) if recent else float("nan"),
            "episode_length": float(np.mean(envs.length_queue)) if recent else float("nan"),
            "episodes": float(envs.episode_count - episodes_before),
            **diagnostics,
        }
        episodes_before = envs.episode_count
        return row

    try:
        return train_loop(
            result, iteration, iterations=config.num_updates, callback=callback,
            progress=progress, desc=f"PPO {config.env_id}", show="episode_return",
            optimizer=optimizer, learning_rate=config.learning_rate, anneal=config.anneal_lr,
        )  # fmt: skip
    finally:
        envs.close()
