#!/usr/bin/env bash
# Overload: 64 connections against 1 worker and a queue of 4, far beyond what the server can
# carry, for SECONDS (default 20). Accepted requests must be answered correctly, the rest get 503
# at once; no other 5xx, the server stays up, RSS grows by at most 64 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/loadcheck.sh overload "${1:-20}" 64 valid 64 -- --workers 1 --queue-capacity 4
