"""The meta-gradient estimator against the exact meta-gradient of a tiny MDP."""

import pytest
import torch

from course_lib.maml_rl.dice import (
    TinyMDP,
    dice_surrogate,
    discounted_reward_to_go,
    estimated_meta_gradient,
    exact_meta_gradient,
    exact_return,
    magic_box,
    meta_gradient_bias,
    meta_gradient_check,
    reinforce_surrogate,
)


def test_magic_box_is_one_with_the_right_derivatives():
    x = torch.tensor(0.7, requires_grad=True)
    y = magic_box(3 * x)
    assert y.item() == 1.0
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    (h,) = torch.autograd.grad(g, x)
    assert g.item() == pytest.approx(3.0) and h.item() == pytest.approx(9.0)


def test_reward_to_go_matches_a_loop():
    r = torch.randn(6, 4, dtype=torch.float64)
    running, want = torch.zeros(4, dtype=torch.float64), []
    for t in reversed(range(6)):
        running = r[t] + 0.8 * running
        want.append(running)
    assert torch.allclose(discounted_reward_to_go(r, 0.8), torch.stack(want[::-1]))


def test_dice_value_and_first_derivative_are_the_policy_gradient():
    gen = torch.Generator().manual_seed(0)
    theta = torch.randn(3, dtype=torch.float64, generator=gen, requires_grad=True)
    feats = torch.randn(5, 4, 3, dtype=torch.float64, generator=gen)
    rewards = torch.randn(5, 4, dtype=torch.float64, generator=gen)
    baseline = torch.randn(5, 4, dtype=torch.float64, generator=gen)
    logprob = -torch.nn.functional.softplus(feats @ theta)
    discount = 0.9 ** torch.arange(5, dtype=torch.float64)[:, None]
    value = dice_surrogate(logprob, rewards, None, 0.9)
    assert value.item() == pytest.approx(float((discount * rewards).sum(0).mean()))
    (g_dice,) = torch.autograd.grad(
        dice_surrogate(logprob, rewards, baseline, 0.9), theta, retain_graph=True
    )
    (g_pg,) = torch.autograd.grad(reinforce_surrogate(logprob, rewards, baseline, 0.9), theta)
    assert torch.allclose(g_dice, g_pg)


def test_exact_expectations_dice_is_exact_reinforce_and_first_order_are_not():
    errors = meta_gradient_check(num_trajectories=100)
    assert errors["dice"] < 1e-10
    assert errors["reinforce"] > 0.1  # misses the ∇log π ∇log π^T term of the Hessian
    assert errors["first_order"] > 0.1  # drops the Hessian altogether


def test_sampled_dice_converges_to_the_exact_meta_gradient():
    def mean_error(n: int) -> float:
        return (
            sum(meta_gradient_check(num_trajectories=n, seed=s)["dice_sampled"] for s in range(3))
            / 3
        )

    few, many = mean_error(300), mean_error(200_000)
    assert many < 0.03 and many < few / 3


def test_exact_return_sums_over_every_trajectory():
    mdp = TinyMDP.default()
    states, actions, rewards, log_env = mdp.trajectories()
    assert states.shape == (3, 2**3 * 2**2)
    theta = torch.zeros(2, 2, dtype=torch.float64)
    probs = torch.exp(log_env + torch.log(torch.tensor(0.5, dtype=torch.float64)) * 3)
    assert probs.sum().item() == pytest.approx(1.0)
    assert exact_meta_gradient(mdp, theta, 0.0).shape == (2, 2)
    assert torch.isfinite(exact_return(mdp, theta))


def test_bad_shapes_and_arguments():
    with pytest.raises(ValueError, match=r"share one shape \[T, N\]"):
        dice_surrogate(torch.zeros(3, 2), torch.zeros(3, 4))
    with pytest.raises(ValueError, match=r"time-major tensor \[T, N\]"):
        reinforce_surrogate(torch.zeros(3), torch.zeros(3))
    with pytest.raises(ValueError, match=r"num_trajectories must be in \[1, 1000000\]"):
        meta_gradient_check(num_trajectories=10**7)
    with pytest.raises(ValueError, match="inner_lr must be in"):
        meta_gradient_check(inner_lr=-1.0)


def test_dice_through_torch_func_grad_is_exact_too():
    """Training differentiates through ``torch.func.grad`` (inside ``adapt``), not autograd.grad:
    the magic box's detach must behave the same there."""
    from torch.func import grad

    from course_lib.maml_rl.dice import _surrogate_on

    mdp = TinyMDP.default()
    theta = torch.tensor([[0.3, -0.2], [-0.4, 0.1]], dtype=torch.float64, requires_grad=True)
    gen = torch.Generator().manual_seed(0)
    g = grad(lambda p: _surrogate_on(mdp, p, "dice", None, gen))(theta)
    outer = _surrogate_on(mdp, theta + 0.5 * g, "dice", None, gen)
    (meta_grad,) = torch.autograd.grad(outer, theta)
    assert torch.allclose(meta_grad, exact_meta_gradient(mdp, theta, 0.5), atol=1e-12)


def test_sampled_inner_step_is_biased_and_the_bias_shrinks_like_one_over_n():
    # N = 1 and 2: exact sums over every batch; the bias is real, not noise.
    one, two = meta_gradient_bias(1), meta_gradient_bias(2)
    assert one.exact and two.exact and one.relative_bias > 0.2
    assert 1.3 < one.relative_bias / two.relative_bias < 1.7  # about 1/N (a 1/N + c/N² law)
    ten = meta_gradient_bias(10, repeats=20_000, seed=1)
    assert ten.z > 10 and 0.03 < ten.relative_bias < 0.08


def test_monte_carlo_bias_agrees_with_the_exact_sum():
    exact = meta_gradient_bias(2)
    sampled = meta_gradient_bias(2, repeats=40_000, seed=3, exact=False)
    assert abs(sampled.relative_bias - exact.relative_bias) < 4 * sampled.stderr


def test_library_estimator_matches_the_exact_expectation_at_one_trajectory():
    # estimated_meta_gradient samples the outer batch too; its mean over many batches of one
    # trajectory must equal the exact expectation of the one-trajectory estimator.
    mdp, inner_lr = TinyMDP.default(), 0.5
    theta = torch.tensor([[0.3, -0.2], [-0.4, 0.1]], dtype=torch.float64)
    samples = torch.stack(
        [
            estimated_meta_gradient(mdp, theta, inner_lr, num_trajectories=1, seed=s)
            for s in range(2000)
        ]
    )
    bias = meta_gradient_bias(1, inner_lr=inner_lr)  # exact sums over every batch
    stderr = samples.std(0) / 2000**0.5
    assert ((samples.mean(0) - bias.expected) / stderr).abs().max() < 4  # its expectation ...
    assert ((samples.mean(0) - bias.target) / stderr).abs().max() > 3  # ... and not the target


def test_bias_arguments_are_checked():
    with pytest.raises(ValueError, match="num_trajectories must be <= 2"):
        meta_gradient_bias(3, exact=True)
    with pytest.raises(ValueError, match="num_trajectories \\* repeats"):
        meta_gradient_bias(1000, repeats=10_000)
    with pytest.raises(ValueError, match="num_trajectories"):
        meta_gradient_bias(0)
