#!/usr/bin/env bash
# Install the Debian font packages that Chapter 6's character data set is rendered from
# (course_lib/meta/characters.py, TYPEFACES), when any of their files is missing, so that
# tests/test_characters.py can rebuild the shipped course_lib/data/characters-28.npz and check
# that it matches. The course itself never needs the fonts: the rendered set ships with it.
# Needs apt-get and root (or sudo without a password); about 270 MB of downloads, under a minute
# on the course machines. Where it cannot install them (no apt-get, as on macOS or Windows; no
# root; no network; a distribution without these packages) it says why and exits 0, and the
# rebuild test is skipped, except under CI (CI set), where it fails: a skip there would hide a
# broken promise. Plain bash 3.2 (macOS's /bin/bash): no associative arrays.
set -euo pipefail
# Debian bookworm: each package and one file it installs (tests/test_characters.py checks this list).
FONT_FILES="
fonts-noto-cjk /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
fonts-noto-cjk-extra /usr/share/fonts/opentype/noto/NotoSansCJK-Thin.ttc
fonts-arphic-uming /usr/share/fonts/truetype/arphic/uming.ttc
fonts-arphic-ukai /usr/share/fonts/truetype/arphic/ukai.ttc
fonts-arphic-gbsn00lp /usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf
fonts-arphic-gkai00mp /usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf
fonts-wqy-zenhei /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
fonts-wqy-microhei /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
fonts-cwtex-ming /usr/share/fonts/truetype/cwtex/cwming.ttf
fonts-cwtex-kai /usr/share/fonts/truetype/cwtex/cwkai.ttf
fonts-cwtex-heib /usr/share/fonts/truetype/cwtex/cwheib.ttf
fonts-cwtex-fs /usr/share/fonts/truetype/cwtex/cwfs.ttf
fonts-cwtex-yen /usr/share/fonts/truetype/cwtex/cwyen.ttf
fonts-lxgw-wenkai /usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf
"

missing_packages() {
    echo "$FONT_FILES" | while read -r package path; do
        if [ -n "$package" ] && [ ! -f "$path" ]; then
            printf '%s ' "$package"
        fi
    done
}

# Not installing is fine for a student (the data ship with the course), not for CI.
give_up() {
    echo "[fonts] $1: the character rebuild test will be skipped (the shipped data set is all the course needs)" >&2
    if [ -n "${CI:-}" ]; then
        echo "[fonts] CI is set: failing, since a skipped rebuild test would hide a shipped file nobody can rebuild" >&2
        exit 1
    fi
    exit 0
}

packages=$(missing_packages)
if [ -z "$packages" ]; then
    echo "[fonts] the font packages of Chapter 6's characters are installed"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    give_up "missing ${packages}and apt-get is not available"
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo"
    else  # never wait for a password inside make
        give_up "missing ${packages}and installing needs root: run sudo bash scripts/install_fonts.sh"
    fi
fi
t0=$(date +%s)
echo "[fonts] installing ${packages}with apt-get"
if ! $SUDO apt-get update -qq; then
    give_up "apt-get update failed (no network?)"
fi
# shellcheck disable=SC2086  # one word per package
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null; then
    give_up "apt-get could not install ${packages}(not Debian bookworm's package names?)"
fi
still=$(missing_packages)
if [ -n "$still" ]; then
    give_up "installed, but the files of ${still}are not where Debian bookworm puts them"
fi
echo "[fonts] installed the font packages in $(( $(date +%s) - t0 )) s"
