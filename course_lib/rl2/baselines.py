"""Classic bandit algorithms: the yardsticks for RL² on Bernoulli bandits (Duan et al., Table 1).

Every baseline keeps, per arm, the counts of successes ``s`` and failures ``f`` so far; with
the uniform prior Beta(1, 1) the posterior of p_i is Beta(s_i + 1, f_i + 1). They differ
only in how they turn those counts into the next arm:

==================  ==========================================================================
``random``          a uniformly random arm (expected total n/2)
``greedy``          the highest posterior mean (s+1)/(s+f+2); no deliberate exploration
``epsilon_greedy``  greedy, but a uniformly random arm with probability ``epsilon``
``ucb1``            posterior mean + c·sqrt(2 ln(t+1) / (pulls+1)): Auer et al.'s UCB1
                    bonus on the Beta(1, 1) posterior mean (the prior replaces the forced
                    first pull of every arm, which would spend half of a 10-pull trial)
``thompson``        sample p̃_i ~ Beta(s_i+1, f_i+1) and pull the argmax (Thompson, 1933)
``gittins``         the Bayes-optimal policy: exact dynamic programming over the Beta
                    posteriors when the state space is small enough (``gittins_method``
                    says "exact DP"), otherwise the *finite-horizon Gittins index* (for
                    each arm, the known payout λ at which one would be indifferent between
                    the arm and retiring on λ for the remaining pulls; computed by DP on a
                    λ grid) ("finite-horizon Gittins index")
==================  ==========================================================================

Ties are broken uniformly at random. :func:`bayes_optimal_value` is the exact expected total
reward of the Bayes-optimal policy, the ceiling no algorithm can beat on average.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np

from course_lib.validation import check_int, check_real

__all__ = [
    "BASELINES",
    "run_baseline",
    "bayes_optimal_value",
    "gittins_method",
    "finite_horizon_gittins_table",
]

BASELINES: tuple[str, ...] = ("random", "greedy", "epsilon_greedy", "ucb1", "thompson", "gittins")

# The exact DP visits every multiset of k arm posteriors reachable in n pulls; above this
# many (estimated) states the "gittins" baseline switches to the finite-horizon index.
EXACT_DP_MAX_STATES = 50_000


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


def _estimated_states(k: int, n: int) -> int:
    """Exact number of DP states: multisets of at most k pulled arms' (s, f) with s + f <= n in total.

    Counted with a knapsack over the kinds of pulled arm (an arm pulled w times has w + 1
    possible (s, f)); Python ints, so the huge counts of (k, n) = (10, 100) do not overflow.
    """
    dp = np.zeros((k + 1, n + 1), dtype=object)
    dp[0, 0] = 1
    for w in range(1, n + 1):
        for _ in range(w + 1):
            for c in range(1, k + 1):
                dp[c, w:] += dp[c - 1, : n + 1 - w]
    return int(dp.sum())


def gittins_method(k: int, n: int) -> str:
    """Which algorithm the ``"gittins"`` baseline uses for (k, n): "exact DP" or "finite-horizon Gittins index"."""
    k = check_int("k", k, minimum=2)
    n = check_int("n", n, minimum=1)
    return (
        "exact DP"
        if _estimated_states(k, n) <= EXACT_DP_MAX_STATES
        else "finite-horizon Gittins index"
    )


def bayes_optimal_value(k: int, n: int) -> float:
    """Exact expected total reward of the Bayes-optimal policy for k arms, n pulls, p_i ~ U[0, 1].

    Dynamic programming over the posteriors: the state is the sorted tuple of per-arm
    (successes, failures); ``V(state) = max_i [p_i (1 + V(win_i)) + (1 − p_i) V(lose_i)]``.
    Example: k = 2, n = 2 gives 1/2 + 1/2·2/3 + 1/2·1/2 = 13/12.
    """
    k = check_int("k", k, minimum=2)
    n = check_int("n", n, minimum=1)
    if _estimated_states(k, n) > EXACT_DP_MAX_STATES:
        raise ValueError(
            f"exact DP is intractable for k={k}, n={n} (about {_estimated_states(k, n)} states); use k*n smaller"
        )
    return _bayes_value(tuple([(0, 0)] * k), n)


# ----------------------------------------------------------- finite-horizon Gittins index


@lru_cache(maxsize=8)
def finite_horizon_gittins_table(n: int, grid: int = 256) -> np.ndarray:
    """``table[m, s, f]``: the finite-horizon Gittins index of Beta(s+1, f+1) with m pulls left.

    For each λ on a grid, ``V_m(s, f) = max(m·λ, p (1 + V_{m−1}(s+1, f)) + (1 − p) V_{m−1}(s, f+1))``
    is the value of an arm one may abandon for a sure λ per pull; the index is the λ where
    abandoning and pulling are worth the same (linear interpolation between grid points).
    """
    n = check_int("n", n, minimum=1)
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
        gap = keep - retire  # decreasing in λ; the index is its zero crossing
        j = np.clip((gap > 0).sum(-1), 1, grid - 1)  # first grid index with gap <= 0
        g0 = np.take_along_axis(gap, (j - 1)[..., None], -1)[..., 0]
        g1 = np.take_along_axis(gap, j[..., None], -1)[..., 0]
        frac = np.where(g0 - g1 > 0, g0 / np.maximum(g0 - g1, 1e-12), 0.0)
        table[m] = lam[j - 1] + frac * (lam[1] - lam[0])
        value = np.maximum(keep, retire)
    return table


# --------------------------------------------------------------------------- run


def _argmax_random_ties(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    best = scores >= scores.max(axis=1, keepdims=True) - 1e-12
    noise = rng.random(scores.shape) * best
    return noise.argmax(axis=1)


def run_baseline(
    name: str,
    k: int,
    n: int,
    trials: int,
    seed: int,
    *,
    epsilon: float = 0.1,
    ucb_c: float = 1.0,
) -> float:
    """Mean total reward per trial of baseline ``name`` on ``trials`` new k-armed bandits of n pulls.

    Args:
        name: one of ``BASELINES``.
        k: arms (>= 2). n: pulls per trial (>= 1). trials: bandits to average over (>= 1).
        seed: seeds the arm probabilities, the rewards and the algorithm's own randomness.
        epsilon: exploration rate of ``epsilon_greedy`` in [0, 1].
        ucb_c: exploration scale of ``ucb1`` (>= 0; 1 is Auer et al.'s bonus, 0 is greedy).
    """
    if not isinstance(name, str) or name not in BASELINES:
        raise ValueError(f"name must be one of {list(BASELINES)}, got {name!r}")
    k = check_int("k", k, minimum=2)
    n = check_int("n", n, minimum=1)
    trials = check_int("trials", trials, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    epsilon = check_real("epsilon", epsilon, 0.0, 1.0)
    ucb_c = check_real("ucb_c", ucb_c, 0.0, 1e6)
    rng = np.random.default_rng(seed)
    p = rng.random((trials, k))
    succ = np.zeros((trials, k), dtype=np.int64)
    fail = np.zeros((trials, k), dtype=np.int64)
    total = np.zeros(trials)
    rows = np.arange(trials)
    exact = name == "gittins" and gittins_method(k, n) == "exact DP"
    table = finite_horizon_gittins_table(n) if name == "gittins" and not exact else None
    for t in range(n):
        pulls = succ + fail
        mean = (succ + 1) / (pulls + 2)
        if name == "random":
            arm = rng.integers(k, size=trials)
        elif name == "greedy":
            arm = _argmax_random_ties(mean, rng)
        elif name == "epsilon_greedy":
            arm = _argmax_random_ties(mean, rng)
            explore = rng.random(trials) < epsilon
            arm = np.where(explore, rng.integers(k, size=trials), arm)
        elif name == "ucb1":
            # the prior counts make every arm's score finite, so no forced first pulls
            bonus = np.sqrt(2 * np.log(t + 1) / (pulls + 1))
            arm = _argmax_random_ties(mean + ucb_c * bonus, rng)
        elif name == "thompson":
            arm = rng.beta(succ + 1, fail + 1).argmax(axis=1)
        elif exact:
            arm = np.empty(trials, dtype=np.int64)
            for r in range(trials):
                arms = list(zip(succ[r].tolist(), fail[r].tolist()))
                q_of = _q_by_posterior(tuple(sorted(arms)), n - t)
                q = np.array([q_of[arm] for arm in arms])
                arm[r] = _argmax_random_ties(q[None], rng)[0]
        else:
            arm = _argmax_random_ties(table[n - t][succ, fail], rng)
        reward = rng.random(trials) < p[rows, arm]
        succ[rows, arm] += reward
        fail[rows, arm] += ~reward
        total += reward
    return float(total.mean())
