#!/usr/bin/env bash
# Instructions per request, the noise-free figure: the release server under callgrind answers N1
# and then N2 copies of one request on one keep-alive connection; (I(N2) − I(N1)) / (N2 − N1) is
# what one request costs the server (HTTP, decode, compute, encode), whatever else the machine does.
# Usage: bench/callgrind_http.sh BINARY CASE PATH [N1 N2]   (CASE: a request in bench/out, e.g.
# tiny-binary; PATH: /v1/gradients or /v2/models/gradients/infer). SERVER_ARGS replaces the
# server's flags (default: --log-level error, no access log), to measure one feature's share.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$1"; case_="$2"; path="$3"; n1="${4:-100}"; n2="${5:-400}"
. bench/http/common.sh
request "$case_"
# valgrind cannot read Swift's debug info here ("possibly corrupted"): measure a stripped copy.
stripped=$(mktemp); on_exit "rm -f $stripped"; strip -o "$stripped" "$bin"; chmod +x "$stripped"
count() {
  local port; port=$(free_port)
  local log; log=$(mktemp); on_exit "rm -f $log $log.out.*"
  # The server re-executes itself once to apply its process settings: follow it.
  start_server valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$log.out.%p" "$stripped" --port "$port" ${SERVER_ARGS:---log-level error} \
    --workers 1 2>"$log"
  wait_ready "http://127.0.0.1:$port/livez" >/dev/null 2>&1 || { for _ in $(seq 300); do
    curl -fsS "http://127.0.0.1:$port/livez" >/dev/null 2>&1 && break; sleep 0.2; done; }
  python3 - "$port" "$path" "$body" "$ctype" "$extra" "$1" <<'PY'
import http.client, sys
port, path, body, ctype, extra, n = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read(), sys.argv[4], sys.argv[5], int(sys.argv[6])
headers = {"Content-Type": ctype}
if extra:
    k, v = extra.split(":", 1); headers[k] = v.strip()
c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=120)
for _ in range(n):
    c.request("POST", path, body=body, headers=headers); r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
  stop_server "$server_pid"
  cat "$log".out.* | sed -n 's/^summary: //p' | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
a=$(count "$n1"); b=$(count "$n2")
echo "{\"bench\":\"callgrind_http\",\"binary\":\"$bin\",\"case\":\"$case_\",\"path\":\"$path\",\"instructions_per_request\":$(( (b - a) / (n2 - n1) ))}"
