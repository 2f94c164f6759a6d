"""Request and answer encoding: numpy arrays to the API's tensor forms and back."""
from __future__ import annotations

import base64
import json
from typing import Any, Callable, List, Mapping, Optional, Tuple

import numpy as np

#: Float tensors of at least this many bytes in total make the default transport binary.
BINARY_THRESHOLD = 64 * 1024

#: Answer members that hold tensors (per layer, and at the top level).
TENSOR_KEYS = frozenset({
    "delta", "weightGradient", "biasGradient", "preactivation", "activation", "inputGradient", "outputs",
})

_DTYPES = {"float32": np.float32, "float64": np.float64}


def _is_float_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def float_bytes(body: Any) -> int:
    """Bytes of float numpy arrays anywhere in `body`."""
    if _is_float_array(body):
        return int(body.nbytes)
    if isinstance(body, Mapping):
        return sum(float_bytes(v) for v in body.values())
    if isinstance(body, (list, tuple)):
        return sum(float_bytes(v) for v in body)
    return 0


def _jsonable(value: Any, float_array: Optional[Callable[[np.ndarray], Any]] = None) -> Any:
    """Numpy arrays and scalars as plain JSON values (nested lists), everything else as is; with
    `float_array`, float arrays become what it returns instead (visited in document order)."""
    if float_array is not None and _is_float_array(value):
        return float_array(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {k: _jsonable(v, float_array) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, float_array) for v in value]
    return value


def encode_json(body: Mapping[str, Any]) -> bytes:
    return json.dumps(_jsonable(body), allow_nan=False, separators=(",", ":")).encode()


def encode_binary(body: Mapping[str, Any], dtype: str) -> Tuple[bytes, int]:
    """A binary body (the binary tensor extension): the JSON part, whose float arrays become
    `{"shape", "dtype", "binaryDataSize"}`, then their little-endian bytes in document order.
    Returns the body and the JSON part's length (for Inference-Header-Content-Length)."""
    parts: List[bytes] = []
    target = np.dtype(_DTYPES.get(dtype, np.float64)).newbyteorder("<")

    def binary(value: np.ndarray) -> Any:
        raw = np.ascontiguousarray(value, dtype=target).tobytes()
        parts.append(raw)
        return {"shape": list(value.shape), "dtype": target.name, "binaryDataSize": len(raw)}

    head = json.dumps(_jsonable(body, binary), allow_nan=False, separators=(",", ":")).encode()
    return head + b"".join(parts), len(head)


def _tensor(value: Any, dtype: Any, tail: "_Tail") -> Any:
    """One answer tensor in whatever form it travelled, as a numpy array."""
    if isinstance(value, Mapping) and "shape" in value:
        shape = tuple(value["shape"])
        if "binaryDataSize" in value:
            kind = np.dtype(_DTYPES[value["dtype"]]).newbyteorder("<")
            return np.frombuffer(tail.take(value["binaryDataSize"]), dtype=kind).astype(kind.newbyteorder("="), copy=False).reshape(shape)
        if "base64" in value:
            kind = np.dtype(_DTYPES[value["dtype"]]).newbyteorder("<")
            return np.frombuffer(base64.b64decode(value["base64"]), dtype=kind).astype(kind.newbyteorder("="), copy=False).reshape(shape)
        if "data" in value:
            return np.asarray(value["data"], dtype=dtype).reshape(shape)
    if isinstance(value, list):
        return np.asarray(value, dtype=dtype)
    return value


class _Tail:
    """The binary part of an answer, handed out tensor by tensor in document order."""

    def __init__(self, data: bytes):
        self.data, self.offset = memoryview(data), 0

    def take(self, n: int) -> memoryview:
        if self.offset + n > len(self.data):
            raise ValueError("the answer's binary part is shorter than its tensors")
        piece = self.data[self.offset:self.offset + n]
        self.offset += n
        return piece


def decode_answer(answer: Any, tail: bytes = b"") -> Any:
    """The API's answer with every tensor a numpy array of the answer's dtype."""
    dtype = _DTYPES.get(answer.get("dtype", "float64"), np.float64) if isinstance(answer, Mapping) else np.float64
    rest = _Tail(tail)

    def walk(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: (_tensor(v, dtype, rest) if k in TENSOR_KEYS else walk(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(answer)


def parse_response(content_type: str, headers: Mapping[str, str], content: bytes) -> Any:
    """A 200 answer's body (JSON, or a binary answer's JSON part and tensors) decoded."""
    if content_type.startswith("application/octet-stream"):
        length = int(headers["inference-header-content-length"])
        return decode_answer(json.loads(content[:length]), content[length:])
    return decode_answer(json.loads(content))
