# Shared by bench/http.sh and bench/large.sh (sourced, from the project's root).
# Servers started through `start` are stopped when the calling script exits, however it exits.
out=bench/out; mkdir -p "$out"
[ -f "$out/tiny-binary.len" ] || python3 bench/http/make_requests.py "$out"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/livez" && return; sleep 0.1; done; }

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
# start COMMAND...: runs it in the background; its PID is in $started.
start() { "$@" & started=$!; pids+=("$started"); }
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

# request CASE: sets body, ctype and extra (the binary cases' JSON-part header) for bench/out/CASE.
request() {
  body="$out/$1.json"; ctype=application/json; extra=""
  if [ -f "$out/$1.len" ]; then
    ctype=application/octet-stream; extra="Inference-Header-Content-Length: $(cat "$out/$1.len")"
  fi
}

# run_wrk PORT CONNECTIONS SECONDS: POSTs $body with wrk; prints its RESULT line.
run_wrk() {
  BODY="$body" CTYPE="$ctype" EXTRA_HEADER="$extra" wrk -t1 -c"$2" -d"$3s" --timeout 30s -s bench/http/post.lua \
    "http://127.0.0.1:$1/v1/gradients" | grep RESULT
}
# field LINE NAME: the value of NAME=… in a RESULT line.
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
