"""Fixtures for the sandbox tests: an in-process sandbox, a callback receiver, API/control clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from wechatpy.enterprise.crypto import WeChatCrypto

from wecom_sandbox import start_server
from wecom_sandbox.server import SandboxServer


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    """A tiny HTTP server standing in for the SCRM app's callback endpoint."""

    statuses: list[int] = field(default_factory=list)
    delay_s: float = 0.0
    delays: list[float] = field(default_factory=list)  # per POST, in order; then delay_s
    on_post: Callable[[Received], None] | None = None
    creds: dict[str, dict[str, str]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _record(self, method: str) -> Received:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                return Received(method, parts.path, query, dict(self.headers), body)

            def _answer(self, status: int, text: str = "") -> None:
                data = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                rec = self._record("GET")
                corp_id = rec.path.rsplit("/", 1)[-1]
                creds = receiver.creds.get(corp_id)
                if creds is None:
                    self._answer(404)
                    return
                crypto = WeChatCrypto(creds["token"], creds["aes_key"], corp_id)
                echo = crypto.check_signature(
                    rec.query["msg_signature"],
                    rec.query["timestamp"],
                    rec.query["nonce"],
                    rec.query["echostr"],
                )
                self._answer(200, echo if isinstance(echo, str) else echo.decode())

            def do_POST(self) -> None:
                rec = self._record("POST")
                with receiver.cond:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    delay = receiver.delays.pop(0) if receiver.delays else receiver.delay_s
                if receiver.on_post is not None:
                    receiver.on_post(rec)
                if delay:
                    time.sleep(delay)
                with receiver.cond:
                    receiver.received.append(rec)
                    receiver.cond.notify_all()
                self._answer(status)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def posts(self, corp_id: str) -> list[Received]:
        with self.cond:
            return [r for r in self.received if r.method == "POST" and r.path.endswith("/" + corp_id)]

    def wait_posts(self, corp_id: str, n: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [r for r in self.received if r.method == "POST" and r.path.endswith("/" + corp_id)]
                if len(got) >= n or time.monotonic() > deadline:
                    return got
                self.cond.wait(0.05)

    def decrypt(self, rec: Received, corp_id: str) -> str:
        """Decrypt a delivery with wechatpy, the library the app uses (the interop check)."""
        creds = self.creds[corp_id]
        crypto = WeChatCrypto(creds["token"], creds["aes_key"], corp_id)
        return crypto.decrypt_message(
            rec.body, rec.query["msg_signature"], rec.query["timestamp"], rec.query["nonce"]
        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Control:
    """Client of the /control/ API."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def call(self, method: str, path: str, body: Any = None, expect: int | None = 200) -> Any:
        resp = self.session.request(method, self.base + "/control" + path, json=body, timeout=30)
        if expect is not None:
            assert resp.status_code == expect, f"{method} {path} -> {resp.status_code} {resp.text}"
        return resp.json()

    def post(self, path: str, body: Any = None, expect: int | None = 200) -> Any:
        return self.call("POST", path, body if body is not None else {}, expect)

    def get(self, path: str, expect: int | None = 200) -> Any:
        return self.call("GET", path, None, expect)


class WeCom:
    """Minimal WeCom API client for one corp (what the app would do through wechatpy)."""

    def __init__(self, base: str, corp_id: str, secret: str) -> None:
        self.base = base
        self.corp_id = corp_id
        self.secret = secret
        self.session = requests.Session()
        self._token: str | None = None

    def gettoken(self, **params: str) -> dict[str, Any]:
        query = {"corpid": self.corp_id, "corpsecret": self.secret, **params}
        return self.session.get(self.base + "/cgi-bin/gettoken", params=query, timeout=10).json()

    @property
    def token(self) -> str:
        if self._token is None:
            data = self.gettoken()
            assert data["errcode"] == 0, data
            self._token = data["access_token"]
        return self._token

    def get(self, path: str, token: str | None = None, **params: Any) -> dict[str, Any]:
        params["access_token"] = token if token is not None else self.token
        return self.session.get(f"{self.base}/cgi-bin/{path}", params=params, timeout=10).json()

    def post(self, path: str, body: Any, token: str | None = None) -> dict[str, Any]:
        params = {"access_token": token if token is not None else self.token}
        return self.session.post(
            f"{self.base}/cgi-bin/{path}", params=params, data=json.dumps(body), timeout=10
        ).json()


@dataclass
class CorpHandle:
    info: dict[str, Any]
    api: WeCom
    ctl: Control

    @property
    def id(self) -> str:
        return self.info["corp_id"]

    def c(self, path: str, body: Any = None, expect: int | None = 200) -> Any:
        """POST to /control/corps/{corp}{path}."""
        return self.ctl.post(f"/corps/{self.id}{path}", body, expect)

    def cget(self, path: str = "", expect: int | None = 200) -> Any:
        return self.ctl.get(f"/corps/{self.id}{path}", expect)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    server, _thread = start_server("127.0.0.1", 0)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ctl(sandbox: SandboxServer) -> Control:
    return Control(sandbox.url)


@pytest.fixture(scope="session")
def handle_for(sandbox: SandboxServer, ctl: Control) -> Callable[[dict[str, Any]], CorpHandle]:
    """Wrap a POST /control/corps answer in a CorpHandle (for module-scoped corps, made without make_corp)."""

    def wrap(info: dict[str, Any]) -> CorpHandle:
        return CorpHandle(info, WeCom(sandbox.url, info["corp_id"], info["secret"]), ctl)

    return wrap


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.stop()


@pytest.fixture
def make_corp(
    sandbox: SandboxServer, ctl: Control, receiver: Receiver
) -> Iterator[Callable[..., CorpHandle]]:
    created: list[str] = []

    def factory(**overrides: Any) -> CorpHandle:
        body: dict[str, Any] = {
            "callback_url": receiver.url + "/cb/{corp_id}",
            "callback_retry_delays": [0.05, 0.05, 0.05],
            "callback_timeout_s": 1,
        }
        body.update(overrides)
        info = ctl.post("/corps", body, expect=201)
        created.append(info["corp_id"])
        receiver.creds[info["corp_id"]] = {"token": info["token"], "aes_key": info["aes_key"]}
        return CorpHandle(info, WeCom(sandbox.url, info["corp_id"], info["secret"]), ctl)

    yield factory
    for corp_id in created:
        ctl.call("DELETE", f"/corps/{corp_id}", expect=None)


@pytest.fixture
def corp(make_corp: Callable[..., CorpHandle]) -> CorpHandle:
    """A small seeded corp whose callbacks go to `receiver`."""
    return make_corp(
        seed={
            "employees": 4,
            "customers_per_employee": 3,
            "tag_groups": 2,
            "tags": 3,
            "groups": 2,
            "members_per_group": 4,
            "seed": 42,
        }
    )


@dataclass
class Isolated:
    """A sandbox of one's own, for tests that change global state (the world clock)."""

    server: SandboxServer
    ctl: Control
    receiver: Receiver

    def make_corp(self, **overrides: Any) -> CorpHandle:
        body: dict[str, Any] = {
            "callback_url": self.receiver.url + "/cb/{corp_id}",
            "callback_retry_delays": [0.05, 0.05, 0.05],
            "callback_timeout_s": 1,
        }
        body.update(overrides)
        info = self.ctl.post("/corps", body, expect=201)
        self.receiver.creds[info["corp_id"]] = {"token": info["token"], "aes_key": info["aes_key"]}
        return CorpHandle(info, WeCom(self.server.url, info["corp_id"], info["secret"]), self.ctl)


@pytest.fixture
def isolated(receiver: Receiver) -> Iterator[Isolated]:
    server, _thread = start_server("127.0.0.1", 0)
    yield Isolated(server, Control(server.url), receiver)
    server.stop()
