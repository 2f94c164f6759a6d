#!/usr/bin/env python3
"""Writes the benchmark requests: tiny (4-8-8-2, B=32), medium (784-256-128-10, B=64) and large
(1024-1024-1024-10, B=256), relu hidden layers, softmax + cross-entropy with labels, each in the
nested, base64 and binary encodings (requests and responses alike). Usage: make_requests.py OUTDIR"""
import base64
import json
import sys

import numpy as np

SHAPES = [("tiny", [4, 8, 8, 2], 32), ("medium", [784, 256, 128, 10], 64), ("large", [1024, 1024, 1024, 10], 256)]


def tensor(m, encoding):
    if encoding == "nested":
        return m.tolist()
    return {"shape": list(m.shape), "dtype": "float64", "base64": base64.b64encode(m.astype("<f8").tobytes()).decode()}


def main(out):
    rng = np.random.default_rng(3)
    for name, widths, batch in SHAPES:
        Ws = [rng.uniform(-1, 1, (widths[l], widths[l - 1])) / np.sqrt(widths[l - 1]) for l in range(1, len(widths))]
        X = rng.uniform(-1, 1, (batch, widths[0]))
        labels = [int(i % widths[-1]) for i in range(batch)]
        for encoding in ("nested", "base64"):
            layers = [{"weights": tensor(W, encoding), "activation": "softmax" if l == len(Ws) - 1 else "relu"}
                      for l, W in enumerate(Ws)]
            body = {"network": {"layers": layers}, "batch": {"inputs": tensor(X, encoding), "labels": labels},
                    "loss": "cross_entropy", "options": {"encoding": encoding}}
            with open(f"{out}/{name}-{encoding}.json", "w") as f:
                json.dump(body, f)
        # Binary body: JSON part, then the float64 bytes of W^1..W^L and the inputs, in document order.
        blobs = []

        def binary(m):
            blobs.append(m.astype("<f8").tobytes())
            return {"shape": list(m.shape), "dtype": "float64", "binaryDataSize": m.size * 8}

        layers = [{"weights": binary(W), "activation": "softmax" if l == len(Ws) - 1 else "relu"} for l, W in enumerate(Ws)]
        head = json.dumps({"network": {"layers": layers}, "batch": {"inputs": binary(X), "labels": labels},
                           "loss": "cross_entropy", "options": {"encoding": "binary"}}).encode()
        with open(f"{out}/{name}-binary.json", "wb") as f:
            f.write(head + b"".join(blobs))
        with open(f"{out}/{name}-binary.len", "w") as f:
            f.write(str(len(head)))
        # The same request over the Open Inference Protocol: W1..WL and inputs as FP64 bytes, labels
        # as INT64 bytes, every output binary (what tritonclient sends when it names no outputs).
        v2 = [(f"W{l + 1}", W, "FP64") for l, W in enumerate(Ws)] + [("inputs", X, "FP64")]
        v2.append(("labels", np.asarray(labels, dtype="<i8"), "INT64"))
        inputs = [{"name": n, "datatype": dt, "shape": list(m.shape),
                   "parameters": {"binary_data_size": m.size * 8}} for n, m, dt in v2]
        activations = ",".join("softmax" if l == len(Ws) - 1 else "relu" for l in range(len(Ws)))
        head = json.dumps({"inputs": inputs, "parameters": {"activations": activations, "loss": "cross_entropy",
                                                            "binary_data_output": True}}).encode()
        with open(f"{out}/{name}-v2binary.json", "wb") as f:
            f.write(head + b"".join(m.astype("<f8" if dt == "FP64" else "<i8").tobytes() for _, m, dt in v2))
        with open(f"{out}/{name}-v2binary.len", "w") as f:
            f.write(str(len(head)))


if __name__ == "__main__":
    main(sys.argv[1])
