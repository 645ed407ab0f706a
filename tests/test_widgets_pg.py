"""Headless tests of the Chapter 1 widget: every control redraws, the numbers come from the library."""

import math

import pytest
import torch

from course_lib.tabular import chain_mdp, solve_values
from course_lib.widgets import q_learning_explorer, return_value_explorer
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


# --------------------------------------------------------------------------------------------
# The Q-learning explorer
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def q_runs():
    from course_lib.tabular import value_iteration
    from course_lib.td import q_learning

    mdp = chain_mdp()
    Q_star, _ = value_iteration(mdp, 0.9)
    runs = {
        eps: q_learning(
            mdp, 0.9, 200, epsilon=eps, num_runs=4, generator=torch.Generator().manual_seed(i)
        )
        for i, eps in enumerate((1.0, 0.2))
    }
    return runs, Q_star


def test_q_explorer_opens_where_q_has_converged(q_runs):
    from course_lib.widgets.pg import converged_episode, settled_episode

    runs, Q_star = q_runs
    w = q_learning_explorer(runs, Q_star)
    assert set(w.controls) == {"epsilon", "run", "episode"}
    assert w.controls["epsilon"].value == 1.0 and w.controls["run"].value == 0
    k = w.controls["episode"].value
    assert k == converged_episode(runs[1.0], Q_star, 0) is not None
    errors = (runs[1.0].history[:, 0] - Q_star).abs().amax((-2, -1))
    assert (
        errors[k:].max() < 1e-3 and errors[k - 1] >= 1e-3
    )  # the first episode from which it holds
    settled = settled_episode(runs[1.0], Q_star, 0)
    assert settled is not None and settled <= k  # the policy is right before the values are
    assert f"became optimal for good after episode {settled}" in w.status.value
    assert "greedy policy → → → → → (optimal → → → → →)" in w.status.value


@pytest.mark.parametrize("name, value", [("epsilon", 0.2), ("run", 2), ("episode", 3)])
def test_q_explorer_controls_redraw(q_runs, name, value):
    w = q_learning_explorer(*q_runs)
    before_img, before_status = w.view.image.value, w.status.value
    w.controls[name].value = value
    assert w.view.image.value != before_img, f"changing {name} did not redraw"
    assert w.status.value != before_status
    print(f"q_learning_explorer: {name} redraw took {w.last_update_ms:.0f} ms")
    assert math.isfinite(w.last_update_ms) and w.last_update_ms < 3000


def test_q_explorer_status_reads_the_table(q_runs):
    runs, Q_star = q_runs
    w = q_learning_explorer(runs, Q_star, episode=0)
    assert "After 0 episodes" in w.status.value and "max |Q − Q*| = 1" in w.status.value


def test_settled_episode_is_none_when_the_policy_ends_wrong(q_runs):
    from course_lib.td import QLearningResult
    from course_lib.widgets.pg import settled_episode

    _, Q_star = q_runs
    stuck = QLearningResult(torch.zeros(5, 1, 5, 2, dtype=torch.float64), torch.ones(4, 1))
    assert settled_episode(stuck, Q_star) is None  # all-zero Q: greedy goes left everywhere


@pytest.mark.parametrize(
    "change, error, match",
    [
        (lambda r, q: ({}, q), TypeError, "runs must be a non-empty dict"),
        (lambda r, q: ({1.0: "result"}, q), TypeError, "must be a QLearningResult"),
        (lambda r, q: (r, q[:3]), ValueError, "q_star must be a tensor of shape"),
        (lambda r, q: (r, q, {"epsilon": 0.5}), ValueError, "epsilon must be one of"),
        (lambda r, q: (r, q, {"run": 9}), ValueError, "run must be an integer in"),
        (lambda r, q: (r, q, {"episode": 999}), ValueError, "episode must be an integer in"),
    ],
)
def test_q_explorer_arguments_are_validated(q_runs, change, error, match):
    args = change(*q_runs)
    kwargs = args[2] if len(args) > 2 else {}
    with pytest.raises(error, match=match):
        q_learning_explorer(args[0], args[1], **kwargs)
