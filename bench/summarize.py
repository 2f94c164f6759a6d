#!/usr/bin/env python3
"""Turns bench/out/results.jsonl (from bench/run.sh) into markdown tables with medians and ratios."""
import json
import statistics
import sys
from collections import defaultdict

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
# Each round starts with our float32 peak: tag rows with their round, so every ratio below is
# taken between figures measured minutes apart (the machine's load moves between rounds) and the
# median of the per-round ratios is reported.
rnd = -1
for r in rows:
    if r["bench"] == "peak" and r["dtype"] == "float32":
        rnd += 1
    r["round"] = rnd
by = defaultdict(list)
for r in rows:
    key = (r["bench"], r.get("shape"), r.get("dtype"), r.get("workers", r.get("mode")))
    by[key].append(r)
med = lambda key, field: statistics.median(x[field] for x in by[key])
rounds = range(rnd + 1)


def at(key, field, i):
    return next(x[field] for x in by[key] if x["round"] == i)


def ratio(f):
    return statistics.median(f(i) for i in rounds)


peaks = {d: [at(("peak", None, d, None), "gflops", i) for i in rounds] for d in ("float32", "float64")}
npeaks = {d: [at(("numpy-peak", None, d, None), "gflops", i) for i in rounds] for d in ("float32", "float64")}
print("### Compute only (forward + backward, in process, release, median of rounds)\n")
print("1024×1024 GEMM, one thread, per round: sgemm %s GFLOP/s (numpy %s), dgemm %s (numpy %s). "
      "Ratios are taken within each round, then the median over rounds is shown.\n"
      % tuple("/".join(f"{g:.0f}" for g in x) for x in (peaks["float32"], npeaks["float32"], peaks["float64"], npeaks["float64"])))
print("| shape | dtype | ours 1 worker | GFLOP/s | % of peak | numpy | speed-up vs numpy | ours 2 workers | 2w / 1w |")
print("|---|---|---|---|---|---|---|---|---|")
for dtype in ("float32", "float64"):
    for shape in ("tiny", "medium", "large"):
        k1, k2, kn = ("compute", shape, dtype, 1), ("compute", shape, dtype, 2), ("numpy-compute", shape, dtype, None)
        t1, t2, tn, g1 = med(k1, "median_s"), med(k2, "median_s"), med(kn, "median_s"), med(k1, "gflops")
        of_peak = ratio(lambda i: at(k1, "gflops", i) / peaks[dtype][i])
        vs_numpy = ratio(lambda i: at(kn, "median_s", i) / at(k1, "median_s", i))
        scaling = ratio(lambda i: at(k1, "median_s", i) / at(k2, "median_s", i))
        print(f"| {shape} | {dtype} | {t1 * 1e6:.1f} µs | {g1:.1f} | {100 * of_peak:.0f}% | {tn * 1e6:.1f} µs | "
              f"{vs_numpy:.2f}× | {t2 * 1e6:.1f} µs | {scaling:.2f}× |")
w1, w2 = ("wire", None, None, 1), ("wire", None, None, 2)
o = ("orjson-wire", None, None, None)
sd, so = ("simdjson-wire", None, None, "dom"), ("simdjson-wire", None, None, "ondemand")
print("\n### Wire only (20.6 MB nested 1024×1024 float64 matrix, median of rounds)\n")
print("Read: text to one contiguous float64 buffer (ours: parse + tensor decode; orjson: `loads` + "
      "`np.asarray`; simdjson 3.0.1 (Debian), bench/simdjson/wire.cpp: parse + copy every number into "
      "a `std::vector<double>`). Write: shortest round-trip text (orjson: `dumps` with "
      "`OPT_SERIALIZE_NUMPY`). Ratios are taken within each round, then the median over rounds.\n")
print("| | ours, 1 thread | ours, 2 threads | orjson | simdjson DOM | simdjson on-demand | "
      "ours (1 thread) / orjson | ours (1 thread) / simdjson DOM |")
print("|---|---|---|---|---|---|---|---|")
for field, name in (("parse_mb_s", "read MB/s"), ("write_mb_s", "write MB/s")):
    reading = field == "parse_mb_s"
    vs_o = ratio(lambda i: at(w1, field, i) / at(o, field, i))
    vs_s = f"{ratio(lambda i: at(w1, field, i) / at(sd, field, i)):.2f}" if reading and by[sd] else "–"
    simd = f"{med(sd, field):.0f} | {med(so, field):.0f}" if reading and by[sd] else "– | –"
    print(f"| {name} | {med(w1, field):.0f} | {med(w2, field):.0f} | {med(o, field):.0f} | {simd} | "
          f"{vs_o:.2f} | {vs_s} |")

b1, b2, pb = ("base64", None, None, 1), ("base64", None, None, 2), ("python-base64", None, None, None)
if by[b1] and by[pb]:
    print("\n### Base64 codec (20 MiB of random bytes, 28 MB of text; MB/s of text, median of rounds)\n")
    print("| | ours, 1 thread | ours, 2 threads | Python base64 (C) | 1 thread / Python | parse as a JSON string, 1 thread |")
    print("|---|---|---|---|---|---|")
    for field, name in (("decode_text_mb_s", "decode"), ("encode_text_mb_s", "encode")):
        scan = f"{med(b1, 'parse_text_mb_s'):.0f}" if field == "decode_text_mb_s" else ""
        print(f"| {name} | {med(b1, field):.0f} | {med(b2, field):.0f} | {med(pb, field):.0f} | "
              f"{ratio(lambda i: at(b1, field, i) / at(pb, field, i)):.1f}× | {scan} |")
