"""Chapter 8 widget: pick a goal; watch MAML-RL adapt by gradient steps and RL² by memory.

Left: the MAML-RL policy's mean path before adaptation (θ_0) and after each policy-gradient
step θ_1..θ_k on that goal (dots mark the positions, so a path that barely leaves the start
still shows). Right: RL²'s paths in episodes 1, 2, 3 of one trial on the same
goal. Both policies are trained in the notebook and passed in; moving a slider only *adapts*
(a few cheap policy-gradient steps on ``num_trajectories`` episodes) and plays, it never trains.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.patches import Rectangle

from course_lib.compare.maml_rl_vs_rl2 import rl2_paths
from course_lib.i18n import tr
from course_lib.maml_rl import GaussianPolicy, adaptation_curve, greedy_paths
from course_lib.plotting import COLORS, PlotView, new_figure
from course_lib.rl2.agent import RecurrentActorCritic
from course_lib.validation import check_int, check_real
from course_lib.widgets._base import explorer, float_slider, int_slider

__all__ = ["maml_rl_explorer"]

_STEP_COLORS = [COLORS[c] for c in ("grey", "blue", "green", "purple")]
_EPISODE_COLORS = [COLORS[c] for c in ("orange", "red", "sky")]
#: A slider move replays 4 × num_trajectories episodes of max_steps steps (MAML-RL's θ_0..θ_3)
#: and one RL² trial: within this budget that stays under about a second. Chapter 8 uses 20 × 100.
MAX_WIDGET_STEPS = 500
WIDGET_STEP_BUDGET = 20_000
LIMIT = 1.0  # the sliders reach this far: beyond the training square, for out-of-distribution goals


def _check_inputs(policy: object, agent: object, goal: Sequence[float]) -> tuple[float, float]:
    if not isinstance(policy, GaussianPolicy):
        raise TypeError(f"policy must be a GaussianPolicy, got {type(policy).__name__}")
    if not isinstance(agent, RecurrentActorCritic):
        raise TypeError(f"rl2_agent must be a RecurrentActorCritic, got {type(agent).__name__}")
    if isinstance(goal, torch.Tensor | np.ndarray):
        goal = goal.tolist()  # a numpy or torch pair is a pair too
    if not isinstance(goal, Sequence) or isinstance(goal, str) or len(goal) != 2:
        raise TypeError(f"goal must be a pair (x, y), got {goal!r}")
    x = check_real("goal x", goal[0], -LIMIT, LIMIT)
    y = check_real("goal y", goal[1], -LIMIT, LIMIT)
    return x, y


def maml_rl_explorer(
    policy: GaussianPolicy,
    rl2_agent: RecurrentActorCritic,
    *,
    goal: Sequence[float] = (0.3, -0.3),
    shown_steps: int = 1,
    num_trajectories: int = 20,
    inner_lr: float = 0.1,
    gamma: float = 0.99,
    max_steps: int = 100,
    seed: int = 0,
):
    """Goal sliders (x, y in [−1, 1]; the training square is [−0.5, 0.5]²) and a slider for
    how many of MAML-RL's 3 gradient steps to show.

    Args:
        policy: the meta-trained MAML-RL policy (θ_0).
        rl2_agent: the trained RL² agent (discrete 2-D navigation).
        goal: the goal shown first.
        shown_steps: MAML-RL paths drawn first: θ_0 .. θ_shown_steps.
        num_trajectories, inner_lr, gamma: the inner step, as in training.
        max_steps: episode length, as in training.
        seed: seeds the episodes behind each gradient step and RL²'s trial.
    """
    gx, gy = _check_inputs(policy, rl2_agent, goal)
    check_int("max_steps", max_steps, 1, MAX_WIDGET_STEPS)
    check_int("num_trajectories", num_trajectories, 2)
    if num_trajectories * max_steps > WIDGET_STEP_BUDGET:
        raise ValueError(
            f"num_trajectories × max_steps (steps per gradient step) must be at most the widget's "
            f"budget of {WIDGET_STEP_BUDGET:_} (a slider move must stay fast), got "
            f"{num_trajectories} × {max_steps} = {num_trajectories * max_steps:_}"
        )
    check_int("shown_steps", shown_steps, minimum=0)
    if shown_steps > 3:
        raise ValueError(f"shown_steps must be an integer in [0, 3], got {shown_steps}")
    controls = {
        "x": float_slider(tr("goal x"), gx, -LIMIT, LIMIT, 0.05),
        "y": float_slider(tr("goal y"), gy, -LIMIT, LIMIT, 0.05),
        "steps": int_slider(tr("MAML-RL steps shown"), shown_steps, 0, 3),
    }
    fig, (ax_maml, ax_rl2) = new_figure(1, 2, figsize=(9.5, 4.2), sharex=True, sharey=True)
    view = PlotView(fig)

    # goal -> both methods' runs, so the "steps" slider only redraws. Bounded: the two sliders
    # offer at most 41 × 41 goals.
    adapted: dict[tuple[float, float], tuple] = {}

    def runs(goal: tuple[float, float]) -> tuple:
        if goal not in adapted:
            goal_t = torch.tensor([goal])
            curve = adaptation_curve(
                policy,
                goal_t,
                steps=3,
                num_trajectories=num_trajectories,
                inner_lr=inner_lr,
                gamma=gamma,
                max_steps=max_steps,
                seed=seed,
            )
            rl2 = rl2_paths(rl2_agent, goal_t[0], max_steps=max_steps, seed=seed)
            adapted[goal] = (goal_t, curve, greedy_paths(curve, policy), *rl2)
        return adapted[goal]

    def update() -> str:
        goal_t, curve, paths, rl2, rl2_returns = runs((controls["x"].value, controls["y"].value))
        k = controls["steps"].value
        for ax in (ax_maml, ax_rl2):
            ax.clear()
            ax.add_patch(Rectangle((-0.5, -0.5), 1, 1, fill=False, ls="--", color=COLORS["grey"]))
            ax.plot(
                *goal_t[0].tolist(), marker="*", ms=16, color="black", ls="none", label=tr("goal")
            )
            ax.plot(0, 0, marker="o", color="black", ms=5, ls="none")
            ax.set(xlim=(-1.1, 1.1), ylim=(-1.1, 1.1), aspect="equal", xlabel="x")
        returns = curve.per_task[0].tolist()
        for step in range(k + 1):
            reach = float(paths[step].norm(dim=-1).max())
            if reach < 0.1:  # a path that stays at the start would hide under its marker
                label = tr(
                    "θ_{step} (return {ret:.1f}), stays within {reach:.2f} of the start",
                    step=step,
                    ret=returns[step],
                    reach=reach,
                )
            else:
                label = tr("θ_{step} (return {ret:.1f})", step=step, ret=returns[step])
            ax_maml.plot(*paths[step].T, color=_STEP_COLORS[step], lw=2, marker="o", ms=3,
                         label=label, zorder=3 + step)  # fmt: skip
        for e, path in enumerate(rl2):
            label = tr("episode {e} (return {ret:.1f})", e=e + 1, ret=rl2_returns[e])
            ax_rl2.plot(*path.T, color=_EPISODE_COLORS[e], lw=2, alpha=0.85, label=label)
        ax_maml.set(ylabel="y", title=tr("MAML-RL: mean path after 0..{k} gradient steps", k=k))
        ax_rl2.set(title=tr("RL²: one trial, weights fixed"))
        ax_maml.legend(loc="upper left", fontsize=8)
        ax_rl2.legend(loc="upper left", fontsize=8)
        inside = max(abs(controls["x"].value), abs(controls["y"].value)) <= 0.5
        values = dict(
            maml=", ".join(f"{r:.1f}" for r in returns),
            rl2=", ".join(f"{r:.1f}" for r in rl2_returns.tolist()),
            n=num_trajectories,
        )
        if inside:
            return tr(
                "goal inside the training square (dashed). MAML-RL return after 0–3 steps: "
                "{maml}; RL² episodes 1–3: {rl2} (each step: {n} episodes)",
                **values,
            )
        return tr(
            "goal <b>outside</b> the training square (dashed). MAML-RL return after 0–3 steps: "
            "{maml}; RL² episodes 1–3: {rl2} (each step: {n} episodes)",
            **values,
        )

    return explorer(controls, view, update, title=tr("Adapt by gradient steps vs adapt by memory"))
