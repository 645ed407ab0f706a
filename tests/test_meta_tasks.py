"""The sinusoid family's mean curve against computations that do not use its closed form.

``SinusoidTasks.mean_curve`` is E_{A,φ}[A·sin(x + φ)], written in closed form. Chapter 5 uses it
to say what pre-training aims at (about 1.62·cos x for the paper's ranges, not a flat line).
Here it is held against a midpoint-rule double integral, against the average of many sampled
tasks, and against the mean-squared errors the chapter quotes (issue 22 §6).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from course_lib.meta.tasks import SinusoidTasks

X = torch.linspace(-5.0, 5.0, 41)


def _integral(family: SinusoidTasks, x: np.ndarray, points: int = 2000) -> np.ndarray:
    """E[A·sin(x + φ)] by the midpoint rule over the (A, φ) rectangle (uniform density)."""
    (a_lo, a_hi), (p_lo, p_hi) = family.amplitude_range, family.phase_range
    a = a_lo + (np.arange(points) + 0.5) / points * (a_hi - a_lo)
    phi = p_lo + (np.arange(points) + 0.5) / points * (p_hi - p_lo)
    # The integrand separates only in closed form; here it is summed on the whole grid.
    values = a[None, :, None] * np.sin(x[:, None, None] + phi[None, None, :])
    return values.mean(axis=(1, 2))


@pytest.mark.parametrize(
    "family",
    [
        SinusoidTasks(),
        SinusoidTasks(amplitude_range=(1.0, 2.0), phase_range=(-1.0, 0.5)),
        SinusoidTasks(phase_range=(0.0, 2 * math.pi)),  # a full turn: the mean is flat, 0
    ],
    ids=["paper", "narrow", "full turn"],
)
def test_mean_curve_matches_the_double_integral(family):
    got = family.mean_curve(X.double()).numpy()
    want = _integral(family, X.double().numpy())
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_mean_curve_matches_the_average_of_sampled_tasks():
    family, n = SinusoidTasks(), 100_000  # sample_params' cap
    amplitude, phase = family.sample_params(n, torch.Generator().manual_seed(0))
    curves = amplitude[:, None].double() * torch.sin(X.double()[None] + phase[:, None].double())
    mean, stderr = curves.mean(0), curves.std(0) / math.sqrt(n)
    assert ((family.mean_curve(X.double()) - mean).abs() <= 4 * stderr).all()


def test_mean_curve_is_162_cos_x_for_the_papers_ranges():
    # E[A] = 2.55 and E[sin(x + φ)] over φ ~ U[0, π] is (2/π)·cos x.
    want = 2.55 * 2 / math.pi * torch.cos(X.double())
    torch.testing.assert_close(SinusoidTasks().mean_curve(X.double()), want)


def test_predicting_the_mean_cuts_the_error_of_predicting_zero_by_29_percent():
    """The figures Chapter 5 quotes: 4.25 for predicting 0, 3.01 for predicting the mean curve."""
    family, n = SinusoidTasks(), 400_000
    generator = torch.Generator().manual_seed(1)
    draws = [family.sample_params(100_000, generator) for _ in range(4)]  # its cap, four times
    amplitude, phase = (torch.cat(parts) for parts in zip(*draws))
    x = -5.0 + 10.0 * torch.rand(n, generator=generator, dtype=torch.float64)
    y = amplitude.double() * torch.sin(x + phase.double())
    zero_error = (y**2).mean().item()
    mean_error = ((y - family.mean_curve(x)) ** 2).mean().item()
    # Exactly: E[y²] = E[A²]/2 = (0.1² + 0.1·5 + 5²)/6 = 4.2517.
    assert zero_error == pytest.approx((0.1**2 + 0.1 * 5 + 5**2) / 6, abs=0.03)
    assert mean_error == pytest.approx(3.01, abs=0.03)
    assert 1 - mean_error / zero_error == pytest.approx(0.29, abs=0.01)


def test_mean_curve_refuses_a_list():
    with pytest.raises(TypeError, match="x must be a torch.Tensor, got list"):
        SinusoidTasks().mean_curve([0.0, 1.0])
