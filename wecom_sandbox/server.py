"""HTTP front end: routes /cgi-bin/ to the WeCom API, /control/ to the control API, and WeCom's login
pages (/wwlogin/sso/login, /connect/oauth2/authorize, /wwopen/uriconfirm) to login_pages.

Standard library only (ThreadingHTTPServer).  HTTP/1.1 keep-alive is supported so an app doing
a full sync over one requests.Session does not open a connection per call.
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import api, client, control, login_pages
from .app import Sandbox

MAX_BODY = 32 * 1024 * 1024


class SandboxServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that owns a Sandbox; stop() shuts both down."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: Sandbox | None = None, verbose: bool = False) -> None:
        self.app = app or Sandbox()
        self.verbose = verbose
        super().__init__(address, SandboxHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        host = self.server_address[0]
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        """Stop serving, close the socket and the callback sender (idempotent enough for fixtures)."""
        self.shutdown()
        self.server_close()
        self.app.close()


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes; avoid 40 ms delayed-ACK stalls
    server: SandboxServer
    server_version = "wecom-sandbox"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        if self.server.verbose:
            sys.stderr.write("wecom_sandbox: " + (format % args) + "\n")

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            body = self._read_body()
        except ValueError:
            self._send(400, {"error": "malformed request body framing"})
            return
        if body is None:
            self.close_connection = True
            self._send(413, {"error": f"request body larger than {MAX_BODY} bytes"})
            return
        try:
            status, payload = self._route(method, path, query, body)
        except Exception as exc:  # last resort: answer JSON, log the traceback only to stderr
            traceback.print_exc(file=sys.stderr)
            status, payload = 500, {"error": f"internal sandbox error: {type(exc).__name__}"}
        self._send(status, payload)

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        app = self.server.app
        if path.startswith("/cgi-bin/"):
            status, payload = api.handle(app, method, path[len("/cgi-bin/") :], query, body,
                                         self.headers.get("Content-Type", ""))
        elif path == "/control" or path.startswith("/control/"):
            status, payload = control.handle(app, method, path.rstrip("/") or path, query, body)
        elif path.startswith("/sandbox-client/"):
            status, payload = _client_route(app, method, path, body)
        elif path in login_pages.PATHS:
            page = login_pages.handle(app, method, path, query, body)
            status, payload = page.status, page
        elif path in ("/", "/health"):
            status, payload = (
                200,
                {
                    "name": "wecom_sandbox",
                    "ok": True,
                    "wecom_api": sorted(api.ROUTES) + ["gettoken"],
                    "control_api": control.endpoints(),
                    "login_pages": list(login_pages.PATHS),
                    "client_stand_in": [client.SCRIPT_PATH, client.INVOKE_PATH],
                },
            )
        else:
            status, payload = (
                404,
                {
                    "error": f"nothing at {path}; WeCom API is under /cgi-bin/, control API under /control/, "
                    f"login pages at {', '.join(login_pages.PATHS[:2])}"
                },
            )
        return status, payload

    def _send(self, status: int, payload: Any) -> None:
        if isinstance(payload, Script):
            self.send_response(status)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Content-Length", str(len(payload.body)))
            self.end_headers()
            self.wfile.write(payload.body)
            return
        if isinstance(payload, login_pages.Page):
            self._send_page(status, payload)
            return
        raw = isinstance(payload, api.RawAnswer)
        data = payload.body if raw else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header(
            "Content-Type", "text/html; charset=utf-8" if raw else "application/json; charset=utf-8"
        )
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_page(self, status: int, page: login_pages.Page) -> None:
        data = page.body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Script:
    """The client stand-in's script (client.py), sent as JavaScript."""

    def __init__(self, body: bytes) -> None:
        self.body = body


def _client_route(app: Sandbox, method: str, path: str, body: bytes) -> tuple[int, Any]:
    """The WeCom client stand-in (client.py): its script, and the invokes it posts."""
    if path == client.SCRIPT_PATH and method == "GET":
        return 200, Script(client.script())
    if path == client.INVOKE_PATH and method == "POST":
        try:
            request = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return 400, {"error": "the invoke is not JSON"}
        if not isinstance(request, dict):
            return 400, {"error": "the invoke must be a JSON object"}
        return 200, client.invoke(app, request)
    return 404, {"error": f"nothing at {method} {path}; the client stand-in is GET {client.SCRIPT_PATH}"}


def start_server(
    host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False
) -> tuple[SandboxServer, threading.Thread]:
    """Start a sandbox in a background thread; port 0 picks a free port (see server.port / server.url).

    Stop it with server.stop().
    """
    server = SandboxServer((host, port), verbose=verbose)
    thread = threading.Thread(target=server.serve_forever, name="wecom-sandbox-http", daemon=True)
    thread.start()
    return server, thread
