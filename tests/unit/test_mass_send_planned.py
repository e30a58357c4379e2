"""Planned mass sends (a SOP step due) and group sends over fakes: created once per key, recipients from
the planner (one message per customer, its most recent relation, members still employed), a {name} step
as one task per customer with the name filled in, group sends as chat_type group tasks of at most 2,000
groups per owner read back by chat_id, and the runner's member reminder after each created part."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from scrm.kernel.bus import Done, Resend
from scrm.kernel.errors import InvalidInput
from scrm.mass_sends import spec as D
from scrm.mass_sends.commands import RemindMember
from scrm.mass_sends.ledger import QuotaLedger
from scrm.mass_sends.runner import RETRY_DELAY_S, MassSendRunner
from scrm.mass_sends.service import MassSends
from scrm.welcome.message import Welcome

from tests.unit.mass_send_fakes import (
    CORP,
    START,
    FakeGroupMsg,
    FakeMassSendRepo,
    FakeRecipients,
    relation,
    send_of,
)
from tests.unit.sop_fakes import FakeGroups, group
from tests.unit.transfer_fakes import FakeQueue

SOURCE = {"kind": "sop", "sop_id": "A", "step_id": "d0", "minute": "2026-11-23T10:05", "name": "onboarding"}


class Clock:
    def __init__(self) -> None:
        self.t = float(START)

    def __call__(self) -> float:
        return self.t


class World:
    """``planned`` is what the SOP planner answers for a send's source; ``left`` the members who left."""

    def __init__(self, planned: Sequence[dict[str, Any]] = (), groups: Sequence[dict[str, Any]] = ()) -> None:
        self.clock = Clock()
        self.repo = FakeMassSendRepo()
        self.planned = list(planned)
        self.asked: list[dict[str, str]] = []
        self.left: set[str] = set()
        self.names = {"e1": "张三", "e2": "李四"}
        friends = {(r["userid"], r["external_userid"]) for r in self.planned if "external_userid" in r}
        owned = {(g["owner"], g["chat_id"]) for g in self.planned if "chat_id" in g}
        self.gw = FakeGroupMsg(
            self.clock, friends=friends, owned=owned | {(g["owner"], g["chat_id"]) for g in groups}
        )
        self.sends = MassSends(self.repo, QuotaLedger(self.repo, buckets=16), FakeRecipients([]), lambda corp: self.gw,
                               self.clock, employed=self._employed, planners={"sop": self._planner},
                               groups=FakeGroups(list(groups)), customer_name=lambda corp, ext: self.names.get(ext, ""))  # fmt: skip

    def _planner(self, corp_id: str, source: dict[str, str]) -> list[dict[str, Any]]:
        self.asked.append(dict(source))
        return list(self.planned)

    def _employed(self, corp_id: str, userids: Sequence[str]) -> set[str]:
        return set(userids) - self.left

    def planned_send(self, text: str = "本周新品", chat_type: str = D.SINGLE, key: str = "sop#A#d0#m") -> str:
        send, _ = self.sends.create_planned(CORP, key, "onboarding · d0", Welcome(text), chat_type, SOURCE)
        return str(send.send_id)

    def parts(self, send_id: str) -> list[tuple[str, int, list[str]]]:
        return [(p.sender, p.size, self.repo.part_ids(CORP, send_id, p.sender, p.number))
                for p in self.repo.parts(CORP, send_id)]  # fmt: skip


# creation ---------------------------------------------------------------------------------------------
def test_create_planned_is_once_per_key_whatever_the_send_became() -> None:
    w = World([relation("e1", "alice")])
    send, created = w.sends.create_planned(
        CORP, "sop#A#d0#m", "onboarding · d0", Welcome("hi"), D.SINGLE, SOURCE
    )
    assert created and send.state == "new" and send.source == SOURCE
    again, created = w.sends.create_planned(CORP, "sop#A#d0#m", "other", Welcome("other"), D.SINGLE, SOURCE)
    assert not created and again == send
    w.sends.cancel(CORP, send.send_id)  # unlike an admin's body, an ended send is still the key's send
    assert (
        w.sends.create_planned(CORP, "sop#A#d0#m", "x", Welcome("hi"), D.SINGLE, SOURCE)[0].send_id
        == send.send_id
    )
    other, created = w.sends.create_planned(CORP, "sop#A#d0#n", "x", Welcome("hi"), D.SINGLE, SOURCE)
    assert created and other.send_id != send.send_id
    assert send.spec["recipients"] == {"planned": SOURCE} and "chat_type" not in send.spec


def test_a_planned_spec_is_stored_parseable_but_refused_from_an_admin_body() -> None:
    w = World()
    sid = w.planned_send("{name}，你好", D.SINGLE)
    gid = w.planned_send("本周", D.GROUP, key="sop#G#w#m")
    spec = w.sends.get(CORP, sid).spec
    assert D.spec_from_dict(spec).content.needs_name
    assert w.sends.get(CORP, gid).spec["chat_type"] == D.GROUP
    assert D.spec_from_dict(w.sends.get(CORP, gid).spec).chat_type == D.GROUP
    with pytest.raises(InvalidInput):
        send_of(spec)  # an admin cannot post "planned" recipients


# planning -----------------------------------------------------------------------------------------------
def test_a_planned_send_reaches_the_planners_customers_once_each_by_their_latest_employed_member() -> None:
    rows = [relation("e1", "alice", START - 900), relation("e1", "bob", START - 100),  # bob added e1 later
            relation("e2", "alice", START - 900),
            relation("e3", "carol", START - 50), relation("e3", "alice", START - 500),  # carol left
            relation("e4", "carol", START - 50)]  # fmt: skip
    w = World(rows)
    w.left = {"carol"}
    sid = w.planned_send()
    send = w.sends.plan(CORP, sid)
    assert w.asked == [SOURCE]
    assert w.repo.recipients(CORP, sid) == {"e1": "bob", "e2": "alice", "e3": "alice"}
    assert w.parts(sid) == [("alice", 2, ["e2", "e3"]), ("bob", 1, ["e1"])]
    assert send.state == "planned" and send.counts["recipients"] == 3
    assert w.repo.skipped(CORP, sid) == {}  # e4 was nobody's to send: the planner's rows are not a list
    assert w.sends.run_parts(CORP, sid) == {"created": 2}
    assert [m.content for m in w.gw.msgs.values()] == [{"text": {"content": "本周新品"}}] * 2


def test_a_name_step_is_one_task_per_customer_named_in_it() -> None:
    rows = [relation("e1", "alice"), relation("e2", "alice"), relation("e3", "bob")]
    w = World(rows)
    sid = w.planned_send("{name}，欢迎加入")
    w.sends.plan(CORP, sid)
    assert w.parts(sid) == [("alice", 1, ["e1"]), ("alice", 1, ["e2"]), ("bob", 1, ["e3"])]
    assert w.sends.run_parts(CORP, sid) == {"created": 3}
    sent = sorted((m.sender, list(m.recipients), m.content["text"]["content"]) for m in w.gw.msgs.values())
    assert sent == [
        ("alice", ["e1"], "张三，欢迎加入"),
        ("alice", ["e2"], "李四，欢迎加入"),
        ("bob", ["e3"], "，欢迎加入"),  # a customer whose name we lack: the placeholder left empty
    ]


def test_a_plain_planned_step_keeps_one_task_per_member() -> None:
    w = World([relation(f"e{i}", "alice") for i in range(5)])
    sid = w.planned_send("本周新品")
    w.sends.plan(CORP, sid)
    assert [(s, n) for s, n, _ in w.parts(sid)] == [("alice", 5)]


def test_a_planned_group_send_is_one_task_per_owner_of_at_most_2000_groups_read_by_chat_id() -> None:
    rows = [group(f"a{i:04d}", "alice") for i in range(2500)] + [group(f"b{i}", "bob") for i in range(3)] + [
        group("dismissed", "alice", status="dismissed"), group("orphan", ""), group("left", "carol")]  # fmt: skip
    w = World(rows)
    w.left = {"carol"}
    sid = w.planned_send("本周", D.GROUP, key="sop#G#w#m")
    send = w.sends.plan(CORP, sid)
    assert [(s, n) for s, n, _ in w.parts(sid)] == [("alice", 2000), ("alice", 500), ("bob", 3)]
    assert send.counts["recipients"] == 2503
    assert w.sends.run_parts(CORP, sid) == {"created": 3}
    assert {m.chat_type for m in w.gw.msgs.values()} == {"group"}
    assert sorted(len(m.recipients) for m in w.gw.msgs.values()) == [3, 500, 2000]
    for m in list(w.gw.msgs.values())[:2]:
        w.gw.confirm(m.msgid)
    assert w.sends.results(CORP, sid)["final"] == 2
    outcomes = w.sends.outcome_of(CORP, sid)
    assert len(outcomes) == 2503 and outcomes["a0000"] == "sent" and outcomes["b0"] == "pending"
    assert w.sends.progress(CORP, sid)["outcomes"]["sent"] == 2500


def test_admin_group_sends_by_list_or_owner_use_the_stores_groups() -> None:
    groups = [group("g1", "alice", "VIP 一群"), group("g2", "bob", "普通群"), group("g3", "bob", "VIP 二群"),
              group("g4", "alice", status="dismissed")]  # fmt: skip
    w = World(groups=groups)
    by_list, _ = w.sends.create(
        CORP, *send_of({"name": "x", "text": "hi", "recipients": {"chat_ids": ["g1", "g4", "zz"]}})
    )
    w.sends.plan(CORP, by_list.send_id)
    assert w.parts(by_list.send_id) == [("alice", 1, ["g1"])]
    assert w.repo.skipped(CORP, by_list.send_id) == {"no_active_relation": ["g4", "zz"]}
    by_owner, _ = w.sends.create(CORP, *send_of({"name": "y", "text": "hi", "recipients": {"groups": {"owners": ["bob"],
                                                                                           "name_contains": "vip"}}}))  # fmt: skip
    w.sends.plan(CORP, by_owner.send_id)
    assert w.parts(by_owner.send_id) == [("bob", 1, ["g3"])]
    w.sends.run_parts(CORP, by_owner.send_id)
    [msg] = [m for m in w.gw.msgs.values() if m.sender == "bob"]
    assert msg.chat_type == "group" and list(msg.recipients) == ["g3"]


# the runner's reminder ------------------------------------------------------------------------------------
class Notify:
    def __init__(self, answers: list[str]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, int, str]] = []

    def __call__(
        self, corp_id: str, send: dict[str, Any], member: str, recipients: int, sop_name: str
    ) -> str:
        self.calls.append((member, recipients, sop_name))
        return self.answers.pop(0) if self.answers else "sent"


def drain(runner: MassSendRunner, queue: FakeQueue) -> list[tuple[str, str]]:
    """Run every queued step in order: (step, what it answered)."""
    out, bus = [], runner.bus()
    while queue.sent:
        message, _ = queue.sent.pop(0)
        out.append((message["step"], str(bus.handle(message))))
    return out


def test_each_created_part_of_a_planned_send_queues_a_notify_and_full_waits_a_minute() -> None:
    rows = [relation("e1", "alice"), relation("e2", "alice"), relation("e3", "bob"), relation("e9", "bob")]
    w = World(rows)
    w.gw.friends.discard(("bob", "e9"))  # e9 removed bob: its one-customer task is refused (41048)
    notify = Notify(["full"])
    queue = FakeQueue()
    runner = MassSendRunner(w.sends, queue, w.clock, notify=notify)
    sid = w.planned_send("{name}，欢迎")
    runner.queue_plan(CORP, sid)
    assert w.repo.open_sends(CORP) == [sid] and queue.sent == [
        ({"corp_id": CORP, "send_id": sid, "step": "plan"}, 0)
    ]
    steps = drain(runner, queue)
    assert steps[:5] == [("plan", "planned:4"), ("part", "created"), ("part", "created"), ("part", "created"),
                         ("part", "failed:41048")]  # fmt: skip
    # one notify per created part; alice's first answered "full": the same step again in a minute
    assert steps[5:] == [("notify", "notify:full"), ("notify", "notify:sent"), ("notify", "notify:sent"),
                         ("notify", "notify:sent")]  # fmt: skip
    assert notify.calls == [("alice", 2, "onboarding"), ("alice", 2, "onboarding"), ("bob", 1, "onboarding"),
                            ("alice", 2, "onboarding")]  # fmt: skip


def test_the_reminder_counts_the_customers_the_members_tasks_hold() -> None:
    rows = [relation(f"e{i}", "alice") for i in range(4)]
    w = World(rows)
    w.gw.friends.discard(("alice", "e3"))  # WeCom leaves e3 out of the task (fail_list)
    notify = Notify([])
    queue = FakeQueue()
    runner = MassSendRunner(w.sends, queue, w.clock, notify=notify)
    runner.queue_plan(CORP, w.planned_send())
    assert [s for s, _ in drain(runner, queue)] == ["plan", "part", "notify"]
    assert notify.calls == [("alice", 3, "onboarding")]


def test_a_full_reminder_is_re_queued_with_its_attempt_and_given_up_after_an_hour() -> None:
    w = World([relation("e1", "alice")])
    notify = Notify(["full", "full"])
    queue = FakeQueue()
    runner = MassSendRunner(w.sends, queue, w.clock, notify=notify)
    sid = w.planned_send()
    step = {"corp_id": CORP, "send_id": sid, "step": "notify", "sender": "alice"}
    again = RemindMember(CORP, sid, "alice", attempt=1)
    assert runner.bus().handle(step) == Resend(again, RETRY_DELAY_S, "notify:full")
    assert queue.sent == [({**step, "attempt": 1}, RETRY_DELAY_S)]
    queue.sent.clear()
    assert runner.bus().handle({**step, "attempt": 59}) == Done("notify:full")
    assert queue.sent == []  # the 60th try: given up


def test_an_admins_send_or_a_runner_without_reminders_queues_no_notify() -> None:
    rows = [relation("e1", "alice")]
    w = World(rows)
    w.sends.planning.recipients = FakeRecipients(rows)
    notify = Notify([])
    queue = FakeQueue()
    runner = MassSendRunner(w.sends, queue, w.clock, notify=notify)
    runner.start(CORP, *send_of({"name": "sale", "text": "hi", "recipients": {"filter": {}}}))
    assert [s for s, _ in drain(runner, queue)] == ["plan", "part"] and notify.calls == []
    quiet = MassSendRunner(w.sends, queue, w.clock)
    quiet.queue_plan(CORP, w.planned_send())
    assert [s for s, _ in drain(quiet, queue)] == ["plan", "part"]
