#!/usr/bin/env bash
# HTTP benchmark: wrk on loopback against the release server and against raw libmicrohttpd
# (bench/http/raw_mhd.c) answering the same POSTs with a canned response of the same size.
# Prints one markdown table row per case. Usage: bench/http.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-8}"
out=bench/out; mkdir -p "$out"
[ -f "$out/tiny-binary.len" ] || python3 bench/http/make_requests.py "$out"
gcc -O2 -o "$out/raw_mhd" bench/http/raw_mhd.c -lmicrohttpd
swift build -c release --product backprop-server >/dev/null
bin=.build/release/backprop-server
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return; sleep 0.1; done; }
run_wrk() { # port body connections ctype [extra header]
  BODY="$2" CTYPE="$4" EXTRA_HEADER="${5:-}" wrk -t1 -c"$3" -d"${seconds}s" --timeout 30s -s bench/http/post.lua \
    "http://127.0.0.1:$1/v1/gradients" | grep RESULT
}
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

echo "| case | body MB | resp MB | conns | server req/s | p50 / p99 ms | raw MHD req/s | p50 / p99 ms | ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for case in tiny-nested tiny-base64 tiny-binary medium-nested medium-base64 medium-binary large-nested large-base64 large-binary; do
  body="$out/$case.json"
  ctype=application/json; extra=""
  if [ -f "$out/$case.len" ]; then
    ctype=application/octet-stream; extra="Inference-Header-Content-Length: $(cat "$out/$case.len")"
  fi
  case "$case" in tiny*) conns=32 ;; medium*) conns=4 ;; large*) conns=2 ;; esac
  p1="$(free_port)"
  "$bin" --port "$p1" --log-level error --max-body-bytes 100000000 --queue-capacity 256 &
  s1=$!; pids+=("$s1")
  wait_up "$p1"
  curl -s -X POST -H "Content-Type: $ctype" ${extra:+-H "$extra"} --data-binary @"$body" "http://127.0.0.1:$p1/v1/gradients" -o "$out/$case.response"
  server="$(run_wrk "$p1" "$body" "$conns" "$ctype" "$extra")"
  kill "$s1"; wait "$s1" || true
  p2="$(free_port)"
  "$out/raw_mhd" "$p2" "$out/$case.response" &
  s2=$!; pids+=("$s2")
  wait_up "$p2"
  raw="$(run_wrk "$p2" "$body" "$conns" "$ctype" "$extra")"
  kill "$s2"; wait "$s2" || true
  srps="$(field "$server" rps)"; rrps="$(field "$raw" rps)"
  printf "| %s | %.2f | %.2f | %s | %s | %s / %s | %s | %s / %s | %.2f |\n" "$case" \
    "$(echo "$(stat -c %s "$body") / 1000000" | bc -l)" "$(echo "$(stat -c %s "$out/$case.response") / 1000000" | bc -l)" "$conns" \
    "$srps" "$(field "$server" p50_ms)" "$(field "$server" p99_ms)" "$rrps" "$(field "$raw" p50_ms)" "$(field "$raw" p99_ms)" \
    "$(echo "$srps / $rrps" | bc -l)"
done
