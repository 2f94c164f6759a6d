#!/usr/bin/env bash
# HTTP benchmark: wrk on loopback against the release server and against raw libmicrohttpd
# (bench/http/raw_mhd.c) answering the same POSTs with a canned response of the same size.
# Prints one markdown table row per case. Usage: bench/http.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-8}"
. bench/http/common.sh
gcc -O2 -o "$out/raw_mhd" bench/http/raw_mhd.c -lmicrohttpd
swift build -c release --product backprop-server >/dev/null
bin=.build/release/backprop-server

echo "| case | body MB | resp MB | conns | server req/s | p50 / p99 ms | raw MHD req/s | p50 / p99 ms | ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for case in $http_cases; do
  request "$case"
  conns="$(connections "$case")"
  p1="$(free_port)"
  start_server "$bin" --port "$p1" --log-level error --max-body-bytes 100000000 --queue-capacity 256
  s1=$server_pid
  wait_up "$p1"
  curl -s -X POST -H "Content-Type: $ctype" ${extra:+-H "$extra"} --data-binary @"$body" "http://127.0.0.1:$p1/v1/gradients" -o "$out/$case.response"
  server="$(run_wrk "$p1" "$conns" "$seconds")"
  stop_server "$s1"
  p2="$(free_port)"
  start_server "$out/raw_mhd" "$p2" "$out/$case.response"
  s2=$server_pid
  wait_up "$p2"
  raw="$(run_wrk "$p2" "$conns" "$seconds")"
  stop_server "$s2"
  srps="$(field "$server" rps)"; rrps="$(field "$raw" rps)"
  printf "| %s | %.2f | %.2f | %s | %s | %s / %s | %s | %s / %s | %.2f |\n" "$case" \
    "$(echo "$(stat -c %s "$body") / 1000000" | bc -l)" "$(echo "$(stat -c %s "$out/$case.response") / 1000000" | bc -l)" "$conns" \
    "$srps" "$(field "$server" p50_ms)" "$(field "$server" p99_ms)" "$rrps" "$(field "$raw" p50_ms)" "$(field "$raw" p99_ms)" \
    "$(echo "$srps / $rrps" | bc -l)"
done
