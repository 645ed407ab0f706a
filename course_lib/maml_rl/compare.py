"""MAML-RL beside RL² on the same goals: adapting by gradient steps against adapting by memory.

Both methods are scored on the same new goals:

* MAML-RL, the pre-trained policy and a random initialisation: the mean episode return after
  0, 1, 2, 3 policy-gradient steps (:func:`~course_lib.maml_rl.train.adaptation_curve`);
  each step costs ``num_trajectories`` episodes of data and a backward pass.
* RL²: the return of episodes 1, 2, 3 of one trial (:func:`rl2_episode_returns`); the
  weights never change, the GRU's state carries what the agent has learned about the goal.

RL²'s agent (Chapter 7's :class:`~course_lib.rl2.RecurrentActorCritic`) has a categorical
head, so it plays the ``"discrete"`` version of the same tasks (9 moves, same dynamics and
reward, see :mod:`course_lib.maml_rl.envs`).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from course_lib.maml_rl.envs import DISCRETE_MOVES, Navigation2DVectorEnv
from course_lib.rl2.agent import RecurrentActorCritic
from course_lib.rl2.train import TrialBatch, episode_returns, rollout_trials
from course_lib.validation import check_int, check_seed

__all__ = [
    "rl2_navigation_env",
    "rl2_episode_returns",
    "rl2_paths",
    "mean_ci",
    "comparison_rows",
    "goals_outside",
]


def rl2_navigation_env(
    num_envs: int,
    *,
    max_steps: int,
    episodes_per_trial: int = 3,
    goal_low: float = -0.5,
    goal_high: float = 0.5,
) -> Navigation2DVectorEnv:
    """The batched 2-D navigation env RL² trains on: discrete moves, trials of several episodes."""
    return Navigation2DVectorEnv(
        num_envs, "discrete", episodes_per_trial, max_steps, goal_low, goal_high
    )


def _goals(goals: object) -> Tensor:
    if not isinstance(goals, Tensor):
        raise TypeError(f"goals must be a float tensor [G, 2], got {type(goals).__name__}")
    if goals.dim() != 2 or goals.shape[1] != 2 or goals.shape[0] < 1:
        raise ValueError(f"goals must have shape [G, 2] with G >= 1, got {tuple(goals.shape)}")
    return goals.float()


def _check_agent(agent: object) -> RecurrentActorCritic:
    if not isinstance(agent, RecurrentActorCritic) or agent.num_actions != len(DISCRETE_MOVES):
        raise TypeError(
            f"agent must be a RecurrentActorCritic with {len(DISCRETE_MOVES)} actions (trained on "
            f"the discrete 2-D navigation env), got {type(agent).__name__}"
        )
    return agent


def _play(
    agent: RecurrentActorCritic, goals: Tensor, episodes_per_trial: int, max_steps: int, seed: int
) -> TrialBatch:
    _check_agent(agent)
    goals = _goals(goals)
    check_int("episodes_per_trial", episodes_per_trial, minimum=1)
    env = rl2_navigation_env(len(goals), max_steps=max_steps, episodes_per_trial=episodes_per_trial)
    env.fix_goals(goals)
    return rollout_trials(agent, env, check_seed(seed))


def rl2_episode_returns(
    agent: RecurrentActorCritic,
    goals: Tensor,
    *,
    max_steps: int,
    episodes_per_trial: int = 3,
    seed: int = 0,
) -> Tensor:
    """One trial per goal of ``goals [G, 2]``; returns ``[episodes_per_trial, G]`` episode returns."""
    return episode_returns(_play(agent, goals, episodes_per_trial, max_steps, seed)).T


def rl2_paths(
    agent: RecurrentActorCritic,
    goal: Tensor,
    *,
    max_steps: int,
    episodes_per_trial: int = 3,
    seed: int = 0,
) -> tuple[Tensor, Tensor]:
    """One trial on one goal ``[2]``: ``(paths [E, max_steps + 1, 2], returns [E])``.

    Each path starts at the origin and lists the position after every move; an episode that
    ended early at the goal stays there for the rest of its row.
    """
    batch = _play(agent, goal.reshape(1, 2), episodes_per_trial, max_steps, seed)
    valid = batch.valid[:, 0]
    after = batch.inputs[valid, 0, :2] + DISCRETE_MOVES[batch.actions[valid, 0]]
    ends = batch.episode_end[valid, 0].long()
    episode = torch.cumsum(ends, 0) - ends  # the episode each step belongs to
    paths = torch.zeros(episodes_per_trial, max_steps + 1, 2)
    for e in range(episodes_per_trial):
        moves = after[episode == e]
        paths[e, 1 : len(moves) + 1] = moves
        if len(moves):
            paths[e, len(moves) + 1 :] = moves[-1]
    return paths, episode_returns(batch)[0]


def mean_ci(returns: Tensor) -> tuple[Tensor, Tensor]:
    """Mean over goals (last axis) and the half-width of its 95% normal confidence interval."""
    if not isinstance(returns, Tensor) or returns.dim() != 2:
        raise ValueError(
            f"returns must be a tensor [K, G], got {getattr(returns, 'shape', returns)}"
        )
    g = returns.shape[1]
    half = 1.96 * returns.std(1) / math.sqrt(g) if g > 1 else torch.zeros(returns.shape[0])
    return returns.mean(1), half


def comparison_rows(results: dict[str, Tensor]) -> list[dict[str, object]]:
    """One row per method: ``{"method", "mean": [...], "ci": [...]}`` for each ``[K, G]`` tensor."""
    rows = []
    for name, returns in results.items():
        mean, half = mean_ci(returns)
        rows.append({"method": name, "mean": mean.tolist(), "ci": half.tolist()})
    return rows


def goals_outside(
    num_goals: int, *, inner: float = 0.5, outer: float = 1.0, seed: int = 0
) -> Tensor:
    """``[num_goals, 2]`` goals uniform on the square ring inner < max(|x|, |y|) <= outer:
    outside the training square [−inner, inner]², out of distribution for both methods."""
    check_int("num_goals", num_goals, minimum=1)
    if num_goals > 100_000:
        raise ValueError(f"num_goals must be an integer in [1, 100000], got {num_goals}")
    if not 0 <= inner < outer <= 10:
        raise ValueError(f"need 0 <= inner < outer <= 10, got inner={inner}, outer={outer}")
    gen = torch.Generator().manual_seed(check_seed(seed))
    found = torch.zeros(0, 2)
    while len(found) < num_goals:  # rejection sampling: keep the draws outside the inner square
        draw = (2 * torch.rand(4 * num_goals, 2, generator=gen) - 1) * outer
        found = torch.cat([found, draw[draw.abs().amax(1) > inner]])
    return found[:num_goals]
