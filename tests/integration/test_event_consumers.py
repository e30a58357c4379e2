"""Every event the spine handles, sent by the sandbox as WeCom would; assertions on DynamoDB and on what
WeCom was asked."""

from __future__ import annotations

import time

import pytest
from scrm.adapters.dynamo import reads

from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


def _employees(sandbox, cid):
    return [e["userid"] for e in sandbox.corp(cid)["employees"]]


def _add(sandbox, cid, userid, **kw):
    return sandbox.do(cid, "customers/add", {"userid": userid, "wait": True, **kw})


def _status(cid, ext, uid):
    rel = reads.follow(cid, ext, uid)
    return rel and rel.get("status")


def test_add_external_contact_stores_profile_relation_and_timeline(sandbox, corp):
    cid = corp["corp_id"]
    uid = _employees(sandbox, cid)[0]
    added = _add(sandbox, cid, uid, state="poster_01", name="李雷")
    ext = added["external_userid"]
    rel = wait_for(lambda: (r := reads.follow(cid, ext, uid)) and r.get("synced_at_ms") and r, what="relation")
    assert rel["status"] == "active"
    assert rel["state"] == "poster_01"
    wait_for(lambda: (reads.customer(cid, ext) or {}).get("name"), what="profile")
    assert reads.customer(cid, ext)["name"] == "李雷"
    timeline = wait_for(lambda: reads.timeline(cid, f"customer:{ext}"), what="timeline")
    assert timeline[0]["change_type"] == "add_external_contact"
    assert "WelcomeCode" not in timeline[0]["entry"]["fields"]
    gets = sandbox.calls(cid, path="externalcontact/get")
    assert any(c["query"].get("external_userid") == ext for c in gets)


def test_add_half_external_contact_marks_the_relation_half_added(sandbox, corp):
    cid = corp["corp_id"]
    uid = _employees(sandbox, cid)[1]
    ext = _add(sandbox, cid, uid, half=True)["external_userid"]
    rel = wait_for(lambda: (r := reads.follow(cid, ext, uid)) and "half_added" in r and r, what="relation")
    assert rel["half_added"] is True and rel["status"] == "active"


def test_edit_external_contact_refreshes_remark_and_tags(sandbox, corp):
    cid = corp["corp_id"]
    uid = _employees(sandbox, cid)[0]
    ext = _add(sandbox, cid, uid)["external_userid"]
    wait_for(lambda: reads.follow(cid, ext, uid), what="relation")
    tag_id = sandbox.corp(cid)["tag_groups"][0]["tag"][0]["id"]
    sandbox.do(cid, "customers/edit", {"userid": uid, "external_userid": ext, "remark": "VIP 王总",
                                        "description": "likes tea", "add_tags": [tag_id], "wait": True})
    rel = wait_for(lambda: (r := reads.follow(cid, ext, uid)) and r.get("remark") == "VIP 王总" and r, what="remark")
    assert rel["description"] == "likes tea"
    assert tag_id in rel["tag_ids"]
    # Both events may share a second (WeCom's resolution); the rank in the sort key still orders them.
    wait_for(lambda: [t["change_type"] for t in reads.timeline(cid, f"customer:{ext}")]
             == ["edit_external_contact", "add_external_contact"], what="edit after add, newest first")


@pytest.mark.parametrize(
    "path, body, expected",
    [
        ("customers/del_by_employee", {}, "deleted_by_employee"),
        ("customers/del_by_employee", {"source": "DELETE_BY_TRANSFER"}, "transferred"),
        ("customers/del_by_customer", {}, "deleted_by_customer"),
    ],
)
def test_deletions_set_the_relation_status(sandbox, corp, path, body, expected):
    cid = corp["corp_id"]
    uid = _employees(sandbox, cid)[0]
    ext = _add(sandbox, cid, uid)["external_userid"]
    wait_for(lambda: _status(cid, ext, uid) == "active", what="active")
    sandbox.do(cid, path, {"userid": uid, "external_userid": ext, "wait": True, **body})
    # 30 s: on 2 busy cores an event whose first attempt is slow is redelivered only after it finishes.
    wait_for(lambda: _status(cid, ext, uid) == expected, timeout_s=30, what=expected)


def test_transfer_fail_is_noted_on_the_customer(sandbox, corp):
    cid = corp["corp_id"]
    uids = _employees(sandbox, cid)
    ext = _add(sandbox, cid, uids[0])["external_userid"]
    wait_for(lambda: reads.customer(cid, ext), what="customer")
    sandbox.do(cid, "customers/transfer_fail",
               {"userid": uids[1], "external_userid": ext, "reason": "customer_refused", "wait": True})
    note = wait_for(lambda: (reads.customer(cid, ext) or {}).get("last_transfer_fail"), what="note")
    assert note["reason"] == "customer_refused" and note["takeover_userid"] == uids[1]


def test_group_create_update_dismiss(sandbox, corp):
    cid = corp["corp_id"]
    uids = _employees(sandbox, cid)
    ext = _add(sandbox, cid, uids[0])["external_userid"]
    created = sandbox.do(cid, "groups/create", {"owner": uids[0], "members": [uids[1], ext], "name": "VIP 群",
                                                "wait": True})
    chat = created["chat_id"]
    # The group is stored in several writes (its members, its item): a read in between sees members before the
    # item has its name (a fresh-clone run under load, twice), so wait for the whole of it.
    group = wait_for(
        lambda: (g := reads.group(cid, chat)) and g.get("name")
        and {m["member_id"] for m in g["members"] if m.get("status") == "member"} >= {uids[1], ext} and g,
        what="group, its name and its members")
    assert group["name"] == "VIP 群" and group["status"] == "active"

    newcomer = _add(sandbox, cid, uids[1])["external_userid"]
    sandbox.do(cid, f"groups/{chat}/update", {"update_detail": "add_member", "join_scene": 3,
                                              "add_members": [newcomer], "wait": True})
    wait_for(lambda: any(m["member_id"] == newcomer for m in reads.group(cid, chat)["members"]), what="newcomer")
    # The customer's own timeline shows the group join.
    wait_for(lambda: any(t["entry"].get("chat_id") == chat for t in reads.timeline(cid, f"customer:{newcomer}")),
             what="join on the customer's timeline")

    sandbox.do(cid, f"groups/{chat}/update", {"update_detail": "del_member", "quit_scene": 0,
                                              "del_members": [ext], "wait": True})
    wait_for(lambda: any(m["member_id"] == ext and m.get("status") == "left" for m in reads.group(cid, chat)["members"]),
             what="member left")
    sandbox.do(cid, f"groups/{chat}/update", {"update_detail": "change_name", "name": "VIP 二群", "wait": True})
    wait_for(lambda: reads.group(cid, chat)["name"] == "VIP 二群", what="renamed")
    sandbox.do(cid, f"groups/{chat}/dismiss", {"wait": True})
    wait_for(lambda: reads.group(cid, chat)["status"] == "dismissed", what="dismissed")

    def kinds() -> set[str]:
        return {t["entry"]["fields"].get("UpdateDetail") or t["change_type"] for t in reads.timeline(cid, f"chat:{chat}")}

    # The event's timeline entry is written after the group's status (a CI run read in between), so wait for it.
    wait_for(lambda: "dismiss" in kinds(), what="dismiss on the group's timeline")
    assert kinds() == {"create", "add_member", "del_member", "change_name", "dismiss"}


def test_tag_library_create_update_delete_shuffle(sandbox, corp):
    cid = corp["corp_id"]
    res = sandbox.do(cid, "tags/create", {"group_name": "来源", "tags": ["门店", "公众号"], "wait": True})
    group_id = res.get("group_id") or res["tag_group"]["group_id"]

    def names():
        return {t.get("name") for t in reads.tags(cid) if t["kind"] == "tag" and not t.get("deleted")}

    wait_for(lambda: {"门店", "公众号"} <= names(), what="tags created")
    tag = next(t for t in reads.tags(cid) if t.get("name") == "门店")
    sandbox.do(cid, "tags/update", {"id": tag["id"], "name": "线下门店", "wait": True})
    wait_for(lambda: "线下门店" in names(), what="tag renamed")
    sandbox.do(cid, "tags/shuffle", {"group_id": group_id, "wait": True})
    sandbox.do(cid, "tags/delete", {"id": group_id, "wait": True})
    wait_for(lambda: not ({"线下门店", "公众号"} & names()), what="group and its tags deleted")
    assert any(t["change_type"] == "shuffle" for t in reads.timeline(cid, "tags"))


def test_contact_create_update_rename_delete(sandbox, corp):
    cid = corp["corp_id"]
    sandbox.do(cid, "users/create", {"userid": "newbie", "name": "小新", "wait": True})
    wait_for(lambda: (reads.employee(cid, "newbie") or {}).get("name") == "小新", what="employee")
    sandbox.do(cid, "users/update", {"userid": "newbie", "name": "小新新", "wait": True})
    wait_for(lambda: reads.employee(cid, "newbie")["name"] == "小新新", what="update")
    sandbox.do(cid, "users/update", {"userid": "newbie", "new_userid": "newbie2", "wait": True})
    wait_for(lambda: reads.employee(cid, "newbie")["status"] == "renamed", what="renamed")
    assert reads.employee(cid, "newbie")["renamed_to"] == "newbie2"
    wait_for(lambda: (reads.employee(cid, "newbie2") or {}).get("status") == "active", what="new id")
    sandbox.do(cid, "users/delete", {"userid": "newbie2", "wait": True})
    wait_for(lambda: reads.employee(cid, "newbie2")["status"] == "deleted", what="deleted")


def test_unknown_event_is_kept_raw_and_acknowledged(sandbox, corp):
    cid = corp["corp_id"]
    res = sandbox.do(cid, "events/raw", {"fields": {"Event": "change_moment_thing", "ChangeType": "whatever",
                                                    "Foo": "bar", "CreateTime": int(time.time())}, "wait": True})
    assert res.get("delivered", True)
    entry = wait_for(lambda: reads.timeline(cid, "corp"), what="raw entry")
    assert entry[0]["entry"]["unknown"] is True
    assert entry[0]["entry"]["fields"]["Foo"] == "bar"
