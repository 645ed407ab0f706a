#!/usr/bin/env bash
# Install the browser the real-browser tests drive: Debian's chromium (+ chromium-driver),
# only when /usr/bin/chromium is missing. Needs root (or sudo) and apt-get.
# No `playwright install`: it downloads its own browser build, which these machines cannot fetch;
# the tests launch the system chromium with the `playwright` Python package instead.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    echo "[browser] /usr/bin/chromium present: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
    exit 0
fi
if ! command -v apt-get >/dev/null; then
    echo "[browser] /usr/bin/chromium is missing and apt-get is not available: install Chromium by hand" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi
t0=$(date +%s)
echo "[browser] installing chromium and chromium-driver with apt-get"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
echo "[browser] installed $(/usr/bin/chromium --version 2>/dev/null | head -1) in $(( $(date +%s) - t0 )) s"
