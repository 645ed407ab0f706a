"""Chapter 6 widget: one new few-shot task and what each trained method predicts on it.

A thin view: the tasks are drawn and every method's predictions after 0..S inner steps are
computed once, when the widget is built, by :func:`course_lib.meta.predictions_along_the_way`;
moving a control only looks them up and redraws. It takes any image task family (the
characters of ``character_split`` or the digits of ``digit_split``); classes are labelled by
``tasks.describe`` (code points for characters, so the plot needs no CJK font).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import to_rgb

from course_lib.i18n import listing, tr
from course_lib.meta import FewShotLearner, predictions_along_the_way
from course_lib.meta.images import ImageTasks
from course_lib.plotting import COLORS, PlotView, new_figure
from course_lib.training import make_generator
from course_lib.validation import check_instance, check_int, check_seed, check_sequence
from course_lib.widgets._base import explorer, int_slider

__all__ = ["fewshot_explorer", "story_task"]

_RIGHT, _WRONG = np.array(to_rgb(COLORS["green"])), np.array(to_rgb(COLORS["red"]))
#: Name prefixes of the methods the default view shows winning and losing (the chapter's claim).
WINNERS: tuple[str, ...] = ("maml", "proto")
LOSERS: tuple[str, ...] = ("scratch", "pre", "raw")


def _tiles(images: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """A mosaic of grey images ``[rows, cols, H, W]``, each in a coloured 1-pixel frame:
    ``[rows·(H+2), cols·(W+2), 3]``."""
    rows, cols, h, w = images.shape
    mosaic = np.ones((rows, cols, h + 2, w + 2, 3))
    mosaic[:, :, :, :] = frames[:, :, None, None, :]
    mosaic[:, :, 1:-1, 1:-1, :] = 1.0 - images[..., None]  # dark ink on white
    return mosaic.transpose(0, 2, 1, 3, 4).reshape(rows * (h + 2), cols * (w + 2), 3)


def story_task(correct: Mapping[str, np.ndarray], winners: Sequence[str], losers: Sequence[str]):
    """The task where ``winners`` beat ``losers`` by the widest margin (its index).

    ``correct[name]`` is ``[num_tasks]`` accuracies of one method at the default view; the
    widget opens on this task so the first picture already shows the chapter's result.
    """
    check_sequence("winners", winners)
    check_sequence("losers", losers)
    if not isinstance(correct, Mapping):
        raise TypeError(
            f"correct must map learner names to accuracy arrays, got {type(correct).__name__}"
        )
    if not correct:
        raise ValueError("correct must map learner names to accuracy arrays, got an empty dict")
    rows = {name: _accuracies(name, acc) for name, acc in correct.items()}
    shapes = {a.shape for a in rows.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 1 or not next(iter(shapes))[0]:
        raise ValueError(f"correct must hold [num_tasks] arrays of one length, got shapes {shapes}")
    if not all(np.isfinite(a).all() for a in rows.values()):
        raise ValueError("correct must hold finite accuracies, got NaN or ±inf")
    winners, losers = _sides(list(rows), winners, losers)
    margin = sum(rows[w] for w in winners) / len(winners)
    margin = margin - sum(rows[name] for name in losers) / len(losers)
    return int(np.argmax(margin))


def _accuracies(name: object, values: object) -> np.ndarray:
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"correct[{name!r}] must be an array of accuracies, got {values!r:.60}"
        ) from err


def fewshot_explorer(
    learners: Mapping[str, FewShotLearner],
    tasks: ImageTasks,
    *,
    num_tasks: int = 20,
    shots: Sequence[int] = (1, 5),
    k_query: int = 2,
    max_steps: int = 10,
    seed: int = 0,
    winners: Sequence[str] | None = None,
    losers: Sequence[str] | None = None,
) -> widgets.VBox:
    """Pick a new task, K and the number of inner steps; see every method's predictions.

    Args:
        learners: trained methods by display name, e.g. ``{"MAML": …, "prototypes": …}``
            (all with the same N-way).
        tasks: the meta-test task family (classes never seen in training).
        num_tasks: tasks drawn once (the "task" slider), for each K in ``shots``.
        k_query: query images per class shown; max_steps: the "inner steps" slider's range.
        seed: seeds the drawn tasks.
        winners, losers: the names whose gap picks the opening task (default: the names
            starting with "MAML"/"proto" and with "scratch"/"pre"/"raw", case-insensitive).

    Left: the support set, one row per label. Right: the query images, one row per method;
    each frame is green when the method's label is right and red when it is wrong, and the
    number in the corner is the predicted label. The widget opens with K = 1, one step, on
    the task where the winners beat the losers by the most (:func:`story_task`).
    """
    if not isinstance(learners, Mapping):
        raise TypeError(
            f"learners must map names to FewShotLearner objects from train_fewshot, got "
            f"{type(learners).__name__} {learners!r:.60}"
        )
    if not learners:
        raise ValueError("learners must name at least one FewShotLearner, got an empty dict")
    for name, learner in learners.items():
        check_instance(f"learners[{name!r}]", learner, FewShotLearner, "a FewShotLearner")
    n_way = {learner.n_way for learner in learners.values()}
    if len(n_way) != 1:
        raise ValueError(f"all learners must share one n_way, got {sorted(n_way)}")
    n_way = n_way.pop()
    if not isinstance(tasks, ImageTasks):
        raise TypeError(
            f"tasks must be an ImageTasks family (character_split, digit_split), got "
            f"{type(tasks).__name__}"
        )
    shapes = {learner.image_shape for learner in learners.values()}
    if shapes != {tasks.image_shape}:
        raise ValueError(
            f"every learner must take the tasks' images {tasks.image_shape}, got {sorted(shapes)}"
        )
    if not 1 <= check_int("num_tasks", num_tasks, 1) <= 100:
        raise ValueError(f"num_tasks must be in [1, 100], got {num_tasks}")
    if not 0 <= check_int("max_steps", max_steps, 0) <= 20:
        raise ValueError(f"max_steps must be in [0, 20], got {max_steps}")
    shots = check_sequence("shots", shots, min_length=1, max_length=10)
    shots = tuple(check_int("shots entries", k, 1) for k in shots)
    check_seed(seed)
    for k in shots:
        tasks.check_task_shape(n_way, k, k_query)
    winners, losers = _sides(list(learners), winners, losers)  # before the work

    generator = make_generator(seed)
    drawn, classes, predictions = {}, {}, {}  # all keyed by K
    for k in shots:
        classes[k] = tasks.sample_classes(num_tasks, n_way, generator)
        drawn[k] = tasks.make_tasks(classes[k], k, k_query, generator)
        predictions[k] = {
            name: predictions_along_the_way(learner, drawn[k], max_steps=max_steps).numpy()
            for name, learner in learners.items()
        }  # [T, S + 1, Q] labels

    names = list(learners)
    start_k, start_steps = shots[0], min(1, max_steps)
    correct = {
        name: (predictions[start_k][name][:, start_steps] == drawn[start_k].y_query.numpy()).mean(
            -1
        )
        for name in names
    }
    controls = {
        "task": int_slider(tr("new task"), story_task(correct, winners, losers), 0, num_tasks - 1),
        "k": widgets.ToggleButtons(
            options=[(f"K = {k}", k) for k in shots], value=start_k, description=tr("shots")
        ),
        "steps": int_slider(tr("inner steps"), start_steps, 0, max_steps),
    }
    num_query = n_way * k_query
    _, h, w = tasks.image_shape
    tile_h, tile_w = h + 2, w + 2
    fig, (ax_support, ax_query) = new_figure(
        1, 2, figsize=(9.5, 0.55 * max(len(names), n_way) + 1.4), width_ratios=[1, 2.2]
    )
    widest = max(shots)
    support_image = ax_support.imshow(
        np.ones((n_way * tile_h, widest * tile_w, 3)), interpolation="nearest"
    )
    ax_support.set_xticks([])
    ax_support.set_yticks([tile_h * (j + 0.5) for j in range(n_way)])
    query_image = ax_query.imshow(
        np.ones((len(names) * tile_h, n_way * k_query * tile_w, 3)), interpolation="nearest"
    )
    labels = [
        [ax_query.text(0, 0, "", fontsize=7, va="top", ha="left") for _ in range(num_query)]
        for _ in names
    ]
    ax_query.set_yticks([tile_h * (i + 0.5) for i in range(len(names))])
    ax_query.set_xticks([tile_w * (j + 0.5) for j in range(num_query)])
    ax_query.set_xlabel(tr("query images (true label below)"))
    ax_support.set_title(tr("support set"))
    ax_support.set_xlabel(tr("K images per label"))
    for ax in (ax_support, ax_query):
        ax.grid(False)
        ax.tick_params(length=0, labelsize=8)
    view = PlotView(fig)

    def update() -> str:
        i, k, steps = (controls[c].value for c in ("task", "k", "steps"))
        batch = drawn[k]
        # The panel always holds max(shots) columns (blank beyond K), so its size never changes.
        support = np.zeros((n_way, widest, h, w))
        support[:, :k] = batch.x_support[i, :, 0].numpy().reshape(n_way, k, h, w)
        blank = np.arange(widest) >= k
        frames = np.where(blank[None, :, None], 1.0, np.full((n_way, widest, 3), 0.85))
        support_image.set_data(_tiles(support, frames))
        ax_support.set_yticklabels(
            [f"{j}: {tasks.describe(int(c))}" for j, c in enumerate(classes[k][i])]
        )
        truth = batch.y_query[i].numpy()
        query = batch.x_query[i, :, 0].numpy()
        guessed = np.stack([predictions[k][name][i, steps] for name in names])  # [M, Q]
        right = guessed == truth
        frames = np.where(right[..., None], _RIGHT, _WRONG)
        images = np.broadcast_to(query, (len(names), *query.shape))
        query_image.set_data(_tiles(images, frames))
        for row, texts in enumerate(labels):
            for col, text in enumerate(texts):
                text.set_position((col * tile_w + 0.6, row * tile_h + 0.8))
                text.set_text(str(guessed[row, col]))
                text.set_color(COLORS["green"] if right[row, col] else COLORS["red"])
        ax_query.set_yticklabels(
            [f"{name}  {right[m].sum()}/{num_query}" for m, name in enumerate(names)]
        )
        ax_query.set_xticklabels([str(t) for t in truth])
        ax_query.set_title(
            tr("predicted labels after {steps} inner step (green: right, red: wrong)", steps=steps)
            if steps == 1
            else tr(
                "predicted labels after {steps} inner steps (green: right, red: wrong)", steps=steps
            )
        )
        means = {
            name: (predictions[k][name][:, steps] == batch.y_query.numpy()).mean() for name in names
        }
        overall = listing(f"{name} <b>{100 * acc:.0f}%</b>" for name, acc in means.items())
        values = dict(i=i, n_way=n_way, k=k, num_tasks=num_tasks, steps=steps, overall=overall)
        if steps == 1:
            return tr(
                "task {i}: {n_way}-way {k}-shot. Accuracy over all {num_tasks} widget tasks "
                "after {steps} step: {overall}",
                **values,
            )
        return tr(
            "task {i}: {n_way}-way {k}-shot. Accuracy over all {num_tasks} widget tasks "
            "after {steps} steps: {overall}",
            **values,
        )

    return explorer(controls, view, update, title=tr("A new task: who labels it right?"))


def _sides(
    names: list[str], winners: Sequence[str] | None, losers: Sequence[str] | None
) -> tuple[list[str], list[str]]:
    """The winners and losers among ``names`` (defaults by :data:`WINNERS` / :data:`LOSERS`)."""
    if winners is None:
        winners = [n for n in names if str(n).lower().startswith(WINNERS)] or names[:1]
    if losers is None:
        losers = [n for n in names if str(n).lower().startswith(LOSERS)] or names[-1:]
    for side, chosen in (("winners", winners), ("losers", losers)):
        chosen = check_sequence(side, chosen)
        unknown = [n for n in chosen if n not in names]
        if not chosen or unknown:
            raise ValueError(
                f"{side} must be a non-empty list of learner names {names}, got {chosen}"
            )
    return list(winners), list(losers)
