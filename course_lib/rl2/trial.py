"""The trial: what the RL² agent sees, and when its memory is wiped.

Two small rules make a recurrent policy into a learner (Duan et al., 2016, Fig. 1):

1. **The input vector.** At every step the agent receives not just the observation but
   also what just happened: ``x_t = [o_t, one_hot(a_{t-1}), r_{t-1}, d_{t-1}]``, where
   ``d_{t-1}`` = 1 if the previous step ended an episode. At a trial's first step there is
   no previous step: the action part, the reward and the flag are all 0. Without
   ``a_{t-1}`` and ``r_{t-1}`` a bandit agent could never tell which arm paid.
2. **The hidden-state reset rule.** The hidden state ``h`` is carried across *episode*
   boundaries (that is the memory of what this task is like) and set to zero only at a
   *trial* boundary (a new task: what was learnt about the old one must not leak).

:class:`TrialWrapper` applies rule 1 to a plain gymnasium env, so that one gymnasium
episode of the wrapped env is one whole trial.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from course_lib.validation import check_int, check_same_shape, check_tensor

__all__ = ["trial_input", "input_size", "reset_hidden", "TrialWrapper"]


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
    check_tensor("obs", obs, ndim=2)
    check_int("num_actions", num_actions, 1)
    if check_tensor("prev_action", prev_action).is_floating_point():
        raise TypeError(f"prev_action must be an integer tensor, got dtype {prev_action.dtype}")
    per_env = {"prev_action": prev_action, "prev_reward": prev_reward}
    check_same_shape(obs_rows=obs[:, 0], **per_env, prev_episode_end=prev_episode_end)
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


def _check_reset(hidden: object, trial_end: object) -> None:
    check_tensor("hidden", hidden, ndim=2)
    if tuple(check_tensor("trial_end", trial_end).shape) != (hidden.shape[0],):
        raise ValueError(
            f"trial_end must have shape [{hidden.shape[0]}], got {list(trial_end.shape)}"
        )


def reset_hidden(hidden: torch.Tensor, trial_end: torch.Tensor) -> torch.Tensor:
    """Rule 2: zero the hidden state of the envs whose trial just ended, keep the rest.

    Args:
        hidden: ``[B, H]`` hidden states after the step.
        trial_end: ``[B]`` bool, True where the step ended a trial. An episode end that is
            not a trial end does **not** reset: the memory is what carries over.
    """
    _check_reset(hidden, trial_end)
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
        obs, info = self.env.reset(seed=seed, options={"new_task": True})
        self.episode = 0
        return self._input(obs, -1, 0.0, False), {**info, "episode": 0, "episode_end": False}

    def step(self, action):
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
