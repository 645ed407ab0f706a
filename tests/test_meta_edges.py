"""Issue #28's examples in meta-learning, and the valid inputs its checks must keep accepting.

The generated sweep (``tests/test_bad_inputs_generated.py``) reaches every public parameter;
these are the cases it cannot state (methods, the *valid* side of a check, a diverging inner
loop that must still return) and the issue's own examples, by name.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from bad_inputs import K5, LEARNER, SINE, SINE_PARAMS, TASKS, assert_clear_error

from course_lib.meta import functional
from course_lib.meta.architecture import MixedActivationMLP
from course_lib.meta.components import (
    ComponentConfig,
    LearningAlgorithm,
    adapt_with_components,
    initial_components,
)
from course_lib.meta.evaluation import adaptation_curve, adaptation_trajectory

MODEL = MixedActivationMLP(1, (8,), ("relu", "tanh"), seed=0)
CONFIG = ComponentConfig(iterations=1, hidden_sizes=(8,), activations=("relu", "tanh"))
PHI = initial_components(MODEL, CONFIG)


def _components(**kw):
    return adapt_with_components(MODEL, PHI, K5, K5, **{"inner_lr": 0.01, "steps": 1, **kw})


# ------------------------------------------------------------------ issue #28's examples


def test_an_empty_params_dict_is_refused_not_read_as_phi():
    """``params={}`` once fell back silently to φ (``theta or phi``)."""
    algorithm = LearningAlgorithm(MODEL, PHI, CONFIG)
    assert_clear_error(lambda: algorithm.predict(K5, {}), ValueError, "got an empty dict")
    assert_clear_error(lambda: LEARNER().predict(K5, {}), ValueError, "got an empty dict")
    assert_clear_error(
        lambda: functional.adapt(SINE(), {}, K5, K5, inner_lr=0.1, steps=1),
        ValueError,
        "params must hold the weights (a non-empty dict), got an empty dict",
    )
    # None still means "the model's own φ"
    assert torch.equal(algorithm.predict(K5, None), algorithm.predict(K5))


@pytest.mark.parametrize("inner_lr", [-1.0, torch.tensor(-1.0), torch.tensor(float("nan"))])
def test_adapt_with_components_refuses_gradient_ascent(inner_lr):
    """A negative α climbs the loss: ``adapt`` refused it, ``adapt_with_components`` did not."""
    assert_clear_error(lambda: _components(inner_lr=inner_lr), ValueError, "inner_lr must be in")
    assert_clear_error(
        lambda: functional.adapt(SINE(), SINE_PARAMS(), K5, K5, inner_lr=inner_lr, steps=1),
        ValueError,
        "inner_lr must be in",
    )


def test_a_missing_weight_is_refused_not_filled_from_the_module():
    """``functional_call`` fills a missing name with the module's own weight: the wrong net."""
    params = dict(SINE_PARAMS())
    params.pop(next(iter(params)))
    assert_clear_error(
        lambda: functional.task_loss(SINE(), params, K5, K5), ValueError, "missing ['0.weight']"
    )


def test_nan_inside_a_task_batch_is_refused():
    y = TASKS().y_query.clone()
    y[1, 2, 0] = float("nan")
    assert_clear_error(
        lambda: functional.meta_loss(
            SINE(), SINE_PARAMS(), TASKS()._replace(y_query=y), inner_lr=0.01, steps=1
        ),
        ValueError,
        "tasks.y_query must hold finite numbers (no NaN or ±inf), got 1 NaN",
    )


# ------------------------------------------------------------------- valid inputs still pass


@pytest.mark.parametrize("inner_lr", [torch.tensor(0.01), np.float64(0.01), np.float32(0.01)])
def test_a_0d_tensor_or_numpy_inner_lr_is_a_float(inner_lr):
    """Issue #28: a 0-d tensor ``inner_lr`` was refused; it is the float it holds."""
    expected = functional.adapt(SINE(), SINE_PARAMS(), K5, K5, inner_lr=0.01, steps=2)
    got = functional.adapt(SINE(), SINE_PARAMS(), K5, K5, inner_lr=inner_lr, steps=2)
    assert all(torch.allclose(got[n], expected[n]) for n in expected)
    by_float, by_value = _components(), _components(inner_lr=inner_lr)
    assert all(torch.allclose(by_value[n], by_float[n]) for n in by_float)


def test_class_labels_are_valid_targets():
    """A 1-d integer ``y`` (class labels for cross-entropy) is not a shape error."""
    head = torch.nn.Linear(1, 3)
    labels = torch.tensor([0, 1, 2, 1, 0])
    loss = functional.task_loss(
        head, dict(head.named_parameters()), K5, labels, torch.nn.functional.cross_entropy
    )
    assert loss.ndim == 0 and torch.isfinite(loss)


def test_a_diverging_inner_loop_still_returns_its_trajectory():
    """Too large a step makes θ blow up: that is the result (Chapter 5's "diverged" verdict),
    not a bad input; only what the caller passes is checked."""
    x = torch.linspace(-5, 5, 10).reshape(-1, 1)
    path = adaptation_trajectory(LEARNER(), x, 5 * torch.sin(x), x, steps=40, inner_lr=10.0)
    assert path.shape == (41, 10) and not torch.isfinite(path[-1]).all()
    curve = adaptation_curve(LEARNER(), TASKS(), max_steps=40, inner_lr=50.0)
    assert not torch.isfinite(curve.per_task[:, -1]).all()
