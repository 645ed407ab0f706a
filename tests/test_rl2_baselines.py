"""Bandit baselines against analytic values, reproducibility and bad input."""

import numpy as np
import pytest

from course_lib.rl2.analysis import mean_and_stderr, paired_difference
from course_lib.rl2.baselines import (
    BASELINES,
    MAX_GITTINS_PULLS,
    baseline_returns,
    bayes_optimal_value,
    evaluation_bandits,
    finite_horizon_gittins_table,
    gittins_label,
    gittins_method,
    run_baseline,
)


def test_random_baseline_is_n_over_2():
    # E[total] = n * E[p] = n / 2; sd of one trial's total <= sqrt(n/4 + n^2/12) -> 4 sigma band
    n, trials = 20, 4000
    value = run_baseline("random", 3, n, trials, seed=0)
    sigma = (n / 4 + n**2 / 12) ** 0.5 / trials**0.5
    assert abs(value - n / 2) < 4 * sigma


def test_bayes_optimal_two_arms_by_hand():
    # n=1: 1/2. n=2: pull, then stay on a winner (posterior mean 2/3) or switch after a loss (1/2):
    # 1/2 + 1/2 * 2/3 + 1/2 * 1/2 = 13/12.
    assert bayes_optimal_value(2, 1) == pytest.approx(0.5)
    assert bayes_optimal_value(2, 2) == pytest.approx(13 / 12)
    # exact value 6.6599879 (the same DP in exact fractions)
    assert bayes_optimal_value(5, 10) == pytest.approx(6.6599879, abs=1e-6)


def test_gittins_two_arm_simulation_matches_dp_value():
    trials = 20_000
    value = run_baseline("gittins", 2, 2, trials, seed=1)
    assert gittins_method(2, 2) == "exact DP"
    assert abs(value - 13 / 12) < 4 * (0.75 / trials) ** 0.5  # total in {0,1,2}: variance < 0.75


def test_finite_horizon_index_one_pull_left_is_posterior_mean():
    table = finite_horizon_gittins_table(5)
    for s, f in [(0, 0), (2, 1), (0, 3)]:
        assert table[1, s, f] == pytest.approx((s + 1) / (s + f + 2), abs=2e-3)
    assert table[5, 0, 0] > table[1, 0, 0]  # more pulls left: the unknown arm is worth more
    assert gittins_method(5, 100) == "finite-horizon Gittins index"


def test_baselines_order_on_k5_n10_and_reproducible():
    values = {name: run_baseline(name, 5, 10, 1000, seed=0) for name in BASELINES}
    assert values["random"] < values["thompson"] < values["gittins"]
    assert values["gittins"] <= bayes_optimal_value(5, 10) + 0.15
    assert run_baseline("thompson", 5, 10, 200, seed=3) == run_baseline(
        "thompson", 5, 10, 200, seed=3
    )
    assert run_baseline("thompson", 5, 10, 200, seed=3) != run_baseline(
        "thompson", 5, 10, 200, seed=4
    )


def test_ucb1_with_zero_bonus_is_greedy_and_tuning_helps_on_long_trials():
    assert run_baseline("ucb1", 5, 10, 500, seed=2, ucb_c=0.0) == run_baseline(
        "greedy", 5, 10, 500, seed=2
    )
    tuned = run_baseline("ucb1", 5, 100, 500, seed=0, ucb_c=0.1)
    assert tuned > run_baseline("ucb1", 5, 100, 500, seed=0, ucb_c=1.0) + 5


def test_fh_gittins_is_strong_on_long_trials():
    gittins = run_baseline("gittins", 5, 50, 300, seed=0)
    random = run_baseline("random", 5, 50, 300, seed=0)
    assert gittins > random + 10


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(name="optimal", k=5, n=10), "name must be one of"),
        (dict(name="random", k=1, n=10), "k must be an integer >= 2"),
        (dict(name="random", k=5, n=0), "n must be an integer >= 1"),
        (dict(name="random", k=5, n=10, trials=0), "trials must be an integer >= 1"),
        (dict(name="epsilon_greedy", k=5, n=10, epsilon=1.5), r"epsilon must be in \[0.0, 1.0\]"),
        (
            dict(name="greedy", k=5, n=10, ties="first"),
            r"ties must be one of \['random', 'lowest'\]",
        ),
        (dict(name="gittins", k=5, n=300), r"n must be an integer in \[1, 200\] for the finite"),
    ],
)
def test_bad_baseline_input(kwargs, match):
    kwargs = {"trials": 10, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=match):
        run_baseline(**kwargs)


def test_exact_dp_refuses_intractable_sizes():
    with pytest.raises(ValueError, match="exact DP is intractable"):
        bayes_optimal_value(5, 100)


def test_authors_tie_rule_always_tries_the_lowest_arm_first():
    # arm 0 always pays, the others never: one pull scores 1 under "lowest", ~1/k under "random"
    probs = np.tile([1.0, 0.0, 0.0, 0.0, 0.0], (2000, 1))
    assert baseline_returns("greedy", probs, 1, seed=0, ties="lowest").mean() == 1.0
    assert baseline_returns("greedy", probs, 1, seed=0).mean() == pytest.approx(0.2, abs=0.03)
    # on U(0, 1) bandits the lowest-index rule costs greedy 1-2 reward per 100 pulls
    bandits = evaluation_bandits(10, range(1000))
    lowest = baseline_returns("greedy", bandits, 100, seed=0, ties="lowest")
    diff, se = paired_difference(baseline_returns("greedy", bandits, 100, seed=0), lowest)
    assert 0.5 < diff < 3.0 and diff > 3 * se


def test_ots_is_thompson_never_below_the_mean_and_beats_it_on_long_trials():
    bandits = evaluation_bandits(5, range(1000))
    ots = baseline_returns("ots", bandits, 100, seed=0)
    diff, se = paired_difference(ots, baseline_returns("thompson", bandits, 100, seed=0))
    assert "ots" in BASELINES and diff > 3 * se  # Duan et al. Table 1: 77.9 vs 74.7 at (100, 5)


def test_evaluation_bandits_are_seeded_one_by_one():
    full = evaluation_bandits(5, range(10))
    np.testing.assert_array_equal(evaluation_bandits(5, [3, 7]), full[[3, 7]])
    assert full.shape == (10, 5) and ((full >= 0) & (full < 1)).all()
    with pytest.raises(TypeError, match="seeds must be a non-empty sequence"):
        evaluation_bandits(5, [])
    with pytest.raises(ValueError, match="seeds"):
        evaluation_bandits(5, [-1])


def test_baseline_returns_pairs_methods_on_the_same_bandits():
    bandits = evaluation_bandits(3, range(300))
    a = baseline_returns("thompson", bandits, 20, seed=4)
    assert a.shape == (300,) and np.array_equal(
        a, baseline_returns("thompson", bandits, 20, seed=4)
    )
    # common random numbers: ucb1 with c = 0 is greedy, pull for pull and reward for reward
    np.testing.assert_array_equal(
        baseline_returns("ucb1", bandits, 20, seed=4, ucb_c=0.0, ties="lowest"),
        baseline_returns("greedy", bandits, 20, seed=4, ties="lowest"),
    )
    with pytest.raises(ValueError, match=r"arm_probs must have shape \[trials >= 1, k >= 2\]"):
        baseline_returns("greedy", np.ones(5), 10, seed=0)
    with pytest.raises(ValueError, match=r"arm_probs must lie in \[0, 1\]"):
        baseline_returns("greedy", np.full((2, 3), 1.5), 10, seed=0)


def test_gittins_label_and_cap():
    assert gittins_label(5, 10) == "Bayes-optimal (exact DP)"
    assert gittins_label(5, 100) == "finite-horizon Gittins index (heuristic)"
    with pytest.raises(ValueError, match=f"n must be an integer in \\[1, {MAX_GITTINS_PULLS}\\]"):
        finite_horizon_gittins_table(MAX_GITTINS_PULLS + 1)


def test_mean_and_paired_standard_errors():
    mean, se = mean_and_stderr([1.0, 2.0, 3.0])
    assert mean == 2.0 and se == pytest.approx(1 / 3**0.5)
    a = np.arange(10.0)
    assert paired_difference(a + 1, a) == (1.0, 0.0)  # same tasks: all the spread cancels
    with pytest.raises(ValueError, match="same length"):
        paired_difference(a, a[:5])
    with pytest.raises(ValueError, match="1-D array of at least 2 numbers"):
        mean_and_stderr([1.0])
