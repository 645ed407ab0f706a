"""Chapter 9 checkers: the right answers pass, each wrong answer gets its own diagnosis."""

import functools

import pytest
import torch

from course_lib.exercises.pearl import (
    check_efficiency_prediction,
    check_encoder_gradient,
    check_posterior_variance,
    check_product_of_gaussians,
)
from course_lib.pearl.encoder import product_of_gaussians


def right(means, variances):
    precision = 1.0 + (1.0 / variances).sum(0)
    return (means / variances).sum(0) / precision, 1.0 / precision


def variances_added(means, variances):
    variance = 1.0 + variances.sum(0)
    return (means / variances).sum(0) * variance, variance


def variances_added_no_prior(means, variances):
    variance = variances.sum(0)
    return (means / variances).sum(0) * variance, variance


def no_prior(means, variances):
    precision = (1.0 / variances).sum(0)
    return (means / variances).sum(0) / precision, 1.0 / precision


def prior_missing_in_mean_only(means, variances):
    precision = 1.0 / variances
    return (precision * means).sum(0) / precision.sum(0), 1.0 / (1.0 + precision.sum(0))


def precision_returned(means, variances):
    precision = 1.0 + (1.0 / variances).sum(0)
    return (means / variances).sum(0) / precision, precision


def std_returned(means, variances):
    mean, variance = right(means, variances)
    return mean, variance.sqrt()


def averaged_variances(means, variances):
    return means.mean(0), variances.mean(0)


def plain_average_of_means(means, variances):
    return means.mean(0), right(means, variances)[1]


def variance_weighted_means(means, variances):
    return (variances * means).sum(0) / (1.0 + variances.sum(0)), right(means, variances)[1]


def not_normalised(means, variances):
    return (means / variances).sum(0), right(means, variances)[1]


def wrong_axis(means, variances):
    precision = 1.0 + (1.0 / variances).sum(-1)
    return (means / variances).sum(-1) / precision, 1.0 / precision


def one_tensor(means, variances):
    return torch.cat(right(means, variances))


def numpy_inside(means, variances):
    import numpy as np

    return torch.tensor(np.sum(means.numpy(), 0)), right(means, variances)[1]


def not_done(means, variances):
    raise NotImplementedError


def library(means, variances):
    return product_of_gaussians(means, variances)


def test_right_answer_passes(capsys):
    assert check_product_of_gaussians(right)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize(
    "fn, diagnosis",
    [
        (variances_added, "you added the variances; a product of Gaussians adds the *precisions*"),
        (variances_added_no_prior, "you added the variances"),
        (no_prior, "the prior factor N(0, 1) is missing: it adds precision 1"),
        (
            prior_missing_in_mean_only,
            "the prior is missing from the mean: its precision 1 belongs in the denominator",
        ),
        (precision_returned, "you returned the precision 1/σ²"),
        (std_returned, "you returned the standard deviation"),
        (averaged_variances, "you averaged the variances; precisions add"),
        (plain_average_of_means, "you averaged the means; weight each μ_n by its precision"),
        (variance_weighted_means, "you weighted the means by their variances"),
        (not_normalised, "you forgot to divide by the total precision"),
        (wrong_axis, "you reduced over the latent dimensions: sum over the transitions, dim 0"),
        (one_tensor, "return a pair (mean, variance)"),
        (numpy_inside, "the mean is wrong"),
        (not_done, "not implemented yet"),
        (library, "the library's own"),
        (product_of_gaussians, "the library's own"),
        (functools.partial(product_of_gaussians), "the library's own"),
    ],
)
def test_wrong_answers_get_their_diagnosis(fn, diagnosis, capsys):
    assert check_product_of_gaussians(fn) is False
    out = capsys.readouterr().out
    assert "✗" in out and diagnosis in out, out


def test_posterior_variance_question(capsys):
    assert check_posterior_variance(1 / 7)
    assert check_posterior_variance(0.143)
    for answer, reason in (
        (1 / 6, "that leaves out the prior"),
        (1.5, "that adds the variances; a product adds precisions"),
        (2.5, "that adds the variances and the prior's"),
        (7, "that is the precision"),
        (0.5, "narrower than any one of them"),
        (1 / 3, "that counts one factor"),
        (0.2, "that counts two factors"),
        (None, "not answered yet"),
        ("one seventh", "give a number"),
        (0.9, "re-read the question"),
    ):
        assert check_posterior_variance(answer) is False
        assert reason in capsys.readouterr().out


def test_encoder_gradient_question(capsys):
    assert check_encoder_gradient("b") and check_encoder_gradient("(B)")
    for choice, reason in (
        ("a", "the actor sees z with its gradient stopped"),
        ("c", "VariBAD decodes rewards"),
        ("d", "the encoder is trained with everything else"),
        (None, "not answered yet"),
    ):
        assert check_encoder_gradient(choice) is False
        assert reason in capsys.readouterr().out


def test_efficiency_prediction_follows_the_run(capsys):
    steps = {"RL²": 384_000.0, "MAML-RL": float("inf"), "PEARL": 8_200.0}
    assert check_efficiency_prediction("PEARL", steps)
    assert "PEARL 8,200" in capsys.readouterr().out
    assert check_efficiency_prediction("RL²", steps) is False
    assert "RL² learns on-policy" in capsys.readouterr().out
    assert check_efficiency_prediction("MAML-RL", steps) is False
    assert "MAML-RL never" in capsys.readouterr().out
    other = {"RL²": 5_000.0, "MAML-RL": float("inf"), "PEARL": 8_200.0}
    assert check_efficiency_prediction("RL²", other)
    assert check_efficiency_prediction("PEARL", other) is False
    assert "not in this run" in capsys.readouterr().out


@pytest.mark.parametrize(
    "steps, error, match",
    [
        ([("PEARL", 1.0)], TypeError, "steps must be a mapping"),
        ({"RL²": 1.0, "PEARL": 2.0}, ValueError, "steps must have the keys"),
        ({"RL²": 1.0, "MAML-RL": float("nan"), "PEARL": 2.0}, ValueError, "must be >= 0"),
        ({"RL²": 1.0, "MAML-RL": -5.0, "PEARL": 2.0}, ValueError, "must be >= 0"),
        ({"RL²": 1.0, "MAML-RL": "9", "PEARL": 2.0}, TypeError, "must be a number of steps"),
    ],
)
def test_broken_steps_are_the_chapters_bug_and_raise(steps, error, match, capsys):
    with pytest.raises(error, match=match):
        check_efficiency_prediction("PEARL", steps)
    assert capsys.readouterr().out == ""  # raised before any feedback


def test_a_run_without_a_target_cannot_be_judged(capsys):
    assert check_efficiency_prediction("PEARL", {}) is False
    assert "no family reached a common target return in this run" in capsys.readouterr().out
