"""Chapter 9 widget: pick a goal; watch PEARL's belief about it narrow as transitions arrive.

Left: the plane. The goal (star), the episodes 1, 2, 3 of one trial (episode 1 with z from the
prior, each later one with z from the posterior of everything seen before it), drawn up to the
transition the slider has reached, and the **belief as places**: 64 draws of z from the posterior
after that many transitions, each mapped to where the actor would walk with it
(:func:`course_lib.pearl.evaluate.destinations`). A wide cloud is an agent that does not know yet;
a tight cloud at the star is one that has found the goal. Right: the posterior's spread (the mean
standard deviation over z's dimensions) against transitions seen, with the episode boundaries.

The agent is trained in the notebook and passed in; moving a slider only plays (one trial per new
goal, cached) and runs the encoder and the actor forward, it never trains.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import torch
from matplotlib.patches import Circle, Rectangle

from course_lib.i18n import tr
from course_lib.pearl.evaluate import adaptation_trial, destinations, prefix_posteriors
from course_lib.pearl.train import PEARLAgent, PEARLConfig, check_agent
from course_lib.plotting import COLORS, PlotView, new_figure
from course_lib.training import make_generator
from course_lib.validation import check_int, check_real, check_seed, check_sequence
from course_lib.widgets._base import explorer, float_slider, int_slider

__all__ = ["pearl_explorer"]

_EPISODE_COLORS = [COLORS[c] for c in ("orange", "blue", "green")]
EPISODES = 3
BELIEF_SAMPLES = 64
MAX_CACHED_GOALS = 400  # the sliders offer fewer goals than this; the cache stays bounded


def _check(agent: object, config: object, goal: object) -> tuple[float, float]:
    check_agent(agent, config)
    if not isinstance(goal, Sequence) or len(goal) != 2:
        raise TypeError(f"goal must be a pair (x, y), got {goal!r}")
    x, y = check_sequence("goal", goal, of=Real, length=2)
    return check_real("goal x", x, -1e3, 1e3), check_real("goal y", y, -1e3, 1e3)


def _goal_controls(config: PEARLConfig, goal: tuple[float, float]) -> dict:
    """The sparse task's goal lies on the half-circle: one angle slider; navigation's: x and y."""
    if config.task == "sparse_point_robot":
        angle = math.degrees(math.atan2(goal[1], goal[0]))
        check_real("goal angle (degrees)", angle, 0.0, 180.0)
        return {
            "angle": float_slider(
                tr("goal angle (°)"), round(angle / 5) * 5, 0.0, 180.0, 5.0, ".0f"
            )
        }
    lo, hi = config.goal_low, config.goal_high
    x, y = (check_real(f"goal {n}", v, lo, hi) for n, v in zip("xy", goal))
    return {
        "x": float_slider(tr("goal x"), round(x / 0.05) * 0.05, lo, hi, 0.05),
        "y": float_slider(tr("goal y"), round(y / 0.05) * 0.05, lo, hi, 0.05),
    }


def pearl_explorer(
    agent: PEARLAgent,
    config: PEARLConfig,
    *,
    goal: Sequence[float],
    transitions: int | None = None,
    seed: int = 0,
):
    """A goal control (an angle on the half-circle, or x and y on the square) and a slider for how
    many transitions of the trial the posterior has seen (0 = the prior).

    Args:
        agent, config: the trained PEARL agent and its config (the task comes from there).
        goal: the goal shown first (the notebook picks one with ``explorer_goal``).
        transitions: where the transitions slider starts (default: the end of episode 1).
        seed: seeds the trial's draws of z and the belief's 64 samples.
    """
    gx, gy = _check(agent, config, goal)
    check_seed(seed)
    total = EPISODES * config.max_steps
    start = (
        config.max_steps if transitions is None else check_int("transitions", transitions, 0, total)
    )
    controls = {
        **_goal_controls(config, (gx, gy)),
        "seen": int_slider(tr("transitions seen"), start, 0, total),
    }
    fig, (ax_plane, ax_spread) = new_figure(1, 2, figsize=(10.0, 4.2), width_ratios=(1.2, 1.0))
    view = PlotView(fig)
    noise = torch.randn(BELIEF_SAMPLES, agent.latent_dim, generator=make_generator(seed))
    trials: dict[tuple[float, float], tuple] = {}

    def current_goal() -> tuple[float, float]:
        if "angle" in controls:
            a = math.radians(controls["angle"].value)
            return (round(math.cos(a), 6), round(math.sin(a), 6))
        return (controls["x"].value, controls["y"].value)

    def trial_of(g: tuple[float, float]) -> tuple:
        if g not in trials:
            if len(trials) >= MAX_CACHED_GOALS:
                trials.clear()
            trial = adaptation_trial(agent, config, torch.tensor([g]), episodes=EPISODES, seed=seed)
            trials[g] = (trial, *prefix_posteriors(agent, trial, 0))
        return trials[g]

    def draw_frame(ax, g: tuple[float, float]) -> None:
        if config.task == "sparse_point_robot":
            theta = torch.linspace(0, math.pi, 100)
            ax.plot(
                theta.cos(),
                theta.sin(),
                ls="--",
                color=COLORS["grey"],
                lw=1,
                label=tr("possible goals"),
            )
            ax.add_patch(Circle(g, config.goal_radius, fill=False, color="black", lw=1, ls=":"))
            ax.set(xlim=(-1.3, 1.3), ylim=(-0.5, 1.4))
        else:
            lo, hi = config.goal_low, config.goal_high
            ax.add_patch(
                Rectangle((lo, lo), hi - lo, hi - lo, fill=False, ls="--", color=COLORS["grey"])
            )
            ax.set(xlim=(-1.1, 1.1), ylim=(-1.1, 1.1))
        ax.plot(*g, marker="*", ms=16, color="black", ls="none", label=tr("goal"))
        ax.plot(0, 0, marker="o", color="black", ms=5, ls="none")

    def update() -> str:
        g = current_goal()
        trial, means, variances = trial_of(g)
        seen = controls["seen"].value
        ax_plane.clear()
        draw_frame(ax_plane, g)
        steps = config.max_steps
        for e in range(EPISODES):
            shown = min(max(seen - e * steps, 0), steps)
            if shown == 0:
                continue
            path = trial.paths[e, 0, : shown + 1]
            label = tr("episode {e} (return {ret:.1f})", e=e + 1, ret=float(trial.returns[e, 0]))
            ax_plane.plot(*path.T, color=_EPISODE_COLORS[e], lw=2, marker="o", ms=2.5, label=label)
        belief = means[seen] + variances[seen].sqrt() * noise
        ends = destinations(agent, config, belief)
        ax_plane.scatter(*ends.T, s=10, color=COLORS["purple"], alpha=0.6,
                         label=tr("where z ~ q(z | {seen} transitions) leads", seen=seen))  # fmt: skip
        ax_plane.set(
            aspect="equal", xlabel="x", ylabel="y", title=tr("one trial, and the belief as places")
        )
        ax_plane.legend(loc="lower left", fontsize=7)

        ax_spread.clear()
        spread = variances.sqrt().mean(-1)
        ax_spread.plot(
            range(len(spread)),
            spread,
            color=COLORS["purple"],
            label=tr("posterior std (mean over z)"),
        )
        for e in range(1, EPISODES):
            ax_spread.axvline(e * steps, color=COLORS["grey"], ls=":", lw=1)
        ax_spread.axvline(
            seen, color="black", lw=1.5, label=tr("{seen} transitions seen", seen=seen)
        )
        ax_spread.axhline(1.0, color=COLORS["grey"], ls="--", lw=1, label=tr("prior std (1)"))
        ax_spread.set(xlabel=tr("transitions seen (dotted: episode ends)"),
                      ylabel=tr("posterior std"), ylim=(0, 1.1),
                      title=tr("the belief narrows as transitions arrive"))  # fmt: skip
        ax_spread.legend(loc="upper right", fontsize=8)
        returns = ", ".join(f"{r:.1f}" for r in trial.returns[:, 0].tolist())
        return tr(
            "goal ({x:.2f}, {y:.2f}); returns of episodes 1–{episodes}: {returns}; posterior "
            "std after {seen} transitions {spread:.3f} (prior 1)",
            x=g[0],
            y=g[1],
            episodes=EPISODES,
            returns=returns,
            seen=seen,
            spread=float(spread[seen]),
        )

    return explorer(
        controls, view, update, title=tr("PEARL: infer the task, then act on the belief")
    )
