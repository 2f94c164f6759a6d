"""The Open Inference Protocol (KServe v2 REST) routes, driven by tritonclient[http] (a client
written by others) against the release server (BACKPROP_BIN) on ephemeral ports. Run by
scripts/kserve-check.sh (make kserve, part of make test)."""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
import tritonclient.http as httpclient
import yaml
from tritonclient.utils import InferenceServerException

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "lib"))
from live_server import LiveServer  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")

W1 = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
B1 = np.zeros(3)
W2 = np.array([[0.7, 0.8, 0.9]])
X = np.array([[1.0, 2.0], [3.0, 4.0]])
Y = np.array([[1.0], [0.0]])
V1 = {
    "network": {"layers": [{"weights": W1.tolist(), "biases": B1.tolist(), "activation": "sigmoid"},
                           {"weights": W2.tolist(), "activation": "identity"}]},
    "batch": {"inputs": X.tolist(), "targets": Y.tolist()},
    "loss": "quadratic",
    "options": {"include": ["delta", "weightGradient", "biasGradient", "preactivation", "activation", "inputGradient"]},
}
PARAMETERS = {"activations": "sigmoid,identity", "loss": "quadratic"}


class Server(LiveServer):
    @property
    def url(self):
        return self.host  # tritonclient takes host:port

    def v1(self, body):
        status, answer = self.post("/v1/gradients", body)
        assert status == 200, answer
        return answer


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def client(server):
    c = httpclient.InferenceServerClient(server.url)
    yield c
    c.close()


def tensor(name, array, datatype="FP64", binary=True):
    t = httpclient.InferInput(name, list(array.shape), datatype)
    t.set_data_from_numpy(array, binary_data=binary)
    return t


def example_inputs(datatype="FP64", binary=True, dtype=np.float64):
    return [tensor("W1", W1.astype(dtype), datatype, binary), tensor("b1", B1.astype(dtype), datatype, binary),
            tensor("W2", W2.astype(dtype), datatype, binary), tensor("inputs", X.astype(dtype), datatype, binary),
            tensor("targets", Y.astype(dtype), datatype, binary)]


def test_health_and_metadata(client):
    assert client.is_server_live() and client.is_server_ready()
    meta = client.get_server_metadata()
    assert meta["name"] == "backprop-server" and "binary_tensor_data" in meta["extensions"]
    for model in ("gradients", "forward"):
        assert client.is_model_ready(model) and client.is_model_ready(model, "1")
        m = client.get_model_metadata(model)
        assert m["name"] == model and m["versions"] == ["1"]
        names = {t["name"]: t for t in m["inputs"]}
        assert names["W1"]["shape"] == [-1, -1] and names["b1"]["shape"] == [-1] and names["labels"]["datatype"] == "INT64"
        assert {"inputs", "targets", "W64"} <= set(names)
        outputs = {t["name"] for t in m["outputs"]}
        assert ("weightGradient1" in outputs) == (model == "gradients") and "activation1" in outputs
    assert not client.is_model_ready("nope")
    with pytest.raises(InferenceServerException) as e:
        client.get_model_metadata("nope")
    assert "unknown model" in str(e.value)


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("datatype", ["FP64", "FP32"])
def test_gradients_equal_v1_bit_for_bit(server, client, binary, datatype):
    dtype = np.float32 if datatype == "FP32" else np.float64
    expected = server.v1({**V1, "options": {**V1["options"], "dtype": "float32" if dtype == np.float32 else "float64"}})
    result = client.infer("gradients", example_inputs(datatype, binary, dtype),
                          parameters={**PARAMETERS, "include": "delta,weightGradient,biasGradient,preactivation,activation,inputGradient"})
    assert result.as_numpy("loss").dtype == dtype
    assert result.as_numpy("loss")[0] == dtype(expected["loss"])
    for l, layer in enumerate(expected["layers"], start=1):
        for q in ("delta", "weightGradient", "biasGradient", "preactivation", "activation"):
            got = result.as_numpy(f"{q}{l}")
            assert got.dtype == dtype, (q, l)
            np.testing.assert_array_equal(got, np.asarray(layer[q], dtype=dtype), err_msg=f"{q}{l}")
    np.testing.assert_array_equal(result.as_numpy("inputGradient"), np.asarray(expected["inputGradient"], dtype=dtype))


def test_labels_and_selected_outputs(server, client):
    W = np.array([[0.2, -0.1], [0.4, 0.3], [-0.5, 0.1]])
    inputs = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]])
    for labels_type, numpy_type in (("INT64", np.int64), ("INT32", np.int32)):
        result = client.infer(
            "gradients",
            [tensor("W1", W), tensor("inputs", inputs), tensor("labels", np.array([0, 2, 1], dtype=numpy_type), labels_type)],
            parameters={"activations": "softmax", "loss": "cross_entropy"},
            outputs=[httpclient.InferRequestedOutput("weightGradient1", binary_data=False),
                     httpclient.InferRequestedOutput("loss", binary_data=True)],
        )
        names = [o["name"] for o in result.get_response()["outputs"]]
        assert names == ["weightGradient1", "loss"]
        expected = server.v1({"network": {"layers": [{"weights": W.tolist(), "activation": "softmax"}]},
                              "batch": {"inputs": inputs.tolist(), "labels": [0, 2, 1]}, "loss": "cross_entropy"})
        np.testing.assert_array_equal(result.as_numpy("weightGradient1"), np.asarray(expected["layers"][0]["weightGradient"]))
        assert result.as_numpy("loss")[0] == expected["loss"]
        assert result.as_numpy("delta1") is None  # not asked for, not sent


def test_forward_and_parameters(client):
    result = client.infer("forward", example_inputs("FP32", True, np.float32)[:4],
                          parameters={"activations": "leaky_relu:0.2,identity"})
    out = result.as_numpy("activation2")
    assert out.shape == (2, 1) and out.dtype == np.float32
    z = X @ W1.T
    expected = np.where(z > 0, z, 0.2 * z) @ W2.T
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    mean = client.infer("gradients", example_inputs(), parameters=PARAMETERS).as_numpy("weightGradient2")
    total = client.infer("gradients", example_inputs(), parameters={**PARAMETERS, "reduction": "sum"}).as_numpy("weightGradient2")
    np.testing.assert_allclose(total, 2 * mean, rtol=1e-15)


def test_errors_name_the_input(client):
    def error(model, inputs, parameters=PARAMETERS):
        with pytest.raises(InferenceServerException) as e:
            client.infer(model, inputs, parameters=parameters)
        return str(e.value)

    bad = example_inputs()
    bad[2] = tensor("W2", np.array([[0.7, 0.8]]))
    message = error("gradients", bad)
    assert "input W2 has shape [1, 2], but W1 has 3 rows, so W2 needs 3 columns" in message and "[422]" in message
    assert "layers[" not in message and "W^" not in message and "units" not in message
    bad = example_inputs()
    bad[4] = tensor("targets", np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert "input targets" in error("gradients", bad)
    mixed = example_inputs()
    mixed[3] = tensor("inputs", X.astype(np.float32), "FP32")
    assert "input inputs" in error("gradients", mixed) and "datatype" in error("gradients", mixed)
    assert "parameter loss" in error("gradients", example_inputs(), {"activations": "sigmoid,identity"})
    assert "parameter activations" in error("gradients", example_inputs(), {**PARAMETERS, "activations": "sigmoid"})
    assert "parameter activations (layer 1)" in error("gradients", example_inputs(), {**PARAMETERS, "activations": "sigmod,identity"})
    assert "unknown input" in error("gradients", example_inputs() + [tensor("W3x", W2)])
    assert "unknown model" in error("nope", example_inputs())


def test_strict_a_typo_never_computes(client):
    """What tritonclient lets a user send by mistake is refused with what is allowed, never computed."""
    def error(parameters=PARAMETERS, model="gradients", **options):
        with pytest.raises(InferenceServerException) as e:
            client.infer(model, example_inputs(), parameters=parameters, **options)
        return str(e.value)

    message = error({"activation": "sigmoid,identity", "loss": "quadratic"})
    assert "[400]" in message and 'unknown parameter "activation"' in message and "activations" in message
    assert 'unknown parameter "reducton"' in error({**PARAMETERS, "reducton": "sum"})
    assert "belongs to model gradcheck" in error({**PARAMETERS, "epsilon": 1e-6})
    assert "sequence_id is not supported" in error(sequence_id=7)
    # The protocol's own names stay accepted: priority and timeout (microseconds) from tritonclient.
    result = client.infer("gradients", example_inputs(), parameters=PARAMETERS, priority=1, timeout=10_000_000)
    assert result.as_numpy("loss")[0] > 0
    with pytest.raises(InferenceServerException) as e:
        client.infer("gradients", example_inputs(),
                     outputs=[httpclient.InferRequestedOutput("weightGradients1")], parameters=PARAMETERS)
    assert 'unknown output "weightGradients1"' in str(e.value) and "weightGradient{l}" in str(e.value)


def test_token_limits_and_plain_http():
    s = Server("--auth-token", "s3cret", "--max-units", "2")
    try:
        c = httpclient.InferenceServerClient(s.url)
        assert c.is_server_live()  # health stays open
        with pytest.raises(InferenceServerException) as e:
            c.infer("gradients", example_inputs(), parameters=PARAMETERS)
        assert "[401]" in str(e.value)
        authorized = {"Authorization": "Bearer s3cret"}
        with pytest.raises(InferenceServerException) as e:
            c.infer("gradients", example_inputs(), parameters=PARAMETERS, headers=authorized)
        assert "[413]" in str(e.value) and "input W1" in str(e.value)
        # The protocol's error body, over plain HTTP.
        request = urllib.request.Request(f"http://{s.url}/v2/models/gradients/infer", data=b"{", method="POST",
                                         headers=authorized)
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(request)
        assert e.value.code == 400 and set(json.loads(e.value.read())) == {"error"}
        c.close()
    finally:
        s.stop()


def test_metrics_label_v2_routes_without_model_names(server, client):
    client.infer("gradients", example_inputs(), parameters=PARAMETERS)
    with pytest.raises(InferenceServerException):
        client.infer("made-up-model", example_inputs(), parameters=PARAMETERS)
    text = urllib.request.urlopen(f"http://{server.url}/metrics").read().decode()
    assert 'route="/v2/models/{model}/infer"' in text
    assert "made-up-model" not in text


def test_the_kserve_manifests():
    docs = list(yaml.safe_load_all(open(os.path.join(ROOT, "deploy", "kserve", "inferenceservice.yaml"))))
    kinds = {d["kind"]: d for d in docs}
    runtime, isvc = kinds["ClusterServingRuntime"], kinds["InferenceService"]
    assert isvc["apiVersion"] == "serving.kserve.io/v1beta1"
    assert runtime["apiVersion"] == "serving.kserve.io/v1alpha1"
    assert "v2" in runtime["spec"]["protocolVersions"]
    container = runtime["spec"]["containers"][0]
    assert container["name"] == "kserve-container"
    assert container["readinessProbe"]["httpGet"]["path"] == "/v2/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/v2/health/live"
    assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]["memory"]
    predictor = isvc["spec"]["predictor"]
    assert predictor["model"]["protocolVersion"] == "v2"
    assert predictor["model"]["runtime"] == runtime["metadata"]["name"]
    assert predictor["model"]["modelFormat"]["name"] in [f["name"] for f in runtime["spec"]["supportedModelFormats"]]
    assert predictor["scaleMetric"] == "concurrency" and predictor["scaleTarget"] >= 1
    assert predictor["containerConcurrency"] >= predictor["scaleTarget"]
    assert predictor["maxReplicas"] >= predictor["minReplicas"]


def test_the_readme_example_runs(server):
    readme = open(os.path.join(ROOT, "README.md")).read()
    block = next(b for b in readme.split("```python\n")[1:] if "tritonclient" in b.split("```")[0]).split("```")[0]
    assert len(block.strip().splitlines()) == 5
    result = subprocess.run([sys.executable, "-c", block.replace("127.0.0.1:8080", server.url)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[1.31078176]")


def test_gradcheck_model(client):
    assert client.is_model_ready("gradcheck")
    outputs = {t["name"]: t["datatype"] for t in client.get_model_metadata("gradcheck")["outputs"]}
    assert outputs["passed"] == "BOOL" and outputs["weightsMaxRelError1"] == "FP64"
    for binary in (False, True):
        result = client.infer("gradcheck", example_inputs(binary=binary), parameters={**PARAMETERS, "epsilon": 1e-6})
        assert result.as_numpy("passed").tolist() == [True]
        assert result.as_numpy("passed1").tolist() == [True] and result.as_numpy("passed2").tolist() == [True]
        assert 0 <= result.as_numpy("weightsMaxRelError1")[0] < 1e-6
        assert 0 <= result.as_numpy("biasesMaxAbsError2")[0] < 1e-8
    selected = client.infer("gradcheck", example_inputs(), parameters=PARAMETERS,
                            outputs=[httpclient.InferRequestedOutput("passed", binary_data=False)])
    assert [o["name"] for o in selected.get_response()["outputs"]] == ["passed"]
    with pytest.raises(InferenceServerException) as e:
        client.infer("gradcheck", example_inputs("FP32", True, np.float32), parameters=PARAMETERS)
    assert "FP64" in str(e.value)
