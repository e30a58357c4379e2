"""Fuzzing the callback route over HTTP against the running app (issue 16).

Random method, corp id, query (msg_signature, timestamp, nonce, echostr), headers and body: never a 5xx
and never stored. Nothing unsigned can be stored, and the route answers 200 to a POST only once the event
is in SQS or parked, so "a 4xx, every time" says both. Then correctly signed and encrypted envelopes
around random payloads (a buggy WeCom): accepted or refused, never a 5xx (the held answer, when SQS and
the parking table both refuse, is not triggered here). Bounded: a few seconds each.
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrm.adapters.wecom.callback_crypto import CallbackCrypto, signature

from tests.support.callback_strategies import queries, xml_documents, xml_text
from tests.support.logs import log_records

pytestmark = pytest.mark.stack

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
UNKNOWN = "ww" + uuid.uuid4().hex[:16]

# Header values requests will send (printable Latin-1, no line breaks).
header_values = st.text(
    st.characters(min_codepoint=32, max_codepoint=255, blacklist_characters="\x7f"), max_size=60
).map(str.lstrip)
content_types = st.one_of(
    st.sampled_from(
        [
            "text/xml",
            "application/xml",
            "application/json",
            "text/plain; charset=gbk",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "*/*",
        ]
    ),
    header_values,
)
bodies = st.one_of(
    st.binary(max_size=2000),
    xml_documents().map(str.encode),
    st.builds(
        lambda enc: f"<xml><ToUserName>x</ToUserName><Encrypt>{enc}</Encrypt></xml>".encode(), xml_text
    ),
    st.just(b"<xml><Encrypt>" + b"A" * 70_000 + b"</Encrypt></xml>"),
)


def _corp_ids(registered: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(registered),
        st.just(UNKNOWN),
        st.from_regex(r"[A-Za-z0-9_-]{1,70}", fullmatch=True),
        xml_text.filter(bool).map(lambda t: quote(t, safe="")),
    )


def _accepted_lines(stack: Any, corp_ids: set[str]) -> list[dict[str, Any]]:
    lines = [x for x in log_records(stack.config.workdir) if x.get("message") == "callback accepted"]
    return [x for x in lines if x.get("corp_id") in corp_ids]


def test_random_requests_get_a_4xx_and_store_nothing(stack, corp):
    used: set[str] = {corp["corp_id"], UNKNOWN}
    sent: list[int] = []
    before = len(_accepted_lines(stack, used))

    @settings(FUZZ, max_examples=150)
    @given(
        method=st.sampled_from(["GET", "POST"]),
        corp_id=_corp_ids(corp["corp_id"]),
        query=queries(),
        body=bodies,
        content_type=content_types,
        agent=header_values,
    )
    def one(
        method: str, corp_id: str, query: dict[str, str], body: bytes, content_type: str, agent: str
    ) -> None:
        used.add(corp_id)
        r = requests.request(
            method,
            f"{stack.app_url}/wecom/callback/{corp_id}",
            params=query,
            data=body,
            headers={"Content-Type": content_type, "User-Agent": agent},
            timeout=10,
        )
        sent.append(r.status_code)
        assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
        assert "Traceback" not in r.text

    one()
    assert len(sent) >= 100, f"only {len(sent)} requests: the fuzz did not run"
    time.sleep(0.3)  # the app's log lines are written as it answers; leave it a moment
    assert len(_accepted_lines(stack, used)) == before


def test_signed_envelopes_around_random_payloads_never_get_a_5xx(stack, corp):
    crypto = CallbackCrypto(corp["token"], corp["aes_key"], corp["corp_id"])
    url = f"{stack.app_url}/wecom/callback/{corp['corp_id']}"
    statuses: list[int] = []

    @settings(FUZZ, max_examples=80)
    @given(payload=xml_documents(corp["corp_id"]), nonce=xml_text.filter(bool), to_user=st.booleans())
    def one(payload: str, nonce: str, to_user: bool) -> None:
        enc = crypto.encrypt(payload)
        ts = str(int(time.time()))
        to = f"<ToUserName><![CDATA[{corp['corp_id']}]]></ToUserName>" if to_user else ""
        body = f"<xml>{to}<Encrypt><![CDATA[{enc}]]></Encrypt></xml>".encode()
        query = {"msg_signature": signature(corp["token"], ts, nonce, enc), "timestamp": ts, "nonce": nonce}
        r = requests.post(url, params=query, data=body, headers={"Content-Type": "text/xml"}, timeout=10)
        statuses.append(r.status_code)
        assert r.status_code == 200 or 400 <= r.status_code < 500, (
            r.status_code,
            r.text[:200],
            payload[:300],
        )

    one()
    assert len(statuses) >= 50 and 200 in statuses and set(statuses) - {200}, (
        statuses
    )  # both outcomes reached
