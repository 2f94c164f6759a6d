#!/usr/bin/env bash
# Before/after for a refactor: two builds measured interleaved in the same minutes (before, after,
# before, after …), so the machine's drift hits both alike. Each build is a folder holding its
# release `backprop-server` and `backprop-bench` (copy them out of .build/release and
# bench/.build/release at each commit). Prints markdown tables for bench/RESULTS.md:
# compute (backprop-bench compute), wire (parse/write of bench/out/matrix.json) and HTTP
# (bench/http.sh's cases and wrk settings). Run scripts/answers.py on both servers for behaviour.
# Usage: bench/compare.sh BEFORE_DIR AFTER_DIR [ROUNDS] [HTTP_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
before="$1"; after="$2"; rounds="${3:-3}"; seconds="${4:-6}"
. bench/http/common.sh
[ -f "$out/matrix.json" ] || python3 bench/numpy_ref.py make-wire "$out/matrix.json"
results="$out/compare.jsonl"; : > "$results"
for r in $(seq "$rounds"); do
  for which in before after; do
    dir="$before"; [ "$which" = after ] && dir="$after"
    { "$dir/backprop-bench" compute 5; "$dir/backprop-bench" wire "$out/matrix.json" 5; } \
      | sed "s/^{/{\"build\":\"$which\",\"round\":$r,/" >> "$results"
  done
done
python3 - "$results" <<'PY'
import collections, json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
g = collections.defaultdict(list)
for r in rows:
    if r["bench"] == "compute":
        g[(r["shape"], r["dtype"], r["workers"], r["build"])].append(r["median_s"])
print("| shape | dtype | workers | before | after | after / before (medians) |")
print("|---|---|---|---|---|---|")
order = {"tiny": 0, "medium": 1, "large": 2}
for k in sorted({k[:3] for k in g}, key=lambda k: (order[k[0]], k[1], k[2])):
    b, a = g[k + ("before",)], g[k + ("after",)]
    unit, u = (1e6, "µs") if k[0] == "tiny" else (1e3, "ms")
    fmt = lambda xs: ", ".join(f"{x * unit:.2f}" for x in xs) + " " + u
    print(f"| {k[0]} | {k[1]} | {k[2]} | {fmt(b)} | {fmt(a)} | {statistics.median(a) / statistics.median(b):.3f} |")
print()
print("| build | parse MB/s (rounds) | write MB/s (rounds) |")
print("|---|---|---|")
for which in ("before", "after"):
    w = [r for r in rows if r["bench"] == "wire" and r["build"] == which]
    print(f"| {which} | {', '.join(str(round(r['parse_mb_s'])) for r in w)} | {', '.join(str(round(r['write_mb_s'])) for r in w)} |")
PY
echo
echo "| case | conns | round | before req/s | before p50 / p99 ms | after req/s | after p50 / p99 ms | after / before |"
echo "|---|---|---|---|---|---|---|---|"
for r in $(seq 2); do
  for case in $http_cases; do
    request "$case"
    conns="$(connections "$case")"
    declare -A rps p50 p99
    for which in before after; do
      dir="$before"; [ "$which" = after ] && dir="$after"
      p="$(free_port)"
      start_server "$dir/backprop-server" --port "$p" --log-level error --max-body-bytes 100000000 --queue-capacity 256
      s=$server_pid
      wait_up "$p"
      line="$(run_wrk "$p" "$conns" "$seconds")"
      stop_server "$s"
      rps[$which]="$(field "$line" rps)"; p50[$which]="$(field "$line" p50_ms)"; p99[$which]="$(field "$line" p99_ms)"
    done
    printf "| %s | %s | %s | %s | %s / %s | %s | %s / %s | %.2f |\n" "$case" "$conns" "$r" "${rps[before]}" \
      "${p50[before]}" "${p99[before]}" "${rps[after]}" "${p50[after]}" "${p99[after]}" \
      "$(echo "${rps[after]} / ${rps[before]}" | bc -l)"
  done
done
