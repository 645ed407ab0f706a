#!/usr/bin/env bash
# Install the Debian font packages that Chapter 6's character data set is rendered from
# (course_lib/meta/characters.py, TYPEFACES), when any of their files is missing, so that
# tests/test_characters.py can rebuild the shipped course_lib/data/characters-28.npz and check
# that it matches. The course itself never needs the fonts: the rendered set ships with it.
# Needs root (or sudo) and apt-get; about 270 MB of downloads, under a minute on the course
# machines. Without apt-get it says what is missing and exits 0 (the rebuild test is then
# skipped), except under CI (CI set), where it fails: a skip there would hide a broken promise.
set -euo pipefail
# Debian bookworm: the package of each typeface (tests/test_characters.py checks this list).
declare -A FILES=(
    [fonts-noto-cjk]=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
    [fonts-noto-cjk-extra]=/usr/share/fonts/opentype/noto/NotoSansCJK-Thin.ttc
    [fonts-arphic-uming]=/usr/share/fonts/truetype/arphic/uming.ttc
    [fonts-arphic-ukai]=/usr/share/fonts/truetype/arphic/ukai.ttc
    [fonts-arphic-gbsn00lp]=/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf
    [fonts-arphic-gkai00mp]=/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf
    [fonts-wqy-zenhei]=/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
    [fonts-wqy-microhei]=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
    [fonts-cwtex-ming]=/usr/share/fonts/truetype/cwtex/cwming.ttf
    [fonts-cwtex-kai]=/usr/share/fonts/truetype/cwtex/cwkai.ttf
    [fonts-cwtex-heib]=/usr/share/fonts/truetype/cwtex/cwheib.ttf
    [fonts-cwtex-fs]=/usr/share/fonts/truetype/cwtex/cwfs.ttf
    [fonts-cwtex-yen]=/usr/share/fonts/truetype/cwtex/cwyen.ttf
    [fonts-lxgw-wenkai]=/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf
)
packages=()
for package in "${!FILES[@]}"; do
    if [ ! -f "${FILES[$package]}" ]; then
        packages+=("$package")
    fi
done
if [ ${#packages[@]} -eq 0 ]; then
    echo "[fonts] the ${#FILES[@]} font packages of Chapter 6's characters are installed"
    exit 0
fi
if ! command -v apt-get >/dev/null; then
    echo "[fonts] missing ${packages[*]} and apt-get is not available: the character rebuild test will be skipped" >&2
    [ -z "${CI:-}" ] || exit 1
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi
t0=$(date +%s)
echo "[fonts] installing ${packages[*]} with apt-get"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "[fonts] installed ${#packages[@]} packages in $(( $(date +%s) - t0 )) s"
