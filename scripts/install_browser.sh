#!/usr/bin/env bash
# Install what the real-browser tests drive: Debian's chromium (+ chromium-driver) when
# /usr/bin/chromium is missing, and a CJK font (fonts-wqy-zenhei) when none is installed, so the
# notes' Chinese terms render in screenshots instead of empty boxes. Needs root (or sudo) and apt-get.
# No `playwright install`: it downloads its own browser build, which these machines cannot fetch;
# the tests launch the system chromium with the `playwright` Python package instead.
set -euo pipefail
packages=()
if [ ! -x /usr/bin/chromium ]; then
    packages+=(chromium chromium-driver)
fi
if ! command -v fc-list >/dev/null || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
    packages+=(fonts-wqy-zenhei)
fi
if [ ${#packages[@]} -eq 0 ]; then
    echo "[browser] $(/usr/bin/chromium --version 2>/dev/null | head -1) and a CJK font are present"
    exit 0
fi
if ! command -v apt-get >/dev/null; then
    echo "[browser] missing ${packages[*]} and apt-get is not available: install them by hand" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi
t0=$(date +%s)
echo "[browser] installing ${packages[*]} with apt-get"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
echo "[browser] installed $(/usr/bin/chromium --version 2>/dev/null | head -1) and fonts in $(( $(date +%s) - t0 )) s"
