#!/usr/bin/env bash
# Tools of the end-to-end suite (tests/e2e): Debian's Chromium and the pinned axe-core.
# Idempotent and instant when both are present. Playwright never downloads a browser:
# the Python package comes from requirements-dev.txt and drives /usr/bin/chromium.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
apt_packages=()
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
if [ ! -f "$here/node_modules/axe-core/axe.min.js" ] && ! command -v npm >/dev/null 2>&1; then
    apt_packages+=(npm)
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
    echo "e2e setup: installing Debian's ${apt_packages[*]}" >&2
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

if [ ! -f "$here/node_modules/axe-core/axe.min.js" ]; then
    echo "e2e setup: installing axe-core (tests/e2e/package-lock.json)" >&2
    npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >/dev/null
fi
