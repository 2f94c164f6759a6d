#!/usr/bin/env bash
# The page at / in a real browser: Debian's chromium driven by Playwright (PyPI) with the system
# executable (no browser is downloaded), against the release server on ephemeral ports.
# Screenshots land in .build/browser-artifacts/ (page-desktop.png, page-phone.png).
# Usage: scripts/browser-check.sh BINARY VENV
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$1"; venv="$2"
chromium="$(command -v chromium)" || { echo "browser-check: chromium is not installed (scripts/install-deps.sh --test)" >&2; exit 1; }
export BACKPROP_BIN="$bin" CHROMIUM="$chromium" BROWSER_ARTIFACTS="$PWD/.build/browser-artifacts"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
"$venv/bin/python" -m pytest -q -p no:cacheprovider Tests/Browser
