#!/usr/bin/env bash
# Create .venv and install the course into it, once: a stamp keyed on pyproject.toml (what the
# course needs) and constraints.txt (the exact versions installed) makes a second run with
# nothing changed skip the install.
#
# Every install applies constraints.txt: pyproject.toml asks for `torch>=2.0`, which on its own
# would fetch the newest torch (a multi-GB CUDA build); the constraint picks torch==2.13.0,
# whose CPU wheel lies on the course machines' disk, and the versions every other package had
# when the course was last tested.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
PYTHON=${PYTHON:-python3}
CONSTRAINTS=constraints.txt
hash=$(cat pyproject.toml "$CONSTRAINTS" | sha256sum | cut -c1-16)
stamp="$VENV/.installed-$hash"

t0=$(date +%s)
if [ ! -x "$VENV/bin/python" ]; then
    echo "[setup] creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi

if [ -f "$stamp" ]; then
    echo "[setup] dependencies up to date (stamp $stamp): skipping install"
    exit 0
fi

echo "[setup] installing course_lib and its dependencies, pinned by $CONSTRAINTS (first run: a few minutes)"
pip_install() {
    # Some machines list local wheel folders that may not exist; pip's warnings about them are noise.
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@" \
        2> >(grep -v "is ignored: it is neither" >&2)
}
pip_install --upgrade pip
pip_install -c "$CONSTRAINTS" -e ".[dev]"
# A named kernel so the notebooks find this environment from any JupyterLab; it lives inside
# .venv (--sys-prefix), so it is made once with the install.
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 \
    --display-name "Python 3 (metarl-course)" >/dev/null
rm -f "$VENV"/.installed-*
touch "$stamp"
echo "[setup] installed in $(($(date +%s) - t0)) s"
