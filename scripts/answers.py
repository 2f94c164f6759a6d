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
    # Nested matrices are read in one pass into one buffer (issue 21); every way that pass gives
    # up must answer as the general reader does.
    post("ragged later row", with_(["batch", "inputs"], [[1, 2], [3, 4], [5, 6, 7]]))
    post("empty later row", with_(["batch", "inputs"], [[1, 2], []]))
    post("string in later row", with_(["batch", "inputs"], [[1, 2], [3, "4"]]))
    post("null in row", with_(["batch", "inputs"], [[1, 2], [None, 4]]))
    post("float32 overflow later", with_(["options"], {"dtype": "float32"}, with_(["batch", "inputs"], [[1, 2], [3, -1e39]])))
    post("three levels", with_(["batch", "inputs"], [[[1, 2]], [[3, 4]]]))
    post("matrix for biases", with_(["network", "layers", 0, "biases"], [[0, 0, 0]]))
    post("matrix for labels", with_(["batch"], {"inputs": [[1, 2], [3, 4]], "labels": [[1], [0]]}, ce))
    post("matrix for loss", with_(["loss"], [[1]]))
    post("matrix in include", with_(["options"], {"include": [[1, 2]]}))
    post("matrix for layers", with_(["network", "layers"], [[1, 2]]))
    post("shaped nested data", with_(["batch", "inputs"], {"shape": [2, 2], "data": [[1, 2], [3, 4]]}))
    post("shape as matrix", with_(["batch", "inputs"], {"shape": [[2, 2]], "data": [1, 2, 3, 4]}))
    spaced = json.dumps(EXAMPLE).replace('"inputs": [[1, 2], [3, 4]]', '"inputs": [ [ 1 , 2 ] ,\n [3,4] ]')
    post("spaced matrix", None, raw=spaced.encode())
    for name, text in (("trailing comma in row", "[[1, 2,], [3, 4]]"), ("trailing comma after row", "[[1, 2], [3, 4],]"),
                       ("unclosed matrix", "[[1, 2], [3, 4]"), ("rows without comma", "[[1, 2] [3, 4]]"),
                       ("bad number in row", "[[1, 2], [3, 4.]]"), ("NaN in row", "[[1, 2], [NaN, 4]]"),
                       ("literal overflow in later row", "[[1, 2], [3, 1e400]]")):
        body = json.dumps(EXAMPLE).replace('[[1, 2], [3, 4]]', text, 1)
        assert body != json.dumps(EXAMPLE)
        post(name, None, raw=body.encode())
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
    out.extend(v2_cases())
    return out


# The /v2 (Open Inference Protocol) cases: the README's 2-3-1 network as inference inputs.
V2_DATA = {"W1": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "b1": [0, 0, 0], "W2": [[0.7, 0.8, 0.9]],
           "inputs": [[1, 2], [3, 4]], "targets": [[1], [0]]}
V2_PARAMETERS = {"activations": "sigmoid,identity", "loss": "quadratic"}


def v2_shape(data):
    return [len(data), len(data[0])] if isinstance(data[0], list) else [len(data)]


def v2_flat(data):
    return [x for row in data for x in row] if isinstance(data[0], list) else list(data)


def v2_inputs(datatype="FP64", flat=False, names=("W1", "b1", "W2", "inputs", "targets")):
    """The example's inputs as JSON tensors (`data` nested or flat), in `names`' order."""
    return [{"name": n, "datatype": datatype, "shape": v2_shape(V2_DATA[n]),
             "data": v2_flat(V2_DATA[n]) if flat else V2_DATA[n]} for n in names]


V2 = {"inputs": v2_inputs(), "parameters": V2_PARAMETERS}
# Softmax output over two classes, for labels: W2 has two rows.
V2_CE = {"inputs": [
    {"name": "W1", "datatype": "FP64", "shape": [3, 2], "data": V2_DATA["W1"]},
    {"name": "W2", "datatype": "FP64", "shape": [2, 3], "data": [[0.7, 0.8, 0.9], [0.1, -0.2, 0.3]]},
    {"name": "inputs", "datatype": "FP64", "shape": [2, 2], "data": V2_DATA["inputs"]},
    {"name": "labels", "datatype": "INT64", "shape": [2], "data": [1, 0]}],
    "parameters": {"activations": "sigmoid,softmax", "loss": "cross_entropy"}}


def v2_binary(datatype="FP64", names=("W1", "b1", "W2", "inputs", "targets"), parameters=V2_PARAMETERS, **extra):
    """The example with every input's bytes after the JSON part: (doc, [bytes per input])."""
    fmt = "d" if datatype == "FP64" else "f"
    inputs, tensors = [], []
    for n in names:
        values = v2_flat(V2_DATA[n])
        tensors.append(struct.pack("<%d%s" % (len(values), fmt), *values))
        inputs.append({"name": n, "datatype": datatype, "shape": v2_shape(V2_DATA[n]),
                       "parameters": {"binary_data_size": len(tensors[-1])}})
    return dict({"inputs": inputs, "parameters": dict(parameters)}, **extra), tensors


def v2_cases():
    js = {"Content-Type": "application/json"}
    out = []

    def infer(name, model, doc_or_raw, headers=js, path=None):
        body = doc_or_raw if isinstance(doc_or_raw, bytes) else json.dumps(doc_or_raw).encode()
        out.append((f"v2 {name}", "POST", path or f"/v2/models/{model}/infer", body, headers))

    def infer_binary(name, model, doc, tensors):
        body, h = binary_body(doc, tensors)
        infer(name, model, body, h)

    def outputs(*names, binary=None):
        return [{"name": n} if binary is None else {"name": n, "parameters": {"binary_data": binary}} for n in names]

    ALL = "delta,weightGradient,biasGradient,preactivation,activation,inputGradient"
    # Valid requests.
    for model in ("gradients", "forward", "gradcheck"):
        infer(f"example {model}", model, V2)
    infer("example versions/1", "gradients", V2, path="/v2/models/gradients/versions/1/infer")
    for datatype in ("FP64", "FP32"):
        for flat in (False, True):
            layout = "flat" if flat else "nested"
            infer(f"json {layout} {datatype}", "gradients",
                  {"inputs": v2_inputs(datatype, flat), "parameters": dict(V2_PARAMETERS, include=ALL)})
            infer(f"forward json {layout} {datatype}", "forward",
                  {"inputs": v2_inputs(datatype, flat), "parameters": V2_PARAMETERS})
        for binary_out in (True, False):
            doc, tensors = v2_binary(datatype, parameters=dict(V2_PARAMETERS, include=ALL, binary_data_output=binary_out))
            infer_binary(f"binary {datatype} binary_data_output {str(binary_out).lower()}", "gradients", doc, tensors)
        doc, tensors = v2_binary(datatype, parameters=dict(V2_PARAMETERS, binary_data_output=True))
        infer_binary(f"forward binary {datatype}", "forward", doc, tensors)
    infer("json binary_data_output", "gradients", with_(["parameters", "binary_data_output"], True, V2))
    selected = ("loss", "delta1", "weightGradient2", "biasGradient1", "preactivation1", "activation2", "inputGradient")
    infer("selected outputs", "gradients", dict(V2, outputs=outputs(*selected)))
    infer("selected outputs binary", "gradients", dict(V2, outputs=outputs(*selected, binary=True)))
    infer("selected outputs mixed", "gradients", dict(V2, outputs=[
        {"name": "weightGradient1", "parameters": {"binary_data": True}}, {"name": "loss"},
        {"name": "inputGradient", "parameters": {"binary_data": False}}, {"name": "delta2", "parameters": {"binary_data": True}}]))
    doc, tensors = v2_binary("FP32", outputs=outputs("activation2", "loss", binary=True))
    infer_binary("selected outputs binary FP32 inputs", "gradients", doc, tensors)
    infer("selected outputs binary_data_output", "gradients",
          dict(with_(["parameters", "binary_data_output"], True, V2), outputs=outputs("loss", "delta2") + outputs("delta1", binary=False)))
    infer("include preactivation,activation", "gradients", with_(["parameters", "include"], "preactivation, activation", V2))
    infer("include empty", "gradients", with_(["parameters", "include"], "", V2))
    infer("forward include preactivation", "forward", with_(["parameters", "include"], "preactivation", V2))
    infer("forward selected outputs", "forward", dict(V2, outputs=outputs("activation2", "preactivation1", "loss")))
    infer("reduction sum", "gradients", with_(["parameters", "reduction"], "sum", V2))
    infer("reduction mean", "gradients", with_(["parameters", "reduction"], "mean", V2))
    infer("labels INT64", "gradients", V2_CE)
    infer("labels INT32", "gradients", with_(["inputs", 3, "datatype"], "INT32", V2_CE))
    infer("labels flat nested", "gradients", with_(["inputs", 3, "data"], [[1], [0]], V2_CE))
    infer("labels forward", "forward", V2_CE)
    infer("labels gradcheck", "gradcheck", V2_CE)
    for datatype, fmt in (("INT64", "q"), ("INT32", "i")):
        doc = with_(["inputs", 3], {"name": "labels", "datatype": datatype, "shape": [2],
                                    "parameters": {"binary_data_size": 2 * struct.calcsize(fmt)}}, V2_CE)
        infer_binary(f"labels {datatype} binary", "gradients", with_(["parameters", "binary_data_output"], True, doc),
                     [struct.pack("<2" + fmt, 1, 0)])
    infer("forward no targets no loss", "forward",
          {"inputs": v2_inputs(names=("W1", "b1", "W2", "inputs")), "parameters": {"activations": "sigmoid,identity"}})
    infer("forward no parameters", "forward", {"inputs": v2_inputs(names=("W1", "W2", "inputs"))})
    infer("no biases", "gradients", {"inputs": v2_inputs(names=("W1", "W2", "inputs", "targets")), "parameters": V2_PARAMETERS})
    infer("inputs in another order", "gradients", {"inputs": v2_inputs(names=("targets", "inputs", "W2", "b1", "W1")),
                                                   "parameters": V2_PARAMETERS})
    infer("leaky_relu:0.2", "gradients", with_(["parameters", "activations"], "leaky_relu:0.2,identity", V2))
    infer("activations with spaces", "gradients", with_(["parameters", "activations"], " tanh , identity ", V2))
    infer("activations empty entry", "gradients", with_(["parameters", "activations"], ",identity", V2))
    infer("no activations", "gradients", with_(["parameters", "activations"], DELETE, V2))
    infer("gradcheck epsilon atol rtol", "gradcheck", with_(["parameters"], dict(V2_PARAMETERS, epsilon=1e-6, atol=1e-8, rtol=1e-4), V2))
    infer("gradcheck parameters as strings", "gradcheck", with_(["parameters"], dict(V2_PARAMETERS, epsilon="1e-6", rtol="0.01"), V2))
    infer("gradcheck tight tolerances", "gradcheck", with_(["parameters"], dict(V2_PARAMETERS, epsilon=1e-2, atol=0, rtol=1e-12), V2))
    infer("gradcheck selected outputs", "gradcheck", dict(V2, outputs=outputs("passed", "weightsMaxAbsError1", "passed2")))
    infer("gradcheck binary output", "gradcheck", with_(["parameters", "binary_data_output"], True, V2))
    infer("gradcheck selected binary", "gradcheck",
          dict(V2, outputs=outputs("biasesMaxRelError2", "passed", binary=True) + outputs("passed1", binary=False)))
    doc, tensors = v2_binary("FP64")
    infer_binary("gradcheck binary inputs", "gradcheck", doc, tensors)
    infer("id echoed", "gradients", dict(V2, id="request-42"))
    infer("id echoed forward", "forward", dict(V2, id="é \"quoted\""))
    infer("charset json", "gradients", V2, {"Content-Type": "application/json; charset=utf-8"})
    infer("no content type", "gradients", V2, {})
    infer("header the whole body", "gradients", json.dumps(V2).encode(),
          {"Content-Type": "application/json", "Inference-Header-Content-Length": str(len(json.dumps(V2)))})

    # Mistakes.
    infer("typo activation", "gradients", with_(["parameters"], {"activation": "sigmoid,identity", "loss": "quadratic"}, V2))
    infer("typo losses", "gradients", with_(["parameters"], {"activations": "sigmoid,identity", "losses": "quadratic"}, V2))
    infer("typo reducton", "gradients", with_(["parameters", "reducton"], "sum", V2))
    infer("typo include", "gradients", with_(["parameters", "includes"], "preactivation", V2))
    infer("typo binary_data_outputs", "gradients", with_(["parameters", "binary_data_outputs"], True, V2))
    infer("unknown member on input", "gradients", with_(["inputs", 0, "extra"], 1, V2))
    infer("unknown input parameter", "gradients", with_(["inputs", 0, "parameters"], {"binary_size": 48}, V2))
    infer("unknown member on output", "gradients", dict(V2, outputs=[{"name": "loss", "extra": 1}]))
    infer("typo binary_data on output", "gradients", dict(V2, outputs=[{"name": "loss", "parameters": {"binarydata": True}}]))
    infer("binary_data not bool", "gradients", dict(V2, outputs=[{"name": "loss", "parameters": {"binary_data": "yes"}}]))
    infer("binary_data_output not bool", "gradients", with_(["parameters", "binary_data_output"], "true", V2))
    infer("unknown top-level member", "gradients", dict(V2, parameter={}))
    infer("id not string", "gradients", dict(V2, id=42))
    infer("duplicate input", "gradients", dict(V2, inputs=V2["inputs"] + V2["inputs"][:1]))
    infer("extra W3 for 2 activations", "gradients", dict(V2, inputs=V2["inputs"] + [dict(V2["inputs"][2], name="W3")]))
    infer("unknown input W3x", "gradients", dict(V2, inputs=V2["inputs"] + [dict(V2["inputs"][2], name="W3x")]))
    infer("input b3 with 2 layers", "gradients", dict(V2, inputs=V2["inputs"] + [dict(V2["inputs"][1], name="b3")]))
    infer("unknown input X", "gradients", dict(V2, inputs=V2["inputs"] + [dict(V2["inputs"][3], name="X")]))
    infer("gap W1 W3", "gradients", with_(["inputs", 2, "name"], "W3", V2))
    infer("missing W1", "gradients", dict(V2, inputs=v2_inputs(names=("W2", "inputs", "targets"))))
    infer("missing inputs", "gradients", dict(V2, inputs=v2_inputs(names=("W1", "b1", "W2", "targets"))))
    infer("no inputs member", "gradients", {"parameters": V2_PARAMETERS})
    infer("inputs not array", "gradients", dict(V2, inputs={"W1": V2_DATA["W1"]}))
    infer("input without name", "gradients", with_(["inputs", 0, "name"], DELETE, V2))
    infer("input without datatype", "gradients", with_(["inputs", 0, "datatype"], DELETE, V2))
    infer("input without shape", "gradients", with_(["inputs", 0, "shape"], DELETE, V2))
    infer("input without data", "gradients", with_(["inputs", 0, "data"], DELETE, V2))
    infer("unknown output name", "gradients", dict(V2, outputs=outputs("weightGradients1")))
    infer("output of absent layer", "gradients", dict(V2, outputs=outputs("delta3")))
    infer("output layer 0", "gradients", dict(V2, outputs=outputs("delta0")))
    infer("output inputGradient on forward", "forward", dict(V2, outputs=outputs("inputGradient")))
    infer("output loss on forward without targets", "forward",
          {"inputs": v2_inputs(names=("W1", "b1", "W2", "inputs")), "parameters": {"activations": "sigmoid,identity"},
           "outputs": outputs("loss")})
    infer("gradcheck unknown output", "gradcheck", dict(V2, outputs=outputs("passed3")))
    infer("output without name", "gradients", dict(V2, outputs=[{"parameters": {"binary_data": True}}]))
    infer("outputs not array", "gradients", dict(V2, outputs={"name": "loss"}))
    infer("epsilon on gradients", "gradients", with_(["parameters", "epsilon"], 1e-6, V2))
    infer("gradcheck epsilon not number", "gradcheck", with_(["parameters", "epsilon"], "small", V2))
    infer("gradcheck epsilon zero", "gradcheck", with_(["parameters", "epsilon"], 0, V2))
    infer("gradcheck FP32", "gradcheck", {"inputs": v2_inputs("FP32"), "parameters": V2_PARAMETERS})
    infer("mixed FP32 FP64", "gradients", with_(["inputs", 3, "datatype"], "FP32", V2))
    infer("INT64 weight", "gradients", with_(["inputs", 0, "datatype"], "INT64", V2))
    infer("FP16 input", "gradients", with_(["inputs", 3, "datatype"], "FP16", V2))
    infer("labels FP64", "gradients", with_(["inputs", 3, "datatype"], "FP64", V2_CE))
    infer("labels not integer", "gradients", with_(["inputs", 3, "data"], [1, 0.5], V2_CE))
    infer("labels rank 2", "gradients", with_(["inputs", 3, "shape"], [2, 1], V2_CE))
    infer("labels and targets", "gradients", dict(V2_CE, inputs=V2_CE["inputs"] + [
        {"name": "targets", "datatype": "FP64", "shape": [2, 2], "data": [[0, 1], [1, 0]]}]))
    infer("wrong shape rank", "gradients", with_(["inputs", 0, "shape"], [6], with_(["inputs", 0, "data"], v2_flat(V2_DATA["W1"]), V2)))
    infer("bias rank 2", "gradients", with_(["inputs", 1, "shape"], [3, 1], V2))
    infer("shape data count mismatch", "gradients", with_(["inputs", 0, "shape"], [3, 3], V2))
    infer("non-chaining W2", "gradients", with_(["inputs", 2], {"name": "W2", "datatype": "FP64", "shape": [1, 2], "data": [[0.7, 0.8]]}, V2))
    infer("wrong bias count", "gradients", with_(["inputs", 1], {"name": "b1", "datatype": "FP64", "shape": [2], "data": [0, 0]}, V2))
    infer("wrong targets shape", "gradients", with_(["inputs", 4], {"name": "targets", "datatype": "FP64", "shape": [2, 2], "data": [[1, 0], [0, 1]]}, V2))
    infer("targets rows", "gradients", with_(["inputs", 4], {"name": "targets", "datatype": "FP64", "shape": [1, 1], "data": [[1]]}, V2))
    infer("input width mismatch", "gradients", with_(["inputs", 3], {"name": "inputs", "datatype": "FP64", "shape": [2, 3], "data": [[1, 2, 3], [3, 4, 5]]}, V2))
    infer("bad activation name", "gradients", with_(["parameters", "activations"], "sigmod,identity", V2))
    infer("bad output activation", "gradients", with_(["parameters", "activations"], "sigmoid,softmaxx", V2))
    infer("too few activations", "gradients", with_(["parameters", "activations"], "sigmoid", V2))
    infer("too many activations", "gradients", with_(["parameters", "activations"], "sigmoid,identity,relu", V2))
    infer("leaky_relu:x", "gradients", with_(["parameters", "activations"], "leaky_relu:x,identity", V2))
    infer("leaky_relu:inf", "gradients", with_(["parameters", "activations"], "leaky_relu:inf,identity", V2))
    infer("alpha on relu", "gradients", with_(["parameters", "activations"], "relu:0.2,identity", V2))
    infer("activations not string", "gradients", with_(["parameters", "activations"], ["sigmoid", "identity"], V2))
    infer("missing loss", "gradients", with_(["parameters", "loss"], DELETE, V2))
    infer("bad loss", "gradients", with_(["parameters", "loss"], "quadratc", V2))
    infer("loss not string", "gradients", with_(["parameters", "loss"], 1, V2))
    infer("bad reduction", "gradients", with_(["parameters", "reduction"], "avg", V2))
    infer("bad include", "gradients", with_(["parameters", "include"], "deltas", V2))
    infer("forward include delta", "forward", with_(["parameters", "include"], "delta", V2))
    infer("cross_entropy identity output", "gradients", with_(["parameters", "activations"], "sigmoid,identity", V2_CE))
    infer("labels out of range", "gradients", with_(["inputs", 3, "data"], [1, 2], V2_CE))
    infer("labels negative", "gradients", with_(["inputs", 3, "data"], [-1, 0], V2_CE))
    infer("labels count mismatch", "gradients", with_(["inputs", 3, "shape"], [3], V2_CE))
    infer("labels batch mismatch", "gradients", with_(["inputs", 3], {"name": "labels", "datatype": "INT64", "shape": [3], "data": [1, 0, 1]}, V2_CE))
    infer("labels with quadratic", "gradients", dict(V2_CE, parameters={"activations": "sigmoid,softmax", "loss": "quadratic"}))
    doc, tensors = v2_binary("FP64")
    infer_binary("binary sizes short", "gradients", doc, tensors[:-1])
    infer_binary("binary sizes long", "gradients", doc, tensors + [b"\0" * 8])
    infer_binary("binary size not matching shape", "gradients",
                 with_(["inputs", 0, "parameters", "binary_data_size"], 40, doc), [tensors[0][:40]] + tensors[1:])
    infer_binary("binary FP32 sizes for FP64", "gradients", with_(["inputs", 0, "parameters", "binary_data_size"], 24, doc),
                 [tensors[0][:24]] + tensors[1:])
    body, h = binary_body(doc, tensors)
    infer("binary header past body", "gradients", body, dict(h, **{"Inference-Header-Content-Length": str(len(body) + 10)}))
    infer("binary header -4", "gradients", body, dict(h, **{"Inference-Header-Content-Length": "-4"}))
    infer("binary header not a number", "gradients", body, dict(h, **{"Inference-Header-Content-Length": "12a"}))
    infer("binary header too short", "gradients", body, dict(h, **{"Inference-Header-Content-Length": "10"}))
    infer("binary no header", "gradients", body, {"Content-Type": "application/octet-stream"})
    infer("binary_data_size without bytes", "gradients", doc)
    infer("binary_data_size negative", "gradients", with_(["inputs", 0, "parameters", "binary_data_size"], -48, doc))
    infer("binary_data_size fractional", "gradients", with_(["inputs", 0, "parameters", "binary_data_size"], 47.5, doc))
    ce_labels = with_(["inputs", 3], {"name": "labels", "datatype": "INT32", "shape": [2],
                                      "parameters": {"binary_data_size": 16}}, V2_CE)
    infer_binary("labels INT32 with 8-byte elements", "gradients", ce_labels, [struct.pack("<2q", 1, 0)])
    infer_binary("labels INT64 binary out of range", "gradients", with_(["inputs", 3, "datatype"], "INT64", ce_labels),
                 [struct.pack("<2q", 1, 1 << 40)])
    nan_doc, nan_tensors = v2_binary("FP64")
    values = v2_flat(V2_DATA["inputs"])
    infer_binary("binary FP64 NaN input", "gradients", nan_doc,
                 nan_tensors[:3] + [struct.pack("<4d", values[0], float("nan"), *values[2:])] + nan_tensors[4:])
    infer_binary("binary FP64 inf weight", "gradients", nan_doc,
                 [struct.pack("<6d", float("inf"), *v2_flat(V2_DATA["W1"])[1:])] + nan_tensors[1:])
    nan_doc, nan_tensors = v2_binary("FP32")
    infer_binary("binary FP32 NaN input", "gradients", nan_doc,
                 nan_tensors[:3] + [struct.pack("<4f", values[0], float("nan"), *values[2:])] + nan_tensors[4:])
    v2_fp32 = {"inputs": v2_inputs("FP32"), "parameters": V2_PARAMETERS}
    infer("FP32 data overflow", "gradients", with_(["inputs", 3, "data"], [[1e39, 2], [3, 4]], v2_fp32))
    infer("zero-sized dimension", "gradients", with_(["inputs", 3], {"name": "inputs", "datatype": "FP64", "shape": [0, 2], "data": []}, V2))
    infer("huge shape", "gradients", with_(["inputs", 0], {"name": "W1", "datatype": "FP64", "shape": [100000, 100000], "data": [1]}, V2))
    infer("overflowing shape", "gradients", with_(["inputs", 0, "shape"], [1 << 40, 1 << 40], V2))
    infer("negative dimension", "gradients", with_(["inputs", 0, "shape"], [-3, 2], V2))
    infer("fractional dimension", "gradients", with_(["inputs", 0, "shape"], [3, 2.5], V2))
    infer("string dimension", "gradients", with_(["inputs", 0, "shape"], ["3", 2], V2))
    infer("non-numeric data", "gradients", with_(["inputs", 3, "data"], [[1, "2"], [3, 4]], V2))
    infer("null in data", "gradients", with_(["inputs", 3, "data"], [[1, None], [3, 4]], V2))
    infer("bool data", "gradients", with_(["inputs", 3, "data"], [[True, False], [3, 4]], V2))
    infer("data not array", "gradients", with_(["inputs", 3, "data"], "1,2,3,4", V2))
    infer("malformed JSON", "gradients", b'{"inputs": [')
    infer("trailing garbage", "gradients", json.dumps(V2).encode() + b" x")
    infer("empty body", "gradients", b"")
    infer("body not an object", "gradients", [1, 2])
    infer("body a string", "gradients", "inputs")
    infer("parameters not an object", "gradients", dict(V2, parameters=["loss", "quadratic"]))
    infer("unknown model", "nope", V2)
    infer("model version 2", "gradients", V2, path="/v2/models/gradients/versions/2/infer")
    layers = 65
    infer("too many layers", "gradients", {"inputs": [
        {"name": f"W{l}", "datatype": "FP64", "shape": [1, 1], "data": [0.5]} for l in range(1, layers + 1)] + [
        {"name": "inputs", "datatype": "FP64", "shape": [1, 1], "data": [1]},
        {"name": "targets", "datatype": "FP64", "shape": [1, 1], "data": [1]}], "parameters": {"loss": "quadratic"}})

    # Routes.
    for method, path in (("GET", "/v2"), ("GET", "/v2/"), ("GET", "/v2/health/live"), ("GET", "/v2/health/ready"),
                         ("HEAD", "/v2/health/live"), ("GET", "/v2/models/gradients"), ("GET", "/v2/models/forward"),
                         ("GET", "/v2/models/gradcheck"), ("GET", "/v2/models/gradients/ready"),
                         ("GET", "/v2/models/gradcheck/ready"), ("GET", "/v2/models/gradients/versions/1"),
                         ("GET", "/v2/models/gradients/versions/1/ready"), ("GET", "/v2/models/gradients/versions/2"),
                         ("GET", "/v2/models/nope"), ("GET", "/v2/models/nope/ready"), ("GET", "/v2/models/"),
                         ("GET", "/v2/models/gradients/infer"), ("PUT", "/v2/models/gradients/infer"),
                         ("POST", "/v2/health/live"), ("POST", "/v2/models/gradients"), ("DELETE", "/v2"),
                         ("GET", "/v2/nothing"), ("GET", "/v2/models/gradients/stats")):
        out.append((f"v2 {method} {path}", method, path, b"", {}))
    out.append(("v2 POST /v2/models/nope/infer", "POST", "/v2/models/nope/infer", json.dumps(V2).encode(), js))
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
