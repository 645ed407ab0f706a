"""The Chapter 6 widget: precomputed predictions, a default view that tells the story, fast redraws."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.meta import FewShotConfig, digit_split, pixel_prototypes, train_fewshot
from course_lib.widgets import fewshot_explorer
from course_lib.widgets.fewshot import story_task


@pytest.fixture(scope="module")
def widget():
    train, test = digit_split()
    learners = {
        name: train_fewshot(
            FewShotConfig(method=method, iterations=20, meta_batch_size=4, log_every=20),
            train,
            progress=False,
        ).model
        for name, method in (("scratch", "scratch"), ("pre-training", "pretrain"), ("MAML", "maml"))
    }
    learners["prototypes"] = pixel_prototypes()
    return fewshot_explorer(learners, test, num_tasks=6, max_steps=4)


def test_default_view_is_the_story_task(widget):
    assert widget.controls["k"].value == 1 and widget.controls["steps"].value == 1
    assert "after 1 step" in widget.status.value
    assert bytes(widget.view.image.value[:4]) == b"\x89PNG"


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
    assert max(times) < 2000  # loose here; benchmarks/widgets.py holds the tight budget


def test_bad_arguments(widget):
    train, test = digit_split()
    with pytest.raises(TypeError, match="FewShotLearner"):
        fewshot_explorer({"x": object()}, test)
    with pytest.raises(TypeError, match="DigitTasks"):
        fewshot_explorer({"p": pixel_prototypes()}, "digits")
    with pytest.raises(ValueError, match=r"max_steps must be in \[0, 20\]"):
        fewshot_explorer({"p": pixel_prototypes()}, test, max_steps=50)
    with pytest.raises(ValueError, match="k_shot \\+ k_query"):
        fewshot_explorer({"p": pixel_prototypes()}, test, shots=(200,))
