"""Client and AsyncClient for backprop-server's /v1 API."""
from __future__ import annotations

import asyncio
import copy
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import httpx
import numpy as np

from . import _wire
from ._errors import ProblemError

try:  # OpenTelemetry is optional: `pip install backprop-client[otel]` (or any opentelemetry-api).
    from opentelemetry.propagate import inject as _inject
except ImportError:  # pragma: no cover - exercised by the tests without it
    _inject = None

Body = Mapping[str, Any]
URLs = Union[str, Sequence[str]]

#: Per-sample answer members: a shard's rows are concatenated (the rest are summed).
_PER_SAMPLE = ("delta", "preactivation", "activation", "inputGradient", "outputs")
#: Members that scale with the reduction: divided by the total batch size for "mean".
_SCALED = ("delta", "weightGradient", "biasGradient", "inputGradient")


def _urls(url_or_urls: URLs) -> List[str]:
    urls = [url_or_urls] if isinstance(url_or_urls, str) else list(url_or_urls)
    if not urls:
        raise ValueError("give at least one base URL")
    return [u.rstrip("/") for u in urls]


def _options(body: Body) -> Dict[str, Any]:
    options = body.get("options")
    return dict(options) if isinstance(options, Mapping) else {}


def _prepare(body: Body, transport: Optional[str], path: str) -> Tuple[bytes, Dict[str, str]]:
    """The bytes and headers of one request, in the transport asked for (or chosen by size)."""
    if transport not in (None, "json", "binary"):
        raise ValueError(f'transport must be "json" or "binary", got {transport!r}')
    if transport is None:
        transport = "binary" if _wire.float_bytes(body) >= _wire.BINARY_THRESHOLD else "json"
    if transport == "json":
        return _wire.encode_json(body), {"Content-Type": "application/json"}
    options = _options(body)
    sent = dict(body)
    if "encoding" not in options and path != "/v1/gradcheck":  # (gradcheck answers with no tensors)
        sent["options"] = {**options, "encoding": "binary"}  # the answer's tensors as bytes too
    data, length = _wire.encode_binary(sent, options.get("dtype", "float64"))
    return data, {"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(length)}


def _answer(response: httpx.Response) -> Any:
    if response.status_code == 200:
        return _wire.parse_response(response.headers.get("content-type", ""), response.headers, response.content)
    raise ProblemError.from_response(response.status_code, response.headers.get("content-type", ""),
                                     response.content, response.reason_phrase, response.headers.get("retry-after"))


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


def _split(body: Body, shards: int) -> List[Dict[str, Any]]:
    """The body as `shards` bodies of consecutive samples, each with reduction "sum"."""
    if shards < 1:
        raise ValueError("shards must be at least 1")
    batch = body.get("batch")
    if not isinstance(batch, Mapping) or "inputs" not in batch:
        raise ValueError("sharding needs batch.inputs")
    inputs = np.asarray(batch["inputs"]) if not isinstance(batch["inputs"], Mapping) else None
    if inputs is None or inputs.ndim != 2:
        raise ValueError("sharding needs batch.inputs as a matrix (nested lists or a 2-D array)")
    total = inputs.shape[0]
    if shards > total:
        raise ValueError(f"{shards} shards for a batch of {total} samples")
    bounds = np.linspace(0, total, shards + 1).astype(int)
    bodies = []
    for k in range(shards):
        lo, hi = bounds[k], bounds[k + 1]
        part = dict(body)
        part["batch"] = {key: (np.asarray(value)[lo:hi] if key in ("inputs", "targets", "labels") else value)
                         for key, value in batch.items()}
        part["options"] = {**_options(body), "reduction": "sum"}
        bodies.append(part)
    return bodies


def _combine(answers: List[Any], body: Body) -> Any:
    """Shards' "sum" answers as the answer for the whole batch (docs/scaling.md): losses and
    parameter gradients added, per-sample rows concatenated in order, all divided by the total batch
    size for "mean"."""
    total = sum(a["batchSize"] for a in answers)
    mean = _options(body).get("reduction", "mean") == "mean"
    out = copy.copy(answers[0])
    out["batchSize"] = total
    out["reduction"] = "mean" if mean else "sum"

    def merge(key: str, values: List[Any]) -> Any:
        if key in _PER_SAMPLE:
            merged = np.concatenate(values, axis=0)
        else:
            merged = values[0].copy()
            for v in values[1:]:
                merged += v
        if mean and key in _SCALED:
            merged = (merged / total).astype(merged.dtype, copy=False)
        return merged

    if "loss" in out:
        loss = sum(a["loss"] for a in answers)
        out["loss"] = loss / total if mean else loss
    for key in ("inputGradient", "outputs"):
        if key in out:
            out[key] = merge(key, [a[key] for a in answers])
    if "layers" in out:
        layers = []
        for index, first in enumerate(answers[0]["layers"]):
            layer = dict(first)
            for key in first:
                if isinstance(first[key], np.ndarray):
                    layer[key] = merge(key, [a["layers"][index][key] for a in answers])
            layers.append(layer)
        out["layers"] = layers
    return out


class _Base:
    def __init__(self, url_or_urls: URLs, token: Optional[str], timeout: float, retries: int):
        self.urls = _urls(url_or_urls)
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self._next = 0  # round-robin over the URLs

    def _headers(self, extra: Dict[str, str]) -> Dict[str, str]:
        headers = dict(extra)
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        # The caller's trace, when OpenTelemetry is installed and a span is current: W3C
        # traceparent (and tracestate), so the server's spans join it.
        if _inject is not None:
            _inject(headers)
        return headers

    def _elsewhere(self, attempt: int, index: int) -> Optional[Tuple[int, int]]:
        """After a connection failure: the next (attempt, URL index) to try, or None to give up.
        Another replica may be up; with one URL there is nowhere else to go."""
        if len(self.urls) == 1 or attempt >= self.retries:
            return None
        return attempt + 1, index + 1

    def _wait(self, response: httpx.Response, attempt: int) -> Optional[float]:
        """Seconds to wait before sending again (a 503 within the retries), or None to answer."""
        return _retry_after(response) if response.status_code == 503 and attempt < self.retries else None

    def _pick(self) -> int:
        k = self._next % len(self.urls)
        self._next += 1
        return k


class Client(_Base):
    """A blocking client. `Client("http://127.0.0.1:8080")`, or a list of replicas' URLs.

    Keeps connections alive; use it as a context manager or call `close()`.
    """

    def __init__(self, url_or_urls: URLs, token: Optional[str] = None, timeout: float = 60.0, retries: int = 3):
        super().__init__(url_or_urls, token, timeout, retries)
        self._http = httpx.Client(timeout=timeout)
        self._pool: Optional[ThreadPoolExecutor] = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        if self._pool:
            self._pool.shutdown()

    def gradients(self, body: Body, *, transport: Optional[str] = None, shards: Optional[int] = None) -> Any:
        """POST /v1/gradients: loss and, per layer, delta, weightGradient, biasGradient (numpy arrays)."""
        return self._call("/v1/gradients", body, transport, shards)

    def forward(self, body: Body, *, transport: Optional[str] = None, shards: Optional[int] = None) -> Any:
        """POST /v1/forward: outputs (and the loss when targets are given)."""
        return self._call("/v1/forward", body, transport, shards)

    def gradcheck(self, body: Body, *, transport: Optional[str] = None) -> Any:
        """POST /v1/gradcheck: the analytic gradients against central finite differences."""
        return self._call("/v1/gradcheck", body, transport, None)

    def _call(self, path: str, body: Body, transport: Optional[str], shards: Optional[int]) -> Any:
        if not shards or shards == 1:
            return self._send(path, body, transport, self._pick())
        bodies = _split(body, shards)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=8)
        futures = [self._pool.submit(self._send, path, b, transport, k % len(self.urls)) for k, b in enumerate(bodies)]
        return _combine([f.result() for f in futures], body)

    def _send(self, path: str, body: Body, transport: Optional[str], start: int) -> Any:
        data, headers = _prepare(body, transport, path)
        attempt, index = 0, start
        while True:
            url = self.urls[index % len(self.urls)] + path
            try:
                response = self._http.post(url, content=data, headers=self._headers(headers))
            except httpx.TransportError:
                nxt = self._elsewhere(attempt, index)
                if nxt is None:
                    raise
                attempt, index = nxt
                continue
            delay = self._wait(response, attempt)
            if delay is None:
                return _answer(response)
            time.sleep(delay)
            attempt += 1


class AsyncClient(_Base):
    """The same methods as `Client`, as coroutines (httpx.AsyncClient underneath)."""

    def __init__(self, url_or_urls: URLs, token: Optional[str] = None, timeout: float = 60.0, retries: int = 3):
        super().__init__(url_or_urls, token, timeout, retries)
        self._http = httpx.AsyncClient(timeout=timeout)

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def gradients(self, body: Body, *, transport: Optional[str] = None, shards: Optional[int] = None) -> Any:
        return await self._call("/v1/gradients", body, transport, shards)

    async def forward(self, body: Body, *, transport: Optional[str] = None, shards: Optional[int] = None) -> Any:
        return await self._call("/v1/forward", body, transport, shards)

    async def gradcheck(self, body: Body, *, transport: Optional[str] = None) -> Any:
        return await self._call("/v1/gradcheck", body, transport, None)

    async def _call(self, path: str, body: Body, transport: Optional[str], shards: Optional[int]) -> Any:
        if not shards or shards == 1:
            return await self._send(path, body, transport, self._pick())
        bodies = _split(body, shards)
        answers = await asyncio.gather(*(self._send(path, b, transport, k % len(self.urls)) for k, b in enumerate(bodies)))
        return _combine(list(answers), body)

    async def _send(self, path: str, body: Body, transport: Optional[str], start: int) -> Any:
        data, headers = _prepare(body, transport, path)
        attempt, index = 0, start
        while True:
            url = self.urls[index % len(self.urls)] + path
            try:
                response = await self._http.post(url, content=data, headers=self._headers(headers))
            except httpx.TransportError:
                nxt = self._elsewhere(attempt, index)
                if nxt is None:
                    raise
                attempt, index = nxt
                continue
            delay = self._wait(response, attempt)
            if delay is None:
                return _answer(response)
            await asyncio.sleep(delay)
            attempt += 1


__all__ = ["Client", "AsyncClient"]
