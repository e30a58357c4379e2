"""Deliver callbacks the way WeCom does: sealed envelope, POST, 200-within-deadline, retries.

WeCom retries only when the connection fails or no answer comes within the deadline (doc 90930 §3.2:
"仅针对网络连接失败或者网络请求超时情况重试"); an HTTP answer other than 200 ends the delivery, undelivered.
A corp's ``callback_retry_on_status`` also retries those, for tests of the older assumption.

A world change is applied first and only then handed here, so an app that reacts to the event by
calling externalcontact/get already sees the new state.  Each delivery is a CallbackRecord kept in
the corp's callback log; every attempt re-encrypts the same plaintext with a fresh timestamp and
nonce (unless a same-envelope resend was asked for, which replays the identical bytes).
"""

from __future__ import annotations

import functools
import http.client
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from . import crypto, xmlfmt
from .envelope import Envelope, seal
from .scheduler import Scheduler
from .world import Corp, World

MAX_LOG_PER_CORP = 20_000
_HEADERS = {
    "Content-Type": "text/xml",
    "User-Agent": "wecom-sandbox-callback",
    "Connection": "close",  # a fresh connection per attempt
}
_local = threading.local()


def _session() -> requests.Session:
    """One requests.Session per delivery thread, for HTTPS and proxied callback URLs."""
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.trust_env = False  # proxies come from _proxies, resolved once per host
        _local.session = session
    return session


@functools.lru_cache(maxsize=256)
def _proxies(origin: str) -> dict[str, str]:
    return requests.utils.get_environ_proxies(origin)


def post_xml(url: str, body: bytes, timeout: float) -> tuple[int, str]:
    """POST a callback body; return (status, the answer's first 200 characters).

    Plain http:// without a proxy goes through http.client: requests.post built a Session and
    re-read the proxy environment per call, which was most of the sandbox's CPU at 200
    callbacks/s.  HTTPS and proxied URLs still use requests (certificates, proxy support).
    Raises TimeoutError / OSError / HTTPException / requests exceptions on failure.
    """
    parts = urlsplit(url)
    proxies = _proxies(f"{parts.scheme}://{parts.netloc}")
    if parts.scheme == "http" and not proxies:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=timeout)
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("POST", target, body, _HEADERS)
            resp = conn.getresponse()
            return resp.status, resp.read(800).decode("utf-8", "replace")[:200]
        finally:
            conn.close()
    resp = _session().post(url, data=body, headers=_HEADERS, timeout=timeout, proxies=proxies)
    return resp.status_code, resp.text[:200]


@dataclass(slots=True)
class Attempt:
    number: int
    url: str
    timestamp: str
    nonce: str
    status: int | None = None
    elapsed_ms: int = 0
    error: str | None = None
    response: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "status": self.status,
            "elapsed_ms": self.elapsed_ms,
            "error": self.error,
            "timestamp": self.timestamp,
            "nonce": self.nonce,
            "url": self.url,
            "response": self.response,
        }


@dataclass(eq=False)
class CallbackRecord:
    id: int
    corp_id: str
    event: str
    change_type: str
    create_time: int | None
    plaintext: str
    created_at: float
    resend_of: int | None = None
    fixed_envelope: Envelope | None = None
    first_envelope: Envelope | None = None
    attempts: list[Attempt] = field(default_factory=list)
    delivered: bool = False
    done: bool = False
    done_event: threading.Event = field(default_factory=threading.Event)
    first_sent_at: float | None = None
    """World time at which the first attempt started (None while queued or without callback_url)."""
    on_first_attempt: Callable[[float], None] | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.event,
            "change_type": self.change_type,
            "create_time": self.create_time,
            "attempts": [
                {"status": a.status, "elapsed_ms": a.elapsed_ms, "error": a.error} for a in self.attempts
            ],
            "delivered": self.delivered,
            "done": self.done,
            "resend_of": self.resend_of,
        }

    def detail(self) -> dict[str, Any]:
        data = self.summary()
        data["attempts"] = [a.to_json() for a in self.attempts]
        data["plaintext"] = self.plaintext
        env = self.first_envelope
        data["envelope"] = {"query": env.query, "body": env.body} if env else None
        return data


class CallbackSender:
    """Background delivery on a thread pool; retries are timed by a Scheduler, not by sleeping workers."""

    def __init__(self, world: World, max_workers: int = 32) -> None:
        self._world = world
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="wecom-sandbox-callback")
        self._scheduler = Scheduler()
        self._ids = itertools.count(1)
        self._ids_lock = threading.Lock()
        self._closed = False

    def send(
        self,
        corp: Corp,
        plaintext: str,
        *,
        resend_of: int | None = None,
        fixed_envelope: Envelope | None = None,
        on_first_attempt: Callable[[float], None] | None = None,
        delay_s: float = 0.0,
    ) -> CallbackRecord:
        """Log a callback for corp and start delivering it (after ``delay_s``); returns at once.

        on_first_attempt(world_time) runs on the delivery thread just before the first POST, so
        the welcome log can measure callback→send_welcome_msg latency from the real send.
        """
        event, change_type, create_time = _describe(plaintext)
        with self._ids_lock:
            cb_id = next(self._ids)
        record = CallbackRecord(
            id=cb_id,
            corp_id=corp.corp_id,
            event=event,
            change_type=change_type,
            create_time=create_time,
            plaintext=plaintext,
            created_at=self._world.now(),
            resend_of=resend_of,
            fixed_envelope=fixed_envelope,
            on_first_attempt=on_first_attempt,
        )
        with self._world.lock:
            corp.callbacks[cb_id] = record
            if len(corp.callbacks) > MAX_LOG_PER_CORP:
                oldest = next(iter(corp.callbacks))
                corp.callbacks.pop(oldest, None)
        if delay_s > 0:
            self._scheduler.call_later(delay_s, lambda: self._submit(record, corp, 0))
        else:
            self._submit(record, corp, 0)
        return record

    def wait(self, records: Iterable[CallbackRecord], corp: Corp, delay_s: float = 0.0) -> None:
        """Block until each record is done (bounded by the worst-case retry schedule)."""
        budget = (
            delay_s
            + sum(corp.callback_retry_delays)
            + (len(corp.callback_retry_delays) + 1) * (corp.callback_timeout_s + 1)
            + 5
        )
        deadline = time.monotonic() + budget
        for record in records:
            record.done_event.wait(max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        self._closed = True
        self._scheduler.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # --- internals ------------------------------------------------------------------------
    def _submit(self, record: CallbackRecord, corp: Corp, number: int) -> None:
        if self._closed:
            self._finish(record, delivered=False)
            return
        try:
            self._pool.submit(self._attempt, record, corp, number)
        except RuntimeError:  # pool shut down
            self._finish(record, delivered=False)

    def _attempt(self, record: CallbackRecord, corp: Corp, number: int) -> None:
        url = corp.callback_url
        if not url:
            record.attempts.append(Attempt(number, "", "", "", error="corp has no callback_url"))
            self._finish(record, delivered=False)
            return
        envelope = record.fixed_envelope or seal(
            record.plaintext,
            token=corp.token,
            aes_key=corp.aes_key,
            corp_id=corp.corp_id,
            agent_id=corp.agent_id,
            timestamp=self._world.now_int(),
            nonce=crypto.generate_nonce(),
        )
        if record.first_envelope is None:
            record.first_envelope = envelope
        attempt = Attempt(number, envelope.url(url), envelope.query["timestamp"], envelope.query["nonce"])
        timeout = corp.callback_timeout_s
        if record.first_sent_at is None:
            record.first_sent_at = self._world.now()
            hook, record.on_first_attempt = record.on_first_attempt, None
            if hook is not None:
                hook(record.first_sent_at)
        started = time.monotonic()
        try:
            attempt.status, attempt.response = post_xml(attempt.url, envelope.body.encode("utf-8"), timeout)
        except (TimeoutError, requests.Timeout):
            attempt.error = f"no response within {timeout}s"
        except (OSError, http.client.HTTPException, requests.RequestException) as exc:
            attempt.error = f"{type(exc).__name__}: {exc}"[:300]
        elapsed = time.monotonic() - started
        attempt.elapsed_ms = int(elapsed * 1000)
        late = elapsed > timeout
        ok = attempt.status == 200 and not late
        if attempt.status is not None and late:
            attempt.error = f"answered after the {timeout}s deadline"  # WeCom had hung up: a timeout
        elif attempt.status is not None and attempt.status != 200:
            attempt.error = f"HTTP {attempt.status}"
        record.attempts.append(attempt)
        delays = corp.callback_retry_delays
        # No answer (connection failure, timeout) or a late one: WeCom retries. An answer: it does not.
        retried = attempt.status is None or late or corp.callback_retry_on_status
        if ok:
            self._finish(record, delivered=True)
        elif retried and number < len(delays):
            self._scheduler.call_later(delays[number], lambda: self._submit(record, corp, number + 1))
        else:
            self._finish(record, delivered=False)

    @staticmethod
    def _finish(record: CallbackRecord, *, delivered: bool) -> None:
        record.delivered = delivered
        record.done = True
        record.done_event.set()


def _describe(plaintext: str) -> tuple[str, str, int | None]:
    """Event, ChangeType and CreateTime of a plaintext, for the log (tolerates odd raw XML)."""
    try:
        fields = xmlfmt.parse(plaintext)
    except Exception:  # raw events may be deliberately malformed
        return "", "", None
    create = fields.get("CreateTime")
    try:
        create_time = int(create) if isinstance(create, str) else None
    except ValueError:
        create_time = None
    event = fields.get("Event") or fields.get("MsgType") or ""
    change = fields.get("ChangeType") or ""
    return str(event), str(change) if isinstance(change, str) else "", create_time
