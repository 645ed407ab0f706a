"""Headless tests of the Chapter 4 component widget: controls redraw, default view, errors."""

from __future__ import annotations

import math
import statistics

import pytest
import torch

from course_lib.meta import ComponentConfig, evaluation_tasks, learn_components
from course_lib.widgets import component_explorer

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def runs():
    base = dict(iterations=30, meta_batch_size=8, hidden_sizes=(16,), log_every=10)
    return {
        "init": learn_components(ComponentConfig(components=("init",), **base), progress=False),
        "init+step_sizes": learn_components(
            ComponentConfig(components=("init", "step_sizes"), **base), progress=False
        ),
        "nothing": learn_components(ComponentConfig(components=(), **base), progress=False),
    }


@pytest.fixture(scope="module")
def tasks():
    return evaluation_tasks(4, k_support=5, k_query=30, seed=1)


def test_default_view_is_the_best_run_on_its_best_task(runs, tasks):
    w = component_explorer(runs, tasks, baseline="init")
    means = {k: r.model.query_losses(tasks).mean().item() for k, r in runs.items()}
    best = min(means, key=means.get)
    assert w.controls["component"].value == best
    gain = runs["init"].model.query_losses(tasks) - runs[best].model.query_losses(tasks)
    assert w.controls["task"].value == int(gain.argmax())
    assert f"<b>{best}</b>" in w.status.value and "(init:" in w.status.value


def test_every_control_redraws_quickly(runs, tasks):
    w = component_explorer(runs, tasks)
    times = []
    for name, value in [("component", "nothing"), ("task", 3), ("component", "init"), ("task", 0)]:
        before = w.view.image.value
        w.controls[name].value = value
        assert w.view.image.value != before, f"changing {name} did not change the plot"
        times.append(w.last_update_ms)
    assert "<b>init</b>" in w.status.value
    print(f"component_explorer redraw median {statistics.median(times):.0f} ms")
    assert all(math.isfinite(t) for t in times) and statistics.median(times) < 1500


def test_a_control_never_trains(runs, tasks, monkeypatch):
    w = component_explorer(runs, tasks)
    import course_lib.meta.components as components

    def forbidden(*args, **kwargs):
        raise AssertionError("the widget called the inner loop after it was built")

    monkeypatch.setattr(components, "component_meta_loss", forbidden)
    monkeypatch.setattr(components, "adapt_with_components", forbidden)
    w.controls["component"].value = "nothing"
    w.controls["task"].value = 2


def test_bad_input_is_named(runs, tasks):
    with pytest.raises(ValueError, match="runs must be a non-empty dict"):
        component_explorer({}, tasks)  # an empty dict is a wrong value, not a wrong type
    with pytest.raises(TypeError, match=r"runs\['x'\] must be the TrainResult"):
        component_explorer({"x": 3}, tasks)
    with pytest.raises(TypeError, match="tasks must be a TaskBatch"):
        component_explorer(runs, [1, 2])
    with pytest.raises(ValueError, match="1 to 20 tasks"):
        component_explorer(runs, evaluation_tasks(21, k_support=5, k_query=5))
    with pytest.raises(ValueError, match="baseline must be one of"):
        component_explorer(runs, tasks, baseline="wings")


def test_the_after_line_and_its_legend_entry_take_the_selected_runs_colour(runs, tasks):
    from matplotlib.colors import to_hex

    w = component_explorer(runs, tasks)
    curve_ax, task_ax = w.view.fig.axes
    colours = {line.get_label(): to_hex(line.get_color()) for line in curve_ax.get_lines()}
    entries = dict(
        zip(
            (t.get_text() for t in task_ax.get_legend().get_texts()),
            task_ax.get_legend().legend_handles,
        )
    )
    seen = set()
    for label in runs:
        w.controls["component"].value = label
        after = next(line for line in task_ax.get_lines() if line.get_label() == "after inner loop")
        assert to_hex(after.get_color()) == colours[label]
        assert to_hex(entries["after inner loop"].get_color()) == colours[label], label
        seen.add(to_hex(entries["after inner loop"].get_color()))
    assert len(seen) == len(runs)  # the legend entry really changes with the selection
