"""Read played trials back: posteriors, paths, shortest paths and fair comparisons.

Pure bookkeeping over a :class:`~course_lib.rl2.train.TrialBatch` (no learning here): the
Beta posteriors a Bayesian observer would hold after each pull of a bandit trial, how
widely a bandit player explored and whether it ended on the best arm, the
cells a maze agent walked through, episode by episode, and the shortest path it could have
taken. :func:`mean_and_stderr` and :func:`paired_difference` turn per-trial scores into the
figures a benchmark prints: a method's mean with its standard error, and the difference of
two methods measured on the *same* tasks, trial by trial.
"""

from __future__ import annotations

import numpy as np
import torch

from course_lib.rl2.envs import RandomGoalMazeVectorEnv, next_cell_table, shortest_path_lengths
from course_lib.rl2.train import TrialBatch
from course_lib.validation import check_int, check_real

__all__ = [
    "bandit_exploration",
    "bandit_posterior_counts",
    "maze_paths",
    "maze_shortest_paths",
    "mean_and_stderr",
    "paired_difference",
]


def _scores(name: str, values: object) -> np.ndarray:
    array = np.asarray(values.detach().cpu() if isinstance(values, torch.Tensor) else values)
    if array.ndim != 1 or len(array) < 2 or not np.issubdtype(array.dtype, np.number):
        raise ValueError(
            f"{name} must be a 1-D array of at least 2 numbers, got shape {array.shape}"
        )
    return array.astype(float)


def mean_and_stderr(scores: object) -> tuple[float, float]:
    """Mean of per-trial scores and its standard error, sd / sqrt(count)."""
    x = _scores("scores", scores)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x)))


def paired_difference(a: object, b: object) -> tuple[float, float]:
    """Mean of ``a[i] − b[i]`` and its standard error, for two methods scored on the same tasks.

    Pairing removes what the two scores share (an easy bandit is easy for both), so the
    standard error of the difference is usually much smaller than sqrt(se_a² + se_b²)
    (Thompson against optimistic Thompson on 1,000 bandits of 100 pulls: 0.08 against 0.72).
    Claim "a beats b" only when the mean difference is a few of these standard errors above 0.
    """
    x, y = _scores("a", a), _scores("b", b)
    if x.shape != y.shape:
        raise ValueError(
            f"a and b must score the same tasks (same length), got {len(x)} and {len(y)}"
        )
    return mean_and_stderr(x - y)


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
    start = divmod(env.start_cell, env.width)
    lengths = []
    for task in batch.task:
        free, goal = env.trial_layout(task)
        lengths.append(int(shortest_path_lengths(free, start)[goal]))
    return torch.tensor(lengths, dtype=torch.float32)


def _check_trial(batch: TrialBatch, trial: int) -> int:
    trial = check_int("trial", trial, minimum=0)
    if trial >= batch.actions.shape[1]:
        raise ValueError(f"trial must be in [0, {batch.actions.shape[1] - 1}], got {trial}")
    return trial
