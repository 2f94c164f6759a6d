#!/usr/bin/env bash
# Soak: a mixed stream (valid, malformed, mismatched, oversized) at moderate load for SECONDS
# (default 60). Fails on a 5xx other than 503, a wrong answer, or RSS growth over 64 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/loadcheck.sh soak "${1:-60}" 16 mixed 64 -- --workers 2 --queue-capacity 64
