#!/usr/bin/env bash
# /v1 against /v2 on the same request, before and after a change: the tiny and medium requests as
# nested JSON and binary bodies over /v1/gradients, and as binary bodies over
# /v2/models/gradients/infer (the same float64 tensors, labels as INT64 on /v2, every output
# binary), with wrk, both builds interleaved round by round so the machine's drift hits them alike.
# Then the peak RSS of one large binary request over each front end, each on a fresh server (VmHWM).
# Each build is a folder holding its release backprop-server.
# Usage: bench/v2.sh BEFORE_DIR AFTER_DIR [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
before="$1"; after="$2"; rounds="${3:-3}"; seconds="${4:-6}"
. bench/http/common.sh
results="$out/v2.jsonl"; : > "$results"
rss() { grep VmHWM "/proc/$1/status" | awk '{print $2}'; }
for r in $(seq "$rounds"); do
  for which in before after; do
    dir="$before"; [ "$which" = after ] && dir="$after"
    port=$(free_port)
    start_server "$dir/backprop-server" --port "$port" --log-level error
    wait_up "$port"
    for size in tiny medium; do
      for front in v1-nested v1 v2; do
        case_="$size-binary"; path=/v1/gradients
        [ "$front" = v1-nested ] && case_="$size-nested"
        [ "$front" = v2 ] && { case_="$size-v2binary"; path=/v2/models/gradients/infer; }
        request "$case_"
        line=$(run_wrk "$port" "$(connections "$size")" "$seconds" "$path")
        echo "{\"build\":\"$which\",\"round\":$r,\"size\":\"$size\",\"front\":\"$front\",\"rps\":$(field "$line" rps),\"non2xx\":$(field "$line" non2xx)}" >> "$results"
      done
    done
    stop_server "$server_pid"
    # Peak RSS of one large request per front end, each on its own fresh server.
    for front in v1 v2 v1-nested; do
      case_=large-binary; path=/v1/gradients
      [ "$front" = v1-nested ] && case_=large-nested
      [ "$front" = v2 ] && { case_=large-v2binary; path=/v2/models/gradients/infer; }
      request "$case_"
      port=$(free_port)
      start_server "$dir/backprop-server" --port "$port" --log-level error
      wait_up "$port"
      base=$(rss "$server_pid")
      status=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary "@$body" -H "Content-Type: $ctype" \
        ${extra:+-H "$extra"} "http://127.0.0.1:$port$path")
      echo "{\"build\":\"$which\",\"round\":$r,\"size\":\"large\",\"front\":\"$front\",\"status\":$status,\"rss_kb\":$(rss "$server_pid"),\"idle_kb\":$base}" >> "$results"
      stop_server "$server_pid"
    done
  done
done
python3 - "$results" <<'PY'
import collections, json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = lambda xs: statistics.median(xs) if xs else float("nan")
g = collections.defaultdict(list)
for r in rows:
    g[(r["size"], r["front"], r["build"], "rps" if "rps" in r else "rss")].append(r.get("rps", r.get("rss_kb")))
    assert r.get("non2xx", 0) == 0 and r.get("status", 200) == 200, r
print("| request | front end | before req/s | after req/s | after / before |")
print("|---|---|---|---|---|")
names = {"v1-nested": "/v1 nested JSON", "v1": "/v1 binary", "v2": "/v2 binary"}
for size in ("tiny", "medium"):
    for front in ("v1-nested", "v1", "v2"):
        b, a = med(g[(size, front, "before", "rps")]), med(g[(size, front, "after", "rps")])
        print(f"| {size} | {names[front]} | {b:.0f} | {a:.0f} | {a / b:.2f} |")
for size in ("tiny", "medium"):
    for build in ("before", "after"):
        v1, v2 = med(g[(size, "v1", build, "rps")]), med(g[(size, "v2", build, "rps")])
        print(f"\n{size}, {build}: /v2 binary / /v1 binary = {v2 / v1:.2f}", end="")
print("\n\n| large request, peak RSS (MiB) | /v1 binary | /v2 binary | /v2 / /v1 | /v1 nested JSON |")
print("|---|---|---|---|---|")
for build in ("before", "after"):
    v1, v2 = med(g[("large", "v1", build, "rss")]), med(g[("large", "v2", build, "rss")])
    nested = med(g[("large", "v1-nested", build, "rss")])
    print(f"| {build} | {v1 / 1024:.1f} | {v2 / 1024:.1f} | {v2 / v1:.2f} | {nested / 1024:.1f} |")
PY
