"""PEARL's posterior: the product of Gaussians against a hand computation, the KL, the encoder."""

import itertools

import pytest
import torch

from course_lib.pearl import encoder as enc
from course_lib.pearl.encoder import (
    ContextEncoder,
    check_context,
    kl_to_prior,
    product_of_gaussians,
)


def hand_product(means, variances):
    """The posterior of one latent dimension, by the definition: multiply the prior N(0, 1) by each
    factor N(m, v), one at a time, with the two-Gaussian rule (a ⊗ b: precision 1/va + 1/vb,
    mean (ma/va + mb/vb) / precision)."""
    m, v = 0.0, 1.0
    for mi, vi in zip(means, variances):
        precision = 1.0 / v + 1.0 / vi
        m, v = (m / v + mi / vi) / precision, 1.0 / precision
    return m, v


def test_the_docstring_example_by_hand():
    # N(0, 1) · N(1, 1) · N(3, 1): precision 3, mean (0 + 1 + 3) / 3.
    mean, variance = product_of_gaussians(torch.tensor([[1.0], [3.0]]), torch.ones(2, 1))
    assert mean.item() == pytest.approx(4 / 3) and variance.item() == pytest.approx(1 / 3)


@pytest.mark.parametrize("seed", range(5))
def test_product_matches_the_hand_computation_in_every_dimension(seed):
    gen = torch.Generator().manual_seed(seed)
    means = torch.randn(6, 3, generator=gen, dtype=torch.float64)
    variances = torch.rand(6, 3, generator=gen, dtype=torch.float64) * 2 + 0.05
    mean, variance = product_of_gaussians(means, variances)
    for j in range(3):
        m, v = hand_product(means[:, j].tolist(), variances[:, j].tolist())
        assert mean[j].item() == pytest.approx(m, rel=1e-12)
        assert variance[j].item() == pytest.approx(v, rel=1e-12)


def test_no_factors_gives_the_prior_and_the_mask_leaves_factors_out():
    means, variances = torch.randn(4, 2), torch.rand(4, 2) + 0.1
    none = torch.zeros(4, dtype=torch.bool)
    mean, variance = product_of_gaussians(means, variances, none)
    assert torch.equal(mean, torch.zeros(2)) and torch.equal(variance, torch.ones(2))
    some = torch.tensor([True, False, True, False])
    torch.testing.assert_close(
        product_of_gaussians(means, variances, some),
        product_of_gaussians(means[some], variances[some]),
    )


def test_order_does_not_matter_and_each_factor_narrows_the_posterior():
    means, variances = (
        torch.randn(5, 2, dtype=torch.float64),
        torch.rand(5, 2, dtype=torch.float64) + 0.1,
    )
    base = product_of_gaussians(means, variances)
    for order in itertools.islice(itertools.permutations(range(5)), 10):
        torch.testing.assert_close(
            product_of_gaussians(means[list(order)], variances[list(order)]), base
        )
    widths = [product_of_gaussians(means[:n], variances[:n])[1] for n in range(1, 6)]
    assert all(bool((b < a).all()) for a, b in zip(widths, widths[1:]))


def test_batched_over_tasks():
    means, variances = torch.randn(3, 4, 2), torch.rand(3, 4, 2) + 0.1
    mean, variance = product_of_gaussians(means, variances)
    for t in range(3):
        torch.testing.assert_close(
            (mean[t], variance[t]), product_of_gaussians(means[t], variances[t])
        )


def test_kl_matches_torch_distributions():
    mean, variance = (
        torch.randn(4, 5, dtype=torch.float64),
        torch.rand(4, 5, dtype=torch.float64) + 0.05,
    )
    want = torch.distributions.kl_divergence(
        torch.distributions.Normal(mean, variance.sqrt()), torch.distributions.Normal(0.0, 1.0)
    ).sum(-1)
    torch.testing.assert_close(kl_to_prior(mean, variance), want)
    assert kl_to_prior(torch.zeros(3), torch.ones(3)).item() == 0.0


def test_encoder_forward_is_the_product_of_its_factors():
    torch.manual_seed(0)
    encoder = ContextEncoder(5, 3, (16,))
    context = torch.randn(2, 7, 5)
    mean, variance = encoder(context)
    torch.testing.assert_close((mean, variance), product_of_gaussians(*encoder.factors(context)))
    assert mean.shape == (2, 3) and bool((variance > 0).all()) and bool((variance < 1).all())
    assert [t.tolist() for t in encoder.prior(2)] == [[[0.0] * 3] * 2, [[1.0] * 3] * 2]


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ContextEncoder(5, 0, (8,)), ValueError, "latent_dim must be an integer"),
        (lambda: check_context(torch.zeros(2, 0, 5), 5), ValueError, "at least one transition"),
        (lambda: check_context(torch.zeros(3, 4), 5), ValueError, "context must have shape"),
        (
            lambda: check_context(torch.tensor([[0.0, 0.0, 0.0, 0.0, float("nan")]]), 5),
            ValueError,
            "context must be finite, got 1 NaN/inf entries",
        ),
        (
            lambda: check_context(torch.zeros(2, 5, dtype=torch.long), 5),
            TypeError,
            "floating-point",
        ),
        (lambda: check_context([[0.0] * 5], 5), TypeError, "context must be a torch.Tensor"),
        (
            lambda: check_context(torch.zeros(3, 5), 5, torch.ones(4, dtype=torch.bool)),
            ValueError,
            "mask must be",
        ),
    ],
)
def test_bad_contexts_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_variances_are_clamped_so_a_zero_variance_factor_stays_finite():
    mean, variance = product_of_gaussians(torch.tensor([[2.0]]), torch.tensor([[0.0]]))
    assert torch.isfinite(mean).all() and variance.item() == pytest.approx(
        enc.MIN_VARIANCE, rel=1e-3
    )


INF = float("inf")


@pytest.mark.parametrize(
    "means, variances, mask, error, match",
    [
        # [N, 1] variances against [N, d] means would broadcast into another product
        (torch.zeros(3, 2), torch.ones(3, 1), None, ValueError, "means and variances must have"),
        (torch.zeros(3), torch.ones(3), None, ValueError, "means and variances must have"),
        (torch.zeros(3, 2), -torch.ones(3, 2), None, ValueError, "variances must be >= 0"),
        (
            torch.tensor([[float("nan")], [0.0]]),
            torch.ones(2, 1),
            None,
            ValueError,
            "means must hold finite numbers",
        ),
        (
            torch.zeros(2, 1),
            torch.tensor([[float("nan")], [1.0]]),
            torch.tensor([False, True]),  # a masked-out NaN is still a NaN in the data
            ValueError,
            "variances must hold finite numbers",
        ),
        (
            torch.zeros(3, 2),
            torch.ones(3, 2),
            torch.ones(3, 2, dtype=torch.bool),
            ValueError,
            "mask",
        ),
        (torch.zeros(3, 2), torch.ones(3, 2), torch.ones(3), ValueError, "mask must be a bool"),
        (torch.zeros(3, 2, dtype=torch.long), torch.ones(3, 2), None, TypeError, "floating-point"),
    ],
)
def test_bad_factors_are_named(means, variances, mask, error, match):
    with pytest.raises(error, match=match):
        product_of_gaussians(means, variances, mask)


def test_no_factor_is_the_prior_and_an_infinite_variance_carries_no_information():
    mean, variance = product_of_gaussians(torch.zeros(0, 3), torch.zeros(0, 3))
    assert mean.tolist() == [0.0] * 3 and variance.tolist() == [1.0] * 3
    mean, variance = product_of_gaussians(
        torch.tensor([[5.0], [1.0]]), torch.tensor([[INF], [1.0]])
    )
    assert mean.item() == pytest.approx(0.5) and variance.item() == pytest.approx(0.5)


@pytest.mark.parametrize(
    "mean, variance, match",
    [
        (torch.zeros(2), torch.zeros(2), "variance must be > 0"),
        (torch.zeros(2), -torch.ones(2), "variance must be > 0"),
        (torch.zeros(2), torch.ones(2, 1), "mean and variance must have one shape"),
        (torch.tensor([INF, 0.0]), torch.ones(2), "mean must hold finite numbers"),
    ],
)
def test_bad_kl_inputs_are_named(mean, variance, match):
    with pytest.raises(ValueError, match=match):
        kl_to_prior(mean, variance)


def test_check_context_checks_its_width():
    with pytest.raises(ValueError, match="width must be an integer"):
        check_context(torch.zeros(1, 3, 5), 0)


def test_the_encoders_methods_check_their_arguments():
    encoder = enc.ContextEncoder(5, 3, (8,))
    with pytest.raises(
        ValueError, match=r"context must have shape \[\.\.\., N, 5\] .*got \(2, 4\)"
    ):
        encoder.factors(torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"batch\[1\] must be an integer in .*got -1"):
        encoder.prior(2, -1)
    with pytest.raises(
        ValueError, match=r"batch sizes \* latent_dim must be <= .*got 100000 \* 1000 \* 3"
    ):
        encoder.prior(100_000, 1000)
    assert encoder.prior(0)[0].shape == (0, 3)
