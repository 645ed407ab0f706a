"""Which algorithms the paper's OTS and Gittins columns are: the RL² authors' bandit scripts, re-run.

Duan et al. 2016 (arXiv:1611.02779), Table 1, comes from the bandit scripts released with the
paper (florensacc/rllab-curriculum at commit 6e0bbae9, 2016-11-05, four days before the preprint:
sandbox/rocky/neural_learner/scripts/bandits/evaluate_bandits.py and evaluate_gittins.py). This
script re-implements, from a reading of them, the parts that decide the OTS and Gittins columns,
on the same random numbers: bandit i seeds numpy's global MT19937 stream with i, draws its k arm
means from it (``uniform``), then at every pull the algorithm's own draws and then the reward
(``binomial``) come from that one stream. Its Thompson sampling therefore reproduces the paper's
TS column to the printed digit, which checks the stream.

- **OTS** (``evaluate_optimistic_thompson``): at each pull, ``draws`` joint posterior samples of the
  arm means; the one with the highest summed Beta log-density is kept (a later one only if
  strictly higher) and its argmax pulled. ``draws`` is tuned over 1..20 on the evaluation bandits.
- **Gittins** (``evaluate_gittins``): a discounted Gittins index, by backward induction from 1,000
  observations on a grid of 5,000 retirement rewards, the index being the midpoint of the grid
  cell where retiring becomes best; γ in {0.9, 0.99, 0.999, 0.9999} is swept on the evaluation
  bandits. Two details of the committed script change what it plays. (1) The policy reads γ from
  a module-level name that the table-building loop leaves at 0.9999, so every point of the sweep
  plays γ = 0.9999 (and the sweep reports its first point, 0.9). (2) The table is filled by Beta
  parameters, index[a - 1, b - 1] for Beta(a, b), but read at [1 + successes, 1 + failures]: the
  index of Beta(s + 2, f + 2), as if every arm had seen one success and one failure more. The
  paper's table reads a ``best_gittins_mab.csv`` that no committed script writes, so this prints
  each variant: as committed, the sweep with the intended γ, and the intended posterior lookup.

Nothing here is imported by the course; ``course_lib.rl2.baselines`` has its own vectorised
``ots`` and ``gittins_discounted``, held against direct transcriptions in the tests. CPU cost:
about 7 minutes for all four settings (the OTS sweep is a Python loop per bandit and pull):

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/rl2_bandits_authors.py
    .venv/bin/python benchmarks/rl2_bandits_authors.py --settings 10x5 --bandits 200   # seconds
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from course_lib.rl2.baselines import PAPER_TABLE1 as PAPER

GAMMAS = (0.9, 0.99, 0.999, 0.9999)
OTS_DRAWS = range(1, 21)
OBSERVATIONS, GRID = 1000, 5000  # the authors' table: backward induction from 1,000 observations


def _log_density(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Beta(a, b) log-density of each row of ``x``, summed over arms, up to a constant per (a, b):
    the same argmax as the authors' ``scipy.stats.beta.logpdf`` sum (checked in the tests)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (
            np.where(a > 1, (a - 1) * np.log(x), 0) + np.where(b > 1, (b - 1) * np.log1p(-x), 0)
        ).sum(-1)


def play(k: int, n: int, seed: int, choose) -> int:
    """One bandit on the authors' stream: arm means, then per pull the choice and the reward."""
    stream = np.random.RandomState(seed)
    means = stream.uniform(size=(1, k))[0]
    a, b = np.ones(k, dtype=np.int64), np.ones(k, dtype=np.int64)  # Beta parameters
    total = 0
    for _ in range(n):
        arm = choose(stream, a, b)
        reward = stream.binomial(1, means[[arm]])[0]
        a[arm] += reward
        b[arm] += 1 - reward
        total += reward
    return total


def thompson(stream, a, b) -> int:
    return int(np.argmax(stream.beta(a, b)))


def ots(draws: int):
    def choose(stream, a, b) -> int:
        # `draws` consecutive calls of beta(a, b) consume the stream as one (draws, k) call
        x = stream.beta(a, b, size=(draws, len(a)))
        return int(np.argmax(x[np.argmax(_log_density(x, a, b))]))  # first of equal maxima

    return choose


def authors_index_table(gamma: float, keep: int) -> np.ndarray:
    """``table[a, b]``: the authors' discounted Gittins index of Beta(a, b) for a + b <= keep."""
    r = np.linspace(0, 1, GRID)
    retire = r / (1 - gamma)
    a = np.arange(1, OBSERVATIONS)  # the diagonal a + b = OBSERVATIONS: the mean counts as known
    value = np.maximum(r, (a / OBSERVATIONS)[:, None]) / (1 - gamma)
    table = np.full((keep + 1, keep + 1), np.nan)
    while len(value) >= 2:
        total = len(value)  # the new diagonal has a + b = total
        a = np.arange(1, total)
        b = total - a
        pull = (a / total)[:, None] * (1 + gamma * value[1:]) + (b / total)[
            :, None
        ] * gamma * value[:-1]
        value = np.maximum(retire, pull)
        first = (value == retire).argmax(1)  # the first grid point where retiring is best
        if total <= keep:
            table[a, b] = 0.5 * (r[first] + r[first - 1])
    return table


def gittins(table: np.ndarray, shift: int):
    """Argmax (lowest index on ties) of the table read at Beta(a + shift, b + shift)."""

    def choose(stream, a, b) -> int:
        return int(np.argmax(table[a + shift, b + shift]))

    return choose


def mean_over(k: int, n: int, bandits: int, choose) -> float:
    return float(np.mean([play(k, n, seed, choose) for seed in range(bandits)]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="*", default=["10x5", "10x10", "100x5", "100x10"])
    parser.add_argument("--bandits", type=int, default=1000, help="seeds 0 .. N-1 (authors: 1000)")
    args = parser.parse_args(argv)
    settings = [tuple(int(v) for v in s.lower().split("x")) for s in args.settings]
    for setting in settings:
        if setting not in PAPER:
            parser.error(f"--settings: {setting[0]}x{setting[1]} is not in the paper's Table 1")
    start = time.process_time()
    keep = max(n for n, _ in settings) + 3
    tables = {gamma: authors_index_table(gamma, keep) for gamma in GAMMAS}
    print(f"the authors' random stream, bandits of seeds 0-{args.bandits - 1}; paper: Table 1")
    for n, k in settings:
        paper = PAPER[(n, k)]
        ts = mean_over(k, n, args.bandits, thompson)
        sweep = {d: mean_over(k, n, args.bandits, ots(d)) for d in OTS_DRAWS}
        best = max(sweep, key=sweep.get)
        shifted = {g: mean_over(k, n, args.bandits, gittins(t, 1)) for g, t in tables.items()}
        intended = {g: mean_over(k, n, args.bandits, gittins(t, 0)) for g, t in tables.items()}
        print(f"\n(n, k) = ({n}, {k})")
        print(f"  Thompson sampling        {ts:7.2f}   paper TS  {paper['thompson']}")
        print(
            f"  OTS, best of 1..20 draws {sweep[best]:7.2f}   paper OTS {paper['ots']}   "
            f"(draws {best}; " + ", ".join(f"{d}: {sweep[d]:.2f}" for d in (1, 5, 10, 20)) + ")"
        )
        print(f"  Gittins (paper {paper['gittins']}), discounted index, per γ:")
        for name, scores in (
            ("read at Beta(s+2, f+2) (as committed)", shifted),
            ("read at Beta(s+1, f+1) (the posterior)", intended),
        ):
            top = max(scores, key=scores.get)
            print(
                f"    {name:<40}"
                + "  ".join(f"{g}: {v:.2f}" for g, v in scores.items())
                + f"   best γ {top}: {scores[top]:.2f}"
            )
        print(f"    as committed (γ 0.9999 at every point of the sweep): {shifted[0.9999]:.2f}")
    print(f"\nCPU {time.process_time() - start:.0f} s")


if __name__ == "__main__":
    main()
