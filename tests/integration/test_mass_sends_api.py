"""Mass sends through the admin API against the session's stack and sandbox: a send to a tag filter is
planned on the mass-sends queue, one WeCom task per member is created, the members confirm in the sandbox,
the scheduled collector reads WeCom's results, and the progress shows each member's customers sent. A
repeat create returns the same send, bad input is a 400 naming the field, remind and cancel reach WeCom,
the quota setting round-trips; then ``scrm sends`` does the same from the command line."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests
from scrm import bootstrap
from scrm.corps.api_key import Role

from devstack import aws_calls
from tests.integration.cli_api import api_env
from tests.integration.test_admin_api import Admin, _synced_corp
from tests.integration.test_cli import run
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def shop(stack, sandbox) -> dict[str, Any]:
    """A synced corp of three members; two customers of each of two members carry a new tag."""
    corp = _synced_corp(stack, sandbox, employees=3, customers_per_employee=3, groups=0)
    cid = corp["corp_id"]
    sandbox.set_groupmsg_dispatch(cid, 0)
    admin = Admin(stack.admin_url, bootstrap.api_keys().create(cid, Role.ADMIN, "sends")["key"])
    world = sandbox.corp(cid)
    r = admin("POST", "/admin/tags", {"group_name": "群发", "tags": ["周末"]})  # a tag no seeded customer has
    assert r.status_code == 200, r.text
    tag = r.json()["tag_ids"][0]
    by_member: dict[str, list[str]] = {}
    for c in world["customers"]:
        by_member.setdefault(c["follow_users"][0]["userid"], []).append(c["external_userid"])
    members = sorted(by_member)[:2]
    tagged = {m: sorted(by_member[m])[:2] for m in members}
    for m, exts in tagged.items():
        for ext in exts:
            r = admin("POST", f"/admin/customers/{ext}/tags", {"userid": m, "add": [tag]})
            assert r.status_code == 200, r.text
    return {"cid": cid, "admin": admin, "tag": tag, "tagged": tagged,
            "customers": [c["external_userid"] for c in world["customers"]]}  # fmt: skip


def _tasks(sandbox, cid: str, text: str) -> list[dict[str, Any]]:
    return [m for m in sandbox.groupmsgs(cid, "single")["groupmsgs"] if m["text"] == text]


def test_a_send_to_a_tag_reaches_each_member_and_results_come_back(stack, sandbox, shop):
    cid, admin, tagged = shop["cid"], shop["admin"], shop["tagged"]
    body = {
        "name": "周末特惠",
        "text": "weekend offer",
        "recipients": {"filter": {"tags_all": [shop["tag"]]}},
    }
    # The count before sending: the planner's own, per member, and nothing reaches WeCom for asking.
    asked_before = len(sandbox.calls(cid, path="externalcontact/add_msg_template"))
    r = admin("POST", "/admin/mass-sends/preview", {"recipients": body["recipients"]})
    assert r.status_code == 200, r.text
    seen = r.json()
    assert (seen["recipients"], seen["parts"], seen["skipped"], seen["complete"]) == (4, 2, {}, True)
    assert {m["userid"]: m["recipients"] for m in seen["members"]} == {m: len(e) for m, e in tagged.items()}
    assert len(sandbox.calls(cid, path="externalcontact/add_msg_template")) == asked_before
    r = admin("POST", "/admin/mass-sends", body)
    assert r.status_code == 202, r.text
    send = r.json()["send"]
    again = admin("POST", "/admin/mass-sends", body)
    assert again.status_code == 200 and again.json() == {"created": False, "send": again.json()["send"]}
    assert again.json()["send"]["send_id"] == send["send_id"]
    sid = send["send_id"]

    # The worker plans it and creates one task per member, holding that member's tagged customers.
    wait_for(lambda: len(_tasks(sandbox, cid, "weekend offer")) == len(tagged), timeout_s=30, what="tasks")
    msgs = _tasks(sandbox, cid, "weekend offer")
    assert {
        m["sender"]: sorted(r["target"] for t in m["tasks"] for r in t["recipients"]) for m in msgs
    } == tagged
    # WeCom has the tasks; our part records follow as each call's answer is written.
    p = wait_for(lambda: (q := admin("GET", f"/admin/mass-sends/{sid}").json())["parts"] == {"created": 2} and q,
                 timeout_s=30, what="parts recorded")
    assert p["state"] == "planned" and p["parts"] == {"created": 2} and p["outcomes"]["pending"] == 4

    # Remind reaches WeCom once per unsent task.
    r = admin("POST", f"/admin/mass-sends/{sid}/remind")
    assert r.status_code == 200 and r.json()["reminded"] == 2
    assert all(len(m["reminders"]) == 1 for m in _tasks(sandbox, cid, "weekend offer"))

    # Only the first member confirms: the collector reads it; the other stays pending.
    first, second = sorted(tagged)
    sandbox.confirm_groupmsg(cid, next(m["msgid"] for m in msgs if m["sender"] == first), first)
    stack.run_job("collect_mass_send_results")

    def members() -> dict[str, tuple[int, int]]:
        got = admin("GET", f"/admin/mass-sends/{sid}").json()
        return {m["userid"]: (m["customers"], m["sent"]) for m in got["members"]}

    wait_for(lambda: members() == {first: (2, 2), second: (2, 0)}, timeout_s=30, what="first results")
    sandbox.confirm_groupmsg(cid, next(m["msgid"] for m in msgs if m["sender"] == second), second)
    stack.run_job("collect_mass_send_results")
    wait_for(lambda: members() == {first: (2, 2), second: (2, 2)}, timeout_s=30, what="second results")
    p = admin("GET", f"/admin/mass-sends/{sid}", items="1").json()
    assert p["completion_rate"] == 1.0 and p["outcomes"]["sent"] == 4
    assert sorted(i["external_userid"] for i in p["items"] if i["outcome"] == "sent") == sorted(
        e for exts in tagged.values() for e in exts
    )
    listed = admin("GET", "/admin/mass-sends").json()["items"]
    assert sid in [s["send_id"] for s in listed]
    _outcomes_are_named(stack, sandbox, shop, sid)


def _pages(admin: Admin, sid: str, limit: int) -> list[list[dict[str, Any]]]:
    pages, cursor = [], ""
    while True:
        r = admin("GET", f"/admin/mass-sends/{sid}", items="1", limit=str(limit), cursor=cursor)
        assert r.status_code == 200, r.text
        pages.append(r.json()["items"])
        cursor = r.json()["next_cursor"]
        if not cursor:
            return pages


def _outcomes_are_named(stack, sandbox, shop, sid: str) -> None:
    """Each outcome names its customer (as the sandbox corp holds them) and the sending member's remark,
    read a page at a time in one BatchGetItem of the customers (never one GetItem per customer); a
    customer the store no longer holds is known false, with its id only."""
    from scrm import resources
    from scrm.adapters.dynamo.models import CustomerItem, FollowItem

    cid, admin, tagged = shop["cid"], shop["admin"], shop["tagged"]
    sender = {e: m for m, exts in tagged.items() for e in exts}
    ext = sorted(sender)[0]
    member = sender[ext]
    r = admin("PUT", f"/admin/customers/{ext}/remark", {"userid": member, "remark": "老客户<b>"})
    assert r.status_code == 200, r.text
    names = {c["external_userid"]: c["name"] for c in sandbox.corp(cid)["customers"]}
    assert all(names[e] for e in sender)  # the sandbox's customers have names

    customers, follows = resources.table("customers").name, resources.table("follows").name
    before = stack.admin_stats()["aws_calls"]
    pages = _pages(admin, sid, 3)
    calls = aws_calls.delta(before, stack.admin_stats()["aws_calls"])
    assert [len(p) for p in pages] == [3, 1]
    # Per page one BatchGetItem of the customers and one of the senders' relations (BatchGetItem names no
    # table here), and no read of a single customer or relation.
    assert calls.get("dynamodb:BatchGetItem:") == 2 * len(pages), calls
    assert not [k for k in calls if k.endswith((f":{customers}", f":{follows}"))], calls
    items = {i["external_userid"]: i for p in pages for i in p}
    assert {e: (i["name"], i["userid"], i["known"], i["outcome"]) for e, i in items.items()} == {
        e: (names[e], sender[e], True, "sent") for e in sender}
    assert {e: i["remark"] for e, i in items.items() if i["remark"]} == {ext: "老客户<b>"}  # as typed, not markup

    # A customer we no longer store (neither the customer nor the relation): its id, and known false.
    gone = sorted(sender)[-1]
    kept = [CustomerItem.get(f"{cid}#{gone}"), FollowItem.get(f"{cid}#{gone}", sender[gone])]
    for item in kept:
        item.delete()
    try:
        items = {i["external_userid"]: i for p in _pages(admin, sid, 500) for i in p}
        assert (items[gone]["name"], items[gone]["remark"], items[gone]["known"]) == ("", "", False)
        assert items[gone]["outcome"] == "sent" and items[ext]["name"] == names[ext]
    finally:
        for item in kept:
            item.save()


def test_cancel_a_listed_send_and_the_quota_setting(stack, sandbox, shop):
    cid, admin = shop["cid"], shop["admin"]
    untagged = [e for e in shop["customers"] if e not in {x for v in shop["tagged"].values() for x in v}][:3]
    r = admin("POST", "/admin/mass-sends", {"name": "to cancel", "text": "cancel me",
                                           "recipients": {"external_userids": untagged}})  # fmt: skip
    assert r.status_code == 202, r.text
    sid = r.json()["send"]["send_id"]
    wait_for(lambda: admin("GET", f"/admin/mass-sends/{sid}").json()["parts"].get("created", 0) >= 1
             and not admin("GET", f"/admin/mass-sends/{sid}").json()["parts"].get("requested"),
             timeout_s=30, what="tasks created")  # fmt: skip
    r = admin("POST", f"/admin/mass-sends/{sid}/cancel")
    assert r.status_code == 200 and r.json()["state"] == "cancelled" and r.json()["cancelled_tasks"] >= 1
    assert all(m["cancelled_at"] for m in _tasks(sandbox, cid, "cancel me"))
    r = admin("POST", f"/admin/mass-sends/{sid}/remind")
    assert r.status_code == 409 and "was cancelled" in r.text

    assert admin("GET", "/admin/mass-send-quota").json() == {"msg_quota": "month_days"}
    assert admin("PUT", "/admin/mass-send-quota", {"msg_quota": "week_7"}).json() == {"msg_quota": "week_7"}
    assert admin("GET", "/admin/mass-send-quota").json() == {"msg_quota": "week_7"}
    admin("PUT", "/admin/mass-send-quota", {"msg_quota": "month_days"})


def test_remind_of_a_task_cancelled_in_wecom_is_a_conflict_naming_41093(stack, sandbox, shop):
    """The task is cancelled in WeCom behind our back (the admin console, another app): WeCom answers the
    reminder 41093 (群发任务已取消); the API says so instead of failing with a generic 502."""
    cid, admin = shop["cid"], shop["admin"]
    untagged = [e for e in shop["customers"] if e not in {x for v in shop["tagged"].values() for x in v}][:2]
    r = admin("POST", "/admin/mass-sends", {"name": "cancelled elsewhere", "text": "cancelled elsewhere",
                                           "recipients": {"external_userids": untagged}})  # fmt: skip
    assert r.status_code == 202, r.text
    sid = r.json()["send"]["send_id"]
    wait_for(lambda: (p := admin("GET", f"/admin/mass-sends/{sid}").json()["parts"]).get("created", 0) >= 1
             and not p.get("requested"), timeout_s=30, what="tasks created")  # fmt: skip
    world = sandbox.corp(cid)
    base = sandbox.base + "/cgi-bin/"
    token = requests.get(base + "gettoken", params={"corpid": cid, "corpsecret": world["secret"]}, timeout=10).json()
    for m in _tasks(sandbox, cid, "cancelled elsewhere"):
        res = requests.post(base + "externalcontact/cancel_groupmsg_send", params={"access_token": token["access_token"]},
                            json={"msgid": m["msgid"]}, timeout=10).json()  # fmt: skip
        assert res["errcode"] == 0
    r = admin("POST", f"/admin/mass-sends/{sid}/remind")
    assert r.status_code == 409 and "WeCom 41093" in r.text, r.text
    assert {c["errcode"] for c in sandbox.calls(cid, path="externalcontact/remind_groupmsg_send")} >= {41093}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/admin/mass-sends", {"text": "x", "recipients": {"filter": {}}}, "name"),
        ("POST", "/admin/mass-sends", {"name": "x", "text": "x", "recipients": {}}, "recipients"),
        (
            "POST",
            "/admin/mass-sends",
            {"name": "x", "text": "hi {name}", "recipients": {"filter": {}}},
            "text",
        ),
        (
            "POST",
            "/admin/mass-sends",
            {"name": "x", "text": "x", "recipients": {"filter": {"tags_all": "t"}}},
            "recipients.filter.tags_all",
        ),
        (
            "POST",
            "/admin/mass-sends",
            {"name": "x", "text": "x", "recipients": {"external_userids": [1]}},
            "recipients.external_userids[0]",
        ),
        ("POST", "/admin/mass-sends/preview", {"recipients": {}}, "recipients"),
        ("POST", "/admin/mass-sends/preview", {"recipients": {"filter": {"tags_any": [""]}}},
         "recipients.filter.tags_any[0]"),
        ("POST", "/admin/mass-sends/preview", {"name": "x", "recipients": {"filter": {}}}, "name"),
        ("PUT", "/admin/mass-send-quota", {"msg_quota": "hourly"}, "msg_quota"),
        ("PUT", "/admin/mass-send-quota", {}, "msg_quota"),
        ("GET", "/admin/mass-sends?limit=0", None, "limit"),
    ],
)
def test_bad_input_names_the_field(shop, method, path, body, field):
    r = shop["admin"](method, path, body)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field, r.json()


def test_an_unknown_send_is_404(shop):
    r = shop["admin"]("GET", "/admin/mass-sends/nope")
    assert r.status_code == 404 and r.json()["field"] == "send_id"


def test_cli_create_wait_list_show_remind_cancel_quota(stack, sandbox, shop, capsys, monkeypatch):
    cid, tagged = shop["cid"], shop["tagged"]
    _speak_for(monkeypatch, stack, cid)
    member = sorted(tagged)[0]
    code, out, err = run(capsys, "sends", "create", cid, "--name", "cli", "--text", "from the cli",
                         "--employees", member, "--tags-all", shop["tag"], "--wait", "--timeout", "30",
                         "--interval", "0.5")  # fmt: skip
    assert code == 0, err
    sid = out.split()[3]
    assert out.startswith(f"started mass send {sid}") and re.search(r"^tasks:\s+1/1 created", out, re.M)
    assert "[" in err and "planning" in err and "sending" in err  # the progress bar on stderr, phase by phase
    code, out, _ = run(capsys, "sends", "create", cid, "--name", "cli", "--text", "from the cli",
                       "--employees", member, "--tags-all", shop["tag"], "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["created"] is False and json.loads(out)["send"]["send_id"] == sid

    code, out, _ = run(capsys, "sends", "list", cid)
    assert code == 0 and out.splitlines()[0].split()[:3] == ["SEND", "NAME", "STATE"] and sid in out
    code, out, _ = run(capsys, "sends", "show", cid, sid, "--items")
    assert code == 0 and f"{member}" in out and "pending" in out
    assert re.search(r"^CUSTOMER\s+NAME\s+MEMBER\s+OUTCOME", out, re.M)
    code, shown, _ = run(capsys, "sends", "show", cid, sid, "--items", "--json")
    items = json.loads(shown)["items"]
    assert items and all(i["name"] for i in items)
    for i in items:  # each customer by name, with the member whose task holds it
        assert re.search(rf"^{i['external_userid']}\s+{re.escape(i['name'])}.*\s{member}\s+pending", out, re.M), out
    code, out, _ = run(capsys, "sends", "remind", cid, sid, "--json")
    assert code == 0 and json.loads(out) == {"send_id": sid, "reminded": 1}
    code, out, _ = run(capsys, "sends", "cancel", cid, sid)
    assert code == 0 and "cancelled mass send" in out and "1 task(s)" in out
    code, out, _ = run(capsys, "sends", "quota", cid, "--set", "day_1")
    assert code == 0 and out.startswith("msg_quota: day_1")
    run(capsys, "sends", "quota", cid, "--set", "month_days")

    code, _, err = run(capsys, "sends", "create", cid, "--name", "bad", "--text", "hi {name}")
    assert code == 1 and err.count("\n") == 1 and "(field: text)" in err
    code, _, err = run(capsys, "sends", "show", cid, "nope")
    assert code == 1 and "(field: send_id)" in err
    code, out, _ = run(capsys, "sends", "--help")
    assert code == 0 and "create" in out and "quota" in out


def _speak_for(monkeypatch: pytest.MonkeyPatch, stack: Any, corp_id: str) -> None:
    """``scrm`` goes through the admin API: an admin key of this corp, in the environment."""
    for name, value in api_env(stack, corp_id).items():
        monkeypatch.setenv(name, value)
