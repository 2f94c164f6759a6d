"""Traces from the real release server to a real OTLP/HTTP receiver: a small HTTP server here that
decodes ExportTraceServiceRequest with opentelemetry-proto (PyPI). Run by scripts/otel-check.sh
(make otel, part of make test)."""
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

BIN = os.environ["BACKPROP_BIN"]
TRACE = "0af7651916cd43dd8448eb211c80319c"
PARENT = "b7ad6b7169203331"
TINY = {
    "network": {"layers": [
        {"weights": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "activation": "sigmoid"},
        {"weights": [[0.7, 0.8, 0.9]]}]},
    "batch": {"inputs": [[1, 2], [3, 4]], "targets": [[1], [0]]},
    "loss": "quadratic",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def value(v):
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else None


class Receiver:
    """An OTLP/HTTP collector stand-in: POST /v1/traces, protobuf; keeps every span as a dict."""

    def __init__(self):
        self.spans, self.requests, self.lock = [], 0, threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                with receiver.lock:
                    receiver.requests += 1
                    for rs in request.resource_spans:
                        resource = {kv.key: value(kv.value) for kv in rs.resource.attributes}
                        for ss in rs.scope_spans:
                            for s in ss.spans:
                                receiver.spans.append({
                                    "resource": resource, "trace_id": s.trace_id.hex(), "span_id": s.span_id.hex(),
                                    "parent": s.parent_span_id.hex(), "trace_state": s.trace_state, "name": s.name,
                                    "kind": Span.SpanKind.Name(s.kind), "start": s.start_time_unix_nano,
                                    "end": s.end_time_unix_nano,
                                    "attributes": {kv.key: value(kv.value) for kv in s.attributes},
                                    "status": Status.StatusCode.Name(s.status.code),
                                    "events": [e.name for e in s.events],
                                })
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def wait(self, count, trace=None, seconds=15):
        """The spans (of `trace`, when given) once there are `count` of them, or after `seconds`."""
        deadline = time.time() + seconds
        while True:
            with self.lock:
                spans = [s for s in self.spans if trace is None or s["trace_id"] == trace]
            if len(spans) >= count or time.time() > deadline:
                return spans
            time.sleep(0.05)

    def close(self):
        self.http.shutdown()


class Server:
    """The release binary with the given environment, its log (standard error) in a file."""

    def __init__(self, env, *args):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="otel-server-", suffix=".log", delete=False)
        full = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
        full.update(env)
        self.process = subprocess.Popen([BIN, "--port", str(self.port), "--log-level", "info", *args],
                                        env=full, stderr=self.log, stdout=subprocess.DEVNULL)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/livez", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("the server exited: " + self.text())
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def post(self, path, body, headers=None):
        data = json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method="POST",
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def text(self):
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        os.unlink(self.log.name)
        return code


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def by_name(spans, trace=None):
    return {s["name"]: s for s in spans if trace is None or s["trace_id"] == trace}


def test_a_request_continues_the_callers_trace_with_its_phases_as_children(receiver):
    server = Server({"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_SERVICE_NAME": "backprop-test",
                     "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=ci"})
    try:
        status, _ = server.post("/v1/gradients", TINY, {
            "traceparent": f"00-{TRACE}-{PARENT}-01", "tracestate": "vendor=abc", "User-Agent": "otel-check/1",
            "Authorization": "Bearer not-a-real-token"})
        assert status == 200
        spans = by_name(receiver.wait(5, TRACE))
        root = spans["POST /v1/gradients"]
        assert root["kind"] == "SPAN_KIND_SERVER" and root["parent"] == PARENT
        assert root["trace_state"] == "vendor=abc"
        assert root["resource"]["service.name"] == "backprop-test"
        assert root["resource"]["deployment.environment"] == "ci"
        a = root["attributes"]
        assert a["http.request.method"] == "POST" and a["http.route"] == "/v1/gradients"
        assert a["http.response.status_code"] == 200 and a["url.scheme"] == "http"
        assert a["server.address"] == "127.0.0.1" and a["server.port"] == server.port
        assert a["user_agent.original"] == "otel-check/1"
        assert a["backprop.operation"] == "gradients" and a["backprop.layers"] == 2 and a["backprop.batch_size"] == 2
        assert a["backprop.dtype"] == "float64" and a["backprop.body_format"] == "json"
        assert a["backprop.multiply_adds"] == 54
        assert "error.type" not in a and root["status"] == "STATUS_CODE_UNSET"
        assert "not-a-real-token" not in json.dumps(root) and "0.7" not in json.dumps(a)
        children = sorted((s for s in spans.values() if s is not root), key=lambda s: s["start"])
        assert [c["name"] for c in children] == ["queue", "decode", "compute", "encode"]
        for c in children:
            assert c["parent"] == root["span_id"] and c["kind"] == "SPAN_KIND_INTERNAL"
            assert root["start"] <= c["start"] <= c["end"] <= root["end"]
        # The access log line has the span's ids.
        server_line = [line for line in server.text().splitlines() if "http.path=/v1/gradients" in line]
        assert server_line and f"span_id={root['span_id']} trace_id={TRACE}" in server_line[-1], server_line
        # /v2's route is its pattern, never the model's name in the path.
        status, _ = server.post("/v2/models/gradients/infer", {"parameters": {"loss": "quadratic"}, "inputs": [
            {"name": "W1", "datatype": "FP64", "shape": [1, 1], "data": [0.5]},
            {"name": "inputs", "datatype": "FP64", "shape": [1, 1], "data": [1]},
            {"name": "targets", "datatype": "FP64", "shape": [1, 1], "data": [0]}]})
        assert status == 200
        deadline = time.time() + 15
        while not [s for s in receiver.spans if s["name"].startswith("POST /v2")] and time.time() < deadline:
            time.sleep(0.05)
        v2 = [s for s in receiver.spans if s["name"].startswith("POST /v2")]
        assert v2 and v2[0]["attributes"]["http.route"] == "/v2/models/{model}/infer"
        assert v2[0]["name"] == "POST /v2/models/{model}/infer"
        # A tracestate that is not W3C's (here, text shaped like a log line) is dropped, the parent
        # kept, and nothing of it is logged.
        forged = "2026-12-02T09:44:34+0000 info backprop-server: request.id=FORGED [GradientService] request"
        third = "3" * 32
        status, _ = server.post("/v1/gradients", TINY, {"traceparent": f"00-{third}-{PARENT}-01", "tracestate": forged})
        assert status == 200
        root = by_name(receiver.wait(5, third))["POST /v1/gradients"]
        assert root["parent"] == PARENT and root["trace_state"] == ""
        time.sleep(0.2)
        assert "FORGED" not in server.text()
        # Probes without a traceparent start no trace.
        assert not [s for s in receiver.spans if s["name"] == "GET /livez"]
    finally:
        assert server.stop() == 0


def test_a_422_and_a_503_carry_error_status_and_an_event(receiver):
    server = Server({"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint}, "--request-timeout", "0.000001")
    try:
        typo = dict(TINY, los="quadratic")
        del typo["loss"]
        status, _ = server.post("/v1/gradients", typo, {"traceparent": f"00-{TRACE}-{PARENT}-01"})
        assert status == 422
        root = by_name(receiver.wait(3, TRACE))["POST /v1/gradients"]
        assert root["status"] == "STATUS_CODE_ERROR" and root["events"] == ["request.invalid-request"]
        assert root["attributes"]["error.type"] == "422"
        other = "1" * 32
        status, _ = server.post("/v1/gradients", TINY, {"traceparent": f"00-{other}-{PARENT}-01"})
        assert status == 503
        root = by_name(receiver.wait(1, other))["POST /v1/gradients"]
        assert root["status"] == "STATUS_CODE_ERROR" and root["events"] == ["request.timeout"]
        assert root["attributes"]["error.type"] == "503"
    finally:
        assert server.stop() == 0


def test_sampling_off_sends_no_spans(receiver):
    server = Server({"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_TRACES_SAMPLER": "always_off"})
    try:
        for _ in range(5):
            assert server.post("/v1/gradients", TINY)[0] == 200
    finally:
        assert server.stop() == 0
    # A parent that says "not sampled", under the default parent-based sampler: none either; a
    # sampled one just after, from the same server, arrives (the export itself works).
    server = Server({"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint})
    sampled = "4" * 32
    try:
        assert server.post("/v1/gradients", TINY, {"traceparent": f"00-{TRACE}-{PARENT}-00"})[0] == 200
        assert server.post("/v1/gradients", TINY, {"traceparent": f"00-{sampled}-{PARENT}-01"})[0] == 200
        assert len(receiver.wait(5, sampled)) == 5
    finally:
        assert server.stop() == 0
    assert [s for s in receiver.spans if s["trace_id"] != sampled] == []


def test_a_dead_collector_loses_spans_not_requests():
    dead = f"http://127.0.0.1:{free_port()}"
    server = Server({"OTEL_EXPORTER_OTLP_ENDPOINT": dead})
    try:
        for k in range(300):
            assert server.post("/v1/gradients", TINY, {"traceparent": f"00-{TRACE}-{PARENT}-01"})[0] == 200, k
        # Traced all along (the log's ids), and the exports failed (said, once per batch).
        # (A failed export is said after the exporter's 5 s timeout: waited for, up to 30 s.)
        for _ in range(600):
            text = server.text()
            if text.count(f"trace_id={TRACE}") == 300 and "Failed to export batch" in text:
                break
            time.sleep(0.05)
        assert text.count(f"trace_id={TRACE}") == 300
        assert "Failed to export batch" in text
    finally:
        # SIGTERM still ends it cleanly: the last export is bounded (two seconds), not waited out.
        assert server.stop() == 0


def test_without_an_endpoint_there_is_no_tracing():
    server = Server({})
    try:
        assert server.post("/v1/gradients", TINY, {"traceparent": f"00-{TRACE}-{PARENT}-01"})[0] == 200
        time.sleep(0.2)
        text = server.text()
        assert "http.path=/v1/gradients" in text and "trace_id" not in text
        assert "tracing=off" in text.replace('"', "")
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("name,value", [
    ("OTEL_SDK_DISABLED", "yes"),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318"),
    ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
    ("OTEL_TRACES_SAMPLER", "xray"),
    ("OTEL_TRACES_SAMPLER_ARG", "1.5"),
    ("OTEL_RESOURCE_ATTRIBUTES", "a=1,b"),
])
def test_a_bad_value_stops_the_server_naming_the_variable(name, value):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "OTEL_TRACES_SAMPLER": "traceidratio", name: value})
    if name == "OTEL_TRACES_SAMPLER":
        env.pop("OTEL_TRACES_SAMPLER_ARG", None)
    result = subprocess.run([BIN, "--port", str(free_port())], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 64, result.stderr
    assert name in result.stderr and value in result.stderr, result.stderr
    assert re.search(r"expected", result.stderr)
