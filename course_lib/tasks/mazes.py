"""Mazes with a hidden goal (Chapter 7): a fixed maze, and a new random maze every trial.

A **task** is one goal cell (and, for :class:`RandomMaze`, one maze); an episode ends at the
goal or at the step limit; a trial is ``episodes_per_trial`` episodes of the same task. The
rules of every family (the single env and its batched
:class:`~course_lib.tasks.base.TrialVectorEnv`) are in :mod:`course_lib.tasks.base`.

The notes' maze is **a new random maze every trial** (``RandomMaze``, ``RandomMazeVectorEnv``):
walls and goal are both redrawn when a trial starts, so nothing about a maze can be memorised
across trials; within the trial's 5 episodes the agent can explore in the first ones and walk
the shortest path in the last ones. :func:`random_maze_layout` draws the layouts and
:func:`shortest_path_lengths` (breadth-first search) measures them: every generated goal is
asserted reachable, and a hand-made layout with a free cell that cannot be reached from the
start is refused.

Registered ids: ``course_lib/RandomGoalMaze-v0`` and ``course_lib/RandomMaze-v0``
(``gymnasium.make_vec(..., vectorization_mode="vector_entry_point")`` gives the batched envs).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from gymnasium.vector.utils import batch_space

from course_lib.tasks.base import (
    MAX_ENVS,
    MAX_EPISODES,
    MAX_STEPS,
    ResetNeeded,
    TrialVectorEnv,
    check_actions,
    new_trial_due,
)
from course_lib.training import make_generator
from course_lib.validation import check_bool, check_int, check_real, check_seed

__all__ = [
    "RandomGoalMaze",
    "RandomGoalMazeVectorEnv",
    "RandomMaze",
    "RandomMazeVectorEnv",
    "MAZE_LAYOUTS",
    "parse_layout",
    "layout_string",
    "random_maze_layout",
    "shortest_path_lengths",
    "next_cell_table",
    "MAZE_ID",
    "RANDOM_MAZE_ID",
]

MAZE_ID = "course_lib/RandomGoalMaze-v0"
RANDOM_MAZE_ID = "course_lib/RandomMaze-v0"
MAX_ROOMS = 15  # random mazes: at most 15 x 15 rooms (a 31 x 31 grid)
# Actions: 0 up, 1 right, 2 down, 3 left.
_MOVES = np.array([[-1, 0], [0, 1], [1, 0], [0, -1]])

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
    # A 5x5 room. Measured optimum over 3 episodes: about 12.5 steps for the first
    # episode's search, then 4.17 (= 100/24, the mean shortest path to the goal) each.
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
    if len(text) > 100_000:
        raise ValueError(f"layout must be at most 100_000 characters, got {len(text):_}")
    rows = [r for r in text.strip("\n").splitlines() if r.strip()]
    widths, others = sorted({len(r) for r in rows}), sorted(set("".join(rows)) - set("#.S"))
    if len(rows) < 3 or len(widths) != 1 or others:
        why = (
            f"characters {others}"
            if others
            else f"rows of widths {widths}"
            if len(widths) != 1
            else f"{len(rows)} rows"
        )
        raise ValueError(
            f"layout must be a name in {sorted(MAZE_LAYOUTS)} or a rectangle (>= 3 rows) of "
            f"'#', '.', 'S', got {layout!r:.40} ({why})"
        )
    grid = np.array([list(r) for r in rows])
    starts = np.argwhere(grid == "S")
    if len(starts) != 1:
        raise ValueError(f"layout must contain exactly one start cell 'S', got {len(starts)}")
    free = grid != "#"
    if free[0].any() or free[-1].any() or free[:, 0].any() or free[:, -1].any():
        raise ValueError(
            f"layout must be enclosed by walls '#', got an open border in {layout!r:.40}"
        )
    if free.sum() < 2:
        raise ValueError(
            f"layout needs at least one free cell besides the start, got {int(free.sum()) - 1}"
        )
    start = (int(starts[0][0]), int(starts[0][1]))
    unreachable = [
        tuple(int(v) for v in c)
        for c in np.argwhere(free & (shortest_path_lengths(free, start) < 0))
    ]
    if unreachable:
        raise ValueError(
            f"layout has free cells that cannot be reached from the start {start}: {unreachable}; "
            "every free cell may be drawn as the goal, so wall them off ('#') or open a path"
        )
    return free, start


def layout_string(free: np.ndarray, start: tuple[int, int]) -> str:
    """The inverse of :func:`parse_layout`: a ``free`` grid and its start cell as a layout string.

    Turns one trial's maze (``RandomMazeVectorEnv.trial_layout``) back into a layout that a
    :class:`RandomGoalMaze` can play again and again, e.g. to train a fresh agent on it.
    """
    _check_enclosed(free)  # else parse_layout would refuse the string it returns
    grid = np.where(free, ".", "#")
    grid[_check_goal(start, free, None, name="start")] = "S"
    return "\n".join("".join(row) for row in grid)


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"a {value.ndim}-D {value.dtype} array"
    return f"{type(value).__name__} {value!r:.60}"


def _check_goal(
    cell: object, free: np.ndarray, start: tuple[int, int] | None, *, name: str = "goal"
) -> tuple[int, int]:
    """``cell`` as a (row, col) free cell of ``free`` (other than ``start``), or a ValueError."""
    ok = (
        isinstance(cell, tuple | list | np.ndarray)
        and len(cell) == 2
        and all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in cell)
    )
    if ok:
        cell = (int(cell[0]), int(cell[1]))
        ok = 0 <= cell[0] < free.shape[0] and 0 <= cell[1] < free.shape[1] and bool(free[cell])
    if not ok or cell == start:
        other = " other than the start" if start is not None else ""
        raise ValueError(
            f"{name} must be a (row, col) free cell{other} of the {free.shape[0]} x "
            f"{free.shape[1]} maze, got {cell!r}"
        )
    return cell


def _check_enclosed(free: object) -> None:
    """``free`` as a 2-D bool grid whose border is all wall: a move from a free cell then never
    leaves the grid (numpy's index −1 would silently wrap it round to the far side)."""
    if not isinstance(free, np.ndarray) or free.dtype != bool or free.ndim != 2:
        raise TypeError(
            "free must be a 2-D bool numpy array (True = free cell), e.g. from parse_layout, "
            f"got {_describe(free)}"
        )
    border = np.concatenate([free[0], free[-1], free[:, 0], free[:, -1]])
    if free.shape[0] < 3 or free.shape[1] < 3 or border.any():
        raise ValueError(
            f"free must be at least 3 x 3 and enclosed by walls (its border all False), got a "
            f"{free.shape[0]} x {free.shape[1]} grid with {int(border.sum())} free border cells"
        )


def shortest_path_lengths(free: np.ndarray, start: tuple[int, int]) -> np.ndarray:
    """Breadth-first search: the fewest moves from ``start`` to every cell, ``-1`` if unreachable.

    Args:
        free: ``[H, W]`` bool grid, True where the agent may stand (enclosed by walls).
        start: the (row, col) the agent starts from.
    """
    _check_enclosed(free)
    start = _check_goal(start, free, None, name="start")
    dist = np.full(free.shape, -1, dtype=np.int64)
    dist[start] = 0
    frontier = [start]
    while frontier:  # one BFS layer per pass: all cells at distance d, then d + 1
        nxt = []
        for r, c in frontier:
            for dr, dc in _MOVES:
                cell = (r + dr, c + dc)
                if free[cell] and dist[cell] < 0:
                    dist[cell] = dist[r, c] + 1
                    nxt.append(cell)
        frontier = nxt
    return dist


def next_cell_table(free: np.ndarray) -> np.ndarray:
    """``table[cell, action]``: the cell index a move leads to (a wall: the agent stays put).

    Cells are numbered ``row * width + col``; actions are 0 up, 1 right, 2 down, 3 left.
    """
    _check_enclosed(free)
    height, width = free.shape
    table = np.arange(height * width)[:, None].repeat(4, 1)
    for r, c in np.argwhere(free):
        for a, (dr, dc) in enumerate(_MOVES):
            if free[r + dr, c + dc]:
                table[r * width + c, a] = (r + dr) * width + c + dc
    return table


def random_maze_layout(
    rooms: tuple[int, int], rng: np.random.Generator, *, loops: float = 0.0
) -> str:
    """A random maze as a layout string (``#`` wall, ``.`` free, ``S`` start in the centre room).

    The grid has ``rooms`` = (rows, cols) rooms at odd coordinates, separated by walls. The
    Aldous–Broder algorithm walks at random from room to room and knocks down the wall
    whenever it enters a room for the first time; when every room is visited the carved
    walls form a *uniform* random spanning tree, a *perfect* maze (exactly one path between
    any two cells) drawn with every such maze equally likely. That matters for RL²: the
    depth-first "recursive backtracker" gives long winding corridors with few branches, so a
    sweep from the start already finds the goal almost by the shortest path and memory has
    little to add; a uniform maze branches often, and the start in the centre room puts the
    goal down one of several branches. ``benchmarks/maze_sweep.py`` measures it over 1,000
    mazes of 3 × 3 rooms: a depth-first sweep (random branch order) reaches a uniformly drawn
    goal room in 1.12 × the shortest path in a backtracker maze from the corner, and in
    2.90 × here.

    ``loops`` then opens that fraction of the remaining inner walls between rooms, adding
    shortcuts. Every free cell is reachable (asserted with BFS).

    Args:
        rooms: (rows, cols) of rooms, each in [1, 15]; the grid is (2·rows + 1) × (2·cols + 1).
        rng: the numpy generator that draws the maze.
        loops: fraction in [0, 1] of the remaining room-to-room walls to open.

    Reference: D. Aldous, "The random walk construction of uniform spanning trees and
    uniform labelled trees", SIAM J. Discrete Math. 3 (1990); A. Broder, "Generating random
    spanning trees", FOCS 1989.
    """
    rows, cols = _check_rooms(rooms)
    loops = check_real("loops", loops, 0.0, 1.0)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    free = np.zeros((2 * rows + 1, 2 * cols + 1), dtype=bool)
    free[1::2, 1::2] = True  # the rooms
    visited = np.zeros((rows, cols), dtype=bool)
    r, c = _start_room(rows, cols)
    visited[r, c] = True
    unvisited = rows * cols - 1
    while unvisited:
        moves = [(dr, dc) for dr, dc in _MOVES if 0 <= r + dr < rows and 0 <= c + dc < cols]
        dr, dc = moves[int(rng.integers(len(moves)))]
        if not visited[r + dr, c + dc]:  # first entry: carve the wall we came through
            free[2 * r + 1 + dr, 2 * c + 1 + dc] = True
            visited[r + dr, c + dc] = True
            unvisited -= 1
        r, c = r + dr, c + dc
    if loops > 0:
        inner = np.zeros_like(free)
        inner[1:-1:2, 2:-1:2] = True  # walls between horizontal neighbours
        inner[2:-1:2, 1:-1:2] = True  # walls between vertical neighbours
        closed = np.argwhere(inner & ~free)
        opened = closed[rng.random(len(closed)) < loops]
        free[opened[:, 0], opened[:, 1]] = True
    start = tuple(2 * v + 1 for v in _start_room(rows, cols))
    assert (shortest_path_lengths(free, start)[free] >= 0).all(), "a maze cell is unreachable"
    grid = np.where(free, ".", "#")
    grid[start] = "S"
    return "\n".join("".join(row) for row in grid)


def _start_room(rows: int, cols: int) -> tuple[int, int]:
    """The centre room (upper-left of the centre when a side is even)."""
    return (rows - 1) // 2, (cols - 1) // 2


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
        goal: a fixed (row, col) goal cell instead of one drawn per trial: a single task, the
            setting of ordinary (non-meta) RL, e.g. to train a fresh agent on one maze.
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
        goal: tuple[int, int] | None = None,
    ):
        self.free, self.start = parse_layout(layout)
        self.layout_text = MAZE_LAYOUTS.get(layout, layout)
        self.height, self.width = self.free.shape
        self.episodes_per_trial = check_int(
            "episodes_per_trial", episodes_per_trial, 1, MAX_EPISODES
        )
        self.max_steps = check_int("max_steps", max_steps, 1, MAX_STEPS)
        self.step_cost = check_real("step_cost", step_cost, 0.0, 1.0)
        self.goal_reward = check_real("goal_reward", goal_reward, 1e-6, 1e6)
        self.observe_walls = check_bool("observe_walls", observe_walls)
        self.reward_bounds = (-self.step_cost, self.goal_reward)
        self.cells = [tuple(c) for c in np.argwhere(self.free)]
        self.goal_cells = [c for c in self.cells if c != self.start]
        if goal is not None:
            self.goal_cells = [_check_goal(goal, self.free, self.start)]
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

    def _new_task(self) -> None:
        """Draw the next trial's goal, uniformly among the free cells other than the start."""
        self.goal = self.goal_cells[int(self.np_random.integers(len(self.goal_cells)))]

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:  # ours first: gymnasium's own error does not say what was given
            check_seed(seed)
        super().reset(seed=seed)
        if new_trial_due(self, seed, options, self.goal):
            self._new_task()
            self.episode = 0
        self.position, self.steps = self.start, 0
        return self._obs(), {"goal": self.goal, "episode": self.episode}

    def step(self, action):
        if self.goal is None:
            raise ResetNeeded(action)
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


class RandomGoalMazeVectorEnv(TrialVectorEnv):
    """``num_envs`` :class:`RandomGoalMaze` copies stepped at once as torch tensors.

    A finished episode restarts at the start cell in the same step; after the trial's last
    episode the env draws a new goal (the same one every trial if ``goal`` fixes it). ``goal`` is the ``[num_envs]`` tensor of goal cell
    indices (row * width + col) and ``position`` the agents' current cell indices.
    """

    def __init__(
        self,
        num_envs: int = 1,
        layout: str = "room4",
        episodes_per_trial: int = 3,
        max_steps: int = 30,
        step_cost: float = 0.01,
        goal_reward: float = 1.0,
        observe_walls: bool = False,
        goal: tuple[int, int] | None = None,
    ):
        single = RandomGoalMaze(
            layout, episodes_per_trial, max_steps, step_cost, goal_reward, observe_walls, goal
        )
        self.num_envs = check_int("num_envs", num_envs, 1, MAX_ENVS)
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
        self.free_cells = torch.as_tensor(single.free.reshape(-1))
        self.start_cell = single.start[0] * self.width + single.start[1]
        self.goal_choices = torch.tensor([r * self.width + c for r, c in single.goal_cells])
        # next_cell[cell, action]: where a move leads (walls block); precomputed once.
        self.next_cell = torch.as_tensor(next_cell_table(single.free))
        # Observation of every cell (one-hot + wall flags), looked up by index.
        cells = self.height * self.width
        table = torch.eye(cells)
        if self.observe_walls:
            walls = (self.next_cell == torch.arange(cells)[:, None]).float()
            table = torch.cat([table, walls], dim=1)
        self.obs_table = table
        self.generator = make_generator(None)
        self.goal = self._draw_goals(self.num_envs)
        self.position = torch.full((self.num_envs,), self.start_cell, dtype=torch.long)
        self.steps = torch.zeros(self.num_envs, dtype=torch.long)
        self.episode = torch.zeros(self.num_envs, dtype=torch.long)

    def _draw_goals(self, n: int) -> torch.Tensor:
        return self.goal_choices[
            torch.randint(len(self.goal_choices), (n,), generator=self.generator)
        ]

    # The three steps that depend on the layout; RandomMazeVectorEnv redefines them.
    def _new_tasks(self, mask: torch.Tensor) -> None:
        """Draw new tasks (here: goals) for the envs where ``mask`` is True."""
        self.goal = torch.where(mask, self._draw_goals(self.num_envs), self.goal)

    def _move(self, actions: torch.Tensor) -> torch.Tensor:
        return self.next_cell[self.position, actions]

    def _observe(self, position: torch.Tensor) -> torch.Tensor:
        return self.obs_table[position]

    @property
    def task(self) -> torch.Tensor:
        """The current tasks: ``[num_envs]`` goal cell indices."""
        return self.goal

    def trial_layout(self, task: torch.Tensor) -> tuple[np.ndarray, tuple[int, int]]:
        """One trial's maze from its ``task`` row: ``(free [H, W] bool, goal (row, col))``."""
        cells = self.height * self.width
        if not isinstance(task, torch.Tensor) or task.numel() != 1 or task.is_floating_point():
            raise TypeError(
                f"task must be one env's task (a one-element integer tensor: a goal cell index, "
                f"a row of env.task), got {task!r:.60}"
            )
        if not 0 <= int(task) < cells or not bool(self.free_cells[int(task)]):
            raise ValueError(
                f"task must be the index of a free cell in [0, {cells - 1}], got {int(task)}"
            )
        return self.free_cells.view(self.height, self.width).numpy(), divmod(int(task), self.width)

    def reset_tensor(self, seed: int | None = None) -> torch.Tensor:
        """Start a new trial (new task) in every env; returns the observations."""
        if seed is not None:
            self.generator = make_generator(seed)
        self._new_tasks(torch.ones(self.num_envs, dtype=torch.bool))
        self.position.fill_(self.start_cell)
        self.steps.zero_()
        self.episode.zero_()
        return self._observe(self.position)

    def step_tensor(self, actions: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Move every agent. Returns ``(obs, reward, episode_end, trial_end)``; ``obs`` is
        already the next episode's first observation where an episode ended."""
        self.position = self._move(check_actions(actions, self.num_envs, 4))
        self.steps += 1
        at_goal = self.position == self.goal
        reward = torch.where(at_goal, self.goal_reward, -self.step_cost)
        episode_end = at_goal | (self.steps >= self.max_steps)
        self.last_terminated = at_goal
        self.last_final_obs = self._observe(self.position)
        self.position = torch.where(episode_end, self.start_cell, self.position)
        self.steps = torch.where(episode_end, 0, self.steps)
        self.episode += episode_end.long()
        trial_end = self.episode >= self.episodes_per_trial
        if bool(trial_end.any()):
            self._new_tasks(trial_end)
            self.episode = torch.where(trial_end, 0, self.episode)
        return self._observe(self.position), reward, episode_end, trial_end

    def _task_info(self) -> dict[str, np.ndarray]:
        return {"goal": self.goal.numpy().copy()}

    def _terminated(self, episode_end: torch.Tensor) -> torch.Tensor:
        return self.last_terminated  # reached the goal; the other ends hit the step limit

    def _final_obs(self, obs: torch.Tensor) -> torch.Tensor:
        return self.last_final_obs


# ------------------------------------------------------------- a new maze every trial


def _check_rooms(rooms: object) -> tuple[int, int]:
    if (
        not isinstance(rooms, tuple | list)
        or len(rooms) != 2
        or not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in rooms)
    ):
        raise TypeError(f"rooms must be a pair of ints (rows, cols), got {rooms!r}")
    rows = check_int("rooms[0]", rooms[0], minimum=1, maximum=MAX_ROOMS)
    cols = check_int("rooms[1]", rooms[1], minimum=1, maximum=MAX_ROOMS)
    if rows * cols < 2:
        raise ValueError(f"rooms must give at least 2 rooms (a start and a goal), got {rooms!r}")
    return rows, cols


class RandomMaze(RandomGoalMaze):
    """The notes' maze: every trial is a **new random maze** with a new hidden goal.

    Same rules as :class:`RandomGoalMaze` (start in the centre room, goal pays
    ``goal_reward``, each other step costs ``step_cost``), but when a trial starts the walls
    are redrawn too (:func:`random_maze_layout`), so the only way to find the goal is to
    explore this maze, and the only way to be fast later is to remember it. The default is
    the notes' setting: 5 episodes a trial, explore in the first, exploit in the rest. The
    agent sees its position and, by default, the four walls around it.

    Args:
        rooms: (rows, cols) of rooms of the maze; the grid is (2·rows + 1) × (2·cols + 1).
        episodes_per_trial: episodes in the same maze (>= 1).
        max_steps, step_cost, goal_reward, observe_walls: as in :class:`RandomGoalMaze`.
        loops: fraction of extra inner walls opened (0: a perfect maze, one path between cells).
    """

    def __init__(
        self,
        rooms: tuple[int, int] = (3, 3),
        episodes_per_trial: int = 5,
        max_steps: int = 40,
        step_cost: float = 0.01,
        goal_reward: float = 1.0,
        observe_walls: bool = True,
        loops: float = 0.0,
    ):
        self.rooms = _check_rooms(rooms)
        self.loops = check_real("loops", loops, 0.0, 1.0)
        first = random_maze_layout(self.rooms, np.random.default_rng(0), loops=self.loops)
        super().__init__(
            first, episodes_per_trial, max_steps, step_cost, goal_reward, observe_walls
        )

    def _new_task(self) -> None:
        layout = random_maze_layout(self.rooms, self.np_random, loops=self.loops)
        self.free, _ = parse_layout(layout)
        self.cells = [tuple(c) for c in np.argwhere(self.free)]
        self.goal_cells = [c for c in self.cells if c != self.start]
        super()._new_task()


class RandomMazeVectorEnv(RandomGoalMazeVectorEnv):
    """``num_envs`` :class:`RandomMaze` copies stepped at once: a new maze and goal every trial.

    Each env holds its own walls (``free_cells`` ``[num_envs, cells]``, ``next_cell``
    ``[num_envs, cells, 4]``). ``task`` is the ``[num_envs, H, W]`` grid of the current
    trials (0 free, 1 wall, 2 goal), so a :class:`~course_lib.trials.TrialBatch` keeps
    every trial's maze; :meth:`trial_layout` reads one back.
    """

    def __init__(
        self,
        num_envs: int = 1,
        rooms: tuple[int, int] = (3, 3),
        episodes_per_trial: int = 5,
        max_steps: int = 40,
        step_cost: float = 0.01,
        goal_reward: float = 1.0,
        observe_walls: bool = True,
        loops: float = 0.0,
    ):
        single = RandomMaze(
            rooms, episodes_per_trial, max_steps, step_cost, goal_reward, observe_walls, loops
        )
        self.rooms, self.loops = single.rooms, single.loops
        super().__init__(
            num_envs,
            single.layout_text,
            episodes_per_trial,
            max_steps,
            step_cost,
            goal_reward,
            observe_walls,
        )
        self.layout = "random"
        del self.obs_table, self.goal_choices  # one layout's tables; here each env has its own
        cells = self.height * self.width
        self.free_cells = torch.zeros(self.num_envs, cells, dtype=torch.bool)
        self.next_cell = torch.zeros(self.num_envs, cells, 4, dtype=torch.long)
        self._rows = torch.arange(self.num_envs)
        self.rng = np.random.default_rng()
        self._new_tasks(torch.ones(self.num_envs, dtype=torch.bool))

    def _draw_goals(self, n: int) -> torch.Tensor:
        return torch.full((n,), -1)  # placeholder until _new_tasks has drawn the mazes

    def _new_tasks(self, mask: torch.Tensor) -> None:
        """A new maze and a new goal (uniform over its free cells but the start) where ``mask``."""
        for i in torch.nonzero(mask).flatten().tolist():
            free, start = parse_layout(random_maze_layout(self.rooms, self.rng, loops=self.loops))
            goals = np.flatnonzero(free.reshape(-1))
            goals = goals[goals != self.start_cell]
            goal = int(goals[self.rng.integers(len(goals))])
            assert shortest_path_lengths(free, start).reshape(-1)[goal] > 0, "unreachable goal"
            self.free_cells[i] = torch.as_tensor(free.reshape(-1))
            self.next_cell[i] = torch.as_tensor(next_cell_table(free))
            self.goal[i] = goal

    def _move(self, actions: torch.Tensor) -> torch.Tensor:
        return self.next_cell[self._rows, self.position, actions]

    def _observe(self, position: torch.Tensor) -> torch.Tensor:
        obs = torch.nn.functional.one_hot(position, self.height * self.width).float()
        if not self.observe_walls:
            return obs
        walls = self.next_cell[self._rows, position] == position[:, None]  # a move goes nowhere
        return torch.cat([obs, walls.float()], dim=1)

    @property
    def task(self) -> torch.Tensor:
        """The current trials' mazes: ``[num_envs, H, W]`` with 0 free, 1 wall, 2 goal."""
        grid = (~self.free_cells).long()
        grid[self._rows, self.goal] = 2
        return grid.view(self.num_envs, self.height, self.width)

    def trial_layout(self, task: torch.Tensor) -> tuple[np.ndarray, tuple[int, int]]:
        """One trial's maze from its ``task`` grid: ``(free [H, W] bool, goal (row, col))``."""
        shape = (self.height, self.width)
        if (
            not isinstance(task, torch.Tensor)
            or task.is_floating_point()
            or task.dtype == torch.bool
        ):
            raise TypeError(
                f"task must be one env's maze (an integer tensor {list(shape)}, a row of env.task), "
                f"got {task!r:.60}"
            )
        if tuple(task.shape) != shape or not bool(((task >= 0) & (task <= 2)).all()):
            raise ValueError(
                f"task must be a {list(shape)} grid of 0 (free), 1 (wall) and 2 (goal), got shape "
                f"{list(task.shape)}"
            )
        if int((task == 2).sum()) != 1:
            raise ValueError(
                f"task must hold exactly one goal cell (2), got {int((task == 2).sum())}"
            )
        grid = task.numpy()
        goal = np.argwhere(grid == 2)[0]
        return grid != 1, (int(goal[0]), int(goal[1]))

    def reset_tensor(self, seed: int | None = None) -> torch.Tensor:
        """Start a new trial (new maze, new goal) in every env; returns the observations."""
        if seed is not None:
            self.rng = np.random.default_rng(check_seed(seed))
        return super().reset_tensor(seed)
