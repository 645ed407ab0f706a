"""Headless tests of the Chapter 3 widgets: every control redraws, the numbers come from the library."""

import math

import numpy as np
import pytest

from course_lib.widgets import clip_objective_explorer, gae_explorer
from course_lib.widgets.ppo import clip_objective_curve


def test_clip_explorer_redraws_and_reports_the_flat_regions():
    w = clip_objective_explorer()
    assert set(w.controls) == {"clip_coef"}
    assert "r &gt; 1.20" in w.status.value and "r &lt; 0.80" in w.status.value
    before = w.view.image.value
    w.controls["clip_coef"].value = 0.3
    assert w.view.image.value != before
    assert "r &gt; 1.30" in w.status.value and "r &lt; 0.70" in w.status.value
    assert math.isfinite(w.last_update_ms) and w.last_update_ms < 3000


def test_clip_objective_curve_is_flat_exactly_beyond_the_clip_edge():
    r = np.array([0.5, 0.9, 1.1, 1.5])
    obj_pos, grad_pos = clip_objective_curve(r, 1.0, 0.2)
    np.testing.assert_allclose(obj_pos, [0.5, 0.9, 1.1, 1.2])
    np.testing.assert_allclose(grad_pos, [1.0, 1.0, 1.0, 0.0])
    obj_neg, grad_neg = clip_objective_curve(r, -1.0, 0.2)
    np.testing.assert_allclose(obj_neg, [-0.8, -0.9, -1.1, -1.5])
    np.testing.assert_allclose(grad_neg, [0.0, -1.0, -1.0, -1.0])


def test_gae_explorer_each_slider_redraws():
    w = gae_explorer()
    assert set(w.controls) == {"gamma", "lam"}
    for name, value in (("gamma", 0.5), ("lam", 0.0), ("lam", 1.0)):
        before_img, before_status = w.view.image.value, w.status.value
        w.controls[name].value = value
        assert w.view.image.value != before_img, f"changing {name} did not redraw"
        assert w.status.value != before_status
    print(f"gae_explorer last update: {w.last_update_ms:.0f} ms")
    assert w.last_update_ms < 3000


def test_gae_explorer_status_matches_the_library():
    # γ = 0.9, λ = 0: A_0 is the TD error r_0 + γ V(s_1) − V(s_0) = 0 + 0.9·0.75 − 0.7.
    w = gae_explorer(gamma=0.9, lam=0.0)
    assert f"A_0 = {0.9 * 0.75 - 0.7:+.3f}" in w.status.value


@pytest.mark.parametrize(
    "factory, kwargs",
    [
        (clip_objective_explorer, {"clip_coef": 0.0}),
        (gae_explorer, {"lam": 1.5}),
        (gae_explorer, {"gamma": -0.1}),
    ],
)
def test_widget_arguments_are_validated(factory, kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        factory(**kwargs)
