"""Chapter 5 widgets: both loops in the (a, b) plane, and adapting to a new sinusoid.

Thin views: every trajectory comes from :func:`course_lib.meta.two_loop_paths` and every
fit from :func:`course_lib.meta.adaptation_trajectory`; trained models are passed in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import ipywidgets as widgets
import torch
from matplotlib.patches import FancyBboxPatch
from torch import Tensor

from course_lib.i18n import tr
from course_lib.meta import (
    MetaLearner,
    SineModel,
    SinusoidTasks,
    TaskBatch,
    adaptation_curve,
    adaptation_trajectory,
    meta_loss,
    sine_loss_grid,
    two_loop_paths,
)
from course_lib.meta.functional import _check_data, _check_tasks
from course_lib.plotting import COLORS, PlotView, new_figure
from course_lib.training import make_generator
from course_lib.validation import check_int, check_real, check_seed, check_sequence
from course_lib.widgets._base import explorer, float_slider, int_slider
from course_lib.widgets._grid import SiteGrid

__all__ = [
    "param_space_explorer",
    "param_space_default",
    "NOTES_VIEW",
    "final_objectives",
    "adaptation_explorer",
    "adaptation_default",
    "diverged",
    "overfitted",
    "two_loops_diagram",
    "EXAMPLE_TASKS",
]

#: (amplitude, phase) of the tasks drawn in the (a, b) plane; the slider shows the first n.
EXAMPLE_TASKS: tuple[tuple[float, float], ...] = (
    (1.0, 0.6),
    (3.0, 1.0),
    (2.0, 2.6),
    (3.6, 2.1),
    (1.4, 1.7),
)
_TASK_COLORS = [COLORS[c] for c in ("blue", "orange", "green", "red", "purple")]

#: The notes' picture: two tasks m and n, one inner step each, one outer step φ0 → φ1.
NOTES_VIEW: dict[str, int] = {"num_tasks": 2, "inner_steps": 1, "outer_steps": 1}


def _check_pair(name: str, pair: object) -> tuple[float, float]:
    """Two finite numbers, such as an (a, b) point or a (low, high) range."""
    if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise TypeError(f"{name} must be a pair of numbers, got {pair!r}")
    return tuple(check_real(f"{name}[{i}]", v, -1e6, 1e6) for i, v in enumerate(pair))


def _check_sine_tasks(name: str, tasks: object) -> None:
    """A TaskBatch of 1-D points, the (a, b) model's tasks."""
    _check_tasks(tasks, name)
    if tasks.x_support.shape[2:] != (1,) or tasks.y_support.shape[2:] != (1,):
        raise ValueError(
            f"{name} must be sinusoid tasks ([B, K, 1] points), got shapes "
            f"{[tuple(t.shape) for t in tasks]}"
        )


def final_objectives(
    tasks,
    *,
    phi0: tuple[float, float],
    inner_lr: float,
    inner_steps: int,
    outer_steps: int,
    learning_rate: float,
) -> dict[str, float]:
    """MAML's objective (query loss after the inner loop) at each method's final φ.

    ``tasks`` is a TaskBatch of the (a, b) model; returns ``{"maml": …, "pretrain": …}``.
    """
    _check_sine_tasks("tasks", tasks)
    after = {}
    for method in ("maml", "pretrain"):
        outer = two_loop_paths(
            tasks,
            method=method,
            phi0=phi0,
            inner_lr=inner_lr,
            inner_steps=inner_steps,
            outer_steps=outer_steps,
            learning_rate=learning_rate,
        ).outer
        final = {"a": outer[-1, 0], "b": outer[-1, 1]}
        after[method] = meta_loss(
            SineModel(), final, tasks, inner_lr=inner_lr, steps=inner_steps
        ).item()
    return after


def param_space_default(
    batch, *, phi0: tuple[float, float], learning_rate: float, inner_lr: float = 0.1
) -> dict[str, int]:
    """The opening view of :func:`param_space_explorer`: where the two methods differ most.

    Among 2 to all tasks and 1 to 3 inner steps, after 8 outer steps, the setting where
    MAML's final φ beats pre-training's by the largest fraction on MAML's own objective, so
    the first picture shows what the chapter is about (with the notes' two tasks and one
    step the two panels look alike).
    """
    _check_sine_tasks("batch", batch)
    if batch.x_support.shape[0] < 2:
        raise ValueError(f"batch must hold at least 2 tasks, got {batch.x_support.shape[0]}")
    _check_pair("phi0", phi0)
    check_real("learning_rate", learning_rate, 0.0, 10.0, lo_open=True)
    check_real("inner_lr", inner_lr, 0.0, 10.0)
    best, best_gain = None, -math.inf
    for n in range(2, batch.x_support.shape[0] + 1):
        chosen = type(batch)(*(t[:n] for t in batch))
        for inner_steps in (1, 2, 3):
            after = final_objectives(
                chosen,
                phi0=phi0,
                inner_lr=inner_lr,
                inner_steps=inner_steps,
                outer_steps=8,
                learning_rate=learning_rate,
            )
            gain = 1 - after["maml"] / after["pretrain"]
            if gain > best_gain:
                best, best_gain = (n, inner_steps), gain
    return {"num_tasks": best[0], "inner_steps": best[1], "outer_steps": 8}


def param_space_explorer(
    tasks: Sequence[tuple[float, float]] = EXAMPLE_TASKS,
    *,
    phi0: tuple[float, float] = (0.5, 0.2),
    learning_rate: float = 0.15,
    k: int = 20,
    seed: int = 0,
    opening: dict[str, int] | None = None,
) -> widgets.VBox:
    """Loss contours of a few tasks in the (a, b) plane of f(x) = a·sin(x + b), with both loops.

    Left MAML, right pre-training, from the same φ0. Thin coloured paths: the inner loop
    (内循环) φ_t → θ^m for each task m; black path: the outer loop (外循环) φ0 → φ1 → … .
    Sliders: inner step size α, number of tasks, inner steps and outer steps.

    Args:
        tasks: (amplitude, phase) of up to 5 tasks; the star marks each task's optimum.
        phi0: the starting initialization (a, b).
        learning_rate: the outer loop's step size β (plain gradient descent, so φ1 = φ0 − β·g).
        k: support (and query) points per task; seed: seeds those points.
        opening: the first view, ``{"num_tasks", "inner_steps", "outer_steps"}``; ``None``
            opens where the methods differ most (:func:`param_space_default`), ``NOTES_VIEW``
            on the notes' two tasks with one inner and one outer step.
    """
    tasks = check_sequence("tasks", tasks)
    if not 1 <= len(tasks) <= len(_TASK_COLORS):
        raise ValueError(
            f"tasks must hold 1 to {len(_TASK_COLORS)} (amplitude, phase) pairs, got {len(tasks)}"
        )
    check_real("learning_rate", learning_rate, 0.0, 10.0, lo_open=True)
    check_int("k", k, 1, 1000)
    check_seed(seed)
    for name, pair in (("phi0", phi0), *((f"tasks[{i}]", t) for i, t in enumerate(tasks))):
        _check_pair(name, pair)
    amplitude = torch.tensor([t[0] for t in tasks])
    phase = torch.tensor([t[1] for t in tasks])
    batch = SinusoidTasks().make_tasks(amplitude, phase, k, k, make_generator(seed))

    if opening is None:
        opening = (
            param_space_default(batch, phi0=phi0, learning_rate=learning_rate)
            if len(tasks) > 1
            else {"num_tasks": 1, "inner_steps": 1, "outer_steps": 8}
        )
    if not isinstance(opening, dict) or set(opening) != set(NOTES_VIEW):
        raise TypeError(f"opening must be a dict with keys {sorted(NOTES_VIEW)}, got {opening!r}")
    check_int("opening['num_tasks']", opening["num_tasks"], 1, len(tasks))
    check_int("opening['inner_steps']", opening["inner_steps"], 1, 5)
    check_int("opening['outer_steps']", opening["outer_steps"], 0, 8)
    controls = {
        "inner_lr": float_slider(tr("inner step α"), 0.1, 0.0, 0.3, 0.01),
        "num_tasks": int_slider(tr("tasks"), opening["num_tasks"], 1, len(tasks)),
        "inner_steps": int_slider(tr("inner steps"), opening["inner_steps"], 1, 5),
        "outer_steps": int_slider(tr("outer steps"), opening["outer_steps"], 0, 8),
    }
    fig, axes = new_figure(1, 2, figsize=(9.0, 3.8), sharex=True, sharey=True)
    a_grid, b_grid = torch.linspace(-0.5, 4.5, 90), torch.linspace(-0.6, 3.6, 80)
    contours = []  # drawn once; the sliders only toggle their visibility
    for ax, title in zip(
        axes,
        (
            tr("MAML: φ moves by the gradient at θ"),
            tr("pre-training: φ moves by the gradient at φ"),
        ),
    ):
        per_task = []
        for m in range(len(tasks)):
            loss = sine_loss_grid(a_grid, b_grid, batch.x_support[m], batch.y_support[m]).numpy()
            per_task.append(
                ax.contour(
                    a_grid.numpy(),
                    b_grid.numpy(),
                    loss,
                    levels=[0.3, 1.5],
                    colors=_TASK_COLORS[m],
                    linewidths=0.8,
                    alpha=0.6,
                )
            )
            per_task.append(ax.plot(*tasks[m], marker="*", ms=11, color=_TASK_COLORS[m], ls="")[0])
        contours.append(per_task)
        ax.set_title(title)
        ax.set_xlabel(tr("a (amplitude)"))
        ax.set_xlim(-0.5, 4.5)
        ax.set_ylim(-0.6, 3.6)
    axes[0].set_ylabel(tr("b (phase)"))
    dynamic: list = []
    view = PlotView(fig)

    def update() -> str:
        for artist in dynamic:
            artist.remove()
        dynamic.clear()
        n = controls["num_tasks"].value
        chosen = type(batch)(*(t[:n] for t in batch))
        for ax_contours in contours:
            for i, artist in enumerate(ax_contours):  # (contour, star) for each task
                artist.set_visible(i // 2 < n)
        settings = dict(
            phi0=phi0,
            inner_lr=controls["inner_lr"].value,
            inner_steps=controls["inner_steps"].value,
            outer_steps=controls["outer_steps"].value,
            learning_rate=learning_rate,
        )
        after = {}
        for ax, method in zip(axes, ("maml", "pretrain")):
            paths = two_loop_paths(chosen, method=method, **settings)
            outer = paths.outer.numpy()
            last = paths.inner.shape[0] - 1
            for t in range(last + 1):  # earlier inner loops faint, the one from the final φ bold
                for m in range(n):
                    inner = paths.inner[t, m].numpy()
                    if t < last:
                        dynamic.extend(
                            ax.plot(
                                inner[:, 0],
                                inner[:, 1],
                                color=_TASK_COLORS[m],
                                lw=0.8,
                                ls="--",
                                alpha=0.3,
                            )
                        )
                        continue
                    dynamic.extend(
                        ax.plot(
                            inner[:, 0],
                            inner[:, 1],
                            color=_TASK_COLORS[m],
                            lw=1.4,
                            ls="--",
                            marker=".",
                            ms=4,
                        )
                    )
                    label = tr("θ^m: inner loop from the final φ") if m == 0 else None
                    dynamic.extend(
                        ax.plot(
                            *inner[-1],
                            marker="o",
                            ms=6,
                            mfc="white",
                            color=_TASK_COLORS[m],
                            ls="",
                            label=label,
                        )
                    )
            dynamic.extend(
                ax.plot(
                    outer[:, 0],
                    outer[:, 1],
                    color="black",
                    lw=2,
                    marker="o",
                    ms=4,
                    label=tr("φ0 → φ1 → … outer loop"),
                )
            )
            dynamic.append(
                ax.annotate(
                    "φ0", outer[0], textcoords="offset points", xytext=(-14, -10), fontsize=9
                )
            )
            if len(outer) > 1:
                dynamic.append(
                    ax.annotate(
                        f"φ{len(outer) - 1}",
                        outer[-1],
                        textcoords="offset points",
                        xytext=(5, 5),
                        fontsize=9,
                    )
                )
            final = {"a": torch.tensor(outer[-1, 0]), "b": torch.tensor(outer[-1, 1])}
            after[method] = meta_loss(
                SineModel(),
                final,
                chosen,
                inner_lr=settings["inner_lr"],
                steps=settings["inner_steps"],
            ).item()
            dynamic.append(ax.legend(loc="upper right", fontsize=8))
        outer_steps = settings["outer_steps"]
        return tr(
            "query loss after the inner loop, from the final φ: MAML <b>{maml:.3f}</b>, "
            "pre-training <b>{pretrain:.3f}</b> ({tasks}, {steps})",
            maml=after["maml"],
            pretrain=after["pretrain"],
            tasks=tr("{n} tasks", n=n) if n > 1 else tr("{n} task", n=n),
            steps=(
                tr("{n} outer step", n=outer_steps)
                if outer_steps == 1
                else tr("{n} outer steps", n=outer_steps)
            ),
        )

    # Its frames are large (about 35 KB: contours and paths): every outer step, fewer of the rest.
    site = SiteGrid(
        max_frames=81,
        positions={"num_tasks": 3, "inner_steps": 3},
        fixed={"inner_lr": tr("four sliders are too many to precompute together")},
    )
    return explorer(
        controls, view, update, title=tr("Inner and outer loops in the (a, b) plane"), site=site
    )


def _losses(name: str, values: object) -> list[float]:
    """A non-empty list of numbers, one per step (NaN and inf are allowed: they mean diverged)."""
    items = check_sequence(name, values, of=Real, min_length=1)
    return [float(v) for v in items]


def diverged(support_losses: Sequence[float], *, window: int = 3) -> bool:
    """True when fine-tuning blew up: the loss it descends grew on several steps and ended high.

    Gradient descent with too large a step overshoots the minimum, and the loss it minimises,
    the support loss, then grows, often oscillating and sometimes by orders of magnitude
    before it settles somewhere above its start. So: a non-finite loss, or a support loss
    that rose on at least ``window`` of the steps and ends above where it started. One
    overshoot that the next steps repair never counts, nor do fewer than ``window`` steps;
    an error on the whole curve that rises while the support loss falls is overfitting
    (:func:`overfitted`), not divergence.
    """
    losses = _losses("support_losses", support_losses)
    check_int("window", window, 1, 1000)
    if not all(math.isfinite(v) for v in losses):
        return True
    rises = sum(later > earlier for earlier, later in zip(losses, losses[1:]))
    return rises >= window and losses[-1] > losses[0]


def overfitted(support_losses: Sequence[float], curve_errors: Sequence[float]) -> bool:
    """True when the steps fit the K support points better but the whole curve worse."""
    support_losses = _losses("support_losses", support_losses)
    curve_errors = _losses("curve_errors", curve_errors)
    if len(support_losses) != len(curve_errors):
        raise ValueError(
            "support_losses and curve_errors must have one value per step each, got "
            f"{len(support_losses)} and {len(curve_errors)}"
        )
    return (
        len(curve_errors) > 1
        and float(support_losses[-1]) < float(support_losses[0])
        and float(curve_errors[-1]) > float(curve_errors[0])
    )


def _probe_tasks(amplitude: Tensor, phase: Tensor, x_support: Tensor, x_eval: Tensor) -> TaskBatch:
    """Tasks with the explorer's support points and the whole curve as query points."""
    a, p = amplitude.reshape(-1, 1, 1), phase.reshape(-1, 1, 1)
    count = a.shape[0]
    x_s, x_q = x_support.expand(count, -1, -1), x_eval.expand(count, -1, -1)
    return TaskBatch(x_s, a * torch.sin(x_s + p), x_q, a * torch.sin(x_q + p))


def _check_learner(name: str, learner: object) -> None:
    if not isinstance(learner, MetaLearner):
        raise TypeError(
            f"{name} must be a MetaLearner from course_lib.meta.meta_train, got {type(learner).__name__}"
        )


def adaptation_default(
    maml: MetaLearner,
    pretrained: MetaLearner,
    x_support: Tensor,
    x_eval: Tensor,
    *,
    inner_lr: float = 0.01,
    steps: int = 1,
) -> dict[str, float]:
    """The explorer's opening task: where one step from K points separates the methods most.

    Over a grid of tasks inside the training range (A = 1 … 5, φ = 0 … π), the one whose
    error on the whole curve after ``steps`` steps is largest for the pre-trained model
    relative to MAML's (the difference of the two MSEs). A task near the pre-trained mean
    curve, such as A = 3, φ = 1, hides the difference: both start close to it.
    """
    for name, learner in (("maml", maml), ("pretrained", pretrained)):
        _check_learner(name, learner)
    for name, x in (("x_support", x_support), ("x_eval", x_eval)):
        _check_data(name, x, min_ndim=2)
        if x.dim() != 2 or x.shape[1] != 1:
            raise ValueError(f"{name} must be [N, 1] points, got shape {tuple(x.shape)}")
    check_real("inner_lr", inner_lr, 0.0, 10.0)
    check_int("steps", steps, 0, 100)
    grid_a = torch.linspace(1.0, 5.0, 9)
    grid_p = torch.linspace(0.0, math.pi, 9)
    amplitude, phase = (t.reshape(-1) for t in torch.meshgrid(grid_a, grid_p, indexing="ij"))
    tasks = _probe_tasks(amplitude, phase, x_support, x_eval)
    after = {
        name: adaptation_curve(learner, tasks, max_steps=steps, inner_lr=inner_lr).per_task[:, -1]
        for name, learner in (("maml", maml), ("pretrained", pretrained))
    }
    best = int(torch.argmax(after["pretrained"] - after["maml"]))
    return {"amplitude": round(amplitude[best].item(), 2), "phase": round(phase[best].item(), 2)}


def adaptation_explorer(
    maml: MetaLearner,
    pretrained: MetaLearner,
    *,
    x_range: tuple[float, float] = (-5.0, 5.0),
    max_k: int = 20,
    max_steps: int = 10,
    seed: int = 0,
    family: SinusoidTasks | None = None,
) -> widgets.VBox:
    """A new sinusoid task and the fits of two trained models after each inner step.

    Sliders: the task's amplitude and phase (the training range is A ∈ [0.1, 5], φ ∈ [0, π];
    the sliders go beyond it), K support points, the number of inner steps and the step size.
    Faint lines are the fits after 0, 1, … steps, the bold line after the last one; the dotted
    line is the family's mean curve (``family.mean_curve``), where pre-training aims. It
    opens on :func:`adaptation_default`'s task with K = 5 and one step of α = 0.01.

    The box's ``errors`` holds the numbers its status line prints, ``{"MAML": mse,
    "pre-trained": mse}`` after the last redraw, so code can read them in any language.
    """
    for name, learner in (("maml", maml), ("pretrained", pretrained)):
        _check_learner(name, learner)
    check_int("max_k", max_k, 1, 1000)
    check_int("max_steps", max_steps, 1, 100)
    check_seed(seed)
    family = SinusoidTasks() if family is None else family
    if not isinstance(family, SinusoidTasks):
        raise TypeError(f"family must be a SinusoidTasks, got {type(family).__name__}")
    lo, hi = _check_pair("x_range", x_range)
    if not lo < hi:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range!r}")
    x_pool = lo + (hi - lo) * torch.rand(max_k, 1, generator=make_generator(seed))  # support x's
    x_eval = torch.linspace(lo, hi, 200).reshape(-1, 1)
    start_k, start_steps, start_lr = min(5, max_k), 1, 0.01
    task = adaptation_default(
        maml, pretrained, x_pool[:start_k], x_eval, inner_lr=start_lr, steps=start_steps
    )
    controls = {
        "amplitude": float_slider(tr("amplitude A"), task["amplitude"], 0.1, 7.0, 0.1),
        "phase": float_slider(tr("phase φ"), task["phase"], -math.pi, 2 * math.pi, 0.05),
        "k": int_slider(tr("K points"), start_k, 1, max_k),
        "steps": int_slider(tr("inner steps"), start_steps, 0, max_steps),
        "inner_lr": float_slider(tr("step size α"), start_lr, 0.001, 0.05, 0.001, fmt=".3f"),
    }
    fig, axes = new_figure(1, 2, figsize=(9.0, 3.2), sharey=True)
    learners = {"MAML": maml, "pre-trained": pretrained}
    shown = {"MAML": "MAML", "pre-trained": tr("pre-trained")}  # the names the reader sees
    x_np = x_eval.reshape(-1).numpy()
    mean_np = family.mean_curve(x_eval).reshape(-1).numpy()
    artists = []
    for ax, (name, color) in zip(
        axes, (("MAML", COLORS["blue"]), ("pre-trained", COLORS["orange"]))
    ):
        (truth,) = ax.plot([], [], color=COLORS["grey"], ls="--", lw=1.5, label=tr("true task"))
        ax.plot(x_np, mean_np, color="black", ls=":", lw=1.2, label=tr("mean of all tasks"))
        fits = [ax.plot([], [], color=color, lw=1, alpha=0.25)[0] for _ in range(max_steps)]
        (final,) = ax.plot([], [], color=color, lw=2.4, label=tr("fit after the last step"))
        (support,) = ax.plot([], [], "o", color="black", ms=5, label=tr("K support points"))
        ax.set_xlim(lo, hi)
        ax.set_xlabel("x")
        ax.set_title(shown[name])
        ax.legend(loc="lower left", fontsize=7)
        artists.append((ax, truth, fits, final, support))
    axes[0].set_ylabel("y")
    view = PlotView(fig)
    errors: dict[str, float] = {}  # the curve MSE of each model, as the status line prints it

    def update() -> str:
        amp, ph, k = controls["amplitude"].value, controls["phase"].value, controls["k"].value
        steps, lr = controls["steps"].value, controls["inner_lr"].value
        x_s = x_pool[:k]
        y_s = amp * torch.sin(x_s + ph)
        y_true = (amp * torch.sin(x_eval + ph)).reshape(-1)
        errors.clear()
        verdicts = {}
        for (ax, truth, fits, final, support), (name, learner) in zip(artists, learners.items()):
            # one trajectory through the curve's points and the support points together
            path = adaptation_trajectory(
                learner, x_s, y_s, torch.cat([x_eval, x_s]), steps=steps, inner_lr=lr
            )
            curve, at_support = path[:, : len(x_eval)], path[:, len(x_eval) :]
            truth.set_data(x_np, y_true.numpy())
            support.set_data(x_s.reshape(-1).numpy(), y_s.reshape(-1).numpy())
            for i, line in enumerate(fits):
                line.set_data(x_np, curve[i].numpy()) if i < steps else line.set_data([], [])
            final.set_data(x_np, curve[-1].numpy())
            ax.set_ylim(-max(5.5, amp + 1.0), max(5.5, amp + 1.0))
            by_step = ((curve - y_true) ** 2).mean(dim=-1).tolist()
            support_loss = ((at_support - y_s.reshape(-1)) ** 2).mean(dim=-1).tolist()
            errors[name] = by_step[-1]
            if diverged(support_loss):
                verdicts[name] = "diverged"
                ax.set_title(tr("{name}: DIVERGED (α too large)", name=shown[name]))
            elif overfitted(support_loss, by_step):
                verdicts[name] = "overfitted"
                ax.set_title(tr("{name}: fits the K points, not the curve", name=shown[name]))
            else:
                ax.set_title(shown[name])
        outside = (not 0.1 <= amp <= 5.0, not 0.0 <= ph <= math.pi)  # amplitude, phase
        note = {
            (True, True): " " + tr("<i>(outside the training range: amplitude and phase)</i>"),
            (True, False): " " + tr("<i>(outside the training range: amplitude)</i>"),
            (False, True): " " + tr("<i>(outside the training range: phase)</i>"),
        }.get(outside, "")
        blew_up = [shown[name] for name, v in verdicts.items() if v == "diverged"]
        overfit = [shown[name] for name, v in verdicts.items() if v == "overfitted"]
        if blew_up:
            note += " " + tr(
                "<b style='color:{red}'>⚠ {names} diverged</b>: with "
                "α = {lr:g} the steps overshoot: the support loss grew on several of them and "
                "ends above where it started; take a smaller step size.",
                red=COLORS["red"],
                names=_both(blew_up),
                lr=lr,
            )
        if overfit:
            values = dict(names=_both(overfit), k=k)
            note += " " + (
                tr(
                    "<b>{names}</b>: the support loss fell but the error on the curve rose: "
                    "{k} point cannot pin down a sinusoid (overfitting, not divergence).",
                    **values,
                )
                if k == 1
                else tr(
                    "<b>{names}</b>: the support loss fell but the error on the curve rose: "
                    "{k} points cannot pin down a sinusoid (overfitting, not divergence).",
                    **values,
                )
            )
        values = dict(lo=lo, hi=hi, steps=steps, maml=errors["MAML"], pre=errors["pre-trained"])
        if steps == 1:
            return (
                tr(
                    "MSE on [{lo:g}, {hi:g}] after {steps} step: "
                    "MAML <b>{maml:.3f}</b>, pre-trained <b>{pre:.3f}</b>",
                    **values,
                )
                + note
            )
        return (
            tr(
                "MSE on [{lo:g}, {hi:g}] after {steps} steps: "
                "MAML <b>{maml:.3f}</b>, pre-trained <b>{pre:.3f}</b>",
                **values,
            )
            + note
        )

    site = SiteGrid(
        max_frames=144,
        positions={"k": 3, "steps": 4},
        fixed={"inner_lr": tr("five sliders are too many to precompute together")},
    )
    box = explorer(
        controls, view, update, title=tr("Adapting to a new task: MAML vs pre-training"), site=site
    )
    box.errors = errors
    return box


def _both(names: Sequence[str]) -> str:
    """One name, or two joined as "A and B" in the current language."""
    return (
        tr("{first} and {second}", first=names[0], second=names[1]) if len(names) == 2 else names[0]
    )


def two_loops_diagram():
    """A drawn picture of meta-learning's two loops: returns a matplotlib Figure (no widget).

    φ (what is meta-learned) feeds the inner loop (内循环) of every task m: learn θ^m from the
    task's support set, score θ^m on its query set (l^m). The outer loop (外循环) sums the
    scores over tasks, L(φ) = Σ_m l^m, and updates φ.
    """
    fig, ax = new_figure(figsize=(9.0, 3.6))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 5)
    ax.axis("off")

    def box(x, y, text, color, w=1.9, h=0.7):
        ax.add_patch(
            FancyBboxPatch(
                (x - w / 2, y - h / 2),
                w,
                h,
                boxstyle="round,pad=0.05",
                fc=color,
                ec="black",
                lw=0.8,
                alpha=0.9,
            )
        )
        ax.text(x, y, text, ha="center", va="center", fontsize=9)

    def arrow(start, end, text="", color="black", rad=0.0, offset=(0.0, 0.15)):
        ax.annotate(
            "",
            end,
            start,
            arrowprops=dict(
                arrowstyle="-|>", color=color, lw=1.4, connectionstyle=f"arc3,rad={rad}"
            ),
        )
        if text:
            ax.text(
                (start[0] + end[0]) / 2 + offset[0],
                (start[1] + end[1]) / 2 + offset[1],
                text,
                ha="center",
                fontsize=8.5,
                color=color,
            )

    box(1.1, 2.5, tr("φ\n(what is meta-learned)"), COLORS["yellow"], h=0.9)
    for y, m in ((4.0, "m"), (1.0, "n")):
        box(3.6, y, tr("support set of task {m}", m=m), COLORS["sky"])
        box(6.0, y, f"θ^{m}", "white", w=1.0)
        box(8.3, y, tr("loss l^{m} on the\nquery set of task {m}", m=m), COLORS["sky"], h=0.9)
        arrow(
            (2.05, 2.75) if m == "m" else (2.05, 2.25),
            (6.0, y - 0.35) if m == "m" else (6.0, y + 0.35),
            "",
            COLORS["blue"],
        )
        arrow((4.55, y), (5.5, y), "", COLORS["blue"])
        arrow((6.5, y), (7.3, y), "", COLORS["blue"])
    ax.text(
        4.8,
        4.72,
        tr("inner loop, for every task: learn θ from φ and the support set, e.g. θ = φ − α∇L"),
        ha="center",
        fontsize=8.5,
        color=COLORS["blue"],
    )
    box(8.3, 2.5, "L(φ) = Σ l^m", COLORS["orange"], w=1.7)
    arrow((8.3, 3.55), (8.3, 2.85), "", "black")
    arrow((8.3, 1.45), (8.3, 2.15), "", "black")
    arrow(
        (7.45, 2.5),
        (2.1, 2.5),
        tr("outer loop: φ ← φ − β ∇_φ L(φ)"),
        COLORS["red"],
        offset=(0.4, 0.12),
    )
    return fig
