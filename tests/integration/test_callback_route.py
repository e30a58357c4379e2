"""The callback route over HTTP: verification, rejections (4xx, nothing stored), duplicates applied once, and
nothing lost when AWS fails, under WeCom's real rule (a retry only after a timeout or a connection failure,
never after a 4xx/5xx answer: doc 90930; the sandbox behaves so by default)."""

from __future__ import annotations

import time
import uuid

import boto3
import pytest
import requests
from scrm.adapters.dynamo import reads

from devstack import aws_calls, aws_faults
from devstack.wecom_player import FakeWeCom
from tests.conftest import new_corp
from tests.support.logs import log_records
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


@pytest.mark.parametrize("where", ["envelope", "payload"])
def test_a_body_declaring_an_unknown_encoding_is_400_and_stores_nothing(stack, corp, where):
    """Not a 503 held with an error log: a body WeCom would never send, which it would not retry either."""
    wecom = FakeWeCom(stack.app_url, corp)
    declaration = '<?xml version="1.0" encoding="x-unknown"?>'
    plain = _event_plain(corp, _tag_delete("et_enc"))
    params, body = wecom.envelope(declaration + plain if where == "payload" else plain)
    if where == "envelope":
        body = declaration.encode() + body
    started = time.monotonic()
    r = wecom.post(params, body)
    assert (r.status_code, r.text) == (400, ("decrypted payload: " if where == "payload" else "") + "unknown encoding")
    assert time.monotonic() - started < 2
    assert stays(lambda: _nothing_stored(corp["corp_id"]), for_s=0.7)
    lines = [x for x in log_records(stack.config.workdir) if x.get("corp_id") == corp["corp_id"]]
    assert any(x["level"] == "WARNING" and "unknown encoding" in str(x.get("reason")) for x in lines)
    assert not [x for x in lines if x["level"] == "ERROR"]


def test_event_encrypted_for_another_corp_is_rejected(stack, sandbox, corp):
    other = new_corp(stack, sandbox)
    # Keys of the other corp, URL of this one: the signature cannot match this corp's token.
    wecom = FakeWeCom(stack.app_url, {**other, "corp_id": other["corp_id"]})
    wecom.url = f"{stack.app_url}/wecom/callback/{corp['corp_id']}"
    r = wecom.send(_tag_delete("et_x"))
    assert r.status_code == 403
    assert stays(lambda: _nothing_stored(corp["corp_id"]), for_s=0.5)


# Headers that differ between any two requests (the local server's clock, API Gateway's request ids).
PER_REQUEST_HEADERS = {"date", "x-amzn-requestid", "apigw-requestid", "x-amz-apigw-id", "x-amzn-trace-id"}


def _answer(r: requests.Response) -> tuple[int, bytes, dict[str, str]]:
    return r.status_code, r.content, {k.lower(): v for k, v in r.headers.items() if k.lower() not in PER_REQUEST_HEADERS}


def test_an_unknown_corp_is_answered_exactly_like_a_bad_signature(stack, corp):
    """Status, body and headers equal, for the event POST, the URL check and a malformed request: an
    unknown corp id is checked against keys nobody has, so nothing tells which corps exist (issue 16)."""
    real = FakeWeCom(stack.app_url, corp)
    unknown = FakeWeCom(stack.app_url, {**corp, "corp_id": "ww" + uuid.uuid4().hex[:16]})
    plain = _event_plain(corp, _tag_delete("et_unknown"))
    params, body = real.envelope(plain)
    bad = real.post({**params, "msg_signature": "f" * 40}, body)
    assert bad.status_code == 403
    assert _answer(unknown.post(*unknown.envelope(plain))) == _answer(bad)
    ts = str(int(time.time()))
    echo = {"msg_signature": "0" * 40, "timestamp": ts, "nonce": "n", "echostr": real.crypto.encrypt("e-1")}
    assert _answer(requests.get(unknown.url, params=echo, timeout=5)) == _answer(
        requests.get(real.url, params=echo, timeout=5)
    )
    for query, payload in (({}, body), (params, b"<xml><Encrypt>unterminated")):
        assert _answer(unknown.post(query, payload)) == _answer(real.post(query, payload))
    assert stays(lambda: _nothing_stored(unknown.corp["corp_id"]), for_s=0.5)


def test_requests_for_an_unknown_corp_read_its_secret_once_a_minute(stack, corp):
    """Any id in the URL: one Secrets Manager read, then a minute of answers from memory (issue 16)."""
    unknown = FakeWeCom(stack.app_url, {**corp, "corp_id": "ww" + uuid.uuid4().hex[:16]})
    before = stack.callback_stats()["aws_calls"]
    answers = {unknown.send(_tag_delete(f"et_u{n}")).status_code for n in range(40)}
    reads_ = aws_calls.delta(before, stack.callback_stats()["aws_calls"]).get("secretsmanager:GetSecretValue:secret", 0)
    assert reads_ == 1, f"{reads_} secret reads for 40 requests"
    assert answers == {403}


def test_any_content_type_is_accepted(stack, corp):
    """WeCom documents no Content-Type for either request: the route takes whatever comes."""
    from scrm.adapters.wecom.callback_crypto import signature

    wecom = FakeWeCom(stack.app_url, corp)
    for content_type in ("application/json", "text/html; charset=gbk", "application/x-www-form-urlencoded"):
        r = wecom.post(*wecom.envelope(_event_plain(corp, _tag_delete(f"et_ct{len(content_type)}"))),
                       content_type=content_type)
        assert r.status_code == 200, (content_type, r.status_code, r.text)
    enc = wecom.crypto.encrypt("echo-ct")
    ts = str(int(time.time()))
    for headers in ({"Content-Type": "text/xml"}, {"Content-Type": "application/json"}, {}):
        r = requests.get(wecom.url, params={"msg_signature": signature(corp["token"], ts, "n", enc),
                                            "timestamp": ts, "nonce": "n", "echostr": enc},
                         headers=headers, timeout=5)
        assert (r.status_code, r.content) == (200, b"echo-ct"), headers


def _event_plain(corp, fields):
    from devstack.wecom_player import event_xml

    return event_xml({"ToUserName": corp["corp_id"], "FromUserName": "sys", "CreateTime": int(time.time()),
                      "MsgType": "event", **fields})


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
    # The first delivery fully applied (its timeline entry is written after the relation): under load the
    # assertion below once read the timeline before it, and a duplicate could not be told from a slow first.
    wait_for(lambda: reads.timeline(cid, f"customer:{ext}"), what="the first delivery's timeline entry")
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


# --- nothing lost when AWS fails ------------------------------------------------------------------------
def _endpoint(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def _add_customers(sandbox, cid, n):
    """n customers added now (callbacks delivered in parallel); their external ids and callback ids."""
    employee = sandbox.corp(cid)["employees"][0]["userid"]
    added = [sandbox.do(cid, "customers/add", {"userid": employee}) for _ in range(n)]
    return [(a["external_userid"], a["callback_id"]) for a in added]


def _applied_once(cid, ext) -> bool:
    timeline = reads.timeline(cid, f"customer:{ext}")
    return [t["change_type"] for t in timeline] == ["add_external_contact"] and timeline[0].get("applied") == 1


def _parked_count() -> int:
    ddb = boto3.client("dynamodb")
    return sum(len(p["Items"]) for p in ddb.get_paginator("scan").paginate(TableName="scrm-parked-events"))


def _all_delivered_once(stack, sandbox, cid, added, timeout_s=40):
    for _ext, cb_id in added:
        cb = sandbox.wait_delivered(cid, cb_id, timeout_s=timeout_s)
        assert cb["delivered"] is True, cb
    wait_for(lambda: all(_applied_once(cid, ext) for ext, _ in added), timeout_s=timeout_s,
             what="every event applied once")
    time.sleep(1.0)  # a wrongly queued copy would be applied by now
    assert all(_applied_once(cid, ext) for ext, _ in added)


def test_sqs_refusing_sends_for_3_s_loses_nothing(stack, sandbox, corp):
    """Within the route's own retries or through the parking table: every event acknowledged on WeCom's
    first attempt, and applied exactly once."""
    cid = corp["corp_id"]
    messaging = _endpoint(stack.messaging_port)
    aws_faults.refuse(messaging, aws_faults.SQS_SENDS, 3)
    try:
        added = _add_customers(sandbox, cid, 6)
        first = [sandbox.wait_delivered(cid, cb_id, timeout_s=20) for _, cb_id in added]
    finally:
        aws_faults.clear(messaging)
    assert [len(cb["attempts"]) for cb in first] == [1] * 6, first  # no WeCom retry was needed
    assert all(cb["attempts"][0]["status"] == 200 for cb in first)
    stack.run_job("redrive_parked_events")
    _all_delivered_once(stack, sandbox, cid, added)
    assert _parked_count() == 0


def test_sqs_refusing_sends_for_40_s_loses_nothing(stack, sandbox, corp):
    """Longer than WeCom's retries last (the test corps': 4 attempts of 5 s, 0.5 + 1 + 2 s between, 23.5 s): the
    events wait in the parking table, answered 200; the redrive job leaves them there while SQS still
    refuses, and queues them once it takes them."""
    cid = corp["corp_id"]
    messaging = _endpoint(stack.messaging_port)
    aws_faults.refuse(messaging, aws_faults.SQS_SENDS, 40)
    opened = time.monotonic()
    try:
        added = _add_customers(sandbox, cid, 4)
        time.sleep(10)  # more arrive while it lasts
        added += _add_customers(sandbox, cid, 4)
        for _, cb_id in added:
            cb = sandbox.wait_delivered(cid, cb_id, timeout_s=20)
            assert [a["status"] for a in cb["attempts"]] == [200], cb
        wait_for(lambda: _parked_count() >= len(added), what="events parked")
        during = stack.run_job("redrive_parked_events")
        assert during["redriven"] == 0 and during["failed"] >= len(added), during
        assert not any(reads.timeline(cid, f"customer:{ext}") for ext, _ in added)
        time.sleep(max(0.0, 40.5 - (time.monotonic() - opened)))
    finally:
        aws_faults.clear(messaging)
    after = stack.run_job("redrive_parked_events")
    assert after["redriven"] >= len(added) and after["failed"] == 0, after
    _all_delivered_once(stack, sandbox, cid, added)
    assert _parked_count() == 0


def test_sqs_and_the_parking_table_both_down_hold_the_answer_so_wecom_retries(stack, sandbox, corp):
    """Nothing durable: the route answers after WeCom's 5 s, which WeCom treats as a timeout and retries;
    a 503 would have lost the event."""
    cid = corp["corp_id"]
    messaging, dynamodb = _endpoint(stack.messaging_port), _endpoint(stack.dynamodb_port)
    aws_faults.refuse(messaging, aws_faults.SQS_SENDS, 8)
    aws_faults.refuse(dynamodb, ["DynamoDB_20120810.PutItem"], 8)
    try:
        added = _add_customers(sandbox, cid, 2)
        done = [sandbox.wait_delivered(cid, cb_id, timeout_s=45) for _, cb_id in added]
    finally:
        aws_faults.clear(messaging)
        aws_faults.clear(dynamodb)
    for cb in done:
        statuses = [a["status"] for a in cb["attempts"]]
        assert statuses[0] is None and "no response within" in cb["attempts"][0]["error"], cb
        assert statuses[-1] == 200 and cb["delivered"] is True, cb
    # The retry that got 200 may have found SQS still refusing and parked the event: the job queues it.
    stack.run_job("redrive_parked_events")
    _all_delivered_once(stack, sandbox, cid, added, timeout_s=20)


def test_unreadable_corp_keys_hold_the_answer_so_wecom_retries(stack, sandbox):
    """Secrets Manager down for a corp not yet cached: held, retried by WeCom, then applied once."""
    corp = new_corp(stack, sandbox)
    cid = corp["corp_id"]
    messaging = _endpoint(stack.messaging_port)
    aws_faults.refuse(messaging, ["secretsmanager.GetSecretValue"], 4)
    try:
        added = _add_customers(sandbox, cid, 1)
        cb = sandbox.wait_delivered(cid, added[0][1], timeout_s=30)
    finally:
        aws_faults.clear(messaging)
    assert cb["attempts"][0]["status"] is None and cb["delivered"] is True, cb
    _all_delivered_once(stack, sandbox, cid, added)


def test_the_route_keeps_no_de_dup_record(stack, corp):
    """Duplicates are the consumers' to catch (test_a_duplicate_callback_is_processed_once): the route's
    only write is the queue."""
    ddb = boto3.client("dynamodb")
    before = {i["id"]["S"] for p in ddb.get_paginator("scan").paginate(TableName="scrm-idempotency")
              for i in p["Items"]}
    r = FakeWeCom(stack.app_url, corp).send(_tag_delete("et_nodedup"))
    assert r.status_code == 200
    wait_for(lambda: reads.timeline(corp["corp_id"], "tags"), what="event applied")
    after = {i["id"]["S"] for p in ddb.get_paginator("scan").paginate(TableName="scrm-idempotency")
             for i in p["Items"]}
    assert not any("callback" in k for k in after - before)
