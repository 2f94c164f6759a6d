#!/usr/bin/env bash
# Runs every benchmark with its reference in the same session and prints markdown for
# bench/RESULTS.md: compute (backprop-bench vs numpy, and sgemm peak), wire (vs orjson and simdjson), the
# base64 codec (vs Python's C one), HTTP (vs raw libmicrohttpd). Benchmarks are not tests; CI does not run this.
# Usage: bench/run.sh [ROUNDS]   (default 3 interleaved rounds; medians reported)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
. bench/http/common.sh
(cd bench && swift build -c release >/dev/null)
bench=bench/.build/release/backprop-bench
# The C++ reference reader over simdjson (Debian libsimdjson-dev), built here from bench/simdjson.
dpkg -s libsimdjson-dev >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y libsimdjson-dev g++ >/dev/null; }
g++ -O3 -std=c++17 bench/simdjson/wire.cpp -lsimdjson -o "$out/simdjson-wire"
[ -f "$out/matrix.json" ] || python3 bench/numpy_ref.py make-wire "$out/matrix.json"
results="$out/results.jsonl"; : > "$results"
for r in $(seq "$rounds"); do
  echo "round $r/$rounds" >&2
  "$bench" peak >> "$results"
  python3 bench/numpy_ref.py peak >> "$results"
  "$bench" compute 5 >> "$results"
  python3 bench/numpy_ref.py compute 5 >> "$results"
  "$bench" wire "$out/matrix.json" 5 >> "$results"
  "$bench" wire "$out/matrix.json" 5 2 >> "$results"
  "$out/simdjson-wire" "$out/matrix.json" 5 >> "$results"
  python3 bench/numpy_ref.py wire "$out/matrix.json" 5 >> "$results"
  "$bench" base64 20 5 >> "$results"
  python3 bench/numpy_ref.py base64 20 5 >> "$results"
done
python3 bench/summarize.py "$results"
echo
echo "### HTTP (wrk, 1 thread, 6 s per case; the server and raw libmicrohttpd on the same 2 cores)"
echo
bench/http.sh 6
echo
echo "### One large request end to end, and memory (wrk, 1 connection, 8 s per case)"
echo
compute="$(python3 -c 'import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(statistics.median(r["median_s"] for r in rows if r["bench"] == "compute" and r["shape"] == "large" and r["dtype"] == "float64" and r["workers"] == 2))' "$results")"
bench/large.sh "$compute" 8
