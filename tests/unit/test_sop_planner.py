"""The SOP planner's tick over fakes: one planned mass send per due (SOP, step, minute), never a second one
for a repeated tick, a replayed minute or a lease taken over after a crash; paused and deleted SOPs send
nothing; catch-up is bounded to an hour and a busy minute holds the cursor; and who a due step reaches
(``recipients``): the SOP and the relation (group) as they are at the due moment."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from scrm.mass_sends.ledger import QuotaLedger
from scrm.mass_sends.service import MassSends
from scrm.mass_sends.spec import RecipientFilter
from scrm.sops import model as S
from scrm.sops.planner import LEASE_S, SopPlanner

from tests.unit.live_code_fakes import FakeClock
from tests.unit.mass_send_fakes import FakeGroupMsg, FakeMassSendRepo, FakeRecipients, relation
from tests.unit.sop_fakes import CORP, FakeGroups, FakeSops, add_sop, cn, group, new_sop

NOW = cn(2026, 11, 23, 10, 6, 30)  # a Monday; the minute just ended is 10:05
M = "2026-11-23T10:05"
TODAY_9 = int(cn(2026, 11, 23, 9, 0).timestamp())


def minute(hh: int, mm: int, day: int = 23) -> str:
    return S.minute_key(cn(2026, 11, day, hh, mm))


class World:
    def __init__(self, rows: list[dict[str, Any]] = (), groups: list[dict[str, Any]] = (),
                 departments: dict[str, frozenset[int]] | None = None, now: datetime = NOW) -> None:  # fmt: skip
        self.clock = FakeClock(now)
        self.repo = FakeSops()
        self.send_repo = FakeMassSendRepo()
        self.recipients = FakeRecipients(list(rows))
        self.groups = FakeGroups(list(groups))
        self.deps = departments or {}
        self.deps_asked = 0
        self.queued: list[str] = []
        gw = FakeGroupMsg(self.clock)
        self.sends = MassSends(self.send_repo, QuotaLedger(self.send_repo, buckets=16), self.recipients,
                               lambda corp: gw, self.clock, groups=self.groups,
                               planners={"sop": lambda corp, source: self.planner.recipients(corp, source)})  # fmt: skip
        self.planner = SopPlanner(self.repo, self.sends, lambda corp, sid: self.queued.append(sid), lambda: [CORP],
                                  self.recipients, self.groups, self._departments, self.clock)  # fmt: skip

    def _departments(self, corp_id: str) -> dict[str, frozenset[int]]:
        self.deps_asked += 1
        return self.deps

    def send_ids(self) -> list[str]:
        return sorted(send_id for (_, send_id) in self.send_repo.sends)

    def sources(self) -> list[tuple[str, str, str]]:
        """(sop, step, minute) of every send created, sorted."""
        out = []
        for sid in self.send_ids():
            src = self.send_repo.get_send(CORP, sid).source
            out.append((src["sop_id"], src["step_id"], src["minute"]))
        return sorted(out)

    def enrol(self, sop_id: str, ext: str, uid: str, added: int) -> None:
        """The due items enrolment writes for one relation (every relative step still to come)."""
        spec = self.repo.get_sop(CORP, sop_id).spec
        at = datetime.fromtimestamp(added, NOW.tzinfo)
        plan = S.relative_plan(spec, at, at)
        self.repo.put_due(CORP, [(S.minute_key(d), sop_id, s.step_id, ext, uid, added) for s, d in plan])


def welcome(**targets: Any) -> dict[str, Any]:
    return {"name": "onboarding", "targets": targets,
            "steps": [{"id": "d0", "after_added_days": 0, "at": "10:05", "text": "欢迎"},
                      {"id": "d1", "after_added_days": 1, "at": "10:05", "text": "第二天"}]}  # fmt: skip


def dated(at: str = "10:05", **targets: Any) -> dict[str, Any]:
    return {
        "name": "sale",
        "targets": targets,
        "steps": [{"id": "dt", "date": "2026-11-23", "at": at, "text": "促销"}],
    }


def source(sop_id: str, step_id: str, minute_key: str = M) -> dict[str, str]:
    return {"kind": "sop", "sop_id": sop_id, "step_id": step_id, "minute": minute_key, "name": "x"}


def reached(w: World, src: dict[str, str]) -> list[dict[str, Any]]:
    """Who a due step reaches: its rows, what its filter finds in the store, or every page of its pager."""
    got = w.planner.recipients(CORP, src)
    if isinstance(got, RecipientFilter):
        got = w.sends.planning._filter_pages(CORP, got)  # as the send's plan reads it
    if callable(got):
        rows, cursor = got("")
        while cursor:
            more, cursor = got(cursor)
            rows += more
        return rows
    return got


def ids(rows: list[dict[str, Any]], key: str = "external_userid") -> list[str]:
    return sorted(str(r[key]) for r in rows)


# the tick --------------------------------------------------------------------------------------------
def test_relative_steps_due_in_the_minute_become_one_send_each() -> None:
    w = World([relation("e1", "alice", TODAY_9), relation("e2", "alice", TODAY_9)])
    add_sop(w.repo, "A", welcome())
    add_sop(w.repo, "B", welcome())  # the same steps, but nobody enrolled: nothing due
    add_sop(w.repo, "C", {**welcome(), "name": "other"})
    w.enrol("A", "e1", "alice", TODAY_9)
    w.enrol("A", "e2", "alice", TODAY_9)
    w.enrol("C", "e1", "alice", TODAY_9)

    assert w.planner.tick() == {CORP: {"minutes": 1, "sends": 2}}
    assert w.sources() == [("A", "d0", M), ("C", "d0", M)]  # d1 is due tomorrow
    [run] = w.repo.runs(CORP, "A")
    assert run["minute"] == M and run["step_id"] == "d0" and run["send_id"] in w.send_ids()
    assert sorted(w.queued) == w.send_ids()
    assert w.repo.cursor(CORP) == M
    assert w.repo.minute_mark(CORP, M)["state"] == "done" and w.repo.minute_mark(CORP, M)["sends"] == 2
    send = w.send_repo.get_send(CORP, run["send_id"])
    assert send.source == {
        "kind": "sop",
        "sop_id": "A",
        "step_id": "d0",
        "minute": M,
        "name": "onboarding",
    }
    assert send.spec["text"] == "欢迎" and send.spec["recipients"] == {"planned": send.source}


def test_date_and_weekly_steps_fall_due_in_their_minute_customer_and_group() -> None:
    w = World()
    add_sop(w.repo, "D", {"name": "calendar", "steps": [
        {"id": "dt", "date": "2026-11-23", "at": "10:05", "text": "a"},
        {"id": "mon", "weekly": [1, 3], "at": "10:05", "text": "b"},
        {"id": "tue", "weekly": [2], "at": "10:05", "text": "c"},  # not a Tuesday
        {"id": "later", "date": "2026-11-23", "at": "10:06", "text": "d"},  # the minute still running
        {"id": "rel", "after_added_days": 0, "at": "10:05", "text": "e"},  # nobody due
    ]})  # fmt: skip
    add_sop(w.repo, "G", {"kind": "group", "name": "groups", "steps": [{"id": "w", "weekly": [1], "at": "10:05",
                                                                           "text": "本周"}]})  # fmt: skip
    assert w.planner.tick_corp(CORP) == {"minutes": 1, "sends": 3}
    assert w.sources() == [("D", "dt", M), ("D", "mon", M), ("G", "w", M)]
    specs = {w.send_repo.get_send(CORP, s).source["sop_id"]: w.send_repo.get_send(CORP, s).spec
             for s in w.send_ids()}  # fmt: skip
    assert specs["G"]["chat_type"] == "group" and "chat_type" not in specs["D"]


def test_a_second_tick_or_a_replayed_minute_creates_no_second_send() -> None:
    w = World([relation("e1", "alice", TODAY_9)])
    spec = add_sop(w.repo, "A", welcome())
    w.enrol("A", "e1", "alice", TODAY_9)
    assert w.planner.tick_corp(CORP) == {"minutes": 1, "sends": 1}
    [sid] = w.send_ids()
    assert w.planner.tick_corp(CORP) == {"minutes": 0, "sends": 0}
    w.planner._plan_minute(CORP, M, {"A": spec})  # the same minute planned again (a replay)
    assert w.send_ids() == [sid] and len(w.repo.runs(CORP, "A")) == 1
    assert w.queued == [sid, sid]  # still "new": its plan queued again, which plans once
    w.sends.plan(CORP, sid)
    w.planner._plan_minute(CORP, M, {"A": spec})
    assert w.send_ids() == [sid] and w.queued == [sid, sid]  # planned already: not queued again


def test_a_minute_whose_tick_died_is_taken_over_after_the_lease_with_the_same_send() -> None:
    w = World([relation("e1", "alice", TODAY_9)])
    add_sop(w.repo, "A", welcome())
    w.enrol("A", "e1", "alice", TODAY_9)
    w.repo.set_cursor(CORP, minute(10, 4))
    put_run, crashes = w.repo.put_run, []

    def dies_once(*args: Any) -> None:
        if not crashes:
            crashes.append(args)
            raise RuntimeError("the tick's process died after creating the send")
        put_run(*args)

    w.repo.put_run = dies_once  # type: ignore[method-assign]
    assert w.planner.tick() == {CORP: {"error": True}}
    [sid] = w.send_ids()
    assert w.repo.cursor(CORP) == minute(10, 4) and w.repo.minute_mark(CORP, M)["state"] == "running"
    w.clock.now += 10
    assert w.planner.tick_corp(CORP) == {"minutes": 0, "sends": 0}  # its lease is live: wait
    assert w.repo.cursor(CORP) == minute(10, 4)
    w.clock.now += LEASE_S
    out = w.planner.tick_corp(CORP)
    assert out["sends"] == 1 and out["minutes"] == 5  # 10:05 again, then 10:06 .. 10:09
    assert w.send_ids() == [sid]  # the same request key found the same send
    assert [r["send_id"] for r in w.repo.runs(CORP, "A")] == [sid]
    assert w.repo.cursor(CORP) == minute(10, 9)


def test_paused_and_deleted_sops_send_nothing() -> None:
    w = World([relation("e1", "alice", TODAY_9)])
    add_sop(w.repo, "P", {**welcome(), "status": "paused", "steps": welcome()["steps"] + dated()["steps"]})
    add_sop(w.repo, "X", welcome())
    w.repo.put_due(CORP, [(M, "P", "d0", "e1", "alice", TODAY_9), (M, "X", "d0", "e1", "alice", TODAY_9)])
    assert w.repo.delete_sop(CORP, w.repo.get_sop(CORP, "X"))
    assert w.planner.tick_corp(CORP) == {"minutes": 1, "sends": 0}
    # No active SOP: the minute passes without a lease or a mark, the cursor moves on.
    assert w.send_ids() == [] and w.repo.minute_mark(CORP, M) is None and w.repo.cursor(CORP) == M
    # a send planned before the pause or the delete reaches nobody when its plan step runs
    assert reached(w, source("P", "d0")) == []
    assert reached(w, source("P", "dt")) == []
    assert reached(w, source("X", "d0")) == []


def test_catch_up_after_an_outage_covers_at_most_an_hour_and_moves_the_cursor() -> None:
    w = World()
    add_sop(w.repo, "A", {"name": "a", "steps": [
        {"id": "old", "date": "2026-11-23", "at": "09:05", "text": "lost"},  # 61 minutes ago: not caught up
        {"id": "first", "date": "2026-11-23", "at": "09:06", "text": "x"},  # the oldest minute caught up
        {"id": "last", "date": "2026-11-23", "at": "10:05", "text": "y"},
    ]})  # fmt: skip
    w.repo.set_cursor(CORP, minute(7, 0))
    assert w.planner.tick_corp(CORP) == {"minutes": 60, "sends": 2}
    assert w.sources() == [("A", "first", minute(9, 6)), ("A", "last", M)]
    assert w.repo.cursor(CORP) == M
    assert (
        w.repo.minute_mark(CORP, minute(9, 5)) is None
        and w.repo.minute_mark(CORP, minute(9, 6))["state"] == "done"
    )
    # a short gap: exactly the minutes since the cursor
    w.clock.now += 3 * 60
    assert w.planner.tick_corp(CORP) == {"minutes": 3, "sends": 0}
    assert w.repo.cursor(CORP) == minute(10, 8)


def test_a_corps_first_tick_plans_only_the_minute_just_ended() -> None:
    w = World()
    add_sop(
        w.repo, "A", {"name": "a", "steps": [{"id": "s", "date": "2026-11-23", "at": "10:04", "text": "x"}]}
    )
    assert w.planner.tick_corp(CORP) == {"minutes": 1, "sends": 0}
    assert w.repo.cursor(CORP) == M


def test_a_minute_another_tick_holds_stops_the_cursor_until_it_is_done() -> None:
    w = World()
    add_sop(w.repo, "A", {"name": "a", "steps": [
        {"id": f"s{mm}", "date": "2026-11-23", "at": f"10:0{mm}", "text": str(mm)} for mm in (2, 3, 4)
    ]})  # fmt: skip
    w.repo.set_cursor(CORP, minute(10, 0))
    assert w.repo.lease_minute(CORP, minute(10, 3), int(w.clock()), LEASE_S) == "taken"  # another tick
    assert w.planner.tick_corp(CORP) == {"minutes": 2, "sends": 1}
    assert w.repo.cursor(CORP) == minute(10, 2)
    w.repo.finish_minute(CORP, minute(10, 3), {"sends": 1})  # the other tick's send is its own
    assert w.planner.tick_corp(CORP) == {"minutes": 3, "sends": 1}
    assert w.sources() == [("A", "s2", minute(10, 2)), ("A", "s4", minute(10, 4))]
    assert w.repo.cursor(CORP) == M


def test_one_corps_failure_does_not_stop_the_others() -> None:
    w = World()
    add_sop(w.repo, "A", dated())
    w.planner.corps = lambda: ["broken", CORP]
    list_sops = w.repo.list_sops

    def failing(corp_id: str) -> list[dict[str, Any]]:
        if corp_id == "broken":
            raise RuntimeError("throttled")
        return list_sops(corp_id)

    w.repo.list_sops = failing  # type: ignore[method-assign]
    assert w.planner.tick() == {"broken": {"error": True}, CORP: {"minutes": 1, "sends": 1}}


# who a due step reaches -------------------------------------------------------------------------------
def test_relative_recipients_are_the_items_still_due_and_still_matching() -> None:
    yesterday_9 = TODAY_9 - 86_400
    rows = [relation("e1", "alice", TODAY_9, tags=["vip"]), relation("e2", "alice", yesterday_9, tags=["vip"]),
            relation("e3", "alice", TODAY_9, tags=["vip"], status="deleted_by_customer"),
            relation("e4", "alice", TODAY_9), relation("e5", "bob", TODAY_9, tags=["vip"])]  # fmt: skip
    w = World(rows)
    add_sop(w.repo, "A", welcome(tags_all=["vip"]))
    w.repo.put_due(CORP, [(M, "A", "d0", r["external_userid"], r["userid"], r["add_time"]) for r in rows])
    w.repo.put_due(CORP, [(M, "A", "d0", "gone", "alice", TODAY_9)])  # a relation no longer stored
    # e2: an item written when d0 was another day (its day 0 was yesterday); e3 left; e4 lost the tag
    assert ids(reached(w, source("A", "d0"))) == ["e1", "e5"]
    assert ("e1", "alice") in [
        (r["external_userid"], r["userid"]) for r in reached(w, source("A", "d0"))
    ]
    assert w.deps_asked == 0  # no department condition: the directory is not read

    # The step moved to 10:30 since the items were written: none of them is due at 10:05 any more.
    sop = w.repo.get_sop(CORP, "A")
    body = welcome(tags_all=["vip"])
    body["steps"][0]["at"] = "10:30"
    assert sop.edit(new_sop("A", body).spec, 1).enrol
    assert w.repo.put_sop(CORP, sop)
    assert reached(w, source("A", "d0")) == []
    # A step removed: nobody.
    assert reached(w, source("A", "nope")) == []


def test_relative_recipients_by_department_read_the_departments_at_the_due_moment() -> None:
    rows = [relation("e1", "alice", TODAY_9), relation("e2", "bob", TODAY_9)]
    w = World(rows, departments={"alice": frozenset({2}), "bob": frozenset({3})})
    add_sop(w.repo, "A", welcome(departments=[2]))
    w.repo.put_due(CORP, [(M, "A", "d0", r["external_userid"], r["userid"], r["add_time"]) for r in rows])
    assert ids(reached(w, source("A", "d0"))) == ["e1"]
    w.deps = {"alice": frozenset({3}), "bob": frozenset({2})}  # they changed departments since enrolment
    assert ids(reached(w, source("A", "d0"))) == ["e2"]


def test_dated_recipients_match_tags_days_since_added_and_members_at_the_due_moment() -> None:
    day = 86_400
    rows = [relation("e3d", "alice", TODAY_9 - 3 * day), relation("e10d", "alice", TODAY_9 - 10 * day),
            relation("e40d", "alice", TODAY_9 - 40 * day), relation("bob10", "bob", TODAY_9 - 10 * day),
            relation("left", "alice", TODAY_9 - 10 * day, status="deleted_by_customer"),
            relation("carol10", "carol", TODAY_9 - 10 * day, tags=["vip"])]  # fmt: skip
    w = World(rows, departments={"alice": frozenset({2}), "bob": frozenset({3}), "carol": frozenset({2})})
    add_sop(w.repo, "T", dated(days_since_added={"min": 7, "max": 30}))
    # A dated step hands back a filter (the send's plan reads it page by page); the fake store runs it.
    assert isinstance(w.planner.recipients(CORP, source("T", "dt")), RecipientFilter)
    assert ids(reached(w, source("T", "dt"))) == ["bob10", "carol10", "e10d"]
    add_sop(w.repo, "E", dated(employees=["bob"]))
    assert ids(reached(w, source("E", "dt"))) == ["bob10"]
    add_sop(w.repo, "V", dated(tags_none=["vip"], departments=[2], days_since_added={"min": 5}))
    assert ids(reached(w, source("V", "dt"))) == ["e10d", "e40d"]
    w.recipients.asked.clear()
    add_sop(w.repo, "N", dated(departments=[9]))  # a department nobody is in: nobody, without a search
    assert w.planner.recipients(CORP, source("N", "dt")) == [] and w.recipients.asked == []


def test_group_recipients_match_owners_and_name_at_the_due_moment() -> None:
    groups = [group("g1", "alice", "VIP 一群", TODAY_9), group("g2", "alice", "普通群", TODAY_9),
              group("g3", "bob", "VIP 二群", TODAY_9), group("g4", "alice", "vip 三群", TODAY_9, status="dismissed"),
              group("g5", "alice", "vip 四群", TODAY_9)]  # fmt: skip
    w = World(groups=groups)
    add_sop(w.repo, "G", {"kind": "group", "name": "vip groups", "targets": {"owners": ["alice"], "name_contains": "vip"},
                          "steps": [{"id": "dt", "date": "2026-11-23", "at": "10:05", "text": "x"},
                                    {"id": "c0", "after_created_days": 0, "at": "10:05", "text": "y"}]})  # fmt: skip
    assert ids(reached(w, source("G", "dt")), "chat_id") == ["g1", "g5"]
    # relative: the groups' due items, as each group is now (g3 moved to bob, g2 renamed since enrolment)
    w.repo.put_due(CORP, [(M, "G", "c0", c, "alice", TODAY_9) for c in ("g1", "g2", "g3", "g4")])
    w.repo.put_due(CORP, [(M, "G", "c0", "g5", "alice", TODAY_9 - 86_400)])  # created yesterday: not due now
    assert ids(reached(w, source("G", "c0")), "chat_id") == ["g1"]


def test_a_group_sop_by_labels_reaches_only_the_groups_carrying_one_of_them() -> None:
    groups = [group("g1", "alice", "一群", TODAY_9, tag_ids=["门店群"]),
              group("g2", "alice", "二群", TODAY_9, tag_ids=["VIP", "其他"]),
              group("g3", "bob", "三群", TODAY_9, tag_ids=["其他"]),
              group("g4", "bob", "四群", TODAY_9),
              group("g5", "bob", "五群", TODAY_9, status="dismissed", tag_ids=["VIP"])]  # fmt: skip
    w = World(groups=groups)
    add_sop(w.repo, "L", {"kind": "group", "name": "labelled", "targets": {"tags_any": ["门店群", "VIP"]},
                          "steps": [{"id": "dt", "date": "2026-11-23", "at": "10:05", "text": "x"},
                                    {"id": "c0", "after_created_days": 0, "at": "10:05", "text": "y"}]})  # fmt: skip
    assert ids(reached(w, source("L", "dt")), "chat_id") == ["g1", "g2"]
    # relative: the labels as the group carries them at the due moment (g3 labelled since, g1 unlabelled)
    w.groups.rows[0]["tag_ids"] = []
    w.groups.rows[2]["tag_ids"] = ["VIP"]
    w.repo.put_due(CORP, [(M, "L", "c0", c, "alice", TODAY_9) for c in ("g1", "g2", "g3", "g4", "g5")])
    assert ids(reached(w, source("L", "c0")), "chat_id") == ["g2", "g3"]
    # the tick's send, planned now, goes to the groups labelled now (g1 lost its label, g3 gained one)
    assert w.planner.tick() == {CORP: {"minutes": 1, "sends": 2}}
    by_step = {w.send_repo.get_send(CORP, sid).source["step_id"]: sid for sid in w.send_ids()}
    w.sends.plan(CORP, by_step["dt"])
    parts = [(p.sender, sorted(w.send_repo.part_ids(CORP, by_step["dt"], p.sender, p.number)))
             for p in w.send_repo.parts(CORP, by_step["dt"])]  # fmt: skip
    assert sorted(parts) == [("alice", ["g2"]), ("bob", ["g3"])]


def test_a_ticks_send_is_planned_by_the_mass_sends_to_the_recipients_the_planner_names() -> None:
    rows = [
        relation("e1", "alice", TODAY_9),
        relation("e2", "alice", TODAY_9),
        relation("e3", "bob", TODAY_9),
    ]
    w = World(rows)
    add_sop(w.repo, "A", welcome(employees=["alice"]))
    for r in rows:
        w.enrol("A", r["external_userid"], r["userid"], r["add_time"])
    w.planner.tick_corp(CORP)
    [sid] = w.send_ids()
    send = w.sends.plan(CORP, sid)
    assert send.counts["recipients"] == 2
    assert [(p.sender, p.size) for p in w.send_repo.parts(CORP, sid)] == [("alice", 2)]
    assert sorted(w.send_repo.part_ids(CORP, sid, "alice", 0)) == ["e1", "e2"]


def test_minutes_to_plan_never_reaches_into_the_running_minute() -> None:
    w = World(now=cn(2026, 11, 23, 10, 6, 0))  # the first second of 10:06
    w.repo.set_cursor(CORP, minute(10, 3))
    assert w.planner.minutes_to_plan(CORP, NOW - timedelta(seconds=30)) == [minute(10, 4), M]
    w.repo.set_cursor(CORP, M)
    assert w.planner.minutes_to_plan(CORP, NOW) == []


def test_a_relation_added_again_since_gets_only_its_new_adds_steps() -> None:
    # e1 was added yesterday, deleted, and added again today at 9:00: the day-1 item of yesterday's add
    # falls due now, but e1's add is today's (its day 1 is tomorrow). e2 was added yesterday and stayed.
    yesterday_9 = TODAY_9 - 86_400
    w = World([relation("e1", "alice", TODAY_9), relation("e2", "alice", yesterday_9)])
    add_sop(w.repo, "A", welcome())
    w.repo.put_due(CORP, [(M, "A", "d1", "e1", "alice", yesterday_9), (M, "A", "d1", "e2", "alice", yesterday_9)])
    assert ids(reached(w, source("A", "d1"))) == ["e2"]
    # The callback's time and WeCom's add time a few seconds apart are the same add.
    w2 = World([relation("e1", "alice", yesterday_9 + 3)])
    add_sop(w2.repo, "A", welcome())
    w2.repo.put_due(CORP, [(M, "A", "d1", "e1", "alice", yesterday_9)])
    assert ids(reached(w2, source("A", "d1"))) == ["e1"]


def test_a_day_n_step_is_read_in_pages_of_due_items_each_page_checked(monkeypatch) -> None:
    from scrm.sops import planner as sop_planner

    monkeypatch.setattr(sop_planner, "DUE_PAGE", 2)
    rows = [relation(f"e{i}", "alice", TODAY_9, tags=["vip"] if i != 3 else []) for i in range(5)]
    w = World(rows)
    add_sop(w.repo, "A", welcome(tags_all=["vip"]))
    w.repo.put_due(CORP, [(M, "A", "d0", r["external_userid"], "alice", TODAY_9) for r in rows])
    pages = w.planner.recipients(CORP, source("A", "d0"))
    first, cursor = pages("")
    assert ids(first) == ["e0", "e1"] and cursor
    second, cursor = pages(cursor)
    assert ids(second) == ["e2"] and cursor  # e3 lost the tag: its page is checked like any other
    last, cursor = pages(cursor)
    assert ids(last) == ["e4"] and cursor == ""
