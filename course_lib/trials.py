"""Trials: the unit of experience of a meta-RL agent that learns by remembering (Chapter 7 on).

A **trial** is ``episodes_per_trial`` episodes of the same task, back to back (the task
families of :mod:`course_lib.tasks` define tasks, episodes and trials). Two small rules make a
recurrent policy into a learner over a trial (Duan et al., 2016, Fig. 1):

1. **The input vector.** At every step the agent receives not just the observation but
   also what just happened: ``x_t = [o_t, one_hot(a_{t-1}), r_{t-1}, d_{t-1}]``, where
   ``d_{t-1}`` = 1 if the previous step ended an episode. At a trial's first step there is
   no previous step: the action part, the reward and the flag are all 0. Without
   ``a_{t-1}`` and ``r_{t-1}`` a bandit agent could never tell which arm paid
   (:func:`trial_input`).
2. **The hidden-state reset rule.** The hidden state ``h`` is carried across *episode*
   boundaries (that is the memory of what this task is like) and set to zero only at a
   *trial* boundary (a new task: what was learnt about the old one must not leak)
   (:func:`reset_hidden`).

This module holds everything that plays trials, for every method that compares on them (RL²
trains on them; Chapters 8 and 9 score RL² beside MAML-RL and PEARL): :class:`TrialWrapper`
applies rule 1 to a plain gymnasium env, so that one gymnasium episode of the wrapped env is
one whole trial; :func:`rollout_trials` plays a batch of trials of any
:class:`~course_lib.tasks.base.TrialVectorEnv` with any :class:`RecurrentPolicy` into a
:class:`TrialBatch`; :func:`episode_lengths` and :func:`episode_returns` are its per-episode
statistics. Maze trials end at different steps (an episode ends early at the goal); they are
padded to the longest trial and the padding is masked (``TrialBatch.valid``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from course_lib.nets import MAX_FEATURES
from course_lib.tasks.base import TrialVectorEnv
from course_lib.training import derive_seed, make_generator
from course_lib.validation import (
    check_bool,
    check_finite,
    check_instance,
    check_int,
    check_same_shape,
    check_seed,
    check_tensor,
)

__all__ = [
    "trial_input",
    "input_size",
    "reset_hidden",
    "TrialWrapper",
    "RecurrentPolicy",
    "TrialBatch",
    "check_trial_env",
    "check_policy_fits",
    "rollout_trials",
    "episode_lengths",
    "episode_returns",
]


def input_size(obs_size: int, num_actions: int) -> int:
    """Length of the RL² input vector: observation + one-hot action + reward + flag."""
    return check_int("obs_size", obs_size, 1) + check_int("num_actions", num_actions, 1) + 2


def trial_input(
    obs: torch.Tensor,
    prev_action: torch.Tensor,
    prev_reward: torch.Tensor,
    prev_episode_end: torch.Tensor,
    num_actions: int,
) -> torch.Tensor:
    """The RL² input ``[o_t, one_hot(a_{t-1}), r_{t-1}, d_{t-1}]`` for a batch of envs.

    Args:
        obs: ``[B, obs_size]`` current observations.
        prev_action: ``[B]`` previous actions (long); ``-1`` means "no previous action"
            (a trial's first step) and gives an all-zero one-hot.
        prev_reward: ``[B]`` previous rewards (0 at a trial's first step).
        prev_episode_end: ``[B]`` 1 where the previous step ended an episode, else 0.
        num_actions: size of the one-hot part.

    Returns:
        ``[B, obs_size + num_actions + 2]`` float tensor.

    Example:
        >>> trial_input(torch.zeros(1, 1), torch.tensor([2]), torch.tensor([1.0]), torch.tensor([1.0]), 3)
        tensor([[0., 0., 0., 1., 1., 1.]])
    """
    _check_trial_input(obs, prev_action, prev_reward, prev_episode_end, num_actions)
    return _trial_input(obs, prev_action, prev_reward, prev_episode_end, num_actions)


def _trial_input(obs, prev_action, prev_reward, prev_episode_end, num_actions) -> torch.Tensor:
    """:func:`trial_input` without the checks: :func:`rollout_trials` builds its inputs from the
    env's own tensors at every step, where the checks would cost more than the step."""
    a = prev_action.long()
    one_hot = torch.zeros(a.shape[0], num_actions, dtype=obs.dtype)
    taken = a >= 0
    one_hot[taken, a[taken]] = 1.0
    return torch.cat(
        [
            obs.to(one_hot.dtype),
            one_hot,
            prev_reward.to(one_hot.dtype)[:, None],
            prev_episode_end.to(one_hot.dtype)[:, None],
        ],
        dim=1,
    )


def _check_trial_input(obs, prev_action, prev_reward, prev_episode_end, num_actions) -> None:
    check_tensor("obs", obs, ndim=2, floating=True)
    check_int("num_actions", num_actions, 1, MAX_FEATURES)
    check_tensor("prev_action", prev_action)
    if prev_action.is_floating_point() or prev_action.dtype == torch.bool:
        raise TypeError(f"prev_action must be an integer tensor, got dtype {prev_action.dtype}")
    per_env = {"prev_action": prev_action, "prev_reward": prev_reward}
    check_same_shape(obs_rows=obs[:, 0], **per_env, prev_episode_end=prev_episode_end)
    for name, value in (
        ("obs", obs),
        ("prev_reward", prev_reward),
        ("prev_episode_end", prev_episode_end),
    ):
        check_finite(name, value)  # a NaN reward would reach the GRU and every later step
    _check_flags("prev_episode_end", prev_episode_end)
    if (
        prev_action.numel()
        and not -1 <= int(prev_action.min()) <= int(prev_action.max()) < num_actions
    ):
        bad = (
            int(prev_action.max())
            if int(prev_action.max()) >= num_actions
            else int(prev_action.min())
        )
        raise ValueError(
            f"prev_action must hold -1 or indices in [0, {num_actions - 1}], got {bad}"
        )


def _check_flags(name: str, flags: torch.Tensor) -> None:
    """A flag per env: bool, or numbers that are each 0 or 1 (a 0.5 is no episode end)."""
    if flags.dtype != torch.bool and not ((flags == 0) | (flags == 1)).all():
        odd = flags[(flags != 0) & (flags != 1)].flatten()[0].item()
        raise ValueError(f"{name} must hold only 0/1 or True/False, got {odd}")


def _check_reset(hidden: object, trial_end: object) -> None:
    check_finite("hidden", check_tensor("hidden", hidden, ndim=2))
    if tuple(check_tensor("trial_end", trial_end).shape) != (hidden.shape[0],):
        raise ValueError(
            f"trial_end must have shape [{hidden.shape[0]}], got {list(trial_end.shape)}"
        )
    _check_flags("trial_end", trial_end)


def reset_hidden(hidden: torch.Tensor, trial_end: torch.Tensor) -> torch.Tensor:
    """The hidden-state reset rule: zero the hidden state of the envs whose trial just ended, keep the rest.

    Args:
        hidden: ``[B, H]`` hidden states after the step.
        trial_end: ``[B]`` bool, True where the step ended a trial. An episode end that is
            not a trial end does **not** reset: the memory is what carries over.
    """
    _check_reset(hidden, trial_end)
    return _reset_hidden(hidden, trial_end)


def _reset_hidden(hidden: torch.Tensor, trial_end: torch.Tensor) -> torch.Tensor:
    """:func:`reset_hidden` without the checks (:func:`rollout_trials`' every step)."""
    return hidden * (~trial_end.bool()).to(hidden.dtype)[:, None]


class TrialWrapper(gym.Wrapper):
    """Turn an episodic task env into one long trial with the RL² input as observation.

    One episode of the wrapper = one trial = ``env.episodes_per_trial`` episodes of the
    wrapped env with the same task. ``reset()`` starts a new trial (a new task); when an
    inner episode ends the wrapper resets the inner env *keeping the task* and carries on;
    after the last episode it returns ``terminated=True`` (the trial's end). ``info``
    reports ``episode_end`` (an inner episode ended on this step) and ``episode`` (the
    number of inner episodes finished so far).
    """

    def __init__(self, env: gym.Env):
        if not isinstance(env, gym.Env):
            raise TypeError(f"env must be a gymnasium Env, got {type(env).__name__}")
        super().__init__(env)
        if not isinstance(env.action_space, spaces.Discrete):
            raise TypeError(f"env.action_space must be Discrete, got {env.action_space}")
        self.episodes_per_trial = check_int(
            "env.episodes_per_trial", env.unwrapped.episodes_per_trial, minimum=1
        )
        self.num_actions = int(env.action_space.n)
        obs_size = int(np.prod(env.observation_space.shape))
        r_lo, r_hi = getattr(env.unwrapped, "reward_bounds", (-np.inf, np.inf))
        low = np.concatenate(
            [
                np.full(obs_size, env.observation_space.low.min()),
                np.zeros(self.num_actions),
                [min(r_lo, 0.0), 0.0],
            ]
        )
        high = np.concatenate(
            [
                np.full(obs_size, env.observation_space.high.max()),
                np.ones(self.num_actions),
                [max(r_hi, 0.0), 1.0],
            ]
        )
        self.observation_space = spaces.Box(
            low.astype(np.float32), high.astype(np.float32), dtype=np.float32
        )
        self.episode = 0

    def _input(self, obs, action: int, reward: float, episode_end: bool) -> np.ndarray:
        x = trial_input(
            torch.as_tensor(np.asarray(obs, dtype=np.float32).reshape(1, -1)),
            torch.tensor([action]),
            torch.tensor([float(reward)]),
            torch.tensor([float(episode_end)]),
            self.num_actions,
        )
        return x[0].numpy()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start a new trial (a new task); ``seed`` seeds the inner env (gymnasium's rule)."""
        if seed is not None:
            seed = check_seed(seed)
        if options is not None and not isinstance(options, dict):
            raise TypeError(f"options must be None or a dict, got {type(options).__name__}")
        obs, info = self.env.reset(seed=seed, options={"new_task": True})
        self.episode = 0
        return self._input(obs, -1, 0.0, False), {**info, "episode": 0, "episode_end": False}

    def step(self, action: int):
        """One pull/move of the inner env; the trial ends after its last episode."""
        action = check_int("action", action, 0, self.num_actions - 1)
        obs, reward, terminated, truncated, info = self.env.step(action)
        episode_end = bool(terminated or truncated)
        trial_end = False
        if episode_end:
            self.episode += 1
            trial_end = self.episode >= self.episodes_per_trial
            if not trial_end:
                obs, _ = self.env.reset()  # same task: the inner env keeps it within a trial
        info = {**info, "episode": self.episode, "episode_end": episode_end}
        return (
            self._input(obs, int(action), float(reward), episode_end),
            float(reward),
            trial_end,
            False,
            info,
        )


@runtime_checkable
class RecurrentPolicy(Protocol):
    """What :func:`rollout_trials` asks of an agent: a recurrent policy over RL² inputs
    (e.g. :class:`course_lib.rl2.RecurrentActorCritic`)."""

    input_size: int  # length of the input vector it reads (:func:`input_size`)
    num_actions: int

    def initial_state(self, batch_size: int) -> torch.Tensor: ...

    def step(
        self, x: torch.Tensor, h: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]: ...

    def parameters(self): ...


def check_trial_env(env: object) -> TrialVectorEnv:
    """``env`` if it is a batched task family with discrete actions (what RL² can play)."""
    if not isinstance(env, TrialVectorEnv) or not isinstance(
        env.single_action_space, spaces.Discrete
    ):
        raise TypeError(
            "env must be a TrialVectorEnv with Discrete actions (a task family of "
            "course_lib.tasks, e.g. BernoulliBanditVectorEnv or RandomGoalMazeVectorEnv), "
            f"got {type(env).__name__}"
        )
    return env


def check_policy_fits(agent: object, env: TrialVectorEnv) -> RecurrentPolicy:
    """The agent must read this env's RL² input and choose among its actions."""
    if not isinstance(agent, RecurrentPolicy):
        raise TypeError(f"agent must be a RecurrentActorCritic, got {type(agent).__name__}")
    check_trial_env(env)
    num_actions = int(env.single_action_space.n)
    needed = input_size(env.single_observation_space.shape[0], num_actions)
    if (agent.input_size, agent.num_actions) != (needed, num_actions):
        raise ValueError(
            f"agent must read this env's {needed} inputs and choose among its {num_actions} "
            f"actions, got an agent of {agent.input_size} inputs and {agent.num_actions} actions"
        )
    return agent


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


#: The work one :func:`rollout_trials` call may imply, in env steps (envs × episodes × steps):
#: the batch it keeps grows with it. Chapter 7's largest trial batch is well under a million;
#: 10 million steps are minutes of CPU and about a gigabyte of kept tensors.
ROLLOUT_STEP_BUDGET = 10_000_000


@torch.inference_mode()
def rollout_trials(
    agent: RecurrentPolicy, env: TrialVectorEnv, seed: int, *, greedy: bool = False
) -> TrialBatch:
    """Play one trial in each of ``env.num_envs`` envs, all starting together.

    Args:
        agent: the policy (its hidden state starts at zero).
        env: a batched env; each of its ``num_envs`` copies plays one trial on a new task.
        seed: seeds the tasks, the env's randomness and the action sampling.
        greedy: take the most probable action instead of sampling.
    """
    check_policy_fits(agent, env)
    work = env.num_envs * env.max_trial_steps
    if work > ROLLOUT_STEP_BUDGET:
        raise ValueError(
            f"env.num_envs × episodes_per_trial × max_steps must be at most rollout_trials' "
            f"budget of {ROLLOUT_STEP_BUDGET:_} env steps, got {env.num_envs} × "
            f"{env.episodes_per_trial} × {env.max_steps} = {work:_}"
        )
    seed = check_seed(seed)
    check_bool("greedy", greedy)
    gen = make_generator(derive_seed(seed, 1))  # the actions' own stream, apart from the env's
    device = next(agent.parameters()).device  # the env runs on the CPU; the network may not
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
    # The library's own agent offers an unchecked step (x and h are built here, and
    # check_policy_fits has checked the sizes); any other RecurrentPolicy uses its step.
    step = getattr(agent, "_rollout_step", agent.step)
    for _ in range(env.max_trial_steps):
        x = _trial_input(obs, prev_action, prev_reward, prev_end, num_actions)
        logits, value, h = step(x.to(device), h)
        logits, value = logits.cpu(), value.cpu()  # (both .to and .cpu are no-ops on the CPU)
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
        h = _reset_hidden(h, trial_end.to(device))  # memory survives episode ends, not trial ends
        prev_action, prev_reward, prev_end = action, reward, episode_end.float()
        if bool(done.all()):
            break
    return TrialBatch(**{k: torch.stack(v) for k, v in rows.items()}, task=task)


def _check_batch(batch: object, name: str = "batch") -> TrialBatch:
    """``batch`` if it is a :class:`TrialBatch` (what :func:`rollout_trials` returns)."""
    return check_instance(
        name, batch, TrialBatch, "a TrialBatch (from rollout_trials or evaluate_rl2)"
    )


def episode_lengths(batch: TrialBatch) -> torch.Tensor:
    """Steps taken in each episode of each trial, ``[N, episodes_per_trial]``."""
    _check_batch(batch)
    return _per_episode(batch, batch.valid.float())


def episode_returns(batch: TrialBatch) -> torch.Tensor:
    """Reward collected in each episode of each trial, ``[N, episodes_per_trial]``."""
    _check_batch(batch)
    return _per_episode(batch, batch.rewards)


def _per_episode(batch: TrialBatch, values: torch.Tensor) -> torch.Tensor:
    ends = batch.episode_end.long()
    index = torch.cumsum(ends, 0) - ends  # episode index of each step within its trial
    num_episodes = int(ends.sum(0).max().item())
    index = index.clamp(max=max(num_episodes - 1, 0))
    out = torch.zeros(batch.valid.shape[1], max(num_episodes, 1))
    out.scatter_add_(1, index.T, (values * batch.valid).T)
    return out
