"""Policy gradients from zero: returns, the REINFORCE loss, and REINFORCE on CartPole (Chapter 1).

Read top to bottom, the file follows the chapter:

1. :func:`discounted_return` and :func:`reward_to_go`: the return (回报) G_t = Σ_k γ^k r_{t+k}
   of a reward sequence, for the whole episode or from every step on (the Monte Carlo
   estimates of :mod:`course_lib.tabular` use them too).
2. :func:`reinforce_loss`: the surrogate loss whose gradient is the score-function
   (log-derivative) estimate of the policy gradient (策略梯度)
   ∇J ≈ (1/N) Σ_episodes Σ_t ∇log π_θ(a_t|s_t) · w_t.
3. :class:`ReinforceAgent` and :func:`collect_episodes`: an MLP policy (from
   :func:`course_lib.nets.mlp`) that plays a batch of complete episodes (回合) in a gymnasium
   vector env, one episode per sub-environment.
4. :func:`episode_weights` and :func:`gradient_variance`: the three REINFORCE variants, which
   differ only in the weight w_t: the whole return G_0 (``"plain"``), the reward-to-go G_t
   (``"reward_to_go"``), or G_t − V(s_t) with a learned value baseline (基线, ``"baseline"``);
   and how noisy each makes the gradient estimate. (The last two drop the γ^t of the exact
   discounted gradient, as most code does: see :func:`episode_weights`.)
5. :class:`ReinforceConfig`, :func:`reinforce_update` (one iteration's learning) and
   :func:`train_reinforce` (the loop, under the course's training contract, see
   :mod:`course_lib.training`), and :func:`evaluate_policy` on fresh episodes.

Tensors are *time-major*: ``[T, N]`` means T time steps of N episodes side by side; an
episode that ended before step T is padded with zero rewards and a zero ``mask``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch
from gymnasium.wrappers.vector import RecordEpisodeStatistics
from torch import nn

from course_lib.nets import _check_sizes, mlp
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
    ENV_ID,
    SEED,
    WIDTHS,
    bounded,
    check_bool,
    check_choice,
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
    choice,
    declared,
)

__all__ = [
    "discounted_return",
    "reward_to_go",
    "reinforce_loss",
    "ReinforceAgent",
    "EpisodeBatch",
    "make_episode_envs",
    "collect_episodes",
    "VARIANTS",
    "episode_weights",
    "gradient_variance",
    "ReinforceConfig",
    "train_reinforce",
    "ReinforceOptimizers",
    "reinforce_update",
    "evaluate_policy",
]

#: Caps on sizes a typo could blow up (a run of minutes or gigabytes), stated in the errors.
MAX_ENVS = 1024
MAX_ITERATIONS = 100_000
#: The longest episode :func:`reward_to_go` accepts. Its backward pass is a Python loop over
#: time (about 10 µs a step), so 100,000 steps take about a second; gymnasium's longest
#: registered time limits are 10,000 steps, ten times below the cap.
MAX_HORIZON = 100_000
#: Value-regression steps per iteration: the course uses 10; 1,000 is already minutes of
#: training per run, and more would make one iteration outlast a chapter's budget.
MAX_VALUE_STEPS = 1_000
#: A run's episodes (iterations × episodes_per_batch) and value steps (iterations ×
#: value_steps): the course's runs play a few thousand; 10**7 is days of CPU, surely a typo.
MAX_WORK = 10**7


# --------------------------------------------------------------------------------------------
# 1. Returns
# --------------------------------------------------------------------------------------------


def _as_rewards(rewards: object) -> torch.Tensor:
    """``rewards`` as a float tensor of shape [T] or [T, N] (T >= 1), else a clear error."""
    if isinstance(rewards, torch.Tensor):
        if rewards.dtype == torch.bool or rewards.is_complex():  # a done flag, a typo
            raise TypeError(f"rewards must be real numbers, got dtype {rewards.dtype}")
        tensor = rewards if rewards.is_floating_point() else rewards.double()
    elif isinstance(rewards, Sequence | np.ndarray) and not isinstance(rewards, str | bytes):
        try:
            tensor = torch.as_tensor(np.asarray(rewards, dtype=np.float64))
        except (TypeError, ValueError) as err:
            raise TypeError(f"rewards must be numbers, got {rewards!r}") from err
    else:
        raise TypeError(
            f"rewards must be a tensor, array or list of numbers, got {type(rewards).__name__}"
        )
    if tensor.dim() not in (1, 2) or tensor.shape[0] == 0:
        raise ValueError(
            "rewards must have shape [T] (one episode) or [T, N] (N episodes, time first) "
            f"with T >= 1, got shape {tuple(tensor.shape)}"
        )
    if not torch.isfinite(tensor).all():
        raise ValueError("rewards must be finite numbers, got NaN or inf")
    return tensor


def discounted_return(rewards: object, gamma: float) -> torch.Tensor:
    """The return of a whole episode, G_0 = r_0 + γ r_1 + γ² r_2 + … (a scalar, or [N] for [T, N])."""
    rewards = _as_rewards(rewards)
    gamma = check_real("gamma", gamma, 0.0, 1.0)
    discounts = gamma ** torch.arange(rewards.shape[0], dtype=rewards.dtype)
    if rewards.dim() == 2:
        discounts = discounts.unsqueeze(1)
    return (discounts * rewards).sum(0)


def reward_to_go(rewards: object, gamma: float) -> torch.Tensor:
    """G_t = r_t + γ G_{t+1} for every step t (same shape as ``rewards``: [T] or [T, N]).

    One backward pass, so it costs O(T). Padding after an episode's end must hold zero
    rewards (as :class:`EpisodeBatch` does), so no credit flows from one episode into another.
    """
    rewards = _as_rewards(rewards)
    gamma = check_real("gamma", gamma, 0.0, 1.0)
    if rewards.shape[0] > MAX_HORIZON:
        raise ValueError(
            f"rewards must have at most T = {MAX_HORIZON:_} steps (the backward pass is a "
            f"Python loop over time), got T = {rewards.shape[0]:_}"
        )
    returns = torch.zeros_like(rewards)
    future = torch.zeros_like(rewards[0])  # G_T = 0: nothing after the last step
    for t in reversed(range(rewards.shape[0])):
        future = rewards[t] + gamma * future
        returns[t] = future
    return returns


# --------------------------------------------------------------------------------------------
# 2. The REINFORCE loss
# --------------------------------------------------------------------------------------------


def reinforce_loss(
    logprobs: torch.Tensor, weights: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """−(1/N) Σ_episodes Σ_t log π(a_t|s_t) · w_t: minimising it ascends the policy gradient.

    ``logprobs`` carries the gradient; ``weights`` (G_0, G_t or G_t − V(s_t)) are constants,
    so they are detached: the gradient must flow through log π only. ``mask`` (1 while the
    episode runs, 0 on padding) drops the steps after an episode's end. Shapes: all three
    ``[T, N]`` (or ``[T]`` for one episode); the sum runs over time, the mean over episodes.
    """
    check_same_shape(logprobs=logprobs, weights=weights, **({} if mask is None else {"mask": mask}))
    if not logprobs.is_floating_point():  # log-probabilities from a network are floats
        raise TypeError(f"logprobs must be a floating-point tensor, got dtype {logprobs.dtype}")
    if logprobs.numel() == 0:
        raise ValueError(f"logprobs must hold at least one step, got shape {list(logprobs.shape)}")
    for name, value in (("logprobs", logprobs), ("weights", weights), ("mask", mask)):
        if value is not None:  # a NaN weight would make the loss (and every gradient) NaN
            check_finite(name, value)
    if mask is not None and not bool(((mask == 0) | (mask == 1)).all() & (mask != 0).any()):
        raise ValueError(
            "mask must be 0/1 flags (1 while the episode runs) with at least one 1, got values "
            f"{torch.unique(mask).tolist()!r:.60}"
        )
    per_step = logprobs * weights.detach()
    if mask is not None:
        per_step = per_step * mask
    per_episode = per_step.sum(0)
    return -per_episode.mean()


# --------------------------------------------------------------------------------------------
# 3. The agent and its episodes
# --------------------------------------------------------------------------------------------


class ReinforceAgent(nn.Module):
    """A softmax policy π_θ(a|s) over discrete actions, and (for the baseline) a value V_φ(s).

    ``policy`` maps an observation to one logit per action (an MLP whose last layer has gain
    0.01, so the first policy is close to uniform); ``value`` is ``None`` unless
    ``with_baseline``.
    """

    def __init__(
        self,
        obs_dim: int,
        num_actions: int,
        hidden_sizes: Sequence[int] = (32,),
        *,
        with_baseline: bool = False,
    ):
        super().__init__()
        check_int("obs_dim", obs_dim, 1)
        check_int("num_actions", num_actions, 2)
        check_bool("with_baseline", with_baseline)
        hidden_sizes = check_hidden_sizes(hidden_sizes)
        _check_sizes(obs_dim, hidden_sizes, num_actions, names=("obs_dim", "num_actions"))
        self.policy = mlp(obs_dim, hidden_sizes, num_actions, out_gain=0.01)
        self.value = mlp(obs_dim, hidden_sizes, 1, out_gain=1.0) if with_baseline else None

    def _check_obs(self, obs: object) -> torch.Tensor:
        """A float tensor ``[..., obs_dim]`` of finite observations (one host sync)."""
        obs_dim = self.policy[0].in_features
        if not isinstance(obs, torch.Tensor) or not obs.is_floating_point():
            raise TypeError(
                f"obs must be a floating-point tensor [..., {obs_dim}], got "
                f"{getattr(obs, 'dtype', type(obs).__name__)}"
            )
        if obs.dim() == 0 or obs.shape[-1] != obs_dim:
            raise ValueError(
                f"obs must have shape [..., {obs_dim}] for this agent, got {list(obs.shape)}"
            )
        if not bool(torch.isfinite(obs).all()):
            raise ValueError(f"obs must hold finite numbers, got NaN or inf in {list(obs.shape)}")
        return obs

    def log_probs(self, obs: torch.Tensor) -> torch.Tensor:
        """log π(·|s) for every action: shape ``[..., num_actions]``."""
        return torch.log_softmax(self.policy(self._check_obs(obs)), dim=-1)

    @torch.no_grad()
    def act(
        self, obs: torch.Tensor, *, generator: torch.Generator | None = None, greedy: bool = False
    ) -> torch.Tensor:
        """One action per observation: sampled from π(·|s), or the most likely if ``greedy``."""
        self._check_obs(obs)
        check_bool("greedy", greedy)
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(
                f"generator must be a torch.Generator or None, got {type(generator).__name__}"
            )
        logits = self.policy(obs)
        if greedy:
            return logits.argmax(-1)
        return torch.multinomial(torch.softmax(logits, -1), 1, generator=generator).squeeze(-1)


@dataclass
class EpisodeBatch:
    """N complete episodes, time-major and padded to the longest (T steps).

    ``mask[t, i]`` is 1 while episode i is running at step t; ``rewards`` is 0 on padding.
    ``returns``/``lengths`` come from gymnasium's ``RecordEpisodeStatistics``;
    ``truncated[i]`` says episode i was cut by the time limit (CartPole: 500 steps) rather
    than terminated (the pole fell).
    """

    obs: torch.Tensor  # [T, N, obs_dim]
    actions: torch.Tensor  # [T, N] long
    rewards: torch.Tensor  # [T, N]
    mask: torch.Tensor  # [T, N]
    returns: np.ndarray  # [N] undiscounted episode returns
    lengths: np.ndarray  # [N]
    truncated: np.ndarray  # [N] bool

    @property
    def num_steps(self) -> int:
        """Environment steps that belong to the episodes (padding excluded)."""
        return int(self.lengths.sum())


def make_episode_envs(env_id: str, num_envs: int) -> RecordEpisodeStatistics:
    """``num_envs`` copies of ``env_id`` (``gymnasium.make_vec``, ``"sync"``), wrapped in
    ``RecordEpisodeStatistics`` so every finished episode's return and length are recorded."""
    check_env_id(env_id)
    check_int("num_envs", num_envs, 1)
    if num_envs > MAX_ENVS:
        raise ValueError(
            f"num_envs must be <= {MAX_ENVS} (one process steps them all), got {num_envs}"
        )
    if gym.spec(env_id).max_episode_steps is None:  # REINFORCE waits for every episode to end
        raise ValueError(
            "env_id must name an env with a time limit (REINFORCE waits for every episode to "
            f"end), got {env_id!r}, which has no time limit; register it with max_episode_steps"
        )
    return RecordEpisodeStatistics(
        gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="sync")
    )


@torch.no_grad()
def collect_episodes(
    agent: ReinforceAgent,
    envs: RecordEpisodeStatistics,
    *,
    generator: torch.Generator | None = None,
    seed: int | None = None,
    greedy: bool = False,
) -> EpisodeBatch:
    """Play one complete episode in each sub-environment of ``envs`` with the agent's policy.

    Steps until every sub-environment has finished (terminated *or* truncated); steps a
    finished sub-environment takes after that (gymnasium resets it and runs on) are masked
    out. ``seed`` seeds the reset (the first batch of a run); ``None`` continues the envs' RNG.
    """
    _check_collect_args(agent, envs, generator, seed, greedy)
    device = next(agent.parameters()).device
    obs, _ = envs.reset(seed=seed)
    n = envs.num_envs
    running = np.ones(n, dtype=bool)
    returns, lengths, truncated = np.zeros(n), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    steps: list[tuple[torch.Tensor, torch.Tensor, np.ndarray, np.ndarray]] = []
    while running.any():
        obs_t = torch.as_tensor(obs, dtype=torch.float32, device=device).reshape(n, -1)
        actions = agent.act(obs_t, generator=generator, greedy=greedy)
        obs, rewards, term, trunc, info = envs.step(actions.cpu().numpy())
        steps.append((obs_t, actions, rewards * running, running.copy()))
        ended = (term | trunc) & running
        if ended.any():  # RecordEpisodeStatistics reports each finished episode in info
            returns[ended] = info["episode"]["r"][ended]
            lengths[ended] = info["episode"]["l"][ended]
            truncated[ended] = trunc[ended] & ~term[ended]
            running &= ~ended
    obs_b, act_b, rew_b, mask_b = zip(*steps)
    as_float = {"dtype": torch.float32, "device": device}
    return EpisodeBatch(
        obs=torch.stack(obs_b),
        actions=torch.stack(act_b),
        rewards=torch.as_tensor(np.stack(rew_b), **as_float),
        mask=torch.as_tensor(np.stack(mask_b), **as_float),
        returns=returns,
        lengths=lengths,
        truncated=truncated,
    )


def _check_collect_args(
    agent: object, envs: object, generator: object, seed: object, greedy: object
) -> None:
    _check_agent(agent)
    if not isinstance(envs, RecordEpisodeStatistics):
        raise TypeError(
            "envs must come from make_episode_envs (it records episode statistics), got "
            f"{type(envs).__name__}"
        )
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {generator!r:.60}")
    if seed is not None:
        check_seed(seed)
    check_bool("greedy", greedy)
    _check_fits(agent, envs)


def _check_agent(agent: object) -> ReinforceAgent:
    return check_instance("agent", agent, ReinforceAgent, "a ReinforceAgent")


def _check_fits(agent: ReinforceAgent, envs: gym.vector.VectorEnv) -> None:
    """The agent's input and output sizes are the envs' (else a matmul or gym assertion)."""
    space, actions = envs.single_observation_space, envs.single_action_space
    obs_dim, num_actions = agent.policy[0].in_features, agent.policy[-1].out_features
    if int(np.prod(space.shape)) != obs_dim or getattr(actions, "n", None) != num_actions:
        raise ValueError(
            f"agent must fit the envs ({int(np.prod(space.shape))} observation numbers, "
            f"{getattr(actions, 'n', actions)} actions), got an agent for {obs_dim} and "
            f"{num_actions}"
        )


def _check_batch(agent: ReinforceAgent, batch: object) -> EpisodeBatch:
    """``batch`` an :class:`EpisodeBatch` whose observations fit ``agent``'s input."""
    check_instance("batch", batch, EpisodeBatch, "an EpisodeBatch from collect_episodes")
    obs_dim = agent.policy[0].in_features
    if batch.obs.dim() != 3 or batch.obs.shape[-1] != obs_dim:
        raise ValueError(
            f"batch must hold observations [T, N, {obs_dim}] for this agent, got shape "
            f"{list(batch.obs.shape)}"
        )
    return batch


# --------------------------------------------------------------------------------------------
# 4. The three variants: what multiplies ∇log π
# --------------------------------------------------------------------------------------------

#: ``"plain"``: w_t = G_0 (the whole episode's return, Williams 1992);
#: ``"reward_to_go"``: w_t = G_t (an action cannot change rewards that came before it);
#: ``"baseline"``: w_t = G_t − V_φ(s_t) (a learned value baseline).
#: ``"plain"`` averages to the gradient of the discounted objective J = E[G_0]; the other two
#: share one expectation, which for γ < 1 is not ∇J (the γ^t is dropped; see episode_weights).
VARIANTS = ("plain", "reward_to_go", "baseline")


def episode_weights(
    agent: ReinforceAgent, batch: EpisodeBatch, gamma: float, variant: str
) -> torch.Tensor:
    """The weight w_t of every step's ∇log π(a_t|s_t), shape ``[T, N]``, for ``variant``.

    Like most implementations, ``"reward_to_go"`` and ``"baseline"`` leave out the factor γ^t
    of the exact discounted gradient ∇J = E[Σ_t γ^t ∇log π(a_t|s_t) G_t]. With γ^t, step 300
    of a CartPole episode would count 0.99^300 ≈ 5% as much as step 0. Without it, the
    estimate averages to Σ_s d(s) Σ_a ∇π(a|s) Q_γ(s, a) with d the *undiscounted* state
    visits: for γ < 1 that is not ∇J (Thomas 2014), and not the gradient of any objective in
    general (Nota & Thomas 2020, arXiv:1906.07073). It is the direction practice follows, with
    γ read as a variance-reducing horizon for the undiscounted return rather than as part of
    the objective. ``"plain"`` (G_0 on every step) is unbiased for ∇J. Chapter 1 measures the
    difference exactly on the chain (:func:`course_lib.tabular.expected_score_function_gradient`).
    """
    check_choice("variant", variant, VARIANTS)
    _check_batch(_check_agent(agent), batch)
    returns = reward_to_go(batch.rewards, gamma)
    if variant == "plain":
        return returns[0].expand_as(returns)
    if variant == "reward_to_go":
        return returns
    if agent.value is None:
        raise ValueError("variant 'baseline' needs an agent built with_baseline=True")
    with torch.no_grad():
        return returns - agent.value(batch.obs).squeeze(-1)


def _logprobs_taken(agent: ReinforceAgent, batch: EpisodeBatch) -> torch.Tensor:
    """log π(a_t|s_t) of the actions the batch took, with gradients: shape ``[T, N]``."""
    return agent.log_probs(batch.obs).gather(-1, batch.actions.unsqueeze(-1)).squeeze(-1)


def gradient_variance(
    agent: ReinforceAgent, batch: EpisodeBatch, gamma: float, variant: str
) -> float:
    """How noisy the batch's policy-gradient estimate is: the trace of its covariance.

    Each episode i gives its own estimate g_i (the gradient of its own term of
    :func:`reinforce_loss`); the batch estimate is their mean, so its variance is
    Σ_parameters Var_i(g_i) / N. One backward pass computes all N per-episode gradients
    (``is_grads_batched``). ``"reward_to_go"`` and ``"baseline"`` share one expected step,
    so there lower is plainly better; ``"plain"`` averages to another step when γ < 1 (see
    :func:`episode_weights`), so against it the comparison is of noise alone.
    """
    weights = episode_weights(agent, batch, gamma, variant)
    per_episode = -(_logprobs_taken(agent, batch) * weights * batch.mask).sum(0)  # [N]
    n = per_episode.shape[0]
    if n < 2:
        raise ValueError(f"gradient_variance needs a batch of >= 2 episodes, got {n}")
    params = list(agent.policy.parameters())
    grads = torch.autograd.grad(per_episode, params, torch.eye(n), is_grads_batched=True)
    flat = torch.cat([g.reshape(n, -1) for g in grads], dim=1)  # [N, num_parameters]
    return float(flat.var(dim=0).sum() / n)


# --------------------------------------------------------------------------------------------
# 5. Training and evaluation
# --------------------------------------------------------------------------------------------


@dataclass
class ReinforceConfig:
    """Every REINFORCE hyperparameter; the defaults balance CartPole for ~400 steps in seconds.

    One iteration plays ``episodes_per_batch`` complete episodes (one per parallel env), takes
    one Adam step on the policy, and (variant ``"baseline"``) ``value_steps`` Adam steps
    regressing V_φ(s_t) on the returns G_t.
    """

    env_id: str = declared("CartPole-v1", ENV_ID)
    variant: str = choice("baseline", VARIANTS)  # "plain", "reward_to_go" or "baseline"
    iterations: int = bounded(40, 1, MAX_ITERATIONS)  # policy updates
    episodes_per_batch: int = bounded(8, 2, MAX_ENVS)  # complete episodes per update = envs
    gamma: float = bounded(0.99, 0.0, 1.0)  # discount factor γ (折扣因子)
    learning_rate: float = bounded(1e-2, 0.0, 1.0, low_open=True)  # Adam step size, policy
    value_learning_rate: float = bounded(3e-2, 0.0, 1.0, low_open=True)  # ... of the baseline
    value_steps: int = bounded(10, 1, MAX_VALUE_STEPS)  # value regression steps per iteration
    hidden_sizes: tuple[int, ...] = declared((32,), WIDTHS)  # MLP widths of policy and value
    seed: int = declared(0, SEED)
    device: str = declared("cpu", DEVICE)

    def __post_init__(self) -> None:
        check_declared(self)  # each field against its declared range; below, their products
        if not _has_discrete_actions(self.env_id):  # the softmax policy needs discrete actions
            raise ValueError(
                f"env_id must name an env with discrete actions (REINFORCE here is a softmax "
                f"policy), got {self.env_id!r}, whose actions are continuous or structured"
            )
        for other in ("episodes_per_batch", "value_steps"):
            work = self.iterations * getattr(self, other)
            if work > MAX_WORK:
                raise ValueError(
                    f"iterations × {other} must be at most {MAX_WORK:_}, got "
                    f"{self.iterations:_} × {getattr(self, other):_} = {work:_}"
                )


@functools.lru_cache(maxsize=32)
def _has_discrete_actions(env_id: str) -> bool:
    """Whether ``env_id``'s action space is ``Discrete`` (one env built once per id)."""
    env = gym.make(env_id)
    try:
        return isinstance(env.action_space, gym.spaces.Discrete)
    finally:
        env.close()


def train_reinforce(
    config: ReinforceConfig, callback: Callback | None = None, *, progress: bool = True
) -> TrainResult[ReinforceAgent, ReinforceConfig]:
    """Train a REINFORCE agent; returns a :class:`~course_lib.training.TrainResult`.

    Each iteration plays a batch with :func:`collect_episodes` and learns from it with
    :func:`reinforce_update`; the rest is the training contract's bookkeeping (seeded
    weights and sampling, clock, progress bar, history, callback).

    History row keys: ``iteration``, ``env_steps``, ``episode_return`` and ``episode_length``
    (means over this iteration's episodes), ``loss`` (the REINFORCE loss), ``value_loss``
    (baseline only), ``grad_variance`` (:func:`gradient_variance` of this iteration's
    estimate), ``truncated_fraction`` and ``seconds``.
    """
    if not isinstance(config, ReinforceConfig):
        raise TypeError(f"config must be a ReinforceConfig, got {type(config).__name__}")
    check_callback(callback)
    check_bool("progress", progress)
    agent, envs, optimizers = _setup(config)
    generator = make_generator(config.seed, check_device(config.device))
    result: TrainResult[ReinforceAgent, ReinforceConfig] = TrainResult(agent, config, [])
    env_steps = 0

    def iteration(i: int) -> Row:
        nonlocal env_steps
        batch = collect_episodes(
            agent, envs, generator=generator, seed=config.seed if i == 1 else None
        )
        losses = reinforce_update(agent, batch, optimizers, config)
        env_steps += batch.num_steps
        return {
            "env_steps": float(env_steps),
            "episode_return": float(batch.returns.mean()),
            "episode_length": float(batch.lengths.mean()),
            "truncated_fraction": float(batch.truncated.mean()),
            **losses,
        }

    try:
        return train_loop(
            result, iteration, iterations=config.iterations, callback=callback,
            progress=progress, desc=f"REINFORCE ({config.variant})", show="episode_return",
        )  # fmt: skip
    finally:
        envs.close()


@dataclass
class ReinforceOptimizers:
    """Adam for the policy, and (variant ``"baseline"``) a second Adam for the value V_φ."""

    policy: torch.optim.Optimizer
    value: torch.optim.Optimizer | None = None

    def __post_init__(self) -> None:
        check_instance("policy", self.policy, torch.optim.Optimizer, "a torch optimizer")
        if self.value is not None:
            check_instance("value", self.value, torch.optim.Optimizer, "a torch optimizer or None")


def reinforce_update(
    agent: ReinforceAgent,
    batch: EpisodeBatch,
    optimizers: ReinforceOptimizers,
    config: ReinforceConfig,
) -> dict[str, float]:
    """One REINFORCE iteration on a batch of complete episodes: what the trainer repeats.

    1. the weight w_t of every step (:func:`episode_weights`, ``config.variant``);
    2. the surrogate loss −(1/N) Σ_i Σ_t log π(a_t|s_t) w_t (:func:`reinforce_loss`) and one
       Adam step on the policy;
    3. (baseline) fit V_φ to the returns G_t (:func:`_fit_value`) *after* the weights were
       computed, so an episode's baseline never depends on that episode's own actions.

    Returns ``loss``, ``grad_variance`` (:func:`gradient_variance`) and ``value_loss``.
    """
    _check_batch(_check_agent(agent), batch)
    check_instance("optimizers", optimizers, ReinforceOptimizers, "a ReinforceOptimizers")
    check_instance("config", config, ReinforceConfig, "a ReinforceConfig")
    if (optimizers.value is None) != (agent.value is None):
        raise ValueError(
            "optimizers must have a value optimizer exactly when the agent has a baseline, got "
            f"value={type(optimizers.value).__name__} for an agent with_baseline="
            f"{agent.value is not None}"
        )
    weights = episode_weights(agent, batch, config.gamma, config.variant)
    loss = reinforce_loss(_logprobs_taken(agent, batch), weights, batch.mask)
    variance = gradient_variance(agent, batch, config.gamma, config.variant)
    optimizers.policy.zero_grad(set_to_none=True)
    loss.backward()
    optimizers.policy.step()
    losses = {"loss": loss.item(), "grad_variance": variance}
    if optimizers.value is not None:
        losses["value_loss"] = _fit_value(agent, optimizers.value, batch, config)
    return losses


def _setup(
    config: ReinforceConfig,
) -> tuple[ReinforceAgent, RecordEpisodeStatistics, ReinforceOptimizers]:
    """The agent (weights drawn in ``seeded(config.seed)``), its envs and its optimizers."""
    device = check_device(config.device)
    envs = make_episode_envs(config.env_id, config.episodes_per_batch)
    if not isinstance(envs.single_action_space, gym.spaces.Discrete):
        envs.close()
        raise ValueError(
            f"REINFORCE here needs discrete actions; {config.env_id} has {envs.single_action_space}"
        )
    with seeded(config.seed):
        agent = ReinforceAgent(
            int(np.prod(envs.single_observation_space.shape)),
            int(envs.single_action_space.n),
            config.hidden_sizes,
            with_baseline=config.variant == "baseline",
        ).to(device)
    optimizers = ReinforceOptimizers(
        torch.optim.Adam(agent.policy.parameters(), lr=config.learning_rate),
        None
        if agent.value is None
        else torch.optim.Adam(agent.value.parameters(), lr=config.value_learning_rate),
    )
    return agent, envs, optimizers


def _fit_value(
    agent: ReinforceAgent,
    optimizer: torch.optim.Optimizer,
    batch: EpisodeBatch,
    config: ReinforceConfig,
) -> float:
    """``value_steps`` Adam steps of ½(V_φ(s_t) − G_t)² over the batch's real (unpadded) steps."""
    targets = reward_to_go(batch.rewards, config.gamma)
    steps = batch.mask.sum()
    for _ in range(config.value_steps):
        error = agent.value(batch.obs).squeeze(-1) - targets
        value_loss = 0.5 * (error.pow(2) * batch.mask).sum() / steps
        optimizer.zero_grad(set_to_none=True)
        value_loss.backward()
        optimizer.step()
    return value_loss.item()


def evaluate_policy(
    agent: ReinforceAgent,
    env_id: str = "CartPole-v1",
    episodes: int = 20,
    *,
    seed: int = 10_000,
    greedy: bool = True,
) -> np.ndarray:
    """Undiscounted returns of ``episodes`` fresh episodes (seeded apart from training's seeds)."""
    _check_agent(agent)
    check_int("episodes", episodes, 1, MAX_ENVS)  # one env per episode, stepped together
    check_seed(seed)
    check_bool("greedy", greedy)
    envs = make_episode_envs(env_id, episodes)
    try:
        generator = make_generator(seed, next(agent.parameters()).device)
        return collect_episodes(agent, envs, generator=generator, seed=seed, greedy=greedy).returns
    finally:
        envs.close()
