"""Chapter 3 widgets: the clipped objective L^CLIP and generalized advantage estimation.

Both are thin views: every number they plot comes from :mod:`course_lib.ppo`
(``clipped_surrogate_loss`` and its autograd gradient, ``compute_gae``).
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
import torch

from course_lib.i18n import tr
from course_lib.plotting import COLORS, PlotView, new_figure
from course_lib.ppo import clipped_surrogate_loss, compute_gae
from course_lib.validation import check_instance, check_real
from course_lib.widgets._base import explorer, float_slider

__all__ = ["clip_objective_explorer", "clip_objective_curve", "gae_explorer", "GAE_EXAMPLE"]


def clip_objective_curve(
    ratios: np.ndarray, advantage: float, clip_coef: float
) -> tuple[np.ndarray, np.ndarray]:
    """L^CLIP(r) = −clipped_surrogate_loss for one sample at each ratio r, and its gradient dL/dr.

    Both come from the library function (the gradient by autograd), so a flat region in the
    plot is exactly where PPO's update gets no signal.
    """
    # the scalars first: a NaN clip_coef is named even when the ratios are wrong too
    advantage = check_real("advantage", advantage, -1e6, 1e6)
    check_real("clip_coef", clip_coef, 0.0, 1.0, lo_open=True)
    check_instance("ratios", ratios, np.ndarray | list | tuple, "an array of probability ratios")
    ratios = np.asarray(ratios, dtype=np.float64)
    if ratios.ndim != 1 or ratios.size > 10_000 or not (np.isfinite(ratios) & (ratios > 0)).all():
        raise ValueError(
            "ratios must be a 1-D array of at most 10_000 finite ratios > 0, got shape "
            f"{list(ratios.shape)}, from {ratios.min() if ratios.size else None}"
        )
    objective, gradient = [], []
    for r in ratios:
        ratio = torch.tensor([float(r)], dtype=torch.float64, requires_grad=True)
        loss = clipped_surrogate_loss(
            torch.log(ratio),
            torch.zeros(1, dtype=torch.float64),
            torch.tensor([advantage], dtype=torch.float64),
            clip_coef,
        )
        (-loss).backward()
        objective.append(-loss.item())
        gradient.append(ratio.grad.item())
    return np.array(objective), np.array(gradient)


def _shade_runs(ax, x: np.ndarray, mask: np.ndarray, **kw) -> None:
    """Shade the x-ranges where ``mask`` is True."""
    start = None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        if start is not None and (not m or i == len(mask) - 1):
            end = i if m else i - 1
            ax.axvspan(x[start], x[end], **kw)
            start = None


def clip_objective_explorer(clip_coef: float = 0.2, r_max: float = 2.0) -> widgets.VBox:
    """L^CLIP as a function of the probability ratio r, for A = +1 and A = −1, with an ε slider.

    Grey bands: where the gradient with respect to r is zero (the objective is flat), so the
    update stops pushing. Dashed: the unclipped surrogate r·A for comparison.
    """
    check_real("clip_coef", clip_coef, 0.05, 0.5)  # the slider's range: nothing is clamped
    check_real("r_max", r_max, 1.2, 5.0)
    controls = {"clip_coef": float_slider(tr("clip ε"), clip_coef, 0.05, 0.5, 0.05)}
    ratios = np.linspace(0.0, r_max, 161)[1:]
    fig, axes = new_figure(1, 2, figsize=(8.5, 3.0), sharey=False)
    view = PlotView(fig)

    def update() -> str:
        eps = controls["clip_coef"].value
        for ax, adv in zip(axes, (1.0, -1.0)):
            ax.clear()
            objective, gradient = clip_objective_curve(ratios, adv, eps)
            flat = gradient == 0.0
            _shade_runs(
                ax, ratios, flat, color=COLORS["grey"], alpha=0.2, lw=0, label=tr("zero gradient")
            )
            ax.plot(
                ratios,
                ratios * adv,
                color=COLORS["grey"],
                ls="--",
                lw=1,
                label=tr("r·A (unclipped)"),
            )
            ax.plot(
                ratios,
                objective,
                color=COLORS["blue"] if adv > 0 else COLORS["red"],
                lw=2.2,
                label="L^CLIP",
            )
            for edge in (1 - eps, 1 + eps):
                ax.axvline(edge, color=COLORS["grey"], lw=0.8, ls=":")
            ax.axvline(1.0, color="black", lw=0.6)
            ax.set_xlabel(tr("probability ratio r = π_new / π_old"))
            ax.set_title(
                tr("A > 0: make the action likelier")
                if adv > 0
                else tr("A < 0: make it less likely")
            )
            ax.set_xlim(0, r_max)
            ax.set_ylim(-r_max - 0.1, r_max + 0.1)
        axes[0].set_ylabel(tr("objective (to maximise)"))
        axes[0].legend(loc="upper left")
        return tr(
            "ε = {eps:.2f}: with A &gt; 0 the gradient vanishes once r &gt; {upper:.2f}; "
            "with A &lt; 0 once r &lt; {lower:.2f}. On the other side the unclipped term stays "
            "active, so a step that made things <i>worse</i> is always corrected.",
            eps=eps,
            upper=1 + eps,
            lower=1 - eps,
        )

    return explorer(controls, view, update, title=tr("The clipped surrogate objective L^CLIP(r)"))


# A fixed 12-step rollout of one environment: episode 1 terminates at t = 4 (reward 1 at the
# goal), episode 2 is truncated by a time limit at t = 8 (its final state is still worth 0.7),
# episode 3 is still running when the rollout ends (bootstrap from V(s_12) = 0.6).
GAE_EXAMPLE: dict[str, list[float] | float | int] = {
    "rewards": [0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1],
    "values": [0.7, 0.75, 0.8, 0.9, 0.9, 0.8, 0.9, 0.6, 0.7, 0.7, 0.8, 0.9],
    "terminated_at": 4,
    "truncated_at": 8,
    "final_value": 0.7,  # V(final observation) of the truncated episode
    "last_value": 0.6,  # V(s_12), after the rollout
}


def _gae_inputs(example: dict) -> tuple[torch.Tensor, ...]:
    values = torch.tensor(example["values"], dtype=torch.float64)
    T = len(values)
    rewards = torch.tensor(example["rewards"], dtype=torch.float64)
    next_values = torch.cat(
        [values[1:], torch.tensor([float(example["last_value"])], dtype=torch.float64)]
    )
    terminated = torch.zeros(T, dtype=torch.float64)
    episode_end = torch.zeros(T, dtype=torch.float64)
    terminated[example["terminated_at"]] = 1
    episode_end[example["terminated_at"]] = episode_end[example["truncated_at"]] = 1
    next_values[example["truncated_at"]] = float(example["final_value"])
    return tuple(x.unsqueeze(1) for x in (rewards, values, next_values, terminated, episode_end))


def gae_explorer(gamma: float = 0.9, lam: float = 0.8) -> widgets.VBox:
    """γ and λ sliders over :data:`GAE_EXAMPLE`: the rewards, and the advantages A_t from
    :func:`course_lib.ppo.compute_gae`, with the λ = 0 (one-step TD) and λ = 1 (Monte Carlo) ends."""
    check_real("gamma", gamma, 0.0, 1.0)
    check_real("lam", lam, 0.0, 1.0)
    controls = {
        "gamma": float_slider(tr("discount γ"), gamma, 0.0, 1.0, 0.05),
        "lam": float_slider(tr("GAE λ"), lam, 0.0, 1.0, 0.05),
    }
    rewards, values, next_values, terminated, episode_end = _gae_inputs(GAE_EXAMPLE)
    T = rewards.shape[0]
    t = np.arange(T)
    fig, (ax_r, ax_a) = new_figure(2, 1, figsize=(8.0, 4.4), sharex=True, height_ratios=[1, 2])
    view = PlotView(fig)
    term, trunc = GAE_EXAMPLE["terminated_at"], GAE_EXAMPLE["truncated_at"]

    def mark_ends(ax) -> None:
        ax.axvline(term + 0.5, color=COLORS["red"], lw=1.5)
        ax.axvline(trunc + 0.5, color=COLORS["orange"], lw=1.5, ls="--")

    ax_r.bar(t, rewards[:, 0].numpy(), color=COLORS["green"], width=0.6, label=tr("reward r_t"))
    ax_r.plot(t, values[:, 0].numpy(), "o", color=COLORS["purple"], ms=4, label=tr("critic V(s_t)"))
    mark_ends(ax_r)
    ax_r.text(term + 0.6, 1.4, tr("terminated"), color=COLORS["red"], fontsize=8, va="top")
    ax_r.text(trunc + 0.6, 1.4, tr("truncated"), color=COLORS["orange"], fontsize=8, va="top")
    ax_r.set_ylim(0, 1.5)
    ax_r.legend(loc="upper left", ncol=2)

    def update() -> str:
        g, l = controls["gamma"].value, controls["lam"].value
        adv, _ = compute_gae(rewards, values, next_values, terminated, episode_end, g, l)
        td, _ = compute_gae(rewards, values, next_values, terminated, episode_end, g, 0.0)
        mc, _ = compute_gae(rewards, values, next_values, terminated, episode_end, g, 1.0)
        ax_a.clear()
        ax_a.axhline(0, color="black", lw=0.6)
        ax_a.plot(
            t,
            td[:, 0].numpy(),
            ":",
            color=COLORS["sky"],
            marker=".",
            label=tr("λ = 0 (TD error δ_t)"),
        )
        ax_a.plot(
            t,
            mc[:, 0].numpy(),
            "--",
            color=COLORS["grey"],
            marker=".",
            label=tr("λ = 1 (Monte Carlo − V)"),
        )
        ax_a.bar(
            t,
            adv[:, 0].numpy(),
            color=COLORS["blue"],
            width=0.55,
            alpha=0.85,
            label=f"A_t, λ = {l:.2f}",
        )
        mark_ends(ax_a)
        ax_a.set_xlabel(tr("time step t"))
        ax_a.set_ylabel(tr("advantage"))
        ax_a.set_xticks(t)
        ax_a.set_ylim(-1.0, 1.3)
        ax_a.legend(loc="upper left", ncol=3)
        horizon = math.inf if g * l >= 1 else 1 / (1 - g * l)
        horizon_text = "∞" if math.isinf(horizon) else f"{horizon:.1f}"
        return tr(
            "γλ = {gl:.2f}: a reward's credit fades by γλ per step back (about {horizon} steps), "
            "and stops at every episode end. A_0 = {a0:+.3f}, A_5 = {a5:+.3f}.",
            gl=g * l,
            horizon=horizon_text,
            a0=adv[0, 0].item(),
            a5=adv[5, 0].item(),
        )

    return explorer(
        controls, view, update, title=tr("Generalized advantage estimation: drag γ and λ")
    )
