#!/usr/bin/env python3
"""Records a server's answers to a fixed set of requests, to compare two builds bit for bit.

A refactor must not change what a client sees. This starts the given binary on a free loopback
port, sends every case below (valid requests in every encoding and dtype, and the mistakes people
make: typos, wrong shapes, bad values, wrong headers), and writes one JSON line per case: the
status, the headers a client reads, and the body's SHA-256 (with the body itself when it is short).
Run it on the build before and after a change, then `diff` the two files.

Usage: scripts/answers.py BINARY OUT.jsonl
"""
import base64
import glob
import hashlib
import http.client
import json
import os
import socket
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADERS_KEPT = ("content-type", "inference-header-content-length", "allow", "retry-after", "www-authenticate")

EXAMPLE = {
    "network": {"layers": [
        {"weights": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "biases": [0, 0, 0], "activation": "sigmoid"},
        {"weights": [[0.7, 0.8, 0.9]], "activation": "identity"}]},
    "batch": {"inputs": [[1, 2], [3, 4]], "targets": [[1], [0]]},
    "loss": "quadratic",
}


def with_(path, value, base=EXAMPLE):
    """A deep copy of `base` with the member at `path` (a list of keys/indices) set, or removed if value is DELETE."""
    doc = json.loads(json.dumps(base))
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


DELETE = object()


def b64(values, fmt):
    return base64.b64encode(struct.pack("<%d%s" % (len(values), fmt), *values)).decode()


def binary_body(doc, tensors):
    """A binary body: the JSON part, then the raw bytes of `tensors` in order."""
    part = json.dumps(doc).encode()
    return part + b"".join(tensors), {"Content-Type": "application/octet-stream",
                                      "Inference-Header-Content-Length": str(len(part))}


def cases():
    js = {"Content-Type": "application/json"}
    out = []

    def post(name, doc, path="/v1/gradients", headers=js, raw=None):
        out.append((name, "POST", path, raw if raw is not None else json.dumps(doc).encode(), headers))

    for op in ("gradients", "forward", "gradcheck"):
        post(f"example {op}", EXAMPLE, f"/v1/{op}")
    for enc in ("nested", "flat", "base64", "binary"):
        for dtype in ("float64", "float32"):
            post(f"encoding {enc} {dtype}", with_(["options"], {
                "encoding": enc, "dtype": dtype, "explain": True,
                "include": ["delta", "weightGradient", "biasGradient", "preactivation", "activation", "inputGradient"]}))
            post(f"forward {enc} {dtype}", with_(["options"], {
                "encoding": enc, "dtype": dtype, "include": ["preactivation", "activation"]}), "/v1/forward")
    for act in ("identity", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu", "silu", "softmax"):
        post(f"activation {act}", with_(["network", "layers", 0, "activation"], act))
        post(f"output {act}", with_(["network", "layers", 1, "activation"], act))
    for loss in ("quadratic", "mse", "cross_entropy", "binary_cross_entropy", "hinge"):
        post(f"loss {loss}", with_(["loss"], loss))
        post(f"loss {loss} sum", with_(["options"], {"reduction": "sum"}, with_(["loss"], loss)))
    ce = with_(["network", "layers", 1], {"weights": [[0.7, 0.8, 0.9], [0.1, -0.2, 0.3]], "activation": "softmax"},
               with_(["loss"], "cross_entropy"))
    post("cross entropy softmax targets", with_(["batch", "targets"], [[1, 0], [0.25, 0.75]], ce))
    post("cross entropy labels", with_(["batch"], {"inputs": [[1, 2], [3, 4]], "labels": [1, 0]}, ce))
    post("labels out of range", with_(["batch"], {"inputs": [[1, 2], [3, 4]], "labels": [1, 2]}, ce))
    post("labels not integer", with_(["batch"], {"inputs": [[1, 2], [3, 4]], "labels": [1, 0.5]}, ce))
    post("labels with quadratic", with_(["batch"], {"inputs": [[1, 2], [3, 4]], "labels": [0, 0]}))
    post("labels and targets", with_(["batch", "labels"], [0, 0]))
    post("leaky alpha", with_(["network", "layers", 0], {"weights": [[0.1, 0.2]] * 3, "activation": "leaky_relu", "alpha": 0.2}))
    post("elu alpha", with_(["network", "layers", 0], {"weights": [[0.1, 0.2]] * 3, "activation": "elu", "alpha": 0.5}))
    post("alpha on relu", with_(["network", "layers", 0, "alpha"], 0.2))
    post("alpha not number", with_(["network", "layers", 0], {"weights": [[0.1, 0.2]] * 3, "activation": "elu", "alpha": "x"}))
    post("unknown activation", with_(["network", "layers", 0, "activation"], "sigmod"))
    post("activation not string", with_(["network", "layers", 0, "activation"], 3))
    post("softmax hidden", with_(["network", "layers", 0, "activation"], "softmax"))
    post("ce with sigmoid output", with_(["network", "layers", 1, "activation"], "sigmoid", with_(["loss"], "cross_entropy")))
    post("bce with relu output", with_(["network", "layers", 1, "activation"], "relu", with_(["loss"], "binary_cross_entropy")))
    post("layers do not chain", with_(["network", "layers", 1, "weights"], [[0.7, 0.8]]))
    post("bias count", with_(["network", "layers", 0, "biases"], [0, 0]))
    post("input width", with_(["batch", "inputs"], [[1, 2, 3], [3, 4, 5]]))
    post("target shape", with_(["batch", "targets"], [[1, 2], [0, 1]]))
    post("target rows", with_(["batch", "targets"], [[1]]))
    post("ragged rows", with_(["batch", "inputs"], [[1, 2], [3]]))
    post("empty row", with_(["batch", "inputs"], [[], []]))
    post("empty matrix", with_(["batch", "inputs"], []))
    post("vector for matrix", with_(["batch", "inputs"], [1, 2]))
    post("string in matrix", with_(["batch", "inputs"], [[1, "2"], [3, 4]]))
    post("overflow", with_(["batch", "inputs"], [[1e400, 2], [3, 4]]))
    post("float32 overflow", with_(["options"], {"dtype": "float32"}, with_(["batch", "inputs"], [[1e39, 2], [3, 4]])))
    post("forward overflow", with_(["network", "layers", 0, "weights"], [[1e300, 1e300]] * 3, with_(["network", "layers", 1, "activation"], "identity")))
    post("gradient overflow", with_(["batch", "inputs"], [[1e200, 2], [3, 4]]))
    post("unknown root field", with_(["option"], {}))
    post("unknown layer field", with_(["network", "layers", 0, "bias"], [0, 0, 0]))
    post("unknown network field", with_(["network", "layer"], []))
    post("unknown batch field", with_(["batch", "target"], []))
    post("unknown option", with_(["options"], {"dtypes": "float32"}))
    post("bad reduction", with_(["options"], {"reduction": "avg"}))
    post("bad dtype", with_(["options"], {"dtype": "float16"}))
    post("bad encoding", with_(["options"], {"encoding": "hex"}))
    post("bad include", with_(["options"], {"include": ["deltas"]}))
    post("include not array", with_(["options"], {"include": "delta"}))
    post("explain not bool", with_(["options"], {"explain": 1}))
    post("options not object", with_(["options"], []))
    post("forward include delta", with_(["options"], {"include": ["delta"]}), "/v1/forward")
    post("forward explain", with_(["options"], {"explain": True}), "/v1/forward")
    post("forward no targets", with_(["batch"], {"inputs": [[1, 2]]}, with_(["loss"], DELETE)), "/v1/forward")
    post("forward targets no loss", with_(["loss"], DELETE), "/v1/forward")
    post("missing loss", with_(["loss"], DELETE))
    post("missing network", with_(["network"], DELETE))
    post("missing batch", with_(["batch"], DELETE))
    post("missing targets", with_(["batch", "targets"], DELETE))
    post("missing weights", with_(["network", "layers", 0, "weights"], DELETE))
    post("no layers", with_(["network", "layers"], []))
    post("layers not array", with_(["network", "layers"], {}))
    post("network not object", with_(["network"], []))
    post("layer not object", with_(["network", "layers", 0], 3))
    post("body not object", [1, 2])
    post("gradcheck eps", dict(EXAMPLE, epsilon=1e-5, atol=0, rtol=1e-2), "/v1/gradcheck")
    post("gradcheck bad eps", dict(EXAMPLE, epsilon=0), "/v1/gradcheck")
    post("gradcheck float32", with_(["options"], {"dtype": "float32"}), "/v1/gradcheck")
    post("gradcheck encoding", with_(["options"], {"encoding": "flat"}), "/v1/gradcheck")
    post("epsilon on gradients", dict(EXAMPLE, epsilon=1e-5))
    post("flat tensors", with_(["network", "layers", 0, "weights"], {"shape": [3, 2], "data": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}))
    post("flat wrong count", with_(["network", "layers", 0, "weights"], {"shape": [3, 2], "data": [0.1, 0.2]}))
    post("flat bad shape", with_(["network", "layers", 0, "weights"], {"shape": [3, 0], "data": []}))
    post("flat shape rank", with_(["network", "layers", 0, "weights"], {"shape": [6], "data": [1] * 6}))
    post("flat unknown field", with_(["network", "layers", 0, "weights"], {"shape": [3, 2], "data": [1] * 6, "order": "C"}))
    post("flat no shape", with_(["network", "layers", 0, "weights"], {"data": [1] * 6}))
    post("flat bias", with_(["network", "layers", 0, "biases"], {"shape": [3], "data": [1, 2, 3]}))
    post("huge shape", with_(["network", "layers", 0, "weights"], {"shape": [100000, 100000], "data": [1]}))
    for fmt, dtype in (("d", "float64"), ("f", "float32")):
        post(f"base64 {dtype}", with_(["network", "layers", 0, "weights"],
                                      {"shape": [3, 2], "dtype": dtype, "base64": b64([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], fmt)}))
    post("base64 short", with_(["network", "layers", 0, "weights"], {"shape": [3, 2], "dtype": "float64", "base64": b64([0.1] * 5, "d")}))
    post("base64 bad char", with_(["network", "layers", 0, "weights"], {"shape": [1, 2], "dtype": "float64", "base64": "!!!!" * 4}))
    post("base64 no dtype", with_(["network", "layers", 0, "weights"], {"shape": [3, 2], "base64": b64([0.1] * 6, "d")}))
    post("base64 nan", with_(["batch", "inputs"], {"shape": [2, 2], "dtype": "float64", "base64": b64([1, float("nan"), 3, 4], "d")}))
    post("data and base64", with_(["batch", "inputs"], {"shape": [2, 2], "data": [1, 2, 3, 4], "dtype": "float64", "base64": ""}))
    # Binary bodies.
    w = {"shape": [3, 2], "dtype": "float32", "binaryDataSize": 24}
    x = {"shape": [2, 2], "dtype": "float64", "binaryDataSize": 32}
    doc = with_(["batch", "inputs"], x, with_(["network", "layers", 0, "weights"], w))
    tensors = [struct.pack("<6f", 0.1, 0.2, 0.3, 0.4, 0.5, 0.6), struct.pack("<4d", 1, 2, 3, 4)]
    for enc in ("nested", "binary"):
        body, h = binary_body(with_(["options"], {"encoding": enc}, doc), tensors)
        post(f"binary body {enc}", None, headers=h, raw=body)
    body, h = binary_body(doc, tensors[:1])
    post("binary sizes short", None, headers=h, raw=body)
    body, h = binary_body(doc, tensors + [b"x"])
    post("binary sizes long", None, headers=h, raw=body)
    body, h = binary_body(doc, tensors)
    post("binary no header", None, headers={"Content-Type": "application/octet-stream"}, raw=body)
    post("binary bad header", None, headers={"Content-Type": "application/octet-stream",
                                             "Inference-Header-Content-Length": "-4"}, raw=body)
    post("binary header past body", None, headers={"Content-Type": "application/octet-stream",
                                                   "Inference-Header-Content-Length": str(len(body) + 10)}, raw=body)
    post("binaryDataSize in json body", doc)
    post("json with binary header", EXAMPLE, headers={"Content-Type": "application/json",
                                                      "Inference-Header-Content-Length": str(len(json.dumps(EXAMPLE)))})
    post("json charset", EXAMPLE, headers={"Content-Type": "application/json; charset=utf-8"})
    post("json upper case", EXAMPLE, headers={"Content-Type": "Application/JSON"})
    post("text plain", EXAMPLE, headers={"Content-Type": "text/plain"})
    post("no content type", EXAMPLE, headers={})
    post("malformed", None, raw=b'{"network": ')
    post("trailing garbage", None, raw=json.dumps(EXAMPLE).encode() + b" x")
    post("deep nesting", None, raw=b"[" * 100 + b"]" * 100)
    for path in sorted(glob.glob(os.path.join(ROOT, "Tests/Fuzz/corpus/*"))):
        raw = open(path, "rb").read()
        for op in ("gradients", "forward", "gradcheck"):
            post(f"corpus {os.path.basename(path)} {op}", None, f"/v1/{op}", raw=raw)
    fixtures = json.load(open(os.path.join(ROOT, "Tests/GradientServiceTests/Fixtures/gradients.json")))
    for i, case in enumerate(fixtures["cases"]):
        if "request" in case:
            post(f"fixture {i}", case["request"])
    for method, path in (("GET", "/v1/gradients"), ("PUT", "/v1/forward"), ("GET", "/nope"), ("POST", "/livez"),
                         ("GET", "/livez"), ("GET", "/healthz"), ("HEAD", "/livez"), ("GET", "/readyz"),
                         ("GET", "/openapi.yaml"), ("DELETE", "/metrics")):
        out.append((f"{method} {path}", method, path, b"", {}))
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    binary, target = sys.argv[1], sys.argv[2]
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--log-level", "error"], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        with open(target, "w") as out:
            for name, method, path, body, headers in cases():
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request(method, path, body=body if method in ("POST", "PUT") else None, headers=headers)
                reply = conn.getresponse()
                data = reply.read()
                conn.close()
                record = {"case": name, "status": reply.status,
                          "headers": {k: reply.getheader(k) for k in HEADERS_KEPT if reply.getheader(k) is not None},
                          "sha256": hashlib.sha256(data).hexdigest()}
                if len(data) <= 600:
                    record["body"] = data.decode("latin1")
                out.write(json.dumps(record) + "\n")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
