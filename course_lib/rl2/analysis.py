"""Read a batch of played trials back as what the widgets draw: posteriors and paths.

Pure bookkeeping over a :class:`~course_lib.rl2.train.TrialBatch` (no learning here): the
Beta posteriors a Bayesian observer would hold after each pull of a bandit trial, and the
cells a maze agent walked through, episode by episode.
"""

from __future__ import annotations

import torch

from course_lib.rl2.envs import RandomGoalMazeVectorEnv
from course_lib.rl2.train import TrialBatch
from course_lib.validation import check_int

__all__ = ["bandit_posterior_counts", "maze_paths"]


def bandit_posterior_counts(batch: TrialBatch, trial: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Successes and failures per arm *before* each step of one bandit trial.

    Returns ``(successes, failures)``, each ``[T + 1, k]``: row t holds the counts after t
    pulls, so the Bayesian posterior of arm i before step t is
    Beta(1 + successes[t, i], 1 + failures[t, i]).
    """
    trial = check_int("trial", trial, minimum=0)
    if trial >= batch.actions.shape[1]:
        raise ValueError(f"trial must be in [0, {batch.actions.shape[1] - 1}], got {trial}")
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
    trial = check_int("trial", trial, minimum=0)
    if trial >= batch.actions.shape[1]:
        raise ValueError(f"trial must be in [0, {batch.actions.shape[1] - 1}], got {trial}")
    cells = env.height * env.width
    paths: list[list[tuple[int, int]]] = [[]]
    for t in range(int(batch.valid[:, trial].sum())):
        here = int(batch.inputs[t, trial, :cells].argmax())
        nxt = int(env.next_cell[here, batch.actions[t, trial]])
        if not paths[-1]:
            paths[-1].append(divmod(here, env.width))
        paths[-1].append(divmod(nxt, env.width))
        if bool(batch.episode_end[t, trial]) and not bool(batch.trial_end[t, trial]):
            paths.append([])
    return paths
