"""The bad-input sweep, split by area into ``tests/test_bad_inputs_<area>.py`` (its rules and
fixtures: ``tests/bad_inputs.py``). This file counts it: the README's "Reliability" figures."""

from __future__ import annotations

import importlib

AREAS = ("reported", "configs", "ppo", "evaluation", "checkpoints", "sampling", "nets", "training",
         "meta", "rl2", "widgets", "plotting", "validation")  # fmt: skip


def test_case_count():
    """At least 300 bad inputs, across every package (the README quotes the count)."""
    cases = [c for area in AREAS for c in importlib.import_module(f"test_bad_inputs_{area}").CASES]
    assert len(cases) >= 300
    prefixes = {p.id.split("-")[0] for p in cases}
    assert {"repro", "config", "ppo", "eval", "sampling", "nets", "training", "meta", "rl2"} <= prefixes  # fmt: skip
    assert {"widget", "plotting", "checkpoints"} <= prefixes
    assert len({p.id for p in cases}) == len(cases), "two cases share a name"


def test_generated_sweep_count():
    """The generated sweep (tests/test_bad_inputs_generated.py) reaches every public callable it
    can build a valid call for; the README quotes its counts (``test_counts`` prints them)."""
    generated = importlib.import_module("test_bad_inputs_generated")
    ids = [case.id for case in generated.CASES]
    assert len(ids) >= 1000 and len(set(ids)) == len(ids), "two generated cases share a name"
    assert len(generated.reached_pairs()) >= 250
