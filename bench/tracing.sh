#!/usr/bin/env bash
# Tracing's cost: wrk on loopback against the release server with tracing off (no endpoint) and on
# at 100% sampling (OTEL_TRACES_SAMPLER=always_on, every request with a sampled traceparent),
# exporting to a local OTLP/HTTP sink, alternated off, on, off, on… in one run; with BEFORE_BIN, a
# build from before tracing first in each round ("before"). Prints one markdown row per round and
# case, then the medians. Usage: [BEFORE_BIN=…] bench/tracing.sh [SECONDS] [ROUNDS]
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
        # An empty ExportTraceServiceResponse: zero bytes of protobuf.
        self.send_response(200); self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0"); self.end_headers()
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
    for mode in ${BEFORE_BIN:+before} off on; do
      port="$(free_port)"
      if [ "$mode" = on ]; then
        start_server env OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_TRACES_SAMPLER=always_on \
          "$bin" --port "$port" --log-level error --queue-capacity 256
      elif [ "$mode" = before ]; then
        start_server "$BEFORE_BIN" --port "$port" --log-level error --queue-capacity 256
      else
        start_server "$bin" --port "$port" --log-level error --queue-capacity 256
      fi
      extra="$traced"  # the same request bytes in every mode
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
before = any(mode == "before" for _, mode in rows)
print("| case |" + (" before req/s |" if before else "") + " off req/s | on req/s |" + (" off / before |" if before else "") + " on / off |")
print("|---|---|---|---|" + ("---|---|" if before else ""))
for case in ("tiny-nested", "medium-nested"):
    m = {mode: statistics.median(v) for (c, mode), v in rows.items() if c == case}
    b, off, on = m.get("before"), m["off"], m["on"]
    cells = ([f"{b:.0f}"] if before else []) + [f"{off:.0f}", f"{on:.0f}"]
    cells += ([f"{off / b:.3f}"] if before else []) + [f"{on / off:.3f}"]
    print(f"| {case} | " + " | ".join(cells) + " |")
'
