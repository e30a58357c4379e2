"""The callback path's decisions: trust the request, type the event, build its key, make it durable.

No I/O here: the route gives us the corp's keys and the raw request, we answer what to store and send,
or why not; ``make_durable`` drives the caller's outbox (SQS, else the parking table) against WeCom's
deadline. WeCom retries a callback only when the connection fails or no answer comes within 5 s, never
on a 4xx/5xx answer (doc 90930), so an event we could not make durable must be answered late, not 503.
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from scrm.adapters.wecom.callback_crypto import CallbackCrypto, CryptoError
from scrm.adapters.wecom.xml import XmlError, parse_xml
from scrm.corps.corp import Corp
from scrm.kernel.event_key import event_id, event_key
from scrm.kernel.events import ExternalContactEvent, WeComEvent, parse_event

MESSAGE_VERSION = 1
EVENTS, WELCOME = "events", "welcome"

log = logging.getLogger("scrm.callback")


class Rejected(Exception):
    """A request that will never become valid: answer 4xx so WeCom stops, store nothing."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class InboundEvent:
    event: WeComEvent
    key: str
    event_id: str

    @property
    def needs_welcome(self) -> bool:
        return isinstance(self.event, ExternalContactEvent) and self.event.needs_welcome

    def message(self, received_at_ms: int) -> dict[str, Any]:
        """The queue message: the whole decrypted event, so the consumer needs nothing else. ``welcome``
        marks an arrival whose welcome code must also go to the welcome queue."""
        return {
            "v": MESSAGE_VERSION,
            **({"welcome": True} if self.needs_welcome else {}),
            "corp_id": self.event.corp_id,
            "key": self.key,
            "event_id": self.event_id,
            "received_at_ms": received_at_ms,
            "fields": dict(self.event.fields),
        }


def stand_in_corp(corp_id: str) -> Corp:
    """A corp with fresh random keys, for a corp id we do not know: the request is checked against it
    exactly as for a registered corp, so every answer (a missing parameter, a malformed body, and in the
    end "bad signature", since no request can be signed with keys nobody has) is byte for byte what a
    registered corp's request with a bad signature would get. Nothing tells which corp ids exist."""
    return Corp(
        corp_id, secrets.token_hex(16), base64.b64encode(secrets.token_bytes(32)).decode()[:43], secret=""
    )


def _param(query: Mapping[str, str] | None, name: str) -> str:
    value = (query or {}).get(name)
    if not value:
        raise Rejected(400, f"missing query parameter {name}")
    return value


def _check_timestamp(timestamp: str, now: float, window_s: int) -> None:
    try:
        ts = int(timestamp)
    except ValueError:
        raise Rejected(400, "timestamp is not an integer") from None
    if abs(now - ts) > window_s:
        raise Rejected(403, "timestamp outside the replay window")


def verify_url(corp: Corp, query: Mapping[str, str] | None, window_s: int, now: float | None = None) -> str:
    """WeCom's URL check: answer the decrypted echostr, exactly."""
    signature = _param(query, "msg_signature")
    timestamp = _param(query, "timestamp")
    nonce = _param(query, "nonce")
    # A '+' of the base64 echostr arrives as a space when WeCom's console does not URL-encode it.
    echostr = _param(query, "echostr").replace(" ", "+")
    _check_timestamp(timestamp, time.time() if now is None else now, window_s)
    crypto = CallbackCrypto(corp.token, corp.aes_key, corp.corp_id)
    try:
        crypto.check_signature(signature, timestamp, nonce, echostr)
        return crypto.decrypt(echostr)
    except CryptoError as exc:
        raise Rejected(403, str(exc)) from None


def open_event(
    corp: Corp,
    query: Mapping[str, str] | None,
    body: bytes,
    window_s: int,
    max_body_bytes: int,
    now: float | None = None,
) -> InboundEvent:
    """Verify, decrypt and type one event callback."""
    if len(body) > max_body_bytes:
        raise Rejected(413, f"body over {max_body_bytes} bytes")
    signature = _param(query, "msg_signature")
    timestamp = _param(query, "timestamp")
    nonce = _param(query, "nonce")
    _check_timestamp(timestamp, time.time() if now is None else now, window_s)
    try:
        envelope = parse_xml(body)
    except XmlError as exc:
        raise Rejected(400, str(exc)) from None
    encrypt = envelope.get("Encrypt")
    if not isinstance(encrypt, str) or not encrypt:
        raise Rejected(400, "no Encrypt element")
    to_user = envelope.get("ToUserName")
    if to_user and to_user != corp.corp_id:
        raise Rejected(403, "ToUserName is another corp")
    crypto = CallbackCrypto(corp.token, corp.aes_key, corp.corp_id)
    try:
        crypto.check_signature(signature, timestamp, nonce, encrypt)
        plaintext = crypto.decrypt(encrypt)
    except CryptoError as exc:
        raise Rejected(403, str(exc)) from None
    try:
        fields = parse_xml(plaintext)
    except XmlError as exc:
        raise Rejected(400, f"decrypted payload: {exc}") from None
    if fields.get("ToUserName") != corp.corp_id:
        raise Rejected(403, "event is for another corp")
    if not fields.get("Event") and not fields.get("MsgType"):
        raise Rejected(400, "decrypted payload has neither Event nor MsgType")
    key = event_key(fields)
    return InboundEvent(event=parse_event(fields), key=key, event_id=event_id(key))


class Outbox(Protocol):
    """Where an acknowledged event goes: the queues, else the parking table (the redrive job queues it)."""

    def send(self, queue: str, message: dict[str, Any]) -> None: ...

    def park(self, message: dict[str, Any], queues: Sequence[str]) -> None: ...


class NotDurable(Exception):
    """Neither SQS nor the parking table took the event: WeCom must see a timeout and retry."""


@dataclass(frozen=True)
class AckBudget:
    """Seconds after the request arrived. WeCom's deadline is 5 s (doc 90930); an answer after it is a
    timeout to WeCom, which then retries (up to three times)."""

    send_s: float = 2.0  # keep trying SQS until then
    park_s: float = 4.0  # then the parking table until then (each step gets at least one try)
    hold_s: float = 6.0  # an event made durable nowhere is answered no sooner than this

    @classmethod
    def for_deadline(cls, deadline_s: float) -> AckBudget:
        return cls(send_s=0.4 * deadline_s, park_s=0.8 * deadline_s, hold_s=deadline_s + 1.0)


def queues_for(message: dict[str, Any]) -> tuple[str, ...]:
    """The welcome queue first: the welcome code dies 20 s after WeCom issued it."""
    return (WELCOME, EVENTS) if message.get("welcome") else (EVENTS,)


def make_durable(
    message: dict[str, Any],
    outbox: Outbox,
    started: float,
    budget: AckBudget,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """"queued" once every queue the event needs took it; else "parked" once the parking table took it
    (with the queues still owed); else raises NotDurable. ``started`` is on ``clock``'s scale."""
    pending = list(queues_for(message))
    _retry(lambda: _send_pending(outbox, message, pending), started + budget.send_s, clock, sleep, "send")
    if not pending:
        return "queued"
    if _retry(lambda: outbox.park(message, tuple(pending)), started + budget.park_s, clock, sleep, "park"):
        return "parked"
    raise NotDurable(f"queues {pending} and the parking table refused the event")


def _send_pending(outbox: Outbox, message: dict[str, Any], pending: list[str]) -> None:
    while pending:
        outbox.send(pending[0], message)
        pending.pop(0)


def _retry(
    attempt: Callable[[], None], until: float, clock: Callable[[], float], sleep: Callable[[float], None], what: str
) -> bool:
    """At least one try, then more with a growing pause while ``until`` allows; True once one succeeded."""
    pause = 0.05
    while True:
        try:
            attempt()
            return True
        except Exception as exc:  # any failure of the store: try again, then fall back
            log.warning(f"callback {what} failed", extra={"error": type(exc).__name__, "detail": str(exc)[:200]})
        if clock() + pause >= until:
            return False
        sleep(pause)
        pause = min(pause * 2, 0.4)
