#!/usr/bin/env bash
# The shared body of scripts/soak.sh and scripts/overload.sh: start the release server with the
# given flags on a free loopback port, drive it with wrk and bench/wrk/mixed.lua, and fail on any
# 5xx other than 503, any wrong answer, a crash, or RSS growth past a bound.
# Usage: scripts/loadcheck.sh NAME SECONDS CONNECTIONS MIX RSS_GROWTH_MB -- SERVER_FLAGS...
set -euo pipefail
name="$1"; seconds="$2"; connections="$3"; mix="$4"; rss_bound_mb="$5"; shift 6
bin="${BIN:-.build/release/backprop-server}"
. "$(dirname "$0")/lib/server.sh"
port="$(free_port)"
start_server "$bin" --host 127.0.0.1 --port "$port" --log-level error --max-body-bytes 1048576 "$@"
pid=$server_pid
out="$(mktemp)"
on_exit "rm -f '$out'"
wait_ready "http://127.0.0.1:$port/readyz"
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status"; }
# The expected answer's loss (bench/wrk/valid.json), from one request before the load.
body="$(cat bench/wrk/valid.json)"
loss="$(curl -fsS -X POST "http://127.0.0.1:$port/v1/gradients" -H 'Content-Type: application/json' -d "$body" \
  | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["loss"]))')"
rss_start="$(rss)"
LOADCHECK_OUT="$out" wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s -s bench/wrk/mixed.lua \
  "http://127.0.0.1:$port" -- "\"loss\":$loss," "$mix" 1100000 >/dev/null
alive=1; kill -0 "$pid" 2>/dev/null || alive=0
rss_end="$( [ "$alive" = 1 ] && rss || echo 0)"
ready="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/livez" || true)"
echo "$name: $(cat "$out") rss_start_mb=$rss_start rss_end_mb=$rss_end"
ok=0; wrong=0; bad=0; busy=0; rejected=0
eval "$(tr ' ' '\n' < "$out" | grep -E '^(ok|wrong|bad|busy|rejected)=' )"
failed=0
[ "$alive" = 1 ] && [ "$ready" = 200 ] || { echo "FAIL $name: the server died"; failed=1; }
[ "$wrong" -eq 0 ] || { echo "FAIL $name: $wrong wrong answers"; failed=1; }
[ "$bad" -eq 0 ] || { echo "FAIL $name: $bad responses with an unexpected status (5xx other than 503?)"; failed=1; }
[ "$ok" -gt 0 ] || { echo "FAIL $name: no request succeeded"; failed=1; }
[ $((rss_end - rss_start)) -le "$rss_bound_mb" ] || { echo "FAIL $name: RSS grew by $((rss_end - rss_start)) MB (bound $rss_bound_mb)"; failed=1; }
[ "$failed" -eq 0 ] && echo "$name: passed" || exit 1
