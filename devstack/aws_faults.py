"""Fault windows for the local moto servers: "SQS refuses SendMessage for the next 3 s", on demand.

Tests and the soak benchmark need AWS outages that behave like real ones: every client of the service (the
callback route, the consumers, the jobs) sees the failure through botocore, for a while, and then the
service is back with everything it held before. Deleting a queue (what tests did before) loses its
messages; this does not. A window is set on one moto process over HTTP and matches requests by their
operation (``X-Amz-Target`` of the JSON protocols, or the query protocol's ``Action``); a matching request
is answered 503 ``ServiceUnavailable`` without reaching moto, as an overloaded or failing endpoint would.

    POST   /_devstack/faults  {"operations": ["AmazonSQS.SendMessage"], "seconds": 3}   → {"id": 1, ...}
    GET    /_devstack/faults                                                             → active windows
    DELETE /_devstack/faults                                                             → clears them

An operation ends with ``*`` to match a prefix (``AmazonSQS.SendMessage*`` also matches SendMessageBatch).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import requests

PATH = "/_devstack/faults"


@dataclass(frozen=True)
class Window:
    id: int
    operations: tuple[str, ...]
    until: float  # time.monotonic() of this process
    refused: list[int]  # one cell: how many requests it answered 503

    def matches(self, operation: str) -> bool:
        return any(operation.startswith(op[:-1]) if op.endswith("*") else operation == op for op in self.operations)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "operations": list(self.operations),
                "remaining_s": round(max(0.0, self.until - time.monotonic()), 3), "refused": self.refused[0]}


class FaultWindows:
    """The windows of one moto process; thread-safe (werkzeug serves each request on its own thread)."""

    def __init__(self) -> None:
        self._windows: list[Window] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.total_refused = 0

    def add(self, operations: list[str], seconds: float) -> Window:
        window = Window(next(self._ids), tuple(operations), time.monotonic() + seconds, [0])
        with self._lock:
            self._windows.append(window)
        return window

    def clear(self) -> int:
        with self._lock:
            n, self._windows = len(self._windows), []
        return n

    def active(self) -> list[Window]:
        now = time.monotonic()
        with self._lock:
            self._windows = [w for w in self._windows if w.until > now]
            return list(self._windows)

    def refuse(self, operation: str) -> bool:
        for window in self.active():
            if window.matches(operation):
                with self._lock:
                    window.refused[0] += 1
                    self.total_refused += 1
                return True
        return False


def operation_of(environ: dict[str, Any]) -> str:
    """``AmazonSQS.SendMessage`` / ``DynamoDB_20120810.PutItem`` (JSON protocols), else ``Action`` of a query
    protocol request (``SendMessage``), else ""."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0]
    return ""


def _json(start_response: Any, status: str, body: Any, extra: list[tuple[str, str]] | None = None) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *(extra or [])])
    return [data]


def middleware(app: Any, windows: FaultWindows) -> Any:
    """Wrap moto's WSGI app: the control path, and 503 for requests inside a window."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == PATH:
            method = environ.get("REQUEST_METHOD")
            if method == "POST":
                size = int(environ.get("CONTENT_LENGTH") or 0)
                spec = json.loads(environ["wsgi.input"].read(size) or b"{}")
                window = windows.add([str(op) for op in spec["operations"]], float(spec["seconds"]))
                return _json(start_response, "200 OK", window.to_json())
            if method == "DELETE":
                return _json(start_response, "200 OK", {"cleared": windows.clear()})
            return _json(start_response, "200 OK", {"windows": [w.to_json() for w in windows.active()],
                                                    "refused": windows.total_refused})
        operation = operation_of(environ)
        if operation and windows.refuse(operation):
            # Drain the body so the connection stays usable, then answer as an unavailable endpoint does.
            size = int(environ.get("CONTENT_LENGTH") or 0)
            if size:
                environ["wsgi.input"].read(size)
            return _json(start_response, "503 Service Unavailable",
                         {"__type": "ServiceUnavailable", "message": "devstack fault window"},
                         [("x-amzn-query-error", "ServiceUnavailable;Receiver")])
        return app(environ, start_response)

    return wsgi


def install(windows: FaultWindows | None = None) -> FaultWindows:
    """Patch moto's dispatcher application (in the moto server process, before it starts serving)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    windows = windows or FaultWindows()
    original = DomainDispatcherApplication.__call__

    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        return middleware(lambda e, s: original(self, e, s), windows)(environ, start_response)

    DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign]
    return windows


# --- the client side (tests, the soak benchmark) ---------------------------------------------------------
SQS_SENDS = ("AmazonSQS.SendMessage*",)


def refuse(endpoint: str, operations: tuple[str, ...] | list[str], seconds: float) -> dict[str, Any]:
    """Open a window on the moto server at ``endpoint`` (e.g. the stack's messaging URL)."""
    r = requests.post(f"{endpoint}{PATH}", json={"operations": list(operations), "seconds": seconds}, timeout=5)
    r.raise_for_status()
    return r.json()


def status(endpoint: str) -> dict[str, Any]:
    return requests.get(f"{endpoint}{PATH}", timeout=5).json()


def clear(endpoint: str) -> None:
    requests.delete(f"{endpoint}{PATH}", timeout=5).raise_for_status()
