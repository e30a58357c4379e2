"""Full sync against the sandbox: what WeCom holds ends up in our store, once, with progress and drift repair."""

from __future__ import annotations

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
