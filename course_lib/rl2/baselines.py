"""Classic bandit algorithms: the yardsticks for RL² on Bernoulli bandits (Duan et al., Table 1).

Every baseline keeps, per arm, the counts of successes ``s`` and failures ``f`` so far; with
the uniform prior Beta(1, 1) the posterior of p_i is Beta(s_i + 1, f_i + 1). They differ
only in how they turn those counts into the next arm:

======================  ==========================================================================
``random``              a uniformly random arm (expected total n/2)
``greedy``              the highest posterior mean (s+1)/(s+f+2); no deliberate exploration
``epsilon_greedy``      greedy, but a uniformly random arm with probability ``epsilon``
``ucb1``                posterior mean + c·sqrt(2 ln(t+1) / (pulls+1)): Auer et al.'s UCB1
                        bonus on the Beta(1, 1) posterior mean (the prior replaces the forced
                        first pull of every arm, which would spend half of a 10-pull trial)
``thompson``            sample p̃_i ~ Beta(s_i+1, f_i+1) and pull the argmax (Thompson, 1933)
``ots``                 the RL² authors' "optimistic Thompson sampling" (the OTS column of
                        Duan et al., Table 1, as their evaluate_bandits.py computes it): draw
                        ``ots_draws`` joint samples of the k arm means from the posterior, keep
                        the most probable one (highest summed log-density), pull its argmax.
                        Despite the name it explores *less* than ``thompson``: the most
                        probable of many draws lies near the posterior mode, so more draws move
                        it towards greedy play (1 draw is ``thompson``). The authors tune
                        ``ots_draws`` over 1..20 on their evaluation bandits.
``ots_mean_floor``      optimistic Thompson sampling as Chapelle & Li (2011) and May et al.
                        (2012) define it: like ``thompson``, but a sample below the posterior
                        mean is raised to the mean (never pessimistic). On the paper's 10- and
                        100-pull trials it scores between ``thompson`` and ``ots``
                        (``benchmarks/rl2_bandits.py``)
``gittins``             the Bayes-optimal policy: exact dynamic programming over the Beta
                        posteriors when the state space is small enough (``gittins_method``
                        says "exact DP"), otherwise the *finite-horizon Gittins index* (for
                        each arm, the known payout λ at which one would be indifferent between
                        the arm and retiring on λ for the remaining pulls; computed by DP on a
                        λ grid) ("finite-horizon Gittins index"), which is a strong heuristic,
                        not the optimum
``gittins_discounted``  the *discounted* Gittins index (Gittins, 1979) with discount
                        ``gamma``: the payout λ at which one is indifferent between the arm and
                        retiring on λ per pull forever, the future discounted by ``gamma`` per
                        pull (:func:`discounted_gittins_table`). It ignores how many pulls are
                        left; ``gamma`` stands in for the horizon. The algorithm of the paper's
                        Gittins column (evaluate_gittins.py, ``gamma`` tuned on the evaluation
                        bandits over 0.9, 0.99, 0.999, 0.9999)
======================  ==========================================================================

**Ties.** When several arms share the best score, ``ties="random"`` picks one of them
uniformly; ``ties="lowest"`` picks the lowest arm index, the rule of the authors' bandit code
(``numpy.argmax``). It applies to every argmax of a score (greedy, ε-greedy, UCB1, both
Gittins indices; Thompson samples never tie) and matters for greedy and ε-greedy, whose scores
tie often: early in a trial every untouched arm has the same posterior mean, and the
lowest-index rule costs greedy about 1 to 2 reward per 100-pull trial (measured here, paired on the bandits of seeds 0–999:
0.8 ± 0.3 at k = 5, 1.8 ± 0.4 at k = 10).

**Evaluation sets.** :func:`evaluation_bandits` draws bandit ``i`` of a set from its own seed
(the authors evaluate every method on the bandits of seeds 0–999, drawn by numpy's legacy
MT19937 generator; ours come from ``numpy.random.default_rng``, so the seeds are theirs, the
bandits are not), and
:func:`baseline_returns` plays any fixed set, one total per bandit, so two methods can be
compared *paired*, bandit by bandit (see :func:`course_lib.stats.paired_difference`).
:func:`bayes_optimal_value` is the exact expected total reward of the Bayes-optimal policy,
the ceiling no algorithm can beat on average.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np

from course_lib.tasks.bandits import MAX_ARMS
from course_lib.tasks.base import MAX_EPISODES
from course_lib.validation import check_int, check_real, check_seed

__all__ = [
    "BASELINES",
    "PAPER_TABLE1",
    "TIE_RULES",
    "MAX_GITTINS_PULLS",
    "run_baseline",
    "baseline_returns",
    "bayes_optimal_value",
    "gittins_method",
    "gittins_label",
    "finite_horizon_gittins_table",
    "discounted_gittins_table",
    "most_probable_draw",
    "MAX_OTS_DRAWS",
    "MAX_DISCOUNTED_HORIZON",
    "DISCOUNTED_GITTINS_HORIZON",
]

#: Mean total reward per trial in Duan et al. 2016 (arXiv:1611.02779), Table 1, keyed by
#: (n pulls, k arms): the figures the notebook and the benchmark compare against.
PAPER_TABLE1: dict[tuple[int, int], dict[str, float]] = {
    (10, 5): {
        "random": 5.0,
        "gittins": 6.6,
        "thompson": 5.7,
        "ots": 6.5,
        "ucb1": 6.7,
        "epsilon_greedy": 6.6,
        "greedy": 6.6,
        "rl2": 6.7,
    },
    (10, 10): {
        "random": 5.0,
        "gittins": 6.6,
        "thompson": 5.5,
        "ots": 6.2,
        "ucb1": 6.7,
        "epsilon_greedy": 6.6,
        "greedy": 6.6,
        "rl2": 6.7,
    },
    (100, 5): {
        "random": 49.9,
        "gittins": 78.3,
        "thompson": 74.7,
        "ots": 77.9,
        "ucb1": 78.0,
        "epsilon_greedy": 75.4,
        "greedy": 74.8,
        "rl2": 78.7,
    },
    (100, 10): {
        "random": 49.9,
        "gittins": 82.8,
        "thompson": 76.7,
        "ots": 81.4,
        "ucb1": 82.4,
        "epsilon_greedy": 77.4,
        "greedy": 77.1,
        "rl2": 83.5,
    },
}


BASELINES: tuple[str, ...] = (
    "random",
    "greedy",
    "epsilon_greedy",
    "ucb1",
    "thompson",
    "ots",
    "ots_mean_floor",
    "gittins",
    "gittins_discounted",
)
TIE_RULES: tuple[str, ...] = ("random", "lowest")

# The exact DP visits every multiset of k arm posteriors reachable in n pulls; above this
# many (estimated) states the "gittins" baseline switches to the finite-horizon index.
EXACT_DP_MAX_STATES = 50_000
# The finite-horizon index table costs ~n³ time and ~n² memory per λ: n = 100 takes about
# 3 s of CPU here, n = 200 about 30 s and 0.5 GB, n = 300 ran past 110 s.
MAX_GITTINS_PULLS = 200
# Each pull of "ots" draws ots_draws x trials x k samples; the authors tune over 1..20.
MAX_OTS_DRAWS = 1000
# The discounted index is computed on the posteriors of up to `horizon` observations, after
# which an arm's mean counts as known (the authors' truncation: 1,000 observations). The cost
# is ~horizon² x grid / 2 updates: horizon 1,000 with a 1,024-point grid takes about 5 s here,
# the cap 2,000 about 20 s.
DISCOUNTED_GITTINS_HORIZON = 1000
MAX_DISCOUNTED_HORIZON = 2000
# The reward luck of a run is one float per (bandit, arm, pull): trials x k x n of them. The
# largest run (benchmarks/rl2_bandits.py: 1,000 bandits, k = 50, n = 500) draws 2.5e7; the cap
# is 12x that (2.4 GB of float64), far above any course run.
MAX_BASELINE_DRAWS = 300_000_000


# ------------------------------------------------------------------- exact Bayes-optimal DP


@cache
def _bayes_value(state: tuple[tuple[int, int], ...], remaining: int) -> float:
    """Expected future reward of the Bayes-optimal policy from ``state`` (sorted (s, f) per arm)."""
    if remaining == 0:
        return 0.0
    return max(_bayes_q(state, i, remaining) for i in _distinct_arms(state))


def _distinct_arms(state: tuple[tuple[int, int], ...]) -> list[int]:
    """One index per distinct posterior: arms with equal counts are interchangeable."""
    seen, out = set(), []
    for i, arm in enumerate(state):
        if arm not in seen:
            seen.add(arm)
            out.append(i)
    return out


def _bayes_q(state: tuple[tuple[int, int], ...], i: int, remaining: int) -> float:
    """Value of pulling arm ``i`` now and acting Bayes-optimally afterwards."""
    s, f = state[i]
    p = (s + 1) / (s + f + 2)  # posterior mean under Beta(1, 1)
    win = tuple(sorted(state[:i] + ((s + 1, f),) + state[i + 1 :]))
    lose = tuple(sorted(state[:i] + ((s, f + 1),) + state[i + 1 :]))
    return p * (1.0 + _bayes_value(win, remaining - 1)) + (1 - p) * _bayes_value(
        lose, remaining - 1
    )


@cache
def _q_by_posterior(
    state: tuple[tuple[int, int], ...], remaining: int
) -> dict[tuple[int, int], float]:
    """Q-value of pulling an arm with each distinct posterior (s, f) in ``state``."""
    return {state[i]: _bayes_q(state, i, remaining) for i in _distinct_arms(state)}


@cache
def _estimated_states(k: int, n: int) -> int:
    """Exact number of DP states: multisets of at most k pulled arms' (s, f) with s + f <= n in total.

    Counted with a knapsack over the kinds of pulled arm (an arm pulled w times has w + 1
    possible (s, f)); Python ints, so the huge counts of (k, n) = (10, 100) do not overflow.
    """
    k = min(k, n)  # at most n arms are ever pulled: the rest stay (0, 0)
    dp = np.zeros((k + 1, n + 1), dtype=object)
    dp[0, 0] = 1
    for w in range(1, n + 1):
        for _ in range(w + 1):
            for c in range(1, k + 1):
                dp[c, w:] += dp[c - 1, : n + 1 - w]
    return int(dp.sum())


def _check_arms_and_pulls(k: int, n: int) -> tuple[int, int]:
    return check_int("k", k, 2, MAX_ARMS), check_int("n", n, 1, MAX_EPISODES)


def _exact_dp_fits(k: int, n: int) -> bool:
    """Whether the exact DP's states number at most ``EXACT_DP_MAX_STATES``."""
    if n > MAX_GITTINS_PULLS or min(k, n) * n * n > 1_000_000:
        return False  # far past exact DP: counting alone takes minutes
    return _estimated_states(k, n) <= EXACT_DP_MAX_STATES


def gittins_method(k: int, n: int) -> str:
    """Which algorithm the ``"gittins"`` baseline uses for (k, n): "exact DP" or "finite-horizon Gittins index".

    k in [2, ``MAX_ARMS``], n in [1, ``MAX_EPISODES``] (the bandit env's caps)."""
    k, n = _check_arms_and_pulls(k, n)
    return "exact DP" if _exact_dp_fits(k, n) else "finite-horizon Gittins index"


def gittins_label(k: int, n: int) -> str:
    """What the ``"gittins"`` column holds for (k, n), for table headers and footnotes."""
    if gittins_method(k, n) == "exact DP":
        return "Bayes-optimal (exact DP)"
    return "finite-horizon Gittins index (heuristic)"


def bayes_optimal_value(k: int, n: int) -> float:
    """Exact expected total reward of the Bayes-optimal policy for k arms, n pulls, p_i ~ U[0, 1].

    Dynamic programming over the posteriors: the state is the sorted tuple of per-arm
    (successes, failures); ``V(state) = max_i [p_i (1 + V(win_i)) + (1 − p_i) V(lose_i)]``.
    Example: k = 2, n = 2 gives 1/2 + 1/2·2/3 + 1/2·1/2 = 13/12.
    """
    k, n = _check_arms_and_pulls(k, n)
    if not _exact_dp_fits(k, n):
        raise ValueError(
            f"exact DP is intractable for k={k}, n={n}: k and n must give at most "
            f"{EXACT_DP_MAX_STATES:_} states (k * n small, n <= {MAX_GITTINS_PULLS}), got k={k}, n={n}"
        )
    return _bayes_value(tuple([(0, 0)] * k), n)


# ----------------------------------------------------------- finite-horizon Gittins index


def finite_horizon_gittins_table(n: int, grid: int = 256) -> np.ndarray:
    """``table[m, s, f]``: the finite-horizon Gittins index of Beta(s+1, f+1) with m pulls left.

    For each λ on a grid, ``V_m(s, f) = max(m·λ, p (1 + V_{m−1}(s+1, f)) + (1 − p) V_{m−1}(s, f+1))``
    is the value of an arm one may abandon for a sure λ per pull; the index is the λ where
    abandoning and pulling are worth the same (linear interpolation between grid points).
    The cost grows like n³, so n is capped at ``MAX_GITTINS_PULLS``.
    """
    n = check_int("n", n, minimum=1)
    if n > MAX_GITTINS_PULLS:
        raise ValueError(
            f"n must be an integer in [1, {MAX_GITTINS_PULLS}] for the finite-horizon Gittins "
            f"index (its table costs ~n³: n=200 takes ~30 s, n=300 over 110 s), got {n}"
        )
    grid = check_int("grid", grid, minimum=2, maximum=4096)
    return _gittins_table(n, grid)


@lru_cache(maxsize=8)
def _gittins_table(n: int, grid: int) -> np.ndarray:
    lam = np.linspace(0.0, 1.0, grid)
    size = n + 2
    s = np.arange(size)[:, None]
    f = np.arange(size)[None, :]
    p = ((s + 1) / (s + f + 2))[:, :, None]
    table = np.zeros((n + 1, size, size))
    value = np.zeros((size, size, grid))
    for m in range(1, n + 1):
        win = np.zeros_like(value)
        win[:-1] = value[1:]
        lose = np.zeros_like(value)
        lose[:, :-1] = value[:, 1:]
        keep = p * (1.0 + win) + (1 - p) * lose
        retire = m * lam[None, None, :]
        table[m] = _zero_crossing(keep - retire, lam)
        value = np.maximum(keep, retire)
    return table


def _zero_crossing(gap: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Where ``gap`` (decreasing along its last axis, sampled on the even grid ``lam``) crosses 0.

    Linear interpolation between the two grid points around the crossing: the value of
    pulling is piecewise linear in λ, so this is exact unless a kink lies between them.
    """
    j = np.clip((gap > 0).sum(-1), 1, len(lam) - 1)  # first grid index with gap <= 0
    g0 = np.take_along_axis(gap, (j - 1)[..., None], -1)[..., 0]
    g1 = np.take_along_axis(gap, j[..., None], -1)[..., 0]
    frac = np.where(g0 - g1 > 0, g0 / np.maximum(g0 - g1, 1e-12), 0.0)
    return lam[j - 1] + frac * (lam[1] - lam[0])


# --------------------------------------------------------------- discounted Gittins index


def discounted_gittins_table(
    gamma: float, horizon: int = DISCOUNTED_GITTINS_HORIZON, grid: int = 1024
) -> np.ndarray:
    """``table[s, f]``: the discounted Gittins index of an arm with posterior Beta(s+1, f+1).

    The index is the calibration λ (Gittins, 1979): the sure payout per pull at which one is
    indifferent between pulling the arm and retiring on λ per pull forever, rewards discounted
    by ``gamma`` per pull. For each λ on a grid, the value of the arm with that option is
    ``V(s, f) = max(λ/(1 − γ), p (1 + γ V(s+1, f)) + (1 − p) γ V(s, f+1))``, p = (s+1)/(s+f+2),
    computed backwards from ``s + f = horizon``, where the arm's mean counts as known:
    ``V = max(λ, p)/(1 − γ)`` (the usual truncation; the RL² authors' code uses 1,000
    observations). The index is the λ where the two options are worth the same.

    Unlike :func:`finite_horizon_gittins_table` the index ignores how many pulls are left:
    ``gamma`` stands in for the horizon (an effective ~1/(1 − γ) pulls). It is the optimal
    policy for a discounted infinite horizon, a heuristic for a fixed number of pulls.
    Entries with ``s + f > horizon`` are NaN; the table is cached and read-only.

    Args:
        gamma: the discount per pull, in (0, 1).
        horizon: observations after which an arm's mean counts as known, in
            [1, ``MAX_DISCOUNTED_HORIZON``] (the cost grows like horizon² × grid).
        grid: λ grid points on [0, 1], in [2, 4096].
    """
    gamma = check_real("gamma", gamma, 0.0, 1.0, lo_open=True, hi_open=True)
    horizon = check_int("horizon", horizon, minimum=1, maximum=MAX_DISCOUNTED_HORIZON)
    grid = check_int("grid", grid, minimum=2, maximum=4096)
    return _discounted_table(gamma, horizon, grid)


@lru_cache(maxsize=8)
def _discounted_table(gamma: float, horizon: int, grid: int) -> np.ndarray:
    lam = np.linspace(0.0, 1.0, grid)
    retire = lam / (1 - gamma)
    table = np.full((horizon + 1, horizon + 1), np.nan)
    # one diagonal s + f = m at a time: row s of `value` is the state (s, m - s)
    s = np.arange(horizon + 1)
    mean = (s + 1) / (horizon + 2)
    table[s, horizon - s] = mean
    value = np.maximum(lam, mean[:, None]) / (1 - gamma)
    for m in range(horizon - 1, -1, -1):
        s = np.arange(m + 1)
        p = ((s + 1) / (m + 2))[:, None]
        # a success leads to (s+1, f): row s+1 of the next diagonal; a failure to row s
        keep = p * (1 + gamma * value[1:]) + (1 - p) * gamma * value[:-1]
        table[s, m - s] = _zero_crossing(keep - retire, lam)
        value = np.maximum(keep, retire)
    table.flags.writeable = False
    return table


# ------------------------------------------------------------ the authors' OTS selection


def most_probable_draw(draws: np.ndarray, succ: np.ndarray, fail: np.ndarray) -> np.ndarray:
    """Of ``draws[j, r, :]`` (j = 0..d−1: joint draws of bandit r's arm means), the most probable.

    The log-density of a draw x under the posteriors Beta(s_i+1, f_i+1) is
    ``Σ_i s_i log x_i + f_i log(1 − x_i)`` up to a constant that is the same for every draw of
    a bandit, so the constant is left out. On ties (e.g. a fresh bandit, where every draw has
    density 1) the first draw wins, as in the authors' loop. Returns ``[trials, k]``.
    """
    draws = _array("draws", draws, 3)
    succ, fail = _array("succ", succ, 2), _array("fail", fail, 2)
    if succ.shape != draws.shape[1:] or fail.shape != draws.shape[1:]:
        raise ValueError(
            f"succ and fail must be [trials, k] = {list(draws.shape[1:])} (draws is [d, trials, "
            f"k]), got {list(succ.shape)} and {list(fail.shape)}"
        )
    if ((draws < 0) | (draws > 1)).any() or (succ < 0).any() or (fail < 0).any():
        raise ValueError(
            "draws must be arm means in [0, 1] and succ, fail counts >= 0, got draws in "
            f"[{draws.min()}, {draws.max()}], counts down to {min(succ.min(), fail.min())}"
        )
    return _most_probable_draw(draws, succ, fail)


def _array(name: str, value: object, ndim: int) -> np.ndarray:
    """``value`` as a finite float array of ``ndim`` dimensions."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}") from None
    if array.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array, got shape {list(array.shape)}")
    if not np.isfinite(array).all():
        raise ValueError(
            f"{name} must be finite, got {int((~np.isfinite(array)).sum())} NaN or ±inf"
        )
    return array


def _most_probable_draw(draws: np.ndarray, succ: np.ndarray, fail: np.ndarray) -> np.ndarray:
    """:func:`most_probable_draw` without the checks (the OTS baseline's every pull)."""
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 · log 0 is masked to 0 below
        score = np.where(succ > 0, succ * np.log(draws), 0.0) + np.where(
            fail > 0, fail * np.log1p(-draws), 0.0
        )
    best = score.sum(-1).argmax(0)  # argmax returns the first of equal maxima
    return np.take_along_axis(draws, best[None, :, None], 0)[0]


# --------------------------------------------------------------------------- run


def _argmax(scores: np.ndarray, rng: np.random.Generator, ties: str) -> np.ndarray:
    """Row-wise argmax; ``ties`` says which of several equal maxima wins."""
    if ties == "lowest":
        return scores.argmax(axis=1)
    best = scores >= scores.max(axis=1, keepdims=True) - 1e-12
    noise = rng.random(scores.shape) * best
    return noise.argmax(axis=1)


def _choose(
    name: str, t: int, n: int, succ: np.ndarray, fail: np.ndarray, rng, params: dict
) -> np.ndarray:
    """The arm each bandit's algorithm pulls at step t (0-based) of n, given its counts."""
    trials, k = succ.shape
    ties = params["ties"]
    pulls = succ + fail
    mean = (succ + 1) / (pulls + 2)
    if name == "random":
        return rng.integers(k, size=trials)
    if name == "greedy":
        return _argmax(mean, rng, ties)
    if name == "epsilon_greedy":
        explore = rng.random(trials) < params["epsilon"]
        return np.where(explore, rng.integers(k, size=trials), _argmax(mean, rng, ties))
    if name == "ucb1":
        # the prior counts make every arm's score finite, so no forced first pulls
        bonus = np.sqrt(2 * np.log(t + 1) / (pulls + 1))
        return _argmax(mean + params["ucb_c"] * bonus, rng, ties)
    if name == "thompson":
        return rng.beta(succ + 1, fail + 1).argmax(axis=1)
    if name == "ots":
        draws = rng.beta(succ + 1, fail + 1, size=(params["ots_draws"], trials, k))
        return _most_probable_draw(draws, succ, fail).argmax(axis=1)
    if name == "ots_mean_floor":
        return np.maximum(rng.beta(succ + 1, fail + 1), mean).argmax(axis=1)
    if name == "gittins_discounted":
        return _argmax(discounted_gittins_table(params["gamma"])[succ, fail], rng, ties)
    if gittins_method(k, n) == "exact DP":
        arm = np.empty(trials, dtype=np.int64)
        for r in range(trials):
            arms = list(zip(succ[r].tolist(), fail[r].tolist()))
            q_of = _q_by_posterior(tuple(sorted(arms)), n - t)
            arm[r] = _argmax(np.array([[q_of[a] for a in arms]]), rng, ties)[0]
        return arm
    return _argmax(finite_horizon_gittins_table(n)[n - t][succ, fail], rng, ties)


def _check_baseline(
    name: str, epsilon: float, ucb_c: float, ots_draws: int, gamma: float, ties: str
) -> dict:
    if not isinstance(name, str) or name not in BASELINES:
        raise ValueError(f"name must be one of {list(BASELINES)}, got {name!r}")
    if not isinstance(ties, str) or ties not in TIE_RULES:
        raise ValueError(f"ties must be one of {list(TIE_RULES)}, got {ties!r}")
    return {
        "epsilon": check_real("epsilon", epsilon, 0.0, 1.0),
        "ucb_c": check_real("ucb_c", ucb_c, 0.0, 1e6),
        "ots_draws": check_int("ots_draws", ots_draws, minimum=1, maximum=MAX_OTS_DRAWS),
        "gamma": check_real("gamma", gamma, 0.0, 1.0, lo_open=True, hi_open=True),
        "ties": ties,
    }


def _check_pulls(name: str, k: int, n: int) -> None:
    """Refuse trials longer than the Gittins tables cover, before any work."""
    if name == "gittins" and gittins_method(k, n) != "exact DP":
        finite_horizon_gittins_table(n)  # raises above MAX_GITTINS_PULLS
    if name == "gittins_discounted" and n > DISCOUNTED_GITTINS_HORIZON:
        raise ValueError(
            f"n must be an integer in [1, {DISCOUNTED_GITTINS_HORIZON}] for the discounted "
            f"Gittins index (its table covers posteriors of up to {DISCOUNTED_GITTINS_HORIZON} "
            f"observations), got {n}"
        )


def _check_draws(trials: int, k: int, n: int) -> None:
    """Refuse a run whose reward luck (trials x k x n floats) is over its budget, before any work."""
    if trials * k * n > MAX_BASELINE_DRAWS:
        raise ValueError(
            f"trials x k x n must be at most {MAX_BASELINE_DRAWS:_} (the reward draws of a run), "
            f"got {trials} x {k} x {n} = {trials * k * n:_}"
        )


def _play(name: str, probs: np.ndarray, n: int, seed: int, params: dict) -> np.ndarray:
    """Play ``name`` for n pulls on every bandit (row) of ``probs``; total reward per bandit.

    The rewards come from their own stream, separate from the algorithm's coin flips: the
    j-th pull of arm a on bandit r pays ``u[r, a, j] < p[r, a]``. Two methods run with the
    same seed therefore find the same luck in each arm, whatever order they pull the arms in
    (common random numbers: a paired comparison then has a much smaller standard error).
    """
    trials, k = probs.shape
    _check_pulls(name, k, n)
    luck = np.random.default_rng([seed, 1]).random((trials, k, n))
    rng = np.random.default_rng([seed, 2])
    succ = np.zeros((trials, k), dtype=np.int64)
    fail = np.zeros((trials, k), dtype=np.int64)
    total = np.zeros(trials)
    rows = np.arange(trials)
    for t in range(n):
        arm = _choose(name, t, n, succ, fail, rng, params)
        reward = luck[rows, arm, succ[rows, arm] + fail[rows, arm]] < probs[rows, arm]
        succ[rows, arm] += reward
        fail[rows, arm] += ~reward
        total += reward
    return total


def baseline_returns(
    name: str,
    arm_probs: np.ndarray,
    n: int,
    seed: int,
    *,
    epsilon: float = 0.1,
    ucb_c: float = 1.0,
    ots_draws: int = 10,
    gamma: float = 0.99,
    ties: str = "random",
) -> np.ndarray:
    """Total reward of baseline ``name`` on each bandit of a fixed set, ``[trials]``.

    Args:
        name: one of ``BASELINES``.
        arm_probs: ``[trials, k]`` arm probabilities in [0, 1] (e.g. :func:`evaluation_bandits`).
        n: pulls per trial (>= 1).
        seed: seeds the rewards and the algorithm's own randomness.
        epsilon: exploration rate of ``epsilon_greedy`` in [0, 1].
        ucb_c: exploration scale of ``ucb1`` (>= 0; 1 is Auer et al.'s bonus, 0 is greedy).
        ots_draws: posterior draws per pull of ``ots``, in [1, ``MAX_OTS_DRAWS``] (1 is
            ``thompson``; more draws, less exploration).
        gamma: discount of ``gittins_discounted``, in (0, 1) (the authors tune it over
            0.9, 0.99, 0.999, 0.9999).
        ties: ``"random"`` or ``"lowest"`` (the authors' rule): see the module docstring.
    """
    params = _check_baseline(name, epsilon, ucb_c, ots_draws, gamma, ties)
    probs = _array("arm_probs", arm_probs, 2)
    if probs.shape[0] < 1 or probs.shape[1] < 2:
        raise ValueError(f"arm_probs must have shape [trials >= 1, k >= 2], got {probs.shape}")
    if not ((probs >= 0) & (probs <= 1)).all():
        raise ValueError(
            f"arm_probs must lie in [0, 1], got values in [{probs.min()}, {probs.max()}]"
        )
    if probs.shape[1] > MAX_ARMS:
        raise ValueError(f"arm_probs must have k <= {MAX_ARMS} arms (columns), got {probs.shape}")
    n = check_int("n", n, 1, MAX_EPISODES)
    _check_draws(probs.shape[0], probs.shape[1], n)
    return _play(name, probs, n, check_seed(seed), params)


def run_baseline(
    name: str,
    k: int,
    n: int,
    trials: int,
    seed: int,
    *,
    epsilon: float = 0.1,
    ucb_c: float = 1.0,
    ots_draws: int = 10,
    gamma: float = 0.99,
    ties: str = "random",
) -> float:
    """Mean total reward per trial of baseline ``name`` on ``trials`` new k-armed bandits of n pulls.

    Args:
        name: one of ``BASELINES``.
        k: arms (>= 2). n: pulls per trial (>= 1). trials: bandits to average over (>= 1).
        seed: seeds the arm probabilities, the rewards and the algorithm's own randomness.
        epsilon, ucb_c, ots_draws, gamma, ties: as in :func:`baseline_returns`.
    """
    params = _check_baseline(name, epsilon, ucb_c, ots_draws, gamma, ties)
    k, n = _check_arms_and_pulls(k, n)
    trials = check_int("trials", trials, 1, MAX_BASELINE_DRAWS)
    _check_draws(trials, k, n)
    seed = check_seed(seed)
    probs = np.random.default_rng(seed).random((trials, k))
    return float(_play(name, probs, n, seed, params).mean())
