"""Headless tests of the Chapter 5 widgets: every slider redraws, and updates are quick."""

import math

import pytest
import torch

from course_lib.meta import MetaConfig, meta_train
from course_lib.widgets import adaptation_explorer, param_space_explorer

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def learners():
    maml = meta_train(
        MetaConfig(method="maml", iterations=20, k_support=5, log_every=20), progress=False
    )
    pretrained = meta_train(
        MetaConfig(method="pretrain", iterations=20, k_support=5, log_every=20), progress=False
    )
    return maml, pretrained


def test_param_space_explorer_every_slider_redraws():
    w = param_space_explorer()
    assert set(w.controls) == {"inner_lr", "num_tasks", "inner_steps", "outer_steps"}
    for name, value in {
        "inner_lr": 0.2,
        "num_tasks": 4,
        "inner_steps": 3,
        "outer_steps": 4,
    }.items():
        before = w.view.image.value
        w.controls[name].value = value
        assert w.view.image.value != before, f"changing {name} did not change the plot"
        assert "MAML" in w.status.value and "pre-training" in w.status.value
    assert "4 tasks, 4 outer steps" in w.status.value
    print(f"param_space_explorer last update: {w.last_update_ms:.0f} ms")
    assert math.isfinite(w.last_update_ms) and w.last_update_ms < 3000


def test_param_space_explorer_outer_steps_lower_maml_objective():
    w = param_space_explorer()
    w.controls["outer_steps"].value = 0
    start = float(w.status.value.split("MAML <b>")[1].split("</b>")[0])
    w.controls["outer_steps"].value = 6
    end = float(w.status.value.split("MAML <b>")[1].split("</b>")[0])
    assert end < start


def test_adaptation_explorer_every_slider_redraws(learners):
    w = adaptation_explorer(*learners)
    assert set(w.controls) == {"amplitude", "phase", "k", "steps", "inner_lr"}
    for name, value in {
        "amplitude": 4.2,
        "phase": 2.0,
        "k": 10,
        "steps": 5,
        "inner_lr": 0.02,
    }.items():
        before = w.view.image.value
        w.controls[name].value = value
        assert w.view.image.value != before, f"changing {name} did not change the plot"
    assert "after 5 steps" in w.status.value and "outside" not in w.status.value
    w.controls["amplitude"].value = 6.5
    assert "outside the training range: amplitude" in w.status.value


def test_adaptation_explorer_update_time(learners):
    w = adaptation_explorer(*learners)
    times = []
    for steps in (1, 5, 10):
        w.controls["steps"].value = steps
        times.append(w.last_update_ms)
    print(f"adaptation_explorer update times (ms): {[round(t) for t in times]}")
    assert all(math.isfinite(t) for t in times)
    assert max(times) < 1500  # the 300 ms goal is reported in the chapter notes; loose bound here


def test_widgets_reject_bad_input(learners):
    with pytest.raises(TypeError, match="maml must be a MetaLearner"):
        adaptation_explorer("not a model", learners[1])
    with pytest.raises(ValueError, match="tasks must hold 1 to 5"):
        param_space_explorer(tasks=[])
    with pytest.raises(ValueError, match="outer_lr must be > 0"):
        param_space_explorer(outer_lr=0.0)
