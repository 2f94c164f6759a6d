# Sourced by every script that runs a server on loopback (tests, checks and benchmarks): a free port,
# a start in the background, a wait until it answers, and a stop of everything started here when the
# calling script exits, however it exits.

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

server_pids=()
exit_hooks=()
_server_lib_exit() {
  for p in "${server_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # Last registered, first run (like defer): what was set up last is taken down first.
  local i
  for (( i = ${#exit_hooks[@]} - 1; i >= 0; i-- )); do eval "${exit_hooks[$i]}" || true; done
}
trap _server_lib_exit EXIT

# on_exit COMMAND: also run COMMAND when the script exits (temporary files, directories); the
# commands run in reverse order of registration.
on_exit() { exit_hooks+=("$1"); }

# start_server COMMAND...: runs it in the background (redirect the call to capture its output);
# its PID is in $server_pid.
start_server() { "$@" & server_pid=$!; server_pids+=("$server_pid"); }

# stop_server PID: SIGTERM, then wait for it (its exit status is ignored).
stop_server() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# wait_ready URL [CURL_OPTIONS...]: polls URL until it answers 2xx, 10 s at most.
wait_ready() {
  local url="$1"; shift
  for _ in $(seq 100); do curl -fsS "$@" "$url" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "no answer from $url" >&2
  return 1
}
