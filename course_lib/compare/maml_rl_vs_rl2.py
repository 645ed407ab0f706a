"""MAML-RL beside RL² on the same goals: adapting by gradient steps against adapting by memory.

Both methods are scored on the same new goals:

* MAML-RL, the pre-trained policy and a random initialisation: the mean episode return after
  0, 1, 2, 3 policy-gradient steps (:func:`~course_lib.maml_rl.train.adaptation_curve`);
  each step costs ``num_trajectories`` episodes of data and a backward pass.
* RL²: the return of episodes 1, 2, 3 of one trial (:func:`rl2_episode_returns`); the
  weights never change, the GRU's state carries what the agent has learned about the goal.

RL²'s agent (Chapter 7's :class:`~course_lib.rl2.RecurrentActorCritic`) has a categorical
head, so it plays the ``"discrete"`` version of the same tasks (9 moves, same dynamics and
reward, see :mod:`course_lib.tasks.navigation`).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from course_lib.maml_rl.train import (
    MAX_EPISODE_STEPS,
    MAX_EPISODES_PER_BATCH,
    GaussianPolicy,
    _check_goals,
    adaptation_curve,
)
from course_lib.rl2.agent import RecurrentActorCritic
from course_lib.stats import mean_ci_along
from course_lib.tasks.navigation import DISCRETE_MOVES, Navigation2DVectorEnv
from course_lib.training import make_generator
from course_lib.trials import TrialBatch, episode_returns, rollout_trials
from course_lib.validation import check_instance, check_int, check_real, check_seed, check_tensor

__all__ = [
    "rl2_navigation_env",
    "rl2_episode_returns",
    "rl2_paths",
    "explorer_goal",
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


def _check_agent(agent: object, name: str = "agent") -> RecurrentActorCritic:
    if not isinstance(agent, RecurrentActorCritic) or agent.num_actions != len(DISCRETE_MOVES):
        raise TypeError(
            f"{name} must be a RecurrentActorCritic with {len(DISCRETE_MOVES)} actions (trained on "
            f"the discrete 2-D navigation env), got {type(agent).__name__}"
        )
    return agent


def _play(
    agent: RecurrentActorCritic, goals: Tensor, episodes_per_trial: int, max_steps: int, seed: int
) -> TrialBatch:
    _check_agent(agent)
    goals = _check_goals(goals)
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
    if isinstance(goal, Tensor) and goal.shape != (2,):
        raise ValueError(f"goal must be one goal [2], got shape {list(goal.shape)}")
    goal = _check_goals(goal.reshape(1, 2) if isinstance(goal, Tensor) else goal, "goal")
    batch = _play(agent, goal, episodes_per_trial, max_steps, seed)
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


def comparison_rows(results: dict[str, Tensor]) -> list[dict[str, object]]:
    """One row per method: ``{"method", "mean": [...], "ci": [...]}`` for each ``[K, G]`` tensor."""
    if not isinstance(results, Mapping) or not results:
        raise TypeError(
            f"results must be a non-empty dict of method → [K, G] returns, got {results!r:.80}"
        )
    for name, returns in results.items():
        check_tensor(f"results[{name!r}]", returns, ndim=2, finite=True)
    rows = []
    for name, returns in results.items():
        mean, half = mean_ci_along(returns)
        rows.append({"method": name, "mean": mean.tolist(), "ci": half.tolist()})
    return rows


def goals_outside(
    num_goals: int, *, inner: float = 0.5, outer: float = 1.0, seed: int = 0
) -> Tensor:
    """``[num_goals, 2]`` goals uniform on the square ring inner < max(|x|, |y|) <= outer:
    outside the training square [−inner, inner]², out of distribution for both methods.

    One round of rejection sampling (4 · num_goals draws of the outer square, the inner square's
    thrown away) and, if that round fell short (only when the ring is thin), the rest drawn
    directly from the ring's four strips, each picked in proportion to its area. Either way the
    goals are independent and uniform on the ring, and the work is two draws whatever ``inner``
    is (a rejection loop alone would run for ever as inner → outer).
    """
    check_int("num_goals", num_goals, minimum=1, maximum=100_000)
    outer = check_real("outer", outer, 0.0, 10.0, lo_open=True)
    inner = check_real("inner", inner, 0.0, 10.0)
    if not inner < outer:
        raise ValueError(f"need 0 <= inner < outer <= 10, got inner={inner}, outer={outer}")
    gen = make_generator(check_seed(seed))
    draw = (2 * torch.rand(4 * num_goals, 2, generator=gen) - 1) * outer
    found = draw[draw.abs().amax(1) > inner]
    missing = num_goals - len(found)
    if missing > 0:
        found = torch.cat([found, _ring_points(missing, inner, outer, gen)])
    return found[:num_goals]


def _ring_points(n: int, inner: float, outer: float, gen: torch.Generator) -> Tensor:
    """``n`` points uniform on inner < max(|x|, |y|) <= outer, drawn directly: the ring is a band
    |y| in (inner, outer] (x free in [−outer, outer]) plus a band |x| in (inner, outer] with
    |y| <= inner; a point is one of the two in proportion to their areas, outer : inner."""
    u = torch.rand(n, 4, generator=gen)
    along = (2 * u[:, 0] - 1) * outer  # the free coordinate, on the long band
    across = outer - (outer - inner) * u[:, 1]  # distance from the centre, in (inner, outer]
    # float32 rounding may land a thin ring's draw on inner itself: nudge it one ulp outside
    across = across.clamp(min=float(torch.nextafter(torch.tensor(inner), torch.tensor(outer))))
    sign = torch.where(u[:, 2] < 0.5, -1.0, 1.0)
    long_band = u[:, 3] < outer / (outer + inner)
    short = along * (inner / outer)  # the free coordinate on the short band, in [−inner, inner]
    x = torch.where(long_band, along, sign * across)
    y = torch.where(long_band, sign * across, short)
    return torch.stack([x, y], 1)


def explorer_goal(
    policy: GaussianPolicy,
    rl2_agent: RecurrentActorCritic,
    candidates: Tensor,
    *,
    max_steps: int,
    num_trajectories: int = 20,
    inner_lr: float = 0.1,
    seed: int = 0,
    grid: float = 0.05,
) -> tuple[tuple[float, float], dict[str, list[float]]]:
    """The goal Chapter 8's widget opens on, chosen so that both stories can be seen.

    Each candidate goal (rounded to the widget's slider ``grid``) is played exactly as the widget
    plays it (same calls, same ``seed``). The first goal, in order of RL²'s improvement from
    episode 1 to episode 2 (largest first), where RL² explores (episode 1 at least 20% below
    episode 2: it searched, then went to what it found) and one MAML-RL step helps (θ_1 above
    θ_0) is returned with its returns ``{"MAML-RL": [θ_0..θ_3], "RL²": [episodes 1..3]}``.
    """
    # All checked up front: the calls that would check them run only for some candidates.
    check_instance("policy", policy, GaussianPolicy, "a GaussianPolicy (MAML-RL's θ_0)")
    _check_agent(rl2_agent, "rl2_agent")
    goals = _check_goals(candidates, "candidates")
    check_int("max_steps", max_steps, 1, MAX_EPISODE_STEPS)
    check_int("num_trajectories", num_trajectories, 2, MAX_EPISODES_PER_BATCH)
    check_real("inner_lr", inner_lr, 0.0, 100.0)
    check_seed(seed)
    check_real("grid", grid, 0.0, 1.0, lo_open=True)
    rounded = sorted({(round(x / grid) * grid, round(y / grid) * grid) for x, y in goals.tolist()})
    rl2 = {
        g: rl2_paths(rl2_agent, torch.tensor(g), max_steps=max_steps, seed=seed)[1] for g in rounded
    }
    order = sorted(rounded, key=lambda g: float(rl2[g][0] - rl2[g][1]))  # most improved first
    exploring = 0
    for goal in order:
        first, second = float(rl2[goal][0]), float(rl2[goal][1])
        if not first < 1.2 * second:  # returns are negative: episode 1 at least 20% worse
            continue
        exploring += 1
        curve = adaptation_curve(
            policy, torch.tensor([goal]), steps=3, num_trajectories=num_trajectories,
            inner_lr=inner_lr, max_steps=max_steps, seed=seed,
        )  # fmt: skip
        maml = curve.per_task[0].tolist()
        if maml[1] > maml[0]:
            return goal, {"MAML-RL": maml, "RL²": rl2[goal].tolist()}
    raise ValueError(
        "candidates and seed must give a goal that shows both stories (RL² exploring, a helpful "
        f"MAML-RL step), got {len(rounded)} candidate goals with seed={seed}: RL² explored on "
        f"{exploring}, and no MAML-RL step helped on those; try other candidates or another seed"
    )
