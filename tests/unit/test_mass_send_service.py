"""The mass-send service over fakes: create once, plan into parts with quota skips, create each WeCom task
once (retries, a worker that died mid-call), results with 41063, cancel and remind."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from scrm.kernel.errors import DomainError
from scrm.kernel.wecom_error import WeComError
from scrm.mass_sends.ledger import QuotaLedger
from scrm.mass_sends.model import LEASE_S, Called, PartCall
from scrm.mass_sends.planning import Resolving
from scrm.mass_sends.service import MassSends

from tests.unit.mass_send_fakes import (
    CORP,
    START,
    FakeGroupMsg,
    FakeMassSendRepo,
    FakeNames,
    FakeRecipients,
    relation,
    send_of,
)
from tests.unit.refusals import status


class Clock:
    def __init__(self) -> None:
        self.t = float(START)

    def __call__(self) -> float:
        return self.t


def world(
    rows: list[dict[str, Any]], **wecom: Any
) -> tuple[MassSends, FakeMassSendRepo, FakeGroupMsg, Clock]:
    clock = Clock()
    repo = FakeMassSendRepo()
    gw = FakeGroupMsg(
        clock, friends={(r["userid"], r["external_userid"]) for r in rows if r["status"] == "active"}, **wecom
    )
    svc = MassSends(repo, QuotaLedger(repo, buckets=16), FakeRecipients(rows), lambda corp: gw, clock)
    return svc, repo, gw, clock


ROWS = [relation(f"a{i}", "alice") for i in range(5)] + [
    relation(f"b{i}", "bob", tags=["vip"]) for i in range(3)
]
BODY = {"name": "sale", "text": "双十一", "recipients": {"filter": {}}}


def _send(svc: MassSends, body: dict[str, Any] = BODY) -> str:
    send, _ = svc.create(CORP, *send_of(body))
    svc.plan(CORP, send.send_id)
    return send.send_id


def test_create_is_idempotent_while_open_and_by_request_id():
    svc, repo, _, _ = world(ROWS)
    a, created = svc.create(CORP, *send_of(BODY))
    assert created
    assert svc.create(CORP, *send_of(BODY)) == (a, False)
    svc.cancel(CORP, a.send_id)
    b, created = svc.create(CORP, *send_of(BODY))  # the same body after the first ended: a new send
    assert created and b.send_id != a.send_id
    c, _ = svc.create(CORP, *send_of({**BODY, "request_id": "r1"}))
    svc.cancel(CORP, c.send_id)
    assert svc.create(CORP, *send_of({**BODY, "request_id": "r1"})) == (svc.get(CORP, c.send_id), False)
    with pytest.raises(DomainError) as err:
        svc.create(CORP, *send_of({**BODY, "text": "hi {name}"}))
    assert status(err.value) == 400 and err.value.field == "text"


def test_plan_cuts_parts_per_sender_and_a_retry_changes_nothing():
    svc, repo, gw, _ = world(ROWS)
    sid = _send(svc)
    parts = [(p.sender, p.size) for p in repo.parts(CORP, sid)]
    assert parts == [("alice", 5), ("bob", 3)]
    send = svc.get(CORP, sid)
    repo.sends[(CORP, sid)] = replace(send, state="new", version=9)  # as if the plan died before it marked the send
    svc.plan(CORP, sid)
    assert [(p.sender, p.size) for p in repo.parts(CORP, sid)] == parts
    assert set(svc.ledger.counts(CORP, send.period, [r["external_userid"] for r in ROWS]).values()) == {1}


def test_list_recipients_skip_unknown_and_over_quota():
    svc, repo, gw, _ = world(ROWS)
    svc.set_quota_setting(CORP, "day_1")
    first = _send(svc, {"name": "x", "text": "one", "recipients": {"external_userids": ["a0", "a1"]}})
    second = _send(svc, {"name": "y", "text": "two", "recipients": {"external_userids": ["a1", "a2", "zz"]}})
    assert svc.progress(CORP, first)["skipped"] == {}
    assert repo.skipped(CORP, second) == {"no_active_relation": ["zz"], "over_quota": ["a1"]}
    assert svc.get(CORP, second).counts == {"recipients": 1, "parts": 1,
                                                  "skipped": {"no_active_relation": 1, "over_quota": 1}}  # fmt: skip


def test_each_part_is_created_once_even_when_run_again():
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    assert svc.run_parts(CORP, sid) == {"created": 2}
    assert svc.run_parts(CORP, sid) == {}
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.CREATED)
    assert gw.calls["add_msg_template"] == 2 and len(gw.msgs) == 2


def test_a_live_calling_mark_keeps_a_second_worker_out():
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    part = repo.get_part(CORP, sid, "alice", 0)
    assert part is not None
    part.begin_call(int(clock()))
    assert repo.save_part(CORP, part)
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.BUSY)
    assert "add_msg_template" not in gw.calls


def test_a_worker_that_died_mid_call_is_followed_by_no_duplicate():
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    gw.lose_answer_next = 1
    with pytest.raises(TimeoutError):
        svc.run_part(CORP, sid, "alice", 0)
    assert len(gw.msgs) == 1 and repo.get_part(CORP, sid, "alice", 0).calling
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.BUSY)  # the mark is still live
    clock.t += LEASE_S + 1
    gw.dispatching = True
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.DISPATCHING)  # cannot tell yet: wait, never call
    gw.dispatching = False
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.ADOPTED)
    part = repo.get_part(CORP, sid, "alice", 0)
    assert part.state == "created" and part.msgid == "msg0001" and gw.calls["add_msg_template"] == 1


def test_a_call_that_died_before_wecom_acted_is_made_again():
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    gw.fail_next.append(ConnectionError("reset before the request left"))
    with pytest.raises(ConnectionError):
        svc.run_part(CORP, sid, "bob", 0)
    clock.t += LEASE_S + 1
    assert svc.run_part(CORP, sid, "bob", 0) == PartCall(Called.CREATED)
    assert len(gw.msgs) == 1


def test_a_retriable_refusal_clears_the_mark_and_a_final_one_fails_and_releases():
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    period = svc.get(CORP, sid).period
    gw.fail_next.append(WeComError(45033, "busy", "externalcontact/add_msg_template"))
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.RETRY, 45033)
    assert repo.get_part(CORP, sid, "alice", 0).calling == 0
    gw.fail_next.append(WeComError(60111, "unknown sender", "externalcontact/add_msg_template"))
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.FAILED, 60111)
    assert svc.ledger.counts(CORP, period, ["a0", "b0"]) == {"a0": 0, "b0": 1}


@pytest.mark.parametrize("code", [44004, 41048, 40058, 99999])
def test_any_final_refusal_fails_the_part_with_wecoms_code(code):
    """Nothing depends on which code WeCom answers (44004 empty text, a code we never met, …): every code a
    retry cannot change fails the part, recording WeCom's code, and gives the quota back."""
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    period = svc.get(CORP, sid).period
    gw.fail_next.append(WeComError(code, "refused", "externalcontact/add_msg_template"))
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.FAILED, code)
    part = repo.get_part(CORP, sid, "alice", 0)
    assert (part.state, part.error, part.calling) == ("failed", code, 0)
    assert svc.ledger.counts(CORP, period, ["a0"]) == {"a0": 0}
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.FAILED) and gw.calls["add_msg_template"] == 1


def test_a_lost_call_whose_task_cannot_be_looked_for_fails_with_wecoms_code(monkeypatch):
    """get_groupmsg_list_v2 refuses the search (e.g. 600018, a window WeCom calls invalid): calling
    add_msg_template again could send twice, so the part fails with WeCom's code and keeps its quota."""
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    period = svc.get(CORP, sid).period
    gw.lose_answer_next = 1
    with pytest.raises(TimeoutError):
        svc.run_part(CORP, sid, "alice", 0)
    clock.t += LEASE_S + 1
    refusals = [WeComError(-1, "busy", "externalcontact/get_groupmsg_list_v2"),
                WeComError(600018, "invalid start endtime", "externalcontact/get_groupmsg_list_v2")]  # fmt: skip

    def refuse(*args, **kwargs):
        raise refusals.pop(0)

    monkeypatch.setattr(gw, "groupmsg_list", refuse)
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.RETRY, -1)  # a passing answer: the mark stays, ask again
    assert repo.get_part(CORP, sid, "alice", 0).calling
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.FAILED, 600018)
    part = repo.get_part(CORP, sid, "alice", 0)
    assert (part.state, part.error, part.reason) == ("failed", 600018, "lost_answer_unverifiable")
    assert gw.calls["add_msg_template"] == 1  # never called again: that could send twice
    assert svc.ledger.counts(CORP, period, ["a0"]) == {"a0": 1}  # a task may exist: the quota stays


def test_results_wait_for_dispatch_then_record_each_outcome_and_correct_the_quota():
    rows = ROWS + [relation("gone", "bob")]
    svc, repo, gw, clock = world(rows)
    sid = _send(svc)
    gw.friends.discard(("bob", "gone"))  # the customer deleted bob before the task was created
    gw.received["b1"] = 31  # WeCom counts sends we do not see: b1 is full
    svc.run_parts(CORP, sid)
    period = svc.get(CORP, sid).period
    gw.dispatching = True
    assert svc.results(CORP, sid)["dispatching"] == 2
    gw.dispatching = False
    assert svc.results(CORP, sid) == {"read": 2, "dispatching": 0, "waiting": 2, "final": 0}
    bob = next(m for m in gw.msgs.values() if m.sender == "bob")
    gw.friends.discard(("bob", "b2"))  # b2 deletes bob before he taps send
    gw.confirm(bob.msgid)
    assert svc.results(CORP, sid)["final"] == 1
    out = svc.outcome_of(CORP, sid)
    assert {k: out[k] for k in ("b0", "b1", "b2", "gone", "a0")} == {
        "b0": "sent",
        "b1": "over_quota",
        "b2": "not_a_friend",
        "gone": "not_a_friend",
        "a0": "pending",
    }
    # quota: sent and WeCom-full keep their count; not-a-friend (at results or in fail_list) gave it back
    assert svc.ledger.counts(CORP, period, ["b0", "b1", "b2", "gone", "a0"]) == {
        "b0": 1,
        "b1": 1,
        "b2": 0,
        "gone": 0,
        "a0": 1,
    }
    svc.results(CORP, sid)  # reading again changes nothing for a final part
    assert svc.ledger.counts(CORP, period, ["b2", "gone"]) == {"b2": 0, "gone": 0}
    p = svc.progress(CORP, sid)
    bob_row = next(m for m in p["members"] if m["userid"] == "bob")
    assert bob_row == {"userid": "bob", "customers": 4, "sent": 1, "parts": 1, "completion_rate": 0.25}
    assert p["outcomes"]["pending"] == 5 and p["outcomes"]["sent"] == 1


def test_cancel_stops_created_tasks_and_parts_not_called_yet():
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    svc.run_part(CORP, sid, "alice", 0)
    period = svc.get(CORP, sid).period
    result = svc.cancel(CORP, sid)
    assert result["cancelled_tasks"] == 1 and all(m.cancelled for m in gw.msgs.values())
    assert repo.get_part(CORP, sid, "bob", 0).state == "cancelled"
    assert gw.calls["add_msg_template"] == 1
    assert svc.ledger.counts(CORP, period, ["b0"]) == {"b0": 0}
    svc.results(CORP, sid)
    assert set(svc.outcome_of(CORP, sid).values()) == {"not_sent"}
    assert svc.ledger.counts(CORP, period, ["a0"]) == {"a0": 0}


def test_remind_three_times_then_a_clear_error():
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    svc.run_parts(CORP, sid)
    for _ in range(3):
        assert svc.remind(CORP, sid)["reminded"] == 2
    with pytest.raises(DomainError) as err:
        svc.remind(CORP, sid)
    assert status(err.value) == 429 and "3 reminders" in err.value.message


def test_remind_of_a_send_cancelled_here_is_a_conflict_without_a_wecom_call():
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    svc.run_parts(CORP, sid)
    svc.cancel(CORP, sid)
    with pytest.raises(DomainError) as err:
        svc.remind(CORP, sid)
    assert status(err.value) == 409 and "was cancelled" in err.value.message
    assert "remind_groupmsg" not in gw.calls


def test_a_task_cancelled_in_wecom_is_recorded_and_named_not_a_generic_failure():
    """41093 (群发任务已取消): the task was cancelled behind our back (WeCom's admin console, another app)."""
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    svc.run_parts(CORP, sid)
    by_sender = {p.sender: p.msgid for p in repo.parts(CORP, sid)}
    gw.msgs[by_sender["alice"]].cancelled = True
    assert svc.remind(CORP, sid) == {"send_id": sid, "reminded": 1, "cancelled_in_wecom": 1}
    assert repo.get_part(CORP, sid, "alice", 0).wecom_cancelled_at == START
    assert gw.msgs[by_sender["bob"]].reminders == 1
    # A second reminder does not ask WeCom about alice's task again.
    calls = gw.calls["remind_groupmsg"]
    assert svc.remind(CORP, sid) == {"send_id": sid, "reminded": 1, "cancelled_in_wecom": 1}
    assert gw.calls["remind_groupmsg"] == calls + 1
    # Every task cancelled in WeCom: a conflict that names WeCom's answer.
    gw.msgs[by_sender["bob"]].cancelled = True
    with pytest.raises(DomainError) as err:
        svc.remind(CORP, sid)
    assert status(err.value) == 409 and "WeCom 41093" in err.value.message and "were cancelled" in err.value.message
    # The results step takes the cancelled tasks as final: nothing is left pending forever.
    assert svc.results(CORP, sid)["final"] == 2
    assert set(svc.outcome_of(CORP, sid).values()) == {"not_sent"}


def test_a_member_who_left_sends_nothing_a_colleague_serving_the_customer_does():
    """WeCom refuses a task of a member who left: their customers go to a colleague who also follows them,
    or (for a list) count as without an active relation."""
    rows = [relation("x1", "gone", add_time=START - 10), relation("x1", "alice", add_time=START - 500),
            relation("x2", "gone")]  # fmt: skip
    clock = Clock()
    repo = FakeMassSendRepo()
    gw = FakeGroupMsg(clock, friends={(r["userid"], r["external_userid"]) for r in rows})
    svc = MassSends(repo, QuotaLedger(repo, buckets=16), FakeRecipients(rows), lambda corp: gw, clock,
                    employed=lambda corp, userids: {u for u in userids if u != "gone"})  # fmt: skip
    sid = _send(svc, {**BODY, "recipients": {"external_userids": ["x1", "x2"]}})
    assert [(p.sender, p.size) for p in repo.parts(CORP, sid)] == [("alice", 1)]
    assert svc.get(CORP, sid).counts["skipped"] == {"no_active_relation": 1}


def test_a_large_filter_is_resolved_over_several_plan_steps_each_resuming_at_its_page(monkeypatch):
    from scrm.mass_sends import planning

    rows = [relation(f"c{i:02d}", "alice" if i % 2 else "bob") for i in range(9)]
    svc, repo, _, _ = world(rows)
    svc.planning.recipients.page_size = 2  # 9 customers: 5 pages
    monkeypatch.setattr(planning, "RESOLVE_BUDGET_S", -1)  # every step reads one page, then hands on
    send, _ = svc.create(CORP, *send_of(BODY))
    sid = send.send_id
    asked = []
    for _ in range(4):
        out = svc.plan(CORP, sid)
        assert isinstance(out, Resolving) and out.send.state == "new" and repo.recipients(CORP, sid) is None
        asked.append(repo.resolve_state(CORP, sid)["chunks"])
    assert asked == [1, 2, 3, 4]  # one page further each step, never starting over
    planned = svc.plan(CORP, sid)
    assert not isinstance(planned, Resolving)
    assert planned.state == "planned" and planned.counts is not None and planned.counts["recipients"] == 9
    assert sorted(svc.repo.recipients(CORP, sid)) == sorted(r["external_userid"] for r in rows)
    assert svc.planning.recipients.asked.count("filter") == 5


def _preview(svc: MassSends, recipients: dict[str, Any]) -> dict[str, Any]:
    """POST /admin/mass-sends/preview's body through its model, then the service."""
    from admin.schemas.base import validated
    from admin.schemas.mass_sends import MassSendPreviewInput

    return svc.preview(CORP, validated(MassSendPreviewInput, {"recipients": recipients}).spec())


def test_a_preview_counts_what_the_plan_then_plans_and_writes_nothing():
    """The count an admin confirms is the planner's: the same recipients per member, the same tasks, and
    nothing sent, stored or reserved by asking."""
    rows = ROWS + [relation("b0", "alice", add_time=START - 5000, tags=["vip"])]  # bob added b0 later: bob sends
    svc, repo, gw, _ = world(rows)
    before = (dict(repo.sends), dict(repo.buckets))
    seen = _preview(svc, {"filter": {"tags_all": ["vip"]}})
    assert seen == {"chat_type": "single", "recipients": 3, "parts": 1, "skipped": {},
                    "members": [{"userid": "bob", "recipients": 3, "parts": 1}],
                    "quota_setting": "month_days", "period": seen["period"], "complete": True}  # fmt: skip
    assert (dict(repo.sends), dict(repo.buckets)) == before and gw.calls == {} and not repo.part_items
    everyone = _preview(svc, {"filter": {}})
    assert [(m["userid"], m["recipients"]) for m in everyone["members"]] == [("alice", 5), ("bob", 3)]
    sid = _send(svc, {**BODY, "recipients": {"filter": {}}})
    assert svc.get(CORP, sid).counts == {k: everyone[k] for k in ("recipients", "parts", "skipped")}
    assert [(m["userid"], m["customers"]) for m in svc.progress(CORP, sid)["members"]] == [("alice", 5), ("bob", 3)]


def test_a_preview_names_who_the_quota_and_the_list_would_skip():
    svc, _, _, _ = world(ROWS)
    svc.set_quota_setting(CORP, "day_1")
    _send(svc, {"name": "x", "text": "one", "recipients": {"external_userids": ["a0", "a1"]}})
    seen = _preview(svc, {"external_userids": ["a1", "a2", "zz"]})
    assert (seen["recipients"], seen["skipped"]) == (1, {"no_active_relation": 1, "over_quota": 1})
    assert seen["quota_setting"] == "day_1" and seen["members"] == [{"userid": "alice", "recipients": 1, "parts": 1}]


def test_a_preview_leaves_out_members_who_left_as_the_plan_does():
    rows = [relation("x1", "gone", add_time=START - 10), relation("x1", "alice", add_time=START - 500),
            relation("x2", "gone")]  # fmt: skip
    clock = Clock()
    repo = FakeMassSendRepo()
    gw = FakeGroupMsg(clock, friends={(r["userid"], r["external_userid"]) for r in rows})
    svc = MassSends(repo, QuotaLedger(repo, buckets=16), FakeRecipients(rows), lambda corp: gw, clock,
                    employed=lambda corp, userids: {u for u in userids if u != "gone"})  # fmt: skip
    seen = _preview(svc, {"filter": {}})
    assert (seen["recipients"], seen["members"]) == (1, [{"userid": "alice", "recipients": 1, "parts": 1}])


def test_a_preview_of_a_huge_filter_stops_at_its_budget_and_says_so(monkeypatch):
    from scrm.mass_sends import planning

    svc, _, _, _ = world([relation(f"c{i:02d}", "alice") for i in range(9)])
    svc.planning.recipients.page_size = 2
    monkeypatch.setattr(planning, "PREVIEW_BUDGET_S", -1)  # one page, then the answer
    seen = _preview(svc, {"filter": {}})
    assert (seen["recipients"], seen["complete"]) == (2, False)
    monkeypatch.setattr(planning, "PREVIEW_BUDGET_S", 60)
    assert (_preview(svc, {"filter": {}})["recipients"], _preview(svc, {"filter": {}})["complete"]) == (9, True)


def test_a_preview_refuses_what_a_create_refuses_naming_the_field():
    from admin.schemas.base import validated
    from admin.schemas.mass_sends import MassSendPreviewInput
    from scrm.kernel.errors import InvalidInput

    for recipients, field in [({}, "recipients"), ({"filter": {"tags_all": ["x"], "tags_none": ["x"]}},
                                                   "recipients.filter.tags_none")]:  # fmt: skip
        with pytest.raises(InvalidInput) as caught:
            validated(MassSendPreviewInput, {"recipients": recipients}).spec()
        assert caught.value.field == field


def test_a_page_of_outcomes_is_named_in_one_read_with_the_senders_remark_and_unknown_customers_marked():
    svc, _, _, _ = world(ROWS)
    svc.names = names = FakeNames({"a0": "张三", "b1": "<b>李四</b>"}, {("b1", "bob"): "老客户", ("b1", "alice"): "x"})
    sid = _send(svc)
    svc.run_parts(CORP, sid)
    rows = svc.outcome_rows(CORP, sid)
    assert {r["external_userid"]: (r["userid"], r["outcome"]) for r in rows} == {
        **{f"a{i}": ("alice", "pending") for i in range(5)}, **{f"b{i}": ("bob", "pending") for i in range(3)}}
    page = sorted(rows, key=lambda r: r["external_userid"])[:2] + [r for r in rows if r["external_userid"] == "b1"]
    named = {r["external_userid"]: r for r in svc.name_rows(CORP, "single", page)}
    assert names.calls == [[("a0", "alice"), ("a1", "alice"), ("b1", "bob")]]  # the page, once, with senders
    assert named["a0"] == {"external_userid": "a0", "userid": "alice", "outcome": "pending",
                           "name": "张三", "remark": "", "known": True}  # fmt: skip
    assert (named["b1"]["name"], named["b1"]["remark"], named["b1"]["known"]) == ("<b>李四</b>", "老客户", True)
    assert (named["a1"]["name"], named["a1"]["known"]) == ("", False)  # not in the store: the id is all we have
    assert svc.name_rows(CORP, "single", []) == [] and len(names.calls) == 1  # an empty page reads nothing


def test_a_page_of_a_group_sends_outcomes_is_named_by_the_groups():
    from tests.unit.sop_fakes import FakeGroups, group

    svc, _, _, _ = world(ROWS)
    svc.groups = FakeGroups([group("wr1", "alice", name="VIP 群")])
    page = [{"external_userid": "wr1", "userid": "alice", "outcome": "sent"},
            {"external_userid": "wr2", "userid": "alice", "outcome": "pending"}]  # fmt: skip
    named = svc.name_rows(CORP, "group", page)
    assert [(r["name"], r["remark"], r["known"]) for r in named] == [("VIP 群", "", True), ("", "", False)]
