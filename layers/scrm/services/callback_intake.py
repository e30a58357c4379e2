"""The callback path's decisions: trust the request, type the event, build its key, hand it on.

No I/O here: the route gives us the corp's keys and the raw request, we answer what to store and send,
or why not. The only slow steps (de-dup record, enqueue) are the caller's, through ``accept``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scrm.adapters.wecom.callback_crypto import CallbackCrypto, CryptoError
from scrm.adapters.wecom.xml import XmlError, parse_xml
from scrm.domain.corp import Corp
from scrm.domain.event_key import event_id, event_key
from scrm.domain.events import ExternalContactEvent, WeComEvent, parse_event

MESSAGE_VERSION = 1


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


def accept(inbound: InboundEvent, enqueue_once: Callable[[dict[str, Any]], Any], now_ms: int) -> None:
    """Hand the event to ``enqueue_once`` (de-dup + durable enqueue). Any exception means: answer 5xx."""
    enqueue_once(inbound.message(now_ms))
