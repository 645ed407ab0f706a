"""The few-shot benchmark's own pieces: its job list, a tiny run end to end, its argument errors."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import fewshot as bench  # noqa: E402


def test_the_full_run_covers_every_setting_and_method():
    jobs = bench.jobs_for(bench.SETTINGS, bench.SPLITS, 3000, 0, 600, cnn=True)
    methods = {*bench.FEWSHOT_METHODS, "pixels"}
    for n, k in bench.SETTINGS:
        assert {
            j.method for j in jobs if (j.split, j.n_way, j.k_shot) == ("characters", n, k)
        } == methods
    typefaces = {(j.n_way, j.k_shot) for j in jobs if j.split == "typefaces"}
    assert typefaces == {(5, 1), (5, 5)}  # 10 drawings of each test character: 5-way only
    assert sum(j.backbone == "cnn" for j in jobs) == 2


def test_a_tiny_run_prints_the_table(capsys):
    bench.main(
        ["--skip-speed", "--iterations", "2", "--eval-tasks", "4", "--settings", "5x1",
         "--splits", "typefaces", "--no-cnn", "--workers", "1"]
    )  # fmt: skip
    out = capsys.readouterr().out
    for method in (*bench.FEWSHOT_METHODS, "pixels"):
        assert f"  {method} " in out
    assert "queries 9" in out  # 10 drawings of each test character, 1 support
    assert "fine-tuning α" in out and "Omniglot, published" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--settings", "5by1"], "write N-way K-shot as NxK"),
        (["--settings", "10x1"], "is not one of"),
        (["--iterations", "0"], "--iterations must be >= 1"),
        (["--workers", "0"], "--workers must be >= 1"),
    ],
)
def test_bad_arguments_are_named(argv, message):
    with pytest.raises(SystemExit, match=message):
        bench.main(argv)


def test_the_step_size_study_prints_both_methods_at_each_step(capsys):
    bench.main(["--inner-lrs", "0.4", "0.05", "--iterations", "2", "--eval-tasks", "4",
                "--workers", "1"])  # fmt: skip
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.strip().startswith(("0.4 ", "0.05 "))]
    assert [row[0] for row in rows] == ["0.4", "0.05"]
    assert all(len(row) == 8 for row in rows)  # α, two "mean ± half-width" cells, the gap


def test_the_step_size_study_refuses_a_step_of_zero():
    with pytest.raises(SystemExit, match="--inner-lrs must be"):
        bench.main(["--inner-lrs", "0"])
