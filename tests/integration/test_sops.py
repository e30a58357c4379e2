"""SOPs on the local stack: a customer SOP's day-0 step for a customer added through a real callback, and a
group SOP's fixed-date step, each planned by the tick into one WeCom task per member, handed to the
members with an app message, confirmed in the sandbox and read back as results per SOP and member.

The planner runs with its clock a few minutes ahead (the stack's own clock is never moved): the step
falls due two minutes from now, and a tick "four minutes from now" plans it at once.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from scrm import bootstrap
from scrm.kernel.china_time import CHINA
from scrm.mass_sends.model import Part
from scrm.sops import model as S
from scrm.sops.planner import SopPlanner

from tests.integration.test_admin_api import _synced_corp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


def _planner(ahead_s: float, cid: str) -> SopPlanner:
    """The tick as it will run ``ahead_s`` from now, covering every minute from now on (a corp's first
    tick starts at the minute just ended; this one's cursor is set to the real minute before)."""
    bootstrap.sop_repo().set_cursor(cid, S.minute_key(datetime.now(CHINA) - timedelta(minutes=1)))
    real = bootstrap.sop_planner()
    return SopPlanner(real.repo, real.sends, real.queue_plan, real.corps, real.relations, real.groups,
                      real.departments, clock=lambda: time.time() + ahead_s)  # fmt: skip


def _hhmm(ahead_s: float) -> str:
    return (datetime.now(CHINA) + timedelta(seconds=ahead_s)).strftime("%H:%M")


def _parts(cid: str, send_id: str) -> list[Part]:
    return [p for p in bootstrap.mass_sends().repo.parts(cid, send_id)]


def test_a_customer_sop_step_reaches_each_new_customer_once_by_name(stack, sandbox):
    corp = _synced_corp(stack, sandbox, employees=2, customers_per_employee=2, groups=0)
    cid = corp["corp_id"]
    sandbox.set_groupmsg_dispatch(cid, 0)
    employees = [e["userid"] for e in sandbox.corp(cid)["employees"]]
    admin = bootstrap.sop_admin()
    sop = admin.create(cid, {"name": "onboarding", "targets": {"employees": employees[:1]},
                             "steps": [{"id": "d0", "after_added_days": 0, "at": _hhmm(120),
                                        "text": "{name}，欢迎！这是新人礼包"}]})  # fmt: skip
    assert sop["status"] == "active" and sop["steps"][0]["id"] == "d0"

    # Two customers add the targeted member, one adds the other member (not a target).
    added = [sandbox.do(cid, "customers/add", {"userid": employees[0], "name": f"客户{i}", "wait": True})
             for i in range(2)]  # fmt: skip
    sandbox.do(cid, "customers/add", {"userid": employees[1], "name": "别人", "wait": True})
    exts = sorted(a["external_userid"] for a in added)
    repo = bootstrap.sop_repo()
    # The step's minute as the SOP says (a minute boundary may have passed since it was saved).
    due_minute = S.minute_key(S.relative_due_at(datetime.now(CHINA), _spec(cid, sop["sop_id"]).steps[0].trigger))
    wait_for(lambda: len(list(repo.due(cid, due_minute, sop["sop_id"], "d0"))) == 2, timeout_s=30,
             what="due items")  # fmt: skip

    planner = _planner(240, cid)
    first = planner.tick_corp(cid)
    assert first["sends"] == 1
    assert planner.tick_corp(cid) == {"minutes": 0, "sends": 0}  # nothing new; and a replay of the minute:
    planner._plan_minute(cid, due_minute, {sop["sop_id"]: _spec(cid, sop["sop_id"])})
    runs = repo.runs(cid, sop["sop_id"])
    assert len(runs) == 1
    send_id = runs[0]["send_id"]
    wait_for(lambda: len(_parts(cid, send_id)) == 2 and all(p.state == "created" for p in _parts(cid, send_id)),
             timeout_s=60, what="tasks created")  # fmt: skip

    msgs = [m for m in sandbox.groupmsgs(cid, "single")["groupmsgs"] if "欢迎" in m["text"]]
    assert sorted(m["text"] for m in msgs) == ["客户0，欢迎！这是新人礼包", "客户1，欢迎！这是新人礼包"]
    assert len(msgs) == 2  # one task per customer ({name}), never a second one for the replayed minute
    # The member is told once, by app message, through the alerts' pacing.
    wait_for(lambda: any("SOP 任务" in str(m) for m in sandbox.messages(cid)), timeout_s=30, what="reminder")
    reminders = [m for m in sandbox.messages(cid) if "SOP 任务" in str(m)]
    assert len(reminders) == 1 and employees[0] in str(reminders[0])

    for p in _parts(cid, send_id):
        sandbox.confirm_groupmsg(cid, p.msgid, p.sender)
    bootstrap.mass_sends().results(cid, send_id)
    progress = admin.progress(cid, sop["sop_id"])
    assert progress["recipients"] == 2 and progress["sent"] == 2 and progress["completion_rate"] == 1.0
    assert progress["members"] == [{"userid": employees[0], "recipients": 2, "sent": 2, "completion_rate": 1.0}]
    assert sorted(bootstrap.mass_sends().outcome_of(cid, send_id)) == exts


def _spec(cid: str, sop_id: str) -> S.SopSpec:
    return bootstrap.sop_repo().get_sop(cid, sop_id).spec


def test_a_group_sop_on_a_date_reaches_each_owner_once_and_pause_stops_it(stack, sandbox):
    corp = _synced_corp(stack, sandbox, employees=2, customers_per_employee=2, groups=4)
    cid = corp["corp_id"]
    sandbox.set_groupmsg_dispatch(cid, 0)
    groups = sandbox.corp(cid)["groups"]
    owners = sorted({g["owner"] for g in groups})
    today = (datetime.now(CHINA) + timedelta(seconds=120)).strftime("%Y-%m-%d")
    admin = bootstrap.sop_admin()
    sop = admin.create(cid, {"kind": "group", "name": "weekly offer", "targets": {},
                             "steps": [{"id": "fri", "date": today, "at": _hhmm(120), "text": "本周优惠"}]})  # fmt: skip
    paused = admin.create(cid, {"kind": "group", "name": "paused", "status": "paused", "targets": {},
                                "steps": [{"date": today, "at": _hhmm(120), "text": "不应发送"}]})  # fmt: skip
    assert paused["status"] == "paused"
    _planner(240, cid).tick_corp(cid)
    runs = bootstrap.sop_repo().runs(cid, sop["sop_id"])
    assert len(runs) == 1 and bootstrap.sop_repo().runs(cid, paused["sop_id"]) == []
    send_id = runs[0]["send_id"]
    wait_for(lambda: {p.sender for p in _parts(cid, send_id) if p.state == "created"} == set(owners),
             timeout_s=60, what="group tasks")  # fmt: skip
    msgs = [m for m in sandbox.groupmsgs(cid, "group")["groupmsgs"] if m["text"] == "本周优惠"]
    assert len(msgs) == len(owners)
    ids = {g for p in _parts(cid, send_id) for g in bootstrap.mass_sends().repo.part_ids(cid, send_id, p.sender, p.number)}
    assert ids == {g["chat_id"] for g in groups}


def test_a_customer_sop_on_a_date_reaches_the_targets_customers_through_a_paged_filter(stack, sandbox):
    corp = _synced_corp(stack, sandbox, employees=3, customers_per_employee=3, groups=0)
    cid = corp["corp_id"]
    sandbox.set_groupmsg_dispatch(cid, 0)
    world = sandbox.corp(cid)
    target = world["employees"][1]["userid"]
    theirs = sorted(c["external_userid"] for c in world["customers"]
                    if any(f["userid"] == target for f in c["follow_users"]))  # fmt: skip
    today = (datetime.now(CHINA) + timedelta(seconds=120)).strftime("%Y-%m-%d")
    sop = bootstrap.sop_admin().create(cid, {"name": "store event", "targets": {"employees": [target]},
                                             "steps": [{"id": "ev", "date": today, "at": _hhmm(120),
                                                        "text": "周六门店活动，欢迎光临"}]})  # fmt: skip
    _planner(240, cid).tick_corp(cid)
    runs = bootstrap.sop_repo().runs(cid, sop["sop_id"])
    assert len(runs) == 1
    send_id = runs[0]["send_id"]
    wait_for(lambda: _parts(cid, send_id) and all(p.state == "created" for p in _parts(cid, send_id)),
             timeout_s=60, what="the date step's task")  # fmt: skip
    parts = _parts(cid, send_id)
    assert [p.sender for p in parts] == [target]  # one task for the member, not one per customer
    reached = bootstrap.mass_sends().repo.part_ids(cid, send_id, target, 0)
    assert sorted(reached) == theirs


def test_due_items_page_with_a_cursor(stack):
    repo = bootstrap.sop_repo()
    cid = "wwduepage" + str(int(time.time()))
    repo.put_due(cid, [("2026-11-23T10:05", "A", "d0", f"wm{i}", "alice", 100 + i) for i in range(3)])
    repo.put_due(cid, [("2026-11-23T10:05", "A", "d1", "wm9", "alice", 1)])  # another step: never in A/d0's pages
    seen, cursor, calls = [], "", 0
    while True:
        page, cursor = repo.due_page(cid, "2026-11-23T10:05", "A", "d0", cursor, 2)
        seen += page
        calls += 1
        if not cursor:
            break
    assert seen == [("wm0", "alice", 100), ("wm1", "alice", 101), ("wm2", "alice", 102)] and calls == 2
