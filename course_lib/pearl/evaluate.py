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

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from course_lib.pearl.encoder import product_of_gaussians
from course_lib.pearl.train import (
    PEARLAgent,
    PEARLConfig,
    _check_goals,
    check_agent,
    make_env,
    play_episodes,
)
from course_lib.training import make_generator
from course_lib.validation import check_bool, check_instance, check_int, check_seed, check_tensor

__all__ = ["Trial", "adaptation_trial", "prefix_posteriors", "destinations", "explorer_goal"]

#: Caps stated in the errors: beyond them one call takes minutes or gigabytes. A trial plays
#: goals × episodes × max_steps transitions at once (and keeps them all as context); the explorer
#: plays its candidates one at a time, as the widget does; prefix posteriors hold an
#: [N + 1, N, d] product for one goal's N transitions.
MAX_GOALS, MAX_EPISODES = 100_000, 50
MAX_TRANSITIONS = 10_000_000
MAX_EXPLORER_STEPS = 200_000
MAX_PREFIX_ENTRIES = 50_000_000


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


def _check_work(product: str, factors: tuple[int, ...], cap: int) -> None:
    """The transitions a call plays, ``product`` of ``factors``, against its budget ``cap``."""
    steps = math.prod(factors)
    if steps > cap:
        raise ValueError(
            f"{product} must be <= {cap:_} transitions, got "
            f"{' * '.join(map(str, factors))} = {steps:_}"
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
    check_agent(agent, config)
    goals = _check_goals("goals", goals, maximum=MAX_GOALS)
    check_int("episodes", episodes, 1, MAX_EPISODES)
    _check_work(
        "goals * episodes * max_steps", (len(goals), episodes, config.max_steps), MAX_TRANSITIONS
    )
    check_seed(seed)
    check_bool("deterministic", deterministic)
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


def _shape(value: object) -> str:
    return str(tuple(value.shape)) if isinstance(value, Tensor) else type(value).__name__


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
    check_instance("agent", agent, PEARLAgent, "a PEARLAgent (train_pearl(...).model)")
    check_instance("trial", trial, Trial, "a Trial (adaptation_trial(...))")
    width = agent.encoder.transition_size
    context, mask = trial.context, trial.mask
    if not (
        isinstance(context, Tensor)
        and isinstance(mask, Tensor)
        and context.dim() == 3
        and context.shape[-1] == width
        and mask.dtype == torch.bool
        and mask.shape == context.shape[:2]
    ):
        raise ValueError(
            f"trial must hold context [G, N, {width}] (the agent's context width) and a bool mask "
            f"[G, N], got {_shape(context)} and {_shape(mask)}"
        )
    n = context.shape[1]
    if (n + 1) * n * agent.latent_dim > MAX_PREFIX_ENTRIES:
        raise ValueError(
            f"trial's N transitions per goal must keep (N + 1) * N * latent_dim <= "
            f"{MAX_PREFIX_ENTRIES:_}, got N = {n}"
        )
    check_int("goal_index", goal_index, 0, len(context) - 1)
    context, mask = context[goal_index], mask[goal_index]
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
    check_agent(agent, config)
    check_tensor("z", z, floating=True, finite=True)
    if z.dim() != 2 or z.shape[1] != agent.latent_dim or not 1 <= len(z) <= MAX_GOALS:
        raise ValueError(
            f"z must have shape [S, {agent.latent_dim}] (the agent's latent_dim) with "
            f"1 <= S <= {MAX_GOALS:_}, got {tuple(z.shape)}"
        )
    _check_work("z rows * max_steps", (len(z), config.max_steps), MAX_TRANSITIONS)
    env = make_env(config, len(z))
    far = torch.full((len(z), 2), 100.0)  # a goal no episode reaches: nothing ends the walk early
    played = play_episodes(
        agent, env, far, z.float().to(agent.device), torch.Generator(), deterministic=True
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
    check_agent(agent, config)
    goals = _check_goals("candidates", candidates, maximum=MAX_GOALS)
    check_seed(seed)
    check_int("episodes", episodes, 2, MAX_EPISODES)  # episodes 1 and 2 are compared
    _check_work(
        "candidates * episodes * max_steps",
        (len(goals), episodes, config.max_steps),
        MAX_EXPLORER_STEPS,
    )
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
