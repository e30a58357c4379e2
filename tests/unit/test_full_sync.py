"""The full sync's step machine with fakes: every relation once, counted once, resumable, throttled steps
re-sent delayed, drift marked, and the WeCom calls at the minimum the API shape allows."""

from __future__ import annotations

import random

import pytest
from scrm.customers.customer import CustomerProfile, FollowInfo, TagRef
from scrm.customers.employee import Employee
from scrm.customers.group import GroupChat
from scrm.customers.tags import Tag, TagGroup
from scrm.kernel.bus import RetryAt, Skipped
from scrm.sync.full_sync import FullSync, progress
from scrm.sync.plan import minimum_calls

from tests.unit.fakes import FakeWeCom, StepClock
from tests.unit.sync_fakes import FakeBulkWeCom, FakeJobs, FakeQueue, FakeSyncStore

CORP = "wwsync"


def world(employees: int = 130, customers: int = 700, groups: int = 30) -> FakeWeCom:
    rng = random.Random(3)
    w = FakeWeCom(CORP)
    users = [f"u{i:03d}" for i in range(employees)]
    for u in users:
        w.add_user(Employee(u, name=u))
    w.add_tag_group(TagGroup("etg1", "级别", tags=(Tag("et1", "金"), Tag("et2", "银"))))
    for i in range(customers):
        followers = rng.sample(users, rng.choice((1, 1, 1, 2)))
        w.add_customer(
            CustomerProfile(f"wm{i:06d}", name=f"客户{i}"),
            *[FollowInfo(u, add_time=1_700_000_000 + i, tags=(TagRef(rng.choice(("et1", "et2"))),)) for u in followers],
        )
    for g in range(groups):
        w.add_group_chat(GroupChat(f"wr{g:04d}", name=f"群{g}", owner=rng.choice(users)))
    return w


def rig(w: FakeWeCom):
    store, jobs, queue, bulk = FakeSyncStore(), FakeJobs(), FakeQueue(), FakeBulkWeCom(w)
    sync = FullSync(store, lambda corp: bulk, jobs, queue, clock=StepClock())
    return sync, store, jobs, queue, bulk


def drain(sync: FullSync, queue: FakeQueue, redeliver_every: int = 0) -> int:
    n, bus = 0, sync.bus()
    while (m := queue.pop()) is not None:
        bus.handle(m)
        n += 1
        if redeliver_every and n % redeliver_every == 0:
            bus.handle(m)  # SQS delivers the same message again
    return n


def test_a_full_sync_stores_everything_once_with_the_fewest_calls():
    w = world()
    sync, store, jobs, queue, bulk = rig(w)
    job, created = sync.start(CORP)
    assert created
    drain(sync, queue)
    done = jobs.get(CORP, job["job_id"])
    assert done["state"] == "done"
    relations = sum(len(fs) for _, fs in w.customers.values())
    assert done["relations"] == relations == len(store.follows)
    assert done["groups"] == len(w.group_chats) == len(store.groups)
    assert done["employees"] == 130 and done["employee_chunks_done"] == done["employee_chunks"] == 2
    per_user: dict[str, int] = {}
    for _, fs in w.customers.values():
        for f in fs:
            per_user[f.userid] = per_user.get(f.userid, 0) + 1
    per_owner: dict[str, int] = {}
    for c in w.group_chats.values():
        per_owner[c.owner] = per_owner.get(c.owner, 0) + 1
    assert bulk.calls + 1 == minimum_calls(list(w.users), per_user, per_owner)  # +1: the token
    assert done["wecom_calls"] == bulk.calls
    assert progress(done)["percent"] == 100


def test_redelivered_steps_change_and_count_nothing_twice():
    w = world()
    sync, store, jobs, queue, bulk = rig(w)
    job, _ = sync.start(CORP)
    drain(sync, queue, redeliver_every=2)
    done = jobs.get(CORP, job["job_id"])
    assert done["state"] == "done"
    assert done["relations"] == sum(len(fs) for _, fs in w.customers.values())
    assert done["groups"] == len(w.group_chats)


def test_a_crash_after_the_marker_resends_the_children():
    w = world(employees=3, customers=250, groups=0)
    sync, store, jobs, queue, bulk = rig(w)
    job, _ = sync.start(CORP)
    plan = queue.pop()
    sync.bus().handle(plan)
    children = list(queue.messages)
    queue.messages.clear()  # the send after the marker was lost
    assert sync.bus().handle(plan) == Skipped("repeat")
    assert queue.messages == children
    calls = bulk.calls
    drain(sync, queue)
    assert jobs.get(CORP, job["job_id"])["state"] == "done"
    pages = -(-sum(len(fs) for _, fs in w.customers.values()) // 100)
    assert bulk.calls == calls + pages + 1  # relation pages + one group list; the plan was not called again


def test_a_throttled_step_is_resent_delayed_and_the_job_still_finishes():
    w = world(employees=5, customers=50, groups=2)
    sync, store, jobs, queue, bulk = rig(w)
    job, _ = sync.start(CORP)
    sync.bus().handle(queue.pop())  # plan
    bulk.throttle_next = 1
    first = queue.messages[0][0]
    assert sync.bus().handle(queue.pop()) == RetryAt(31, "throttled")
    assert queue.messages[-1] == (first, 31)
    drain(sync, queue)
    assert jobs.get(CORP, job["job_id"])["relations"] == sum(len(fs) for _, fs in w.customers.values())


def test_starting_again_while_running_returns_the_same_job():
    sync, store, jobs, queue, bulk = rig(world(employees=2, customers=5, groups=0))
    a, created_a = sync.start(CORP)
    b, created_b = sync.start(CORP)
    assert created_a and not created_b and a["job_id"] == b["job_id"]
    assert len(queue.messages) == 1


def test_drift_both_ways():
    w = world(employees=4, customers=40, groups=0)
    sync, store, jobs, queue, bulk = rig(w)
    sync.start(CORP)
    drain(sync, queue)
    gone = next(iter(w.customers))
    profile, follows = w.customers.pop(gone)  # WeCom lost a relation we hold (a missed callback)
    w.add_customer(CustomerProfile("wmnew"), FollowInfo("u000", add_time=1_700_100_000))  # and gained one
    job, _ = sync.start(CORP, kind="reconcile")
    drain(sync, queue)
    done = jobs.get(CORP, job["job_id"])
    assert done["state"] == "done" and done["drift_removed"] == len(follows)
    for f in follows:
        assert store.follow(CORP, gone, f.userid)["status"] == "gone"
    assert store.follow(CORP, "wmnew", "u000")["status"] == "active"


@pytest.mark.parametrize("kind", ["plan", "customers"])
def test_a_step_of_a_finished_job_does_nothing(kind):
    sync, store, jobs, queue, bulk = rig(world(employees=2, customers=5, groups=0))
    job, _ = sync.start(CORP)
    msg = queue.pop()
    jobs.finish(CORP, job["job_id"], 0, "failed", "stopped")
    msg["kind"] = kind
    assert sync.bus().handle(msg) == Skipped("job-not-running")
    assert bulk.calls == 0


def test_progress_never_goes_down():
    w = world(employees=250, customers=900, groups=60)
    sync, store, jobs, queue, bulk = rig(w)
    job, _ = sync.start(CORP)
    seen = []
    bus = sync.bus()
    while (m := queue.pop()) is not None:
        bus.handle(m)
        seen.append(progress(jobs.get(CORP, job["job_id"]))["percent"])
    assert seen == sorted(seen) and seen[-1] == 100
