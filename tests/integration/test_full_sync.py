"""Full sync against the sandbox: what WeCom holds ends up in our store, once, with progress and drift repair."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from scrm import bootstrap
from scrm.adapters.dynamo import reads

from tests.conftest import new_corp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


def _run(corp_id: str, kind: str = "full", timeout_s: float = 60) -> dict[str, Any]:
    job, created = bootstrap.full_sync().start(corp_id, kind)
    assert created
    jobs = bootstrap.full_sync().jobs
    return wait_for(
        lambda: (j := jobs.get(corp_id, job["job_id"])) and j["state"] != "running" and j,
        timeout_s=timeout_s,
        what="sync job to finish",
    )


def test_full_sync_stores_every_relation_tag_and_group(stack, sandbox):
    corp = new_corp(stack, sandbox, seed={"employees": 7, "customers_per_employee": 30, "tags": 5, "tag_groups": 3,
                                          "groups": 4, "members_per_group": 5})
    cid = corp["corp_id"]
    world = sandbox.corp(cid)
    since = max([c["seq"] for c in sandbox.calls(cid)] or [0])
    job = _run(cid)
    assert job["state"] == "done", job
    relations = [(c["external_userid"], f["userid"], f) for c in world["customers"] for f in c["follow_users"]]
    assert job["relations"] == len(relations)
    assert job["employees"] == len(world["employees"])
    assert job["groups"] == len(world["groups"])
    for ext, uid, f in relations:
        held = reads.follow(cid, ext, uid)
        assert held is not None and held["status"] == "active"
        assert set(held.get("tag_ids") or ()) == set(f["tag_ids"])
        assert held.get("remark", "") == f.get("remark", "")
    for g in world["groups"]:
        assert reads.group(cid, g["chat_id"])["member_count"] == len(g["member_list"])
    calls = sandbox.calls(cid, since=since)
    paths = [c["path"] for c in calls if c["path"] != "gettoken"]
    # 7 employees in one chunk; 210 relations fill 3 pages of 100 (one page per call, none repeated).
    assert paths.count("externalcontact/batch/get_by_user") == 3
    assert paths.count("externalcontact/groupchat/list") == 1
    assert paths.count("externalcontact/groupchat/get") == len(world["groups"])
    assert job["wecom_calls"] >= len(paths)


def test_a_step_completed_twice_counts_once(stack):
    from scrm.sync.repository import DynamoSyncJobs

    jobs = DynamoSyncJobs()
    corp = "wwtwice" + uuid.uuid4().hex[:8]
    job, created = jobs.start(corp, "full", 1_000, 60_000)
    assert created
    child = [{"corp_id": corp, "job_id": job["job_id"], "kind": "customers", "id": "c0.0"}]
    assert jobs.complete_step(corp, job["job_id"], "plan", child, {"relations": 5}, 2_000)
    assert not jobs.complete_step(corp, job["job_id"], "plan", child, {"relations": 5}, 3_000)  # no exception
    held = jobs.get(corp, job["job_id"])
    assert held["relations"] == 5 and held["open_steps"] == 1 and held["steps_done"] == 1
    assert jobs.done_children(corp, job["job_id"], "plan") == child
    again, created = jobs.start(corp, "full", 4_000, 60_000)
    assert not created and again["job_id"] == job["job_id"]


def test_a_start_racing_the_finish_of_the_job_it_read_starts_a_new_job_not_an_error(stack):
    """The fuzz test's 500 on POST /admin/sync under load: the job a start had just read finished (its finish
    deletes the running pointer) before the start's conditional write; the start reads again and decides
    again."""
    from scrm.sync.repository import DynamoSyncJobs

    class Racing(DynamoSyncJobs):
        raced = False

        def get(self, corp_id: str, job_id: str) -> Any:
            found = super().get(corp_id, job_id)
            if not self.raced and found is not None and found.get("state") == "done":
                self.raced = True
                super().finish(corp_id, job_id, 5_000, "done")  # the pointer goes between our read and write
            return found

    jobs = Racing()
    corp = "wwrace" + uuid.uuid4().hex[:8]
    first, _ = jobs.start(corp, "full", 1_000, 60_000)
    DynamoSyncJobs().finish(corp, first["job_id"], 2_000, "done")
    from scrm.adapters.dynamo.models import SyncJobItem
    from scrm.sync.repository import RUNNING

    SyncJobItem(corp, RUNNING, job_id=first["job_id"], updated_at_ms=2_000).save()  # as if finish had not run yet
    second, created = jobs.start(corp, "full", 6_000, 60_000)
    assert jobs.raced and created and second["job_id"] != first["job_id"] and second["state"] == "running"


def test_a_page_whose_items_were_created_meanwhile_falls_back_to_the_versioned_path(stack):
    from scrm.customers.customer import CustomerProfile, FollowInfo, TagRef
    from scrm.customers.repository import DynamoStore

    store = DynamoStore()
    corp = "wwrace" + uuid.uuid4().hex[:8]
    rows = [(CustomerProfile(f"wm{uuid.uuid4().hex}", name=f"客户{i}"), FollowInfo("u1", add_time=100 + i,
             tags=(TagRef("etA"),))) for i in range(3)]
    # Another writer created the second customer and relation between our BatchGet and our puts.
    store.save_customer(corp, rows[1][0], 5)
    created = store._put_all_new([store._customer_item(corp, p, 10) for p, _ in rows])
    assert created == set()  # the transaction of the chunk was refused as a whole, without an exception
    assert store.sync_page(corp, rows, 10) == 3
    for p, _ in rows:
        assert reads.follow(corp, p.external_userid, "u1")["name"] == p.name
        assert reads.customer(corp, p.external_userid)["synced_at_ms"] == 10


def test_a_reconcile_repairs_drift_both_ways(stack, sandbox):
    corp = new_corp(stack, sandbox, seed={"employees": 3, "customers_per_employee": 6, "groups": 0})
    cid = corp["corp_id"]
    assert _run(cid)["state"] == "done"
    world = sandbox.corp(cid)
    victim = world["customers"][0]
    ext, uid = victim["external_userid"], victim["follow_users"][0]["userid"]
    # Callbacks we never got: one relation removed, one added.
    sandbox.do(cid, "customers/del_by_employee", {"userid": uid, "external_userid": ext, "callback": False})
    added = sandbox.do(cid, "customers/add", {"userid": uid, "name": "新客户", "callback": False})["external_userid"]
    assert reads.follow(cid, added, uid) is None
    job = _run(cid, kind="reconcile")
    assert job["state"] == "done" and job["drift_removed"] == 1, job
    assert reads.follow(cid, ext, uid)["status"] == "gone"
    assert reads.follow(cid, added, uid)["status"] == "active"
    others = [(c["external_userid"], f["userid"]) for c in world["customers"] for f in c["follow_users"]
              if (c["external_userid"], f["userid"]) != (ext, uid)]
    assert all(reads.follow(cid, e, u)["status"] == "active" for e, u in others)
