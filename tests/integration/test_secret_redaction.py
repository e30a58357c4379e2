"""No corp secret or access token in any log line or error, whatever breaks between us and WeCom (issue 16).

Network errors (refused, reset, dropped, timeouts, a TLS failure), a gateway's error page and a 200 that is
not JSON are injected into gettoken and into another WeCom call: over real sockets, through the sandbox's
fault injection, and through a fake transport that fails the way requests does (its message quoting the
URL). The code paths that log are driven: the token refresh job, a direct WeCom call, and the stack's own
consumers. Every line is captured: the Powertools JSON lines on stdout/stderr, a plain handler at DEBUG on
the root and ``scrm`` loggers (urllib3 logs each URL there), pytest's log capture, the stack's log files,
and the text and traceback of every error raised.
"""

from __future__ import annotations

import base64
import contextlib
import io
import logging
import os
import secrets
import socket
import struct
import threading
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests
from scrm import bootstrap
from scrm.adapters import logs  # noqa: F401 - every function imports it: the process's logging set-up
from scrm.adapters.dynamo import reads
from scrm.adapters.wecom.client import WeComClient
from scrm.adapters.wecom.gateway import WeComGateways
from scrm.adapters.wecom.token_store import DynamoTokenStorage
from scrm.corps.corp import Corp
from scrm.corps.token_refresh import refresh_all

from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


class _OneCorp:
    """The token job's registry, listing one corp only (the stack holds many)."""

    def __init__(self, corp_id: str) -> None:
        self.corp_id = corp_id

    def list_ids(self) -> list[str]:
        return [self.corp_id]


class _Listener:
    """A TCP server that breaks every connection one way: "reset" (RST at once), "drop" (reads the request,
    closes without an answer) or "hang" (never answers: the client times out)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.stopped = threading.Event()
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/cgi-bin/"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            if self.mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            elif self.mode == "drop":
                conn.settimeout(1)
                with contextlib.suppress(OSError):
                    conn.recv(65536)
                conn.close()
            else:
                self.held.append(conn)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join()
        for conn in self.held:
            conn.close()
        self.sock.close()


class _FailingTransport(requests.adapters.BaseAdapter):
    """Fails every request as requests would, the message quoting the whole URL (urllib3's "Max retries
    exceeded with url: …" does, for a connect timeout or a TLS failure)."""

    def __init__(self, error: type[requests.RequestException]) -> None:
        super().__init__()
        self.error = error

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        raise self.error(
            f"HTTPSConnectionPool(host='qyapi.weixin.qq.com', port=443): Max retries exceeded with url: "
            f"{request.url} (Caused by {self.error.__name__}())",
            request=request,
        )

    def close(self) -> None:
        pass


def _closed_port_base() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/cgi-bin/"


@pytest.fixture
def registered_corp() -> Iterator[Corp]:
    """A corp known to Secrets Manager only (its WeCom is the broken endpoint): no token stored yet, so the
    token job always calls gettoken. Removed afterwards: the stack's own token job would fail on it too."""
    corp = Corp(
        "ww" + uuid.uuid4().hex[:16], secrets.token_hex(16), base64.b64encode(os.urandom(32)).decode()[:43],
        "S3cr" + secrets.token_urlsafe(30),
    )
    bootstrap.corp_registry().register(corp)
    yield corp
    bootstrap.corp_registry().remove(corp.corp_id)


def _gateways(base: str, timeout_s: float = 0.5) -> WeComGateways:
    s = replace(
        bootstrap.settings(), wecom_api_base=base, wecom_timeout_s=timeout_s, wecom_max_tries=2,
        wecom_backoff_base_s=0.01,
    )
    return WeComGateways(bootstrap.corp_registry(), s)


class _Capture:
    """Everything written: a DEBUG handler on root and ``scrm`` (added after the code's own set-up, as a
    runtime's or a test's would be), stdout/stderr (Powertools' JSON lines), pytest's log capture, and the
    error texts the test adds."""

    def __init__(self, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
        self.capfd, self.caplog = capfd, caplog
        self.buffer = io.StringIO()
        self.handler = logging.StreamHandler(self.buffer)
        self.handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.errors: list[str] = []
        self.written: list[str] = []

    def add_error(self, exc: BaseException) -> None:
        self.errors.append("".join(traceback.format_exception(exc)) + repr(exc) + str(exc))

    def text(self) -> str:
        out, err = self.capfd.readouterr()
        self.written += [out, err]
        return "\n".join([self.buffer.getvalue(), *self.written, self.caplog.text, *self.errors])

    def assert_clean(self, *values: str) -> None:
        text = self.text()
        assert "token refresh failed" in text, "the token job logged nothing: the test drove nothing"
        for value in values:
            assert value and value not in text
        assert "corpsecret=" not in text.replace("corpsecret=***", "")


@pytest.fixture
def captured(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> Iterator[_Capture]:
    capture = _Capture(capfd, caplog)
    named = [logging.getLogger(), logging.getLogger("scrm")]
    levels = [one.level for one in named]
    caplog.set_level(logging.DEBUG)
    for one in named:
        one.addHandler(capture.handler)
        one.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        for one, level in zip(named, levels, strict=True):
            one.removeHandler(capture.handler)
            one.setLevel(level)


def _raises(call: Any) -> BaseException:
    with pytest.raises(Exception) as err:  # noqa: B017 - whatever is raised, its text is checked
        call()
    return err.value


def _token_job_and_a_call(base: str, corp: Corp, captured: _Capture, timeout_s: float = 0.5) -> None:
    """The token job (it logs the failure), then a WeCom call (it raises): both against ``base``."""
    gateways = _gateways(base, timeout_s)
    assert refresh_all(_OneCorp(corp.corp_id), gateways)["failed"] == 1
    client = gateways.client(corp.corp_id)
    captured.add_error(_raises(lambda: client.get("user/list", params={"department_id": 1})))


@pytest.mark.parametrize("mode", ["refused", "reset", "drop", "hang"])
def test_network_errors_leave_no_secret_in_logs_or_errors(stack, captured, mode, registered_corp):
    corp = registered_corp
    if mode == "refused":
        _token_job_and_a_call(_closed_port_base(), corp, captured)
    else:
        listener = _Listener(mode)
        try:
            _token_job_and_a_call(listener.base, corp, captured, timeout_s=0.3)
        finally:
            listener.close()
    captured.assert_clean(corp.secret)


@pytest.mark.parametrize(
    "error", [requests.ConnectTimeout, requests.exceptions.SSLError, requests.exceptions.ChunkedEncodingError]
)
def test_errors_quoting_the_url_leave_no_secret(stack, captured, error, registered_corp):
    corp = registered_corp
    gateways = _gateways(_closed_port_base())
    client: WeComClient = gateways.client(corp.corp_id)
    client._http.mount("http://", _FailingTransport(error))
    assert refresh_all(_OneCorp(corp.corp_id), gateways)["failed"] == 1
    captured.add_error(_raises(lambda: client.get("user/list", params={"department_id": 1})))
    # Once a token exists, the other calls' URLs hold it: the same failure on user/list.
    token = "T0k" + secrets.token_urlsafe(40)
    DynamoTokenStorage().store(client.access_token_key, token, client._clock() + 7200)
    captured.add_error(_raises(lambda: client.get("user/list", params={"department_id": 1})))
    captured.assert_clean(corp.secret, token)


@pytest.mark.parametrize(
    "fault", [{"http_status": 502}, {"garbage": True}, {"delay_ms": 1500}], ids=["502", "not-json", "timeout"]
)
def test_sandbox_faults_on_gettoken_and_calls_leave_no_secret(stack, sandbox, corp, captured, fault):
    cid = corp["corp_id"]
    base = bootstrap.settings().wecom_api_base
    client = _gateways(base).client(cid)
    token = client.access_token  # a real token, then broken calls that carry it
    sandbox.faults(cid, {"path": "user/list", "times": 4, **fault})
    captured.add_error(_raises(lambda: client.get("user/list", params={"department_id": 1})))
    DynamoTokenStorage().invalidate(client.access_token_key, token)
    sandbox.faults(cid, {"path": "gettoken", "times": 8, **fault})
    assert refresh_all(_OneCorp(cid), _gateways(base))["failed"] == 1
    fresh = _gateways(base).client(cid)
    captured.add_error(_raises(lambda: fresh.get("user/list", params={"department_id": 1})))
    sandbox.clear_faults(cid)
    captured.assert_clean(corp["secret"], token)


def test_the_stacks_consumers_log_no_secret_when_wecom_breaks(stack, sandbox, corp):
    """The stack's own consumer: its token expired, gettoken answering a gateway page then garbage, the
    customer read failing the same ways; the event is applied after SQS redelivers it."""
    cid = corp["corp_id"]
    uid = sandbox.corp(cid)["employees"][0]["userid"]
    sandbox.expire_tokens(cid)
    sandbox.faults(
        cid,
        {"path": "gettoken", "http_status": 502, "times": 2},
        {"path": "gettoken", "garbage": True, "times": 2},
        {"path": "externalcontact/get", "http_status": 504, "times": 2},
        {"path": "externalcontact/get", "garbage": True, "times": 2},
    )
    added = sandbox.do(cid, "customers/add", {"userid": uid, "name": "x", "wait": True})
    wait_for(lambda: reads.customer(cid, added["external_userid"]), timeout_s=60, what="stored after faults")
    assert len([c for c in sandbox.calls(cid) if c["errcode"] == -1]) >= 4, "the faults did not strike"
    key = WeComClient(cid, corp["secret"], api_base="http://unused/", storage=DynamoTokenStorage()).access_token_key
    token = DynamoTokenStorage().current(key).token
    text = "".join(
        (stack.config.workdir / name).read_text(encoding="utf-8", errors="replace")
        for name in ("app.log", "workers.log")
    )
    for value in (corp["secret"], corp["token"], corp["aes_key"], token):
        assert value and value not in text
