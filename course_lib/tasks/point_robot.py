"""The sparse point robot of the PEARL paper (Rakelly et al., 2019, §6.3): a goal on a half-circle,
reward only inside a small radius of it.

A point starts every episode at the origin and observes only its own position ``(x, y)``. The
goal (the **task**, 任务) lies on the upper half of the unit circle, at an angle drawn uniformly
from [0, π]; the agent is never told where. It moves by ``0.1 · clip(a, −1, 1)`` per axis (the
normalised actions of Chapter 8's 2-D navigation, :func:`course_lib.tasks.navigation.move`) and is
rewarded only inside the goal radius (0.2):

    r = 1 − ‖position − goal‖  if ‖position − goal‖ ≤ goal_radius,  else 0.

So everywhere outside the radius every move earns exactly 0, and an agent that has not yet found
the goal learns only where it is *not*. That is what makes exploration matter: the agent has to
choose where to look. Episodes last ``max_steps`` (20) moves and never terminate early; the goal
is 1 away and a move covers at most 0.1 per axis, so a straight walk enters the radius after
8 moves and stays for the last 12.

The dense reward of the same position, ``−‖position − goal‖`` (the paper code's ``step()``
reward), comes with every step (``info["dense_reward"]``, ``last_dense_reward``): the authors'
PEARL trains its actor-critic on it and feeds only the sparse reward to the task encoder (their
``sample_sac``: "rewards are always dense"; ``sample_context`` takes the sparse ones).

**Differences from the authors' env** (katerakelly/oyster, ``rlkit/envs/point_robot.py``,
``SparsePointEnv``, run through ``NormalizedBoxEnv`` with ``configs/sparse-point-robot.json``):

1. *Goals.* Theirs are a fixed list of ``n_tasks = 100`` angles, evenly spaced on [0, π]
   (``np.linspace``), shuffled with seed 1337; the first 80 are the training tasks and the last
   20 the test tasks. Ours draw the angle uniformly from [0, π] (``fix_goals`` sets chosen ones;
   :func:`half_circle_goals` gives evenly spaced ones, for a fixed task list like theirs).
2. *Which reward ``step`` returns.* Theirs returns the dense reward and puts the sparse one in
   ``env_info["sparse_reward"]``; ours returns the sparse reward (the task's reward, what an
   agent is scored on) and puts the dense one in ``info["dense_reward"]``.
3. *Actions.* Their raw env adds the action, unclipped, to the position, with an action space of
   ±0.1; ``NormalizedBoxEnv`` maps a policy action in [−1, 1] onto it and clips. Ours takes the
   normalised action and clips in the env, which is the same map for every action.
4. *Episode end.* Their env never ends an episode (``done`` is always False) and the sampler cuts
   it after ``max_path_length = 20`` steps; ours ends it with ``truncated=True`` after
   ``max_steps`` (20) moves.
5. *Spaces.* Their observation space is unbounded (±inf); ours is the box an episode can reach,
   ±0.1 · ``max_steps``.
6. *API and seeding.* Theirs is the old ``gym`` API (``reset()`` returns only the observation,
   ``step`` a 4-tuple) and draws from numpy's global RNG; ours is gymnasium's (``reset(seed=)``,
   ``terminated`` / ``truncated``), seeded per env.
7. *Trials and a discrete version* are ours: ``episodes_per_trial`` keeps a goal for several
   episodes (Chapter 7's trial, for RL²), and ``action_type="discrete"`` gives Chapter 8's 9
   moves (RL²'s categorical agent).

Unchanged: the origin start, the half-circle of radius 1, the goal radius 0.2, the sparse reward
``1 − distance`` inside the radius (their ``sparsify_rewards`` plus 1) and 0 outside, the dense
reward ``−distance``, the reward measured after the move.

As with every task family of the course, it comes twice with the same rules:
:class:`SparsePointRobot`, a plain ``gymnasium.Env`` that passes ``check_env``, and
:class:`SparsePointRobotVectorEnv`, ``num_envs`` copies stepped at once as torch tensors (the
interface Chapter 7's :func:`course_lib.trials.rollout_trials` and PEARL's rollouts drive).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from gymnasium import spaces

from course_lib.tasks.base import ResetNeeded
from course_lib.tasks.navigation import (
    DISCRETE_MOVES,
    MAX_STEP,
    PointEnv,
    PointVectorEnv,
    _check_oracle_work,
    _combined,
    check_goals,
    move,
    move_point,
)
from course_lib.validation import check_choice, check_int, check_real

__all__ = [
    "SPARSE_POINT_ROBOT_ID",
    "GOAL_RADIUS",
    "SparsePointRobot",
    "SparsePointRobotVectorEnv",
    "sparse_reward",
    "dense_reward",
    "half_circle_goals",
    "random_half_circle_goals",
    "sparse_oracle_return",
]

SPARSE_POINT_ROBOT_ID = "course_lib/SparsePointRobot-v0"
#: The paper's goal radius: reward only this close to the goal.
GOAL_RADIUS = 0.2
_ACTION_TYPES = ("continuous", "discrete")
MAX_ENVS = 1_000_000


def dense_reward(position: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
    """``−‖position − goal‖`` over the last axis (the paper code's ``step()`` reward)."""
    return -torch.linalg.vector_norm(_combined(position, "goal", goal, subtract=True), dim=-1)


def sparse_reward(
    position: torch.Tensor, goal: torch.Tensor, goal_radius: float = GOAL_RADIUS
) -> torch.Tensor:
    """``1 − distance`` inside ``goal_radius`` of the goal, 0 outside (any batch shape)."""
    difference = _combined(position, "goal", goal, subtract=True)
    goal_radius = check_real("goal_radius", goal_radius, 0.0, 2.0, lo_open=True)
    distance = torch.linalg.vector_norm(difference, dim=-1)
    return torch.where(distance <= goal_radius, 1.0 - distance, torch.zeros_like(distance))


def half_circle_goals(num_goals: int, radius: float = 1.0) -> torch.Tensor:
    """``[num_goals, 2]`` goals at evenly spaced angles on [0, π] (the authors' fixed task list,
    unshuffled): ``(radius · cos θ, radius · sin θ)``."""
    n = check_int("num_goals", num_goals, 1, 100_000)
    r = check_real("radius", radius, 0.0, 10.0, lo_open=True)
    angles = torch.linspace(0.0, math.pi, n) if n > 1 else torch.tensor([math.pi / 2])
    return r * torch.stack([angles.cos(), angles.sin()], dim=1)


def random_half_circle_goals(
    num_goals: int, generator: torch.Generator, radius: float = 1.0
) -> torch.Tensor:
    """``[num_goals, 2]`` goals at angles drawn uniformly from [0, π] with ``generator``."""
    n = check_int("num_goals", num_goals, 1, MAX_ENVS)
    radius = check_real("radius", radius, 0.0, 10.0, lo_open=True)
    if not isinstance(generator, torch.Generator):  # None would draw from torch's global RNG
        raise TypeError(f"generator must be a torch.Generator, got {generator!r:.60}")
    angles = math.pi * torch.rand(n, generator=generator)
    return radius * torch.stack([angles.cos(), angles.sin()], dim=1)


def _check_common(
    episodes_per_trial: object, max_steps: object, goal_radius: object
) -> tuple[int, int, float]:
    return (
        check_int("episodes_per_trial", episodes_per_trial, 1, 10_000),
        check_int("max_steps", max_steps, 1, 10_000),
        check_real("goal_radius", goal_radius, 0.0, 2.0, lo_open=True),
    )


def _single_spaces(action_type: str, max_steps: int) -> tuple[spaces.Box, spaces.Space]:
    reach = MAX_STEP * max_steps  # the farthest an episode can go on each axis
    obs = spaces.Box(-reach, reach, shape=(2,), dtype=np.float32)
    if action_type == "discrete":
        return obs, spaces.Discrete(len(DISCRETE_MOVES))
    return obs, spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)


class SparsePointRobot(PointEnv):
    """One point, one hidden goal on the half-circle, reward only near it (module docstring).

    Args:
        action_type: ``"continuous"`` (normalised actions in [−1, 1]²) or ``"discrete"`` (9 moves).
        episodes_per_trial: episodes played with the same goal before a new one is drawn.
        max_steps: moves per episode (20, the authors' ``max_path_length``).
        goal_radius: the reward radius (0.2); must be > 0.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        action_type: str = "continuous",
        episodes_per_trial: int = 1,
        max_steps: int = 20,
        goal_radius: float = GOAL_RADIUS,
    ):
        self.action_type = check_choice("action_type", action_type, _ACTION_TYPES)
        self.episodes_per_trial, self.max_steps, self.goal_radius = _check_common(
            episodes_per_trial, max_steps, goal_radius
        )
        self.observation_space, self.action_space = _single_spaces(self.action_type, self.max_steps)
        # Rewards lie in [0, 1]: TrialWrapper (Chapter 7) reads these bounds for its input box.
        self.reward_bounds = (0.0, 1.0)
        self.goal: np.ndarray | None = None
        self.position = np.zeros(2, dtype=np.float32)
        self.steps = 0
        self.episode = 0

    def _draw_goal(self) -> np.ndarray:
        angle = self.np_random.uniform(0.0, math.pi)
        return np.array([math.cos(angle), math.sin(angle)], dtype=np.float32)

    def step(self, action):
        if self.goal is None:
            raise ResetNeeded(action)
        self.position = move_point(self.position, action, self.action_type, self.action_space)
        distance = float(np.linalg.norm(self.position - self.goal))
        reward = 1.0 - distance if distance <= self.goal_radius else 0.0
        self.steps += 1
        truncated = self.steps >= self.max_steps
        if truncated:
            self.episode += 1
        info = {
            "dense_reward": -distance,
            "trial_end": self.episode >= self.episodes_per_trial,
            "episode": self.episode,
        }
        return self.position.copy(), reward, False, truncated, info


class SparsePointRobotVectorEnv(PointVectorEnv):
    """``num_envs`` :class:`SparsePointRobot` copies stepped at once as torch tensors.

    ``goal`` (also ``task``, ``[num_envs, 2]``) and ``position`` are tensors; ``fix_goals``
    fixes the goals of every new trial (evaluation on chosen goals). A finished episode restarts
    at the origin in the same step (``AutoresetMode.SAME_STEP``); ``last_final_position`` holds
    the position it ended at, ``last_dense_reward`` the dense reward of the last step.
    """

    def __init__(
        self,
        num_envs: int = 1,
        action_type: str = "continuous",
        episodes_per_trial: int = 1,
        max_steps: int = 20,
        goal_radius: float = GOAL_RADIUS,
    ):
        self.num_envs = check_int("num_envs", num_envs, 1, MAX_ENVS)
        self.action_type = check_choice("action_type", action_type, _ACTION_TYPES)
        self.episodes_per_trial, self.max_steps, self.goal_radius = _check_common(
            episodes_per_trial, max_steps, goal_radius
        )
        self._start(*_single_spaces(self.action_type, self.max_steps))  # never terminates early
        self.last_final_position = torch.zeros(self.num_envs, 2)
        self.last_dense_reward = torch.zeros(self.num_envs)

    def _draw_goals(self) -> torch.Tensor:
        if self.fixed_goals is not None:
            return self.fixed_goals.clone()
        return random_half_circle_goals(self.num_envs, self.generator)

    def step_tensor(self, actions: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Move every point. Returns ``(obs, sparse reward, episode_end, trial_end)``; where an
        episode ended (after ``max_steps`` moves), ``obs`` is already the next episode's start."""
        self._move(actions)
        reward = sparse_reward(self.position, self.goal, self.goal_radius)
        self.last_dense_reward = dense_reward(self.position, self.goal)
        self.steps += 1
        episode_end = self.steps >= self.max_steps
        trial_end = self._autoreset(episode_end)
        return self.position.clone(), reward, episode_end, trial_end

    def _step_info(self) -> dict[str, np.ndarray]:
        return {"dense_reward": self.last_dense_reward.numpy()}


def sparse_oracle_return(
    goals: torch.Tensor,
    max_steps: int = 20,
    goal_radius: float = GOAL_RADIUS,
    action_type: str = "continuous",
) -> torch.Tensor:
    """The sparse return of an agent that *knows* the goal and walks straight to it, ``[G]``.

    The ceiling every adaptive method is measured against. Continuous moves head for the goal
    at full speed and stay on it; discrete moves take the move that ends nearest the goal.
    """
    check_choice("action_type", action_type, _ACTION_TYPES)
    check_int("max_steps", max_steps, 1, 10_000)
    radius = check_real("goal_radius", goal_radius, 0.0, 2.0, lo_open=True)
    if not isinstance(goals, torch.Tensor | np.ndarray):
        raise TypeError(f"goals must be a float tensor [G, 2], got {type(goals).__name__}")
    goals = check_goals(torch.as_tensor(goals, dtype=torch.float32))
    _check_oracle_work(goals, max_steps)
    position, total = torch.zeros_like(goals), torch.zeros(len(goals))
    for _ in range(max_steps):
        if action_type == "continuous":
            position = move(position, (goals - position) / MAX_STEP)
        else:
            candidates = position[:, None, :] + DISCRETE_MOVES[None]
            best = dense_reward(candidates, goals[:, None, :]).argmax(1)
            position = candidates[torch.arange(len(goals)), best]
        total += sparse_reward(position, goals, radius)
    return total
