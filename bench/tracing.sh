#!/usr/bin/env bash
# Tracing's cost: wrk on loopback against the release server with tracing off (no endpoint) and on
# at 100% sampling (OTEL_TRACES_SAMPLER=always_on, every request with a sampled traceparent),
# exporting to a local OTLP/HTTP sink, alternated off, on, off, on… in one run. Prints one
# markdown row per round and case, then the medians. Usage: bench/tracing.sh [SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-8}"; rounds="${2:-3}"
. bench/http/common.sh
bin=.build/release/backprop-server
[ -x "$bin" ] || swift build -c release --product backprop-server >/dev/null
# The collector stand-in: accepts every export and drops it (what a busy collector does for the
# server: answer 200), counting the spans' bytes.
sink_port="$(free_port)"
python3 - "$sink_port" <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT
traced="traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
echo "| round | case | tracing | req/s | p50 / p99 ms |"
echo "|---|---|---|---|---|"
results=()
for round in $(seq "$rounds"); do
  for case in tiny-nested medium-nested; do
    request "$case"
    conns="$(connections "$case")"
    for mode in off on; do
      port="$(free_port)"
      if [ "$mode" = on ]; then
        start_server env OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_TRACES_SAMPLER=always_on \
          "$bin" --port "$port" --log-level error --queue-capacity 256
        extra="$traced"
      else
        start_server "$bin" --port "$port" --log-level error --queue-capacity 256
        extra="$traced"
      fi
      pid=$server_pid
      wait_up "$port"
      r="$(run_wrk "$port" "$conns" "$seconds")"
      stop_server "$pid"
      echo "| $round | $case | $mode | $(field "$r" rps) | $(field "$r" p50_ms) / $(field "$r" p99_ms) |"
      results+=("$case $mode $(field "$r" rps)")
    done
  done
done
printf '%s\n' "${results[@]}" | python3 -c '
import sys, statistics
rows = {}
for line in sys.stdin:
    case, mode, rps = line.split()
    rows.setdefault((case, mode), []).append(float(rps))
print()
print("| case | off req/s (median) | on req/s (median) | on / off |")
print("|---|---|---|---|")
for case in ("tiny-nested", "medium-nested"):
    off, on = statistics.median(rows[(case, "off")]), statistics.median(rows[(case, "on")])
    print(f"| {case} | {off:.0f} | {on:.0f} | {on / off:.3f} |")
'
