"""Channel and group live codes end to end: admin API → WeCom (sandbox) → a customer scans → encrypted
callback → welcome, tags, remark, statistics; plus bad input, WeCom failures and the staff switch."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from scrm import bootstrap
from scrm.adapters.dynamo import reads
from scrm.corps.api_key import Role

from tests.integration.test_admin_api import Admin, _synced_corp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

LINK = {"msgtype": "link", "link": {"title": "新客礼包", "url": "https://example.com/gift"}}


@pytest.fixture(scope="module")
def shop(stack, sandbox) -> dict[str, Any]:
    corp = _synced_corp(stack, sandbox, employees=5, customers_per_employee=1, tags=3, tag_groups=1, groups=2,
                        members_per_group=3)
    cid = corp["corp_id"]
    world = sandbox.corp(cid)
    key = bootstrap.api_keys().create(cid, Role.ADMIN, "t")
    return {
        "cid": cid,
        "admin": Admin(stack.admin_url, key["key"]),
        "staff": [e["userid"] for e in world["employees"]],
        "tags": [t["id"] for g in world["tag_groups"] for t in g["tag"]],
        "groups": [g["chat_id"] for g in world["groups"]],
    }


def _welcome_of(sandbox, cid: str, ext: str) -> dict[str, Any]:
    return wait_for(
        lambda: next((w for w in sandbox.welcomes(cid) if w["external_userid"] == ext and w.get("sent_at")), None),
        timeout_s=20,
        what="welcome sent",
    )


def _stats(admin: Admin, code_id: str) -> dict[str, Any]:
    r = admin("GET", f"/admin/channel-codes/{code_id}/stats")
    assert r.status_code == 200, r.text
    return r.json()


def test_a_scan_ends_in_welcome_tags_remark_and_statistics(sandbox, shop):
    admin, cid, staff, tags = shop["admin"], shop["cid"], shop["staff"], shop["tags"]
    r = admin("POST", "/admin/channel-codes", {
        "name": "门店海报", "group": "线下", "staff": staff[:2], "tags": tags[:2],
        "remark_template": "海报-{name}", "description_template": "来自门店海报",
        "welcome": {"text": "你好 {name}，欢迎光临", "attachments": [LINK]},
    })
    assert r.status_code == 201, r.text
    code = r.json()
    assert code["qr_code"].startswith("https://") and code["config_id"] and code["current_staff"] == staff[:2]

    scanned = sandbox.scan(cid, code["config_id"], name="韩梅梅")
    ext, uid = scanned["external_userid"], scanned["userid"]
    assert uid in staff[:2] and scanned["state"] == code["code_id"]

    welcome = _welcome_of(sandbox, cid, ext)
    assert welcome["text"] == "你好 韩梅梅，欢迎光临"
    assert welcome["attachments"] == [LINK]
    assert welcome["sent_at"] - welcome["callback_first_sent_at"] < 5

    # WeCom has the tags and the remark; so does our store (without a second read of WeCom).
    rel = wait_for(lambda: (f := reads.follow(cid, ext, uid)) and f.get("remark") == "海报-韩梅梅" and f,
                   what="remark stored")
    assert set(rel["tag_ids"]) >= set(tags[:2])
    assert rel["description"] == "来自门店海报" and rel["state"] == code["code_id"]
    world_rel = next(f for c in sandbox.corp(cid)["customers"] if c["external_userid"] == ext
                     for f in c["follow_users"] if f["userid"] == uid)
    assert world_rel["remark"] == "海报-韩梅梅" and set(tags[:2]) <= set(world_rel["tag_ids"])
    timeline = wait_for(lambda: reads.timeline(cid, f"customer:{ext}"), what="timeline")
    assert timeline[0]["entry"]["channel_name"] == "门店海报"

    stats = wait_for(lambda: (s := _stats(admin, code["code_id"]))["totals"]["adds"] == 1 and s, what="counted")
    assert stats["by_staff"] == [{"userid": uid, "adds": 1, "lost_by_customer": 0, "lost_by_employee": 0,
                                  "welcomes_missed": 0, "lost": 0, "net": 1}]
    r = admin("GET", f"/admin/channel-codes/{code['code_id']}/stats", format="csv", table="by_staff")
    assert r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows == [{"userid": uid, "adds": "1", "lost_by_customer": "0", "lost_by_employee": "0",
                     "welcomes_missed": "0", "lost": "0", "net": "1"}]

    # The same callback again (WeCom's retry) neither welcomes nor counts twice (the route keeps no de-dup
    # record: the copy reaches the welcome consumer, and WeCom refuses a second welcome with 41051); the
    # customer deleting the employee is counted as lost on the day they came.
    sandbox.resend(cid, scanned["callback_id"])
    sandbox.do(cid, "customers/del_by_customer", {"userid": uid, "external_userid": ext, "wait": True})
    stats = wait_for(lambda: (s := _stats(admin, code["code_id"]))["totals"]["lost_by_customer"] == 1 and s,
                     what="loss counted")
    assert stats["totals"]["adds"] == 1 and stats["totals"]["net"] == 0
    sends = [c for c in sandbox.calls(cid, path="externalcontact/send_welcome_msg")
             if c["body"]["welcome_code"] == welcome["welcome_code"]]
    assert [c["errcode"] for c in sends][:1] == [0] and all(c["errcode"] == 41051 for c in sends[1:])
    welcomed = [m for m in sandbox.messages(cid)
                if m["kind"] == "welcome" and m["welcome_code"] == welcome["welcome_code"]]
    assert len(welcomed) == 1


def test_round_robin_staff_with_a_daily_cap_hand_over_to_the_backup(sandbox, shop):
    admin, cid, staff = shop["admin"], shop["cid"], shop["staff"]
    code = admin("POST", "/admin/channel-codes", {
        "name": "限量", "staff": staff[:2], "backup": [staff[4]], "daily_cap": 1,
        "welcome": {"text": "hi"},
    }).json()
    gw = bootstrap.admin_gateways().for_corp(cid)
    first = sandbox.scan(cid, code["config_id"], wait=True)
    wait_for(lambda: gw.get_contact_way(code["config_id"])["user"] == [u for u in staff[:2] if u != first["userid"]],
             what="capped member switched out")
    sandbox.scan(cid, code["config_id"], wait=True)
    wait_for(lambda: gw.get_contact_way(code["config_id"])["user"] == [staff[4]], what="backup took over")
    stored = admin("GET", f"/admin/channel-codes/{code['code_id']}").json()
    assert stored["current_staff"] == [staff[4]]
    # The per-minute job agrees and changes nothing.
    assert bootstrap.code_staffing().refresh_corp(cid)["changed"] == 0


def test_the_staff_job_applies_the_schedule(sandbox, shop):
    """A code whose WeCom staff differs from what its slots say for now is corrected by the job."""
    admin, cid, staff = shop["admin"], shop["cid"], shop["staff"]
    every_day = [1, 2, 3, 4, 5, 6, 7]
    code = admin("POST", "/admin/channel-codes", {
        "name": "排班", "staff": [staff[0]],
        "schedule": [{"days": every_day, "start": "00:00", "end": "24:00", "staff": [staff[3]]}],
    }).json()
    assert code["current_staff"] == [staff[3]]
    gw = bootstrap.admin_gateways().for_corp(cid)
    gw.update_contact_way(code["config_id"], {"user": [staff[0]]})  # drift (someone edited it in WeCom)
    repo = bootstrap.live_code_repo()
    data, version = repo.get(cid, f"c#{code['code_id']}")
    repo.replace(cid, f"c#{code['code_id']}", {**data, "current_staff": [staff[0]]}, version)
    # (the stack's own per-minute job may get there first: either way the drift is repaired once)
    bootstrap.code_staffing().refresh_corp(cid)
    assert gw.get_contact_way(code["config_id"])["user"] == [staff[3]]
    assert admin("GET", f"/admin/channel-codes/{code['code_id']}").json()["current_staff"] == [staff[3]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "staff": ["nobody-here"]}, "staff"),
        ({"name": "x", "staff": [f"u{i}" for i in range(101)]}, "staff"),
        ({"name": "x", "staff": ["S0"], "state": "s" * 31}, "state"),
        ({"name": "x", "staff": ["S0"], "schedule": [
            {"days": [1], "start": "09:00", "end": "12:00", "staff": ["S0"]},
            {"days": [1, 2], "start": "11:00", "end": "13:00", "staff": ["S0"]}]}, "schedule[1]"),
        ({"name": "x", "staff": ["S0"], "welcome": {"text": "t", "attachments": [LINK] * 10}}, "welcome.attachments"),
        ({"name": "x", "staff": ["S0"], "welcome": {"attachments": [{"msgtype": "link", "link": {"url": "u"}}]}},
         "welcome.attachments[0].link.title"),
        ({"name": "x", "staff": ["S0"], "tags": ["no-such-tag"]}, "tags"),
        ({"staff": ["S0"]}, "name"),
        ({"name": "x", "staff": ["S0"], "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(shop, body, field):
    body = {**body, "staff": [shop["staff"][0] if u == "S0" else u for u in body.get("staff", [])]}
    for slot in body.get("schedule", []):
        slot["staff"] = [shop["staff"][0]]
    r = shop["admin"]("POST", "/admin/channel-codes", body)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field


def test_a_code_wecom_refuses_is_not_stored(sandbox, shop):
    admin, cid = shop["admin"], shop["cid"]
    sandbox.faults(cid, {"path": "externalcontact/add_contact_way", "errcode": 41054, "times": 1})
    r = admin("POST", "/admin/channel-codes", {"name": "refused", "state": "refused1", "staff": [shop["staff"][0]]})
    assert r.status_code == 400 and r.json()["field"] == "staff" and "41054" in r.json()["error"]
    assert admin("GET", "/admin/channel-codes/refused1").status_code == 404
    names = [c["name"] for c in admin("GET", "/admin/channel-codes", status="all").json()["items"]]
    assert "refused" not in names
    # and a viewer may not create codes at all
    viewer = bootstrap.api_keys().create(cid, Role.VIEWER, "v")
    r = Admin(admin.base, viewer["key"])("POST", "/admin/channel-codes", {"name": "v", "staff": [shop["staff"][0]]})
    assert r.status_code == 403


def test_update_list_group_search_and_delete(shop):
    admin, staff = shop["admin"], shop["staff"]
    code = admin("POST", "/admin/channel-codes", {"name": "公众号文章", "group": "线上", "staff": [staff[1]]}).json()
    r = admin("PUT", f"/admin/channel-codes/{code['code_id']}", {"staff": [staff[1], staff[2]], "skip_verify": False})
    assert r.status_code == 200 and r.json()["current_staff"] == [staff[1], staff[2]]
    assert admin("PUT", f"/admin/channel-codes/{code['code_id']}", {"state": "other"}).json()["field"] == "state"
    listed = admin("GET", "/admin/channel-codes", group="线上", q="文章").json()
    assert [c["code_id"] for c in listed["items"]] == [code["code_id"]] and "线上" in listed["groups"]
    assert admin("DELETE", f"/admin/channel-codes/{code['code_id']}").status_code == 200
    assert admin("GET", "/admin/channel-codes", group="线上").json()["items"] == []
    assert admin("GET", f"/admin/channel-codes/{code['code_id']}").json()["status"] == "deleted"
    assert admin("PUT", f"/admin/channel-codes/{code['code_id']}", {"name": "again"}).status_code == 404


def test_default_welcome_and_welcome_retries(sandbox, shop):
    admin, cid, uid = shop["admin"], shop["cid"], shop["staff"][2]
    assert admin("PUT", "/admin/welcome-default", {"welcome": {"text": "欢迎 {name}"}}).status_code == 200
    sandbox.faults(cid, {"path": "externalcontact/send_welcome_msg", "errcode": 41096, "times": 2})
    ext = sandbox.do(cid, "customers/add", {"userid": uid, "name": "李雷"})["external_userid"]
    welcome = _welcome_of(sandbox, cid, ext)
    assert welcome["text"] == "欢迎 李雷"
    assert [a["errcode"] for a in welcome["attempts"]] == [41096, 41096, 0]


def test_an_expired_welcome_code_is_counted_as_missed(sandbox, shop):
    admin, cid, staff = shop["admin"], shop["cid"], shop["staff"]
    code = admin("POST", "/admin/channel-codes", {"name": "过期", "staff": [staff[0]], "welcome": {"text": "hi"}}).json()
    sandbox.faults(cid, {"path": "externalcontact/send_welcome_msg", "errcode": 41050, "times": 1})
    sandbox.scan(cid, code["config_id"])
    # The welcome path and the event path run apart: wait for both the missed welcome and the add.
    stats = wait_for(lambda: (s := _stats(admin, code["code_id"]))["totals"]["welcomes_missed"] == 1
                     and s["totals"]["adds"] == 1 and s, what="missed welcome and the add counted")
    assert stats["totals"]["adds"] == 1


def test_group_code_moves_on_when_a_group_reaches_its_threshold(sandbox, shop):
    admin, cid, groups = shop["admin"], shop["cid"], shop["groups"]
    first_size = len(reads.group(cid, groups[0])["members"])
    r = admin("POST", "/admin/group-codes", {
        "name": "VIP 群", "chat_ids": groups[:2], "threshold": first_size + 1, "welcome": {"text": "欢迎 {name} 入群"},
    })
    assert r.status_code == 201, r.text
    code = r.json()
    assert code["qr_code"] and code["welcome_template_id"] and code["active_chats"] == groups[:2]
    joined = sandbox.join_scan(cid, code["config_id"], wait=True)
    assert joined["chat_id"] == groups[0]
    wait_for(lambda: admin("GET", f"/admin/group-codes/{code['code_id']}").json()["active_chats"] == [groups[1]],
             what="group code moved on")
    assert bootstrap.admin_gateways().for_corp(cid).get_join_way(code["config_id"])["chat_id_list"] == [groups[1]]
    assert sandbox.join_scan(cid, code["config_id"], wait=True)["chat_id"] == groups[1]
    bad = admin("POST", "/admin/group-codes", {"name": "x", "chat_ids": [groups[0], "wrNOPE"]})
    assert bad.status_code == 400 and bad.json()["field"] == "chat_ids"
    too_many = admin("POST", "/admin/group-codes", {"name": "x", "chat_ids": [f"wr{i}" for i in range(6)]})
    assert too_many.status_code == 400 and too_many.json()["field"] == "chat_ids"
    assert admin("DELETE", f"/admin/group-codes/{code['code_id']}").status_code == 200


def test_a_tag_deleted_in_wecom_after_the_code_was_saved_does_not_block_the_arrival(sandbox, shop):
    admin, cid, staff, tags = shop["admin"], shop["cid"], shop["staff"], shop["tags"]
    code = admin("POST", "/admin/channel-codes", {
        "name": "旧标签", "staff": [staff[3]], "tags": [tags[2]], "remark_template": "旧-{name}",
        "welcome": {"text": "hi"},
    }).json()
    sandbox.do(cid, "tags/delete", {"id": tags[2], "callback": False})  # WeCom now answers 40068 for it
    ext = sandbox.scan(cid, code["config_id"], name="李雷")["external_userid"]
    _welcome_of(sandbox, cid, ext)
    rel = wait_for(lambda: (f := reads.follow(cid, ext, staff[3])) and f.get("remark") == "旧-李雷" and f,
                   what="the remark stored although the tag was refused")
    assert tags[2] not in (rel.get("tag_ids") or [])
    wait_for(lambda: _stats(admin, code["code_id"])["totals"]["adds"] == 1, what="the add counted")


def test_a_member_who_leaves_the_company_is_taken_off_the_code(sandbox, shop):
    admin, cid, staff = shop["admin"], shop["cid"], shop["staff"]
    code = admin("POST", "/admin/channel-codes", {"name": "离职", "staff": [staff[4], staff[1]]}).json()
    sandbox.do(cid, "users/delete", {"userid": staff[4]})
    wait_for(lambda: admin("GET", f"/admin/channel-codes/{code['code_id']}").json()["staff"] == [staff[1]],
             what="the member taken off the code")
    gw = bootstrap.admin_gateways().for_corp(cid)
    wait_for(lambda: gw.get_contact_way(code["config_id"])["user"] == [staff[1]], what="WeCom's staff list")
