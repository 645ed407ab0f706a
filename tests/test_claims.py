"""Checkpoint claims: margins, noise, the assertion and the audit log."""

import json

import pytest

from course_lib.claims import LOG_VARIABLE, above, at_least, at_most, checkpoint, paired_above
from course_lib.stats import Interval


def test_margins_in_the_claims_own_units():
    assert at_least("solved", 480.0, 475.0).margin == 5.0
    assert at_most("small error", 0.02, 0.1).margin == pytest.approx(0.08)
    claim = above("a beats b", Interval(5.0, 1.0, 100), Interval(2.0, 0.5, 100))
    assert claim.margin == pytest.approx(1.5) and claim.noise == pytest.approx(1.5)
    assert claim.margin_in_noise == pytest.approx(1.0) and claim.holds
    assert not paired_above("a beats b", Interval(0.3, 0.5, 100)).holds


def test_checkpoint_prints_one_line_and_logs_every_claim(tmp_path, monkeypatch, capsys):
    log = tmp_path / "claims.jsonl"
    monkeypatch.setenv(LOG_VARIABLE, str(log))
    checkpoint("03", [at_least("solved", 500.0, 475.0, noise=10.0)], "CartPole solved")
    assert capsys.readouterr().out == "✓ CartPole solved\n"
    record = json.loads(log.read_text())
    assert record["chapter"] == "03" and record["holds"] and record["margin_in_noise"] == 2.5


def test_a_failing_claim_names_itself_and_is_still_logged(tmp_path, monkeypatch):
    log = tmp_path / "claims.jsonl"
    monkeypatch.setenv(LOG_VARIABLE, str(log))
    claims = [at_least("solved", 400.0, 475.0), at_most("exact", 0.0, 1e-9)]
    with pytest.raises(AssertionError, match="1 of 2 claims failed\n  ✗ solved: 400 vs bound 475"):
        checkpoint("03", claims, "never printed")
    assert [json.loads(line)["holds"] for line in log.read_text().splitlines()] == [False, True]


def test_a_nan_margin_never_holds():
    assert not at_least("nan", float("nan"), 0.0).holds


def test_a_nan_result_fails_its_checkpoint_saying_so():
    """Issue #28's red team calls Claim(margin=NaN) silent; it is kept on purpose (a diverged
    run's claim fails, and the checkpoint still reports the other claims), and it is loud at
    the checkpoint: the failure line says what a NaN means."""
    claims = [at_least("diverged", float("nan"), 0.5), at_least("fine", 1.0, 0.5)]
    with pytest.raises(AssertionError) as info:
        checkpoint("03", claims, "s")
    assert str(info.value) == (
        "Chapter 03 checkpoint: 1 of 2 claims failed\n"
        "  ✗ diverged: nan vs bound 0.5 (margin nan): a NaN result (a diverged run, or a metric "
        "of no data) never holds"
    )


@pytest.mark.parametrize(
    "args, match",
    [
        (("", [at_least("x", 1, 0)], "s"), "chapter"),
        (("03", [], "s"), "claims"),
        (("03", ["x"], "s"), "claims"),
    ],
)
def test_bad_checkpoint_arguments(args, match):
    with pytest.raises(TypeError, match=match):
        checkpoint(*args)
