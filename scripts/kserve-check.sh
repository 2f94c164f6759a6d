#!/usr/bin/env bash
# The Open Inference Protocol routes (/v2) driven by tritonclient[http] from PyPI against the
# release server on ephemeral ports, and deploy/kserve/ checked for the fields KServe needs.
# Usage: scripts/kserve-check.sh BINARY VENV
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$1"; venv="$2"
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
BACKPROP_BIN="$bin" "$venv/bin/python" -m pytest -q -p no:cacheprovider Tests/KServe
