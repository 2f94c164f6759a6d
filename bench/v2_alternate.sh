#!/usr/bin/env bash
# /v1 binary and /v2 binary alternated on one server, the medium request with 4 connections, ROUNDS
# rounds of SECONDS each: the two front ends on the same build, the drift shared.
# Usage: bench/v2_alternate.sh BINARY [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/http/common.sh
port=$(free_port)
start_server "$1" --port "$port" --log-level error
wait_up "$port"
for r in $(seq "${2:-8}"); do
  for front in v1 v2; do
    case_=medium-binary; path=/v1/gradients
    [ "$front" = v2 ] && { case_=medium-v2binary; path=/v2/models/gradients/infer; }
    request "$case_"
    line=$(run_wrk "$port" 4 "${3:-4}" "$path")
    echo "$r $front $(field "$line" rps)"
  done
done
