#!/usr/bin/env bash
# Create .venv and install the course into it, once: a stamp keyed on pyproject.toml's
# contents makes a second run (with nothing changed) skip the install.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
PYTHON=${PYTHON:-python3}
hash=$(sha256sum pyproject.toml | cut -c1-16)
stamp="$VENV/.installed-$hash"

t0=$(date +%s)
if [ ! -x "$VENV/bin/python" ]; then
    echo "[setup] creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi
t1=$(date +%s)
echo "[setup] venv ready ($((t1 - t0)) s)"

if [ -f "$stamp" ]; then
    echo "[setup] dependencies up to date (stamp $stamp): skipping install"
else
    echo "[setup] installing course_lib and its dependencies (first run: a few minutes)"
    pip_install() {
        # Some machines list local wheel folders that may not exist; pip's warnings about them are noise.
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@" 2> >(grep -v "is ignored: it is neither" >&2)
    }
    pip_install --upgrade pip
    # torch first and pinned: the CPU wheel on the course machines' disk satisfies it offline.
    pip_install "torch==2.13.0"
    pip_install -e ".[dev]"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
fi
t2=$(date +%s)
echo "[setup] install phase ($((t2 - t1)) s)"

# A named kernel so the notebooks find this environment from any JupyterLab.
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (metarl-course)" >/dev/null
t3=$(date +%s)
echo "[setup] kernel registered ($((t3 - t2)) s)"
