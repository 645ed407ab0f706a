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
    ).model
    pretrained = meta_train(
        MetaConfig(method="pretrain", iterations=20, k_support=5, log_every=20), progress=False
    ).model
    return maml, pretrained


def test_param_space_explorer_every_slider_redraws():
    w = param_space_explorer()
    assert set(w.controls) == {"inner_lr", "num_tasks", "inner_steps", "outer_steps"}
    for name, value in {
        "inner_lr": 0.2,
        "num_tasks": 4,
        "inner_steps": 2,
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
    start = {name: c.value for name, c in w.controls.items()}
    for name, value in {
        "amplitude": 4.2 if start["amplitude"] != 4.2 else 2.2,
        "phase": 2.0 if start["phase"] != 2.0 else 0.5,
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
    with pytest.raises(ValueError, match=r"learning_rate must be in \(0.0, 10.0\]"):
        param_space_explorer(learning_rate=0.0)


def test_param_space_explorer_offers_the_notes_picture():
    from course_lib.widgets.meta import NOTES_VIEW

    w = param_space_explorer(opening=NOTES_VIEW)
    opening = {name: c.value for name, c in w.controls.items()}
    assert opening == {"inner_lr": 0.1, "num_tasks": 2, "inner_steps": 1, "outer_steps": 1}
    assert "2 tasks, 1 outer step)" in w.status.value
    with pytest.raises(TypeError, match="opening must be a dict"):
        param_space_explorer(opening={"num_tasks": 2})
    with pytest.raises(ValueError, match="opening\\['num_tasks'\\]"):
        param_space_explorer(opening={"num_tasks": 9, "inner_steps": 1, "outer_steps": 1})


def test_param_space_explorer_opens_where_the_methods_differ():
    from course_lib.widgets.meta import EXAMPLE_TASKS, final_objectives

    w = param_space_explorer()
    opening = {name: c.value for name, c in w.controls.items()}
    assert opening == {"inner_lr": 0.1, "num_tasks": 5, "inner_steps": 3, "outer_steps": 8}
    maml = float(w.status.value.split("MAML <b>")[1].split("</b>")[0])
    pretrain = float(w.status.value.split("pre-training <b>")[1].split("</b>")[0])
    assert maml < 0.6 * pretrain, "the opening view should show MAML's φ clearly ahead"
    # the notes' two tasks alone: close, and pre-training's φ is even slightly ahead
    from course_lib.meta import SinusoidTasks

    amplitude = torch.tensor([t[0] for t in EXAMPLE_TASKS[:2]])
    phase = torch.tensor([t[1] for t in EXAMPLE_TASKS[:2]])
    batch = SinusoidTasks().make_tasks(amplitude, phase, 20, 20, torch.Generator().manual_seed(0))
    two = final_objectives(
        batch, phi0=(0.5, 0.2), inner_lr=0.1, inner_steps=1, outer_steps=8, learning_rate=0.15
    )
    assert abs(two["maml"] - two["pretrain"]) < 0.1


def test_divergence_is_judged_by_growth_of_the_support_loss():
    from course_lib.widgets.meta import diverged, overfitted

    assert diverged([1.0, 1.5, 2.5, 4.0, 7.0])  # grew over the last 3 steps, above the start
    assert diverged([1.0, 3.0, 2.0, 9.0, 6.0, 30.0])  # growing while it oscillates
    assert diverged([1.0, float("nan")])
    # blew up by orders of magnitude, then settled, still above the start (MAML at α = 0.05)
    assert diverged([14.4, 26.8, 359.0, 32.8, 8410.6, 54.3, 496.4, 69.8, 57.6, 48.3, 40.9])
    assert not diverged([1.0, 5.0, 0.9, 0.5, 0.4])  # one overshoot, repaired
    assert not diverged([1.0, 2.0, 3.0, 0.5, 0.6])  # rose on 3 steps, but ends below the start
    assert not diverged([1.0, 0.8, 3.0])  # fewer than 3 steps: not "several"
    assert not diverged([1.0, 0.5, 0.6, 0.7, 0.8])  # rising, but still below the start
    assert not diverged([1.0, 0.5, 0.4])
    assert not diverged([1.0])
    # the support loss falls while the error on the curve rises: overfitting
    assert overfitted([1.0, 0.2], [2.0, 2.5])
    assert not overfitted([1.0, 0.2], [2.0, 1.5])
    assert not overfitted([1.0], [2.0])


def test_adaptation_explorer_opens_on_the_task_code_chose(learners):
    from course_lib.widgets.meta import adaptation_default

    w = adaptation_explorer(*learners, seed=0)
    opening = {name: c.value for name, c in w.controls.items()}
    x_support = -5.0 + 10.0 * torch.rand(20, 1, generator=torch.Generator().manual_seed(0))
    task = adaptation_default(*learners, x_support[:5], torch.linspace(-5, 5, 200).reshape(-1, 1))
    assert opening == {**task, "k": 5, "steps": 1, "inner_lr": 0.01}
    assert 0.1 <= task["amplitude"] <= 5.0 and 0.0 <= task["phase"] <= math.pi
    # the dotted mean curve of the family is drawn in both panels
    for ax in w.view.fig.axes[:2]:
        assert "mean of all tasks" in [line.get_label() for line in ax.get_lines()]


def test_adaptation_default_tells_the_story_on_trained_learners():
    """On learners trained long enough, the opening task shows MAML well ahead after one step,
    far more than the old opening A = 3, φ = 1 (close to the pre-trained mean curve)."""

    maml, pretrained = (
        meta_train(
            MetaConfig(method=m, iterations=600, k_support=5, log_every=600, seed=0),
            progress=False,
        ).model
        for m in ("maml", "pretrain")
    )
    w = adaptation_explorer(maml, pretrained, seed=0)

    def errors():
        return [
            float(w.status.value.split(f"{who} <b>")[1].split("</b>")[0])
            for who in ("MAML", "pre-trained")
        ]

    maml_err, pre_err = errors()
    assert maml_err < pre_err, w.status.value
    w.controls["amplitude"].value, w.controls["phase"].value = 3.0, 1.0
    old_maml, old_pre = errors()
    assert pre_err - maml_err > old_pre - old_maml


def test_one_point_overfitting_is_not_called_divergence(learners):
    w = adaptation_explorer(*learners, seed=0)
    w.controls["k"].value = 1
    for steps in (1, 3):
        w.controls["steps"].value = steps
        titles = [ax.get_title() for ax in w.view.fig.axes[:2]]
        assert not any("DIVERGED" in t for t in titles), titles
        assert "diverged" not in w.status.value


def test_adaptation_explorer_marks_divergent_settings(learners):
    import dataclasses

    maml, pretrained = learners
    # A φ with large weights makes plain steps of α = 0.05 overshoot: the support loss grows.
    steep = dataclasses.replace(
        maml, params={n: 5 * p if n == "2.weight" else p for n, p in maml.params.items()}
    )
    w = adaptation_explorer(steep, pretrained)
    assert "diverged" not in w.status.value and "DIVERGED" not in str(
        w.view.fig.axes[0].get_title()
    )
    w.controls["inner_lr"].value = 0.05
    w.controls["steps"].value = 10
    assert "⚠ MAML diverged" in w.status.value, w.status.value
    assert w.view.fig.axes[0].get_title() == "MAML: DIVERGED (α too large)"
