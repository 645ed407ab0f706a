"""Chapter 1 widgets: returns and values on the chain, and Q-learning finding Q*.

Thin views over the library:

* :func:`return_value_explorer`: how the discount factor γ and the policy's randomness shape
  returns and values. The exact values come from :func:`~course_lib.tabular.solve_values`
  and :func:`~course_lib.tabular.action_values`, the sampled episode from
  :func:`~course_lib.tabular.sample_episodes`, its return from
  :func:`course_lib.pg.discounted_return`.
* :func:`q_learning_explorer`: the Q-table of runs of :func:`course_lib.td.q_learning`
  (trained in the notebook and passed in), episode by episode, against Q* from
  :func:`~course_lib.tabular.value_iteration`.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch

from course_lib.i18n import tr
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
from course_lib.td import QLearningResult, greedy_actions
from course_lib.training import make_generator
from course_lib.validation import check_int, check_real, check_tensor
from course_lib.widgets._base import explorer, float_slider, int_slider
from course_lib.widgets._grid import SiteGrid

__all__ = [
    "return_value_explorer",
    "chain_values",
    "q_learning_explorer",
    "settled_episode",
    "converged_episode",
]


def chain_values(
    mdp: TabularMDP, gamma: float, epsilon: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The policy "go right, but with probability ε pick uniformly", and its exact V and Q."""
    _check_mdp(mdp)
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
        "gamma": float_slider(tr("discount γ"), gamma, 0.0, 1.0, 0.05),
        "epsilon": float_slider(tr("randomness ε"), epsilon, 0.0, 1.0, 0.05),
        "episode": int_slider(tr("episode"), episode, 0, 19),
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
    ax_v.set_xlabel(tr("state"))
    ax_v.set_ylabel(tr("value"))
    ax_v.legend(loc="upper left", ncol=3, fontsize=8)
    ax_v.set_ylim(0, 1.3)  # values lie in [0, 1]; the headroom keeps the legend off the bars
    (path,) = ax_e.step([], [], where="post", color=COLORS["purple"], marker="o", ms=3)
    ax_e.set_yticks(x, names)
    ax_e.set_ylim(-0.8, S - 0.2)
    ax_e.set_xlabel(tr("time step t"))
    ax_e.set_ylabel(tr("state s_t"))

    def update() -> str:
        g, eps = controls["gamma"].value, controls["epsilon"].value
        policy, V, Q = chain_values(mdp, g, eps)
        for bar, label, v in zip(bars, labels, V.tolist()):
            bar.set_height(v)
            label.set_position((label.get_position()[0], max(v, 0)))
            label.set_text(f"{v:.2f}")
        q_left.set_ydata(Q[:, 0].numpy())
        q_right.set_ydata(Q[:, 1].numpy())
        ax_v.set_title(tr("exact values, γ = {g:.2f}, ε = {eps:.2f}", g=g, eps=eps))

        generator = make_generator(controls["episode"].value)
        ep = sample_episodes(mdp, policy, 1, generator=generator, max_steps=200)
        states = ep.states[:, 0].numpy()
        T = len(states)
        path.set_data(np.arange(T + 1), np.append(states, states[-1]))
        ax_e.set_xlim(-0.5, max(T, 8) + 0.5)
        G0 = float(discounted_return(ep.rewards[:, 0], g))
        final = float(ep.rewards[-1, 0])
        ax_e.set_title(tr("one episode: {T} steps, G_0 = {G0:.3f}", T=T, G0=G0))
        return tr(
            "G_0 = γ^{power} × {final:g} = {G0:.3f} for this episode; its expectation over all "
            "episodes is V(s0) = {V0:.3f}. Values rise toward the goal while γ is large; "
            "at γ = 0 only the next reward counts.",
            power=T - 1,
            final=final,
            G0=G0,
            V0=float(V[0]),
        )

    # γ at every step; fewer ε values and episodes, so that the site holds about 300 frames.
    site = SiteGrid(max_frames=315, positions={"epsilon": 5, "episode": 3})
    return explorer(
        controls, view, update, title=tr("Returns and values on the chain: drag γ and ε"), site=site
    )


# --------------------------------------------------------------------------------------------
# Q-learning, episode by episode
# --------------------------------------------------------------------------------------------


def _first_for_good(good: torch.Tensor) -> int | None:
    """The first index from which ``good`` (a bool vector) holds to the end; None if not at the end."""
    if not good[-1]:
        return None
    bad = (~good).nonzero()
    return 0 if bad.numel() == 0 else int(bad[-1]) + 1


def _check_mdp(mdp: object) -> TabularMDP:
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")
    return mdp


def _check_run(result: object, q_star: object, run: object) -> int:
    """``run`` as a learner index of ``result``, whose tables have ``q_star``'s shape."""
    if not isinstance(result, QLearningResult):
        raise TypeError(f"result must be a QLearningResult, got {type(result).__name__}")
    check_tensor("q_star", q_star, ndim=2, floating=True, finite=True)
    if tuple(result.history.shape[2:]) != tuple(q_star.shape):
        raise ValueError(
            f"q_star must have the runs' table shape {list(result.history.shape[2:])}, got "
            f"{list(q_star.shape)}"
        )
    return check_int("run", run, 0, result.history.shape[1] - 1)


def settled_episode(result: QLearningResult, q_star: torch.Tensor, run: int = 0) -> int | None:
    """The first episode after which run ``run``'s greedy policy is optimal and stays so
    (``None``: its last greedy policy is not optimal)."""
    run = _check_run(result, q_star, run)
    optimal = greedy_actions(q_star)
    return _first_for_good((greedy_actions(result.history[:, run]) == optimal).all(-1))


def converged_episode(
    result: QLearningResult, q_star: torch.Tensor, run: int = 0, tol: float = 1e-3
) -> int | None:
    """The first episode after which run ``run``'s max |Q − Q*| stays below ``tol`` (or None)."""
    run = _check_run(result, q_star, run)
    tol = check_real("tol", tol, 0.0, 1e6, lo_open=True)
    errors = (result.history[:, run] - q_star).abs().amax((-2, -1))
    return _first_for_good(errors < tol)


def _arrows(actions: torch.Tensor, names: tuple[str, ...]) -> str:
    marks = {"left": "←", "right": "→"}
    return " ".join(marks.get(names[a], names[a]) for a in actions.tolist())


def q_learning_explorer(
    runs: dict[float, QLearningResult],
    q_star: torch.Tensor,
    *,
    mdp: TabularMDP | None = None,
    epsilon: float | None = None,
    run: int = 0,
    episode: int | None = None,
) -> widgets.VBox:
    """Browse Q-learning runs episode by episode against the optimal Q*.

    ``runs`` maps a behaviour ε to the :class:`~course_lib.td.QLearningResult` of
    :func:`course_lib.td.q_learning` with that ε (several learners each); ``q_star`` is
    :func:`~course_lib.tabular.value_iteration`'s answer for the same γ. Left: Q(s, ·) after
    the chosen episode (bars) and Q* (markers). Right: that run's largest error
    max |Q − Q*| over all episodes. The default view is the first ε, run 0, at the episode
    from which Q stays within 10⁻³ of Q* (:func:`converged_episode`), or its last episode if
    it never does; the status line says when the greedy policy became optimal
    (:func:`settled_episode`), usually long before.
    """
    mdp = chain_mdp() if mdp is None else _check_mdp(mdp)
    if not isinstance(runs, dict) or not runs:
        raise TypeError(
            f"runs must be a non-empty dict {{epsilon: QLearningResult}}, got {runs!r:.60}"
        )
    for eps, result in runs.items():
        check_real("runs keys (behaviour epsilon)", eps, 0.0, 1.0)
        if not isinstance(result, QLearningResult):
            raise TypeError(f"runs[{eps}] must be a QLearningResult, got {type(result).__name__}")
    shape = (mdp.num_states, mdp.num_actions)
    if not isinstance(q_star, torch.Tensor) or tuple(q_star.shape) != shape:
        raise ValueError(f"q_star must be a tensor of shape {list(shape)}, got {q_star!r}")
    check_tensor("q_star", q_star, floating=True, finite=True)
    first = next(iter(runs.values()))
    if any(r.history.shape != first.history.shape for r in runs.values()):
        raise ValueError("every run must have the same episodes and learners (history shape)")
    if tuple(first.history.shape[2:]) != shape:
        raise ValueError(f"the runs' tables must have shape {list(shape)}, as the mdp")
    K, R = first.history.shape[0] - 1, first.history.shape[1]
    epsilon = next(iter(runs)) if epsilon is None else epsilon
    if epsilon not in runs:
        raise ValueError(f"epsilon must be one of {list(runs)}, got {epsilon!r}")
    check_int("run", run, 0, R - 1)
    if episode is None:
        converged = converged_episode(runs[epsilon], q_star, run)
        episode = K if converged is None else converged
    check_int("episode", episode, 0, K)
    controls = {
        "epsilon": widgets.ToggleButtons(
            options=[(f"ε = {e:g}", e) for e in runs], value=epsilon, description=tr("behaviour")
        ),
        "run": int_slider(tr("run"), run, 0, R - 1),
        "episode": int_slider(tr("after episode"), episode, 0, K),
    }
    S = mdp.num_states
    names = mdp.state_names or tuple(f"s{s}" for s in range(S))
    x = np.arange(S)
    fig, (ax_q, ax_e) = new_figure(1, 2, figsize=(9.5, 3.3), width_ratios=[1.1, 1])
    view = PlotView(fig)
    width = 0.38
    bars = [
        ax_q.bar(x + (i - 0.5) * width, np.zeros(S), width, color=color, label=f"Q(s, {name})")
        for i, (name, color) in enumerate(zip(mdp.action_names, (COLORS["red"], COLORS["green"])))
    ]
    for i in range(mdp.num_actions):
        ax_q.plot(
            x + (i - 0.5) * width, q_star[:, i].numpy(), "_", color="black", ms=16, mew=2,
            label=tr("Q* (value iteration)") if i == 0 else None,
        )  # fmt: skip
    ax_q.set_xticks(x, names)
    ax_q.set(xlabel=tr("state"), ylabel=tr("action value"), ylim=(0, 1.25))
    ax_q.legend(loc="upper left", ncol=3, fontsize=8)
    (curve,) = ax_e.semilogy([], [], color=COLORS["blue"], label="max |Q − Q*|")
    marker = ax_e.axvline(0, color=COLORS["grey"], ls="--", lw=1, label=tr("shown episode"))
    ax_e.set(
        xlabel=tr("episode"), ylabel=tr("max over (s, a) of |Q − Q*|"), xlim=(0, K), ylim=(1e-8, 2)
    )
    ax_e.set_title(tr("distance to Q*"))
    ax_e.legend(loc="lower left", fontsize=8)
    optimal = _arrows(greedy_actions(q_star), mdp.action_names)

    def update() -> str:
        result = runs[controls["epsilon"].value]
        r, k = controls["run"].value, controls["episode"].value
        Q = result.history[k, r]
        for i, group in enumerate(bars):
            for bar, q in zip(group, Q[:, i].tolist()):
                bar.set_height(q)
        errors = (result.history[:, r] - q_star).abs().amax((-2, -1)).clamp_min(1e-12)
        curve.set_data(np.arange(K + 1), errors.numpy())
        marker.set_xdata([k, k])
        ax_q.set_title(
            tr(
                "Q after {k} episodes (ε = {eps:g}, run {r})",
                k=k,
                eps=controls["epsilon"].value,
                r=r,
            )
        )
        greedy = _arrows(greedy_actions(Q), mdp.action_names)
        settled = settled_episode(result, q_star, r)
        values = dict(k=k, greedy=greedy, optimal=optimal, error=float(errors[k]), settled=settled)
        if settled is not None:
            return tr(
                "After {k} episodes: greedy policy {greedy} (optimal {optimal}), "
                "max |Q − Q*| = {error:.2g}. In this run its greedy policy became optimal for good "
                "after episode {settled}.",
                **values,
            )
        return tr(
            "After {k} episodes: greedy policy {greedy} (optimal {optimal}), "
            "max |Q − Q*| = {error:.2g}. In this run its greedy policy never became optimal in "
            "these episodes.",
            **values,
        )

    return explorer(controls, view, update, title=tr("Q-learning on the chain: Q against Q*"))
