#!/usr/bin/env bash
# HTTPS end to end: make a self-signed certificate for 127.0.0.1, serve with --tls-cert/--tls-key
# (microhttpd's GnuTLS), and check curl gets gradients over TLS and plain HTTP gets nothing.
# Usage: scripts/tls-check.sh [BINARY]
set -euo pipefail
bin="${1:-.build/release/backprop-server}"
. "$(dirname "$0")/lib/server.sh"
dir="$(mktemp -d)"
on_exit "rm -rf '$dir'"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
port="$(free_port)"
start_server "$bin" --port "$port" --tls-cert "$dir/cert.pem" --tls-key "$dir/key.pem" --log-level warning
wait_ready "https://127.0.0.1:$port/readyz" --cacert "$dir/cert.pem"
passed=0; failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
answer="$(curl -fsS --cacert "$dir/cert.pem" -X POST "https://127.0.0.1:$port/v1/gradients" -H 'Content-Type: application/json' \
  -d '{"network": {"layers": [{"weights": [[2]]}]}, "batch": {"inputs": [[3]], "targets": [[1]]}, "loss": "quadratic"}')" || true
# z = 6, C = ½(6 − 1)² = 12.5, δ = 5, ∇W = δ·a^0 = 15
[ "$answer" = '{"loss":12.5,"batchSize":1,"reduction":"mean","dtype":"float64","layers":[{"layer":1,"delta":[[5.0]],"weightGradient":[[15.0]],"biasGradient":[5.0]}]}' ] && ok || bad "gradients over HTTPS: $answer"
# A binary answer (the JSON part and each tensor sent as separate I/O vectors) over TLS too.
curl -fsS --cacert "$dir/cert.pem" -X POST "https://127.0.0.1:$port/v1/gradients" -H 'Content-Type: application/json' \
  -D "$dir/headers" -o "$dir/body" \
  -d '{"network": {"layers": [{"weights": [[2]]}]}, "batch": {"inputs": [[3]], "targets": [[1]]}, "loss": "quadratic", "options": {"encoding": "binary"}}' || true
python3 - "$dir/headers" "$dir/body" <<'PY' && ok || bad "binary answer over HTTPS"
import re, struct, sys
headers = open(sys.argv[1]).read()
body = open(sys.argv[2], "rb").read()
n = int(re.search(r"(?i)inference-header-content-length: *(\d+)", headers).group(1))
assert struct.unpack("<3d", body[n:]) == (5.0, 15.0, 5.0), body[n:]
PY
curl -fsS --max-time 3 "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && bad "plain HTTP answered on the TLS port" || ok
curl -fsS --max-time 3 "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && bad "an untrusted certificate was accepted" || ok
"$bin" --port 0 --tls-cert "$dir/cert.pem" >/dev/null 2>&1 && bad "--tls-cert without --tls-key was accepted" || ok
echo "tls: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
