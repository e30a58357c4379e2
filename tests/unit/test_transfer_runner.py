"""TransferRunner over in-memory fakes: planning, the WeCom calls fenced by the calling mark, polling,
re-assignment, the new owner's group allowance, retries, and the scheduled job."""

from __future__ import annotations

import pytest
from scrm.kernel.bus import Done, Skipped
from scrm.transfers import model as T
from scrm.transfers import reasons as R
from scrm.transfers.model import LEASE_S
from scrm.transfers.runner import SCHEDULE_LEASE_S, STEP_CHUNKS, TransferRunner, day_of

from tests.unit.fakes import CORP
from tests.unit.transfer_fakes import DAY, Handover, Office


def customers(o: Office, job: str, taker: str = "") -> list[str]:
    return sorted(i for i, v in o.items(job).items() if v["type"] == "customer" and v["taker"] in (taker or v["taker"]))


def counts(o: Office, job: str, what: str = "customers") -> dict[str, int]:
    return {k: v for k, v in o.job(job)[what].items() if v and k != "total"}


def offboard(o: Office, n_customers: int = 4, n_groups: int = 0, **body: object) -> str:
    o.wecom.give("h", n_customers)
    o.wecom.own("h", n_groups)
    o.wecom.leave("h")
    return o.create(**{"kind": "resigned", "handover_userid": "h", "takeover_userids": ["a"], **body})


# --- every end state ---------------------------------------------------------------------------------
def test_offboarding_reaches_done_refused_and_taker_limit() -> None:
    o = Office()
    theirs = o.wecom.give("h", 6)
    chats = o.wecom.own("h", 3)
    o.wecom.leave("h")
    job = o.create(kind="resigned", handover_userid="h", takeover_userids=["a", "b"])
    assert o.run()[0] == "planned:6c:3g:4chunks"
    j = o.job(job)
    assert j["customers"]["waiting"] == 6 and j["groups"]["done"] == 3 and j["state"] == "running"
    assert j["by_taker"] == {"a": {"waiting": 3}, "b": {"waiting": 3}}  # an even split
    starts = [b for m, b in o.wecom.calls if m == "transfer_customers"]
    assert [len(b["external_userid"]) for b in starts] == [3, 3] and all(b["kind"] == "resigned" for b in starts)
    # WeCom accepted the groups: they are 离职继承中 (status 2) there, and inherited a little later.
    assert {o.wecom.group_status[c] for c in chats} == {2}
    assert sorted(o.wecom.inheriting[c][0] for c in chats) == ["a", "a", "b"]
    assert j["next_check_at"] == o.clock.now + T.POLL_AFTER_S

    assert customers(o, job) == sorted(theirs)
    a_customers = customers(o, job, "a")
    assert o.fail_event(o.wecom.refuse(a_customers[0])) == ["transfer:refused"]
    assert [o.fail_event(e) for e in o.wecom.limit("b")] == [["transfer:taker_limit"]] * 3
    assert counts(o, job) == {"waiting": 2, "refused": 1, "taker_limit": 3}
    assert o.job(job)["state"] == "running"

    start = int(o.clock.now)
    assert o.tick(DAY - 3600) == ["nothing-due"]  # the observer made it due; nothing to poll yet
    o.tick(3600 + 600)  # the scheduled poll after WeCom's 24 h
    j = o.job(job)
    assert j["state"] == "finished" and j["settled_percent"] == 100.0 and j["next_check_at"] is None
    assert counts(o, job) == {"done": 2, "refused": 1, "taker_limit": 3}
    items = o.items(job)
    assert {items[e]["at"] for e in a_customers[1:]} == {start + DAY}  # WeCom's takeover_time
    assert set(a_customers[1:]) <= set(o.wecom.customers_of("a"))
    assert sorted(o.wecom.group_owner(c) for c in chats) == ["a", "a", "b"]
    assert {o.wecom.group_status[c] for c in chats} == {3}
    assert o.repo.due_at(job) is None and o.repo.active == {}  # the handover is free again


def test_failures_carry_wecoms_reason() -> None:
    """On the job: 40131 (not the handover's customer) and 40128 (WeCom counted two transfers in 90 days
    that our own records do not hold) fail with their reasons."""
    o = Office()
    mine = o.wecom.give("h", 2)
    not_theirs = o.wecom.give("c", 1)[0]
    o.wecom.handovers += [Handover(mine[1], "x", "h", "onjob", 0, 1, int(o.clock.now) - d * DAY) for d in (80, 10)]
    job = o.create(kind="onjob", handover_userid="h", takeover_userid="a",
                   customers=[mine[0], not_theirs, mine[1]], groups=[])  # fmt: skip
    o.run()
    items = o.items(job)
    assert [items[i]["state"] for i in (mine[0], not_theirs, mine[1])] == ["waiting", "failed", "failed"]
    assert items[not_theirs]["reason"] == "not_a_customer_of_handover"
    assert items[mine[1]]["reason"] == "transferred_twice_in_90_days"


def test_a_resigned_transfer_is_not_held_to_the_90_day_rule() -> None:
    """40128 is 在职继承's rule (92125): a customer transferred twice on the job in 90 days can still be
    inherited from a member who left (94081 has no such rule, and the fake WeCom, like the sandbox, does
    not apply it)."""
    o = Office()
    mine = o.wecom.give("h", 1)
    o.wecom.handovers += [Handover(mine[0], "x", "h", "onjob", 0, 1, int(o.clock.now) - d * DAY) for d in (80, 10)]
    o.wecom.leave("h")
    job = o.create(handover_userid="h", takeover_userid="a", customers=mine, groups=[])
    o.run()
    assert o.items(job)[mine[0]]["state"] == "waiting"


def test_a_call_level_refusal_fails_the_whole_chunk() -> None:
    o = Office()
    job = offboard(o, 3, 2)
    o.wecom.employees.add("h")  # WeCom: the member has not left after all (40097; groups: 90500)
    o.run()
    j = o.job(job)
    assert counts(o, job) == {"failed": 3} and counts(o, job, "groups") == {"failed": 2} and j["state"] == "finished"
    assert {i["reason"] for i in o.items(job).values()} == {"handover_has_not_left", "owner_has_not_left"}
    assert o.wecom.count("transfer_customers") == 1  # no retry would change the answer

    o2 = Office()
    job2 = offboard(o2, 2)
    o2.wecom.employees.discard("a")  # the taker left before the call: 60111
    o2.run()
    assert {i["reason"] for i in o2.items(job2).values()} == {"unknown_member"}


# --- retries ------------------------------------------------------------------------------------------------
def test_a_busy_wecom_is_retried_with_back_off_until_the_attempts_run_out() -> None:
    o = Office()
    job = offboard(o, 2)
    o.wecom.fail_next("transfer_customers", -1, times=99)
    assert o.run()[1] == "advanced:retry:-1"
    t0 = o.clock.now
    assert o.job(job)["next_check_at"] == t0 + 30 and o.repo.stored_chunk(job, "c", 1).calling == 0
    assert o.tick(29) == [] and o.wecom.count("transfer_customers") == 1  # not due yet
    waited = 29
    for attempt in range(2, T.MAX_ATTEMPTS + 1):
        o.tick(T.backoff_s(attempt - 1) - waited)
        waited = 0
        assert o.wecom.count("transfer_customers") == attempt
    j = o.job(job)
    assert j["state"] == "finished" and counts(o, job) == {"failed": 2}
    assert {i["reason"] for i in o.items(job).values()} == {"retries_exhausted"}
    o.tick(DAY)
    assert o.wecom.count("transfer_customers") == T.MAX_ATTEMPTS


def test_a_retry_asks_only_for_the_customers_still_requested() -> None:
    o = Office()
    job = offboard(o, 3)
    slow = o.wecom.follows["h"][1]
    o.wecom.codes[slow] = 50001
    o.run()
    assert counts(o, job) == {"waiting": 2, "requested": 1}
    del o.wecom.codes[slow]
    o.tick(30)
    assert [b["external_userid"] for m, b in o.wecom.calls if m == "transfer_customers"][-1] == [slow]
    assert counts(o, job) == {"waiting": 3}


def test_a_retry_due_while_others_wait_is_not_pushed_back_by_the_polls() -> None:
    o = Office()
    job = offboard(o, 2)
    slow = o.wecom.follows["h"][1]
    o.wecom.codes[slow] = 50001
    o.run()
    for _ in range(3):  # WeCom stays busy for this one: the back-off grows 120 s, 600 s, 1800 s
        o.tick(T.backoff_s(o.repo.stored_chunk(job, "c", 1).attempts))
    assert o.wecom.count("transfer_customers") == 4
    del o.wecom.codes[slow]
    o.tick(T.backoff_s(4))
    assert counts(o, job) == {"waiting": 2}


# --- a worker that died mid-call -------------------------------------------------------------------------
def test_an_answer_lost_mid_call_is_recovered_from_already_in_transfer() -> None:
    o = Office()
    job = offboard(o, 3)
    o.wecom.fail_next("transfer_customers", lost=True)
    o.step()  # the plan
    step = o.queue.sent[0][0]
    with pytest.raises(TimeoutError):
        o.step()
    c = o.repo.stored_chunk(job, "c", 1)
    assert c.calling == int(o.clock.now) and c.ids_in(T.REQUESTED) == o.wecom.follows["h"]
    # SQS delivers the step again at once: the live mark says another call may be under way.
    assert o.bus.handle(step) == Done("advanced:")
    assert o.wecom.count("transfer_customers") == 1
    o.tick(LEASE_S - 1)
    assert o.wecom.count("transfer_customers") == 1
    o.tick(SCHEDULE_LEASE_S)  # the scheduled job; the mark is stale by now
    assert o.wecom.count("transfer_customers") == 2
    assert counts(o, job) == {"waiting": 3}  # WeCom's 40129 for each: they are ours
    o.tick(DAY + 600)
    assert counts(o, job) == {"done": 3} and o.job(job)["state"] == "finished"


def test_a_second_worker_skips_a_chunk_under_a_live_mark() -> None:
    o = Office()
    job = offboard(o, 2)
    other = TransferRunner(o.repo, lambda _: o.wecom, o.queue, clock=o.clock)
    seen: list[str] = []
    o.wecom.during["transfer_customers"] = lambda: seen.append(other.advance(CORP, job, force=True))
    o.run()
    assert seen == ["advanced:"] and o.wecom.count("transfer_customers") == 1
    assert counts(o, job) == {"waiting": 2}


def test_a_version_conflict_re_applies_the_answer() -> None:
    o = Office()
    job = offboard(o, 3)
    first, second, third = o.wecom.follows["h"]
    # While the call is under way, another writer changes the chunk: the customer refuses at once (the
    # transfer_fail callback is applied), and an unrelated write bumps the version once more.
    o.wecom.during["transfer_customers"] = lambda: (
        o.fail_event(o.wecom.refuse(first)), o.repo.interfere("c", 1, lambda c: None))
    o.run()
    c = o.repo.stored_chunk(job, "c", 1)
    assert [c.entries[e].state for e in (first, second, third)] == ["refused", "waiting", "waiting"]
    assert c.calling == 0 and c.started_at and c.next_at == c.started_at + T.POLL_AFTER_S


def test_cancel_during_a_call_stops_only_what_the_call_did_not_start() -> None:
    o = Office()
    job = offboard(o, 3)
    slow = o.wecom.follows["h"][2]
    o.wecom.codes[slow] = -1
    o.wecom.during["transfer_customers"] = lambda: o.jobs.cancel(CORP, job)
    o.run()
    # The call's answer is stored, then what it did not start is cancelled at once (not at the next check).
    assert counts(o, job) == {"waiting": 2, "cancelled": 1} and o.job(job)["state"] == "cancelling"
    o.tick(30)
    assert counts(o, job) == {"waiting": 2, "cancelled": 1} and o.wecom.count("transfer_customers") == 1
    o.tick(DAY)
    assert counts(o, job) == {"done": 2, "cancelled": 1} and o.job(job)["state"] == "cancelled"


def test_cancel_after_a_worker_died_keeps_what_wecom_started() -> None:
    o = Office()
    job = offboard(o, 2)
    o.wecom.fail_next("transfer_customers", lost=True)
    with pytest.raises(TimeoutError):
        o.run()
    o.jobs.cancel(CORP, job)
    assert o.job(job)["state"] == "cancelling"  # the mark is live: that call's answer decides
    o.tick(LEASE_S + 1)
    assert counts(o, job) == {"waiting": 2}  # the lost call had started them: not "cancelled"
    assert o.wecom.count("transfer_customers") == 1
    o.tick(DAY)
    j = o.job(job)
    assert counts(o, job) == {"done": 2} and j["state"] == "cancelled" and o.repo.active == {}


# --- re-assignment -------------------------------------------------------------------------------------------
def test_refused_and_limited_customers_go_to_the_next_taker() -> None:
    o = Office()
    o.wecom.takers_at_limit.add("b")
    job = offboard(o, 4, takeover_userids=["b", "a"], on_refused="reassign")
    o.run()
    j = o.job(job)
    assert counts(o, job) == {"taker_limit": 2, "waiting": 2} and j["state"] == "running"
    assert o.repo.due_at(job) == o.clock.now  # the next advance re-assigns them
    o.tick()
    assert counts(o, job) == {"reassigned": 2, "waiting": 4}
    assert o.job(job)["by_taker"] == {"a": {"waiting": 4}}  # B's were all re-assigned
    assert [c.number for c in o.repo.chunks(CORP, job)] == [1, 2, 3]
    # A's customer refuses; B (the only taker it has not had) is still at the limit: it ends there.
    moved = o.repo.stored_chunk(job, "c", 2).ids_in(T.WAITING)[0]  # one of A's own
    o.fail_event(o.wecom.refuse(moved))
    o.tick()
    assert counts(o, job) == {"reassigned": 3, "waiting": 3, "taker_limit": 1}
    o.tick()  # nobody left to try: nothing more happens
    assert counts(o, job)["taker_limit"] == 1 and len(o.repo.chunks(CORP, job)) == 4
    o.tick(DAY + 600)
    assert counts(o, job) == {"reassigned": 3, "done": 3, "taker_limit": 1} and o.job(job)["state"] == "finished"


def test_a_reassignment_interrupted_after_the_new_chunk_places_nobody_twice() -> None:
    o = Office()
    o.wecom.takers_at_limit.add("b")
    job = offboard(o, 1, takeover_userids=["b", "a"], on_refused="reassign")
    o.run()
    ext = o.wecom.follows["h"][0]
    # A crash after the new chunk was written, before the old entry was marked:
    new = T.Chunk.new(job, 2, "c", "a", [ext], int(o.clock.now))
    assert o.repo.create_chunk(CORP, new)
    o.repo.put_index(CORP, job, "c", [(ext, 2)], int(o.clock.now))
    o.tick()
    chunks = o.repo.chunks(CORP, job)
    assert [(c.number, c.taker, c.entries[ext].state) for c in chunks] == [(1, "b", "reassigned"), (2, "a", "waiting")]
    assert chunks[0].entries[ext].reason == "to:placed"


def test_with_the_leave_policy_refusals_stay() -> None:
    o = Office()
    o.wecom.takers_at_limit.add("b")
    job = offboard(o, 2, takeover_userids=["b", "a"])
    o.run()
    o.tick(DAY + 600)
    assert counts(o, job) == {"taker_limit": 1, "done": 1} and o.job(job)["state"] == "finished"


# --- groups ------------------------------------------------------------------------------------------------
def test_groups_beyond_300_a_day_wait_for_the_new_owners_allowance() -> None:
    o = Office()
    job = offboard(o, 0, 350)
    t0 = int(o.clock.now)
    o.run()
    assert counts(o, job, "groups") == {"done": 300, "queued": 50} and o.repo.taken("a") == 300
    assert o.job(job)["next_check_at"] == t0 + DAY and o.job(job)["state"] == "running"
    o.tick(DAY - 1)
    assert o.wecom.count("transfer_groups") == 3
    o.tick(1)
    assert o.wecom.count("transfer_groups") == 4 and counts(o, job, "groups") == {"done": 350}
    assert o.job(job)["state"] == "finished" and o.repo.taken("a") == 50


def test_the_allowance_is_shared_by_every_job_of_the_new_owner() -> None:
    o = Office(("h", "g", "a"))
    o.wecom.own("g", 250)
    o.wecom.leave("g")
    first = o.create(handover_userid="g", takeover_userid="a", customers=[])
    o.run()
    o.clock.advance(3600)
    job = offboard(o, 0, 100)
    o.run()
    assert counts(o, first, "groups") == {"done": 250}
    assert counts(o, job, "groups") == {"done": 50, "queued": 50}
    assert o.job(job)["next_check_at"] == o.clock.now - 3600 + DAY  # when the first 250 age out


def test_wecoms_daily_limit_defers_the_groups_whatever_its_code() -> None:
    """Takes we did not make (another app, WeCom's console) fill the new owner's 300: WeCom refuses the chats
    with a code its page does not name (the sandbox answers 45009). Nothing keys on it: the chats wait a
    later window, recorded with WeCom's code, and go over once WeCom takes them."""
    o = Office()
    now = int(o.clock.now)
    o.wecom.group_moves += [{"chat": f"other{i}", "new_owner": "a", "kind": "resigned", "time": now - 7200}
                            for i in range(300)]  # fmt: skip
    job = offboard(o, 0, 5)
    o.run()
    assert counts(o, job, "groups") == {"queued": 5} and o.repo.taken("a") == 0  # the allowance given back
    assert {i["reason"] for i in o.items(job).values()} == {"wecom_45009"}
    assert o.job(job)["next_check_at"] == now + R.GROUP_RETRY_S[0]
    o.tick(R.GROUP_RETRY_S[0] - 1)
    assert o.wecom.count("transfer_groups") == 1  # never before its time: no tight loop
    o.tick(1)  # an hour later the outside takes are still within 24 h: deferred again, for longer
    assert o.wecom.count("transfer_groups") == 2 and counts(o, job, "groups") == {"queued": 5}
    assert o.job(job)["next_check_at"] == now + R.GROUP_RETRY_S[0] + R.GROUP_RETRY_S[1]
    o.tick(R.GROUP_RETRY_S[1])  # 7 h after the start: still full
    o.tick(R.GROUP_RETRY_S[2])  # 31 h: the outside takes aged out
    assert counts(o, job, "groups") == {"done": 5} and o.job(job)["state"] == "finished"
    assert o.wecom.count("transfer_groups") == 4


@pytest.mark.parametrize("code", [45009, 40128, 99999, -1])
def test_an_unexpected_per_chat_code_is_retried_a_bounded_number_of_times_then_failed(code: int) -> None:
    """Any per-chat code that names no final reason: recorded with WeCom's code, asked again after each of
    GROUP_RETRY_S, then failed with it; never lost, never asked in a tight loop."""
    o = Office()
    job = offboard(o, 0, 2)
    chats = sorted(o.wecom.groups)
    o.wecom.codes[chats[0]] = code
    o.run()
    assert o.items(job)[chats[0]]["state"] == "queued" and o.items(job)[chats[0]]["reason"] == f"wecom_{code}"
    assert o.items(job)[chats[1]]["state"] == "done"
    assert o.repo.taken("a") == 1  # the refused chat's allowance was given back
    for wait in R.GROUP_RETRY_S:
        o.tick(wait)
    calls = [b for m, b in o.wecom.calls if m == "transfer_groups"]
    assert [b["chat_id_list"] for b in calls] == [chats, [chats[0]], [chats[0]], [chats[0]]]
    item = o.items(job)[chats[0]]
    assert (item["state"], item["reason"]) == ("failed", f"wecom_{code}")
    assert o.job(job)["state"] == "finished"


def test_90503_a_full_group_is_a_named_failure() -> None:
    """90503 满人 & 99个微信成员，没办法踢，要客户端确认: a member would have to go, which only the WeCom client
    can confirm. It is not the daily limit (an old reading of ours): failed with that reason, not queued."""
    o = Office()
    job = offboard(o, 0, 1)
    [chat] = o.wecom.groups
    o.wecom.codes[chat] = 90503
    o.run()
    item = o.items(job)[chat]
    assert (item["state"], item["reason"]) == ("failed", "group_full_needs_client_confirmation")
    assert o.job(job)["state"] == "finished"


def test_90504_after_a_lost_answer_counts_as_done() -> None:
    o = Office()
    o.wecom.own("h", 3)
    job = o.create(kind="onjob", handover_userid="h", takeover_userid="a", customers=[])
    o.wecom.fail_next("transfer_groups", lost=True)
    with pytest.raises(TimeoutError):
        o.run()
    assert set(o.wecom.groups.values()) == {"a"}  # WeCom did move them
    o.tick(SCHEDULE_LEASE_S)
    assert counts(o, job, "groups") == {"done": 3} and o.wecom.count("transfer_groups") == 2


@pytest.mark.parametrize(("inherit_s", "answer"), [(3600, 90507), (10, 90508)])
def test_a_resigned_group_moved_by_a_lost_call_counts_as_done(inherit_s: int, answer: int) -> None:
    """After a call whose answer was lost, WeCom answers the repeated call 90507 (离职群正在继承处理中) while
    the inheritance is under way, or 90508 (离职群已经继承) once it is done: the group is ours, handed over."""
    o = Office()
    o.wecom.inherit_s = inherit_s
    job = offboard(o, 0, 3)
    o.wecom.fail_next("transfer_groups", lost=True)
    with pytest.raises(TimeoutError):
        o.run()
    assert set(o.wecom.group_status.values()) == {2}  # WeCom did start them
    o.tick(SCHEDULE_LEASE_S)
    groups_calls = [i for i, (m, _) in enumerate(o.wecom.calls) if m == "transfer_groups"]
    assert len(groups_calls) == 2
    assert counts(o, job, "groups") == {"done": 3} and o.wecom.count("group_owner") == 0
    assert all(o.wecom._move_one("resigned", c, "a", int(o.clock.now)) == answer for c in o.wecom.groups)


def test_90508_on_a_first_call_is_done_when_the_taker_inherited_it_already() -> None:
    """Someone (an admin in WeCom's console, an earlier job) already had the group inherited: ours if the
    taker owns it, else a failure naming it."""
    o = Office(("h", "a", "b"))
    chats = o.wecom.own("h", 2)
    o.wecom.leave("h")
    o.wecom.groups[chats[0]], o.wecom.groups[chats[1]] = "a", "b"
    o.wecom.group_status.update(dict.fromkeys(chats, 3))
    job = o.create(kind="resigned", handover_userid="h", takeover_userid="a", customers=[], groups=chats)
    o.run()
    items = o.items(job)
    assert items[chats[0]]["state"] == "done"
    assert (items[chats[1]]["state"], items[chats[1]]["reason"]) == ("failed", "already_inherited")
    assert o.wecom.count("group_owner") == 2


def test_90500_on_a_first_resigned_call_is_a_failure() -> None:
    o = Office()
    o.wecom.groups["still"] = "b"  # its owner has not left
    o.wecom.leave("h")
    job = o.create(kind="resigned", handover_userid="h", takeover_userid="a", customers=[], groups=["still"])
    o.run()
    assert o.items(job)["still"]["state"] == "failed" and o.items(job)["still"]["reason"] == "owner_has_not_left"
    assert o.wecom.count("group_owner") == 0


def test_90504_on_a_first_call_is_a_failure() -> None:
    o = Office()
    o.wecom.groups["mine"] = "a"
    job = o.create(kind="onjob", handover_userid="h", takeover_userid="a", customers=[], groups=["mine"])
    o.run()
    assert o.items(job)["mine"] | {"at": 0} == {"type": "group", "id": "mine", "taker": "a", "state": "failed",
                                                 "reason": "already_owner", "at": 0}  # fmt: skip
    assert o.repo.taken("a") == 0


def test_group_calls_retry_with_back_off_and_give_up() -> None:
    o = Office()
    job = offboard(o, 0, 2)
    o.wecom.fail_next("transfer_groups", 50001, times=99)
    o.run()
    assert o.repo.taken("a") == 0 and o.job(job)["next_check_at"] == o.clock.now + 30
    for attempt in range(2, T.MAX_ATTEMPTS + 1):
        o.tick(T.backoff_s(attempt - 1))
    assert o.wecom.count("transfer_groups") == T.MAX_ATTEMPTS
    assert counts(o, job, "groups") == {"failed": 2} and o.job(job)["state"] == "finished"
    assert {i["reason"] for i in o.items(job).values()} == {"retries_exhausted"}


def test_a_throttled_group_call_frees_its_mark_and_its_allowance() -> None:
    o = Office()
    job = offboard(o, 0, 2)
    o.wecom.fail_next("transfer_groups", throttled=True)
    assert [o.step(), o.step()][1] == "throttled"
    c = o.repo.stored_chunk(job, "g", 1)
    assert c.calling == 0 and o.repo.taken("a") == 0
    assert o.queue.sent[0][1] == 43  # the same step, once the window turns
    o.run()
    assert counts(o, job, "groups") == {"done": 2} and o.repo.taken("a") == 2


# --- planning and the scheduled job ---------------------------------------------------------------------------
def test_plan_splits_into_chunks_of_100_and_fans_out_ten_a_message() -> None:
    o = Office()
    o.wecom.give("h", 1150)
    o.wecom.leave("h")
    job = o.create(handover_userid="h", takeover_userid="a", groups=[])
    assert o.bus.handle(o.queue.take()[0]) == Done("planned:1150c:0g:12chunks")
    steps = o.queue.take()
    assert [len(m["chunks"]) for m in steps] == [STEP_CHUNKS, 2] and steps[1]["chunks"] == [["c", 11], ["c", 12]]
    for m in steps:
        o.bus.handle(m)
    sizes = [len(b["external_userid"]) for m, b in o.wecom.calls if m == "transfer_customers"]
    assert sizes == [100] * 11 + [50] and o.job(job)["customers"]["waiting"] == 1150
    assert o.bus.handle({"corp_id": CORP, "job_id": job, "step": "plan"}) == Done("planned-before")
    assert o.wecom.count("transfer_customers") == 12


def test_an_onjob_plan_lists_the_members_customers_and_groups() -> None:
    o = Office()
    exts = o.wecom.give("h", 2)
    chats = o.wecom.own("h", 1)
    job = o.create(kind="onjob", handover_userid="h", takeover_userid="a", transfer_success_msg="您好")
    o.run()
    assert o.wecom.count("customer_ids") == 1 and ("group_ids", {"owner": "h", "status_filter": 0}) in o.wecom.calls
    start = [b for m, b in o.wecom.calls if m == "transfer_customers"][0]
    assert (start["kind"], start["msg"], start["external_userid"]) == ("onjob", "您好", exts)
    assert o.wecom.groups[chats[0]] == "a" and counts(o, job) == {"waiting": 2}


def test_a_resigned_plan_lists_only_the_groups_waiting_to_be_inherited() -> None:
    """For a member who left, every group means those WeCom lists as 离职待继承 (status_filter 1): one already
    being inherited (by an earlier job or in WeCom's console) is not planned again."""
    o = Office()
    chats = o.wecom.own("h", 3)
    o.wecom.leave("h")
    o.wecom.group_status[chats[0]] = 2
    o.wecom.inheriting[chats[0]] = ("b", int(o.clock.now) + 3600)
    job = o.create(kind="resigned", handover_userid="h", takeover_userid="a", customers=[])
    o.run()
    assert ("group_ids", {"owner": "h", "status_filter": 1}) in o.wecom.calls
    assert sorted(i for i, v in o.items(job).items() if v["type"] == "group") == chats[1:]
    assert o.job(job)["groups"]["total"] == 2


def test_the_plan_fails_customers_blocked_by_the_90_day_rule() -> None:
    o = Office()
    ext = o.wecom.give("h", 1)[0]
    handover, taker, ats = "h", "a", []
    for _ in range(2):
        job = o.create(kind="onjob", handover_userid=handover, takeover_userid=taker, groups=[])
        o.run()
        o.tick(DAY + 600)
        assert counts(o, job) == {"done": 1}
        handover, taker = taker, handover
        ats.append(o.items(job)[ext]["at"])
    o.wecom.give("h", 1, prefix="new")
    job = o.create(kind="onjob", handover_userid="h", takeover_userid="a", groups=[])  # "all": no check up front
    o.run()
    items = o.items(job)
    frees = day_of(ats[0] + T.WINDOW_90_DAYS_S)
    assert items[ext]["state"] == "failed" and items[ext]["reason"] == f"transferred_twice_in_90_days:frees {frees}"
    assert [b["external_userid"] for m, b in o.wecom.calls if m == "transfer_customers"][-1] == ["wmnew0000"]


def test_the_scheduled_job_enqueues_each_due_job_once() -> None:
    o = Office()
    job = offboard(o, 1)
    assert o.runner.enqueue_due(CORP) == [job]  # its plan message may be lost: planned again
    assert [m["step"] for m in o.queue.take()] == ["plan", "plan"]
    assert o.runner.enqueue_due(CORP) == []  # leased
    o.clock.advance(SCHEDULE_LEASE_S)
    assert o.runner.enqueue_due(CORP) == [job]
    o.run()
    o.tick(DAY + 600)
    assert o.job(job)["state"] == "finished" and o.repo.due_at(job) is None
    # A finished job left on the due index (a crash after its last write) is taken off it.
    found = o.repo.get_job(CORP, job)
    assert found is not None and o.repo.replace_job(CORP, found, int(o.clock.now))
    assert o.runner.enqueue_due(CORP) == [] and o.repo.due_at(job) is None


def test_a_spent_call_budget_sends_the_step_again_later() -> None:
    o = Office()
    job = offboard(o, 2)
    o.wecom.fail_next("transfer_customers", throttled=True)
    assert [o.step(), o.step()] == ["planned:2c:0g:1chunks", "throttled"]
    assert o.repo.stored_chunk(job, "c", 1).calling == 0
    assert o.queue.sent[0] == ({"corp_id": CORP, "job_id": job, "step": "advance", "chunks": [["c", 1]]}, 43)
    o.run()
    assert counts(o, job) == {"waiting": 2}


def test_unknown_steps_and_jobs() -> None:
    o = Office()
    assert o.bus.handle({"corp_id": CORP, "job_id": "tnope", "step": "plan"}) == Skipped("no-job")
    job = offboard(o, 1)
    with pytest.raises(ValueError, match="unknown transfer step"):
        o.bus.handle({"corp_id": CORP, "job_id": job, "step": "later"})
    assert o.runner.advance(CORP, job) == "not-planned"


def test_two_workers_reassigning_at_once_place_each_customer_once() -> None:
    o = Office()
    o.wecom.takers_at_limit.add("b")
    job = offboard(o, 2, takeover_userids=["b", "a"], on_refused="reassign")
    o.run()
    real = o.repo.create_chunk

    def second_worker_first(corp_id: str, chunk: T.Chunk) -> bool:
        # Another advance of the job (the scheduler's and the admin's refresh) writes the same chunk first.
        o.repo.create_chunk = real  # type: ignore[method-assign]
        twin = T.Chunk.from_dict(chunk.to_dict())
        assert real(corp_id, twin)
        o.repo.put_index(corp_id, job, "c", [(e, twin.number) for e in twin.entries], int(o.clock.now))
        return real(corp_id, chunk)

    o.repo.create_chunk = second_worker_first  # type: ignore[method-assign]
    o.tick()
    o.tick()
    holders: dict[str, list[str]] = {}
    for c in o.repo.chunks(CORP, job):
        for e, entry in c.entries.items():
            holders.setdefault(e, []).append(entry.state)
    assert sorted(map(sorted, holders.values())) == [["reassigned", "waiting"], ["waiting"]]
    assert counts(o, job) == {"reassigned": 1, "waiting": 2}


def test_the_fakes_and_adapters_match_their_ports() -> None:
    """Every method of each port (transfers/ports.py) is in its fake and its real adapter with the same
    parameters, defaults and annotations."""
    import inspect

    from scrm.adapters.wecom.transfer_calls import TransferCalls
    from scrm.transfers.ports import TransferRepo, TransferWeCom
    from scrm.transfers.repository import DynamoTransfers

    from tests.unit.transfer_fakes import FakeTransferRepo, FakeTransferWeCom

    def shape(fn: object) -> list[tuple[str, object, object]]:
        sig = inspect.signature(fn)  # type: ignore[arg-type]
        return [(p.name, p.default, str(p.annotation)) for p in sig.parameters.values()] + [str(sig.return_annotation)]

    for port, implementations in ((TransferRepo, (FakeTransferRepo, DynamoTransfers)),
                                  (TransferWeCom, (FakeTransferWeCom, TransferCalls))):  # fmt: skip
        methods = [n for n, f in vars(port).items() if callable(f) and not n.startswith("_")]
        assert methods
        for impl in implementations:
            for name in methods:
                assert shape(getattr(impl, name)) == shape(getattr(port, name)), (impl.__name__, name)


def test_a_cancelled_job_with_a_dead_group_call_still_ends() -> None:
    o = Office()
    job = offboard(o, 0, 2)
    o.wecom.fail_next("transfer_groups", lost=True)
    with pytest.raises(TimeoutError):
        o.run()
    o.jobs.cancel(CORP, job)
    assert o.job(job)["state"] == "cancelling"
    o.tick(LEASE_S + 1)
    # WeCom has no group result to ask: the chats are recorded as cancelled (though the lost call may
    # have moved them) and the job ends instead of waiting for a mark nobody will clear.
    assert o.job(job)["state"] == "cancelled" and o.wecom.count("transfer_groups") == 1
