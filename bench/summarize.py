#!/usr/bin/env python3
"""Turns bench/out/results.jsonl (from bench/run.sh) into markdown tables with medians and ratios."""
import json
import statistics
import sys
from collections import defaultdict

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
by = defaultdict(list)
for r in rows:
    key = (r["bench"], r.get("shape"), r.get("dtype"), r.get("workers"))
    by[key].append(r)
med = lambda key, field: statistics.median(x[field] for x in by[key])

peak = {d: med(("peak", None, d, None), "gflops") for d in ("float32", "float64")}
npeak = {d: med(("numpy-peak", None, d, None), "gflops") for d in ("float32", "float64")}
print("### Compute only (forward + backward, in process, release, median of rounds)\n")
print("1024×1024 GEMM, one thread: sgemm %.1f GFLOP/s (numpy %.1f), dgemm %.1f (numpy %.1f).\n"
      % (peak["float32"], npeak["float32"], peak["float64"], npeak["float64"]))
print("| shape | dtype | ours 1 worker | GFLOP/s | % of peak | numpy | speed-up vs numpy | ours 2 workers | 2w / 1w |")
print("|---|---|---|---|---|---|---|---|---|")
for dtype in ("float32", "float64"):
    for shape in ("tiny", "medium", "large"):
        t1 = med(("compute", shape, dtype, 1), "median_s")
        t2 = med(("compute", shape, dtype, 2), "median_s")
        g1 = med(("compute", shape, dtype, 1), "gflops")
        tn = med(("numpy-compute", shape, dtype, None), "median_s")
        print(f"| {shape} | {dtype} | {t1 * 1e6:.1f} µs | {g1:.1f} | {100 * g1 / peak[dtype]:.0f}% | {tn * 1e6:.1f} µs | "
              f"{tn / t1:.2f}× | {t2 * 1e6:.1f} µs | {t1 / t2:.2f}× |")
w = ("wire", None, None, None)
o = ("orjson-wire", None, None, None)
print("\n### Wire only (20.6 MB nested 1024×1024 float64 matrix, median of rounds)\n")
print("| | ours MB/s | orjson MB/s | ratio |")
print("|---|---|---|---|")
for field, name in (("parse_mb_s", "read (to a contiguous float64 buffer)"), ("write_mb_s", "write (shortest round-trip)")):
    a, b = med(w, field), med(o, field)
    print(f"| {name} | {a:.0f} | {b:.0f} | {a / b:.2f} |")
