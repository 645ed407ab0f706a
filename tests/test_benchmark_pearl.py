"""benchmarks/pearl.py: its report prints the tables from a run's figures; bad arguments are named."""

import importlib.util
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_pearl", ROOT / "benchmarks" / "pearl.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def _figures():
    cell = [-3.0, 0.5]
    return {
        "task": "sparse_point_robot",
        "seed": 0,
        "protocol": {"max_steps": 20, "new_goals": 200, "rl2": "r", "maml": "m", "pearl": "p"},
        "cpu": {"RL²": 10.0, "MAML-RL": 2.0, "PEARL": 5.0},
        "env_steps": {"RL²": 5e5, "MAML-RL": 1.2e6, "PEARL": 9e3},
        "rows": [
            {"family": "RL²", "episodes": [cell] * 4, "after_steps": {}},
            {"family": "MAML-RL", "episodes": [cell, None, None, None], "after_steps": {20: cell}},
            {"family": "PEARL", "episodes": [cell] * 4, "after_steps": {}},
        ],
        "oracle": 13.3,
        "oracle_discrete": 12.7,
        "stand_still": 0.0,
        "pearl_gain": [0.5, 0.4, 1],
        "efficiency": {
            "target": 1.5,
            "steps": {"RL²": 256_000, "MAML-RL": math.inf, "PEARL": 8_000},
            "ratio": {"RL²": 32.0, "MAML-RL": math.nan, "PEARL": 1.0},
            "learned": {"RL²": True, "MAML-RL": False, "PEARL": True},
        },
        "curves": {
            "RL²": [(10_000, 0.0), (128_000, 1.0), (256_000, 2.0)],
            "MAML-RL": [(8_000, 0.0), (1.2e6, 0.0)],
            "PEARL": [(2_000, 0.5), (8_000, 1.5)],
        },
    }


def test_report_prints_the_adaptation_table_and_the_ratio(capsys):
    bench.report(_figures())
    out = capsys.readouterr().out
    assert "sparse point robot" in out and "-3.00 ± 0.50" in out and "—" in out
    assert "RL²      256,000 steps = 32.0 x PEARL's" in out
    # Scored only at its evaluation points: the crossing lies after the point below the target.
    assert "(its point before, 128,000, was below: between 16.0 x and 32.0 x)" in out
    assert "MAML-RL  never (never beat standing still)" in out
    assert "PEARL episode 2 - episode 1 (paired): +0.50 ± 0.40 (above 0)" in out


def test_bad_arguments_are_named(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--workers", "0"])
    assert "--workers must be >= 1" in capsys.readouterr().err
