"""RL²'s outer loop: recurrent PPO over whole trials.

One iteration, top to bottom:

1. **Collect** ``num_envs`` trials at once (:func:`rollout_trials`): every env starts a new
   task, the GRU state starts at zero and is carried across the trial's episodes (the
   inner loop is just the forward pass).
2. **Advantages** with Chapter 3's :func:`~course_lib.ppo.compute_gae`, where the only
   "episode end" is the *trial* end: the discount runs across episodes inside the trial,
   so exploring in episode 1 gets credit for the reward it earns in episode 2.
3. **Update** with Chapter 3's :func:`~course_lib.ppo.clipped_surrogate_loss`, for
   ``epochs`` passes over minibatches of *whole trials* (``course_lib.sampling``): each
   minibatch re-runs its trials from the zero state and back-propagates through them.

Maze trials end at different steps (an episode ends early at the goal); they are padded
to the longest trial and the padding is masked out of every loss and statistic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.distributions import Categorical
from tqdm.auto import tqdm

from course_lib.ppo import clipped_surrogate_loss, compute_gae
from course_lib.rl2.agent import RecurrentActorCritic
from course_lib.rl2.envs import BernoulliBanditVectorEnv, RandomGoalMazeVectorEnv
from course_lib.rl2.trial import input_size, reset_hidden, trial_input
from course_lib.sampling import minibatch_indices
from course_lib.validation import check_int, check_real

__all__ = [
    "RL2Config",
    "TrialBatch",
    "make_agent",
    "rollout_trials",
    "episode_lengths",
    "episode_returns",
    "train_rl2",
    "evaluate_rl2",
]

VectorEnvT = BernoulliBanditVectorEnv | RandomGoalMazeVectorEnv


@dataclass
class RL2Config:
    """Every hyperparameter of RL² training, with the defaults that worked on k=5, n=10 bandits.

    The number of trials collected per iteration is the env's ``num_envs``.
    """

    iterations: int = 100  # PPO iterations (each: one batch of trials, then the update)
    hidden_size: int = 128  # GRU state size
    recurrent: bool = True  # False: the memoryless MLP control
    observation_only: bool = False  # True: the agent reads only the observation (no a, r, d)
    lr: float = 1e-3  # Adam learning rate
    anneal_lr: bool = False  # decay the learning rate linearly to 0 over the iterations
    gamma: float = 0.99  # discount, running across the episodes of a trial
    gae_lambda: float = 0.3  # GAE λ
    epochs: int = 2  # passes over the batch per iteration
    num_minibatches: int = 4  # minibatches of whole trials per epoch
    clip_coef: float = 0.2  # PPO ratio clip ε
    ent_coef: float = 0.01  # entropy bonus (keeps the policy from collapsing onto one arm)
    vf_coef: float = 0.5  # weight of the value loss
    max_grad_norm: float = 0.5  # global gradient-norm clip
    norm_adv: bool = True  # normalize advantages over the batch's real (unpadded) steps
    reward_scale: float = (
        1.0  # rewards are multiplied by this for learning (long trials: < 1 keeps values O(1))
    )

    def __post_init__(self) -> None:
        check_int("iterations", self.iterations, minimum=1)
        check_int("hidden_size", self.hidden_size, minimum=1)
        check_int("epochs", self.epochs, minimum=1)
        check_int("num_minibatches", self.num_minibatches, minimum=1)
        check_real("lr", self.lr, 1e-8, 1.0)
        check_real("gamma", self.gamma, 0.0, 1.0)
        check_real("gae_lambda", self.gae_lambda, 0.0, 1.0)
        check_real("clip_coef", self.clip_coef, 1e-6, 10.0)
        check_real("ent_coef", self.ent_coef, 0.0, 10.0)
        check_real("vf_coef", self.vf_coef, 0.0, 100.0)
        check_real("max_grad_norm", self.max_grad_norm, 1e-6, 1e6)
        check_real("reward_scale", self.reward_scale, 1e-6, 1e6)


@dataclass
class TrialBatch:
    """A batch of ``N`` trials, time-major ``[T, N, ...]``; ``valid`` masks the padding."""

    inputs: torch.Tensor  # [T, N, D] RL² input vectors
    actions: torch.Tensor  # [T, N]
    logp: torch.Tensor  # [T, N] log π(a_t | h_t) when collected
    probs: torch.Tensor  # [T, N, A] the policy's action probabilities
    values: torch.Tensor  # [T, N]
    rewards: torch.Tensor  # [T, N] (0 on padding)
    episode_end: torch.Tensor  # [T, N] bool: this step ended an episode
    trial_end: torch.Tensor  # [T, N] bool: this step ended the trial
    valid: torch.Tensor  # [T, N] bool: the step belongs to the trial (not padding)
    task: torch.Tensor  # [N, ...] each trial's task (arm probabilities or goal cell)

    @property
    def trial_returns(self) -> torch.Tensor:
        """Total reward of each trial, ``[N]``."""
        return self.rewards.sum(0)


def make_agent(env: VectorEnvT, config: RL2Config, seed: int) -> RecurrentActorCritic:
    """A fresh agent sized for ``env``, with weights drawn from ``seed``."""
    torch.manual_seed(check_int("seed", seed, minimum=0))
    obs_size = env.single_observation_space.shape[0]
    num_actions = int(env.single_action_space.n)
    return RecurrentActorCritic(
        input_size(obs_size, num_actions),
        num_actions,
        config.hidden_size,
        config.recurrent,
        config.observation_only,
    )


def _max_trial_steps(env: VectorEnvT) -> int:
    return env.episodes_per_trial * getattr(env, "max_steps", 1)


@torch.inference_mode()
def rollout_trials(
    agent: RecurrentActorCritic, env: VectorEnvT, seed: int, *, greedy: bool = False
) -> TrialBatch:
    """Play one trial in each of ``env.num_envs`` envs, all starting together.

    Args:
        agent: the policy (its hidden state starts at zero).
        env: a batched env; each of its ``num_envs`` copies plays one trial on a new task.
        seed: seeds the tasks, the env's randomness and the action sampling.
        greedy: take the most probable action instead of sampling.
    """
    seed = check_int("seed", seed, minimum=0)
    gen = torch.Generator().manual_seed(seed + 1)
    n, num_actions = env.num_envs, agent.num_actions
    obs = env.reset_tensor(seed)
    task = env.task.clone()
    h = agent.initial_state(n)
    prev_action = torch.full((n,), -1, dtype=torch.long)
    prev_reward = torch.zeros(n)
    prev_end = torch.zeros(n)
    done = torch.zeros(n, dtype=torch.bool)
    rows: dict[str, list[torch.Tensor]] = {
        k: []
        for k in (
            "inputs",
            "actions",
            "logp",
            "probs",
            "values",
            "rewards",
            "episode_end",
            "trial_end",
            "valid",
        )
    }
    for _ in range(_max_trial_steps(env)):
        x = trial_input(obs, prev_action, prev_reward, prev_end, num_actions)
        logits, value, h = agent.step(x, h)
        log_probs = torch.log_softmax(logits, dim=-1)
        probs = log_probs.exp()
        action = (
            probs.argmax(-1) if greedy else torch.multinomial(probs, 1, generator=gen).squeeze(1)
        )
        obs, reward, episode_end, trial_end = env.step_tensor(action)
        valid = ~done
        for key, val in (
            ("inputs", x),
            ("actions", action),
            ("logp", log_probs.gather(1, action[:, None]).squeeze(1)),
            ("probs", probs),
            ("values", value),
            ("rewards", reward * valid),
            ("episode_end", episode_end & valid),
            ("trial_end", trial_end & valid),
            ("valid", valid),
        ):
            rows[key].append(val)
        done = done | trial_end
        h = reset_hidden(h, trial_end)  # rule 2: memory survives episode ends, not trial ends
        prev_action, prev_reward, prev_end = action, reward, episode_end.float()
        if bool(done.all()):
            break
    return TrialBatch(**{k: torch.stack(v) for k, v in rows.items()}, task=task)


def episode_lengths(batch: TrialBatch) -> torch.Tensor:
    """Steps taken in each episode of each trial, ``[N, episodes_per_trial]``."""
    return _per_episode(batch, batch.valid.float())


def episode_returns(batch: TrialBatch) -> torch.Tensor:
    """Reward collected in each episode of each trial, ``[N, episodes_per_trial]``."""
    return _per_episode(batch, batch.rewards)


def _per_episode(batch: TrialBatch, values: torch.Tensor) -> torch.Tensor:
    ends = batch.episode_end.long()
    index = torch.cumsum(ends, 0) - ends  # episode index of each step within its trial
    num_episodes = int(ends.sum(0).max().item())
    index = index.clamp(max=max(num_episodes - 1, 0))
    out = torch.zeros(batch.valid.shape[1], max(num_episodes, 1))
    out.scatter_add_(1, index.T, (values * batch.valid).T)
    return out


def train_rl2(
    env: VectorEnvT,
    config: RL2Config | None = None,
    *,
    seed: int = 0,
    agent: RecurrentActorCritic | None = None,
    progress: bool = True,
    callback: Callable[[dict[str, float]], None] | None = None,
) -> tuple[RecurrentActorCritic, dict[str, list[float]]]:
    """Train an RL² agent with recurrent PPO; returns ``(agent, history)``.

    Args:
        env: a batched env; ``env.num_envs`` trials are collected per iteration.
        config: hyperparameters (:class:`RL2Config`).
        seed: seeds the weights, the tasks, the actions and the minibatch shuffles.
        agent: continue training this agent instead of a fresh one.
        progress: show a tqdm progress bar.
        callback: called after each iteration with that iteration's diagnostics.

    ``history`` holds one entry per iteration: ``trials`` (seen so far), ``mean_trial_return``,
    ``entropy`` (nats), ``approx_kl``, ``clip_frac``, ``value_loss``, ``time_s``, and for
    multi-episode trials ``len_ep1``, ``len_ep2``, ... (mean steps per episode index).
    """
    config = config or RL2Config()
    if not isinstance(config, RL2Config):
        raise TypeError(f"config must be an RL2Config, got {type(config).__name__}")
    if not isinstance(env, (BernoulliBanditVectorEnv, RandomGoalMazeVectorEnv)):
        raise TypeError(
            f"env must be a BernoulliBanditVectorEnv or RandomGoalMazeVectorEnv, got {type(env).__name__}"
        )
    seed = check_int("seed", seed, minimum=0)
    n = env.num_envs
    if n < config.num_minibatches:
        raise ValueError(
            f"env.num_envs ({n}) must be >= config.num_minibatches ({config.num_minibatches})"
        )
    agent = agent if agent is not None else make_agent(env, config, seed)
    optimizer = torch.optim.Adam(agent.parameters(), lr=config.lr, eps=1e-5)
    shuffle = torch.Generator().manual_seed(seed)
    history: dict[str, list[float]] = {}
    start = time.perf_counter()
    for it in tqdm(range(config.iterations), desc="RL² (PPO over trials)", disable=not progress):
        if config.anneal_lr:
            optimizer.param_groups[0]["lr"] = config.lr * (1.0 - it / config.iterations)
        # 1. collect: one trial per env, fresh tasks (seeds differ per iteration)
        batch = rollout_trials(agent, env, seed * 100_003 + it)
        valid = batch.valid
        # 2. advantages: the trial end is the only terminal; discount crosses episodes
        next_values = torch.cat([batch.values[1:], torch.zeros_like(batch.values[:1])])
        # (with a long trial the return is large; reward_scale keeps the value loss from
        # swamping the policy gradient under the shared gradient-norm clip)
        advantages, returns = compute_gae(
            batch.rewards * config.reward_scale,
            batch.values,
            next_values,
            batch.trial_end,
            batch.trial_end | ~valid,
            config.gamma,
            config.gae_lambda,
        )
        if config.norm_adv:
            real = advantages[valid]
            advantages = (advantages - real.mean()) / (real.std() + 1e-8)
        # 3. update on minibatches of whole trials, back-propagating through each trial
        stats = {"entropy": 0.0, "approx_kl": 0.0, "clip_frac": 0.0, "value_loss": 0.0}
        updates = 0
        for _ in range(config.epochs):
            for idx in minibatch_indices(
                n, n // config.num_minibatches, drop_last=True, generator=shuffle
            ):
                idx = torch.as_tensor(idx)
                logits, values = agent(batch.inputs[:, idx])
                mask = valid[:, idx]
                dist = Categorical(logits=logits[mask])
                logp = dist.log_prob(batch.actions[:, idx][mask])
                old_logp = batch.logp[:, idx][mask]
                pg_loss = clipped_surrogate_loss(
                    logp, old_logp, advantages[:, idx][mask], config.clip_coef
                )
                value_loss = 0.5 * (values[mask] - returns[:, idx][mask]).pow(2).mean()
                entropy = dist.entropy().mean()
                loss = pg_loss + config.vf_coef * value_loss - config.ent_coef * entropy
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), config.max_grad_norm)
                optimizer.step()
                with torch.no_grad():
                    log_ratio = logp - old_logp
                    stats["approx_kl"] += float(((log_ratio.exp() - 1) - log_ratio).mean())
                    stats["clip_frac"] += float(
                        ((log_ratio.exp() - 1).abs() > config.clip_coef).float().mean()
                    )
                stats["entropy"] += float(entropy.detach())
                stats["value_loss"] += float(value_loss.detach())
                updates += 1
        row = {
            "iteration": float(it + 1),
            "trials": float((it + 1) * n),
            "mean_trial_return": float(batch.trial_returns.mean()),
            **{k: v / updates for k, v in stats.items()},
            "time_s": time.perf_counter() - start,
        }
        if env.episodes_per_trial > 1 and isinstance(env, RandomGoalMazeVectorEnv):
            for j, length in enumerate(episode_lengths(batch).mean(0).tolist()):
                row[f"len_ep{j + 1}"] = length
        for key, value in row.items():
            history.setdefault(key, []).append(value)
        if callback is not None:
            callback(row)
    return agent, history


def evaluate_rl2(
    agent: RecurrentActorCritic, env: VectorEnvT, *, seed: int, greedy: bool = False
) -> dict[str, object]:
    """Play ``env.num_envs`` trials on new tasks (no learning); summary statistics.

    Returns a dict with ``mean_trial_return``, ``stderr`` (of that mean), ``trial_returns``
    ``[N]``, ``episode_lengths`` ``[N, E]`` and ``mean_episode_lengths`` (list over the
    episode index), and the raw ``batch`` (:class:`TrialBatch`) for plots and widgets.
    """
    batch = rollout_trials(agent, env, seed, greedy=greedy)
    returns = batch.trial_returns
    lengths = episode_lengths(batch)
    return {
        "mean_trial_return": float(returns.mean()),
        "stderr": float(returns.std() / max(len(returns), 1) ** 0.5),
        "trial_returns": returns,
        "episode_lengths": lengths,
        "mean_episode_lengths": lengths.mean(0).tolist(),
        "batch": batch,
    }
