"""The exception every problem+json answer (RFC 9457) becomes."""
from __future__ import annotations

import json
from typing import Any, Mapping, Optional


class ProblemError(Exception):
    """An answer other than 200: `status`, `type`, `title`, `detail` and `pointer` (the JSON Pointer
    of the field at fault, or None), as the server's problem+json gave them. `problem` is the whole
    object (a 503 also has the Retry-After the server asked for in `retry_after`)."""

    def __init__(self, status: int, type: str, title: str, detail: str, pointer: Optional[str] = None,
                 problem: Optional[Mapping[str, Any]] = None, retry_after: Optional[float] = None):
        self.status, self.type, self.title, self.detail, self.pointer = status, type, title, detail, pointer
        self.problem = dict(problem or {})
        self.retry_after = retry_after
        where = f" at {pointer}" if pointer else ""
        super().__init__(f"{status} {title}: {detail}{where}")

    @classmethod
    def from_response(cls, status: int, content_type: str, content: bytes, reason: str = "",
                      retry_after: Optional[str] = None) -> "ProblemError":
        problem: Mapping[str, Any] = {}
        if "json" in content_type:
            try:
                parsed = json.loads(content)
                if isinstance(parsed, Mapping):
                    problem = parsed
            except ValueError:
                pass
        text = content.decode("utf-8", "replace").strip()
        return cls(
            status=int(problem.get("status", status)),
            type=str(problem.get("type", "about:blank")),
            title=str(problem.get("title", reason or f"HTTP {status}")),
            detail=str(problem.get("detail", text)),
            pointer=problem.get("pointer"),
            problem=problem,
            retry_after=float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None,
        )
