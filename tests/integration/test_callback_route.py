"""The callback route over HTTP: verification, rejections (4xx, nothing stored), de-dup, 5xx on our failures."""

from __future__ import annotations

import time

import boto3
import pytest
import requests
from scrm.adapters.dynamo import reads

from devstack.resources import create_all
from devstack.wecom_player import FakeWeCom
from tests.conftest import new_corp
from tests.support.waiting import stays, wait_for

pytestmark = pytest.mark.stack


def test_url_verification_as_wecom_does_it(corp, sandbox):
    result = sandbox.verify_url(corp["corp_id"])
    assert result["ok"] is True, result
    assert result["got"] == result["expected"]
    assert result["elapsed_ms"] < 1000


def test_url_verification_with_a_bad_signature_is_403(stack, corp):
    wecom = FakeWeCom(stack.app_url, corp)
    enc = wecom.crypto.encrypt("echo-123")
    r = requests.get(
        wecom.url,
        params={"msg_signature": "0" * 40, "timestamp": str(int(time.time())), "nonce": "n", "echostr": enc},
        timeout=5,
    )
    assert r.status_code == 403


def test_url_verification_answers_the_plaintext_exactly(stack, corp):
    from scrm.adapters.wecom.callback_crypto import signature

    wecom = FakeWeCom(stack.app_url, corp)
    enc = wecom.crypto.encrypt("1234567890abc")
    ts = str(int(time.time()))
    r = requests.get(
        wecom.url,
        params={"msg_signature": signature(corp["token"], ts, "nn", enc), "timestamp": ts, "nonce": "nn", "echostr": enc},
        timeout=5,
    )
    assert r.status_code == 200
    assert r.content == b"1234567890abc"


def _tag_delete(tag_id: str) -> dict:
    return {"Event": "change_external_tag", "ChangeType": "delete", "Id": tag_id, "TagType": "tag"}


def _nothing_stored(corp_id: str) -> bool:
    return reads.timeline(corp_id, "tags") == [] and reads.tags(corp_id) == []


@pytest.mark.parametrize(
    "case, status",
    [
        ("bad_signature", 403),
        ("stale_timestamp", 403),
        ("future_timestamp", 403),
        ("envelope_for_other_corp", 403),
        ("malformed_xml", 400),
        ("no_encrypt", 400),
        ("oversize", 413),
        ("missing_params", 400),
    ],
)
def test_bad_requests_get_4xx_and_store_nothing(stack, corp, case, status):
    wecom = FakeWeCom(stack.app_url, corp)
    fields = {"ToUserName": corp["corp_id"], "FromUserName": "sys", "CreateTime": int(time.time()),
              "MsgType": "event", **_tag_delete("et_neg")}
    from devstack.wecom_player import event_xml

    plain = event_xml(fields)
    if case == "bad_signature":
        params, body = wecom.envelope(plain)
        params["msg_signature"] = "f" * 40
    elif case == "stale_timestamp":
        params, body = wecom.envelope(plain, timestamp=int(time.time()) - 301)
    elif case == "future_timestamp":
        params, body = wecom.envelope(plain, timestamp=int(time.time()) + 400)
    elif case == "envelope_for_other_corp":
        params, body = wecom.envelope(plain, to_user="wwsomeoneelse")
    elif case == "malformed_xml":
        params, _ = wecom.envelope(plain)
        body = b"<xml><Encrypt>unterminated"
    elif case == "no_encrypt":
        params, _ = wecom.envelope(plain)
        body = b"<xml><ToUserName>x</ToUserName></xml>"
    elif case == "oversize":
        params, body = wecom.envelope(plain)
        body = body.replace(b"</xml>", b"<Pad>" + b"a" * 70_000 + b"</Pad></xml>")
    else:
        params, body = {}, wecom.envelope(plain)[1]
    r = wecom.post(params, body)
    assert r.status_code == status, r.text
    assert "Traceback" not in r.text and corp["token"] not in r.text
    assert stays(lambda: _nothing_stored(corp["corp_id"]), for_s=0.7)


def test_event_encrypted_for_another_corp_is_rejected(stack, sandbox, corp):
    other = new_corp(stack, sandbox)
    # Keys of the other corp, URL of this one: the signature cannot match this corp's token.
    wecom = FakeWeCom(stack.app_url, {**other, "corp_id": other["corp_id"]})
    wecom.url = f"{stack.app_url}/wecom/callback/{corp['corp_id']}"
    r = wecom.send(_tag_delete("et_x"))
    assert r.status_code == 403
    assert stays(lambda: _nothing_stored(corp["corp_id"]), for_s=0.5)


def test_unknown_corp_is_404(stack, corp):
    wecom = FakeWeCom(stack.app_url, {**corp, "corp_id": "wwnotregistered"})
    assert wecom.send(_tag_delete("et_1")).status_code == 404


def test_unsupported_content_type_is_4xx(stack, corp):
    wecom = FakeWeCom(stack.app_url, corp)
    params, body = wecom.envelope("<xml/>")
    assert wecom.post(params, body, content_type="application/json").status_code == 415


def test_a_valid_callback_is_acknowledged_with_an_empty_200_and_stored(stack, corp):
    wecom = FakeWeCom(stack.app_url, corp)
    r = wecom.send(_tag_delete("et_ok"))
    assert r.status_code == 200 and r.content == b""
    entry = wait_for(lambda: reads.timeline(corp["corp_id"], "tags"), what="timeline entry")
    assert entry[0]["event"] == "change_external_tag"


def test_a_duplicate_callback_is_processed_once(stack, sandbox, corp):
    cid = corp["corp_id"]
    employee = sandbox.corp(cid)["employees"][0]["userid"]
    added = sandbox.do(cid, "customers/add", {"userid": employee, "state": "dup", "wait": True})
    ext = added["external_userid"]
    wait_for(lambda: reads.follow(cid, ext, employee), what="relation stored")
    # WeCom re-sends: once byte-identical, once re-encrypted with a new timestamp and nonce.
    for same in (True, False):
        res = sandbox.resend(cid, added["callback_id"], same_envelope=same)
        wait_for(lambda r=res: sandbox.callback(cid, r.get("callback_id", added["callback_id"])).get("done"))
    time.sleep(1.0)  # give any wrongly queued duplicate time to be applied
    gets = [c for c in sandbox.calls(cid, path="externalcontact/get") if c["query"].get("external_userid") == ext]
    assert len(gets) == 1, gets
    timeline = reads.timeline(cid, f"customer:{ext}")
    assert [t["change_type"] for t in timeline] == ["add_external_contact"]


def test_two_distinct_events_in_the_same_second_are_both_processed(stack, sandbox, corp):
    cid = corp["corp_id"]
    employee = sandbox.corp(cid)["employees"][0]["userid"]
    t = int(time.time())
    a = sandbox.do(cid, "customers/add", {"userid": employee, "create_time": t, "wait": True})
    b = sandbox.do(cid, "customers/add", {"userid": employee, "create_time": t, "wait": True})
    assert a["external_userid"] != b["external_userid"]
    for ext in (a["external_userid"], b["external_userid"]):
        # Wait for the attribute asserted on: moto applies an UpdateItem's actions one by one, and a
        # concurrent read can see the item before ``status`` is set (docs/local-stack.md).
        rel = wait_for(lambda e=ext: (r := reads.follow(cid, e, employee)) and "status" in r and r,
                       what=f"relation {ext}")
        assert rel["status"] == "active"


def test_queue_failure_gives_5xx_and_wecoms_retry_delivers(stack, sandbox, corp):
    cid = corp["corp_id"]
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="scrm-events")["QueueUrl"]
    wait_for(lambda: int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                         ["Attributes"]["ApproximateNumberOfMessages"]) == 0 or None, what="queue drained")
    sqs.delete_queue(QueueUrl=url)
    try:
        sent = sandbox.do(cid, "tags/delete", {"id": sandbox.corp(cid)["tag_groups"][0]["tag"][0]["id"]})
        cb_id = sent.get("callback_id") or sent["callback_ids"][0]
        first = wait_for(lambda: (sandbox.callback(cid, cb_id).get("attempts") or None), what="first attempt")
        assert first[0]["status"] >= 500
    finally:
        create_all()
    done = sandbox.wait_delivered(cid, cb_id, timeout_s=30)
    assert done["delivered"] is True
    assert [a["status"] for a in done["attempts"]][-1] == 200
    wait_for(lambda: reads.timeline(cid, "tags"), what="event stored after WeCom's retry")


def test_store_failure_gives_5xx(stack, corp):
    from scrm.adapters.once import idempotency_client

    ddb = idempotency_client()
    ddb.delete_table(TableName="scrm-idempotency")
    try:
        r = FakeWeCom(stack.app_url, corp).send(_tag_delete("et_store"))
        assert r.status_code == 503
    finally:
        create_all()
    r = FakeWeCom(stack.app_url, corp).send(_tag_delete("et_store"))
    assert r.status_code == 200
