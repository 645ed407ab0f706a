"""The re-run of the RL² authors' bandit scripts: its stream, its OTS shortcut and its index table."""

import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import rl2_bandits_authors as authors  # noqa: E402

from course_lib.rl2.baselines import PAPER_TABLE1, discounted_gittins_table  # noqa: E402


def test_log_density_picks_the_same_draw_as_scipy():
    rng = np.random.default_rng(0)
    a, b = rng.integers(1, 8, size=(2, 6))
    draws = rng.beta(a, b, size=(50, 6))
    exact = scipy.stats.beta.logpdf(draws, a, b).sum(-1)
    assert authors._log_density(draws, a, b).argmax() == exact.argmax()


def _literal_ots(draws):
    """The authors' loop as written: one beta(a, b) call per draw, scipy's log-density, and a
    later draw kept only if strictly more probable."""

    def choose(stream, a, b):
        kept, kept_logprob = None, None
        for _ in range(draws):
            x = stream.beta(a, b)
            logprob = np.sum(scipy.stats.beta.logpdf(x, a, b))
            if kept_logprob is None or logprob > kept_logprob:
                kept, kept_logprob = x, logprob
        return int(np.argmax(kept))

    return choose


@pytest.mark.parametrize("draws", [1, 6])
def test_vectorised_ots_draws_consume_the_stream_like_the_literal_loop(draws):
    for seed in range(20):
        assert authors.play(5, 10, seed, authors.ots(draws)) == authors.play(
            5, 10, seed, _literal_ots(draws)
        )


def test_the_authors_stream_reproduces_the_papers_thompson_column():
    for k in (5, 10):
        mean = authors.mean_over(k, 10, 1000, authors.thompson)
        assert round(mean, 1) == PAPER_TABLE1[(10, k)]["thompson"]  # 5.74 -> 5.7, 5.53 -> 5.5


@pytest.mark.parametrize("gamma", [0.9, 0.99])
def test_authors_index_table_agrees_with_the_library(monkeypatch, gamma):
    # smaller than the authors' 1,000 observations x 5,000 grid points, the same construction:
    # their table is indexed by Beta parameters, ours by counts; their last diagonal a + b = 120
    # is our horizon s + f = 118
    monkeypatch.setattr(authors, "OBSERVATIONS", 120)
    monkeypatch.setattr(authors, "GRID", 2000)
    theirs = authors.authors_index_table(gamma, keep=60)
    ours = discounted_gittins_table(gamma, horizon=118, grid=2048)
    s, f = np.meshgrid(np.arange(58), np.arange(58), indexing="ij")
    inside = s + f <= 58
    gap = np.abs(theirs[s + 1, f + 1] - ours[s, f])[inside]
    assert gap.max() < 0.5 / 1999 + 1 / 2047  # their midpoint's half cell + our grid step
