"""The Chapter 6 widget: precomputed predictions, a default view that tells the story, fast redraws."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.meta import (
    FewShotConfig,
    character_split,
    digit_split,
    pixel_prototypes,
    predictions_along_the_way,
    train_fewshot,
)
from course_lib.widgets import fewshot_explorer
from course_lib.widgets.fewshot import story_task


@pytest.fixture(scope="module")
def characters():
    return character_split()


@pytest.fixture(scope="module")
def learners(characters):
    train = characters[0]
    trained = {
        name: train_fewshot(
            FewShotConfig(
                method=method, iterations=60, meta_batch_size=8, hidden_sizes=(32,), log_every=60
            ),
            train,
            progress=False,
        ).model
        for name, method in (("scratch", "scratch"), ("pre-training", "pretrain"), ("MAML", "maml"))
    }
    trained["prototypes"] = train_fewshot(
        FewShotConfig(method="protonet", iterations=60, hidden_sizes=(32,), log_every=60),
        train,
        progress=False,
    ).model
    trained["raw pixels"] = pixel_prototypes(5, train.image_shape)
    return trained


@pytest.fixture(scope="module")
def widget(learners, characters):
    return fewshot_explorer(learners, characters[2], num_tasks=6, max_steps=4)


def test_default_view_is_the_story_task(widget, learners, characters):
    """It opens where MAML and prototypes beat scratch, pre-training and raw pixels the most."""
    assert widget.controls["k"].value == 1 and widget.controls["steps"].value == 1
    assert "after 1 step" in widget.status.value and "1-shot" in widget.status.value
    assert bytes(widget.view.image.value[:4]) == b"\x89PNG"
    # Recompute the widget's tasks and predictions independently and pick the story task.
    import torch

    generator = torch.Generator().manual_seed(0)
    classes = characters[2].sample_classes(6, 5, generator)
    tasks = characters[2].make_tasks(classes, 1, 2, generator)
    truth = tasks.y_query.numpy()
    correct = {
        name: (predictions_along_the_way(l, tasks, max_steps=4)[:, 1].numpy() == truth).mean(-1)
        for name, l in learners.items()
    }
    story = story_task(correct, ["MAML", "prototypes"], ["scratch", "pre-training", "raw pixels"])
    assert widget.controls["task"].value == story
    winners = (correct["MAML"][story] + correct["prototypes"][story]) / 2
    losers = max(correct[n][story] for n in ("scratch", "pre-training", "raw pixels"))
    assert winners > losers  # the first picture shows the chapter's result


def test_story_task_picks_the_widest_margin():
    correct = {"MAML": np.array([0.2, 0.9, 0.5]), "scratch": np.array([0.2, 0.1, 0.5])}
    assert story_task(correct, ["MAML"], ["scratch"]) == 1


def test_controls_redraw_quickly(widget):
    before = bytes(widget.view.image.value)
    times = []
    for control, value in (("task", 3), ("k", 5), ("steps", 4), ("steps", 0)):
        widget.controls[control].value = value
        times.append(widget.last_update_ms)
    assert bytes(widget.view.image.value) != before
    assert "5-shot" in widget.status.value
    print(f"fewshot_explorer redraw: median {sorted(times)[len(times) // 2]:.0f} ms")
    assert max(times) < 3000  # loose here; benchmarks/widgets.py holds the tight budget


def test_the_digits_still_work():
    train, test = digit_split()
    learners = {"MAML": train_fewshot(FewShotConfig(iterations=5), train, progress=False).model}
    learners["raw pixels"] = pixel_prototypes()
    box = fewshot_explorer(learners, test, num_tasks=3, max_steps=2)
    assert "5-way 1-shot" in box.status.value


def test_bad_arguments(learners, characters):
    test = characters[2]
    pixels = {"p": learners["raw pixels"]}
    with pytest.raises(TypeError, match="FewShotLearner"):
        fewshot_explorer({"x": object()}, test)
    with pytest.raises(TypeError, match="ImageTasks"):
        fewshot_explorer(pixels, "characters")
    with pytest.raises(ValueError, match=r"max_steps must be in \[0, 20\]"):
        fewshot_explorer(pixels, test, max_steps=50)
    with pytest.raises(ValueError, match="k_shot \\+ k_query"):
        fewshot_explorer(pixels, test, shots=(200,))
    with pytest.raises(ValueError, match=r"take the tasks' images \(1, 28, 28\)"):
        fewshot_explorer({"p": pixel_prototypes()}, test)
    with pytest.raises(ValueError, match="winners must be a non-empty list of learner names"):
        fewshot_explorer(learners, test, num_tasks=2, winners=["ANIL"])
