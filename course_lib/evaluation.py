"""Evaluating and watching a trained agent: greedy returns, a stop-when-solved callback, frames.

These sit beside the algorithms rather than inside them: :mod:`course_lib.ppo` ends where
its story ends (the update), and every chapter that trains an agent evaluates it here the
same way: fresh episodes, seeded, with the evaluation seed kept apart from training seeds.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import gymnasium as gym
import numpy as np
import torch

from course_lib.ppo import MAX_ENVS, ActorCritic, make_envs
from course_lib.training import make_generator
from course_lib.validation import check_bool, check_env_id, check_int, check_real, check_seed

__all__ = ["evaluate", "StopWhenSolved", "record_frames"]

#: The work one :func:`evaluate` call may imply: episodes × max_steps environment steps. 10
#: million vectorised steps of a classic-control env are a few minutes; the course's
#: evaluations (20 CartPole episodes of at most 500 steps) are 10,000.
EVAL_STEP_BUDGET = 10_000_000


@torch.no_grad()
def evaluate(
    agent: ActorCritic | Callable[[np.ndarray], np.ndarray],
    env_id: str,
    episodes: int = 20,
    seed: int = 0,
    deterministic: bool = True,
    *,
    max_steps: int | None = None,
) -> np.ndarray:
    """Returns of ``episodes`` full episodes (one per parallel env; env ``i`` is seeded ``seed + i``).

    ``agent`` is an :class:`ActorCritic` (greedy actions if ``deterministic``, else sampled
    with a generator seeded by ``seed``) or any function mapping a batch of observations to a
    batch of environment actions (the benchmark evaluates Stable-Baselines3 this way, under
    the same protocol).

    An episode still running after ``max_steps`` steps is cut there and its return so far is
    reported, as gymnasium's ``TimeLimit`` would. By default (None) the env's own registered
    time limit is the cap (CartPole-v1: 500). Some registered envs have none
    (``CliffWalking-v1`` under a random policy can wander for ever): for those the caller must
    say how long an episode may run, so that no evaluation's length is a silent guess.
    ``episodes × max_steps`` must stay within ``EVAL_STEP_BUDGET`` (10 million steps).
    """
    episodes = check_int("episodes", episodes, 1, MAX_ENVS)
    if max_steps is None:
        limit = gym.spec(check_env_id(env_id)).max_episode_steps
        if limit is None:
            raise ValueError(
                f"max_steps must be given for {env_id}, which has no time limit of its own (an "
                "episode could run for ever), got max_steps=None"
            )
        max_steps = limit
    max_steps = check_int("max_steps", max_steps, 1, EVAL_STEP_BUDGET)
    if episodes * max_steps > EVAL_STEP_BUDGET:
        raise ValueError(
            f"episodes × max_steps = {episodes} × {max_steps:_} = {episodes * max_steps:_} "
            f"environment steps exceeds the budget of {EVAL_STEP_BUDGET:_}: got episodes="
            f"{episodes}, max_steps={max_steps:_}"
        )
    seed = check_seed(seed)
    check_bool("deterministic", deterministic)
    if not isinstance(agent, ActorCritic) and not callable(agent):
        raise TypeError(
            f"agent must be an ActorCritic or a callable obs -> actions, got {type(agent).__name__}"
        )
    envs = make_envs(check_env_id(env_id), episodes)
    if isinstance(agent, ActorCritic):
        _check_fits(agent, envs.single_observation_space, envs.single_action_space, env_id)
    try:
        obs, _ = envs.reset(seed=seed)
        returns = np.zeros(episodes)
        active = np.ones(episodes, dtype=bool)
        if isinstance(agent, ActorCritic):
            device = next(agent.parameters()).device
            generator = make_generator(seed, device)
        for _ in range(max_steps):
            if not active.any():
                break
            if isinstance(agent, ActorCritic):
                obs_t = torch.as_tensor(obs, dtype=torch.float32, device=device).reshape(
                    episodes, -1
                )
                actions = agent.env_action(
                    agent.act(obs_t, generator=generator, deterministic=deterministic)[0]
                )
            else:
                actions = _checked_actions(agent(obs), envs.action_space)
            obs, rewards, terminated, truncated, _ = envs.step(actions)
            returns += rewards * active  # finished envs keep running (autoreset); ignore them
            active &= ~(terminated | truncated)
    finally:
        envs.close()
    return returns


def _checked_actions(actions: object, space: gym.Space) -> np.ndarray:
    """A callable agent's answer for the batch: one valid action per env (gymnasium would
    fail with an AssertionError on an index out of range, or iterate over a scalar)."""
    try:
        array = np.asarray(actions, dtype=space.dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"agent must return one action per env, got {actions!r:.60}") from err
    if array.shape != space.shape:
        raise ValueError(
            f"agent must return actions of shape {list(space.shape)} (one per env), got "
            f"{list(array.shape)}: {actions!r:.60}"
        )
    if isinstance(space, gym.spaces.Box):
        ok = bool(np.isfinite(array).all())  # out of bounds is the env's to clip; NaN is not
    else:
        ok = space.contains(array)
    if not ok:
        raise ValueError(f"agent must return valid actions for {space}, got {actions!r:.80}")
    return array


def _check_fits(agent: ActorCritic, observation_space, action_space, env_id: str) -> None:
    """The agent's input size and action space must be the environment's."""
    obs_dim = int(np.prod(observation_space.shape))
    discrete = isinstance(action_space, gym.spaces.Discrete)
    act_dim = int(action_space.n) if discrete else int(np.prod(action_space.shape))
    if (agent.obs_dim, agent.act_dim, agent.discrete) != (obs_dim, act_dim, discrete):
        raise ValueError(
            f"agent does not fit {env_id}: env_id {env_id!r} has {obs_dim} inputs and "
            f"{action_space}, got an agent with {agent.obs_dim} inputs and {agent.action_space}"
        )


class StopWhenSolved:
    """A :func:`train` callback: every ``every_steps`` environment steps, evaluate the agent
    greedily on ``episodes`` episodes and stop training once their mean return reaches
    ``threshold`` (gymnasium's ``reward_threshold`` by default, 475 for CartPole-v1).

    The evaluations are kept in ``self.evaluations`` as ``(env_steps, mean_return)``. Use a
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
            threshold = gym.spec(check_env_id(env_id)).reward_threshold
            if threshold is None:
                raise ValueError(f"{env_id} has no reward_threshold; pass threshold= explicitly")
        self.env_id = check_env_id(env_id)
        self.threshold = check_real("threshold", threshold, -1e12, 1e12)
        self.every_steps = check_int("every_steps", every_steps, 1)
        self.episodes = check_int("episodes", episodes, 1, MAX_ENVS)
        self.seed = check_seed(seed)
        self.evaluations: list[tuple[int, float]] = []
        self._next = self.every_steps

    @property
    def solved(self) -> bool:
        return bool(self.evaluations) and self.evaluations[-1][1] >= self.threshold

    def __call__(self, row: dict[str, float], agent: ActorCritic) -> bool:
        step = int(row["env_steps"])
        if step < self._next:
            return False
        while self._next <= step:
            self._next += self.every_steps
        score = float(np.mean(evaluate(agent, self.env_id, self.episodes, seed=self.seed)))
        self.evaluations.append((step, score))
        row["eval_return"] = score
        return score >= self.threshold


@torch.no_grad()
def record_frames(
    agent: ActorCritic,
    env_id: str,
    *,
    max_frames: int = 200,
    every: int = 1,
    seed: int = 0,
    max_steps: int = 10_000,
) -> tuple[list[np.ndarray], float]:
    """Play one greedy episode with ``render_mode="rgb_array"``.

    Returns every ``every``-th rendered frame (at most ``max_frames`` of them) and the
    episode's return, e.g. to show the trained agent as an animation. As in :func:`evaluate`,
    the episode is cut after ``max_steps`` steps: an env with no time limit must end too.
    """
    if not isinstance(agent, ActorCritic):
        raise TypeError(f"agent must be an ActorCritic, got {type(agent).__name__}")
    max_frames = check_int("max_frames", max_frames, 1, 10_000)  # 10k frames: gigabytes of images
    every = check_int("every", every, 1)
    seed = check_seed(seed)
    max_steps = check_int("max_steps", max_steps, 1, 100_000)
    check_env_id(env_id)
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # off-screen rendering: no display needed
    env = gym.make(env_id, render_mode="rgb_array")
    device = next(agent.parameters()).device
    try:
        _check_fits(agent, env.observation_space, env.action_space, env_id)
        obs, _ = env.reset(seed=seed)
        frames, total, t, done = [env.render()], 0.0, 0, False
        while not done:
            obs_t = torch.as_tensor(obs, dtype=torch.float32, device=device).reshape(1, -1)
            action = agent.env_action(agent.act(obs_t, deterministic=True)[0])[0]
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            t += 1
            done = terminated or truncated or t >= max_steps
            if t % every == 0 and len(frames) < max_frames:
                frames.append(env.render())
    finally:
        env.close()
    return frames, total
