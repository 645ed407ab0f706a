"""TRPO's pieces against closed forms: conjugate gradient, the natural step and its trust region."""

import math

import pytest
import torch
from torch import nn

from course_lib.trpo import conjugate_gradient, trpo_step


def test_conjugate_gradient_solves_a_positive_definite_system():
    gen = torch.Generator().manual_seed(0)
    m = torch.randn(6, 6, generator=gen, dtype=torch.float64)
    a = m @ m.T + 0.5 * torch.eye(6, dtype=torch.float64)
    b = torch.randn(6, generator=gen, dtype=torch.float64)
    x = conjugate_gradient(lambda v: a @ v, b, iterations=6)  # exact after n steps
    assert torch.allclose(x, torch.linalg.solve(a, b), atol=1e-8)


def test_trpo_step_is_the_natural_gradient_scaled_to_the_trust_region():
    # Policy N(μ, σ²) with fixed σ over one state; surrogate L(μ) = w·μ is linear, so the line
    # search takes the full step; KL(old ‖ new) = (Δμ)²/(2σ²): Fisher F = I/σ² and the natural
    # step is Δμ = √(2δ/(gᵀF⁻¹g)) F⁻¹ g = σ √(2δ) w/‖w‖.
    sigma, delta = 0.5, 0.01
    mu = nn.Parameter(torch.zeros(3, dtype=torch.float64))
    w = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    old = mu.detach().clone()
    stats = trpo_step(
        [mu],
        lambda: (w * mu).sum(),
        lambda: ((mu - old) ** 2).sum() / (2 * sigma**2),
        max_kl=delta,
        damping=0.0,
    )
    expected = sigma * math.sqrt(2 * delta) * w / torch.linalg.vector_norm(w)
    # The full step lands on the boundary; rounding may put it a hair outside, so one shrink
    # (0.8) is allowed.
    expected = expected * stats["step_fraction"]
    assert torch.allclose(mu.detach(), expected, atol=1e-6)
    assert stats["step_fraction"] in (1.0, 0.8)
    assert stats["kl"] == pytest.approx(delta * stats["step_fraction"] ** 2, rel=1e-6)


def test_line_search_keeps_the_kl_within_the_trust_region_and_improves():
    # A nonlinear surrogate: the quadratic model overshoots, so the line search must shrink.
    theta = nn.Parameter(torch.tensor([0.3, -0.2], dtype=torch.float64))
    old = theta.detach().clone()

    def kl():
        return (torch.exp(theta - old) - 1 - (theta - old)).sum() * 4.0  # convex, 0 at old

    before = float(-(theta**4).sum() + theta.sum())
    stats = trpo_step(
        [theta], lambda: -(theta**4).sum() + theta.sum(), kl, max_kl=0.05, damping=1e-8
    )
    assert stats["step_fraction"] > 0 and stats["kl"] <= 0.05
    assert stats["surrogate_after"] > before


def test_no_acceptable_step_keeps_the_parameters():
    theta = nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    start = theta.detach().clone()
    # The surrogate gets worse in every direction the (wrong) curvature proposes: a maximum.
    stats = trpo_step(
        [theta],
        lambda: -((theta - 1.0) ** 2).sum() + 0 * theta.sum(),
        lambda: ((theta - start) ** 2).sum(),
        max_kl=0.01,
    )
    assert stats["step_fraction"] == 0.0 and torch.equal(theta.detach(), start)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"max_kl": 0.0}, "max_kl"),
        ({"backtrack_ratio": 1.0}, "backtrack_ratio"),
        ({"max_backtracks": 0}, "max_backtracks"),
        ({"damping": -1.0}, "damping"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    p = nn.Parameter(torch.zeros(2))
    with pytest.raises(ValueError, match=match):
        trpo_step([p], lambda: p.sum(), lambda: (p**2).sum(), **kwargs)
