"""Read played trials back: posteriors, paths, shortest paths and fair comparisons.

Pure bookkeeping over a :class:`~course_lib.trials.TrialBatch` (no learning here): the
Beta posteriors a Bayesian observer would hold after each pull of a bandit trial, how
widely a bandit player explored and whether it ended on the best arm, the
cells a maze agent walked through, episode by episode, the shortest path it could have
taken, and (:func:`maze_behaviour`) the strategies the notes name: explore first, then
exploit; remember dead ends (记忆死胡同); explore the frontier first (优先探索边界). Per-trial scores
become a benchmark's figures in :mod:`course_lib.stats` (a mean with its standard error,
and the difference of two methods measured on the *same* tasks, trial by trial).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from course_lib.tasks.mazes import RandomGoalMazeVectorEnv, next_cell_table, shortest_path_lengths
from course_lib.trials import TrialBatch, _check_batch, episode_lengths
from course_lib.validation import check_instance, check_int, check_real

__all__ = [
    "bandit_exploration",
    "bandit_posterior_counts",
    "MazeBehaviour",
    "maze_behaviour",
    "maze_paths",
    "maze_shortest_paths",
]


def bandit_exploration(batch: TrialBatch, *, final: float = 0.2) -> dict[str, float]:
    """How a player explored a batch of bandit trials (tasks: ``[N, k]`` arm probabilities).

    Returns the mean number of distinct arms pulled per trial (``arms_tried``), the fraction
    of trials that never left their first arm (``one_arm_trials``), and the fraction of the
    last ``final`` share of pulls that went to the best arm (``best_arm_at_end``). A player
    that commits after the first reward tries few arms and often ends on a worse one.
    """
    final = check_real("final", final, 0.0, 1.0, lo_open=True)
    if not isinstance(batch, TrialBatch):
        raise TypeError(f"batch must be a TrialBatch, got {type(batch).__name__}")
    n, k = batch.actions.shape[1], batch.probs.shape[-1]
    if tuple(batch.task.shape) != (n, k):
        raise ValueError(
            f"batch must hold bandit trials (task [N, k] = [{n}, {k}] arm probabilities), "
            f"got task of shape {list(batch.task.shape)}"
        )
    actions = batch.actions.T  # [N, T]
    pulled = torch.zeros(actions.shape[0], k, dtype=torch.bool).scatter_(1, actions, True)
    tail = actions[:, -max(1, round(final * actions.shape[1])) :]
    best = batch.task.argmax(1, keepdim=True)
    return {
        "arms_tried": float(pulled.sum(1).float().mean()),
        "one_arm_trials": float((pulled.sum(1) == 1).float().mean()),
        "best_arm_at_end": float((tail == best).float().mean()),
    }


def bandit_posterior_counts(batch: TrialBatch, trial: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Successes and failures per arm *before* each step of one bandit trial.

    Returns ``(successes, failures)``, each ``[T + 1, k]``: row t holds the counts after t
    pulls, so the Bayesian posterior of arm i before step t is
    Beta(1 + successes[t, i], 1 + failures[t, i]).
    """
    trial = _check_trial(batch, trial)
    k = batch.probs.shape[-1]
    steps = int(batch.valid[:, trial].sum())
    actions = batch.actions[:steps, trial]
    rewards = batch.rewards[:steps, trial]
    one_hot = torch.nn.functional.one_hot(actions, k).float()
    zero = torch.zeros(1, k)
    successes = torch.cat([zero, torch.cumsum(one_hot * rewards[:, None], 0)])
    failures = torch.cat([zero, torch.cumsum(one_hot * (1 - rewards[:, None]), 0)])
    return successes, failures


def maze_paths(
    batch: TrialBatch, env: RandomGoalMazeVectorEnv, trial: int
) -> list[list[tuple[int, int]]]:
    """The (row, col) cells visited in each episode of one maze trial, start and final cell included."""
    _check_maze(batch, env)
    trial = _check_trial(batch, trial)
    free, _ = env.trial_layout(batch.task[trial])  # this trial's walls (a new maze each trial)
    next_cell = next_cell_table(free)
    cells = env.height * env.width
    paths: list[list[tuple[int, int]]] = [[]]
    for t in range(int(batch.valid[:, trial].sum())):
        here = int(batch.inputs[t, trial, :cells].argmax())
        nxt = int(next_cell[here, batch.actions[t, trial]])
        if not paths[-1]:
            paths[-1].append(divmod(here, env.width))
        paths[-1].append(divmod(nxt, env.width))
        if bool(batch.episode_end[t, trial]) and not bool(batch.trial_end[t, trial]):
            paths.append([])
    return paths


def maze_shortest_paths(batch: TrialBatch, env: RandomGoalMazeVectorEnv) -> torch.Tensor:
    """Fewest moves from the start to the goal in each trial's maze (breadth-first search), ``[N]``.

    The floor under every episode length: an agent that knows where the goal is walks it in
    exactly this many steps, so episode lengths close to it mean the agent remembers.
    """
    _check_maze(batch, env)
    start = divmod(env.start_cell, env.width)
    lengths = []
    for task in batch.task:
        free, goal = env.trial_layout(task)
        lengths.append(int(shortest_path_lengths(free, start)[goal]))
    return torch.tensor(lengths, dtype=torch.float32)


@dataclass(frozen=True)
class MazeBehaviour:
    """What a maze agent did in every episode of every trial: ``[N, E]`` tensors (N trials, E
    episodes a trial) unless noted. Built by :func:`maze_behaviour`; :meth:`summary` reads it.

    A **dead end** (死胡同) is a cell walled on three sides, other than the start and the goal:
    entering it means having walked a branch to its end. It is **known** in episode e when the
    agent entered it in an earlier episode of the same trial (it saw the three walls then).
    A **frontier step** is one taken, before the goal was first reached in the trial, from a
    cell with at least one open neighbour the agent has not yet visited in the trial.
    """

    lengths: torch.Tensor  # steps taken
    found: torch.Tensor  # bool: the episode reached the goal
    shortest: torch.Tensor  # [N] fewest moves from the start to the goal (BFS)
    new_cells: torch.Tensor  # cells entered for the first time in the trial
    known_dead_ends: torch.Tensor  # dead ends entered in earlier episodes of the trial
    dead_end_revisits: torch.Tensor  # of those, how many this episode entered again
    frontier_steps: torch.Tensor  # frontier steps (see above)
    frontier_taken: torch.Tensor  # of those, steps into a not-yet-visited cell
    frontier_chance: torch.Tensor  # the same count for a mover uniform over the open moves

    def first_found(self) -> torch.Tensor:
        """``[N]``: the episode (1-based) in which the goal was first reached; ``E + 1``: never."""
        episodes = self.found.shape[1]
        hit = torch.where(self.found, torch.arange(1, episodes + 1), episodes + 1)
        return hit.min(dim=1).values

    def summary(self) -> dict[str, object]:
        """The figures the chapter prints, each a plain float (or a list over episodes).

        * ``found_by_episode[e - 1]``: share of trials that had reached the goal by episode e;
        * ``exploring_episodes``: mean episode in which the goal was first reached (the
          episodes spent exploring), over the trials that reached it;
        * ``shortest_after_found``: share of the episodes after that one that walked exactly
          the shortest path, and ``excess_after_found`` their mean steps above it;
        * ``dead_end_revisit_rate``: known dead ends entered again, over all known dead ends,
          in episodes 2..E; ``dead_end_revisits_per_episode``: their mean count per episode;
        * ``frontier_rate`` and ``frontier_chance``: share of frontier steps that entered a
          new cell, for the agent and for a uniformly random mover on the same steps.
        """
        first = self.first_found()
        episodes = self.found.shape[1]
        after = torch.arange(1, episodes + 1)[None, :] > first[:, None]  # exploit episodes
        excess = self.lengths - self.shortest[:, None]
        later = slice(1, None)
        known = float(self.known_dead_ends[:, later].sum())
        steps = float(self.frontier_steps.sum())
        reached = first <= episodes
        return {
            "found_by_episode": [
                float((first <= e).float().mean()) for e in range(1, episodes + 1)
            ],
            "exploring_episodes": float(first[reached].float().mean())
            if reached.any()
            else float("nan"),
            "shortest_after_found": float((excess[after] == 0).float().mean())
            if after.any()
            else float("nan"),
            "excess_after_found": float(excess[after].float().mean())
            if after.any()
            else float("nan"),
            "dead_end_revisit_rate": float(self.dead_end_revisits[:, later].sum()) / known
            if known
            else float("nan"),
            "dead_end_revisits_per_episode": float(self.dead_end_revisits[:, later].float().mean()),
            "frontier_rate": float(self.frontier_taken.sum()) / steps if steps else float("nan"),
            "frontier_chance": float(self.frontier_chance.sum()) / steps if steps else float("nan"),
        }


def maze_behaviour(batch: TrialBatch, env: RandomGoalMazeVectorEnv) -> MazeBehaviour:
    """Replay every maze trial of ``batch`` cell by cell and count what the agent did (see
    :class:`MazeBehaviour`): when it found the goal, whether it then walked the shortest path,
    whether it went back into dead ends it had already seen, and whether, while searching, it
    preferred cells it had not visited yet.

    Args:
        batch: maze trials (from :func:`~course_lib.rl2.train.evaluate_rl2`).
        env: the env they were played in (its grid size and start; each trial's walls and
            goal are read back from ``batch.task``).
    """
    _check_maze(batch, env)
    steps, n = batch.actions.shape
    cells = env.height * env.width
    if batch.inputs.shape[-1] < cells or batch.task.shape[0] != n:
        raise ValueError(f"batch was not played in this env's {env.height} x {env.width} grid")
    lengths = episode_lengths(batch)
    episodes = lengths.shape[1]
    rows = torch.arange(n)
    # each trial's walls as a move table, its dead ends and its goal
    layouts = [env.trial_layout(task) for task in batch.task]
    table = torch.stack([torch.as_tensor(next_cell_table(free)) for free, _ in layouts])
    free = torch.stack([torch.as_tensor(free.reshape(-1)) for free, _ in layouts])
    goal = torch.tensor([r * env.width + c for _, (r, c) in layouts])
    here = torch.arange(cells)[None, :, None]
    dead = free & ((table != here).sum(-1) == 1)
    dead[:, env.start_cell] = False
    dead[rows, goal] = False
    shortest = maze_shortest_paths(batch, env)

    counted = ("found", "new_cells", "known_dead_ends", "dead_end_revisits")
    counted += ("frontier_steps", "frontier_taken", "frontier_chance")
    out = {key: torch.zeros(n, episodes) for key in counted}
    visited = torch.zeros(n, cells, dtype=torch.bool)
    visited[:, env.start_cell] = True
    before_episode = visited.clone()  # cells visited in the earlier episodes of the trial
    entered = torch.zeros_like(visited)  # cells entered in this episode
    searching = torch.ones(n, dtype=torch.bool)  # the goal not yet reached in this trial
    ends = batch.episode_end.long()
    episode = (torch.cumsum(ends, 0) - ends).clamp(max=episodes - 1)
    position = batch.inputs[:, :, :cells].argmax(-1)  # the one-hot observation of the position
    for t in range(steps):
        if t > 0:  # a new episode starts where the previous step ended one
            started = batch.episode_end[t - 1][:, None]
            before_episode = torch.where(started, visited, before_episode)
            entered = entered & ~started
        valid, e, p = batch.valid[t], episode[t], position[t]
        neighbours = table[rows, p]  # [N, 4]: where each move leads (a wall: stay)
        open_moves = neighbours != p[:, None]
        unvisited = open_moves & ~visited.gather(1, neighbours)
        nxt = neighbours.gather(1, batch.actions[t][:, None]).squeeze(1)
        is_new = ~visited[rows, nxt]
        frontier = valid & searching & unvisited.any(1)
        counts = {
            "found": valid & (nxt == goal),
            "new_cells": valid & is_new,
            "dead_end_revisits": valid
            & dead[rows, nxt]
            & before_episode[rows, nxt]
            & ~entered[rows, nxt],
            "frontier_steps": frontier,
            "frontier_taken": frontier & is_new,
            "frontier_chance": frontier * unvisited.sum(1) / open_moves.sum(1).clamp(min=1),
        }
        for key, value in counts.items():
            out[key][rows, e] += value.float()
        known = (dead & before_episode).sum(1).float()  # constant within an episode
        out["known_dead_ends"][rows[valid], e[valid]] = known[valid]
        entered[rows[valid], nxt[valid]] = True
        visited[rows[valid], nxt[valid]] = True
        searching &= ~counts["found"]
    found = out.pop("found") > 0
    return MazeBehaviour(lengths=lengths, found=found, shortest=shortest, **out)


def _check_maze(batch: object, env: object) -> None:
    """Maze trials (``task`` the goal cell ``[N]`` or each trial's grid ``[N, H, W]``) and the
    maze env they were played in."""
    _check_batch(batch)
    if batch.task.dim() not in (1, 3):
        raise ValueError(
            "batch must hold maze trials (from evaluate_rl2 on a maze env: task [N] or "
            f"[N, H, W]), got task of shape {list(batch.task.shape)}"
        )
    check_instance("env", env, RandomGoalMazeVectorEnv, "a RandomGoalMazeVectorEnv")


def _check_trial(batch: TrialBatch, trial: int) -> int:
    _check_batch(batch)
    trial = check_int("trial", trial, minimum=0)
    if trial >= batch.actions.shape[1]:
        raise ValueError(f"trial must be in [0, {batch.actions.shape[1] - 1}], got {trial}")
    return trial
