#!/usr/bin/env python3
"""The references bench/run.sh sets beside backprop-bench, run in the same session:
  numpy_ref.py compute REPEATS   forward+backward in numpy for the same shapes (relu hidden, softmax +
                                 cross-entropy output), median seconds, one JSON line per shape and dtype
  numpy_ref.py peak              1024x1024 matmul, one thread
  numpy_ref.py wire FILE REPEATS orjson.loads + np.asarray, and orjson.dumps of the ndarray, on FILE
  numpy_ref.py base64 MB REPEATS Python's base64 (C, binascii) encode and decode of MB random bytes
  numpy_ref.py make-wire FILE    writes a 1024x1024 standard-normal matrix as nested JSON (shortest repr)
numpy runs with its own bundled OpenBLAS, one thread (OPENBLAS_NUM_THREADS=1 set by bench/run.sh).
"""
import json
import sys
import time

import numpy as np

SHAPES = [("tiny", [4, 8, 8, 2], 32), ("medium", [784, 256, 128, 10], 64), ("large", [1024, 1024, 1024, 10], 256)]


def flops(widths, batch):
    return sum(2 * widths[l] * widths[l - 1] * batch * (2 if l == 1 else 3) for l in range(1, len(widths)))


def step(Ws, bs, X, Y):
    A = [X]
    Z = []
    for l, (W, b) in enumerate(zip(Ws, bs)):
        z = A[-1] @ W.T + b
        Z.append(z)
        if l == len(Ws) - 1:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            A.append(e / e.sum(axis=1, keepdims=True))
        else:
            A.append(np.maximum(z, 0))
    B = X.shape[0]
    delta = (A[-1] - Y) / B
    grads = []
    for l in range(len(Ws) - 1, -1, -1):
        grads.append((delta.T @ A[l], delta.sum(axis=0)))
        if l > 0:
            delta = (delta @ Ws[l]) * (Z[l - 1] > 0)
    return grads


def compute(repeats):
    rng = np.random.default_rng(42)
    for dtype in (np.float32, np.float64):
        for name, widths, batch in SHAPES:
            Ws = [(rng.uniform(-1, 1, (widths[l], widths[l - 1])) / np.sqrt(widths[l - 1])).astype(dtype) for l in range(1, len(widths))]
            bs = [np.zeros(widths[l], dtype) for l in range(1, len(widths))]
            X = rng.uniform(-1, 1, (batch, widths[0])).astype(dtype)
            Y = np.zeros((batch, widths[-1]), dtype)
            Y[np.arange(batch), np.arange(batch) % widths[-1]] = 1
            iterations = {"tiny": 2000, "medium": 50, "large": 5}[name]
            times = []
            for r in range(repeats + 1):
                t = time.perf_counter()
                for _ in range(iterations):
                    step(Ws, bs, X, Y)
                if r:
                    times.append((time.perf_counter() - t) / iterations)
            m = sorted(times)[len(times) // 2]
            print(json.dumps({"bench": "numpy-compute", "shape": name, "dtype": "float32" if dtype == np.float32 else "float64",
                              "median_s": m, "gflops": flops(widths, batch) / m / 1e9}))


def peak():
    for dtype in (np.float32, np.float64):
        a = np.full((1024, 1024), 0.5, dtype)
        times = []
        for _ in range(7):
            t = time.perf_counter()
            a @ a
            times.append(time.perf_counter() - t)
        m = sorted(times)[3]
        print(json.dumps({"bench": "numpy-peak", "dtype": "float32" if dtype == np.float32 else "float64",
                          "gflops": 2 * 1024 ** 3 / m / 1e9}))


def base64_codec(megabytes, repeats):
    import base64
    import os
    raw = os.urandom(megabytes << 20)
    enc, dec = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        text = base64.b64encode(raw)
        enc.append(time.perf_counter() - t)
    for _ in range(repeats):
        t = time.perf_counter()
        back = base64.b64decode(text)
        dec.append(time.perf_counter() - t)
    assert back == raw
    mb = len(text) / 1e6
    print(json.dumps({"bench": "python-base64", "text_bytes": len(text), "encode_text_mb_s": mb / sorted(enc)[len(enc) // 2],
                      "decode_text_mb_s": mb / sorted(dec)[len(dec) // 2]}))


def wire(path, repeats):
    import orjson
    data = open(path, "rb").read()
    parse, write = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        m = np.asarray(orjson.loads(data), dtype=np.float64)
        parse.append(time.perf_counter() - t)
    for _ in range(repeats):
        t = time.perf_counter()
        out = orjson.dumps(m, option=orjson.OPT_SERIALIZE_NUMPY)
        write.append(time.perf_counter() - t)
    med = lambda xs: sorted(xs)[len(xs) // 2]
    print(json.dumps({"bench": "orjson-wire", "bytes": len(data), "parse_mb_s": len(data) / 1e6 / med(parse),
                      "write_mb_s": len(out) / 1e6 / med(write), "orjson": orjson.__version__}))


def make_wire(path):
    import orjson
    m = np.random.default_rng(1).standard_normal((1024, 1024))
    open(path, "wb").write(orjson.dumps(m.tolist()))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "compute":
        compute(int(sys.argv[2]) if len(sys.argv) > 2 else 5)
    elif cmd == "peak":
        peak()
    elif cmd == "wire":
        wire(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5)
    elif cmd == "base64":
        base64_codec(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 5)
    elif cmd == "make-wire":
        make_wire(sys.argv[2])
