#!/usr/bin/env bash
# `make test`: every check of the course, phase by phase, with the time of each phase.
#   1. ruff, then the unit tests of course_lib
#   2. every chapter under nbval, instructor and student editions (pytest --nbval-lax)
#   3. every chapter in a real browser (JupyterLab + headless Chromium), sliders moved
#   4. the static course site, built from the chapters the browser run executed
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# One torch thread per process: faster for the course's small networks, and the two
# pytest workers below then share the 2 CI cores without fighting.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 MPLBACKEND=Agg

phase_start=$(date +%s)
run_start=$phase_start
phase_done() {
    local now
    now=$(date +%s)
    echo "[test] $1 took $((now - phase_start)) s"
    phase_start=$now
}

echo "[test] 1/4 lint and unit tests"
"$BIN/ruff" check course_lib tests benchmarks scripts conftest.py
"$BIN/pytest" -q -n 2 tests --ignore=tests/browser --ignore=tests/test_book.py
phase_done "lint and unit tests"

echo "[test] 2/4 notebooks under nbval: notebooks/ and the student edition (make student)"
"$BIN/python" scripts/make_student.py --src notebooks --out student
"$BIN/pytest" -q -n 2 --dist loadscope --nbval-lax --nbval-current-env notebooks/ student/
phase_done "notebooks"

echo "[test] 3/4 real browser: every chapter run in JupyterLab + Chromium, one slider of each widget moved"
bash scripts/install_browser.sh
"$BIN/pytest" -q tests/browser
phase_done "browser tests"

echo "[test] 4/4 course site (make book), from the chapters the browser run executed"
BOOK_EXECUTED_DIR=test-artifacts/executed "$BIN/pytest" -q tests/test_book.py
phase_done "course site"
echo "[test] all phases passed in $(( $(date +%s) - run_start )) s"
