#!/usr/bin/env bash
# One large request end to end (1024-1024-1024-10, B=256, float64) against compute alone, and the
# server's memory for it. For each encoding: wrk with one connection (requests one after another)
# gives the median latency; /proc gives idle RSS and the peak (VmHWM) after the run. The
# compute-only time (2 workers, as the server splits one request across both) is passed in from
# the same run of bench/run.sh. Prints markdown rows.
# Usage: bench/large.sh COMPUTE_SECONDS [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
compute="$1"; seconds="${2:-8}"
. bench/http/common.sh
bin=.build/release/backprop-server
kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
# The tensors' bytes, request and response: the binary case's bodies minus their JSON parts.
json_in="$(cat "$out/large-binary.len")"
tensors="$(python3 - "$out" "$json_in" <<'PY'
import json, os, sys
out, json_in = sys.argv[1], int(sys.argv[2])
body = os.path.getsize(f"{out}/large-binary.json") - json_in
resp = open(f"{out}/large-binary.response", "rb").read()
_, end = json.JSONDecoder().raw_decode(resp.decode("latin1"))
print(body + len(resp) - end)
PY
)"
[ -x "$out/raw_mhd" ] || gcc -O2 -o "$out/raw_mhd" bench/http/raw_mhd.c -lmicrohttpd
echo "| case | body MB | p50 ms (1 connection) | compute-only ms | e2e / compute | raw MHD p50 ms (transfer alone) | idle RSS MB | peak RSS MB | (peak − idle) / tensor bytes |"
echo "|---|---|---|---|---|---|---|---|---|"
for case in large-binary large-base64 large-nested; do
  request "$case"
  port="$(free_port)"
  start_server "$bin" --port "$port" --log-level error --max-body-bytes 100000000
  pid=$server_pid
  wait_up "$port"
  idle="$(kb "$pid" VmRSS)"
  p50="$(field "$(run_wrk "$port" 1 "$seconds")" p50_ms)"
  peak="$(kb "$pid" VmHWM)"
  stop_server "$pid"
  # The same request and response sizes through raw libmicrohttpd: what moving the bytes costs.
  port="$(free_port)"
  start_server "$out/raw_mhd" "$port" "$out/$case.response"
  raw_pid=$server_pid
  wait_up "$port"
  raw="$(field "$(run_wrk "$port" 1 "$seconds")" p50_ms)"
  stop_server "$raw_pid"
  python3 - "$case" "$(stat -c %s "$body")" "$p50" "$compute" "$idle" "$peak" "$tensors" "$raw" <<'PY'
import sys
case, size, p50, compute, idle, peak, tensors, raw = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8])
print(f"| {case} | {size / 1e6:.1f} | {p50:.1f} | {compute * 1e3:.1f} | {p50 / (compute * 1e3):.2f}× | {raw:.1f} | {idle / 1024:.1f} | {peak / 1024:.1f} | {(peak - idle) * 1024 / tensors:.2f}× |")
PY
done
