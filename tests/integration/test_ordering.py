"""Events about one customer apply in order: a late or retried older event never overwrites newer state."""

from __future__ import annotations

import time

import pytest
from scrm.adapters.dynamo import reads

from tests.support.waiting import stays, wait_for

pytestmark = pytest.mark.stack


def test_late_edit_after_del_follow_user_leaves_the_relation_deleted(sandbox, corp):
    cid = corp["corp_id"]
    uid = sandbox.corp(cid)["employees"][0]["userid"]
    t = int(time.time()) - 100
    ext = sandbox.do(cid, "customers/add", {"userid": uid, "create_time": t, "wait": True})["external_userid"]
    wait_for(lambda: (reads.follow(cid, ext, uid) or {}).get("status") == "active", what="active")
    sandbox.do(cid, "customers/del_by_customer", {"userid": uid, "external_userid": ext, "create_time": t + 20,
                                                  "wait": True})
    wait_for(lambda: (reads.follow(cid, ext, uid) or {}).get("status") == "deleted_by_customer", what="deleted")
    # The edit happened before the deletion but reaches us after it (a late WeCom retry).
    sandbox.do(cid, "customers/edit", {"userid": uid, "external_userid": ext, "remark": "late",
                                        "create_time": t + 10, "wait": True})
    wait_for(lambda: len(reads.timeline(cid, f"customer:{ext}")) == 3, what="edit applied to the timeline")
    assert stays(lambda: (reads.follow(cid, ext, uid) or {}).get("status") == "deleted_by_customer", for_s=1.0)
    # The timeline is in event order, not arrival order.
    assert [e["change_type"] for e in reads.timeline(cid, f"customer:{ext}")] == [
        "del_follow_user", "edit_external_contact", "add_external_contact"]


def test_a_late_add_does_not_resurrect_a_deleted_relation(sandbox, corp):
    cid = corp["corp_id"]
    uid = sandbox.corp(cid)["employees"][1]["userid"]
    t = int(time.time()) - 50
    ext = sandbox.do(cid, "customers/add", {"userid": uid, "create_time": t, "wait": True})["external_userid"]
    wait_for(lambda: reads.follow(cid, ext, uid), what="relation")
    sandbox.do(cid, "customers/del_by_employee", {"userid": uid, "external_userid": ext, "create_time": t + 5,
                                                  "wait": True})
    wait_for(lambda: (reads.follow(cid, ext, uid) or {}).get("status") == "deleted_by_employee", what="deleted")
    # Replay the original add (a WeCom retry arriving after the delete).
    first = next(c for c in sandbox.callbacks(cid) if c["change_type"] == "add_external_contact")
    res = sandbox.resend(cid, first["id"])
    sandbox.wait_delivered(cid, res.get("callback_id", first["id"]))
    assert stays(lambda: (reads.follow(cid, ext, uid) or {}).get("status") == "deleted_by_employee", for_s=1.0)


def test_re_adding_later_makes_the_relation_active_again(sandbox, corp):
    cid = corp["corp_id"]
    uid = sandbox.corp(cid)["employees"][2]["userid"]
    t = int(time.time()) - 30
    ext = sandbox.do(cid, "customers/add", {"userid": uid, "create_time": t, "wait": True})["external_userid"]
    sandbox.do(cid, "customers/del_by_customer", {"userid": uid, "external_userid": ext, "create_time": t + 1,
                                                  "wait": True})
    wait_for(lambda: (reads.follow(cid, ext, uid) or {}).get("status") == "deleted_by_customer", what="deleted")
    sandbox.do(cid, "customers/add", {"userid": uid, "external_userid": ext, "create_time": t + 2, "wait": True})
    wait_for(lambda: (reads.follow(cid, ext, uid) or {}).get("status") == "active", what="active again")


def test_one_second_reads_add_edit_delete_whatever_the_arrival_order(sandbox, corp):
    cid = corp["corp_id"]
    uid = sandbox.corp(cid)["employees"][0]["userid"]
    t = int(time.time()) - 200
    ext = sandbox.do(cid, "customers/add", {"userid": uid, "create_time": t, "callback": False})["external_userid"]
    # Delivered delete first, then edit, then add: all stamped with the same second.
    sandbox.do(cid, "customers/del_by_customer", {"userid": uid, "external_userid": ext, "create_time": t,
                                                  "wait": True})
    sandbox.do(cid, "customers/edit", {"userid": uid, "external_userid": ext, "remark": "x", "create_time": t,
                                        "wait": True})
    first = sandbox.do(cid, "events/raw", {"fields": {
        "ToUserName": cid, "CreateTime": t, "Event": "change_external_contact",
        "ChangeType": "add_external_contact", "UserID": uid, "ExternalUserID": ext}, "wait": True})
    assert first.get("callback", {}).get("delivered", True)
    wait_for(lambda: len(reads.timeline(cid, f"customer:{ext}")) == 3, what="three events")
    assert [e["change_type"] for e in reads.timeline(cid, f"customer:{ext}")] == [
        "del_follow_user", "edit_external_contact", "add_external_contact"]
    assert stays(lambda: (reads.follow(cid, ext, uid) or {}).get("status") == "deleted_by_customer", for_s=0.5)


def test_an_add_delivered_after_the_delete_still_says_how_the_customer_came(sandbox, corp):
    """The add is older than the delete, so its status is stale; but half or full, and the channel state,
    only an add says: they are kept, as if the events had come in order (found by the soak benchmark)."""
    cid = corp["corp_id"]
    uid = sandbox.corp(cid)["employees"][0]["userid"]
    t = int(time.time()) - 40
    added = sandbox.do(cid, "customers/add", {"userid": uid, "state": "poster", "create_time": t,
                                              "deliver_after_s": 2})
    ext = added["external_userid"]
    sandbox.do(cid, "customers/del_by_customer", {"userid": uid, "external_userid": ext, "create_time": t + 5,
                                                  "wait": True})
    wait_for(lambda: (reads.follow(cid, ext, uid) or {}).get("status") == "deleted_by_customer", what="deleted")
    sandbox.wait_delivered(cid, added["callback_id"])
    wait_for(lambda: len(reads.timeline(cid, f"customer:{ext}")) == 2, what="the late add applied")
    rel = wait_for(lambda: (r := reads.follow(cid, ext, uid)) and r.get("half_added") is not None and r,
                   what="the add's facts")
    assert rel["status"] == "deleted_by_customer"
    assert rel["half_added"] is False and rel["state"] == "poster"
