"""Chapter 7 widgets: watch a trained RL² agent explore, then exploit.

Both take the played trials (a :class:`~course_lib.trials.TrialBatch` from
``evaluate_rl2(...)["batch"]``) computed once in the notebook; moving a slider only redraws.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from course_lib.i18n import tr
from course_lib.plotting import COLORS, PlotView, new_figure
from course_lib.rl2.analysis import _check_maze, bandit_posterior_counts, maze_paths
from course_lib.tasks.mazes import RandomGoalMazeVectorEnv, shortest_path_lengths
from course_lib.trials import TrialBatch, _check_batch, episode_lengths
from course_lib.validation import check_int
from course_lib.widgets._base import explorer, int_slider
from course_lib.widgets._grid import SiteGrid

__all__ = [
    "bandit_trial_viewer",
    "maze_replay",
    "trial_diagram",
    "representative_bandit_trial",
    "commit_step",
    "representative_maze_trial",
    "draw_maze",
]

_ARM_COLORS = [
    COLORS[c] for c in ("blue", "orange", "green", "red", "purple", "sky", "yellow", "grey")
]


def _beta_pdf(x: np.ndarray, a: float, b: float) -> np.ndarray:
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    return np.exp(log_norm + (a - 1) * np.log(x) + (b - 1) * np.log1p(-x))


def commit_step(batch: TrialBatch, trial: int) -> int:
    """The step from which a bandit trial pulls only its last arm (0: it never switched)."""
    _check_bandit_batch(batch)
    check_int("trial", trial, 0, batch.actions.shape[1] - 1)
    actions = batch.actions[:, trial]
    switched = torch.nonzero(actions != actions[-1]).flatten()
    return int(switched[-1]) + 1 if switched.numel() else 0


def _check_bandit_batch(batch: object) -> None:
    _check_batch(batch)
    if batch.task.dim() != 2:
        raise ValueError(
            "batch must hold bandit trials (from evaluate_rl2 on a BernoulliBanditVectorEnv: task "
            f"[N, k] arm probabilities), got task of shape {list(batch.task.shape)}"
        )


def representative_bandit_trial(batch: TrialBatch) -> int:
    """A trial that shows the story: the agent tries several arms, then commits to the best.

    Candidates, in order, until one set is non-empty: trials whose first half of the pulls
    visits at least two arms, whose second half pulls a single arm, that arm being the best
    one (the highest true p), which was *not* the first arm tried (the exploration found it);
    then the same without the last condition; then without "the best"; then every trial.
    Among them, the one whose total reward is closest to the median trial's (a typical trial,
    neither lucky nor unlucky); ties go to the lowest index.
    """
    _check_bandit_batch(batch)
    actions, returns = batch.actions, batch.trial_returns
    half = actions.shape[0] // 2
    explores = torch.tensor(
        [len(set(actions[:half, i].tolist())) >= 2 for i in range(actions.shape[1])]
    )
    commits = (actions[half:] == actions[-1:]).all(dim=0)
    on_best = actions[-1] == batch.task.argmax(dim=1)
    found_later = actions[0] != actions[-1]
    for wanted in (
        explores & commits & on_best & found_later,
        explores & commits & on_best,
        explores & commits,
        torch.ones_like(commits),
    ):
        candidates = torch.nonzero(wanted).flatten()
        if candidates.numel():
            break
    distance = (returns[candidates] - returns.median()).abs()
    return int(candidates[int(torch.argmin(distance))])


def representative_maze_trial(batch: TrialBatch) -> int:
    """A typical explore-then-exploit trial: every later episode shorter than the first.

    Among those trials (all of them if there are none), the one whose episode lengths are
    closest (sum of absolute differences) to their per-episode median; ties go to the lowest
    index. Trials whose goal lay on the sweep's first branch (every episode equally short)
    are left out: they show no exploration.
    """
    _check_batch(batch)
    lengths = episode_lengths(batch).float()
    explore_then_walk = (lengths[:, 1:] < lengths[:, :1]).all(dim=1)
    pool = (
        explore_then_walk if bool(explore_then_walk.any()) else torch.ones_like(explore_then_walk)
    )
    median = lengths[pool].median(dim=0).values
    distance = (lengths - median).abs().sum(dim=1)
    distance[~pool] = float("inf")
    return int(torch.argmin(distance))


def bandit_trial_viewer(batch: TrialBatch, *, trial: int | None = None, step: int | None = None):
    """Step through one bandit trial: pulls and rewards so far, the Beta posteriors a Bayesian
    would hold, and the agent's action probabilities at that step.

    Args:
        batch: bandit trials played by the agent (``task`` holds the true arm probabilities).
        trial: the trial shown first (default: :func:`representative_bandit_trial`, one
            where the agent explores, then commits).
        step: the step shown first (default: :func:`commit_step`, the pull from which the
            agent stays on one arm; drag back to 0 to watch it explore).
    """
    _check_bandit_batch(batch)
    if trial is None:
        trial = representative_bandit_trial(batch)
    num_trials, steps, k = batch.actions.shape[1], batch.actions.shape[0], batch.probs.shape[-1]
    check_int("trial", trial, 0, num_trials - 1)  # the batch's trials: never clamp silently
    if step is not None:
        check_int("step", step, 0, steps - 1)
    if step is None:
        step = min(max(commit_step(batch, trial), 1), steps - 1)
    controls = {
        "trial": int_slider(tr("trial"), trial, 0, num_trials - 1),
        "step": int_slider(tr("step t"), step, 0, steps - 1),
    }
    fig, (ax_pulls, ax_post, ax_prob) = new_figure(1, 3, figsize=(10.5, 3.2))
    view = PlotView(fig)
    x = np.linspace(0.002, 0.998, 200)

    def update() -> str:
        i, t = controls["trial"].value, controls["step"].value
        succ, fail = bandit_posterior_counts(batch, i)
        p = batch.task[i].numpy()
        actions, rewards = batch.actions[:, i].numpy(), batch.rewards[:, i].numpy()
        for ax in (ax_pulls, ax_post, ax_prob):
            ax.clear()
        # 1. pulls so far: arm against step, filled = reward 1
        for s in range(t):
            color = _ARM_COLORS[actions[s] % len(_ARM_COLORS)]
            ax_pulls.scatter(
                s + 1,
                actions[s],
                s=60,
                color=color if rewards[s] else "white",
                edgecolors=color,
                zorder=3,
            )
        ax_pulls.set(
            xlim=(0.5, steps + 0.5),
            ylim=(-0.5, k - 0.5),
            xlabel=tr("pull"),
            ylabel=tr("arm"),
            title=tr("pulls before step {t} (filled: reward 1)", t=t),
        )
        ax_pulls.set_yticks(range(k))
        # 2. Beta posteriors after t pulls; dashed: the true p_i
        for arm in range(k):
            color = _ARM_COLORS[arm % len(_ARM_COLORS)]
            ax_post.plot(
                x,
                _beta_pdf(x, 1 + float(succ[t, arm]), 1 + float(fail[t, arm])),
                color=color,
                label=tr("arm {arm}", arm=arm),
            )
            ax_post.axvline(p[arm], color=color, ls="--", lw=1)
        ax_post.set(
            xlabel="p", ylabel=tr("density"), title=tr("Bayesian posteriors Beta(1+s, 1+f)")
        )
        ax_post.legend(fontsize=7, ncol=2)
        # 3. the agent's policy at step t
        probs = batch.probs[t, i].numpy()
        ax_prob.bar(range(k), probs, color=[_ARM_COLORS[a % len(_ARM_COLORS)] for a in range(k)])
        ax_prob.set(
            ylim=(0, 1),
            xlabel=tr("arm"),
            ylabel=tr("π(arm | h_t)"),
            title=tr("agent's action probabilities, step {t}", t=t),
        )
        ax_prob.set_xticks(range(k))
        total = rewards[:t].sum()
        best = int(p.argmax())
        tried = sorted(set(actions[:t].tolist()))
        values = dict(
            i=i, t=t, tried=tried, total=total, arm=actions[t], best=best, p_best=probs[best]
        )
        if actions[t] == best:
            return tr(
                "trial {i}, step {t}: arms tried so far {tried}, reward so far {total:.0f}; "
                "the agent pulls arm {arm} next, the best arm; "
                "π(best arm {best} | h_t) = {p_best:.2f}",
                **values,
            )
        return tr(
            "trial {i}, step {t}: arms tried so far {tried}, reward so far {total:.0f}; "
            "the agent pulls arm {arm} next, not the best arm ({best}); "
            "π(best arm {best} | h_t) = {p_best:.2f}",
            **values,
        )

    site = SiteGrid(max_frames=100)  # three panels a frame (about 20 KB): fewer trials
    return explorer(
        controls, view, update, title=tr("RL² on a bandit trial: explore, then commit"), site=site
    )


def draw_maze(ax: Axes, free: np.ndarray, start: tuple[int, int], goal: tuple[int, int]) -> None:
    """Draw one maze on ``ax``: walls dark, the start a blue square, the hidden goal a star."""
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    if not isinstance(free, np.ndarray) or free.dtype != bool or free.ndim != 2:
        raise TypeError(
            "free must be a 2-D bool numpy array (True = free cell), e.g. from parse_layout, got "
            f"{type(free).__name__} {getattr(free, 'dtype', '')} {getattr(free, 'shape', '')}"
        )
    for name, cell in (("start", start), ("goal", goal)):
        if (
            not isinstance(cell, tuple)
            or len(cell) != 2
            or not all(isinstance(v, int | np.integer) for v in cell)
            or not (0 <= cell[0] < free.shape[0] and 0 <= cell[1] < free.shape[1])
            or not free[cell]
        ):
            raise ValueError(
                f"{name} must be a (row, col) free cell of the {free.shape[0]} x {free.shape[1]} "
                f"maze, got {cell!r}"
            )
    ax.imshow(~free, cmap=ListedColormap(["white", "#444444"]), origin="upper", vmin=0, vmax=1)
    ax.scatter(
        goal[1],
        goal[0],
        marker="*",
        s=350,
        color=COLORS["yellow"],
        edgecolors="black",
        zorder=4,
        label=tr("goal (hidden)"),
    )
    ax.scatter(
        start[1],
        start[0],
        marker="s",
        s=120,
        color=COLORS["sky"],
        edgecolors="black",
        zorder=4,
        label=tr("start"),
    )
    ax.set_xticks([])
    ax.set_yticks([])


def maze_replay(batch: TrialBatch, env: RandomGoalMazeVectorEnv, *, trial: int | None = None):
    """Replay one maze trial: pick the episode and the step; earlier episodes' paths stay faint.

    Args:
        batch: maze trials played by the agent (``task`` holds each trial's goal, and for a
            ``RandomMazeVectorEnv`` its walls: every trial is drawn in its own maze).
        env: the env they were played in (for the grid size and the fixed walls).
        trial: the trial shown first (default: :func:`representative_maze_trial`, a typical
            trial that explores once and then walks back).
    """
    _check_maze(batch, env)
    num_trials = batch.actions.shape[1]
    if trial is None:
        trial = representative_maze_trial(batch)
    check_int("trial", trial, 0, num_trials - 1)
    controls = {
        "trial": int_slider(tr("trial"), trial, 0, num_trials - 1),
        "episode": int_slider(tr("episode"), 1, 1, env.episodes_per_trial),
        "step": int_slider(tr("step"), env.max_steps, 0, env.max_steps),
    }
    fig, ax = new_figure(figsize=(4.2, 4.2))
    view = PlotView(fig)
    colors = [COLORS[c] for c in ("grey", "blue", "green", "orange", "purple", "red")]
    start = divmod(env.start_cell, env.width)

    def update() -> str:
        i, e, t = controls["trial"].value, controls["episode"].value, controls["step"].value
        paths = maze_paths(batch, env, i)
        e = min(e, len(paths))
        ax.clear()
        free, goal = env.trial_layout(batch.task[i])  # this trial's walls and goal
        draw_maze(ax, free, start, goal)
        for j, path in enumerate(paths[: e - 1]):
            rows, cols = zip(*path)
            ax.plot(
                np.array(cols) + 0.08 * j,
                np.array(rows) + 0.08 * j,
                color=colors[(j + 1) % len(colors)],
                alpha=0.3,
                lw=2,
            )
        path = paths[e - 1][: t + 1]
        rows, cols = zip(*path)
        ax.plot(
            cols,
            rows,
            color=colors[e % len(colors)],
            lw=2.5,
            marker="o",
            ms=3,
            label=tr("episode {e}", e=e),
        )
        ax.scatter(
            cols[-1], rows[-1], s=120, color=colors[e % len(colors)], edgecolors="black", zorder=5
        )
        ax.set_title(
            tr(
                "trial {i}, episode {e}: step {t} of {total}",
                i=i,
                e=e,
                t=len(path) - 1,
                total=len(paths[e - 1]) - 1,
            )
        )
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, fontsize=7, frameon=False)
        lengths = ", ".join(str(len(p) - 1) for p in paths)
        shortest = int(shortest_path_lengths(free, start)[goal])
        return tr(
            "episode lengths in this trial: {lengths} (shortest path: {shortest})",
            lengths=lengths,
            shortest=shortest,
        )

    site = SiteGrid(max_frames=420, positions={"trial": 4})  # small frames (about 3 KB): every step
    return explorer(
        controls,
        view,
        update,
        title=tr("RL² in the maze: explore once, then walk straight back"),
        site=site,
    )


def trial_diagram(episodes_per_trial: int = 3, steps_per_episode: int = 3, trials: int = 2):
    """A static figure: steps grouped into episodes and trials, with the hidden state h
    flowing step to step across episode ends, and reset to 0 at each trial's start.
    Returns the matplotlib Figure (display it in the notebook)."""
    check_int("episodes_per_trial", episodes_per_trial, 1, 6)
    check_int("steps_per_episode", steps_per_episode, 1, 6)
    check_int("trials", trials, 1, 4)
    fig, ax = new_figure(figsize=(10.5, 2.6))
    x = 0.0
    for trial in range(trials):
        ax.annotate(
            "h = 0", (x - 0.15, 0.5), ha="right", va="center", fontsize=9, color=COLORS["red"]
        )
        trial_start = x
        for episode in range(episodes_per_trial):
            ep_start = x
            for step in range(steps_per_episode):
                ax.add_patch(_box(x, COLORS["sky"]))
                ax.text(x + 0.3, 0.5, "GRU", ha="center", va="center", fontsize=7)
                last = episode == episodes_per_trial - 1 and step == steps_per_episode - 1
                if not last:
                    ax.annotate(
                        "",
                        (x + 0.85, 0.5),
                        (x + 0.6, 0.5),
                        arrowprops=dict(arrowstyle="->", color=COLORS["blue"], lw=1.5),
                    )
                x += 0.85
            ax.plot([ep_start, x - 0.25], [0.05, 0.05], color=COLORS["green"], lw=3)
            ax.text(
                (ep_start + x - 0.25) / 2,
                -0.15,
                tr("episode {e}", e=episode + 1),
                ha="center",
                fontsize=8,
                color=COLORS["green"],
            )
        ax.plot([trial_start, x - 0.25], [-0.35, -0.35], color=COLORS["orange"], lw=3)
        ax.text(
            (trial_start + x - 0.25) / 2,
            -0.55,
            tr("trial {n}: one task, h carried across its episodes", n=trial + 1),
            ha="center",
            fontsize=8,
            color=COLORS["orange"],
        )
        x += 0.9
    ax.text(
        0.0,
        1.05,
        tr(  # no values: the braces are the notation's subscripts, not placeholders
            "input x_t = [o_t, a_{t-1}, r_{t-1}, d_{t-1}]  →  GRU  →  π(a_t | h_t), V(h_t);   "
            "blue arrows: h_t passed on"
        ),
        fontsize=8,
    )
    ax.set(xlim=(-0.8, x), ylim=(-0.7, 1.2))
    ax.axis("off")
    return fig


def _box(x: float, color: str):
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch(
        (x, 0.3), 0.6, 0.4, boxstyle="round,pad=0.02", facecolor=color, edgecolor="black", lw=0.8
    )
