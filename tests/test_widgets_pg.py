"""Headless tests of the Chapter 1 widget: every control redraws, the numbers come from the library."""

import math

import pytest
import torch

from course_lib.tabular import chain_mdp, solve_values
from course_lib.widgets import return_value_explorer
from course_lib.widgets.pg import chain_values


def test_default_view_tells_the_story():
    # γ = 0.9, ε = 0.5: the values rise from s0 to the goal, and the status ties G_0 to V(s0).
    w = return_value_explorer()
    assert set(w.controls) == {"gamma", "epsilon", "episode"}
    _, V, _ = chain_values(chain_mdp(), w.controls["gamma"].value, w.controls["epsilon"].value)
    assert (V[1:] > V[:-1]).all(), "values should rise toward the goal in the default view"
    assert f"V(s0) = {V[0]:.3f}" in w.status.value


@pytest.mark.parametrize("name, value", [("gamma", 0.5), ("epsilon", 1.0), ("episode", 3)])
def test_each_control_redraws(name, value):
    w = return_value_explorer()
    before_img, before_status = w.view.image.value, w.status.value
    w.controls[name].value = value
    assert w.view.image.value != before_img, f"changing {name} did not redraw"
    assert w.status.value != before_status
    print(f"return_value_explorer: {name} redraw took {w.last_update_ms:.0f} ms")
    assert math.isfinite(w.last_update_ms) and w.last_update_ms < 3000


def test_status_values_match_the_exact_solve():
    w = return_value_explorer(gamma=0.0, epsilon=1.0)
    assert "V(s0) = 0.050" in w.status.value  # the expected immediate reward: ½ · 0.1
    w.controls["gamma"].value = 1.0
    uniform = torch.full((5, 2), 0.5, dtype=torch.float64)
    v0 = float(solve_values(chain_mdp(), uniform, 1.0)[0])
    assert math.isclose(v0, 0.25) and "V(s0) = 0.250" in w.status.value


def test_the_episode_return_is_the_discounted_last_reward():
    w = return_value_explorer(gamma=0.5, epsilon=0.0)  # always right: 5 steps, goal reward 1
    assert "G_0 = γ^4 × 1 = 0.062" in w.status.value


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"gamma": 1.5}, ValueError, "gamma must be in"),
        ({"epsilon": -0.1}, ValueError, "epsilon must be in"),
        ({"episode": 20}, ValueError, "episode must be in"),
        ({"episode": 1.5}, TypeError, "episode"),
        ({"num_states": 2}, ValueError, "num_states"),
        ({"num_states": 12}, ValueError, "num_states must be in"),
    ],
)
def test_arguments_are_validated(kwargs, error, match):
    with pytest.raises(error, match=match):
        return_value_explorer(**kwargs)
