"""SOPs and group mass sends through the admin API against the session's stack and sandbox: a SOP is
created, listed, read, edited (step ids stay put), paused, resumed and deleted; bad input is a 400 naming
the field; a viewer key cannot change one and another corp's key cannot see one; a group SOP planned by
the tick shows its run and its owners in /progress; and a mass send to customer groups becomes one
group task per owner in WeCom."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from scrm import bootstrap
from scrm.corps.api_key import Role
from scrm.kernel.china_time import CHINA

from tests.conftest import new_corp
from tests.integration.test_admin_api import Admin, _synced_corp
from tests.integration.test_sops import _planner
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

STEP = {"after_added_days": 1, "at": "10:00", "text": "{name}，欢迎"}


@pytest.fixture(scope="module")
def shop(stack, sandbox) -> dict[str, Any]:
    """A synced corp of two members and three customer groups, its admin and viewer keys, and another
    corp's admin key."""
    corp = _synced_corp(stack, sandbox, employees=2, customers_per_employee=2, groups=3)
    cid = corp["corp_id"]
    sandbox.set_groupmsg_dispatch(cid, 0)
    other = new_corp(stack, sandbox)
    keys = bootstrap.api_keys()
    world = sandbox.corp(cid)
    return {
        "cid": cid,
        "admin": Admin(stack.admin_url, keys.create(cid, Role.ADMIN, "sops")["key"]),
        "viewer": Admin(stack.admin_url, keys.create(cid, Role.VIEWER, "sops")["key"]),
        "other": Admin(stack.admin_url, keys.create(other["corp_id"], Role.ADMIN, "sops")["key"]),
        "employees": sorted(e["userid"] for e in world["employees"]),
        "groups": world["groups"],
    }


def _create(admin: Admin, body: dict[str, Any]) -> dict[str, Any]:
    r = admin("POST", "/admin/sops", body)
    assert r.status_code == 201, r.text
    return r.json()


def test_create_list_get_edit_pause_resume_delete(shop):
    admin, member = shop["admin"], shop["employees"][0]
    sop = _create(admin, {"name": "新客关怀", "targets": {"employees": [member]},
                          "steps": [STEP, {"weekly": [1, 5], "at": "09:30", "text": "本周活动"}]})  # fmt: skip
    sid = sop["sop_id"]
    assert (sop["kind"], sop["name"], sop["status"]) == ("customer", "新客关怀", "active")
    assert [s["id"] for s in sop["steps"]] == ["s1", "s2"] and sop["targets"]["employees"] == [member]
    assert sop["steps"][1] == {
        "id": "s2",
        "weekly": [1, 5],
        "at": "09:30",
        "text": "本周活动",
        "attachments": [],
    }
    group = _create(admin, {"kind": "group", "name": "群周报", "targets": {"name_contains": "群"},
                            "steps": [{"date": "2030-01-01", "at": "09:00", "text": "新年快乐"}]})  # fmt: skip
    assert group["kind"] == "group" and group["targets"]["name_contains"] == "群"

    listed = admin("GET", "/admin/sops").json()["items"]
    assert {sid, group["sop_id"]} <= {s["sop_id"] for s in listed}
    assert [s["sop_id"] for s in admin("GET", "/admin/sops", kind="group").json()["items"]] == [
        group["sop_id"]
    ]
    assert sid in {s["sop_id"] for s in admin("GET", "/admin/sops", kind="customer").json()["items"]}
    assert admin("GET", f"/admin/sops/{sid}").json() == sop

    # A partial edit: the name and the steps change, the targets stay; s1 is kept by id, s2 is dropped,
    # and the new step gets an id the SOP never used (not s2, whose due customers were s2's).
    r = admin("PATCH", f"/admin/sops/{sid}", {"name": "新客关怀 v2", "steps": [
        {**STEP, "id": "s1", "after_added_days": 2}, {"after_added_days": 7, "at": "20:00", "text": "一周了"}]})  # fmt: skip
    assert r.status_code == 200, r.text
    edited = r.json()
    assert edited["name"] == "新客关怀 v2" and edited["targets"] == sop["targets"]
    assert [(s["id"], s["after_added_days"]) for s in edited["steps"]] == [("s1", 2), ("s3", 7)]
    assert edited["updated_at"] >= sop["updated_at"] and edited["created_at"] == sop["created_at"]

    r = admin("POST", f"/admin/sops/{sid}/pause")
    assert r.status_code == 200 and r.json()["status"] == "paused"
    assert admin("GET", f"/admin/sops/{sid}").json()["status"] == "paused"
    r = admin("POST", f"/admin/sops/{sid}/resume")
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert admin("PATCH", f"/admin/sops/{sid}", {"status": "paused"}).json()["status"] == "paused"

    progress = admin("GET", f"/admin/sops/{sid}/progress").json()
    assert progress == {"sop_id": sid, "name": "新客关怀 v2", "runs": [], "recipients": 0, "sent": 0,
                        "completion_rate": 0.0, "members": []}  # fmt: skip

    r = admin("DELETE", f"/admin/sops/{sid}")
    assert r.status_code == 200 and r.json() == {"sop_id": sid, "deleted": True}
    for method, path in (("GET", f"/admin/sops/{sid}"), ("DELETE", f"/admin/sops/{sid}"),
                         ("PATCH", f"/admin/sops/{sid}"), ("POST", f"/admin/sops/{sid}/resume"),
                         ("GET", f"/admin/sops/{sid}/progress")):  # fmt: skip
        r = admin(method, path, {"name": "x"} if method == "PATCH" else None)
        assert r.status_code == 404 and r.json()["field"] == "sop_id", (method, path, r.text)
    assert sid not in {s["sop_id"] for s in admin("GET", "/admin/sops").json()["items"]}
    admin("DELETE", f"/admin/sops/{group['sop_id']}")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "steps": [{**STEP, "at": "25:00"}]}, "steps[0].at"),
        ({"name": "x", "steps": [{"after_added_days": 1, "text": "x"}]}, "steps[0].at"),
        ({"name": "x", "targets": {"employees": ["nobody-here"]}, "steps": [STEP]}, "targets.employees"),
        ({"name": "x", "targets": {"tags_all": ["etNoSuchTag"]}, "steps": [STEP]}, "targets.tags_all"),
        (
            {
                "kind": "group",
                "name": "x",
                "targets": {"owners": ["nobody-here"]},
                "steps": [{"date": "2030-01-01", "at": "09:00", "text": "x"}],
            },
            "targets.owners",
        ),
        ({"kind": "group", "name": "x", "steps": [STEP]}, "steps[0].after_added_days"),
        (
            {"kind": "group", "name": "x", "steps": [{"weekly": [1], "at": "09:00", "text": "hi {name}"}]},
            "steps[0].text",
        ),
        ({"name": "x", "steps": [{"weekly": [0], "at": "09:00", "text": "x"}]}, "steps[0].weekly[0]"),
        ({"name": "x", "steps": [{"weekly": [], "at": "09:00", "text": "x"}]}, "steps[0].weekly"),
        ({"name": "x", "steps": [{"date": "2030-02-30", "at": "09:00", "text": "x"}]}, "steps[0].date"),
        ({"name": "x", "steps": [{**STEP, "id": "a"}, {**STEP, "id": "a"}]}, "steps[1].id"),
        ({"name": "x", "steps": []}, "steps"),
        ({"name": "x"}, "steps"),
        ({"steps": [STEP]}, "name"),
        ({"kind": "team", "name": "x", "steps": [STEP]}, "kind"),
        ({"name": "x", "status": "stopped", "steps": [STEP]}, "status"),
        ({"name": "x", "steps": [STEP], "owner": "me"}, "owner"),
    ],
)
def test_bad_input_names_the_field(shop, body, field):
    r = shop["admin"]("POST", "/admin/sops", body)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field, r.json()


def test_bad_edits_and_queries_name_the_field(shop):
    admin = shop["admin"]
    sid = _create(admin, {"name": "edits", "steps": [STEP], "status": "paused"})["sop_id"]
    for body, field in (
        ({"kind": "group"}, "kind"),
        ({"status": "stopped"}, "status"),
        ({"steps": [{"after_created_days": 1, "at": "09:00", "text": "x"}]}, "steps[0].after_created_days"),
        ({"targets": {"employees": ["nobody-here"]}}, "targets.employees"),
    ):
        r = admin("PATCH", f"/admin/sops/{sid}", body)
        assert r.status_code == 400 and r.json()["field"] == field, (body, r.text)
    assert admin("GET", f"/admin/sops/{sid}").json()["steps"][0]["after_added_days"] == 1  # unchanged
    for path, params, field in (("/admin/sops", {"kind": "team"}, "kind"),
                                (f"/admin/sops/{sid}/progress", {"limit": "0"}, "limit"),
                                (f"/admin/sops/{sid}/progress", {"limit": "101"}, "limit")):  # fmt: skip
        r = admin("GET", path, **params)
        assert r.status_code == 400 and r.json()["field"] == field, (path, r.text)
    r = admin("GET", "/admin/sops/nope")
    assert r.status_code == 404 and r.json()["field"] == "sop_id"
    admin("DELETE", f"/admin/sops/{sid}")


def test_a_viewer_reads_but_cannot_write_and_another_corp_sees_nothing(shop):
    admin, viewer, other = shop["admin"], shop["viewer"], shop["other"]
    sop = _create(admin, {"name": "guarded", "steps": [STEP], "status": "paused"})
    sid = sop["sop_id"]
    assert viewer("GET", f"/admin/sops/{sid}").json() == sop
    assert sid in {s["sop_id"] for s in viewer("GET", "/admin/sops").json()["items"]}
    assert viewer("GET", f"/admin/sops/{sid}/progress").status_code == 200
    writes = (("POST", "/admin/sops", {"name": "v", "steps": [STEP]}), ("PATCH", f"/admin/sops/{sid}", {"name": "v"}),
              ("DELETE", f"/admin/sops/{sid}", None), ("POST", f"/admin/sops/{sid}/pause", None),
              ("POST", f"/admin/sops/{sid}/resume", None))  # fmt: skip
    for method, path, body in writes:
        r = viewer(method, path, body)
        assert r.status_code == 403, (method, path, r.text)

    assert sid not in {s["sop_id"] for s in other("GET", "/admin/sops").json()["items"]}
    for method, path, body in (("GET", f"/admin/sops/{sid}", None), ("GET", f"/admin/sops/{sid}/progress", None),
                               *writes[1:]):  # fmt: skip
        r = other(method, path, body)
        assert r.status_code == 404 and r.json()["field"] == "sop_id", (method, path, r.text)
    assert admin("GET", f"/admin/sops/{sid}").json() == sop  # neither changed it
    admin("DELETE", f"/admin/sops/{sid}")


def _group_tasks(sandbox, cid: str, text: str) -> dict[str, set[str]]:
    """owner → the chat ids of the group tasks with this text, as WeCom (the sandbox) holds them."""
    out: dict[str, set[str]] = {}
    for m in sandbox.groupmsgs(cid, "group")["groupmsgs"]:
        if m["text"] == text:
            out.setdefault(m["sender"], set()).update(
                r["target"] for t in m["tasks"] for r in t["recipients"]
            )
    return out


def _by_owner(groups: list[dict[str, Any]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for g in groups:
        out.setdefault(g["owner"], set()).add(g["chat_id"])
    return out


def test_a_group_sop_run_shows_in_progress_by_owner(stack, sandbox, shop):
    """The step falls due two minutes from now; the tick runs as it will four minutes from now."""
    cid, admin = shop["cid"], shop["admin"]
    due = datetime.now(CHINA) + timedelta(seconds=120)  # one moment for the date and the time (midnight)
    day, at = due.strftime("%Y-%m-%d"), due.strftime("%H:%M")
    sop = _create(admin, {"kind": "group", "name": "群 SOP", "targets": {},
                          "steps": [{"id": "d", "date": day, "at": at, "text": "群 SOP 消息"}]})  # fmt: skip
    _planner(240, cid).tick_corp(cid)
    expect = _by_owner(shop["groups"])
    wait_for(lambda: _group_tasks(sandbox, cid, "群 SOP 消息") == expect, timeout_s=60, what="group tasks")
    r = admin("GET", f"/admin/sops/{sop['sop_id']}/progress", limit="5")
    assert r.status_code == 200, r.text
    p = r.json()
    assert [(run["step_id"], run["state"], run["recipients"]) for run in p["runs"]] == [
        ("d", "planned", len(shop["groups"]))
    ]
    assert p["recipients"] == len(shop["groups"]) and p["sent"] == 0
    assert {m["userid"]: m["recipients"] for m in p["members"]} == {o: len(c) for o, c in expect.items()}
    admin("DELETE", f"/admin/sops/{sop['sop_id']}")


def test_a_mass_send_to_groups_is_one_group_task_per_owner(sandbox, shop):
    cid, admin, groups = shop["cid"], shop["admin"], shop["groups"]
    r = admin(
        "POST", "/admin/mass-sends", {"name": "群公告", "text": "全部群公告", "recipients": {"groups": {}}}
    )
    assert r.status_code == 202, r.text
    send = r.json()["send"]
    assert send["spec"]["recipients"] == {"groups": {}}
    expect = _by_owner(groups)
    wait_for(lambda: _group_tasks(sandbox, cid, "全部群公告") == expect, timeout_s=60, what="group tasks")
    sid = send["send_id"]
    p = wait_for(lambda: (q := admin("GET", f"/admin/mass-sends/{sid}").json())["parts"] == {"created": len(expect)}
                 and q, timeout_s=30, what="parts recorded")  # fmt: skip
    assert p["recipients"] == len(groups) and p["outcomes"]["pending"] == len(groups)

    # By chat id, and by owner: only the groups named, only the owner's groups.
    one = groups[0]
    r = admin("POST", "/admin/mass-sends", {"name": "一个群", "text": "一个群公告",
                                           "recipients": {"chat_ids": [one["chat_id"]]}})  # fmt: skip
    assert r.status_code == 202, r.text
    wait_for(lambda: _group_tasks(sandbox, cid, "一个群公告") == {one["owner"]: {one["chat_id"]}}, timeout_s=60,
             what="one group task")  # fmt: skip
    owner = one["owner"]
    r = admin("POST", "/admin/mass-sends", {"name": "群主", "text": "群主的群",
                                           "recipients": {"groups": {"owners": [owner]}}})  # fmt: skip
    assert r.status_code == 202, r.text
    wait_for(lambda: _group_tasks(sandbox, cid, "群主的群") == {owner: expect[owner]}, timeout_s=60,
             what="the owner's group task")  # fmt: skip

    for recipients, field in (({"groups": {"owner": "x"}}, "recipients.groups.owner"),
                              ({"chat_ids": []}, "recipients.chat_ids"),
                              ({"groups": {}, "chat_ids": ["c"]}, "recipients")):  # fmt: skip
        r = admin("POST", "/admin/mass-sends", {"name": "bad", "text": "x", "recipients": recipients})
        assert r.status_code == 400 and r.json()["field"] == field, (recipients, r.text)
