"""course_lib.stats against direct computations: intervals, paired differences, verdicts."""

import math

import numpy as np
import pytest
import torch

from course_lib.stats import (
    Z95,
    Interval,
    differences,
    mean_and_stderr,
    mean_ci,
    mean_ci_along,
    paired_difference,
    sign,
)


def test_mean_ci_is_the_normal_interval_with_ddof_1():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    interval = mean_ci(torch.tensor(x))
    assert interval.mean == pytest.approx(3.5) and interval.n == 4
    assert interval.half_width == pytest.approx(1.959964 * x.std(ddof=1) / 2, rel=1e-6)
    assert interval.low == pytest.approx(3.5 - interval.half_width)
    assert f"{interval:.2f}" == f"3.50 ± {interval.half_width:.2f}"
    assert Z95 == pytest.approx(1.959964, abs=1e-6)


def test_paired_difference_removes_what_both_scores_share():
    gen = np.random.default_rng(0)
    shared = gen.normal(0, 10, 200)  # task difficulty, common to both methods
    a, b = shared + 1.0 + gen.normal(0, 0.5, 200), shared + gen.normal(0, 0.5, 200)
    paired = paired_difference(a, b)
    unpaired = mean_ci(a).half_width + mean_ci(b).half_width
    assert paired.low > 0 and paired.half_width < unpaired / 10
    assert sign(paired) == 1 and sign(paired_difference(b, a)) == -1
    assert sign(Interval(0.1, 0.5, 10)) == 0


def test_mean_ci_along_matches_one_interval_per_row():
    values = torch.tensor([[1.0, 2.0, 6.0], [0.0, 0.0, 3.0]])
    means, halves = mean_ci_along(values)
    for row, m, h in zip(values, means, halves):
        one = mean_ci(row)
        assert float(m) == pytest.approx(one.mean) and float(h) == pytest.approx(one.half_width)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: mean_ci([1.0]), ValueError, "at least 2"),
        (lambda: mean_ci([[1.0, 2.0]]), ValueError, "1-D"),
        (lambda: mean_ci([1.0, math.nan]), ValueError, "finite"),
        (lambda: mean_ci(["a", "b"]), TypeError, "numbers"),
        (lambda: paired_difference([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError, "same tasks"),
        (lambda: mean_ci_along(torch.zeros(3, 1)), ValueError, "at least 2"),
        (lambda: mean_ci_along([1.0, 2.0]), TypeError, "tensor"),
        (lambda: sign(0.5), TypeError, "Interval"),
    ],
)
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_mean_and_paired_standard_errors():
    mean, se = mean_and_stderr([1.0, 2.0, 3.0])
    assert mean == 2.0 and se == pytest.approx(1 / 3**0.5)
    a = np.arange(10.0)
    # same tasks: all the spread cancels
    assert mean_and_stderr(differences(a + 1, a)) == (1.0, 0.0)
    with pytest.raises(ValueError, match="same length"):
        mean_and_stderr(differences(a, a[:5]))
    with pytest.raises(ValueError, match="at least 2 numbers"):
        mean_and_stderr([1.0])
