#!/usr/bin/env bash
# `make test`: unit tests, then every notebook under nbval, with the time of each phase.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# One torch thread per process: faster for the course's small networks, and the two
# pytest workers below then share the 2 CI cores without fighting.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 MPLBACKEND=Agg

t0=$(date +%s)
echo "[test] unit tests"
"$BIN/pytest" -q -n 2 tests
t1=$(date +%s)
echo "[test] unit tests took $((t1 - t0)) s"

echo "[test] notebooks under nbval (pytest --nbval-lax notebooks/)"
"$BIN/pytest" -q -n 2 --dist loadscope --nbval-lax --nbval-current-env notebooks/
t2=$(date +%s)
echo "[test] notebooks took $((t2 - t1)) s; total $((t2 - t0)) s"
