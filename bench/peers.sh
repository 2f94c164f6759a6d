#!/usr/bin/env bash
# The service against its performance anchors (../shared/peers, outside this repository; see its
# README.md): over HTTP, the release server against c-parts (the same POST /v1/gradients from
# libmicrohttpd, simdjson, OpenBLAS and Dragonbox) and mhd-hello's canned-bytes ceiling, with
# c-parts/bench.sh (wrk on 127.0.0.1: tiny -c32 x3, medium -c8 x2); c-parts/compare.py first checks
# that both answer the tiny and medium bodies bit-identically. Then the wire rows: `backprop-bench
# wire` (1 thread) against the simdjson reader (bench/simdjson/wire.cpp) and orjson (the current
# PyPI release, >= 3.13, in a venv: bench/numpy_ref.py wire) on bench/out/matrix.json, ROUNDS
# interleaved rounds. Prints every run, the medians and the ratios (taken within each round, median
# over rounds): ours/orjson write, ours/simdjson DOM read, ours/orjson read.
# With BEFORE_BIN (a second release backprop-server), bench.sh runs for it and for this tree's build
# alternately (before, after; HTTP_ROUNDS times, default 1), and both builds' ratios are printed; the
# wire rows measure this tree only. Benchmarks are not tests; CI does not run this.
# ../shared/peers may be read-only: it is copied to bench/out/peers and built there. Every server is
# stopped by PID (bench.sh stops its own); wrk, curl and python runs are bounded by timeouts.
# Usage: DRAGONBOX_REPO=DIR bench/peers.sh [ROUNDS [BEFORE_BIN]]   (or make bench-peers)
#   DRAGONBOX_REPO  a (bare) git clone of https://github.com/jk-jeon/dragonbox (required)
#   ROUNDS          wire rounds (default 3); HTTP_ROUNDS: bench.sh runs per build (default 1)
#   PEERS (default ../shared/peers); DUR, WARM, SWIFT_PORT, CP_PORT, CEIL_PORT: passed to bench.sh
set -euo pipefail
die() { echo "peers.sh: $*" >&2; exit 1; }
if [ -z "${DRAGONBOX_REPO:-}" ]; then
  die "set DRAGONBOX_REPO to a (bare) git clone of https://github.com/jk-jeon/dragonbox, e.g.
  git clone --bare https://github.com/jk-jeon/dragonbox.git ~/dragonbox.git
  DRAGONBOX_REPO=~/dragonbox.git bench/peers.sh"
fi
# Paths given by the caller, made absolute before the cd below.
dragonbox="$(cd "$DRAGONBOX_REPO" && pwd)" || die "DRAGONBOX_REPO=$DRAGONBOX_REPO is not a directory"
rounds="${1:-3}"
http_rounds="${HTTP_ROUNDS:-1}"
before=""
if [ -n "${2:-}" ]; then
  [ -x "$2" ] || die "BEFORE_BIN=$2 is not executable"
  before="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
fi
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/../scripts/lib/server.sh disable=SC1091
. scripts/lib/server.sh
peers_src="${PEERS:-../shared/peers}"
out=bench/out; mkdir -p "$out"
peers="$PWD/$out/peers"
logs="$PWD/$out/peers-logs/$(date +%Y%m%d-%H%M%S)"
venv="$out/orjson-venv"
[ -r "$peers_src/c-parts/bench.sh" ] || die "no $peers_src/c-parts/bench.sh (PEERS=DIR names the peers folder)"
for tool in wrk curl g++ gcc pkg-config ss timeout; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
pkg-config --exists libmicrohttpd simdjson openblas \
  || die "needs libmicrohttpd-dev, libsimdjson-dev and libopenblas-dev (apt-get install them)"
mkdir -p "$logs"

echo "== building (peers copied to $peers; logs in $logs)"
rm -rf "$peers"
cp -R "$peers_src" "$peers"
chmod -R u+w "$peers"
DRAGONBOX_REPO="$dragonbox" "$peers/c-parts/build.sh"
"$peers/mhd-hello/build.sh"
swift build -c release --product backprop-server >"$logs/swift-build.log" 2>&1 \
  || { tail -20 "$logs/swift-build.log" >&2; die "swift build -c release failed"; }
(cd bench && swift build -c release) >"$logs/bench-build.log" 2>&1 \
  || { tail -20 "$logs/bench-build.log" >&2; die "the bench package did not build"; }
after="$PWD/.build/release/backprop-server"
bench=bench/.build/release/backprop-bench
g++ -O3 -std=c++17 bench/simdjson/wire.cpp -lsimdjson -o "$out/simdjson-wire"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# The current orjson release; an offline run keeps the one installed if it is >= 3.13.
if ! timeout --foreground 600 "$venv/bin/pip" install -q --upgrade 'orjson>=3.13' numpy; then
  "$venv/bin/python" -c 'import sys, numpy, orjson
sys.exit(tuple(map(int, orjson.__version__.split(".")[:2])) < (3, 13))' 2>/dev/null \
    || die "cannot install orjson>=3.13 and numpy into $venv"
  echo "peers.sh: pip could not upgrade orjson; measuring the one installed" >&2
fi
orjson_version="$("$venv/bin/python" -c 'import orjson; print(orjson.__version__)')"
numpy_version="$("$venv/bin/python" -c 'import numpy; print(numpy.__version__)')"
[ -f "$out/matrix.json" ] || "$venv/bin/python" bench/numpy_ref.py make-wire "$out/matrix.json"

echo
echo "date $(date -u +%Y-%m-%dT%H:%M:%SZ)  loadavg $(cut -d' ' -f1-3 /proc/loadavg)  nproc $(nproc)"
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo ' (+ uncommitted changes)')"
echo "after:  $after"
[ -z "$before" ] || echo "before: $before"
echo "orjson $orjson_version, numpy $numpy_version ($venv); simdjson $(pkg-config --modversion simdjson)"

# compare NAME BINARY: the server and c-parts side by side on free ports, compare.py on the tiny and
# medium bodies; fails unless every number is bit-identical. Both stopped by PID.
mismatch=0
compare() {
  local name="$1" bin="$2" sport cport spid cpid status=0 report
  sport=$(free_port); cport=$(free_port)
  [ "$sport" != "$cport" ] || cport=$(free_port)
  start_server "$bin" --host 127.0.0.1 --port "$sport" --workers 2 >"$logs/compare-$name-server.log" 2>&1
  # shellcheck disable=SC2154 # server_pid: set by start_server (scripts/lib/server.sh)
  spid=$server_pid
  start_server "$peers/c-parts/server" "$cport" >"$logs/compare-$name-c-parts.log" 2>&1
  cpid=$server_pid
  for url in "http://127.0.0.1:$sport/v1/gradients" "http://127.0.0.1:$cport/v1/gradients"; do
    wait_ready "$url" --max-time 5 -H 'Content-Type: application/json' \
      --data-binary @"$peers/bodies/tiny.json" || die "$url did not answer (logs in $logs)"
  done
  report="$logs/compare-$name.txt"
  timeout --foreground 300 python3 "$peers/c-parts/compare.py" "http://127.0.0.1:$sport" "http://127.0.0.1:$cport" \
    >"$report" 2>&1 || status=$?
  stop_server "$spid"; stop_server "$cpid"
  echo
  echo "== compare.py, $name ($bin) against c-parts"
  cat "$report"
  # Lines "  KEY  N elements  B outside tolerance  S bit-identical ...": every N must equal S.
  if [ "$status" -ne 0 ] || awk '$3 == "elements" && $2 != $7 {bad = 1} END {exit !bad}' "$report"; then
    echo "compare.py, $name: NOT bit-identical (exit status $status; see above)"
    mismatch=1
  else
    echo "compare.py, $name: every number bit-identical"
  fi
}
[ -z "$before" ] || compare before "$before"
compare after "$after"

# http_bench NAME BINARY RUN: bench.sh for one binary; its own ports (free ones unless set), its own
# LOGDIR.
http_bench() {
  local name="$1" bin="$2" run="$3" sport cport xport
  sport=${SWIFT_PORT:-$(free_port)}; cport=${CP_PORT:-$(free_port)}; xport=${CEIL_PORT:-$(free_port)}
  echo
  echo "== c-parts/bench.sh, $name ($bin), run $run/$http_rounds"
  if ! SWIFT_BIN="$bin" SWIFT_PORT="$sport" CP_PORT="$cport" CEIL_PORT="$xport" LOGDIR="$logs/http-$name-$run" \
    timeout --foreground 1200 "$peers/c-parts/bench.sh" | tee "$logs/http-$name-$run.txt"; then
    die "bench.sh failed for $name (logs in $logs/http-$name-$run)"
  fi
}
for run in $(seq "$http_rounds"); do
  [ -z "$before" ] || http_bench before "$before" "$run"
  http_bench after "$after" "$run"
done

echo
echo "== wire: $rounds interleaved rounds (ours 1 thread, simdjson, orjson; each a median of 5 repeats)"
results="$logs/wire.jsonl"; : >"$results"
for r in $(seq "$rounds"); do
  echo "round $r/$rounds" >&2
  {
    timeout --foreground 600 "$bench" wire "$out/matrix.json" 5
    timeout --foreground 600 "$out/simdjson-wire" "$out/matrix.json" 5
    OPENBLAS_NUM_THREADS=1 timeout --foreground 600 "$venv/bin/python" bench/numpy_ref.py wire "$out/matrix.json" 5
  } >>"$results"
done
"$venv/bin/python" - "$results" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ours = [r for r in rows if r["bench"] == "wire"]
dom = [r for r in rows if r["bench"] == "simdjson-wire" and r["mode"] == "dom"]
od = [r for r in rows if r["bench"] == "simdjson-wire" and r["mode"] == "ondemand"]
orj = [r for r in rows if r["bench"] == "orjson-wire"]
print(f"matrix {ours[0]['bytes']} bytes; MB/s per round:")
print("round   ours read  ours write  simdjson DOM  simdjson on-demand  orjson read  orjson write")
for i, (a, d, o, j) in enumerate(zip(ours, dom, od, orj), 1):
    print(f"{i:5d} {a['parse_mb_s']:11.0f} {a['write_mb_s']:11.0f} {d['parse_mb_s']:13.0f} "
          f"{o['parse_mb_s']:19.0f} {j['parse_mb_s']:12.0f} {j['write_mb_s']:13.0f}")
med = lambda xs, f: statistics.median(x[f] for x in xs)
print(f"median {med(ours, 'parse_mb_s'):10.0f} {med(ours, 'write_mb_s'):11.0f} {med(dom, 'parse_mb_s'):13.0f} "
      f"{med(od, 'parse_mb_s'):19.0f} {med(orj, 'parse_mb_s'):12.0f} {med(orj, 'write_mb_s'):13.0f}")
ratio = lambda xs, f, ys, g: statistics.median(x[f] / y[g] for x, y in zip(xs, ys))
print("ratios (within each round, median over rounds):")
print(f"  ours write / orjson write      {ratio(ours, 'write_mb_s', orj, 'write_mb_s'):.2f}")
print(f"  ours read  / simdjson DOM read {ratio(ours, 'parse_mb_s', dom, 'parse_mb_s'):.2f}"
      f"   (on-demand: {ratio(ours, 'parse_mb_s', od, 'parse_mb_s'):.2f})")
print(f"  ours read  / orjson read       {ratio(ours, 'parse_mb_s', orj, 'parse_mb_s'):.2f}")
print(f"orjson {orj[0]['orjson']}")
EOF

echo
echo "== summary (bench.sh's medians in req/s, run by run; logs in $logs)"
for run in $(seq "$http_rounds"); do
  for name in before after; do
    [ -f "$logs/http-$name-$run.txt" ] || continue
    awk -v n="$name $run" '/^(tiny|medium) +\(/ {
      printf "%-8s %-6s swift %9s  c-parts %9s  ceiling %9s  swift/c-parts %s  c-parts/ceiling %s\n", n, $1, $4, $5, $6, $7, $8
    }' "$logs/http-$name-$run.txt"
  done
done
median() { sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for name in before after; do
  [ -f "$logs/http-$name-1.txt" ] || continue
  line="swift/c-parts, $name, median of $http_rounds run(s):"
  for body in tiny medium; do
    line+=" $body $(for run in $(seq "$http_rounds"); do
      awk -v b="$body" '$1 == b && $2 ~ /^\(/ {print $7}' "$logs/http-$name-$run.txt"
    done | median)"
  done
  echo "$line"
done
echo "loadavg at end $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$mismatch" -ne 0 ]; then
  die "compare.py found answers that are not bit-identical (see above)"
fi
