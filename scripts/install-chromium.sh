#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (tests/test_report_browser.py); `make test` runs this.
# Does nothing when /usr/bin/chromium is already there. Needs apt-get as root (or sudo). When it cannot
# install, it says so and exits 0: the browser tests then skip with that reason, the other tests run.
set -uo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
        echo "install-chromium: not root and no sudo; browser tests will be skipped" >&2; exit 0
    fi
fi
echo "install-chromium: apt-get install chromium (for the browser tests)" >&2
if ! { $SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium; }; then
    echo "install-chromium: apt-get failed; browser tests will be skipped" >&2
fi
exit 0
