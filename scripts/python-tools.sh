#!/usr/bin/env bash
# Makes a virtualenv with the Python tools the checks use (spec validation, schemathesis, hadolint,
# kubernetes-validate, numpy for benchmarks, pytest and Playwright for the page), from PyPI, only when missing.
set -euo pipefail
venv="${1:-.build-venv}"
req="$(dirname "$0")/requirements-test.txt"
stamp="$venv/.installed-$(sha256sum "$req" | cut -c1-16)"
[ -f "$stamp" ] && exit 0
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
touch "$stamp"
