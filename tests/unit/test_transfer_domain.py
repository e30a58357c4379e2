"""The pure rules of customer and group handovers (scrm.transfers.model): the request, the split, a
chunk's state machine, the new owner's 300-a-day allowance, WeCom's two-in-90-days rule, progress."""

from __future__ import annotations

import json
from typing import Any

import pytest
from scrm.kernel.errors import InvalidInput
from scrm.transfers import limits as L
from scrm.transfers import model as T
from scrm.transfers import reasons as R
from scrm.transfers.job import TransferJob, job_state
from scrm.transfers.model import Chunk, Entry
from scrm.transfers.progress import summarize

from tests.unit.transfer_fakes import request_of as parse_request

NOW = 1_800_000_000
DAY = 86_400


def chunk(*states: str, kind: str = "c", taker: str = "a", number: int = 1) -> Chunk:
    """A chunk whose entries e0, e1, … are in the given states."""
    c = T.Chunk.new("j1", number, kind, taker, [f"e{i}" for i in range(len(states))], NOW)
    for i, s in enumerate(states):
        c.entries[f"e{i}"] = Entry(s, "", NOW)
    return c


def states(c: Chunk) -> list[str]:
    return [e.state for e in c.entries.values()]


# --- the request (its model's shape checks in admin/schemas/transfers.py, then the domain's rules) ----------
def test_a_request_defaults_to_everything_of_a_resigned_member() -> None:
    req = parse_request({"handover_userid": "h", "takeover_userid": "a"})
    assert (req.kind, req.takers, req.customers, req.groups, req.on_refused) == (T.RESIGNED, ("a",), None, None, "")


def test_a_request_keeps_the_named_ids_once_in_order() -> None:
    req = parse_request({"kind": "onjob", "handover_userid": "h", "takeover_userids": ["a", "b", "a"],
                         "customers": ["x", "y", "x"], "groups": [], "transfer_success_msg": "你好",
                         "on_refused": "reassign", "request_id": "r1"})  # fmt: skip
    assert req.takers == ("a", "b") and req.customers == ("x", "y") and req.groups == ()
    assert (req.transfer_success_msg, req.on_refused, req.key()) == ("你好", "reassign", "r:r1")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "later", "handover_userid": "h", "takeover_userid": "a"}, "kind"),
        ({"takeover_userid": "a"}, "handover_userid"),
        ({"handover_userid": "", "takeover_userid": "a"}, "handover_userid"),
        ({"handover_userid": "h"}, "takeover_userids"),
        ({"handover_userid": "h", "takeover_userids": []}, "takeover_userids"),
        ({"handover_userid": "h", "takeover_userids": ["a", ""]}, "takeover_userids[1]"),
        ({"handover_userid": "h", "takeover_userids": [f"t{i}" for i in range(101)]}, "takeover_userids"),
        ({"handover_userid": "h", "takeover_userids": ["a", "h"]}, "takeover_userids"),
        ({"handover_userid": "h", "takeover_userid": "a", "customers": "some"}, "customers"),
        ({"handover_userid": "h", "takeover_userid": "a", "groups": [1]}, "groups"),
        ({"handover_userid": "h", "takeover_userid": "a", "customers": [], "groups": []}, "customers"),
        ({"kind": "onjob", "handover_userid": "h", "takeover_userid": "a", "transfer_success_msg": "x" * 201},
         "transfer_success_msg"),
        ({"handover_userid": "h", "takeover_userid": "a", "transfer_success_msg": "hi"}, "transfer_success_msg"),
        ({"handover_userid": "h", "takeover_userid": "a", "on_refused": "sometimes"}, "on_refused"),
        ({"handover_userid": "h", "takeover_userid": "a", "request_id": "r" * 65}, "request_id"),
        ({"handover_userid": "h", "takeover_userid": "a", "colour": "red"}, "colour"),
    ],
)  # fmt: skip
def test_a_bad_request_names_its_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_request(body)
    assert err.value.field == field


def test_the_limit_on_named_ids() -> None:
    parse_request({"handover_userid": "h", "takeover_userid": "a", "groups": [f"g{i}" for i in range(10_000)]})
    with pytest.raises(InvalidInput) as err:
        parse_request({"handover_userid": "h", "takeover_userid": "a", "groups": [f"g{i}" for i in range(10_001)]})
    assert err.value.field == "groups" and "10000" in str(err.value)


def test_a_repeat_of_the_same_request_has_the_same_key() -> None:
    base = {"handover_userid": "h", "takeover_userids": ["a", "b"], "customers": ["x", "y"]}
    key = parse_request(base).key()
    assert parse_request({**base, "customers": ["y", "x"]}).key() == key  # the same set
    assert key.startswith("h:")
    assert parse_request({**base, "takeover_userids": ["b", "a"]}).key() != key  # another split
    assert parse_request({**base, "customers": ["x"]}).key() != key
    assert parse_request({**base, "groups": []}).key() != key
    assert parse_request({**base, "kind": "onjob"}).key() != key


# --- split and chunks ------------------------------------------------------------------------------------
def test_an_even_split_differs_by_at_most_one() -> None:
    parts = L.split([f"x{i}" for i in range(11)], ["a", "b", "c"])
    assert [len(v) for v in parts.values()] == [4, 4, 3]
    assert sorted(sum(parts.values(), [])) == sorted(f"x{i}" for i in range(11))
    assert L.split(["x", "y"], ["a"]) == {"a": ["x", "y"]}
    assert L.split([], ["a", "b"]) == {"a": [], "b": []}


def test_chunks_hold_at_most_a_hundred() -> None:
    parts = L.chunked([str(i) for i in range(250)])
    assert [len(p) for p in parts] == [100, 100, 50] and parts[2][-1] == "249"
    assert L.chunked([]) == []


def test_a_chunk_survives_the_table_json() -> None:
    c = chunk(T.WAITING, T.FAILED)
    c.entries["e1"] = Entry(T.FAILED, "no_record", NOW + 5)
    c.attempts, c.calling, c.started_at, c.next_at = 2, NOW, NOW - 1, NOW + 9
    back = Chunk.from_dict(json.loads(json.dumps(c.to_dict())), 7)
    assert back.entries == c.entries and back.version == 7
    assert (back.attempts, back.calling, back.started_at, back.next_at) == (2, NOW, NOW - 1, NOW + 9)


def test_backoff_grows_and_stays_at_its_last_step() -> None:
    assert [T.backoff_s(n) for n in (0, 1, 2, 8, 20)] == [30, 30, 120, 12 * 3600, 12 * 3600]


# --- transfer_customer's answers ---------------------------------------------------------------------------
def test_started_customers_wait_and_are_polled_after_the_24_hours() -> None:
    c = chunk(T.REQUESTED, T.REQUESTED, T.REQUESTED, T.REQUESTED, T.REQUESTED, T.REQUESTED)
    c.calling = NOW
    answers = {"e0": 0, "e1": 40099, "e2": 40131, "e3": 40128, "e4": 40096, "e5": 84061}
    c.record_start(answers, NOW + 10, retried=False)
    assert states(c) == [T.WAITING, T.TAKER_LIMIT, T.FAILED, T.FAILED, T.FAILED, T.FAILED]
    assert [e.reason for e in c.entries.values()] == [
        "", "taker_at_customer_limit", "not_a_customer_of_handover", "transferred_twice_in_90_days",
        "invalid_external_userid", "wecom_84061",  # a code we do not expect here still fails, with WeCom's code
    ]  # fmt: skip
    assert c.calling == 0 and c.started_at == NOW + 10 and c.next_at == NOW + 10 + T.POLL_AFTER_S
    assert T.POLL_AFTER_S > T.TAKEOVER_DELAY_S


def test_already_in_transfer_is_ours_only_after_a_call_that_may_have_reached_wecom() -> None:
    fresh, retried = chunk(T.REQUESTED, T.REQUESTED), chunk(T.REQUESTED, T.REQUESTED)
    fresh.record_start({"e0": 40129, "e1": 40100}, NOW, retried=False)
    retried.record_start({"e0": 40129, "e1": 40100}, NOW, retried=True)
    assert states(fresh) == [T.FAILED, T.FAILED] and fresh.entries["e0"].reason == "already_in_transfer"
    assert states(retried) == [T.WAITING, T.WAITING]


def test_retriable_answers_back_off_until_the_attempts_run_out() -> None:
    c = chunk(T.REQUESTED, T.REQUESTED)
    c.record_start({"e0": 0, "e1": -1}, NOW, retried=False)
    assert states(c) == [T.WAITING, T.REQUESTED] and (c.attempts, c.next_at) == (1, NOW + 30)
    for n in range(2, T.MAX_ATTEMPTS):
        c.record_start({"e1": 45009}, NOW + n, retried=False)
        assert c.entries["e1"].state == T.REQUESTED and c.next_at == NOW + n + T.backoff_s(n)
    c.record_start({}, NOW + 100, retried=False)  # a whole call refused as busy (no answers)
    assert c.attempts == T.MAX_ATTEMPTS
    assert c.entries["e1"] == Entry(T.FAILED, "retries_exhausted", NOW + 100)
    assert c.entries["e0"].state == T.WAITING and c.next_at == NOW + 100 + T.POLL_AFTER_S
    assert c.started_at == NOW


def test_answers_change_only_requested_entries() -> None:
    c = chunk(T.REFUSED, T.CANCELLED, T.REQUESTED)
    c.record_start({"e0": 0, "e1": 0, "e2": 0, "zz": 0}, NOW, retried=False)
    assert states(c) == [T.REFUSED, T.CANCELLED, T.WAITING] and "zz" not in c.entries


def test_a_call_level_refusal_fails_every_requested_entry() -> None:
    c = chunk(T.REQUESTED, T.WAITING, T.REQUESTED)
    c.calling, c.next_at = NOW, NOW + 99
    c.fail_call("handover_has_not_left", NOW)
    assert states(c) == [T.FAILED, T.WAITING, T.FAILED] and c.entries["e0"].reason == "handover_has_not_left"
    assert c.calling == 0 and c.next_at == NOW + 99  # the waiting one is still polled
    d = chunk(T.REQUESTED)
    d.fail_call("unknown_member", NOW)
    assert d.next_at == 0 and not d.is_open()


# --- transfer_result -----------------------------------------------------------------------------------------
def test_results_end_waiting_customers() -> None:
    c = chunk(T.WAITING, T.WAITING, T.WAITING, T.WAITING, T.DONE)
    c.started_at = NOW
    changed = c.record_results({"e0": (1, NOW + DAY), "e1": (3, 0), "e2": (4, 0), "e3": (2, 0), "e4": (3, 0)},
                              NOW + DAY + 400).changed  # fmt: skip
    assert changed and states(c) == [T.DONE, T.REFUSED, T.TAKER_LIMIT, T.WAITING, T.DONE]
    assert c.entries["e0"] == Entry(T.DONE, "", NOW + DAY) and c.entries["e1"].reason == T.REFUSED
    assert c.next_at == NOW + DAY + 400 + T.POLL_EVERY_S
    assert c.record_results({"e3": (1, 0)}, NOW + 2 * DAY).changed and c.next_at == 0 and not c.is_open()
    assert c.entries["e3"].at == NOW + 2 * DAY  # no takeover_time given: our clock


def test_a_customer_wecom_keeps_silent_about_fails_after_three_days() -> None:
    c = chunk(T.WAITING)
    c.started_at = NOW
    assert not c.record_results({}, NOW + T.STALE_AFTER_S).changed and c.entries["e0"].state == T.WAITING
    assert c.record_results({"e0": (5, 0)}, NOW + T.STALE_AFTER_S + 1).changed
    assert c.entries["e0"] == Entry(T.FAILED, "no_record", NOW + T.STALE_AFTER_S + 1)


def test_a_poll_keeps_a_retry_that_is_due_sooner() -> None:
    """A chunk with waiting customers and others in back-off: the poll must not push the retry back by
    an hour (else, polled every hour, the retry would wait until every waiting customer ended)."""
    c = chunk(T.WAITING, T.REQUESTED)
    c.started_at, c.next_at = NOW, NOW + 30
    c.record_results({"e0": (2, 0)}, NOW + 30)
    assert c.next_at == NOW + 30
    c.record_results({"e0": (1, NOW + 40)}, NOW + 40)
    assert c.next_at == NOW + 30
    d = chunk(T.WAITING, T.REQUESTED)
    d.started_at, d.next_at = NOW, NOW + 5 * 3600
    d.record_results({}, NOW)
    assert d.next_at == NOW + T.POLL_EVERY_S


def test_transfer_fail_ends_a_waiting_customer_once() -> None:
    c = chunk(T.WAITING, T.WAITING, T.DONE, T.REQUESTED)
    assert c.record_fail("e0", "customer_refused", NOW)
    assert c.record_fail("e1", "customer_limit_exceed", NOW)
    assert c.entries["e0"] == Entry(T.REFUSED, "customer_refused", NOW)
    assert c.entries["e1"] == Entry(T.TAKER_LIMIT, "customer_limit_exceed", NOW)
    assert not c.record_fail("e0", "customer_refused", NOW + 1) and c.entries["e0"].at == NOW
    assert not c.record_fail("e2", "customer_refused", NOW) and c.entries["e2"].state == T.DONE
    assert not c.record_fail("nobody", "customer_refused", NOW)
    # A call whose answer was lost may have started it: a refusal of a requested entry counts too.
    assert c.record_fail("e3", "", NOW) and c.entries["e3"] == Entry(T.REFUSED, T.REFUSED, NOW)


# --- cancel and re-assignment --------------------------------------------------------------------------------
def test_cancel_stops_what_wecom_has_not_started() -> None:
    c = chunk(T.REQUESTED, T.WAITING, T.DONE, kind="c")
    c.next_at = NOW + 5
    assert c.cancel(NOW) == 1
    assert states(c) == [T.CANCELLED, T.WAITING, T.DONE] and c.next_at == NOW + 5
    g = chunk(T.QUEUED, T.DONE, kind="g")
    g.next_at = NOW + DAY
    assert g.cancel(NOW) == 1 and states(g) == [T.CANCELLED, T.DONE] and g.next_at == 0
    busy = chunk(T.REQUESTED)
    busy.calling = NOW
    assert busy.cancel(NOW) == 0 and states(busy) == [T.REQUESTED]  # the call's answer decides


def test_who_is_reassigned_and_to_whom() -> None:
    c = chunk(T.REFUSED, T.TAKER_LIMIT, T.DONE, T.FAILED)
    assert c.to_reassign("leave") == [] and c.to_reassign("reassign") == ["e0", "e1"]
    assert L.next_taker(["a", "b", "c"], ["a"]) == "b"
    assert L.next_taker(["a", "b"], ["b", "a"]) is None


# --- groups: the new owner's daily allowance --------------------------------------------------------------
def test_the_allowance_counts_the_last_24_hours() -> None:
    assert L.allowance([], NOW) == (300, NOW + DAY)
    taken = [[NOW - DAY, 300], [NOW - 3600, 120], [NOW - 60, 100]]
    assert L.allowance(taken, NOW) == (80, NOW - 3600 + DAY)
    assert L.allowance([*taken, [NOW, 200]], NOW) == (0, NOW - 3600 + DAY)
    assert L.allowance([[NOW - DAY + 1, 300]], NOW) == (0, NOW + 1)
    assert L.prune(taken, NOW) == [[NOW - 3600, 120], [NOW - 60, 100]]


def test_group_answers() -> None:
    """Codes of WeCom's table fail with their name (90503 is a full group needing the client, not the daily
    limit); any other code, whatever it is, defers the chat with WeCom's code, then fails it."""
    g = chunk(*[T.REQUESTED] * 7, kind="g")
    g.calling = NOW
    answers = {"e1": 90503, "e2": -1, "e3": 45009, "e4": 40128, "e5": 90501}
    g.record_group_answers(["e0", "e1", "e2", "e3", "e4", "e5"], answers, NOW)
    assert states(g) == [T.DONE, T.FAILED, T.QUEUED, T.QUEUED, T.QUEUED, T.FAILED, T.REQUESTED]
    assert [g.entries[f"e{i}"].reason for i in range(1, 6)] == [
        "group_full_needs_client_confirmation", "wecom_-1", "wecom_45009", "wecom_40128", "not_a_customer_group",
    ]  # fmt: skip
    assert g.entries["e3"].tries == 1 and g.calling == 0
    assert T.queued_due(g.entries["e3"], NOW + 99) == NOW + R.GROUP_RETRY_S[0]
    for n in range(2, len(R.GROUP_RETRY_S) + 2):
        g.record_group_answers(["e3"], {"e3": 45009}, NOW)
        assert g.entries["e3"].tries == n
    assert (g.entries["e3"].state, g.entries["e3"].reason) == (T.FAILED, "wecom_45009")
    queued_for_us = Entry(T.QUEUED, R.NEW_OWNER_DAILY_LIMIT, NOW, 2)
    assert T.queued_due(queued_for_us, NOW + 500) == NOW + 500  # our own count: when the allowance frees


def test_an_entry_keeps_its_tries_through_the_table_json() -> None:
    e = Entry(T.QUEUED, "wecom_45009", NOW, 2)
    assert Entry.of(json.loads(json.dumps(e.as_list()))) == e
    assert Entry.of([T.DONE, "", NOW]) == Entry(T.DONE, "", NOW, 0)  # items written before tries existed


# --- the 90-day rule ------------------------------------------------------------------------------------------
def test_two_transfers_in_90_days_block_a_third_until_the_older_ages_out() -> None:
    assert L.frees_at([], NOW) is None
    assert L.frees_at([NOW - 10 * DAY], NOW) is None
    assert L.frees_at([NOW - 10 * DAY, NOW - DAY], NOW) == NOW + 80 * DAY
    assert L.frees_at([NOW - 95 * DAY, NOW - DAY], NOW) is None  # the older one aged out
    assert L.frees_at([NOW - 30 * DAY, NOW - 20 * DAY, NOW - DAY], NOW) == NOW + 70 * DAY
    assert L.frees_at([NOW - 10 * DAY, NOW + DAY], NOW) == NOW + 80 * DAY  # a takeover still to come counts


# --- progress ---------------------------------------------------------------------------------------------------
JOB = {"job_id": "j1", "kind": "resigned", "state": "running", "handover_userid": "h", "takers": ["a", "b"],
       "on_refused": "reassign", "created_at": NOW}  # fmt: skip


def test_progress_counts_states_and_takers() -> None:
    c1 = chunk(T.WAITING, T.DONE, T.REASSIGNED, T.REQUESTED, taker="a")
    c1.next_at = NOW + 50
    c2 = chunk(T.WAITING, T.REFUSED, taker="b", number=2)
    c2.next_at = NOW + 20
    c3 = chunk(T.DONE, T.DONE, taker="b", number=3)
    c3.next_at = NOW + 1  # not open: not a next check
    g = chunk(T.DONE, T.QUEUED, T.FAILED, kind="g", taker="a")
    g.next_at = NOW + DAY
    s = summarize(TransferJob.from_dict(JOB), [c1, c2, c3, g])
    assert s["customers"] == {"total": 7, "requested": 1, "waiting": 2, "done": 3, "refused": 1, "taker_limit": 0,
                              "failed": 0, "cancelled": 0, "reassigned": 1}  # fmt: skip
    assert s["groups"] == {"total": 3, "requested": 0, "queued": 1, "done": 1, "failed": 1, "cancelled": 0}
    assert s["by_taker"] == {"a": {"waiting": 1, "done": 1, "requested": 1}, "b": {"waiting": 1, "refused": 1, "done": 2}}
    assert s["requested_percent"] == 80.0  # of 7 customers and 3 groups, all but one requested and one queued
    assert s["settled_percent"] == 60.0
    assert s["next_check_at"] == NOW + 20 and s["on_refused"] == "reassign" and s["error"] is None


def test_progress_of_an_empty_job() -> None:
    assert summarize(TransferJob.from_dict({**JOB, "state": "planning"}), [])["settled_percent"] == 0.0
    done = summarize(TransferJob.from_dict({**JOB, "state": "finished"}), [])
    assert done["settled_percent"] == 100.0 and done["next_check_at"] is None and done["customers"]["total"] == 0


def test_the_job_state_follows_its_chunks() -> None:
    open_, closed = chunk(T.WAITING), chunk(T.DONE, T.FAILED)
    assert job_state([open_, closed], cancelled=False) == "running"
    assert job_state([open_, closed], cancelled=True) == "cancelling"
    assert job_state([closed], cancelled=False) == "finished"
    assert job_state([closed], cancelled=True) == "cancelled"
    assert job_state([chunk(T.QUEUED, kind="g")], cancelled=False) == "running"


def test_the_aggregates_write_back_the_items_they_read() -> None:
    """Items stored before the aggregates existed load and save unchanged: optional keys stay absent,
    unknown keys are kept, and a chunk's entries keep their list form."""
    created = {"job_id": "t1", "kind": "onjob", "handover_userid": "h", "takers": ["a", "b"], "customers": "listed",
               "groups": "none", "transfer_success_msg": "", "on_refused": "leave", "state": "planning",
               "created_at": NOW, "request_key": "h:abc"}  # fmt: skip
    settled = {**created, "state": "cancelled", "planned_at": NOW, "customers_planned": 3, "groups_planned": 0,
               "updated_at": NOW + 5, "finished_at": NOW + 5, "cancelled": True, "error": ""}  # fmt: skip
    older = {"job_id": "t0", "kind": "resigned", "handover_userid": "h", "takers": ["a"], "state": "running",
             "someday": {"x": 1}}  # fmt: skip
    for item in (created, settled, older):
        job = TransferJob.from_dict(item, 7)
        assert job.to_dict() == item and job.version == 7
    assert TransferJob.from_dict(older).policy == "leave"
    c = Chunk.new("t1", 2, "g", "a", ["wr1", "wr2"], NOW)
    c.entries["wr2"] = Entry(T.QUEUED, "wecom_45009", NOW, 2)
    c.calling, c.started_at, c.attempts = NOW, NOW, 1
    item = json.loads(json.dumps(c.to_dict()))
    assert item["entries"] == {"wr1": [T.REQUESTED, "", NOW], "wr2": [T.QUEUED, "wecom_45009", NOW, 2]}
    assert Chunk.from_dict(item, c.version) == c and Chunk.from_dict(item).to_dict() == item


def test_a_job_settles_from_its_chunks() -> None:
    job = TransferJob("t1", "resigned", "h", ("a",), state="running")
    assert job.settle([chunk(T.WAITING)], NOW) == "running" and job.finished_at is None
    assert job.settle([chunk(T.DONE)], NOW + 1) == "finished" and job.finished_at == NOW + 1
    assert job.settle([chunk(T.DONE)], NOW + 2) == "finished" and job.finished_at == NOW + 1  # stamped once
    job.cancel()
    assert job.settle([chunk(T.REFUSED)], NOW + 3, reassigning=True) == "running"
