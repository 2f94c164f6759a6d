#!/usr/bin/env bash
# End-to-end check of the release binary with curl, as a user would run it: start it on a free
# loopback port, post the README's example (docs/api.md), compare with numpy, check errors, stop it with SIGTERM.
# Usage: scripts/e2e.sh [BINARY] [PYTHON]
set -euo pipefail
bin="${1:-.build/release/backprop-server}"
py="${2:-python3}"
. "$(dirname "$0")/lib/server.sh"
port="$(free_port)"
log="$(mktemp)"
on_exit "rm -f '$log'"
start_server "$bin" --host 127.0.0.1 --port "$port" --log-level warning >"$log" 2>&1
pid=$server_pid
wait_ready "http://127.0.0.1:$port/readyz"

passed=0; failed=0
check() { # name, expected, actual
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1: expected '$2', got '$3'"; fi
}

body='{"network": {"layers": [
  {"weights": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "biases": [0, 0, 0], "activation": "sigmoid"},
  {"weights": [[0.7, 0.8, 0.9]], "activation": "identity"}]},
 "batch": {"inputs": [[1, 2], [3, 4]], "targets": [[1], [0]]}, "loss": "quadratic"}'
answer="$(curl -fsS -X POST "http://127.0.0.1:$port/v1/gradients" -H 'Content-Type: application/json' -d "$body")"
verdict="$("$py" - "$answer" <<'PY'
import json, sys
import numpy as np
r = json.loads(sys.argv[1])
W1 = np.array([[.1, .2], [.3, .4], [.5, .6]]); W2 = np.array([[.7, .8, .9]])
X = np.array([[1, 2], [3, 4.]]); Y = np.array([[1], [0.]])
A1 = 1 / (1 + np.exp(-(X @ W1.T))); A2 = A1 @ W2.T
D2 = (A2 - Y) / 2; D1 = (D2 @ W2) * A1 * (1 - A1)
ok = abs(r["loss"] - 0.25 * ((A2 - Y) ** 2).sum()) < 1e-12
for got, want in [(r["layers"][0]["weightGradient"], D1.T @ X), (r["layers"][1]["weightGradient"], D2.T @ A1),
                  (r["layers"][0]["delta"], D1), (r["layers"][1]["biasGradient"], D2.sum(0))]:
    ok = ok and np.allclose(np.array(got), want, rtol=1e-12, atol=1e-15)
print("ok" if ok else "mismatch: " + json.dumps(r))
PY
)"
check "gradients match numpy" ok "$verdict"

status() { curl -s -o /dev/null -w '%{http_code} %{content_type}' "$@"; }
check "404" "404 application/problem+json" "$(status "http://127.0.0.1:$port/nope")"
check "405" "405 application/problem+json" "$(status "http://127.0.0.1:$port/v1/gradients")"
check "415" "415 application/problem+json" "$(status -X POST "http://127.0.0.1:$port/v1/gradients" -H 'Content-Type: text/plain' -d "$body")"
check "400" "400 application/problem+json" "$(status -X POST "http://127.0.0.1:$port/v1/gradients" -H 'Content-Type: application/json' -d '{')"
check "422 pointer" "/network/layers/1/weights" "$(curl -s -X POST "http://127.0.0.1:$port/v1/gradients" -H 'Content-Type: application/json' \
  -d '{"network": {"layers": [{"weights": [[1, 2]]}, {"weights": [[1, 2]]}]}, "batch": {"inputs": [[1, 2]], "targets": [[1]]}, "loss": "mse"}' \
  | "$py" -c 'import json,sys; print(json.load(sys.stdin)["pointer"])')"
check "spec served" "200" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/openapi.yaml")"

kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
check "exit 0 on SIGTERM" 0 "$rc"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
