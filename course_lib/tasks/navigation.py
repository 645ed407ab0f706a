"""2-D navigation (Finn et al., 2017, section 5.3): a point walks to a hidden goal.

The agent starts every episode at the origin and observes only its own position
``(x, y)``. The goal (the **task**, 任务) is drawn uniformly from ``goal_low .. goal_high`` on
each axis ([−0.5, 0.5]² in the paper) and is never observed: the agent must infer it from
the rewards. The rules are those of the paper's code (cbfinn/maml_rl,
``rllab/envs/point_env_rand2goal.py`` wrapped in rllab's ``normalize``) and of the widely used
PyTorch reproduction (``maml_rl/envs/navigation.py``):

* **Normalised actions.** A policy action ``a`` lies in [−1, 1] per axis and the point moves by
  ``0.1 · clip(a, −1, 1)``: rllab's ``normalize`` maps [−1, 1] onto the env's ±0.1 box and
  clips. (Clipping a raw Gaussian action to ±0.1 instead, as this module once did, clips 92% of
  the actions of a σ = 1 policy per axis; the paper's scaling clips 32%.)
* **Reward** ``−‖position − goal‖`` after the move.
* **Termination.** The episode ends (``terminated``) as soon as the point is within 0.01 of the
  goal on both axes, ``|x − g_x| < 0.01 and |y − g_y| < 0.01``; otherwise it is cut
  (``truncated``) after ``max_steps`` (100 in the paper). Termination matters: a near-oracle
  policy that reaches the goal and then hovers with action noise σ = 0.01 / 0.03 / 0.1 would
  lose about 1.2 / 3.1 / 3.4 return per 100-step episode if the episode did not end there.

Two action types share these dynamics:

* ``"continuous"`` (the paper's): ``Box(−1, 1, (2,))``; any finite action is accepted and
  clipped by the env. MAML-RL's Gaussian policy acts here.
* ``"discrete"``: 9 moves, every pair of per-axis steps in :data:`DISCRETE_LEVELS`
  (−0.1, 0, 0.1): the eight compass moves at full speed and "stay". RL²'s recurrent agent
  (Chapter 7) has a categorical head, so it plays this version of the same tasks. Its grid
  of 0.1 keeps it up to 0.05 per axis from a goal, so it can rarely get within the 0.01 that
  terminates an episode: a handicap the oracle returns of :func:`oracle_return` measure.

As every family in :mod:`course_lib.tasks`, this one comes twice with the same rules:

* :class:`Navigation2D`, a plain ``gymnasium.Env`` that passes
  ``gymnasium.utils.env_checker.check_env``. ``reset()`` keeps the goal for
  ``episodes_per_trial`` episodes, then draws a new one (``reset(seed=...)`` or
  ``options={"new_task": True}`` always draws; ``options={"goal": (x, y)}`` sets it).
* :class:`Navigation2DVectorEnv`, ``num_envs`` copies stepped at once as torch tensors
  (``step_tensor``; ``step`` speaks numpy). A finished episode restarts at the origin in
  the same step (``AutoresetMode.SAME_STEP``); after a trial's last episode the env draws
  a new goal. It is a :class:`~course_lib.tasks.base.TrialVectorEnv`, the interface
  :func:`course_lib.rl2.train_rl2` drives.

Registered id: ``course_lib/Navigation2D-v0`` (``gymnasium.make_vec(...,
vectorization_mode="vector_entry_point")`` gives the batched version).
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from gymnasium.vector.utils import batch_space

from course_lib.tasks.base import MAX_EPISODES, ResetNeeded, TrialVectorEnv, new_trial_due
from course_lib.training import make_generator
from course_lib.validation import (
    check_choice,
    check_finite,
    check_instance,
    check_int,
    check_real,
    check_seed,
    check_tensor,
)

__all__ = [
    "NAVIGATION_ID",
    "MAX_STEP",
    "GOAL_TOLERANCE",
    "DISCRETE_LEVELS",
    "DISCRETE_MOVES",
    "PointEnv",
    "Navigation2D",
    "PointVectorEnv",
    "Navigation2DVectorEnv",
    "navigation_reward",
    "move",
    "check_batched_actions",
    "move_point",
    "check_goals",
    "numpy_actions",
    "reached_goal",
    "oracle_return",
]

NAVIGATION_ID = "course_lib/Navigation2D-v0"
#: Largest move per axis and step: a normalised action of ±1 moves the point by ±0.1.
MAX_STEP = 0.1
#: The episode terminates once the point is within this distance of the goal on both axes.
GOAL_TOLERANCE = 0.01
#: Per-axis steps of the discrete version; its 9 actions are all pairs.
DISCRETE_LEVELS = (-0.1, 0.0, 0.1)
#: ``[9, 2]``: the move of each discrete action (action ``i`` = levels ``(i // 3, i % 3)``).
DISCRETE_MOVES = torch.tensor([[a, b] for a in DISCRETE_LEVELS for b in DISCRETE_LEVELS])
_ACTION_TYPES = ("continuous", "discrete")


def _check_points(**points: object) -> None:
    """Each keyword a float tensor of points on the plane, ``[..., 2]``."""
    for name, value in points.items():
        check_tensor(name, value, floating=True)
        if value.dim() < 1 or value.shape[-1] != 2:
            raise ValueError(
                f"{name} must have shape [..., 2] (points on the plane), got {list(value.shape)}"
            )


def _combined(position: object, name: str, other: object, *, subtract: bool) -> torch.Tensor:
    """``position − other`` (or ``+``) of two checked batches of points, refused when they do
    not broadcast or when any entry is NaN or ±inf (a NaN position would make every reward and
    distance NaN, silently). One sum checks both inputs at once: a non-finite entry of either
    makes it non-finite; only then is each input inspected to name the culprit. The check is
    skipped inside ``torch.func`` transforms, where a data-dependent branch cannot run."""
    _check_points(position=position, **{name: other})
    try:
        combined = position - other if subtract else position + other
    except RuntimeError as err:
        raise ValueError(
            f"position, {name} must broadcast together, got position {list(position.shape)}, "
            f"{name} {list(other.shape)}"
        ) from err
    if torch._C._functorch.is_functorch_wrapped_tensor(combined):
        return combined
    if not math.isfinite(float(combined.detach().sum())):
        check_finite("position", position)
        check_finite(name, other)
        raise ValueError(
            f"position and {name} must be of a size whose sum is finite, got values up to "
            f"{max(float(position.abs().max()), float(other.abs().max())):.3g}"
        )
    return combined


def move(position: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    """The dynamics of a normalised action: ``position + 0.1 · clip(action, −1, 1)`` (any batch shape)."""
    _combined(position, "action", action, subtract=False)  # the clip would hide an inf action
    return position + MAX_STEP * action.clamp(-1.0, 1.0)


def navigation_reward(position: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
    """``−‖position − goal‖`` over the last axis."""
    return -torch.linalg.vector_norm(_combined(position, "goal", goal, subtract=True), dim=-1)


def reached_goal(position: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
    """The paper's termination test: within :data:`GOAL_TOLERANCE` of the goal on both axes."""
    difference = _combined(position, "goal", goal, subtract=True)
    return (difference.abs() < GOAL_TOLERANCE).all(-1)


def _check_common(
    episodes_per_trial: object, max_steps: object, goal_low: object, goal_high: object
) -> tuple[int, int, float, float]:
    e = check_int(
        "episodes_per_trial", episodes_per_trial, 1, MAX_EPISODES
    )  # as the other families
    m = check_int("max_steps", max_steps, minimum=1)
    if m > 10_000:
        raise ValueError(f"max_steps must be an integer in [1, 10000], got {m}")
    lo = check_real("goal_low", goal_low, -10.0, 10.0)
    hi = check_real("goal_high", goal_high, -10.0, 10.0)
    if not lo < hi:
        raise ValueError(f"goal_low must be < goal_high, got {lo} and {hi}")
    return e, m, lo, hi


def check_batched_actions(actions: object, num_envs: int, action_type: str) -> torch.Tensor:
    """``actions`` if it is one action per env: ``[num_envs]`` move indices in
    [0, len(DISCRETE_MOVES)) (discrete) or ``[num_envs, 2]`` finite numbers (continuous).

    Without it ``[1, 2]`` for 3 envs broadcasts, and move −1 silently indexes the last move.
    Cheap enough for every step of a training loop: one shape compare and one reduction.
    """
    if not isinstance(actions, torch.Tensor):
        raise TypeError(f"actions must be a torch.Tensor, got {type(actions).__name__}")
    num_envs = check_int("num_envs", num_envs, 1)
    discrete = _check_action_type(action_type) == "discrete"
    shape = (num_envs,) if discrete else (num_envs, 2)
    if actions.shape != shape:
        what = "move indices" if discrete else "2-d actions"
        raise ValueError(
            f"actions must have shape {list(shape)} ({what}, one per env), got {list(actions.shape)}"
        )
    if actions.dtype == torch.bool or actions.is_complex():  # a mask or a complex typo
        raise TypeError(f"actions must be real numbers, got dtype {actions.dtype}")
    if not discrete and not actions.is_floating_point():  # an int move here is a discrete typo
        raise TypeError(
            f"actions must be a floating-point tensor (continuous moves), got dtype {actions.dtype}"
        )
    if discrete:
        low, high = torch.aminmax(actions)
        if actions.is_floating_point() or low < 0 or high >= len(DISCRETE_MOVES):
            raise ValueError(
                f"actions must be integer move indices in [0, {len(DISCRETE_MOVES) - 1}], got "
                f"values from {low.item()} to {high.item()} ({actions.dtype})"
            )
    elif not bool(torch.isfinite(actions).all()):
        raise ValueError("actions must be finite numbers, got NaN or inf")
    return actions


def numpy_actions(actions: object, num_envs: int, action_type: str) -> torch.Tensor:
    """gymnasium's numpy ``actions`` for ``num_envs`` point agents as a checked tensor: move
    indices (discrete) or finite 2-d actions (continuous)."""
    num_envs = check_int("num_envs", num_envs, 1)
    if _check_action_type(action_type) == "discrete":
        given = np.asarray(actions)
        if not np.issubdtype(given.dtype, np.integer):  # a float 1.7 would become move 1
            raise TypeError(f"actions must be integer move indices, got dtype {given.dtype}")
        actions = torch.as_tensor(given, dtype=torch.long)
        bad = actions.shape != (num_envs,) or bool(
            ((actions < 0) | (actions >= len(DISCRETE_MOVES))).any()
        )
        expected = f"{num_envs} move indices in [0, {len(DISCRETE_MOVES) - 1}]"
    else:
        actions = torch.as_tensor(np.asarray(actions, dtype=np.float32))
        bad = actions.shape != (num_envs, 2) or not bool(torch.isfinite(actions).all())
        expected = f"a finite array of shape ({num_envs}, 2)"
    if bad:
        raise ValueError(f"actions must be {expected}, got {actions.tolist()}")
    return actions


def _check_action_type(action_type: object) -> str:
    return check_choice("action_type", action_type, _ACTION_TYPES)


def _single_spaces(action_type: str, max_steps: int) -> tuple[spaces.Box, spaces.Space]:
    # An episode of max_steps moves of at most 0.1 per axis stays inside this box.
    reach = MAX_STEP * max_steps
    obs = spaces.Box(-reach, reach, shape=(2,), dtype=np.float32)
    if action_type == "discrete":
        return obs, spaces.Discrete(len(DISCRETE_MOVES))
    return obs, spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)


def move_point(
    position: np.ndarray, action: object, action_type: str, action_space: spaces.Space
) -> np.ndarray:
    """One point's position after one ``action`` (a single env's step): a move index of
    :data:`DISCRETE_MOVES`, or any finite 2-vector, normalised (the point moves by
    ``0.1 · clip(a, −1, 1)``)."""
    check_instance("position", position, np.ndarray, "a numpy array (x, y)")
    if position.shape != (2,) or not np.isfinite(position).all():
        raise ValueError(f"position must be a finite array of shape (2,), got {position!r}")
    check_instance("action_space", action_space, spaces.Space, "a gymnasium space")
    if _check_action_type(action_type) == "discrete":
        if not action_space.contains(action):
            raise ValueError(f"action must be a move index in [0, 8], got {action!r}")
        delta = DISCRETE_MOVES[int(action)].numpy()
    else:
        try:
            a = np.asarray(action, dtype=np.float32)
        except (TypeError, ValueError) as err:  # a string, None, a ragged list
            raise TypeError(
                f"action must be a finite array of shape (2,), got {action!r:.60}"
            ) from err
        if a.shape != (2,) or not np.isfinite(a).all():
            raise ValueError(f"action must be a finite array of shape (2,), got {action!r}")
        delta = MAX_STEP * np.clip(a, -1.0, 1.0)
    return (position + delta).astype(np.float32)


class PointEnv(gym.Env):
    """One point walking from the origin to a hidden goal: the reset that 2-D navigation and the
    sparse point robot share (a goal given in ``options``, or a new one when a trial is due). A
    family says how a goal is drawn (``_draw_goal``) and what a step pays (``step``)."""

    goal: np.ndarray | None
    episode: int

    def _draw_goal(self) -> np.ndarray:
        raise NotImplementedError

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:  # ours first: gymnasium's own error does not say what was given
            check_seed(seed)
        if options is not None and not isinstance(options, dict):
            raise TypeError(
                f"options must be a dict (gymnasium's reset options) or None, got {options!r:.60}"
            )
        super().reset(seed=seed)
        options = options or {}
        if "goal" in options:
            goal = np.asarray(options["goal"], dtype=np.float32).reshape(-1)
            if goal.shape != (2,) or not np.isfinite(goal).all():
                raise ValueError(
                    f"options['goal'] must be a finite (x, y), got {options['goal']!r}"
                )
            self.goal, self.episode = goal, 0
        elif new_trial_due(self, seed, options, self.goal):
            self.goal, self.episode = self._draw_goal(), 0
        self.position = np.zeros(2, dtype=np.float32)
        self.steps = 0
        return self.position.copy(), {"goal": self.goal.copy(), "episode": self.episode}


class Navigation2D(PointEnv):
    """One point agent and one hidden goal (see the module docstring for the rules).

    Args:
        action_type: ``"continuous"`` (the paper's) or ``"discrete"`` (9 moves).
        episodes_per_trial: episodes played with the same goal before a new one is drawn.
        max_steps: episode length (100 in the paper).
        goal_low, goal_high: the goal's range on each axis ([−0.5, 0.5] in the paper).
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        action_type: str = "continuous",
        episodes_per_trial: int = 1,
        max_steps: int = 100,
        goal_low: float = -0.5,
        goal_high: float = 0.5,
    ):
        self.action_type = _check_action_type(action_type)
        self.episodes_per_trial, self.max_steps, self.goal_low, self.goal_high = _check_common(
            episodes_per_trial, max_steps, goal_low, goal_high
        )
        self.observation_space, self.action_space = _single_spaces(self.action_type, self.max_steps)
        self.goal: np.ndarray | None = None
        self.position = np.zeros(2, dtype=np.float32)
        self.steps = 0
        self.episode = 0

    def _draw_goal(self) -> np.ndarray:
        return self.np_random.uniform(self.goal_low, self.goal_high, 2).astype(np.float32)

    def step(self, action):
        if self.goal is None:
            raise ResetNeeded(action)
        self.position = move_point(self.position, action, self.action_type, self.action_space)
        reward = -float(np.linalg.norm(self.position - self.goal))
        self.steps += 1
        terminated = bool(np.all(np.abs(self.position - self.goal) < GOAL_TOLERANCE))
        truncated = not terminated and self.steps >= self.max_steps
        if terminated or truncated:
            self.episode += 1
        info = {"trial_end": self.episode >= self.episodes_per_trial, "episode": self.episode}
        return self.position.copy(), reward, terminated, truncated, info


class PointVectorEnv(TrialVectorEnv):
    """``num_envs`` points on the plane, each walking to a hidden goal from the origin: the
    rules 2-D navigation and the sparse point robot share (moves, fixed goals, SAME_STEP
    autoreset, a new goal when a trial ends). A family says how goals are drawn
    (``_draw_goals``) and what a step pays (``step_tensor``); ``goal`` (also ``task``,
    ``[num_envs, 2]``) and ``position`` are tensors.
    """

    def _start(self, observation_space: spaces.Box, action_space: spaces.Space) -> None:
        """The spaces and the first trial's state, once a family has checked its arguments
        (``num_envs`` and whatever its ``_draw_goals`` reads)."""
        self.single_observation_space, self.single_action_space = observation_space, action_space
        self.observation_space = batch_space(observation_space, self.num_envs)
        self.action_space = batch_space(action_space, self.num_envs)
        self.generator = make_generator(0)
        self.fixed_goals: torch.Tensor | None = None
        self.goal = self._draw_goals()
        self.position = torch.zeros(self.num_envs, 2)
        self.steps = torch.zeros(self.num_envs, dtype=torch.long)
        self.episode = torch.zeros(self.num_envs, dtype=torch.long)
        self.last_terminated = torch.zeros(self.num_envs, dtype=torch.bool)

    def _draw_goals(self) -> torch.Tensor:
        raise NotImplementedError

    @property
    def task(self) -> torch.Tensor:
        """The current goals, ``[num_envs, 2]``."""
        return self.goal

    def fix_goals(self, goals: torch.Tensor | None) -> None:
        """Every new trial uses these goals ``[num_envs, 2]`` instead of random ones (``None``
        goes back to random goals): how a trained agent is evaluated on chosen goals, e.g.
        outside the training square. The current trials restart with the new goals."""
        if goals is None:
            self.fixed_goals = None
            return
        goals = torch.as_tensor(goals, dtype=torch.float32)
        if goals.shape != (self.num_envs, 2) or not bool(torch.isfinite(goals).all()):
            raise ValueError(
                f"goals must be finite with shape ({self.num_envs}, 2), got {tuple(goals.shape)}"
            )
        self.fixed_goals = goals.clone()
        self._restart(self.fixed_goals)

    def _restart(self, goals: torch.Tensor) -> None:
        self.goal = goals.clone()
        self.position.zero_()
        self.steps.zero_()
        self.episode.zero_()

    def reset_tensor(self, seed: int | None = None) -> torch.Tensor:
        """Start a new trial (new goals) in every env; returns the ``[num_envs, 2]`` positions."""
        if seed is not None:
            self.generator = make_generator(check_seed(seed))
        self._restart(self._draw_goals())
        return self.position.clone()

    def _move(self, actions: torch.Tensor) -> None:
        check_batched_actions(actions, self.num_envs, self.action_type)
        if self.action_type == "discrete":
            self.position = self.position + DISCRETE_MOVES[actions.long()]
        else:
            self.position = move(self.position, actions)

    def _autoreset(self, episode_end: torch.Tensor) -> torch.Tensor:
        """Where an episode ended: back to the origin (its last position kept in
        ``last_final_position``); where that ended the trial: a new goal. Returns ``trial_end``."""
        self.last_final_position = self.position.clone()
        self.position = torch.where(episode_end[:, None], 0.0, self.position)
        self.steps = torch.where(episode_end, 0, self.steps)
        self.episode += episode_end.long()
        trial_end = self.episode >= self.episodes_per_trial
        if bool(trial_end.any()):
            self.goal = torch.where(trial_end[:, None], self._draw_goals(), self.goal)
            self.episode = torch.where(trial_end, 0, self.episode)
        return trial_end

    def _task_info(self) -> dict[str, np.ndarray]:
        return {"goal": self.goal.numpy().copy()}

    def _terminated(self, episode_end: torch.Tensor) -> torch.Tensor:
        return self.last_terminated

    def _final_obs(self, obs: torch.Tensor) -> torch.Tensor:
        return self.last_final_position

    def _as_actions(self, actions: object) -> torch.Tensor:
        return numpy_actions(actions, self.num_envs, self.action_type)


class Navigation2DVectorEnv(PointVectorEnv):
    """``num_envs`` :class:`Navigation2D` copies stepped at once as torch tensors.

    ``goal`` (``[num_envs, 2]``, also ``task``) and ``position`` are tensors. ``fix_goals``
    fixes the goals for evaluation (e.g. outside the training square).
    """

    def __init__(
        self,
        num_envs: int = 1,
        action_type: str = "continuous",
        episodes_per_trial: int = 1,
        max_steps: int = 100,
        goal_low: float = -0.5,
        goal_high: float = 0.5,
    ):
        self.num_envs = check_int("num_envs", num_envs, minimum=1, maximum=1_000_000)
        self.action_type = _check_action_type(action_type)
        self.episodes_per_trial, self.max_steps, self.goal_low, self.goal_high = _check_common(
            episodes_per_trial, max_steps, goal_low, goal_high
        )
        self._start(*_single_spaces(self.action_type, self.max_steps))

    def _draw_goals(self) -> torch.Tensor:
        if self.fixed_goals is not None:
            return self.fixed_goals.clone()
        u = torch.rand(self.num_envs, 2, generator=self.generator)
        return self.goal_low + (self.goal_high - self.goal_low) * u

    def step_tensor(self, actions: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Move every agent. Returns ``(obs, reward, episode_end, trial_end)``; where an episode
        ended (at the goal, or after ``max_steps``), ``obs`` is already the next episode's first
        observation (the origin)."""
        self._move(actions)
        reward = navigation_reward(self.position, self.goal)
        self.steps += 1
        self.last_terminated = reached_goal(self.position, self.goal)
        episode_end = self.last_terminated | (self.steps >= self.max_steps)
        trial_end = self._autoreset(episode_end)
        return self.position.clone(), reward, episode_end, trial_end


#: Goal-steps of one oracle computation (goals × max_steps): the course's evaluations take
#: thousands of goals × 100 steps; 10**8 is tens of seconds.
MAX_ORACLE_WORK = 10**8


def _check_oracle_work(goals: torch.Tensor, max_steps: int) -> None:
    if len(goals) * max_steps > MAX_ORACLE_WORK:
        raise ValueError(
            f"len(goals) × max_steps must be at most {MAX_ORACLE_WORK:_} goal-steps, got "
            f"{len(goals):_} × {max_steps:_} = {len(goals) * max_steps:_}"
        )


def check_goals(goals: object) -> torch.Tensor:
    """``goals`` if it is a finite float tensor ``[G, 2]`` of navigation goals (G >= 1)."""
    if not isinstance(goals, torch.Tensor):
        raise TypeError(f"goals must be a float tensor [G, 2], got {type(goals).__name__}")
    if goals.dim() != 2 or goals.shape[1] != 2 or goals.shape[0] < 1:
        raise ValueError(f"goals must have shape [G, 2] with G >= 1, got {tuple(goals.shape)}")
    check_finite("goals", goals)
    return goals.float()


def oracle_return(
    goals: torch.Tensor, max_steps: int, action_type: str = "continuous"
) -> torch.Tensor:
    """The return of an agent that *knows* the goal and walks straight to it: ``[G]``.

    The ceiling every adaptive method is measured against. Continuous moves head straight for
    the goal and end the episode there; discrete moves take the move that ends nearest the
    goal, and end the episode only where the 0.1 grid happens to land within 0.01 of it.
    """
    _check_action_type(action_type)
    check_int("max_steps", max_steps, 1, 10_000)
    if not isinstance(goals, torch.Tensor | np.ndarray):  # a list [x, y] is one goal, not [G, 2]
        raise TypeError(f"goals must be a float tensor [G, 2], got {type(goals).__name__}")
    goals = check_goals(torch.as_tensor(goals, dtype=torch.float32))
    _check_oracle_work(goals, max_steps)
    position, total = torch.zeros_like(goals), torch.zeros(len(goals))
    alive = torch.ones(len(goals), dtype=torch.bool)
    for _ in range(max_steps):
        if action_type == "continuous":
            position = move(position, (goals - position) / MAX_STEP)
        else:
            candidates = position[:, None, :] + DISCRETE_MOVES[None]
            best = navigation_reward(candidates, goals[:, None, :]).argmax(1)
            position = candidates[torch.arange(len(goals)), best]
        total += torch.where(alive, navigation_reward(position, goals), 0.0)
        alive = alive & ~reached_goal(position, goals)
        if not bool(alive.any()):
            break
    return total
