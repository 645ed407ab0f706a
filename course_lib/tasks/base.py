"""The one vector-env base of the course's task families, and what every family shares.

RL vocabulary (the notes' terms): a **task** (任务) is what the agent must infer (a bandit's arm
probabilities, a maze's goal, a navigation goal); an **episode** ends when the environment says
so; a **trial** is ``episodes_per_trial`` episodes of the *same* task, back to back. The task is
redrawn only when a new trial starts.

Each family comes twice, with the same rules:

* a plain ``gymnasium.Env`` that passes ``gymnasium.utils.env_checker.check_env``: ``reset()``
  keeps the task until ``episodes_per_trial`` episodes have been played, then draws a new one
  (``reset(seed=...)`` or ``reset(options={"new_task": True})`` always draws one);
* a natively batched :class:`TrialVectorEnv` that steps ``num_envs`` copies at once as torch
  tensors. It resets a finished episode in the same step (``AutoresetMode.SAME_STEP``) and
  starts a new trial (new task) after the trial's last episode. ``step`` speaks numpy, as
  gymnasium expects; a trainer calls ``step_tensor`` and never leaves torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium.vector import AutoresetMode, VectorEnv

from course_lib.validation import check_int, check_seed

__all__ = [
    "TrialVectorEnv",
    "check_actions",
    "new_trial_due",
    "MAX_ENVS",
    "MAX_EPISODES",
    "MAX_STEPS",
]

#: Caps stated in the errors: beyond them one batch of trials takes gigabytes or hours.
MAX_EPISODES, MAX_ENVS, MAX_STEPS = 100_000, 100_000, 10_000


def check_actions(actions: object, num_envs: int, num_actions: int) -> torch.Tensor:
    """One integer action in ``[0, num_actions)`` per env (a bad index would gather garbage)."""
    if not isinstance(actions, torch.Tensor):
        raise TypeError(f"actions must be a torch.Tensor, got {type(actions).__name__}")
    num_envs = check_int("num_envs", num_envs, 1)
    num_actions = check_int("num_actions", num_actions, 1)
    if actions.is_floating_point() or actions.dtype == torch.bool:
        raise TypeError(f"actions must be an integer tensor, got dtype {actions.dtype}")
    if tuple(actions.shape) != (num_envs,):
        raise ValueError(f"actions must have shape [{num_envs}], got {list(actions.shape)}")
    if actions.numel() and not 0 <= int(actions.min()) <= int(actions.max()) < num_actions:
        raise ValueError(
            f"actions must be indices in [0, {num_actions - 1}], got {actions.tolist()}"
        )
    return actions.long()


class ResetNeeded(gym.error.ResetNeeded, ValueError):
    """``step`` before the first ``reset``: gymnasium's own error for it (its order-enforcing
    wrapper raises ``ResetNeeded``), and a ValueError like every refused call of the course."""

    def __init__(self, action: object):
        super().__init__(f"call reset() before step(): got step(action={action!r:.60}) first")


def new_trial_due(env: gym.Env, seed: int | None, options: dict | None, task: object) -> bool:
    """A single env starts a new trial (draws a new task) on ``reset`` when it is seeded, when
    asked to (``options={"new_task": True}``), before its first task, or after the trial's last
    episode; otherwise the same task continues into the next episode."""
    if not all(
        isinstance(getattr(env, n, None), Integral) for n in ("episode", "episodes_per_trial")
    ):
        raise TypeError(
            f"env must be a trial env (with episode and episodes_per_trial), got {type(env).__name__}"
        )
    if seed is not None:
        check_seed(seed)
    if options is not None and not isinstance(options, Mapping):
        raise TypeError(
            f"options must be a dict (gymnasium's reset options) or None, got {options!r:.60}"
        )
    asked = bool((options or {}).get("new_task", False))
    return seed is not None or asked or task is None or env.episode >= env.episodes_per_trial


class TrialVectorEnv(VectorEnv):
    """The gymnasium face of a batched trial env, shared by every task family.

    Subclasses implement the torch API the RL² rollout uses (``reset_tensor``,
    ``step_tensor`` → ``(obs, reward, episode_end, trial_end)``, ``task``); this class wraps it
    in gymnasium's numpy ``reset``/``step`` with SAME_STEP autoreset: a finished episode's
    last observation is in ``info["final_obs"]`` and ``info["trial_end"]`` marks trial ends.
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}
    #: The most steps one episode can last (a bandit's episode is one pull).
    max_steps: int = 1

    @property
    def max_trial_steps(self) -> int:
        """The most steps one trial can last: ``episodes_per_trial × max_steps``."""
        return self.episodes_per_trial * self.max_steps

    @property
    def task(self) -> torch.Tensor:
        """The current task of every env, ``[num_envs, ...]``."""
        raise NotImplementedError

    def reset_tensor(self, seed: int | None = None) -> torch.Tensor:
        """Start a new trial (a new task) in every env; returns the first observations."""
        raise NotImplementedError

    def step_tensor(self, actions: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """One step of every env: ``(obs, reward, episode_end, trial_end)``, all tensors; where
        an episode ended, ``obs`` is already the next episode's first observation."""
        raise NotImplementedError

    def _task_info(self) -> dict[str, np.ndarray]:
        """The current tasks, for ``reset``'s info."""
        raise NotImplementedError

    def _terminated(self, episode_end: torch.Tensor) -> torch.Tensor:
        """Which episode ends are real terminations (the rest are time-limit truncations)."""
        return episode_end

    def _final_obs(self, obs: torch.Tensor) -> torch.Tensor:
        """The last observation of the episodes that just ended."""
        return obs

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        # A vector env always starts new trials on reset, so options carry nothing; a
        # non-mapping is still a mistake worth naming (gymnasium's reset takes a dict).
        if options is not None and not isinstance(options, Mapping):
            raise TypeError(
                f"options must be a dict (gymnasium's reset options) or None, got {options!r:.60}"
            )
        obs = self.reset_tensor(seed)
        return obs.numpy(), self._task_info()

    def _step_info(self) -> dict[str, np.ndarray]:
        """What a family adds to ``step``'s info (e.g. the point robot's dense reward)."""
        return {}

    def _as_actions(self, actions: object) -> torch.Tensor:
        """gymnasium's numpy actions as the tensor ``step_tensor`` takes (discrete by default)."""
        n = int(self.single_action_space.n)
        array = np.asarray(actions)
        if array.dtype.kind not in "iu":  # None, strings, floats: not action indices
            raise TypeError(
                f"actions must be {self.num_envs} integer action indices, got {actions!r:.60}"
            )
        actions = torch.as_tensor(array, dtype=torch.long)
        if actions.shape != (self.num_envs,) or bool(((actions < 0) | (actions >= n)).any()):
            raise ValueError(
                f"actions must be {self.num_envs} action indices in [0, {n - 1}], "
                f"got {actions.tolist()}"
            )
        return actions

    def step(self, actions):
        actions = self._as_actions(actions)
        obs, reward, episode_end, trial_end = self.step_tensor(actions)
        terminated = self._terminated(episode_end)
        info = {
            "trial_end": trial_end.numpy(),
            "final_obs": self._final_obs(obs).numpy(),
            "_final_obs": episode_end.numpy(),
            **self._step_info(),
        }
        return (
            obs.numpy(),
            reward.numpy().astype(np.float32),
            terminated.numpy(),
            (episode_end & ~terminated).numpy(),
            info,
        )
