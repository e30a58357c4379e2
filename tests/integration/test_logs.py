"""Logs are structured, carry corp id, event key and request id, and never secrets or personal data."""

from __future__ import annotations

import json

import pytest
from scrm.adapters.dynamo import reads

from tests.support.logs import records
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


def test_log_lines_have_context_and_no_secrets(stack, sandbox, corp):
    cid = corp["corp_id"]
    uid = sandbox.corp(cid)["employees"][0]["userid"]
    added = sandbox.do(cid, "customers/add", {"userid": uid, "name": "韩梅梅", "wait": True})
    wait_for(lambda: reads.customer(cid, added["external_userid"]), what="stored")
    # An unknown event is logged by the consumer through the services' stdlib logger.
    sandbox.do(cid, "events/raw", {"fields": {"Event": "some_new_event", "ChangeType": "x",
                                              "ExternalUserID": added["external_userid"]}, "wait": True})
    wait_for(lambda: any(t["entry"].get("unknown") for t in reads.timeline(cid, f"customer:{added['external_userid']}")),
             what="unknown event applied")
    text = "".join(
        (stack.config.workdir / name).read_text(encoding="utf-8", errors="replace")
        for name in ("app.log", "workers.log")
    )
    mine = [r for r in records(text) if cid in json.dumps(r, ensure_ascii=False)]
    accepted = [r for r in mine if r.get("message") == "callback accepted"]
    assert accepted, "no structured line for the callback"
    assert all(r["corp_id"] == cid and r["event_key"] and r.get("request_id") for r in accepted)
    applied = [r for r in mine if r.get("message") == "unknown event kept raw"]
    assert applied and all(r["corp_id"] == cid and r["event_key"] and r.get("request_id") for r in applied)
    for secret in (corp["secret"], corp["token"], corp["aes_key"], "韩梅梅", added.get("welcome_code") or "\0"):
        assert secret not in text
