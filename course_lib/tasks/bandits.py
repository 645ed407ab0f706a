"""Bernoulli bandits (Chapter 7; Duan et al., 2016, section 4.1): k arms, one hidden task.

A **task** is one bandit, its arm probabilities ``p`` drawn uniformly from [0, 1]^k; an episode
is one pull; a trial is ``episodes_per_trial`` pulls of the same bandit. The rules of every
family (the single env and its batched :class:`~course_lib.tasks.base.TrialVectorEnv`) are in
:mod:`course_lib.tasks.base`.

Registered id: ``course_lib/BernoulliBandit-v0``
(``gymnasium.make_vec(..., vectorization_mode="vector_entry_point")`` gives the batched env).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from gymnasium.vector.utils import batch_space

from course_lib.tasks.base import (
    MAX_ENVS,
    MAX_EPISODES,
    ResetNeeded,
    TrialVectorEnv,
    check_actions,
    new_trial_due,
)
from course_lib.training import make_generator
from course_lib.validation import check_int, check_seed

__all__ = [
    "BANDIT_ID",
    "MAX_ARMS",
    "BernoulliBandit",
    "BernoulliBanditVectorEnv",
    "evaluation_bandits",
]

BANDIT_ID = "course_lib/BernoulliBandit-v0"
#: At most this many arms (a cap stated in the errors).
MAX_ARMS = 1000
#: An evaluation set's size, bandits × arms (the course's largest is 1,000 × 10).
MAX_EVALUATION_PROBS = 10_000_000


class BernoulliBandit(gym.Env):
    """A k-armed Bernoulli bandit: arm i pays 1 with probability p_i, else 0.

    The task is the vector p, drawn p_i ~ U[0, 1] at the start of each trial. Every episode
    is a single pull, so a trial of ``episodes_per_trial`` = n episodes is n pulls of the
    same bandit: exactly the setting of Duan et al. (2016), Table 1. The observation
    carries no information (a constant 0): everything the agent learns about p comes from
    the rewards it has seen, which is why it needs memory.

    Args:
        k: number of arms (>= 2).
        episodes_per_trial: n, pulls per trial (>= 1).
    """

    metadata = {"render_modes": []}

    def __init__(self, k: int = 5, episodes_per_trial: int = 10):
        self.k = check_int("k", k, 2, MAX_ARMS)
        self.episodes_per_trial = check_int(
            "episodes_per_trial", episodes_per_trial, 1, MAX_EPISODES
        )
        self.observation_space = spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float32)
        self.action_space = spaces.Discrete(self.k)
        self.reward_bounds = (0.0, 1.0)
        self.arm_probs: np.ndarray | None = None
        self.episode = 0  # episodes finished in the current trial

    def _obs(self) -> np.ndarray:
        return np.zeros(1, dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:  # ours first: gymnasium's own error does not say what was given
            check_seed(seed)
        super().reset(seed=seed)
        if new_trial_due(self, seed, options, self.arm_probs):
            self.arm_probs = self.np_random.uniform(0.0, 1.0, size=self.k)
            self.episode = 0
        return self._obs(), {"arm_probs": self.arm_probs.copy(), "episode": self.episode}

    def step(self, action):
        if self.arm_probs is None:
            raise ResetNeeded(action)
        if not self.action_space.contains(action):
            raise ValueError(f"action must be an arm index in [0, {self.k - 1}], got {action!r}")
        reward = float(self.np_random.random() < self.arm_probs[int(action)])
        self.episode += 1
        info = {"trial_end": self.episode >= self.episodes_per_trial, "episode": self.episode}
        return self._obs(), reward, True, False, info


class BernoulliBanditVectorEnv(TrialVectorEnv):
    """``num_envs`` Bernoulli bandits stepped at once as torch tensors.

    Same rules as :class:`BernoulliBandit`. Every step ends an episode; after
    ``episodes_per_trial`` steps an env's trial ends (``info["trial_end"]``) and it draws a
    new p in that same step. ``arm_probs`` is the ``[num_envs, k]`` tensor of current tasks.
    """

    def __init__(self, num_envs: int = 1, k: int = 5, episodes_per_trial: int = 10):
        self.num_envs = check_int("num_envs", num_envs, 1, MAX_ENVS)
        self.k = check_int("k", k, 2, MAX_ARMS)
        self.episodes_per_trial = check_int(
            "episodes_per_trial", episodes_per_trial, 1, MAX_EPISODES
        )
        self.single_observation_space = spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float32)
        self.single_action_space = spaces.Discrete(self.k)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.generator = make_generator(None)
        self.arm_probs = torch.rand(self.num_envs, self.k, generator=self.generator)
        self.episode = torch.zeros(self.num_envs, dtype=torch.long)
        self._obs = torch.zeros(self.num_envs, 1)

    @property
    def task(self) -> torch.Tensor:
        """The current tasks, ``[num_envs, k]`` arm probabilities."""
        return self.arm_probs

    def reset_tensor(self, seed: int | None = None) -> torch.Tensor:
        """Start a new trial (new p) in every env; returns the ``[num_envs, 1]`` observation."""
        if seed is not None:
            self.generator = make_generator(seed)
        self.arm_probs = torch.rand(self.num_envs, self.k, generator=self.generator)
        self.episode.zero_()
        return self._obs.clone()

    def step_tensor(self, actions: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Pull one arm in every env. Returns ``(obs, reward, episode_end, trial_end)``."""
        actions = check_actions(actions, self.num_envs, self.k)
        p = self.arm_probs.gather(1, actions.view(-1, 1)).squeeze(1)
        reward = (torch.rand(self.num_envs, generator=self.generator) < p).float()
        self.episode += 1
        trial_end = self.episode >= self.episodes_per_trial
        if bool(trial_end.any()):
            fresh = torch.rand(self.num_envs, self.k, generator=self.generator)
            self.arm_probs = torch.where(trial_end[:, None], fresh, self.arm_probs)
            self.episode[trial_end] = 0
        episode_end = torch.ones(self.num_envs, dtype=torch.bool)
        return self._obs.clone(), reward, episode_end, trial_end

    def _task_info(self) -> dict[str, np.ndarray]:
        return {"arm_probs": self.arm_probs.numpy().copy()}


def evaluation_bandits(k: int, seeds: Sequence[int]) -> np.ndarray:
    """A fixed evaluation set: ``[len(seeds), k]`` arm probabilities, bandit i drawn from seed i.

    Seeding each bandit on its own (``numpy.random.default_rng(seeds[i])``) makes bandit i
    the same whatever else is in the set, so sets can be cut and compared by seed.
    """
    k = check_int("k", k, 2, MAX_ARMS)
    if isinstance(seeds, str | bytes) or not isinstance(seeds, Sequence) or len(seeds) == 0:
        raise TypeError(
            f"seeds must be a non-empty sequence of ints (e.g. range(1000)), got {seeds!r}"
        )
    if len(seeds) * k > MAX_EVALUATION_PROBS:
        raise ValueError(
            f"len(seeds) × k must be at most {MAX_EVALUATION_PROBS:_} arm probabilities, "
            f"got {len(seeds):_} × {k:_} = {len(seeds) * k:_}"
        )
    return np.stack([np.random.default_rng(check_seed(s, "seeds[i]")).random(k) for s in seeds])
