"""The mass-send service against the sandbox and moto (called directly: routes, queues and schedules come
later): create → plan → one WeCom task per member → the members confirm in the sandbox → results per
customer (sent, not a friend, over WeCom's quota), and a second send the same day skipped by our ledger."""

from __future__ import annotations

from typing import Any

import pytest
from scrm import bootstrap
from scrm.adapters.dynamo import reads

from tests.integration.test_admin_api import _synced_corp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


def send_of(body: dict[str, Any]) -> tuple[Any, str]:
    """A POST /admin/mass-sends body as the admin API takes it: its model, then the domain's spec."""
    from admin.schemas.base import validated
    from admin.schemas.mass_sends import MassSendInput

    model = validated(MassSendInput, body)
    return model.spec(), model.request_id or ""


def test_a_mass_send_end_to_end_with_quota_and_lost_friends(stack, sandbox):
    corp = _synced_corp(stack, sandbox, employees=3, customers_per_employee=4, groups=0)
    cid = corp["corp_id"]
    sandbox.set_groupmsg_dispatch(cid, 0)
    sandbox.set_groupmsg_quota(cid, "day_1")
    svc = bootstrap.mass_sends()
    svc.set_quota_setting(cid, "day_1")
    world = sandbox.corp(cid)
    follower = {c["external_userid"]: c["follow_users"][0]["userid"] for c in world["customers"]}
    full, leaving = sorted(follower)[:2]

    # Someone else's mass send already reached `full` today: WeCom counts it, our ledger cannot see it.
    gw = bootstrap.admin_gateways().for_corp(cid)
    other, _ = gw.add_msg_template("single", {"text": {"content": "another tool"}}, follower[full], [full])
    sandbox.confirm_groupmsg(cid, other, follower[full])

    send, created = svc.create(
        cid, *send_of({"name": "sale", "text": "双十一 starts now", "recipients": {"filter": {}}})
    )
    assert created
    assert (
        svc.create(cid, *send_of({"name": "sale", "text": "双十一 starts now", "recipients": {"filter": {}}}))[0]
        == send
    )
    sid = send.send_id
    planned = svc.plan(cid, sid)
    senders = set(follower.values())
    assert planned.counts == {"recipients": len(follower), "parts": len(senders), "skipped": {}}
    assert svc.run_parts(cid, sid) == {"created": len(senders)}
    assert svc.run_parts(cid, sid) == {}  # a repeated step creates nothing
    parts = [p for p in svc.repo.parts(cid, sid)]
    msgs = sandbox.groupmsgs(cid, "single")["groupmsgs"]
    assert len([m for m in msgs if m["text"] == "双十一 starts now"]) == len(senders)

    sandbox.do(cid, "customers/del_by_customer", {"userid": follower[leaving], "external_userid": leaving})
    assert svc.results(cid, sid)["waiting"] == len(senders)
    assert set(svc.outcome_of(cid, sid).values()) == {"pending"}
    for p in parts:
        sandbox.confirm_groupmsg(cid, p.msgid, p.sender)
    assert svc.results(cid, sid)["final"] == len(senders)

    outcomes = svc.outcome_of(cid, sid)
    assert outcomes.pop(full) == "over_quota"
    assert outcomes.pop(leaving) == "not_a_friend"
    assert set(outcomes.values()) == {"sent"}
    progress = svc.progress(cid, sid)
    assert progress["outcomes"]["sent"] == len(follower) - 2
    assert {m["userid"] for m in progress["members"]} == senders
    assert all(0 < m["completion_rate"] <= 1 for m in progress["members"])

    # The customer's del_follow_user callback reaches our store: the relation is no longer active.
    wait_for(
        lambda: reads.follow(cid, leaving, follower[leaving])["status"] != "active",
        timeout_s=30,
        what="callback",
    )
    # The same day, day_1: everyone who received (or whom WeCom counts as full) is skipped before any task.
    again, _ = svc.create(
        cid, *send_of({"name": "again", "text": "second", "recipients": {"external_userids": [*follower, "wmnobody"]}})
    )
    planned = svc.plan(cid, again.send_id)
    skipped = svc.repo.skipped(cid, again.send_id)
    assert sorted(skipped["no_active_relation"]) == sorted(["wmnobody", leaving])
    assert sorted(skipped["over_quota"]) == sorted(set(follower) - {leaving})
    assert planned.counts["parts"] == 0
