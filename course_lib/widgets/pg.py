"""Chapter 1 widget: how the discount factor γ and the policy's randomness shape returns and values.

A thin view over :mod:`course_lib.tabular`: the exact values come from
:func:`~course_lib.tabular.solve_values` and :func:`~course_lib.tabular.action_values`, the
sampled episode from :func:`~course_lib.tabular.sample_episodes`, its return from
:func:`course_lib.pg.discounted_return`.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch

from course_lib.pg import discounted_return
from course_lib.plotting import COLORS, PlotView, new_figure
from course_lib.tabular import (
    TabularMDP,
    action_values,
    chain_mdp,
    epsilon_greedy_policy,
    sample_episodes,
    solve_values,
)
from course_lib.validation import check_int, check_real
from course_lib.widgets._base import explorer, float_slider, int_slider
from course_lib.widgets._grid import SiteGrid

__all__ = ["return_value_explorer", "chain_values"]


def chain_values(
    mdp: TabularMDP, gamma: float, epsilon: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The policy "go right, but with probability ε pick uniformly", and its exact V and Q."""
    policy = epsilon_greedy_policy(
        torch.ones(mdp.num_states, dtype=torch.long), mdp.num_actions, epsilon
    )
    return policy, solve_values(mdp, policy, gamma), action_values(mdp, policy, gamma)


def return_value_explorer(
    gamma: float = 0.9, epsilon: float = 0.5, episode: int = 0, *, num_states: int = 5
) -> widgets.VBox:
    """Sliders for γ, the policy's randomness ε and which sampled episode to show, on
    :func:`~course_lib.tabular.chain_mdp` with ``num_states`` cells (3 to 9).

    Left: every state's exact value V^π(s) (bars) and action values Q^π(s, ·) (markers).
    Right: one sampled episode, its position over time, and its return G_0 = Σ γ^t r_t.
    The default (γ = 0.9, ε = 0.5) shows values rising toward the goal.
    """
    check_int("num_states", num_states, 3)
    if num_states > 9:
        raise ValueError(f"num_states must be in [3, 9] (one bar per state), got {num_states}")
    mdp = chain_mdp(num_states)
    check_real("gamma", gamma, 0.0, 1.0)
    check_real("epsilon", epsilon, 0.0, 1.0)
    check_int("episode", episode, 0)
    if episode > 19:
        raise ValueError(f"episode must be in [0, 19], got {episode}")
    controls = {
        "gamma": float_slider("discount γ", gamma, 0.0, 1.0, 0.05),
        "epsilon": float_slider("randomness ε", epsilon, 0.0, 1.0, 0.05),
        "episode": int_slider("episode", episode, 0, 19),
    }
    S = mdp.num_states
    names = list(mdp.state_names)
    x = np.arange(S)
    fig, (ax_v, ax_e) = new_figure(1, 2, figsize=(9.0, 3.2), width_ratios=[1.1, 1])
    view = PlotView(fig)
    bars = ax_v.bar(x, np.zeros(S), color=COLORS["blue"], width=0.6, label="V(s)")
    (q_left,) = ax_v.plot(x - 0.2, np.zeros(S), "<", color=COLORS["red"], label="Q(s, left)")
    (q_right,) = ax_v.plot(x + 0.2, np.zeros(S), ">", color=COLORS["green"], label="Q(s, right)")
    labels = [ax_v.text(i, 0, "", ha="center", va="bottom", fontsize=8) for i in range(S)]
    ax_v.set_xticks(x, names)
    ax_v.set_xlabel("state")
    ax_v.set_ylabel("value")
    ax_v.legend(loc="upper left", ncol=3, fontsize=8)
    ax_v.set_ylim(0, 1.3)  # values lie in [0, 1]; the headroom keeps the legend off the bars
    (path,) = ax_e.step([], [], where="post", color=COLORS["purple"], marker="o", ms=3)
    ax_e.set_yticks(x, names)
    ax_e.set_ylim(-0.8, S - 0.2)
    ax_e.set_xlabel("time step t")
    ax_e.set_ylabel("state s_t")

    def update() -> str:
        g, eps = controls["gamma"].value, controls["epsilon"].value
        policy, V, Q = chain_values(mdp, g, eps)
        for bar, label, v in zip(bars, labels, V.tolist()):
            bar.set_height(v)
            label.set_position((label.get_position()[0], max(v, 0)))
            label.set_text(f"{v:.2f}")
        q_left.set_ydata(Q[:, 0].numpy())
        q_right.set_ydata(Q[:, 1].numpy())
        ax_v.set_title(f"exact values, γ = {g:.2f}, ε = {eps:.2f}")

        generator = torch.Generator().manual_seed(controls["episode"].value)
        ep = sample_episodes(mdp, policy, 1, generator=generator, max_steps=200)
        states = ep.states[:, 0].numpy()
        T = len(states)
        path.set_data(np.arange(T + 1), np.append(states, states[-1]))
        ax_e.set_xlim(-0.5, max(T, 8) + 0.5)
        G0 = float(discounted_return(ep.rewards[:, 0], g))
        final = float(ep.rewards[-1, 0])
        ax_e.set_title(f"one episode: {T} steps, G_0 = {G0:.3f}")
        return (
            f"G_0 = γ^{T - 1} × {final:g} = {G0:.3f} for this episode; its expectation over all "
            f"episodes is V(s0) = {V[0]:.3f}. Values rise toward the goal while γ is large; "
            f"at γ = 0 only the next reward counts."
        )

    # γ at every step; fewer ε values and episodes, so that the site holds about 300 frames.
    site = SiteGrid(max_frames=315, positions={"epsilon": 5, "episode": 3})
    return explorer(
        controls, view, update, title="Returns and values on the chain: drag γ and ε", site=site
    )
