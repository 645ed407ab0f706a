"""Bandit baselines against analytic values, reproducibility and bad input."""

import numpy as np
import pytest
import scipy.stats

from course_lib.rl2.baselines import (
    BASELINES,
    DISCOUNTED_GITTINS_HORIZON,
    MAX_DISCOUNTED_HORIZON,
    MAX_GITTINS_PULLS,
    MAX_OTS_DRAWS,
    baseline_returns,
    bayes_optimal_value,
    discounted_gittins_table,
    finite_horizon_gittins_table,
    gittins_label,
    gittins_method,
    most_probable_draw,
    run_baseline,
)
from course_lib.stats import differences, mean_and_stderr
from course_lib.tasks import evaluation_bandits


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
        (dict(name="random", k=1, n=10), "k must be an integer in \\[2, 1_000\\]"),
        (dict(name="random", k=5, n=0), "n must be an integer in \\[1, 100_000\\]"),
        (
            dict(name="random", k=5, n=10, trials=0),
            "trials must be an integer in \\[1, 300_000_000\\]",
        ),
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
    diff, se = mean_and_stderr(
        differences(baseline_returns("greedy", bandits, 100, seed=0), lowest)
    )
    assert 0.5 < diff < 3.0 and diff > 3 * se


def test_ots_mean_floor_is_never_below_the_mean_and_beats_thompson_on_long_trials():
    bandits = evaluation_bandits(5, range(1000))
    ots = baseline_returns("ots_mean_floor", bandits, 100, seed=0)
    diff, se = mean_and_stderr(differences(ots, baseline_returns("thompson", bandits, 100, seed=0)))
    assert diff > 3 * se


# ------------------------------------------------ the authors' OTS: best of n posterior draws


def _authors_choice(draws, succ, fail):
    """The authors' selection, transcribed: scipy's Beta log-density summed over arms; a later
    draw replaces the kept one only if strictly more probable."""
    kept, kept_logprob = None, None
    for x in draws:
        logprob = np.sum(scipy.stats.beta.logpdf(x, succ + 1, fail + 1))
        if kept_logprob is None or logprob > kept_logprob:
            kept, kept_logprob = x, logprob
    return kept


def test_most_probable_draw_matches_scipy_log_densities():
    rng = np.random.default_rng(0)
    succ = rng.integers(0, 6, size=(40, 4))
    fail = rng.integers(0, 6, size=(40, 4))
    succ[0] = fail[0] = 0  # a fresh bandit: every draw has density 1, the first one is kept
    draws = rng.beta(succ + 1, fail + 1, size=(7, 40, 4))
    chosen = most_probable_draw(draws, succ, fail)
    for r in range(40):
        np.testing.assert_array_equal(chosen[r], _authors_choice(draws[:, r], succ[r], fail[r]))
    np.testing.assert_array_equal(chosen[0], draws[0, 0])


def _ots_transcribed(probs, n, draws, seed):
    """One bandit of the authors' OTS loop, written out pull by pull, drawing from the library's
    streams (``baseline_returns``'s contract): the algorithm's draws from Generator([seed, 2]),
    draw after draw, each of all k arms; the j-th pull of arm a pays luck[a, j] < p[a]."""
    k = len(probs)
    luck = np.random.default_rng([seed, 1]).random((1, k, n))[0]
    rng = np.random.default_rng([seed, 2])
    succ, fail, total = np.zeros(k, int), np.zeros(k, int), 0
    for _ in range(n):
        samples = [rng.beta(succ + 1, fail + 1) for _ in range(draws)]
        arm = int(np.argmax(_authors_choice(samples, succ, fail)))
        reward = luck[arm, succ[arm] + fail[arm]] < probs[arm]
        succ[arm] += reward
        fail[arm] += not reward
        total += reward
    return total


@pytest.mark.parametrize("draws", [1, 4, 15])
def test_ots_matches_a_direct_transcription_pull_for_pull(draws):
    bandits = evaluation_bandits(5, range(25))
    for i, probs in enumerate(bandits):
        ours = baseline_returns("ots", probs[None], 12, seed=100 + i, ots_draws=draws)
        assert ours[0] == _ots_transcribed(probs, 12, draws, seed=100 + i)


def test_ots_with_one_draw_is_thompson_and_more_draws_exploit_more():
    bandits = evaluation_bandits(5, range(1000))
    thompson = baseline_returns("thompson", bandits, 10, seed=3)
    np.testing.assert_array_equal(
        baseline_returns("ots", bandits, 10, seed=3, ots_draws=1), thompson
    )
    # on 10-pull trials exploring less pays (greedy 6.6 against Thompson 5.7 in the paper)
    diff, se = mean_and_stderr(
        differences(baseline_returns("ots", bandits, 10, seed=3, ots_draws=15), thompson)
    )
    assert diff > 0.3 and diff > 5 * se


# ----------------------------------------------- Gittins indices against brute-force stopping


def _brute_force_index(gamma, depth, s0=0, f0=0, forever=True):
    """Gittins's own definition, by enumeration: the largest ratio E[Σ_{t<τ} γ^t r_t] / E[Σ_{t<τ} γ^t]
    over every stopping rule τ >= 1 on the (s, f) lattice of an arm with posterior Beta(s0+1, f0+1),
    up to ``depth`` more pulls. At that depth the arm either stops or, if ``forever``, is kept
    forever at its posterior mean then (the truncation of discounted_gittins_table); with
    ``forever=False`` it must stop there (the finite-horizon index with ``depth`` pulls left)."""
    nodes = [(d, s) for d in range(depth + 1) for s in range(d + 1)]  # s successes in d pulls
    free = [(d, s) for d, s in nodes if 0 < d < depth or (d == depth and forever)]
    rules = (np.arange(2 ** len(free))[:, None] >> np.arange(len(free))) & 1  # 1 = go on
    go = {node: rules[:, i] for i, node in enumerate(free)} | {(0, 0): 1}
    reach = {node: np.zeros(len(rules)) for node in nodes}
    reach[0, 0][:] = 1.0
    reward = np.zeros(len(rules))
    weight = np.zeros(len(rules))
    for d, s in nodes:  # depth by depth: a node's reach is final before it is expanded
        p = (s0 + s + 1) / (s0 + f0 + d + 2)
        going = reach[d, s] * go.get((d, s), 0)
        if d < depth:
            reward += going * gamma**d * p
            weight += going * gamma**d
            reach[d + 1, s + 1] += going * p
            reach[d + 1, s] += going * (1 - p)
        elif forever:  # kept forever: γ^d + γ^(d+1) + ... pulls of mean p
            reward += going * gamma**d / (1 - gamma) * p
            weight += going * gamma**d / (1 - gamma)
    return (reward / weight).max()


@pytest.mark.parametrize("gamma", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("s0, f0", [(0, 0), (2, 0), (1, 3)])
def test_discounted_index_matches_brute_force_stopping_rules(gamma, s0, f0):
    depth, grid = 4, 2048
    table = discounted_gittins_table(gamma, horizon=s0 + f0 + depth, grid=grid)
    assert table[s0, f0] == pytest.approx(_brute_force_index(gamma, depth, s0, f0), abs=1 / grid)


@pytest.mark.parametrize("pulls_left", [2, 3, 5])
@pytest.mark.parametrize("s0, f0", [(0, 0), (1, 2)])
def test_finite_horizon_index_matches_brute_force_stopping_rules(pulls_left, s0, f0):
    table = finite_horizon_gittins_table(10, grid=2048)
    brute = _brute_force_index(1.0, pulls_left, s0, f0, forever=False)
    assert table[pulls_left, s0, f0] == pytest.approx(brute, abs=1 / 2048)


def test_discounted_index_matches_published_tables():
    # Gittins indices of Bernoulli arms as printed (4 decimals) from Gittins's tables in
    # Christian & Griffiths, "Algorithms to Live By" (2016), ch. 2: record wins-losses
    # 0-0, 1-1, 2-2 and 9-1 at discount 0.9; 0-0 at discount 0.99
    table = discounted_gittins_table(0.9, horizon=300)  # 0.9^300: the truncation is invisible
    for (s, f), printed in {(0, 0): 0.7029, (1, 1): 0.6346, (2, 2): 0.6010, (9, 1): 0.8695}.items():
        assert table[s, f] == pytest.approx(printed, abs=1.5e-4)
    # 0.99: horizons 500 and 1,000 agree to 1e-7 here
    assert discounted_gittins_table(0.99, horizon=500)[0, 0] == pytest.approx(0.8699, abs=1.5e-4)


def test_discounted_index_is_above_the_mean_and_orders_the_posteriors():
    table = discounted_gittins_table(0.95, horizon=60)
    s, f = np.meshgrid(np.arange(61), np.arange(61), indexing="ij")
    inside = s + f <= 60
    mean = (s + 1) / (s + f + 2)
    # exploring is worth something: never below the posterior mean (up to the grid's step)
    assert (table[inside] >= mean[inside] - 1e-3).all()
    assert (np.diff(table[:30, :30], axis=0) > 0).all()  # a success raises the index
    assert (np.diff(table[:30, :30], axis=1) < 0).all()  # a failure lowers it
    assert np.isnan(table[~inside]).all() and not table.flags.writeable
    # a longer view (less discounting) values information more
    assert discounted_gittins_table(0.99, horizon=60)[0, 0] > table[0, 0]


def test_discounted_gittins_plays_the_table():
    bandits = evaluation_bandits(5, range(1000))
    gittins = baseline_returns("gittins_discounted", bandits, 100, seed=0, gamma=0.99)
    diff, se = mean_and_stderr(
        differences(gittins, baseline_returns("thompson", bandits, 100, seed=0))
    )
    assert diff > 3 * se  # Duan et al. Table 1 at (100, 5): 78.3 against 74.7


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: run_baseline("ots", 5, 10, 10, 0, ots_draws=0),
            r"ots_draws must be an integer in \[1, 1_000\], got 0",
        ),
        (
            lambda: run_baseline("ots", 5, 10, 10, 0, ots_draws=MAX_OTS_DRAWS + 1),
            r"ots_draws must be an integer in \[1, 1_000\], got 1001",
        ),
        (
            lambda: run_baseline("gittins_discounted", 5, 10, 10, 0, gamma=1.0),
            r"gamma must be in \(0.0, 1.0\), got 1.0",
        ),
        (
            lambda: run_baseline("gittins_discounted", 5, 10, 10, 0, gamma=0),
            r"gamma must be in \(0.0, 1.0\), got 0",
        ),
        (lambda: discounted_gittins_table(-0.5), r"gamma must be in \(0.0, 1.0\), got -0.5"),
        (
            lambda: discounted_gittins_table(0.9, horizon=MAX_DISCOUNTED_HORIZON + 1),
            r"horizon must be an integer in \[1, 2_000\], got 2001",
        ),
        (
            lambda: discounted_gittins_table(0.9, grid=1),
            r"grid must be an integer in \[2, 4_096\], got 1",
        ),
        (
            lambda: run_baseline("gittins_discounted", 5, DISCOUNTED_GITTINS_HORIZON + 1, 10, 0),
            r"n must be an integer in \[1, 1000\] for the discounted Gittins index",
        ),
    ],
)
def test_bad_ots_and_discounted_gittins_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
    with pytest.raises(TypeError, match="ots_draws must be an integer"):
        run_baseline("ots", 5, 10, 10, 0, ots_draws=2.5)


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
    with pytest.raises(ValueError, match=r"arm_probs must be a 2-d array, got shape \[5\]"):
        baseline_returns("greedy", np.ones(5), 10, seed=0)
    with pytest.raises(ValueError, match=r"arm_probs must have shape \[trials >= 1, k >= 2\]"):
        baseline_returns("greedy", np.ones((2, 1)), 10, seed=0)
    with pytest.raises(ValueError, match=r"arm_probs must lie in \[0, 1\]"):
        baseline_returns("greedy", np.full((2, 3), 1.5), 10, seed=0)


def test_gittins_label_and_cap():
    assert gittins_label(5, 10) == "Bayes-optimal (exact DP)"
    assert gittins_label(5, 100) == "finite-horizon Gittins index (heuristic)"
    with pytest.raises(ValueError, match=f"n must be an integer in \\[1, {MAX_GITTINS_PULLS}\\]"):
        finite_horizon_gittins_table(MAX_GITTINS_PULLS + 1)
