#!/usr/bin/env python3
"""One medium request (784-256-128-10, batch 64, float64, labels) over /v1 with the Python client
(binary transport) and over /v2 with tritonclient (binary inputs and outputs), against the release
server; medians of 40 after 5 warm-ups, 3 rounds. Usage: .build-venv/bin/python bench/v2_vs_v1.py
(after `pip install ./clients/python` into that venv)."""
import os, sys, time, statistics
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts", "lib"))
os.environ.setdefault("BACKPROP_BIN", ".build/release/backprop-server")
from live_server import LiveServer
import tritonclient.http as triton
from backprop_client import Client
s = LiveServer()
rng = np.random.default_rng(0)
Ws = [rng.standard_normal((256, 784)) * 0.03, rng.standard_normal((128, 256)) * 0.06, rng.standard_normal((10, 128)) * 0.1]
X = rng.random((64, 784)); labels = rng.integers(0, 10, 64)
body = {"network": {"layers": [{"weights": Ws[0], "activation": "relu"}, {"weights": Ws[1], "activation": "relu"}, {"weights": Ws[2], "activation": "softmax"}]},
        "batch": {"inputs": X, "labels": labels}, "loss": "cross_entropy"}
c = Client(s.base)
t = triton.InferenceServerClient(s.host)
def inp(n, a, dt="FP64"):
    i = triton.InferInput(n, list(a.shape), dt); i.set_data_from_numpy(a); return i
v2in = [inp("W1", Ws[0]), inp("W2", Ws[1]), inp("W3", Ws[2]), inp("inputs", X), inp("labels", labels.astype(np.int64), "INT64")]
params = {"activations": "relu,relu,softmax", "loss": "cross_entropy"}
def timeit(f, n=40):
    for _ in range(5): f()
    xs = []
    for _ in range(n):
        a = time.perf_counter(); f(); xs.append(time.perf_counter() - a)
    return statistics.median(xs) * 1e3
for r in range(3):
    a = timeit(lambda: c.gradients(body, transport="binary"))
    b = timeit(lambda: t.infer("gradients", v2in, parameters=params))
    print(f"round {r}: v1 binary (backprop_client) {a:.2f} ms, v2 binary (tritonclient) {b:.2f} ms, v2/v1 {b/a:.2f}")
r1 = c.gradients(body, transport="binary"); r2 = t.infer("gradients", v2in, parameters=params)
print("equal:", np.array_equal(r1["layers"][0]["weightGradient"], r2.as_numpy("weightGradient1")))
s.stop()
