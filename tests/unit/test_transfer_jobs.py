"""The admin side of transfers (TransferJobs) and the transfer_fail observer (TransferEvents), over
in-memory fakes: idempotent creation, one open job per handover, the two-in-90-days rule named per
customer and date, cancel, refresh, the corp's policy, the unassigned list."""

from __future__ import annotations

from typing import Any

import pytest
from admin.schemas.base import validated
from admin.schemas.transfers import TransferPolicy
from scrm.kernel.errors import DomainError
from scrm.kernel.events import ExternalContactEvent
from scrm.transfers import model as T
from scrm.transfers.job import TransferJob
from scrm.transfers.runner import day_of

from tests.unit.fakes import CORP, event_fields
from tests.unit.refusals import body as answer_body
from tests.unit.refusals import status
from tests.unit.transfer_fakes import DAY, Office, request_of

RESIGNED = {"kind": "resigned", "handover_userid": "h", "takeover_userids": ["a", "b"]}


def left(o: Office, n: int = 2, groups: int = 0) -> list[str]:
    exts = o.wecom.give("h", n)
    o.wecom.own("h", groups)
    o.wecom.leave("h")
    return exts


def refused(o: Office, body: dict[str, Any]) -> DomainError:
    with pytest.raises(DomainError) as err:
        o.jobs.create(CORP, request_of(body))
    return err.value


# --- create ------------------------------------------------------------------------------------------
def test_a_job_is_recorded_at_once_and_planned_by_the_queue() -> None:
    o = Office()
    left(o)
    progress, created = o.jobs.create(CORP, request_of(RESIGNED))
    assert created and progress["state"] == "planning" and progress["settled_percent"] == 0.0
    assert progress["takeover_userids"] == ["a", "b"] and progress["on_refused"] == "leave"
    assert o.queue.take() == [{"corp_id": CORP, "job_id": progress["job_id"], "step": "plan"}]
    assert o.wecom.calls == []  # nothing asked of WeCom while the admin waits


def test_the_same_request_twice_is_one_job() -> None:
    o = Office()
    left(o)
    first, _ = o.jobs.create(CORP, request_of(RESIGNED))
    again, created = o.jobs.create(CORP, request_of({**RESIGNED, "takeover_userids": ["a", "b", "a"]}))
    assert not created and again["job_id"] == first["job_id"]
    assert len(o.queue.take()) == 1 and len(o.repo.jobs) == 1
    o2 = Office()
    left(o2)
    by_id, created = o2.jobs.create(CORP, request_of({**RESIGNED, "request_id": "click-1"}))
    assert created
    other_body, created = o2.jobs.create(CORP, request_of({**RESIGNED, "customers": [], "request_id": "click-1"}))
    assert not created and other_body["job_id"] == by_id["job_id"]  # the client's key decides


def test_the_same_request_after_its_job_ended_is_a_new_job() -> None:
    o = Office()
    o.wecom.takers_at_limit.add("a")
    left(o, 1)
    first = o.create(**{**RESIGNED, "takeover_userids": ["a"]})
    o.run()
    assert o.job(first)["state"] == "finished" and o.job(first)["customers"]["taker_limit"] == 1
    o.wecom.takers_at_limit.clear()
    again, created = o.jobs.create(CORP, request_of({**RESIGNED, "takeover_userids": ["a"]}))
    assert created and again["job_id"] != first
    o.run()
    assert o.job(again["job_id"])["customers"]["waiting"] == 1
    repeat, created = o.jobs.create(CORP, request_of({**RESIGNED, "takeover_userids": ["a"]}))
    assert not created and repeat["job_id"] == again["job_id"]  # a double click on the new one


def test_an_explicit_request_id_stays_with_its_job() -> None:
    o = Office()
    left(o, 1)
    first = o.create(**RESIGNED, request_id="r-1")
    o.run()
    o.jobs.cancel(CORP, first)
    o.tick(DAY + 600)
    assert o.job(first)["state"] == "cancelled"
    again, created = o.jobs.create(CORP, request_of({**RESIGNED, "request_id": "r-1"}))
    assert not created and again["job_id"] == first


def test_one_open_job_per_handover() -> None:
    o = Office()
    left(o)
    job = o.create(**RESIGNED)
    err = refused(o, {**RESIGNED, "takeover_userids": ["c"]})
    assert (status(err), err.field) == (409, "handover_userid") and job in err.message
    o.run()
    o.tick(DAY + 600)
    assert o.job(job)["state"] == "finished"
    _, created = o.jobs.create(CORP, request_of({**RESIGNED, "takeover_userids": ["c"]}))
    assert created


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"kind": "later", "handover_userid": "h", "takeover_userid": "a"}, "kind", "onjob"),
        ({"handover_userid": "h", "takeover_userid": "nobody"}, "takeover_userids", "nobody"),
        ({"kind": "onjob", "handover_userid": "h", "takeover_userid": "a"}, "handover_userid", "resigned"),
        ({"kind": "resigned", "handover_userid": "a", "takeover_userid": "b"}, "handover_userid", "has not left"),
    ],
)  # fmt: skip
def test_bad_requests_name_the_field(body: dict[str, Any], field: str, words: str) -> None:
    o = Office()
    left(o)
    err = refused(o, body)
    assert (status(err), err.field) == (400, field) and words in err.message
    assert o.repo.jobs == {} and o.queue.sent == []


def test_the_corp_policy_applies_unless_the_request_says() -> None:
    o = Office()
    assert o.jobs.policy(CORP) == {"on_refused": "leave"}
    assert o.jobs.set_policy(CORP, "reassign") == {"on_refused": "reassign"}
    for body, field in (({"on_refused": "sometimes"}, "on_refused"), ({"on_refused": "leave", "x": 1}, "x")):
        with pytest.raises(DomainError) as err:
            o.jobs.set_policy(CORP, validated(TransferPolicy, body).on_refused)
        assert (status(err.value), err.value.field) == (400, field)
    assert o.jobs.policy(CORP) == {"on_refused": "reassign"}
    left(o)
    assert o.jobs.create(CORP, request_of(RESIGNED))[0]["on_refused"] == "reassign"
    o2 = Office()
    o2.jobs.set_policy(CORP, "reassign")
    left(o2)
    assert o2.jobs.create(CORP, request_of({**RESIGNED, "on_refused": "leave"}))[0]["on_refused"] == "leave"


# --- the two-in-90-days rule ----------------------------------------------------------------------------
def _transferred(o: Office, kind: str, ident: str, *ats: int, state: str = T.DONE) -> None:
    """Earlier jobs of ours that handed ``ident`` over at ``ats``."""
    for n, at in enumerate(ats):
        job_id = f"t{at - DAY}{ident}{n}"
        c = T.Chunk.new(job_id, 1, kind, "x", [ident], at - DAY)
        c.entries[ident] = T.Entry(state, "", at)
        c.started_at = at - DAY
        o.repo.put_chunks(CORP, [c])
        o.repo.put_index(CORP, job_id, kind, [(ident, 1)], at - DAY)


def test_a_third_onjob_transfer_in_90_days_is_refused_naming_customer_and_date() -> None:
    o = Office()
    now = int(o.clock.now)
    x, y, z = o.wecom.give("h", 3)
    _transferred(o, "c", x, now - 80 * DAY, now - 5 * DAY)
    _transferred(o, "c", y, now - 60 * DAY)
    _transferred(o, "c", y, now - 2 * DAY, state=T.WAITING)  # WeCom completes it: counts too
    _transferred(o, "c", z, now - 100 * DAY, now - 5 * DAY)  # the older one aged out
    err = refused(o, {"kind": "onjob", "handover_userid": "h", "takeover_userid": "a", "customers": [z, x, y]})
    assert (status(err), err.field) == (409, "customers")
    assert err.details == [
        {"id": x, "frees_on": day_of(now + 10 * DAY), "frees_at": now + 10 * DAY},
        {"id": y, "frees_on": day_of(now + 30 * DAY), "frees_at": now + 30 * DAY},
    ]
    assert err.message == (
        f"customer {x} was already transferred twice in the last 90 days; WeCom allows the next transfer on "
        f"{day_of(now + 10 * DAY)} (1 more customers blocked, see details)"
    )
    assert answer_body(err)["details"] == err.details
    assert o.repo.jobs == {} and o.queue.sent == [] and o.wecom.calls == []
    # The same customers can go out once the rule allows, and a resigned handover is not checked.
    _, created = o.jobs.create(CORP, request_of({"kind": "onjob", "handover_userid": "h", "takeover_userid": "a", "customers": [z]}))
    assert created


def test_the_90_day_rule_for_named_groups() -> None:
    o = Office()
    now = int(o.clock.now)
    _transferred(o, "g", "chat1", now - 30 * DAY, now - 29 * DAY)
    err = refused(o, {"kind": "onjob", "handover_userid": "h", "takeover_userid": "a", "customers": [],
                      "groups": ["chat1"]})  # fmt: skip
    assert err.field == "groups" and err.message.startswith("group chat1 was already transferred twice")
    assert day_of(now + 60 * DAY) in err.message and "more" not in err.message


def test_a_resigned_handover_is_not_held_to_the_rule_up_front() -> None:
    o = Office()
    now = int(o.clock.now)
    x = left(o, 1)[0]
    _transferred(o, "c", x, now - 10 * DAY, now - 5 * DAY)
    assert o.jobs.create(CORP, request_of({**RESIGNED, "customers": [x]}))[1]


# --- cancel, refresh, progress, list ------------------------------------------------------------------------
def test_cancel_stops_what_has_not_reached_wecom() -> None:
    o = Office()
    left(o, 3)
    job = o.create(**RESIGNED)
    after = o.jobs.cancel(CORP, job)  # before it was even planned
    assert after["state"] == "planning"
    o.run()
    j = o.job(job)
    assert j["state"] == "cancelled" and j["customers"]["cancelled"] == 3 and o.wecom.count("transfer_customers") == 0
    assert o.repo.active == {}
    err = pytest.raises(DomainError, o.jobs.cancel, CORP, job).value
    assert (status(err), err.field) == (409, "job_id") and "already cancelled" in err.message
    assert status(pytest.raises(DomainError, o.jobs.cancel, CORP, "tnope").value) == 404


def test_cancel_leaves_waiting_customers_to_wecom() -> None:
    o = Office()
    exts = left(o, 3)
    o.wecom.codes[exts[2]] = -1  # retried later
    job = o.create(**{**RESIGNED, "takeover_userids": ["a"]})
    o.run()
    j = o.jobs.cancel(CORP, job)
    assert j["state"] == "cancelling" and {k: v for k, v in j["customers"].items() if v} == {
        "total": 3, "waiting": 2, "cancelled": 1
    }
    assert o.jobs.cancel(CORP, job)["state"] == "cancelling"  # again: nothing more to stop
    o.tick(DAY + 600)
    j = o.job(job)
    assert j["state"] == "cancelled" and j["customers"]["done"] == 2 and o.wecom.count("transfer_customers") == 1


def test_refresh_checks_now() -> None:
    o = Office()
    left(o, 2)
    job = o.create(**RESIGNED)
    assert o.jobs.refresh(CORP, job)["state"] == "planning"
    assert o.queue.sent[-1][0] == {"corp_id": CORP, "job_id": job, "step": "plan", "force": True}
    o.run()
    o.clock.advance(DAY + 1)  # WeCom has completed them; our next scheduled check is 5 minutes away
    assert o.tick() == []
    o.jobs.refresh(CORP, job)
    assert o.queue.sent[-1][0] == {"corp_id": CORP, "job_id": job, "step": "advance", "force": True}
    o.run()
    assert o.job(job)["state"] == "finished" and o.job(job)["customers"]["done"] == 2
    assert pytest.raises(DomainError, o.jobs.refresh, CORP, "tnope").value.field == "job_id"


def test_progress_lists_every_item_on_request() -> None:
    o = Office()
    exts = left(o, 2, groups=1)
    job = o.create(**RESIGNED)
    o.run()
    items = o.jobs.progress(CORP, job, with_entries=True)["items"]
    assert [(i["type"], i["id"], i["taker"], i["state"], i["reason"]) for i in items] == [
        ("customer", exts[0], "a", "waiting", None), ("customer", exts[1], "b", "waiting", None),
        ("group", "wrh0000", "a", "done", None),
    ]  # fmt: skip
    assert "items" not in o.jobs.progress(CORP, job)
    assert status(pytest.raises(DomainError, o.jobs.progress, CORP, "tnope").value) == 404


def test_jobs_are_listed_newest_first() -> None:
    o = Office()
    left(o, 1)
    first = o.create(**RESIGNED, groups=[])
    o.run()
    o.tick(DAY + 600)
    o.clock.advance(5)
    o.wecom.give("h", 1, prefix="more")
    second = o.create(**RESIGNED, request_id="x")
    listed = o.jobs.list(CORP)
    assert [j["job_id"] for j in listed] == [second, first]
    assert listed[1] | {"created_at": 0, "finished_at": 0} == {
        "job_id": first, "kind": "resigned", "state": "finished", "handover_userid": "h", "takers": ["a", "b"],
        "created_at": 0, "finished_at": 0, "customers_planned": 1, "groups_planned": 0, "on_refused": "leave",
    }  # fmt: skip
    assert [j["job_id"] for j in o.jobs.list(CORP, limit=1)] == [second]


# --- who left customers behind ------------------------------------------------------------------------------
def test_unassigned_lists_departed_members_with_their_customers_and_groups() -> None:
    o = Office(("h", "g", "a"))
    hs = left(o, 2, groups=1)
    o.wecom.give("g", 1)
    o.wecom.leave("g")
    o.wecom.give("a", 3)  # an employee's customers are not unassigned
    out = o.jobs.unassigned(CORP)["items"]
    assert [(i["handover_userid"], i["customers"], i["groups"]) for i in out] == [("g", 1, 0), ("h", 2, 1)]
    assert out[1]["dimission_time"] == int(o.clock.now) and "customer_ids" not in out[1]
    (one,) = o.jobs.unassigned(CORP, "h")["items"]
    assert one["customer_ids"] == hs and one["group_ids"] == ["wrh0000"]
    # Started transfers leave the list; a member with groups only still answers.
    job = o.create(**{**RESIGNED, "takeover_userids": ["a"]})
    o.run()
    assert o.job(job)["customers"]["waiting"] == 2
    (none,) = o.jobs.unassigned(CORP, "h")["items"]
    assert (none["customers"], none["customer_ids"], none["dimission_time"]) == (0, [], None)



def test_a_member_who_left_only_groups_is_listed_from_our_directory() -> None:
    """get_unassigned_list leaves out departed members without customers; delete_user told us."""
    o = Office(("h", "g", "a"))
    o.wecom.own("g", 2)
    o.wecom.leave("g")
    o.wecom.leave("h")  # left nothing behind: not listed
    out = o.jobs.unassigned(CORP)["items"]
    assert [(i["handover_userid"], i["customers"], i["groups"]) for i in out] == [("g", 0, 2)]


# --- the transfer_fail observer -----------------------------------------------------------------------------
def test_transfer_fail_ends_the_customer_and_makes_the_job_due() -> None:
    o = Office()
    x, y = left(o, 2)
    job = o.create(**{**RESIGNED, "takeover_userids": ["a"]})
    o.run()
    assert o.repo.due_at(job) == o.clock.now + T.POLL_AFTER_S
    o.clock.advance(60)
    assert o.fail_event(o.wecom.refuse(x)) == ["transfer:refused"]
    assert o.repo.due_at(job) == o.clock.now
    (ev,) = o.wecom.limit("a")
    assert o.fail_event(ev) == ["transfer:taker_limit"]
    items = o.items(job)
    assert (items[x]["state"], items[x]["reason"]) == ("refused", "customer_refused")
    assert (items[y]["state"], items[y]["reason"]) == ("taker_limit", "customer_limit_exceed")
    o.tick()
    assert o.job(job)["state"] == "finished"


def test_a_repeated_transfer_fail_changes_nothing() -> None:
    o = Office()
    x = left(o, 1)[0]
    job = o.create(**RESIGNED)
    o.run()
    event = o.wecom.refuse(x)
    assert o.fail_event(event) == ["transfer:refused"]
    chunk, found = o.repo.stored_chunk(job, "c", 1), o.repo.get_job(CORP, job)
    o.clock.advance(30)
    assert o.fail_event(event) == ["transfer:fail_seen_before"]
    assert o.repo.stored_chunk(job, "c", 1) == chunk and o.repo.get_job(CORP, job) == found
    assert o.repo.due_at(job) == o.clock.now - 30


def test_the_nudge_survives_a_concurrent_write_of_the_job() -> None:
    o = Office()
    x = left(o, 1)[0]
    job = o.create(**RESIGNED)
    o.run()
    real = o.repo.replace_job
    raced: list[int] = []

    def first_loses(corp_id: str, job: TransferJob, due_at: int | None) -> bool:
        if not raced:  # a runner settled the job in between, from chunks read before the refusal
            raced.append(job.version)
            row = o.repo.jobs[(corp_id, job.job_id)]
            row.job.version, row.due_at = row.job.version + 1, int(o.clock.now) + T.POLL_AFTER_S
        return real(corp_id, job, due_at)

    o.repo.replace_job = first_loses  # type: ignore[method-assign]
    o.clock.advance(60)
    assert o.fail_event(o.wecom.refuse(x)) == ["transfer:refused"]
    assert raced and o.repo.due_at(job) == o.clock.now


def test_transfer_fail_of_anyone_else_is_not_ours() -> None:
    o = Office()
    x = left(o, 1)[0]
    job = o.create(**{**RESIGNED, "takeover_userids": ["a"]})
    o.run()

    def fail(user: str, ext: str) -> ExternalContactEvent:
        return ExternalContactEvent.from_fields(event_fields(
            CORP, "change_external_contact", "transfer_fail", int(o.clock.now), UserID=user, ExternalUserID=ext,
            FailReason="customer_refused"))  # fmt: skip

    assert o.fail_event(fail("b", x)) == ["transfer:not_ours"]  # not this customer's taker
    assert o.fail_event(fail("a", "wmstranger")) == ["transfer:not_ours"]
    other = ExternalContactEvent.from_fields(event_fields(CORP, "change_external_contact", "del_follow_user", 1,
                                                          UserID="a", ExternalUserID=x))  # fmt: skip
    assert o.events.observe(other, "e1") == []
    assert o.job(job)["customers"]["waiting"] == 1
