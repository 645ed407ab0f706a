"""The two task families of Chapter 7: Bernoulli bandits and a maze with a hidden goal.

RL² vocabulary (the notes' terms): a **task** (任务) is one bandit (its arm probabilities) or
one maze goal; an **episode** ends when the environment says so (one pull of an arm, or
reaching the goal / hitting the step limit); a **trial** is ``episodes_per_trial`` episodes
of the *same* task, back to back. The task is redrawn only when a new trial starts.

Each family comes twice, with the same rules:

* a plain ``gymnasium.Env`` (``BernoulliBandit``, ``RandomGoalMaze``) that passes
  ``gymnasium.utils.env_checker.check_env``: ``reset()`` keeps the task until
  ``episodes_per_trial`` episodes have been played, then draws a new one
  (``reset(seed=...)`` or ``reset(options={"new_task": True})`` always draws one);
* a natively batched ``gymnasium.vector.VectorEnv`` (``BernoulliBanditVectorEnv``,
  ``RandomGoalMazeVectorEnv``) that steps ``num_envs`` copies at once as torch tensors. It
  resets a finished episode in the same step (``AutoresetMode.SAME_STEP``) and starts a new
  trial (new task) after the trial's last episode. ``step`` speaks numpy, as gymnasium
  expects; the trainer calls ``step_tensor`` and never leaves torch.

Registered ids: ``course_lib/BernoulliBandit-v0`` and ``course_lib/RandomGoalMaze-v0``;
``gymnasium.make_vec(id, num_envs=N, vectorization_mode="vector_entry_point")`` returns
the batched versions.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from course_lib.validation import check_int, check_real

__all__ = [
    "BernoulliBandit",
    "BernoulliBanditVectorEnv",
    "RandomGoalMaze",
    "RandomGoalMazeVectorEnv",
    "MAZE_LAYOUTS",
    "parse_layout",
    "BANDIT_ID",
    "MAZE_ID",
]

BANDIT_ID = "course_lib/BernoulliBandit-v0"
MAZE_ID = "course_lib/RandomGoalMaze-v0"


def _torch_generator(seed: int | None) -> torch.Generator:
    g = torch.Generator()
    if seed is None:
        g.seed()
    else:
        g.manual_seed(int(seed))
    return g


# ----------------------------------------------------------------------------- bandits


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
        self.k = check_int("k", k, minimum=2)
        self.episodes_per_trial = check_int("episodes_per_trial", episodes_per_trial, minimum=1)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float32)
        self.action_space = spaces.Discrete(self.k)
        self.reward_bounds = (0.0, 1.0)
        self.arm_probs: np.ndarray | None = None
        self.episode = 0  # episodes finished in the current trial

    def _obs(self) -> np.ndarray:
        return np.zeros(1, dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        new_task = bool((options or {}).get("new_task", False))
        if (
            seed is not None
            or new_task
            or self.arm_probs is None
            or self.episode >= self.episodes_per_trial
        ):
            self.arm_probs = self.np_random.uniform(0.0, 1.0, size=self.k)
            self.episode = 0
        return self._obs(), {"arm_probs": self.arm_probs.copy(), "episode": self.episode}

    def step(self, action):
        if self.arm_probs is None:
            raise RuntimeError("call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action must be an arm index in [0, {self.k - 1}], got {action!r}")
        reward = float(self.np_random.random() < self.arm_probs[int(action)])
        self.episode += 1
        info = {"trial_end": self.episode >= self.episodes_per_trial, "episode": self.episode}
        return self._obs(), reward, True, False, info


class BernoulliBanditVectorEnv(VectorEnv):
    """``num_envs`` Bernoulli bandits stepped at once as torch tensors.

    Same rules as :class:`BernoulliBandit`. Every step ends an episode; after
    ``episodes_per_trial`` steps an env's trial ends (``info["trial_end"]``) and it draws a
    new p in that same step. ``arm_probs`` is the ``[num_envs, k]`` tensor of current tasks.
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}

    def __init__(self, num_envs: int = 1, k: int = 5, episodes_per_trial: int = 10):
        self.num_envs = check_int("num_envs", num_envs, minimum=1)
        self.k = check_int("k", k, minimum=2)
        self.episodes_per_trial = check_int("episodes_per_trial", episodes_per_trial, minimum=1)
        self.single_observation_space = spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float32)
        self.single_action_space = spaces.Discrete(self.k)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.generator = _torch_generator(None)
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
            self.generator = _torch_generator(seed)
        self.arm_probs = torch.rand(self.num_envs, self.k, generator=self.generator)
        self.episode.zero_()
        return self._obs.clone()

    def step_tensor(self, actions: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Pull one arm in every env. Returns ``(obs, reward, episode_end, trial_end)``."""
        p = self.arm_probs.gather(1, actions.long().view(-1, 1)).squeeze(1)
        reward = (torch.rand(self.num_envs, generator=self.generator) < p).float()
        self.episode += 1
        trial_end = self.episode >= self.episodes_per_trial
        if bool(trial_end.any()):
            fresh = torch.rand(self.num_envs, self.k, generator=self.generator)
            self.arm_probs = torch.where(trial_end[:, None], fresh, self.arm_probs)
            self.episode[trial_end] = 0
        episode_end = torch.ones(self.num_envs, dtype=torch.bool)
        return self._obs.clone(), reward, episode_end, trial_end

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs = self.reset_tensor(seed)
        return obs.numpy(), {"arm_probs": self.arm_probs.numpy().copy()}

    def step(self, actions):
        actions = torch.as_tensor(np.asarray(actions), dtype=torch.long)
        if actions.shape != (self.num_envs,) or bool(((actions < 0) | (actions >= self.k)).any()):
            raise ValueError(
                f"actions must be {self.num_envs} arm indices in [0, {self.k - 1}], got {actions.tolist()}"
            )
        obs, reward, episode_end, trial_end = self.step_tensor(actions)
        o = obs.numpy()
        info = {
            "trial_end": trial_end.numpy(),
            "final_obs": o.copy(),
            "_final_obs": episode_end.numpy(),
        }
        return o, reward.numpy(), episode_end.numpy(), np.zeros(self.num_envs, dtype=bool), info


# ----------------------------------------------------------------------------- mazes

#: Fixed wall layouts: ``#`` wall, ``.`` free, ``S`` the start cell (free). The goal is
#: drawn uniformly from the free cells other than the start, once per trial.
MAZE_LAYOUTS: dict[str, str] = {
    # A 4x4 room: the quick setting (15 possible goals; exploring all takes 15 steps).
    "room4": """
######
#S...#
#....#
#....#
#....#
######""",
    # A 5x5 room (testing-notes: optimum about 12.5 / 4.17 / 4.17 steps).
    "room5": """
#######
#S....#
#.....#
#.....#
#.....#
#.....#
#######""",
    # A 7x7 maze with fixed inner walls (the paper-size setting).
    "maze7": """
#########
#S..#...#
#.#.#.#.#
#.#...#.#
#.###.#.#
#.....#.#
#.#.###.#
#...#...#
#########""",
}


def parse_layout(layout: str) -> tuple[np.ndarray, tuple[int, int]]:
    """A layout name (``MAZE_LAYOUTS``) or string → ``(free [H, W] bool array, start (row, col))``."""
    text = MAZE_LAYOUTS.get(layout, layout) if isinstance(layout, str) else None
    if text is None:
        raise TypeError(
            f"layout must be a name in {sorted(MAZE_LAYOUTS)} or a layout string, got {layout!r}"
        )
    rows = [r for r in text.strip("\n").splitlines() if r.strip()]
    if len(rows) < 3 or len({len(r) for r in rows}) != 1 or set("".join(rows)) - set("#.S"):
        raise ValueError(
            f"layout must be a name in {sorted(MAZE_LAYOUTS)} or a rectangle of '#', '.', 'S'"
        )
    grid = np.array([list(r) for r in rows])
    starts = np.argwhere(grid == "S")
    if len(starts) != 1:
        raise ValueError("layout must contain exactly one start cell 'S'")
    free = grid != "#"
    if free[0].any() or free[-1].any() or free[:, 0].any() or free[:, -1].any():
        raise ValueError("layout must be enclosed by walls '#'")
    if free.sum() < 2:
        raise ValueError("layout needs at least one free cell besides the start")
    return free, (int(starts[0][0]), int(starts[0][1]))


# Actions: 0 up, 1 right, 2 down, 3 left.
_MOVES = np.array([[-1, 0], [0, 1], [1, 0], [0, -1]])


class RandomGoalMaze(gym.Env):
    """A grid maze whose goal cell is hidden and drawn anew at each trial.

    The agent starts every episode at the same start cell and moves up/right/down/left
    (into a wall: it stays put). It observes only its own position (one-hot over the
    grid's cells), plus the four neighbouring walls if ``observe_walls``. Reaching the goal
    pays ``goal_reward`` and ends the episode; every other step costs ``step_cost``; an
    episode is cut (truncated) after ``max_steps``. Within a trial the goal stays put, so
    an agent that remembers where it found the goal walks straight back in later episodes.

    Args:
        layout: a name in ``MAZE_LAYOUTS`` ("room4", "room5", "maze7") or a layout string.
        episodes_per_trial: episodes with the same goal (>= 1).
        max_steps: step limit per episode (>= 1).
        step_cost: reward of a step that does not reach the goal is ``-step_cost`` (>= 0).
        goal_reward: reward for reaching the goal (> 0).
        observe_walls: append four 0/1 wall flags (up, right, down, left) to the observation.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        layout: str = "room4",
        episodes_per_trial: int = 3,
        max_steps: int = 30,
        step_cost: float = 0.01,
        goal_reward: float = 1.0,
        observe_walls: bool = False,
    ):
        self.free, self.start = parse_layout(layout)
        self.height, self.width = self.free.shape
        self.episodes_per_trial = check_int("episodes_per_trial", episodes_per_trial, minimum=1)
        self.max_steps = check_int("max_steps", max_steps, minimum=1)
        self.step_cost = check_real("step_cost", step_cost, 0.0, 1.0)
        self.goal_reward = check_real("goal_reward", goal_reward, 1e-6, 1e6)
        self.observe_walls = bool(observe_walls)
        self.reward_bounds = (-self.step_cost, self.goal_reward)
        self.cells = [tuple(c) for c in np.argwhere(self.free)]
        self.goal_cells = [c for c in self.cells if c != self.start]
        size = self.height * self.width + (4 if self.observe_walls else 0)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(size,), dtype=np.float32)
        self.action_space = spaces.Discrete(4)
        self.goal: tuple[int, int] | None = None
        self.position = self.start
        self.steps = 0
        self.episode = 0

    def _obs(self) -> np.ndarray:
        obs = np.zeros(self.observation_space.shape, dtype=np.float32)
        r, c = self.position
        obs[r * self.width + c] = 1.0
        if self.observe_walls:
            for i, (dr, dc) in enumerate(_MOVES):
                obs[self.height * self.width + i] = float(not self.free[r + dr, c + dc])
        return obs

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        new_task = bool((options or {}).get("new_task", False))
        if (
            seed is not None
            or new_task
            or self.goal is None
            or self.episode >= self.episodes_per_trial
        ):
            self.goal = self.goal_cells[int(self.np_random.integers(len(self.goal_cells)))]
            self.episode = 0
        self.position, self.steps = self.start, 0
        return self._obs(), {"goal": self.goal, "episode": self.episode}

    def step(self, action):
        if self.goal is None:
            raise RuntimeError("call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action must be in [0, 3] (up, right, down, left), got {action!r}")
        r, c = self.position
        dr, dc = _MOVES[int(action)]
        if self.free[r + dr, c + dc]:
            self.position = (int(r + dr), int(c + dc))
        self.steps += 1
        terminated = self.position == self.goal
        truncated = (not terminated) and self.steps >= self.max_steps
        reward = self.goal_reward if terminated else -self.step_cost
        if terminated or truncated:
            self.episode += 1
        info = {"trial_end": self.episode >= self.episodes_per_trial, "episode": self.episode}
        return self._obs(), reward, terminated, truncated, info


class RandomGoalMazeVectorEnv(VectorEnv):
    """``num_envs`` :class:`RandomGoalMaze` copies stepped at once as torch tensors.

    A finished episode restarts at the start cell in the same step; after the trial's last
    episode the env draws a new goal. ``goal`` is the ``[num_envs]`` tensor of goal cell
    indices (row * width + col) and ``position`` the agents' current cell indices.
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}

    def __init__(
        self,
        num_envs: int = 1,
        layout: str = "room4",
        episodes_per_trial: int = 3,
        max_steps: int = 30,
        step_cost: float = 0.01,
        goal_reward: float = 1.0,
        observe_walls: bool = False,
    ):
        single = RandomGoalMaze(
            layout, episodes_per_trial, max_steps, step_cost, goal_reward, observe_walls
        )
        self.num_envs = check_int("num_envs", num_envs, minimum=1)
        self.layout = layout
        self.height, self.width = single.height, single.width
        self.episodes_per_trial, self.max_steps = single.episodes_per_trial, single.max_steps
        self.step_cost, self.goal_reward, self.observe_walls = (
            single.step_cost,
            single.goal_reward,
            single.observe_walls,
        )
        self.single_observation_space = single.observation_space
        self.single_action_space = single.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        cells = self.height * self.width
        self.free_cells = torch.as_tensor(single.free.reshape(-1))
        self.start_cell = single.start[0] * self.width + single.start[1]
        self.goal_choices = torch.tensor([r * self.width + c for r, c in single.goal_cells])
        # next_cell[cell, action]: where a move leads (walls block); precomputed once.
        nxt = np.arange(cells)[:, None].repeat(4, 1)
        for cell in range(cells):
            r, c = divmod(cell, self.width)
            if single.free[r, c]:
                for a, (dr, dc) in enumerate(_MOVES):
                    if single.free[r + dr, c + dc]:
                        nxt[cell, a] = (r + dr) * self.width + c + dc
        self.next_cell = torch.as_tensor(nxt)
        # Observation of every cell (one-hot + wall flags), looked up by index.
        table = torch.eye(cells)
        if self.observe_walls:
            walls = (self.next_cell == torch.arange(cells)[:, None]).float()
            table = torch.cat([table, walls], dim=1)
        self.obs_table = table
        self.generator = _torch_generator(None)
        self.goal = self._draw_goals(self.num_envs)
        self.position = torch.full((self.num_envs,), self.start_cell, dtype=torch.long)
        self.steps = torch.zeros(self.num_envs, dtype=torch.long)
        self.episode = torch.zeros(self.num_envs, dtype=torch.long)

    def _draw_goals(self, n: int) -> torch.Tensor:
        return self.goal_choices[
            torch.randint(len(self.goal_choices), (n,), generator=self.generator)
        ]

    @property
    def task(self) -> torch.Tensor:
        """The current tasks: ``[num_envs]`` goal cell indices."""
        return self.goal

    def reset_tensor(self, seed: int | None = None) -> torch.Tensor:
        """Start a new trial (new goal) in every env; returns the observations."""
        if seed is not None:
            self.generator = _torch_generator(seed)
        self.goal = self._draw_goals(self.num_envs)
        self.position.fill_(self.start_cell)
        self.steps.zero_()
        self.episode.zero_()
        return self.obs_table[self.position]

    def step_tensor(self, actions: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Move every agent. Returns ``(obs, reward, episode_end, trial_end)``; ``obs`` is
        already the next episode's first observation where an episode ended."""
        self.position = self.next_cell[self.position, actions.long()]
        self.steps += 1
        at_goal = self.position == self.goal
        reward = torch.where(at_goal, self.goal_reward, -self.step_cost)
        episode_end = at_goal | (self.steps >= self.max_steps)
        self.last_terminated = at_goal
        self.last_final_position = self.position.clone()
        self.position = torch.where(episode_end, self.start_cell, self.position)
        self.steps = torch.where(episode_end, 0, self.steps)
        self.episode += episode_end.long()
        trial_end = self.episode >= self.episodes_per_trial
        if bool(trial_end.any()):
            self.goal = torch.where(trial_end, self._draw_goals(self.num_envs), self.goal)
            self.episode = torch.where(trial_end, 0, self.episode)
        return self.obs_table[self.position], reward, episode_end, trial_end

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs = self.reset_tensor(seed)
        return obs.numpy(), {"goal": self.goal.numpy().copy()}

    def step(self, actions):
        actions = torch.as_tensor(np.asarray(actions), dtype=torch.long)
        if actions.shape != (self.num_envs,) or bool(((actions < 0) | (actions >= 4)).any()):
            raise ValueError(
                f"actions must be {self.num_envs} moves in [0, 3], got {actions.tolist()}"
            )
        obs, reward, episode_end, trial_end = self.step_tensor(actions)
        terminated = self.last_terminated
        info = {
            "trial_end": trial_end.numpy(),
            "final_obs": self.obs_table[self.last_final_position].numpy(),
            "_final_obs": episode_end.numpy(),
        }
        return (
            obs.numpy(),
            reward.numpy().astype(np.float32),
            terminated.numpy(),
            (episode_end & ~terminated).numpy(),
            info,
        )
