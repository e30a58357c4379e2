"""Group labels on the local stack: admins label customer groups through the admin API (and the CLI), a
group SOP by ``targets.tags_any`` reaches exactly the groups carrying the label (its fixed-date step
planned by the tick with its clock ahead, as tests/integration/test_sops.py does, and handed to WeCom as
member tasks), and a group event and a full sync afterwards keep the labels, which WeCom never holds.
A group is shown with its members as the sync stored them (the admin API's role reads group_members).
The corp's groups are listed a page at a time (GET /admin/groups: by owner, then creation), with their labels.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from scrm import bootstrap
from scrm.adapters.dynamo import reads
from scrm.corps.api_key import Role
from scrm.kernel.china_time import CHINA

from tests.integration.cli_api import api_env
from tests.integration.test_admin_api import Admin, _synced_corp
from tests.integration.test_cli import run
from tests.integration.test_sops import _hhmm, _parts, _planner
from tests.support.syncing import sync_and_wait
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

TEXT = "门店群专享：本周到店有礼"


@pytest.fixture(scope="module")
def shop(stack, sandbox) -> dict[str, Any]:
    """A synced corp of two members and four customer groups; group sends' results answer at once."""
    corp = _synced_corp(stack, sandbox, employees=2, customers_per_employee=2, groups=4)
    cid = corp["corp_id"]
    sandbox.set_groupmsg_dispatch(cid, 0)
    keys = bootstrap.api_keys()
    return {
        "cid": cid,
        "chats": sorted(g["chat_id"] for g in sandbox.corp(cid)["groups"]),
        "admin": Admin(stack.admin_url, keys.create(cid, Role.ADMIN, "test")["key"]),
        "viewer": Admin(stack.admin_url, keys.create(cid, Role.VIEWER, "test")["key"]),
    }


def _day(ahead_s: float) -> str:
    return (datetime.now(CHINA) + timedelta(seconds=ahead_s)).strftime("%Y-%m-%d")


def test_a_group_sop_by_label_reaches_exactly_the_labelled_groups_and_labels_outlive_sync_and_events(
    sandbox, shop
):
    cid, chats, admin = shop["cid"], shop["chats"], shop["admin"]
    store_a, store_b, other, plain = chats
    r = admin("PUT", f"/admin/groups/{store_a}/tags", {"tags": [" 门店群 ", "VIP", "门店群"]})
    assert r.status_code == 200, r.text
    assert r.json()["chat_id"] == store_a and r.json()["tags"] == ["VIP", "门店群"]
    assert admin("PUT", f"/admin/groups/{store_b}/tags", {"tags": ["门店群"]}).status_code == 200
    assert admin("PUT", f"/admin/groups/{other}/tags", {"tags": ["VIP"]}).status_code == 200  # not the target
    shown = admin("GET", f"/admin/groups/{plain}").json()
    assert shown["tags"] == [] and shown["chat_id"] == plain and "owner_pk" not in shown

    r = admin("POST", "/admin/sops", {
        "kind": "group", "name": "门店群活动", "targets": {"tags_any": ["门店群"]},
        "steps": [{"id": "d", "date": _day(120), "at": _hhmm(120), "text": TEXT}]})  # fmt: skip
    assert r.status_code == 201, r.text
    sop_id = r.json()["sop_id"]
    _planner(240, cid).tick_corp(cid)
    [run_] = bootstrap.sop_repo().runs(cid, sop_id)
    send_id = run_["send_id"]
    wait_for(lambda: _parts(cid, send_id) and all(p.state == "created" for p in _parts(cid, send_id)),
             timeout_s=60, what="group tasks")  # fmt: skip
    msgs = [m for m in sandbox.groupmsgs(cid, "group")["groupmsgs"] if m["text"] == TEXT]
    reached = sorted(r["target"] for m in msgs for t in m["tasks"] for r in t["recipients"])
    assert reached == sorted([store_a, store_b])

    # A group event (renamed in WeCom) and a full sync rewrite the group, and keep its labels.
    sandbox.do(
        cid, f"groups/{store_a}/update", {"update_detail": "change_name", "name": "门店一群", "wait": True}
    )
    wait_for(lambda: reads.group(cid, store_a).get("name") == "门店一群", what="renamed")
    assert reads.group(cid, store_a)["tags"] == ["VIP", "门店群"]
    before = reads.group(cid, store_b)["synced_at_ms"]
    sync_and_wait(cid)
    assert reads.group(cid, store_b)["synced_at_ms"] > before  # the sync did write the group
    for chat, labels in ((store_a, ["VIP", "门店群"]), (store_b, ["门店群"]), (other, ["VIP"])):
        assert admin("GET", f"/admin/groups/{chat}").json()["tags"] == labels
    assert "tags" not in reads.group(cid, plain)


@pytest.mark.parametrize(
    "body",
    [{}, {"tags": "门店群"}, {"tags": [""]}, {"tags": ["x" * 31]}, {"tags": [f"t{i}" for i in range(21)]}],
)
def test_bad_labels_are_400_and_change_nothing(shop, body):
    chat = shop["chats"][3]
    r = shop["admin"]("PUT", f"/admin/groups/{chat}/tags", body)
    assert r.status_code == 400 and r.json()["field"] == "tags", r.text
    assert "tags" not in reads.group(shop["cid"], chat)


def test_an_unknown_group_is_404_and_a_viewer_may_read_but_not_label(shop):
    admin, viewer, chat = shop["admin"], shop["viewer"], shop["chats"][3]
    for method, body in (("GET", None), ("PUT", {"tags": ["门店群"]})):
        r = admin(method, "/admin/groups/wrNoSuchGroup/tags" if body else "/admin/groups/wrNoSuchGroup", body)
        assert r.status_code == 404 and r.json()["field"] == "chat_id", r.text
    assert reads.group(shop["cid"], "wrNoSuchGroup") is None  # the refused write made no item
    assert viewer("GET", f"/admin/groups/{chat}").status_code == 200
    assert viewer("PUT", f"/admin/groups/{chat}/tags", {"tags": ["门店群"]}).status_code == 403
    assert "tags" not in reads.group(shop["cid"], chat)


def test_the_cli_labels_and_shows_a_group(stack, shop, capsys, monkeypatch):
    cid, chat = shop["cid"], shop["chats"][3]
    _speak_for(monkeypatch, stack, cid)
    code, out, err = run(capsys, "groups", "tag", cid, chat, "--tags", "直播群, 门店群,直播群")
    assert code == 0, err
    assert out.strip() == f"{chat} labels: 直播群, 门店群"
    code, out, err = run(capsys, "groups", "show", cid, chat)
    assert code == 0, err
    assert out.splitlines()[0].startswith(chat) and out.splitlines()[2] == "labels: 直播群, 门店群"
    code, out, err = run(capsys, "groups", "tag", cid, chat, "--tags", "")
    assert (code, out.strip()) == (0, f"{chat} labels: (none)")
    code, out, err = run(capsys, "groups", "tag", cid, "wrNoSuchGroup", "--tags", "x")
    assert code == 1 and err.strip() == "scrm: no group wrNoSuchGroup"


def test_a_group_is_shown_with_its_members_as_stored(stack, sandbox, shop, capsys, monkeypatch):
    cid, chat = shop["cid"], shop["chats"][3]
    _speak_for(monkeypatch, stack, cid)
    [world] = [g for g in sandbox.corp(cid)["groups"] if g["chat_id"] == chat]
    shown = shop["viewer"]("GET", f"/admin/groups/{chat}").json()
    members = {m["member_id"]: m for m in shown["members"]}
    assert [m["member_id"] for m in shown["members"]] == sorted(members)  # by member_id
    assert sorted(members) == sorted(m["userid"] for m in world["member_list"])
    assert shown["member_count"] == len(members) >= 2
    assert members[world["owner"]]["type"] == "employee"
    for m in world["member_list"]:
        held = members[m["userid"]]
        assert (held["type"], held["status"]) == ("employee" if m["type"] == 1 else "customer", "member")
        assert (held["join_time"], held["join_scene"]) == (m["join_time"], m["join_scene"])
        assert held.get("invitor", "") == (m.get("invitor") or {}).get("userid", "")
        assert (held.get("group_nickname", ""), held.get("name", "")) == (m["group_nickname"], m["name"])
        assert not {"sk", "corp_id", "chat_id", "synced_at_ms"} & set(held)
    code, out, err = run(capsys, "groups", "show", cid, chat)
    assert code == 0, err
    header, *rows = out.splitlines()[4:]
    assert header.split() == ["MEMBER", "TYPE", "STATUS", "JOINED", "SCENE", "INVITOR", "NICKNAME", "NAME"]
    assert sorted(r.split()[0] for r in rows) == sorted(members)


def test_the_corps_groups_are_listed_a_page_at_a_time_with_their_labels(sandbox, shop):
    cid, chats, admin, viewer = shop["cid"], shop["chats"], shop["admin"], shop["viewer"]
    world = {g["chat_id"]: g for g in sandbox.corp(cid)["groups"]}
    assert admin("PUT", f"/admin/groups/{chats[1]}/tags", {"tags": ["列表", "VIP"]}).status_code == 200
    rows, cursor, pages = [], "", 0
    while True:
        r = viewer("GET", "/admin/groups", limit=3, cursor=cursor)
        assert r.status_code == 200, r.text
        rows += r.json()["items"]
        pages += 1
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert pages == 2 and sorted(r["chat_id"] for r in rows) == chats  # each group once
    assert [(r["owner"], r["create_time"]) for r in rows] == sorted((r["owner"], r["create_time"]) for r in rows)
    for row in rows:
        g = world[row["chat_id"]]
        assert (row["name"], row["owner"], row["member_count"]) == (g["name"], g["owner"], len(g["member_list"]))
        assert row["status"] == "active" and set(row) == {
            "chat_id", "name", "owner", "member_count", "create_time", "status", "tags"}
    assert next(r for r in rows if r["chat_id"] == chats[1])["tags"] == ["VIP", "列表"]
    owner = world[chats[0]]["owner"]
    mine = admin("GET", "/admin/groups", owner=owner).json()
    assert sorted(r["chat_id"] for r in mine["items"]) == sorted(c for c in chats if world[c]["owner"] == owner)
    for params, field in (({"cursor": "forged"}, "cursor"), ({"limit": 0}, "limit"), ({"limit": 201}, "limit"),
                          ({"chat_ids": chats[0], "owner": owner}, "chat_ids"), ({"name": "x" * 51}, "name")):  # fmt: skip
        r = admin("GET", "/admin/groups", **params)
        assert r.status_code == 400 and r.json()["field"] == field, r.text

    # A search in the names (the 群活码 picker), a page at a time; and names of groups by id (its list).
    named = world[chats[2]]["name"]
    part = named[1:4] if len(named) > 4 else named
    found, cursor = [], ""
    while True:
        page = viewer("GET", "/admin/groups", name=part, limit=1, cursor=cursor).json()
        found += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(r["chat_id"] for r in found) == sorted(c for c in chats if part in world[c]["name"])
    assert chats[2] in {r["chat_id"] for r in found}
    assert viewer("GET", "/admin/groups", name="没有这样的群名").json() == {"items": [], "next_cursor": ""}
    by_id = viewer("GET", "/admin/groups", chat_ids=f"{chats[1]},wrNOPE,{chats[0]}").json()
    assert [r["chat_id"] for r in by_id["items"]] == [chats[1], chats[0]] and by_id["items"][0]["tags"] == ["VIP", "列表"]


def _speak_for(monkeypatch: pytest.MonkeyPatch, stack: Any, corp_id: str) -> None:
    """``scrm`` goes through the admin API: an admin key of this corp, in the environment."""
    for name, value in api_env(stack, corp_id).items():
        monkeypatch.setenv(name, value)
