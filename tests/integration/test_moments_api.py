"""Moment tasks through the admin API against the session's stack and WeCom sandbox (issue 20): a task with two
image materials is checked, its images uploaded with media/upload_attachment and created once with
add_moment_task; a read finds WeCom's job done and keeps the moment_id and the senders WeCom could not take;
a repeat request returns the same task; bad input is a 400 naming the field and nothing reaches WeCom; a
cancel reaches WeCom once the moment exists."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest

from tests.integration.test_admin_api import Admin, _synced_corp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000 + b"IEND"


@pytest.fixture(scope="module")
def shop(stack, sandbox) -> dict[str, Any]:
    from scrm import bootstrap
    from scrm.corps.api_key import Role

    corp = _synced_corp(stack, sandbox, employees=3, customers_per_employee=2, groups=0)
    cid = corp["corp_id"]
    admin = Admin(stack.admin_url, bootstrap.api_keys().create(cid, Role.ADMIN, "moments")["key"])
    world = sandbox.corp(cid)
    images = [admin("POST", "/admin/materials", {"kind": "image", "title": f"海报{i}", "filename": f"p{i}.png",
                                                   "content": base64.b64encode(PNG).decode()}).json()["material_id"]
              for i in range(2)]  # fmt: skip
    script = admin("POST", "/admin/materials", {"kind": "text", "title": "文案", "text": "hi"}).json()["material_id"]
    tag = world["tag_groups"][0]["tag"][0]["id"]
    return {"cid": cid, "admin": admin, "images": images, "text_material": script, "tag": tag,
            "members": sorted(e["userid"] for e in world["employees"])}  # fmt: skip


def _calls(sandbox, cid: str, api: str) -> int:
    return len(sandbox.calls(cid, path=api))


def test_a_task_is_made_once_in_wecom_and_read_back_with_its_moment(stack, sandbox, shop):
    cid, admin = shop["cid"], shop["admin"]
    sandbox.set_moment_job_time(cid, 1)
    body = {"name": "秋季新品", "text": "秋季新品到店，欢迎选购", "images": shop["images"],
            "senders": shop["members"][:2], "tags": [shop["tag"]], "request_id": "autumn-1"}  # fmt: skip
    r = admin("POST", "/admin/moments", body)
    assert r.status_code == 201, r.text
    task = r.json()["moment"]
    assert task["state"] == "job" and task["jobid"]
    assert _calls(sandbox, cid, "media/upload_attachment") == 2
    assert _calls(sandbox, cid, "externalcontact/add_moment_task") == 1
    again = admin("POST", "/admin/moments", body)
    assert again.status_code == 200 and again.json()["moment"]["moment_task_id"] == task["moment_task_id"]
    assert _calls(sandbox, cid, "externalcontact/add_moment_task") == 1

    tid = task["moment_task_id"]
    sandbox.advance_clock(2)
    done = wait_for(lambda: (m := admin("GET", f"/admin/moments/{tid}").json())["state"] == "created" and m,
                    timeout_s=30, what="the job done")  # fmt: skip
    assert done["moment_id"] and done["invalid_senders"] == 0
    wecom = sandbox.moment(cid, done["moment_id"])
    assert wecom["text"] == body["text"] and wecom["tag_ids"] == [shop["tag"]]
    assert sorted(t["userid"] for t in wecom["tasks"]) == shop["members"][:2]
    assert [a["msgtype"] for a in wecom["attachments"]] == ["image", "image"]
    listed = admin("GET", "/admin/moments").json()["items"]
    assert listed[0]["moment_task_id"] == tid and listed[0]["spec"]["senders"] == 2

    r = admin("POST", f"/admin/moments/{tid}/cancel")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert _calls(sandbox, cid, "externalcontact/cancel_moment_task") == 1
    assert sandbox.moment(cid, done["moment_id"])["cancelled_at"]


@pytest.mark.parametrize("change, field", [
    ({"text": "字" * 2001}, "text"),
    ({"images": ["m"] * 10}, "images"),
    ({"link": {"title": "t", "url": "https://e.example/a", "cover": "x"}}, "link"),
    ({"images": ["mNoSuchMaterial"]}, "images[0]"),
    ({"senders": ["nobody"]}, "senders[0]"),
    ({"tags": ["etNoSuchTag"]}, "tags[0]"),
    ({"name": ""}, "name"),
    ({"colour": "red"}, "colour"),
])  # fmt: skip
def test_bad_input_is_a_400_naming_the_field_and_wecom_is_not_asked(sandbox, shop, change, field):
    cid, admin = shop["cid"], shop["admin"]
    before = (_calls(sandbox, cid, "externalcontact/add_moment_task"), _calls(sandbox, cid, "media/upload_attachment"))
    body = {"name": "坏请求", "text": "x", "images": shop["images"][:1], **change}
    r = admin("POST", "/admin/moments", body)
    assert r.status_code == 400, r.text
    assert r.json()["field"].startswith(field), r.json()
    assert (_calls(sandbox, cid, "externalcontact/add_moment_task"),
            _calls(sandbox, cid, "media/upload_attachment")) == before  # fmt: skip


def test_a_text_material_is_not_an_image_and_an_unknown_task_is_404(shop):
    admin = shop["admin"]
    r = admin("POST", "/admin/moments", {"name": "n", "images": [shop["text_material"]]})
    assert r.status_code == 400 and r.json()["field"] == "images[0]"
    assert admin("GET", "/admin/moments/mtNoSuchTask").status_code == 404


def test_results_say_who_posted_per_store_and_put_a_customers_like_and_comment_on_their_timeline(stack, sandbox,
                                                                                                   shop):  # fmt: skip
    """The minute job reads WeCom's results: one of two members posted, a customer it reached liked and
    commented; the progress says 1 of 2 (per member, per department, as CSV too) and the customer's
    timeline carries the like and the comment, once each however often the results are read."""
    from scrm import bootstrap

    cid, admin = shop["cid"], shop["admin"]
    poster, idle = shop["members"][:2]
    sandbox.set_moment_job_time(cid, 0)
    r = admin("POST", "/admin/moments", {"name": "周末到店", "text": "周末到店有礼", "senders": [poster, idle],
                                         "remind_after_hours": 1})  # fmt: skip
    assert r.status_code == 201, r.text
    tid = r.json()["moment"]["moment_task_id"]
    done = wait_for(lambda: (m := admin("GET", f"/admin/moments/{tid}").json())["state"] == "created" and m,
                    timeout_s=30, what="the job done")  # fmt: skip
    mid = done["moment_id"]
    post = sandbox.publish_moment(cid, mid, poster)
    reached = next(t for t in sandbox.moment(cid, mid)["tasks"] if t["userid"] == poster)["reached"]
    assert reached, post
    fan = reached[0]
    sandbox.like_moment(cid, mid, poster, external_userid=fan)
    sandbox.comment_moment(cid, mid, poster, "好看！", external_userid=fan)

    repo = bootstrap.moments().repo
    with stack.schedules_held():
        for _ in range(2):  # two passes: the second reads the same likes and writes nothing new
            while True:  # the next pass due now, the moment made two hours ago (the reminder's delay is over)
                m = repo.get(cid, tid)
                m.extra["results_at"], m.done_at = 0, min(m.done_at, int(time.time()) - 7200)
                if repo.save(cid, m):
                    break
            stack.run_job("advance_moments")
    p = admin("GET", f"/admin/moments/{tid}/progress").json()
    assert (p["members"], p["posted"], p["rate"], p["likes"], p["comments"]) == (2, 1, 0.5, 1, 1)
    assert p["reached"] == len(reached) and p["results_at"] > 0
    assert "by_member" not in p  # the members come a page at a time
    page = admin("GET", f"/admin/moments/{tid}/members", limit=1).json()
    rest = admin("GET", f"/admin/moments/{tid}/members", limit=1, cursor=page["next_cursor"]).json()
    assert rest["next_cursor"] == ""
    rows = {m["userid"]: m for m in page["items"] + rest["items"]}
    assert {u: m["published"] for u, m in rows.items()} == {poster: True, idle: False}
    chase = admin("GET", f"/admin/moments/{tid}/members", posted="no").json()
    assert [m["userid"] for m in chase["items"]] == [idle] and chase["next_cursor"] == ""
    bad = admin("GET", f"/admin/moments/{tid}/members", posted="maybe")
    assert bad.status_code == 400 and bad.json()["field"] == "posted", bad.text
    bad = admin("GET", f"/admin/moments/{tid}/members", posted="no", cursor=page["next_cursor"])
    assert bad.status_code == 400 and bad.json()["field"] == "cursor", bad.text
    assert sum(d["members"] for d in p["by_department"]) >= 2
    csv = admin("GET", f"/admin/moments/{tid}/progress", format="csv", by="department")
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").splitlines()[0] == "department,name,members,posted,rate"
    member_csv = admin("GET", f"/admin/moments/{tid}/progress", format="csv").text.lstrip("\ufeff").splitlines()
    assert member_csv[0] == "userid,published,visible,reached,likes,comments,reminded" and len(member_csv) == 3

    # The member who did not post got one app message (two passes), the one who did got none.
    cards = [m for m in sandbox.messages(cid) if "周末到店" in str(m.get("content"))]
    assert [m.get("touser") for m in cards] == [[idle]], cards
    rows = admin("GET", f"/admin/moments/{tid}/members").json()["items"]
    assert {m["userid"]: m["reminded"] for m in rows} == {poster: "", idle: "sent"}

    customer = admin("GET", f"/admin/customers/{fan}").json()
    kinds = [e.get("change_type") for e in customer["timeline"] if (e.get("entry") or {}).get("moment_id") == mid]
    assert sorted(kinds) == ["moment_comment", "moment_like"]


def test_a_scheduled_task_waits_and_the_minute_job_makes_it_when_due(stack, sandbox, shop):
    cid, admin = shop["cid"], shop["admin"]
    sandbox.set_moment_job_time(cid, 0)
    asked = _calls(sandbox, cid, "externalcontact/add_moment_task")
    due = int(time.time()) + 3
    r = admin("POST", "/admin/moments", {"name": "定时", "text": "三秒后发", "images": shop["images"][:1],
                                         "senders": shop["members"][:1], "schedule_at": due})  # fmt: skip
    assert r.status_code == 201 and r.json()["moment"]["state"] == "new", r.text
    tid = r.json()["moment"]["moment_task_id"]
    with stack.schedules_held():
        stack.run_job("advance_moments")
        if time.time() < due:  # not due yet: nothing made, nothing uploaded
            assert _calls(sandbox, cid, "externalcontact/add_moment_task") == asked
        time.sleep(max(0.0, due - time.time()) + 0.5)
        stack.run_job("advance_moments")  # the call
        stack.run_job("advance_moments")  # the job asked
    got = admin("GET", f"/admin/moments/{tid}").json()
    assert got["state"] == "created" and got["moment_id"]
    assert _calls(sandbox, cid, "externalcontact/add_moment_task") == asked + 1


def test_a_lone_surrogate_is_a_400_naming_the_field_not_a_failure_at_wecom(stack, sandbox, shop):
    """"\\ud800" is valid JSON but no text: refused where it arrives, before the inline WeCom call."""
    import requests

    cid, admin = shop["cid"], shop["admin"]
    before = _calls(sandbox, cid, "externalcontact/add_moment_task")
    raw = '{"name": "n", "text": "bad \\ud800 text"}'
    r = requests.post(f"{admin.base}/admin/moments", data=raw.encode(), timeout=30,
                      headers={"Authorization": f"Bearer {admin.key}", "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 400 and r.json()["field"] == "text", r.text
    assert _calls(sandbox, cid, "externalcontact/add_moment_task") == before


def test_refresh_reads_results_at_the_next_run_and_is_refused_before_the_moment_exists(stack, sandbox, shop):
    """POST …/refresh: a 409 in words while WeCom has not made the moment (and after a cancel), 404 for an
    unknown task; on a made task the job's next run reads WeCom's results at once (no 10-minute wait)."""
    cid, admin, poster = shop["cid"], shop["admin"], shop["members"][0]
    sandbox.set_moment_job_time(cid, 600)  # WeCom's job still running for the first reads
    r = admin("POST", "/admin/moments", {"name": "刷新", "text": "周末到店", "senders": [poster]})
    tid = r.json()["moment"]["moment_task_id"]
    refused = admin("POST", f"/admin/moments/{tid}/refresh")
    assert refused.status_code == 409 and "no results to read" in refused.json()["error"], refused.text
    assert admin("POST", "/admin/moments/mtnosuchtask00000/refresh").status_code == 404

    assert admin("POST", f"/admin/moments/{tid}/cancel").status_code == 200  # kept until WeCom's job is done

    sandbox.set_moment_job_time(cid, 0)
    r = admin("POST", "/admin/moments", {"name": "刷新2", "text": "周末到店", "senders": [poster]})
    tid = r.json()["moment"]["moment_task_id"]
    task = wait_for(lambda: (t := admin("GET", f"/admin/moments/{tid}").json())["state"] == "created" and t,
                    timeout_s=30)  # fmt: skip
    with stack.schedules_held():
        stack.run_job("advance_moments")  # the first results pass: nothing posted yet
        assert admin("GET", f"/admin/moments/{tid}/progress").json()["posted"] == 0
        sandbox.publish_moment(cid, task["moment_id"], poster)
        stack.run_job("advance_moments")  # within 10 minutes of the last pass: not read again
        assert admin("GET", f"/admin/moments/{tid}/progress").json()["posted"] == 0
        r = admin("POST", f"/admin/moments/{tid}/refresh")
        assert r.status_code == 202 and r.json()["moment_task_id"] == tid, r.text
        stack.run_job("advance_moments")
        assert admin("GET", f"/admin/moments/{tid}/progress").json()["posted"] == 1

    assert admin("POST", f"/admin/moments/{tid}/cancel").status_code == 200
    refused = admin("POST", f"/admin/moments/{tid}/refresh")
    assert refused.status_code == 409 and "cancelled" in refused.json()["error"], refused.text
