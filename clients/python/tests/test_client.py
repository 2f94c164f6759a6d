"""backprop_client against the real release server (BACKPROP_BIN), on ephemeral ports."""
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

from backprop_client import AsyncClient, Client, ProblemError

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts", "lib"))
from live_server import LiveServer  # noqa: E402

README = os.path.join(os.path.dirname(__file__), "..", "README.md")


class Server(LiveServer):
    @property
    def url(self):
        return self.base

    def raw(self, path, body):
        """The API's own JSON answer for a plain-JSON body, without the client."""
        return self.post(path, body)


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def second():
    s = Server()
    yield s
    s.stop()


def example(dtype=np.float64, batch=2, seed=0, wide=False):
    """A network and batch with numpy arrays; `wide` makes it big enough for the binary default."""
    rng = np.random.default_rng(seed)
    n0, n1, n2 = (300, 64, 3) if wide else (2, 3, 1)
    return {
        "network": {"layers": [
            {"weights": (rng.standard_normal((n1, n0)) * 0.1).astype(dtype), "biases": rng.standard_normal(n1).astype(dtype),
             "activation": "tanh"},
            {"weights": (rng.standard_normal((n2, n1)) * 0.1).astype(dtype), "activation": "identity"},
        ]},
        "batch": {"inputs": rng.standard_normal((batch, n0)).astype(dtype),
                  "targets": rng.standard_normal((batch, n2)).astype(dtype)},
        "loss": "mse",
        "options": {"dtype": "float32" if dtype == np.float32 else "float64",
                    "include": ["delta", "weightGradient", "biasGradient", "activation", "inputGradient"]},
    }


def plain(body):
    """The same body as plain JSON values."""
    return json.loads(json.dumps(body, default=lambda a: a.tolist()))


def assert_same_answer(got, expected, dtype):
    assert got["loss"] == expected["loss"]
    for g, e in zip(got["layers"], expected["layers"]):
        for key in ("delta", "weightGradient", "biasGradient", "activation"):
            assert isinstance(g[key], np.ndarray) and g[key].dtype == dtype, key
            np.testing.assert_array_equal(g[key], np.asarray(e[key], dtype=dtype))
    np.testing.assert_array_equal(got["inputGradient"], np.asarray(expected["inputGradient"], dtype=dtype))


def recorded(client):
    """The Content-Type of every request the client sends, in order."""
    types = []
    client._http.event_hooks["request"] = [lambda r: types.append(r.headers["content-type"])]
    return types


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("transport", ["json", "binary"])
def test_numpy_in_and_out_equals_the_api(server, dtype, transport):
    body = example(dtype, batch=5, seed=3)
    status, expected = server.raw("/v1/gradients", plain(body))
    assert status == 200
    with Client(server.url) as client:
        types = recorded(client)
        got = client.gradients(body, transport=transport)
    assert types == ["application/json" if transport == "json" else "application/octet-stream"]
    assert_same_answer(got, expected, dtype)


def test_the_default_transport_follows_the_size(server):
    small, large = example(), example(wide=True, batch=64)
    with Client(server.url) as client:
        types = recorded(client)
        a = client.gradients(small)
        b = client.gradients(large)
    assert types == ["application/json", "application/octet-stream"]
    assert a["layers"][0]["weightGradient"].shape == (3, 2)
    assert b["layers"][0]["weightGradient"].shape == (64, 300)
    status, expected = server.raw("/v1/gradients", plain(large))
    np.testing.assert_array_equal(b["layers"][0]["weightGradient"], np.asarray(expected["layers"][0]["weightGradient"]))


def test_forward_gradcheck_and_other_encodings(server):
    body = example(batch=3)
    with Client(server.url) as client:
        out = client.forward({**body, "options": {"include": ["activation"]}})
        assert out["outputs"].shape == (3, 1) and out["outputs"].dtype == np.float64
        check = client.gradcheck({k: v for k, v in body.items() if k != "options"})
        assert check["passed"] is True and check["layers"][0]["passed"] is True
        for encoding in ("flat", "base64", "nested"):
            got = client.gradients({**body, "options": {**body["options"], "encoding": encoding}}, transport="json")
            assert got["layers"][1]["delta"].shape == (3, 1), encoding
        labels = client.gradients({
            "network": {"layers": [{"weights": np.eye(3), "activation": "softmax"}]},
            "batch": {"inputs": np.eye(3), "labels": np.array([0, 2, 1])}, "loss": "cross_entropy"})
        assert labels["layers"][0]["weightGradient"].shape == (3, 3)


def test_every_error_field(server):
    body = plain(example())
    body["network"]["layers"][1]["weights"] = [[0.7, 0.8]]
    with Client(server.url) as client:
        with pytest.raises(ProblemError) as e:
            client.gradients(body)
        assert e.value.status == 422
        assert e.value.type.endswith("/invalid-request")
        assert e.value.title == "Unprocessable request"
        assert e.value.pointer == "/network/layers/1/weights"
        assert "needs 3 columns" in e.value.detail
        assert e.value.problem["status"] == 422
        # A NaN in a binary tensor: refused with the tensor's pointer.
        nan = example(wide=True, batch=64)
        nan["batch"]["inputs"][0, 0] = np.nan
        with pytest.raises(ProblemError) as e:
            client.gradients(nan, transport="binary")
        assert e.value.status == 422 and e.value.pointer == "/batch/inputs/binaryDataSize"
        with pytest.raises(ProblemError) as e:
            client.gradients({**plain(example()), "loss": "hinge"})
        assert e.value.status == 422 and e.value.pointer == "/loss"
    tight = Server("--max-body-bytes", "1000", "--auth-token", "s3cret")
    try:
        with Client(tight.url) as client:
            with pytest.raises(ProblemError) as e:
                client.gradients(example())
            assert e.value.status == 401 and e.value.type.endswith("/unauthorized") and e.value.pointer is None
        with Client(tight.url, token="s3cret") as client:
            assert client.gradients(example())["batchSize"] == 2
            with pytest.raises(ProblemError) as e:
                client.gradients(example(batch=100))
            assert e.value.status == 413 and e.value.type.endswith("/too-large")
    finally:
        tight.stop()


def test_503_is_retried_after_retry_after(monkeypatch):
    busy = Server("--workers", "1", "--queue-capacity", "0")
    try:
        # Occupy the only worker for a while (about a second here): gradcheck of a few thousand
        # parameters, then wait until readiness says the server is saturated.
        slow = example(wide=True, batch=256)
        slow["network"]["layers"][0]["weights"] = slow["network"]["layers"][0]["weights"][:16]
        slow["network"]["layers"][0]["biases"] = slow["network"]["layers"][0]["biases"][:16]
        slow["network"]["layers"][1]["weights"] = slow["network"]["layers"][1]["weights"][:, :16]
        slow.pop("options")
        occupied = threading.Thread(target=lambda: Client(busy.url).gradcheck(slow))
        occupied.start()
        for _ in range(1000):
            try:
                urllib.request.urlopen(busy.url + "/readyz", timeout=5)
                time.sleep(0.005)
            except urllib.error.HTTPError as e:
                assert e.code == 503 and e.read() == b"saturated\n"
                break
        else:
            pytest.fail("the slow request never took the worker")
        with Client(busy.url, retries=0) as client:
            with pytest.raises(ProblemError) as e:
                client.gradients(example())
            assert e.value.status == 503 and e.value.retry_after is not None and e.value.retry_after >= 1
        # The client's waits, as asked for by Retry-After (recorded, then really slept).
        waits = []
        real_sleep = time.sleep
        monkeypatch.setattr("backprop_client._client.time.sleep", lambda s: (waits.append(s), real_sleep(s)))
        with Client(busy.url, retries=5) as client:
            statuses = []
            client._http.event_hooks["response"] = [lambda r: statuses.append(r.status_code)]
            answer = client.gradients(example())
        assert answer["batchSize"] == 2
        assert statuses[0] == 503 and statuses[-1] == 200 and set(statuses[:-1]) == {503}
        assert waits == [1.0] * (len(statuses) - 1)  # one Retry-After (1 s) before each retry
        occupied.join()
    finally:
        busy.stop()


def test_a_dead_replica_is_skipped(server):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    with Client([dead, server.url]) as client:
        for _ in range(3):
            assert client.gradients(example())["batchSize"] == 2
    with Client(dead) as client:
        with pytest.raises(Exception):
            client.gradients(example())


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_sharding_across_two_servers_equals_the_whole_batch(server, second, reduction):
    body = example(batch=37, seed=5)
    body["options"]["reduction"] = reduction
    with Client(server.url) as one:
        whole = one.gradients(body)
    with Client([server.url, second.url]) as both:
        for shards in (2, 3, 7):
            split = both.gradients(body, shards=shards)
            assert split["batchSize"] == 37 and split["reduction"] == reduction
            assert split["loss"] == pytest.approx(whole["loss"], rel=1e-12)
            for g, w in zip(split["layers"], whole["layers"]):
                for key in ("delta", "weightGradient", "biasGradient", "activation"):
                    assert g[key].shape == w[key].shape, key
                    np.testing.assert_allclose(g[key], w[key], rtol=1e-11, atol=1e-15, err_msg=key)
            np.testing.assert_allclose(split["inputGradient"], whole["inputGradient"], rtol=1e-11, atol=1e-15)
        forward = both.forward({**body, "options": {}}, shards=3)
        np.testing.assert_allclose(forward["outputs"], one_forward(server, body), rtol=1e-14)


def one_forward(server, body):
    with Client(server.url) as client:
        return client.forward({**body, "options": {}})["outputs"]


def test_async_client_matches_and_shards(server, second):
    body = example(batch=20, seed=9)

    async def main():
        async with AsyncClient([server.url, second.url]) as client:
            many = await asyncio.gather(*(client.gradients(body) for _ in range(6)))
            split = await client.gradients(body, shards=4)
            check = await client.gradcheck({k: v for k, v in body.items() if k != "options"})
            return many, split, check

    many, split, check = asyncio.run(main())
    with Client(server.url) as client:
        whole = client.gradients(body)
    for answer in many:
        np.testing.assert_array_equal(answer["layers"][0]["weightGradient"], whole["layers"][0]["weightGradient"])
    np.testing.assert_allclose(split["layers"][0]["weightGradient"], whole["layers"][0]["weightGradient"], rtol=1e-11)
    assert check["passed"] is True


def test_the_readme_examples_run(server, second):
    blocks = re.findall(r"```python\n(.*?)```", open(README).read(), re.S)
    assert len(blocks) == 5
    env = dict(os.environ, BACKPROP_URL=server.url, BACKPROP_URLS=f"{server.url},{second.url}")
    for block in blocks:
        result = subprocess.run([sys.executable, "-c", block], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, block + result.stderr


def test_the_callers_trace_goes_with_each_request_when_opentelemetry_is_installed(server, monkeypatch):
    from opentelemetry import context, trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

    import backprop_client._client as module

    trace_id, span_id = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
    current = SpanContext(trace_id=int(trace_id, 16), span_id=int(span_id, 16), is_remote=False,
                          trace_flags=TraceFlags(TraceFlags.SAMPLED))
    sent = []
    with Client(server.url) as client:
        client._http.event_hooks["request"] = [lambda r: sent.append(r.headers.get("traceparent"))]
        token = context.attach(trace.set_span_in_context(NonRecordingSpan(current)))
        try:
            client.gradients(example())
        finally:
            context.detach(token)
        # No current span: nothing is added.
        client.gradients(example())
        # Without OpenTelemetry installed the client works as before.
        monkeypatch.setattr(module, "_inject", None)
        client.gradients(example())
    assert sent == [f"00-{trace_id}-{span_id}-01", None, None]
