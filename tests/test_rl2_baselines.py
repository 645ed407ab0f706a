"""Bandit baselines against analytic values, reproducibility and bad input."""

import pytest

from course_lib.rl2.baselines import (
    BASELINES,
    bayes_optimal_value,
    finite_horizon_gittins_table,
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
    assert bayes_optimal_value(5, 10) == pytest.approx(6.66, abs=0.005)  # testing-notes: 6.66


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
    ],
)
def test_bad_baseline_input(kwargs, match):
    kwargs = {"trials": 10, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=match):
        run_baseline(**kwargs)


def test_exact_dp_refuses_intractable_sizes():
    with pytest.raises(ValueError, match="exact DP is intractable"):
        bayes_optimal_value(5, 100)
