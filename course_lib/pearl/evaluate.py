"""PEARL on new tasks: the adaptation protocol, the posterior as transitions arrive, the widget's goal.

**The protocol** (the authors' ``collect_paths`` with one exploration episode): on a new task the
context starts empty, so episode 1 acts with z drawn from the prior N(0, I): the **zero-context
policy**. After each episode, every transition seen so far in the task goes into the posterior
q(z | c), and the next episode acts with a fresh z ∼ q(z | c): **posterior sampling** (后验采样),
Thompson sampling (Chapter 7) lifted from bandit arms to whole policies. The actor plays its mean
action (``deterministic=True``), so the only randomness left is the choice of z. Nothing is
trained: adapting is inference, and costs one encoder pass per episode.

The score "after k episodes" is the return of episode k + 1, ``returns[k]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from course_lib.pearl.encoder import product_of_gaussians
from course_lib.pearl.train import PEARLAgent, PEARLConfig, make_env, play_episodes
from course_lib.training import make_generator
from course_lib.validation import check_int

__all__ = ["Trial", "adaptation_trial", "prefix_posteriors", "destinations", "explorer_goal"]

#: Caps stated in the errors: beyond them one call takes minutes or gigabytes.
MAX_GOALS, MAX_EPISODES = 100_000, 50


@dataclass
class Trial:
    """E episodes on each of G goals, played with posterior sampling (module docstring).

    ``returns [E, G]``: the task's return of each episode; ``paths [E, G, T + 1, 2]``: the
    positions from the start, an episode that ended early staying where it ended; ``context
    [G, E·T, width]`` and ``mask [G, E·T]``: every transition in the order it was seen; ``z [E,
    G, d]``: the task variable each episode acted with.
    """

    returns: Tensor
    paths: Tensor
    context: Tensor
    mask: Tensor
    z: Tensor
    goals: Tensor


def _check_goals(goals: object) -> Tensor:
    if not isinstance(goals, Tensor):
        raise TypeError(f"goals must be a float tensor [G, 2], got {type(goals).__name__}")
    if goals.dim() != 2 or goals.shape[1] != 2 or not 1 <= goals.shape[0] <= MAX_GOALS:
        raise ValueError(
            f"goals must have shape [G, 2] with 1 <= G <= {MAX_GOALS}, got {tuple(goals.shape)}"
        )
    if not bool(torch.isfinite(goals).all()):
        raise ValueError("goals must be finite")
    return goals.float()


def _check_agent(agent: object, config: object) -> None:
    if not isinstance(agent, PEARLAgent):
        raise TypeError(
            f"agent must be a PEARLAgent (train_pearl(...).model), got {type(agent).__name__}"
        )
    if not isinstance(config, PEARLConfig):
        raise TypeError(
            f"config must be the PEARLConfig the agent was trained with, got {type(config).__name__}"
        )


@torch.no_grad()
def adaptation_trial(
    agent: PEARLAgent,
    config: PEARLConfig,
    goals: Tensor,
    *,
    episodes: int = 4,
    seed: int = 0,
    deterministic: bool = True,
) -> Trial:
    """Play ``episodes`` episodes on every goal of ``goals [G, 2]`` with posterior sampling.

    Episode 1 uses z ∼ N(0, I); episode k + 1 uses z ∼ q(z | every transition of episodes 1..k).
    ``seed`` seeds the draws of z (and the actions, if not ``deterministic``).
    """
    _check_agent(agent, config)
    goals = _check_goals(goals)
    check_int("episodes", episodes, 1, MAX_EPISODES)
    gen = make_generator(seed)
    env = make_env(config, len(goals))
    contexts, masks, returns, paths, zs = [], [], [], [], []
    z = agent.prior_z(len(goals), gen)
    for k in range(episodes):
        if k > 0:
            z = agent.sample_z(*agent.posterior(torch.cat(contexts, 1), torch.cat(masks, 1)), gen)
        played = play_episodes(agent, env, goals, z, gen, deterministic=deterministic)
        context, mask = played.context(config.next_obs_in_context)
        contexts.append(context)
        masks.append(mask)
        returns.append(played.returns)
        zs.append(z.cpu())
        paths.append(_path(played.next_obs, played.mask))
    return Trial(
        torch.stack(returns),
        torch.stack(paths),
        torch.cat(contexts, 1),
        torch.cat(masks, 1),
        torch.stack(zs),
        goals,
    )


def _path(after: Tensor, mask: Tensor) -> Tensor:
    """``[G, T + 1, 2]`` from positions after each move ``[T, G, 2]``: the origin first, and an
    episode that ended early stays where it ended (its padding steps are another episode's)."""
    after = after.clone()
    for t in range(1, len(after)):
        after[t] = torch.where(mask[t, :, None], after[t], after[t - 1])
    return torch.cat([torch.zeros(1, *after.shape[1:]), after]).transpose(0, 1)


@torch.no_grad()
def prefix_posteriors(
    agent: PEARLAgent, trial: Trial, goal_index: int = 0
) -> tuple[Tensor, Tensor]:
    """The posterior after each prefix of one goal's transitions: ``(means, variances)``,
    ``[N + 1, d]`` each, row t after the first t transitions (row 0 is the prior).

    Every factor is computed once; precisions are summed cumulatively, so all N + 1 posteriors
    cost one encoder pass (the product's order does not matter, its prefixes do).
    """
    check_int("goal_index", goal_index, 0, len(trial.goals) - 1)
    context, mask = trial.context[goal_index], trial.mask[goal_index]
    means, variances = agent.encoder.factors(context.to(agent.device))
    n = len(context)
    upto = torch.tril(torch.ones(n + 1, n, dtype=torch.bool), diagonal=-1) & mask.to(agent.device)
    return product_of_gaussians(means.expand(n + 1, -1, -1), variances.expand(n + 1, -1, -1), upto)


@torch.no_grad()
def destinations(agent: PEARLAgent, config: PEARLConfig, z: Tensor) -> Tensor:
    """Where each task variable sends the agent: the end of a mean-action episode, ``[S, 2]``.

    A sample of z from the posterior, mapped through the actor this way, shows the belief as
    places on the plane: where the agent would look for the goal if it acted on that sample.
    """
    z = torch.as_tensor(z, dtype=torch.float32)
    if z.dim() != 2 or z.shape[1] != agent.latent_dim or not 1 <= len(z) <= MAX_GOALS:
        raise ValueError(f"z must have shape [S, {agent.latent_dim}], got {tuple(z.shape)}")
    env = make_env(config, len(z))
    far = torch.full((len(z), 2), 100.0)  # a goal no episode reaches: nothing ends the walk early
    played = play_episodes(
        agent, env, far, z.to(agent.device), torch.Generator(), deterministic=True
    )
    return played.next_obs[-1]


def explorer_goal(
    agent: PEARLAgent,
    config: PEARLConfig,
    candidates: Tensor,
    *,
    seed: int = 0,
    episodes: int = 3,
) -> tuple[Tensor, Trial]:
    """The goal the chapter's widget opens on, chosen by playing every candidate as the widget does.

    Among the candidates where episode 2 earns at least twice episode 1 plus 1 (sparse task) or
    loses at most half of what episode 1 lost (dense task, negative returns), the one with the
    largest gain from episode 1 to episode 2; ``ValueError`` if none shows it. Returns the goal
    ``[2]`` and its one-goal trial (the very trial the widget replays).
    """
    goals = _check_goals(candidates)
    best, best_gain = None, -float("inf")
    for goal in goals:  # one at a time, exactly as the widget plays a goal
        trial = adaptation_trial(agent, config, goal[None], episodes=episodes, seed=seed)
        first, second = (float(r) for r in trial.returns[:2, 0])
        if config.task == "sparse_point_robot":
            shows = second >= 2 * max(first, 0.0) + 1.0
        else:  # negative returns: episode 2 loses at most half of what episode 1 lost
            shows = second >= 0.5 * first
        if shows and second - first > best_gain:
            best, best_gain = (goal, trial), second - first
    if best is None:
        raise ValueError(
            "no candidate goal shows exploration then exploitation (episode 2 well above episode 1)"
        )
    return best
