#!/usr/bin/env bash
# Traces: the release server against a real OTLP/HTTP receiver (a small one in the test, decoding
# with opentelemetry-proto from PyPI): the caller's trace continued, the spans and their
# attributes, errors, sampling, a dead collector, bad OTEL_* values, the access log's ids.
# Usage: scripts/otel-check.sh BINARY VENV
set -euo pipefail
cd "$(dirname "$0")/.."
export BACKPROP_BIN="$1"
"$2/bin/python" -m pytest -q -p no:cacheprovider Tests/Tracing
