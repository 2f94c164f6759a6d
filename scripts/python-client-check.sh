#!/usr/bin/env bash
# The Python client (clients/python) installed into the test virtualenv with pip, then its tests
# (pytest) against the release server on ephemeral ports, two servers for sharding.
# Usage: scripts/python-client-check.sh BINARY VENV
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$1"; venv="$2"
"$venv/bin/pip" install -q --disable-pip-version-check ./clients/python
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
BACKPROP_BIN="$bin" "$venv/bin/python" -m pytest -q -p no:cacheprovider clients/python/tests
