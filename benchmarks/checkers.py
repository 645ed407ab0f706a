"""What running answers in a forked child costs: each coding checker on its right answer, forked
against in-process (the fallback, ``COURSE_CHECKERS_IN_PROCESS=1``), and one bare ``call()``.

    .venv/bin/python benchmarks/checkers.py [--repeats 5]

Prints the median wall time and the mean CPU time (this process and the reaped child) of a
whole check (every case, one child) in both modes, and the difference. Each mode runs in a
fresh interpreter, so the in-process figure pays no fork at all.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

_MEASURE = r"""
import contextlib, io, json, statistics, sys, time
import torch
torch.set_num_threads(1)
sys.path.insert(0, "tests")
from test_exercise_adversarial import CODING
from course_lib.exercises.harness import call

import os

def cpu():
    t = os.times()  # this process and its reaped children: the forked child's work counts
    return t.user + t.system + t.children_user + t.children_system

def timed(run, repeats):
    walls, cpus = [], []
    for _ in range(repeats + 1):
        with contextlib.redirect_stdout(io.StringIO()):
            began, began_cpu = time.perf_counter(), cpu()
            run()
            walls.append(time.perf_counter() - began)
            cpus.append(cpu() - began_cpu)
    return statistics.median(walls[1:]), statistics.mean(cpus[1:])

repeats = int(sys.argv[1])
out = {}
for name, spec in CODING.items():
    if name != "reward_to_go, Ch 8's":
        out[name] = timed(lambda: spec.checker(spec.right), repeats)
out["call(lambda: None)"] = timed(lambda: call(lambda: None), 10 * repeats)
print(json.dumps(out))
"""


def _measure(in_process: bool, repeats: int) -> dict[str, float]:
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "COURSE_CHECKERS_IN_PROCESS": "1" if in_process else "0",
    }
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(repeats)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed checks per checker (median)")
    repeats = parser.parse_args().repeats
    forked, here = _measure(False, repeats), _measure(True, repeats)
    print(
        f"{'checker (right answer)':<24} {'wall ms: forked':>15} {'in-process':>11} {'extra':>7}"
        f" {'cpu ms: forked':>15} {'in-process':>11} {'extra':>7}"
    )
    for name in forked:
        (fw, fc), (hw, hc) = ([1e3 * x for x in forked[name]], [1e3 * x for x in here[name]])
        print(
            f"{name:<24} {fw:>15.1f} {hw:>11.1f} {fw - hw:>7.1f} {fc:>15.1f} {hc:>11.1f} {fc - hc:>7.1f}"
        )
    checks = [n for n in forked if n != "call(lambda: None)"]
    wall = statistics.median(forked[n][0] - here[n][0] for n in checks)
    cpu = statistics.median(forked[n][1] - here[n][1] for n in checks)
    print(f"median extra per check: {wall * 1e3:.1f} ms wall, {cpu * 1e3:.1f} ms CPU")


if __name__ == "__main__":
    main()
