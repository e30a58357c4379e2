"""Fuzzing the callback's parsing (issue 16): whatever bytes, XML trees, field values or query come, the
parser, the decryption, the event's typing and the intake raise nothing but their declared errors
(``XmlError``, ``CryptoError``, ``Rejected``), and an accepted event is a message the queue can carry.
Bounded: about a second or two each."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scrm.adapters.wecom.callback_crypto import CallbackCrypto, CryptoError, signature
from scrm.adapters.wecom.xml import XmlError, parse_xml
from scrm.callbacks.intake import InboundEvent, Rejected, open_event, stand_in_corp, verify_url
from scrm.corps.corp import Corp
from scrm.kernel.event_key import event_id, event_key
from scrm.kernel.events import parse_event

from tests.support.callback_strategies import field_dicts, queries, xml_documents, xml_text

AES_KEY = base64.b64encode(bytes(range(7, 39))).decode().rstrip("=")
CORP = Corp(corp_id="wwcorp0001", token="Tok3nABC", aes_key=AES_KEY, secret="s", agent_id="1000002")
CRYPTO = CallbackCrypto(CORP.token, CORP.aes_key, CORP.corp_id)
NOW = 1_700_000_000
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _accepted(inbound: InboundEvent) -> None:
    """What the route does with an accepted event: the queue message must serialise."""
    assert isinstance(inbound, InboundEvent)
    json.dumps(inbound.message(NOW * 1000))
    event(f"accepted: {type(inbound.event).__name__}")


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_are_fields_or_xml_error(body: bytes) -> None:
    with contextlib.suppress(XmlError):
        assert isinstance(parse_xml(body), dict)


@FUZZ
@given(xml_documents(CORP.corp_id))
def test_random_xml_trees_parse_and_type_without_surprise(doc: str) -> None:
    for text in (doc, doc.encode()):
        try:
            fields = parse_xml(text)
        except XmlError:
            continue
        key = event_key(fields)
        assert event_id(key)
        parse_event(fields)


@FUZZ
@given(field_dicts)
def test_random_field_values_type_and_key_without_surprise(fields: dict[str, Any]) -> None:
    event = parse_event(fields)
    json.dumps(dict(event.fields))
    assert event_id(event_key(fields))


@FUZZ
@given(st.one_of(xml_text, st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode())), xml_text)
def test_random_ciphertexts_and_signatures_raise_crypto_errors_only(encrypt: str, sig: str) -> None:
    with contextlib.suppress(CryptoError):
        CRYPTO.check_signature(sig, "1", "n", encrypt)
    with contextlib.suppress(CryptoError):
        assert isinstance(CRYPTO.decrypt(encrypt), str)


@FUZZ
@given(queries(NOW), st.one_of(st.binary(max_size=300), xml_documents().map(str.encode)), st.booleans())
def test_random_requests_are_rejected_or_accepted_only(
    query: dict[str, str], body: bytes, known: bool
) -> None:
    corp = CORP if known else stand_in_corp("wwunknown")
    try:
        _accepted(open_event(corp, query, body, 300, 64 * 1024, now=NOW))
    except Rejected as exc:
        assert 400 <= exc.status < 500
        event(f"rejected: {exc.reason[:40]}")
    try:
        assert isinstance(verify_url(corp, query, 300, now=NOW), str)
    except Rejected as exc:
        assert 400 <= exc.status < 500
        event(f"rejected: {exc.reason[:40]}")


@FUZZ
@given(xml_documents(CORP.corp_id), xml_text.filter(bool))
def test_signed_envelopes_around_random_payloads_are_rejected_or_accepted_only(
    payload: str, nonce: str
) -> None:
    """A buggy WeCom: the envelope is right, what it carries is not."""
    enc = CRYPTO.encrypt(payload)
    body = (
        f"<xml><ToUserName><![CDATA[{CORP.corp_id}]]></ToUserName><Encrypt><![CDATA[{enc}]]></Encrypt></xml>"
    )
    query = {
        "msg_signature": signature(CORP.token, str(NOW), nonce, enc),
        "timestamp": str(NOW),
        "nonce": nonce,
    }
    try:
        _accepted(open_event(CORP, query, body.encode(), 300, 64 * 1024, now=NOW))
    except Rejected as exc:
        assert 400 <= exc.status < 500
        event(f"rejected: {exc.reason[:40]}")
