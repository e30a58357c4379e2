"""SOP enrolment over fakes: the event observer writes a new customer's (group's) due items for the active
SOPs whose fixed conditions it meets, never for a minute already running out; enrolling a whole SOP pages
through the search one queue message a page, query after query; paused, deleted or dateless SOPs write
nothing."""

from __future__ import annotations

from typing import Any

from scrm.domain.customer_query import CustomerQuery, encode_cursor
from scrm.domain.events import parse_event
from scrm.mass_sends.recipient_repository import PAGE, DynamoRecipients
from scrm.sops import model as S
from scrm.sops.enrolment import CACHE_S, ENROL_SLACK_S, SopEnrolment

from tests.unit.live_code_fakes import FakeClock
from tests.unit.mass_send_fakes import relation
from tests.unit.sop_fakes import CORP, FakeGroups, FakeSops, add_sop, cn, group
from tests.unit.transfer_fakes import FakeQueue

NOW = cn(2026, 11, 23, 9, 30, 20)
T = int(NOW.timestamp())


class FakeSearch:
    """The customer search: the rows a query matches, ``page`` at a time, with an opaque cursor."""

    def __init__(self, rows: list[dict[str, Any]], page: int = 2) -> None:
        self.rows = rows
        self.page = page
        self.asked: list[tuple[str, str, int, int]] = []  # (employee, state, limit, offset)

    def search(self, corp_id: str, q: CustomerQuery) -> tuple[list[dict[str, Any]], str]:
        start = int((q.cursor.get("p") or {}).get("r", "0#").split("#")[0])  # an offset in a real-shaped position
        self.asked.append((q.employee, q.state, q.limit, start))
        hits = sorted(
            (r for r in self.rows if q.matches(r)), key=lambda r: (r["external_userid"], r["userid"])
        )
        end = start + self.page
        position = {"pk": f"{corp_id}#x", "sk": "u", "r": f"{end:010d}#x"}
        return hits[start:end], encode_cursor(q.driver, position) if end < len(hits) else ""


class World:
    def __init__(self, rows: list[dict[str, Any]] = (), groups: list[dict[str, Any]] = ()) -> None:  # type: ignore[assignment]
        self.clock = FakeClock(NOW)
        self.repo = FakeSops()
        self.search = FakeSearch(list(rows))
        self.groups = FakeGroups(list(groups))
        self.queue = FakeQueue()
        self.seen: list[dict[str, Any]] = []  # every enrolment message run, in order
        owners = {g["chat_id"]: g["owner"] for g in groups}
        # The mass sends' page reader over the fake search (no I/O): enrolment pages a filter as they do.
        self.enrolment = SopEnrolment(self.repo, DynamoRecipients(self.search), self.groups, lambda corp, chat: owners.get(chat, ""),
                                      self.queue, self.clock)  # fmt: skip

    def drain(self) -> list[str]:
        out = []
        while self.queue.sent:
            message, _ = self.queue.sent.pop(0)
            assert message["step"] == "sop_enrol"
            self.seen.append(message)
            out.append(self.enrolment.run_step(message))
        return out


def added(ext: str, uid: str, at: int = T, state: str = "") -> Any:
    fields = {"ToUserName": CORP, "FromUserName": "sys", "MsgType": "event", "Event": "change_external_contact",
              "ChangeType": "add_external_contact", "CreateTime": str(at), "UserID": uid, "ExternalUserID": ext}  # fmt: skip
    if state:
        fields["State"] = state
    return parse_event(fields)


def chat_created(chat_id: str, at: int = T) -> Any:
    return parse_event({"ToUserName": CORP, "FromUserName": "sys", "MsgType": "event", "Event": "change_external_chat",
                        "ChangeType": "create", "CreateTime": str(at), "ChatId": chat_id})  # fmt: skip


def steps(*days_at: tuple[int, str]) -> list[dict[str, Any]]:
    return [
        {"id": f"s{i}", "after_added_days": d, "at": at, "text": "hi"} for i, (d, at) in enumerate(days_at)
    ]


def minute(day: int, hh: int, mm: int) -> str:
    return S.minute_key(cn(2026, 11, day, hh, mm))


# the event observer ----------------------------------------------------------------------------------
def test_a_new_customer_gets_items_for_each_active_sop_whose_member_and_state_match() -> None:
    w = World()
    add_sop(w.repo, "all", {"name": "all", "steps": steps((0, "10:00"), (3, "09:00"))})
    add_sop(w.repo, "alice", {"name": "a", "targets": {"employees": ["alice"]}, "steps": steps((1, "10:00"))})
    add_sop(w.repo, "bob", {"name": "b", "targets": {"employees": ["bob"]}, "steps": steps((1, "10:00"))})
    add_sop(w.repo, "poster", {"name": "p", "targets": {"states": ["c1"]}, "steps": steps((1, "10:00"))})
    add_sop(w.repo, "other", {"name": "o", "targets": {"states": ["c2"]}, "steps": steps((1, "10:00"))})
    add_sop(w.repo, "paused", {"name": "z", "status": "paused", "steps": steps((1, "10:00"))})
    add_sop(w.repo, "dated", {"name": "d", "steps": [{"date": "2026-11-24", "at": "10:00", "text": "x"}]})
    add_sop(w.repo, "groups", {"kind": "group", "name": "g", "steps": [{"after_created_days": 1, "at": "10:00",
                                                                           "text": "x"}]})  # fmt: skip
    # Tags can change before a step falls due: not checked here, but when it does.
    add_sop(w.repo, "vip", {"name": "v", "targets": {"tags_all": ["vip"]}, "steps": steps((1, "10:00"))})

    assert w.enrolment.observe(added("e1", "alice", state="c1"), "ev1") == ["sop:due:5"]
    assert w.repo.due_items(CORP) == sorted([
        (minute(23, 10, 0), "all", "s0", "e1", "alice", T),
        (minute(26, 9, 0), "all", "s1", "e1", "alice", T),
        (minute(24, 10, 0), "alice", "s0", "e1", "alice", T),
        (minute(24, 10, 0), "poster", "s0", "e1", "alice", T),
        (minute(24, 10, 0), "vip", "s0", "e1", "alice", T),
    ])  # fmt: skip
    w.repo.items = {k: v for k, v in w.repo.items.items() if "#due#" not in k[0]}
    add_sop(w.repo, "x", {"name": "x", "steps": steps((1, "10:00"))})  # within the cache's 30 s: not seen yet
    assert w.enrolment.observe(added("e2", "bob"), "ev2") == ["sop:due:4"]
    assert sorted({i[1] for i in w.repo.due_items(CORP)}) == ["all", "bob", "vip"]


def test_other_events_and_customers_nobody_targets_write_nothing() -> None:
    w = World()
    add_sop(w.repo, "bob", {"name": "b", "targets": {"employees": ["bob"]}, "steps": steps((1, "10:00"))})
    assert w.enrolment.observe(added("e1", "alice"), "ev1") == []
    edit = parse_event({"ToUserName": CORP, "FromUserName": "sys", "MsgType": "event",
                        "Event": "change_external_contact", "ChangeType": "edit_external_contact",
                        "CreateTime": str(T), "UserID": "bob", "ExternalUserID": "e1"})  # fmt: skip
    assert w.enrolment.observe(edit, "ev2") == []
    assert w.repo.due_items(CORP) == [] and w.repo.put_due_calls == 0


def test_an_edit_reaches_the_observer_once_its_cache_expires() -> None:
    w = World()
    add_sop(w.repo, "a", {"name": "a", "steps": steps((1, "10:00"))})
    assert w.enrolment.observe(added("e1", "alice"), "ev1") == ["sop:due:1"]
    sop = w.repo.get_sop(CORP, "a")
    assert not sop.pause(T).enrol
    assert w.repo.put_sop(CORP, sop)
    w.clock.now += 31
    assert w.enrolment.observe(added("e2", "alice", at=T + 31), "ev2") == []


def test_departments_widen_the_members_so_enrolment_does_not_filter_by_member() -> None:
    w = World()
    add_sop(w.repo, "d", {"name": "d", "targets": {"employees": ["alice"], "departments": [2]},
                          "steps": steps((1, "10:00"))})  # fmt: skip
    assert w.enrolment.observe(added("e1", "bob"), "ev1") == ["sop:due:1"]


def test_no_item_for_a_minute_already_over_only_from_the_current_minute_on() -> None:
    w = World()
    add_sop(
        w.repo, "a", {"name": "a", "steps": steps((0, "09:29"), (0, "09:30"), (0, "09:31"), (1, "09:00"))}
    )
    # The event arrives late: the customer was added at 09:00; the step of 09:29 is over (the tick may have
    # planned that minute already); 09:30 is the minute running now, planned once it is over.
    anchor = int(cn(2026, 11, 23, 9, 0).timestamp())
    assert w.enrolment.observe(added("e1", "alice", at=anchor), "ev1") == ["sop:due:3"]
    assert [(i[0], i[2]) for i in w.repo.due_items(CORP)] == [
        (minute(23, 9, 30), "s1"), (minute(23, 9, 31), "s2"), (minute(24, 9, 0), "s3")]  # fmt: skip


def test_a_new_group_gets_items_of_the_group_sops_of_its_owner() -> None:
    w = World(groups=[group("g1", "alice")])
    relative = [{"id": "c1", "after_created_days": 1, "at": "10:00", "text": "x"}]
    add_sop(
        w.repo, "mine", {"kind": "group", "name": "m", "targets": {"owners": ["alice"]}, "steps": relative}
    )
    add_sop(w.repo, "any", {"kind": "group", "name": "a", "steps": relative})
    add_sop(w.repo, "bobs", {"kind": "group", "name": "b", "targets": {"owners": ["bob"]}, "steps": relative})
    add_sop(w.repo, "customers", {"name": "c", "steps": steps((1, "10:00"))})
    assert w.enrolment.observe(chat_created("g1"), "ev1") == ["sop:due:2"]
    assert w.repo.due_items(CORP) == [(minute(24, 10, 0), "any", "c1", "g1", "alice", T),
                                      (minute(24, 10, 0), "mine", "c1", "g1", "alice", T)]  # fmt: skip


# enrolment of a whole SOP ---------------------------------------------------------------------------------
def test_enrolling_a_sop_pages_through_each_query_one_message_a_page() -> None:
    old = T - 3 * 86_400
    rows = [relation(f"a{i}", "alice", T - 60) for i in range(5)] + [
        relation("b0", "bob", T - 60), relation("b1", "bob", old), relation("b2", "bob", T - 60),
        relation("bx", "bob", T - 60, status="deleted_by_customer"),
        relation("c0", "carol", T - 60), relation("nt", "alice", 0),  # no add time known: no anchor
    ]  # fmt: skip
    w = World(rows)
    add_sop(w.repo, "a", {"name": "a", "targets": {"employees": ["alice", "bob"]},
                          "steps": steps((0, "10:00"), (1, "10:00"))})  # fmt: skip
    w.enrolment.start(CORP, "a")
    # Delayed past the observers' SOP cache: a customer added while the cache was stale is found here.
    assert w.queue.sent == [
        ({"corp_id": CORP, "sop_id": "a", "step": "sop_enrol", "query": 0, "cursor": ""}, CACHE_S + ENROL_SLACK_S)
    ]
    # alice: [a0 a1] [a2 a3] [a4 nt]; bob: [b0 b1] [b2] (bx ended: not active); carol is not a target
    assert w.drain() == [
        "enrolled:4:more",
        "enrolled:4:more",
        "enrolled:2:more",
        "enrolled:2:more",
        "enrolled:2:done",
    ]
    assert [(e, o) for e, _, _, o in w.search.asked] == [
        ("alice", 0),
        ("alice", 2),
        ("alice", 4),
        ("bob", 0),
        ("bob", 2),
    ]
    assert {limit for _, _, limit, _ in w.search.asked} == {PAGE}
    assert [(m["query"], bool(m["cursor"])) for m in w.seen] == [
        (0, False),
        (0, True),
        (0, True),
        (1, False),
        (1, True),
    ]
    # Each step still to come of every targeted active relation; b1's day 0 and day 1 are over.
    items = w.repo.due_items(CORP)
    assert sorted({i[3] for i in items}) == ["a0", "a1", "a2", "a3", "a4", "b0", "b2"]
    assert sorted({(i[0], i[2]) for i in items}) == [(minute(23, 10, 0), "s0"), (minute(24, 10, 0), "s1")]
    assert len(items) == 7 * 2


def test_a_redelivered_page_writes_the_same_items_again() -> None:
    w = World([relation("a0", "alice", T - 60)])
    add_sop(w.repo, "a", {"name": "a", "steps": steps((1, "10:00"))})
    message = {"corp_id": CORP, "sop_id": "a", "step": "sop_enrol", "query": 0, "cursor": ""}
    assert w.enrolment.run_step(message) == "enrolled:1:done"
    before = w.repo.due_items(CORP)
    assert w.enrolment.run_step(message) == "enrolled:1:done"
    assert w.repo.due_items(CORP) == before and w.queue.sent == []


def test_enrolling_a_group_sop_writes_its_active_groups_items() -> None:
    groups = [group("g1", "alice", create_time=T - 60), group("g2", "alice", create_time=T - 60, status="dismissed"),
              group("g3", "bob", create_time=T - 60), group("g4", "alice", create_time=0)]  # fmt: skip
    w = World(groups=groups)
    add_sop(w.repo, "g", {"kind": "group", "name": "g", "targets": {"owners": ["alice"]},
                          "steps": [{"id": "c0", "after_created_days": 1, "at": "10:00", "text": "x"}]})  # fmt: skip
    w.enrolment.start(CORP, "g")
    assert w.drain() == ["enrolled:1"]
    assert w.repo.due_items(CORP) == [(minute(24, 10, 0), "g", "c0", "g1", "alice", T - 60)]


def test_a_paused_deleted_or_dateless_sop_enrols_nobody() -> None:
    w = World([relation("a0", "alice", T - 60)])
    add_sop(w.repo, "p", {"name": "p", "status": "paused", "steps": steps((1, "10:00"))})
    add_sop(w.repo, "d", {"name": "d", "steps": [{"weekly": [1], "at": "10:00", "text": "x"}]})
    for sop_id in ("p", "d", "gone"):
        w.enrolment.start(CORP, sop_id)
    assert w.drain() == ["paused", "no-relative-steps", "no-sop"]
    assert w.repo.due_items(CORP) == [] and w.search.asked == []
