#!/usr/bin/env bash
# Fuzzes the live release server against openapi.yaml with schemathesis: every operation, a fixed
# seed, a bounded number of examples and time. Fails on any finding.
#
# Settings (and why positive_data_acceptance is off) are in scripts/schemathesis.toml.
# Usage: scripts/schemathesis.sh BINARY VENV [MAX_EXAMPLES] [MAX_SECONDS]
set -euo pipefail
bin="${1:-.build/release/backprop-server}"
venv="${2:-.build-venv}"
examples="${3:-25}"
seconds="${4:-150}"
. "$(dirname "$0")/lib/server.sh"
port="$(free_port)"
start_server "$bin" --host 127.0.0.1 --port "$port" --log-level error --max-gradcheck-parameters 2000
wait_ready "http://127.0.0.1:$port/readyz"
"$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run openapi.yaml --url "http://127.0.0.1:$port" \
  --checks all --exclude-checks positive_data_acceptance \
  --seed 20261129 --max-examples "$examples" --max-time "$seconds" --workers 2 \
  --no-color --suppress-health-check too_slow,filter_too_much,data_too_large
curl -fsS "http://127.0.0.1:$port/livez" >/dev/null  # still alive after the fuzzing
