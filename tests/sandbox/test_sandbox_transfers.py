"""Customer handover (在职继承 / 离职继承): per-customer codes, 24 h completion on the world clock,
refusal and taker-at-limit, resigned transfers and the unassigned list.

These tests move the clock, so each runs on a sandbox of its own (the `isolated` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
import xmltodict

DAY = 86_400


@pytest.fixture
def world(isolated) -> tuple[Any, Any, list[str], dict[str, list[str]]]:
    corp = isolated.make_corp(
        token_expires_in=365 * DAY,
        seed={"employees": 3, "customers_per_employee": 3, "groups": 0, "seed": 7},
    )
    users = [u["userid"] for u in corp.api.get("user/simplelist", department_id=1)["userlist"]]
    custs = {u: corp.api.get("externalcontact/list", userid=u)["external_userid"] for u in users}
    return isolated.ctl, corp, users, custs


def _events(receiver, corp, n: int) -> list[dict[str, Any]]:
    posts = receiver.wait_posts(corp.id, n)
    return [xmltodict.parse(receiver.decrypt(p, corp.id))["xml"] for p in posts]


def _start(corp, a: str, b: str, exts: list[str], path: str = "externalcontact/transfer_customer") -> dict:
    return corp.api.post(path, {"handover_userid": a, "takeover_userid": b, "external_userid": exts})


def _result(corp, a: str, b: str, path: str = "externalcontact/transfer_result") -> dict[str, int]:
    res = corp.api.post(path, {"handover_userid": a, "takeover_userid": b})
    assert res["errcode"] == 0, res
    return {c["external_userid"]: c["status"] for c in res["customer"]}


def test_onjob_transfer_per_customer_codes(world) -> None:
    _, corp, (a, b, _c), custs = world
    first, second = custs[a][0], custs[a][1]
    res = _start(corp, a, b, [first, custs[b][0], "wmNoSuchCustomer00", "not-an-id"])
    assert res["errcode"] == 0
    # 40131: the handover member does not follow that customer (92125 / 90313), not 84061; 40096 for an
    # id the corp does not know, well-formed or not.
    assert [c["errcode"] for c in res["customer"]] == [0, 40131, 40096, 40096]
    assert _start(corp, a, b, [first])["customer"][0]["errcode"] == 40129
    assert _start(corp, a, a, [second])["customer"][0]["errcode"] == 40130
    assert _start(corp, a, b, [first] * 101)["errcode"] == 40058
    assert _start(corp, a, b, [])["errcode"] == 40058
    long_msg = {
        "handover_userid": a,
        "takeover_userid": b,
        "external_userid": [second],
        "transfer_success_msg": "x" * 201,
    }
    assert corp.api.post("externalcontact/transfer_customer", long_msg)["errcode"] == 40058
    assert _start(corp, a, "nobody", [second])["errcode"] == 60111
    assert _result(corp, a, b) == {first: 2}


def test_onjob_transfer_completes_after_24h(world, receiver) -> None:
    ctl, corp, (a, b, _c), custs = world
    ext = custs[a][0]
    assert _start(corp, a, b, [ext])["customer"][0]["errcode"] == 0
    res = corp.api.post("externalcontact/transfer_result", {"handover_userid": a, "takeover_userid": b})
    [item] = res["customer"]
    assert item["status"] == 2 and res["next_cursor"] == ""
    ctl.post("/clock/advance", {"seconds": DAY - 60})
    assert _result(corp, a, b) == {ext: 2}
    ctl.post("/clock/advance", {"seconds": 61})
    assert _result(corp, a, b) == {ext: 1}
    follow = corp.api.get("externalcontact/get", external_userid=ext)["follow_user"]
    assert [f["userid"] for f in follow] == [b]
    evts = _events(receiver, corp, 2)
    # deliveries run in parallel, so their arrival order is not fixed
    assert sorted((e["ChangeType"], e["UserID"], e.get("Source") or "") for e in evts) == [
        ("add_external_contact", b, ""),
        ("del_external_contact", a, "DELETE_BY_TRANSFER"),
    ]
    assert {int(e["CreateTime"]) for e in evts} == {item["takeover_time"]}


def test_no_add_event_when_taker_already_friends(world, receiver) -> None:
    ctl, corp, (a, b, _c), custs = world
    ext = custs[a][0]
    corp.c("/customers/add", {"userid": b, "external_userid": ext, "callback": False})
    assert _start(corp, a, b, [ext])["customer"][0]["errcode"] == 0
    ctl.post("/clock/advance", {"seconds": DAY})
    ctl.get("/clock")  # a control call settles due transfers too
    evts = _events(receiver, corp, 1)
    assert [e["ChangeType"] for e in evts] == ["del_external_contact"]
    assert [t["status"] for t in corp.cget("/transfers")["transfers"]] == [1]


def test_two_transfers_per_90_days(world) -> None:
    ctl, corp, (a, b, c), custs = world
    ext = custs[a][0]
    for giver, taker in ((a, b), (b, c)):
        assert _start(corp, giver, taker, [ext])["customer"][0]["errcode"] == 0
        ctl.post("/clock/advance", {"seconds": DAY})
    assert _start(corp, c, a, [ext])["customer"][0]["errcode"] == 40128
    ctl.post("/clock/advance", {"seconds": 89 * DAY})
    assert _start(corp, c, a, [ext])["customer"][0]["errcode"] == 0


def test_the_90_day_rule_does_not_refuse_a_resigned_transfer(world) -> None:
    """40128 is 在职继承's rule (92125): a customer transferred twice on the job can still be inherited
    from a member who left (94081 has no such rule)."""
    ctl, corp, (a, b, c), custs = world
    ext = custs[a][0]
    for giver, taker in ((a, b), (b, c)):
        assert _start(corp, giver, taker, [ext])["customer"][0]["errcode"] == 0
        ctl.post("/clock/advance", {"seconds": DAY})
    assert _start(corp, c, a, [ext])["customer"][0]["errcode"] == 40128
    corp.c("/users/delete", {"userid": c, "callback": False})
    res = _start(corp, c, a, [ext], "externalcontact/resigned/transfer_customer")
    assert [x["errcode"] for x in res["customer"]] == [0]


def test_customer_refuses(world, receiver) -> None:
    ctl, corp, (a, b, _c), custs = world
    ext = custs[a][0]
    _start(corp, a, b, [ext])
    corp.c("/transfers/refuse", {"external_userid": ext, "takeover_userid": b})
    assert corp.c("/transfers/refuse", {"external_userid": ext}, expect=409)["error"]
    [evt] = _events(receiver, corp, 1)
    assert (evt["ChangeType"], evt["FailReason"], evt["UserID"]) == ("transfer_fail", "customer_refused", b)
    ctl.post("/clock/advance", {"seconds": 2 * DAY})
    assert _result(corp, a, b) == {ext: 3}
    follow = corp.api.get("externalcontact/get", external_userid=ext)["follow_user"]
    assert [f["userid"] for f in follow] == [a]


def test_taker_at_limit(world, receiver) -> None:
    _, corp, (a, b, _c), custs = world
    ext, other = custs[a][0], custs[a][1]
    _start(corp, a, b, [ext])
    assert corp.c("/transfers/limit", {"takeover_userid": b})["ended"] == [ext]
    [evt] = _events(receiver, corp, 1)
    assert (evt["FailReason"], evt["UserID"]) == ("customer_limit_exceed", b)
    assert _result(corp, a, b) == {ext: 4}
    assert _start(corp, a, b, [other])["customer"][0]["errcode"] == 40099
    corp.c("/transfers/limit", {"takeover_userid": b, "at_limit": False})
    assert _start(corp, a, b, [other])["customer"][0]["errcode"] == 0


def test_resigned_transfer_and_unassigned_list(world, receiver) -> None:
    ctl, corp, (a, b, _c), custs = world
    resigned = "externalcontact/resigned/transfer_customer"
    assert _start(corp, a, b, custs[a][:1], resigned)["errcode"] == 40097
    assert _start(corp, "ghost", b, custs[a][:1], resigned)["errcode"] == 60111
    corp.c("/users/delete", {"userid": a, "callback": False})
    res = corp.api.post("externalcontact/get_unassigned_list", {"page_size": 2})
    assert res["errcode"] == 0 and res["is_last"] is False and len(res["info"]) == 2
    rest = corp.api.post("externalcontact/get_unassigned_list", {"cursor": res["next_cursor"]})
    assert rest["is_last"] is True and rest["next_cursor"] == ""
    info = res["info"] + rest["info"]
    assert {i["external_userid"] for i in info} == set(custs[a])
    assert all(i["handover_userid"] == a and i["dimission_time"] > 0 for i in info)
    assert corp.api.post("externalcontact/get_unassigned_list", {"page_size": 1001})["errcode"] == 40058
    ext = custs[a][0]
    assert [c["errcode"] for c in _start(corp, a, b, [ext, custs[b][0]], resigned)["customer"]] == [0, 40131]
    left = corp.api.post("externalcontact/get_unassigned_list", {})["info"]
    assert ext not in {i["external_userid"] for i in left} and len(left) == 2
    assert _result(corp, a, b, "externalcontact/resigned/transfer_result") == {ext: 2}
    assert _result(corp, a, b) == {}
    ctl.post("/clock/advance", {"seconds": DAY})
    assert _result(corp, a, b, "externalcontact/resigned/transfer_result") == {ext: 1}
    [evt] = _events(receiver, corp, 1)
    assert (evt["ChangeType"], evt["UserID"], evt["ExternalUserID"]) == ("add_external_contact", b, ext)


@pytest.fixture
def groups_world(isolated) -> tuple[Any, Any, list[str], list[dict[str, Any]]]:
    corp = isolated.make_corp(
        token_expires_in=365 * DAY,
        seed={"employees": 3, "customers_per_employee": 2, "groups": 4, "members_per_group": 3, "seed": 11},
    )
    users = [u["userid"] for u in corp.api.get("user/simplelist", department_id=1)["userlist"]]
    listed = corp.api.post("externalcontact/groupchat/list", {"limit": 100})["group_chat_list"]
    chats = [
        corp.api.post("externalcontact/groupchat/get", {"chat_id": g["chat_id"]})["group_chat"]
        for g in listed
    ]
    return isolated.ctl, corp, users, chats


def _gt(corp, path: str, chat_ids: list[str], new_owner: str) -> dict[str, Any]:
    return corp.api.post(
        f"externalcontact/groupchat/{path}", {"chat_id_list": chat_ids, "new_owner": new_owner}
    )


def test_group_onjob_transfer(groups_world) -> None:
    ctl, corp, users, chats = groups_world
    chat = chats[0]
    other = next(u for u in users if u != chat["owner"])
    third = next(u for u in users if u not in (chat["owner"], other))
    res = _gt(corp, "onjob_transfer", [chat["chat_id"], "wrNoSuchChat"], other)
    assert res["errcode"] == 0
    assert [(f["chat_id"], f["errcode"]) for f in res["failed_chat_list"]] == [("wrNoSuchChat", 90501)]
    got = corp.api.post("externalcontact/groupchat/get", {"chat_id": chat["chat_id"]})["group_chat"]
    assert got["owner"] == other and other in {m["userid"] for m in got["member_list"]}  # at once, on the job
    assert _gt(corp, "onjob_transfer", [chat["chat_id"]], other)["failed_chat_list"][0]["errcode"] == 90504
    assert _gt(corp, "onjob_transfer", [chat["chat_id"]], third)["failed_chat_list"] == []
    # The third on-job handover within 90 days: WeCom names no code for it (95703); 40128 is the sandbox's
    # choice (there is no 90506 in WeCom's table).
    [limited] = _gt(corp, "onjob_transfer", [chat["chat_id"]], other)["failed_chat_list"]
    assert limited["errcode"] == 40128
    ctl.post("/clock/advance", {"seconds": 90 * DAY})
    assert _gt(corp, "onjob_transfer", [chat["chat_id"]], other)["failed_chat_list"] == []
    assert _gt(corp, "onjob_transfer", [], other)["errcode"] == 40058
    assert _gt(corp, "onjob_transfer", ["x"] * 101, other)["errcode"] == 40058
    assert _gt(corp, "onjob_transfer", [chat["chat_id"]], "nobody")["errcode"] == 60111
    assert _gt(corp, "transfer", [chat["chat_id"]], third)["failed_chat_list"][0]["errcode"] == 90500


def _statuses(corp, chat_ids: list[str]) -> set[int]:
    listed = corp.api.post("externalcontact/groupchat/list", {"limit": 1000})["group_chat_list"]
    return {g["status"] for g in listed if g["chat_id"] in chat_ids}


def test_group_resigned_transfer_passes_through_status_2(groups_world) -> None:
    """92127 / 92120: a resigned group is 1 (离职待继承), then 2 (离职继承中) for the sandbox's INHERIT_S of
    world time, then 3 (离职继承完成); a repeated call answers 90507 while it is 2 and 90508 once it is 3."""
    from wecom_sandbox.api.group_transfers import INHERIT_S

    ctl, corp, users, chats = groups_world
    owner = chats[0]["owner"]
    mine = [c["chat_id"] for c in chats if c["owner"] == owner]
    taker = next(u for u in users if u != owner)
    corp.c("/users/delete", {"userid": owner, "callback": False})
    listed = corp.api.post("externalcontact/groupchat/list", {"limit": 100, "status_filter": 1})
    assert {g["chat_id"] for g in listed["group_chat_list"]} == set(mine)
    assert _gt(corp, "onjob_transfer", mine, taker)["failed_chat_list"][0]["errcode"] == 90502
    assert _gt(corp, "transfer", mine, taker)["failed_chat_list"] == []
    assert _statuses(corp, mine) == {2}
    got = corp.api.post("externalcontact/groupchat/get", {"chat_id": mine[0]})["group_chat"]
    assert got["owner"] == owner  # not inherited yet
    again = _gt(corp, "transfer", mine, taker)["failed_chat_list"]
    assert {(f["errcode"], f["errmsg"]) for f in again} == {(90507, "the resigned group is being inherited")}
    assert corp.cget("/transfers")["group_inherits"][0]["new_owner"] == taker
    ctl.post("/clock/advance", {"seconds": INHERIT_S})
    assert _statuses(corp, mine) == {3}
    got = corp.api.post("externalcontact/groupchat/get", {"chat_id": mine[0]})["group_chat"]
    assert got["owner"] == taker and taker in {m["userid"] for m in got["member_list"]}
    done = corp.api.post("externalcontact/groupchat/list", {"limit": 100, "status_filter": 3})
    assert {g["chat_id"] for g in done["group_chat_list"]} == set(mine)
    assert {f["errcode"] for f in _gt(corp, "transfer", mine, taker)["failed_chat_list"]} == {90508}
    other = next(u for u in users if u not in (owner, taker))
    assert {f["errcode"] for f in _gt(corp, "transfer", mine, other)["failed_chat_list"]} == {90508}
    assert corp.cget("/transfers")["group_inherits"] == []
    # The new owner leaves in turn: the groups wait for a handover again.
    corp.c("/users/delete", {"userid": taker, "callback": False})
    assert _statuses(corp, mine) == {1}
    assert _gt(corp, "transfer", mine, other)["failed_chat_list"] == []


def test_a_full_group_with_99_wechat_members_needs_the_client(isolated) -> None:
    """90503 满人 & 99个微信成员，没办法踢，要客户端确认: the new owner would have to replace a member."""
    corp = isolated.make_corp(token_expires_in=365 * DAY, seed=False, group_member_limit=100)
    for userid in ("boss", "heir", "staff"):
        corp.c("/users/create", {"userid": userid, "name": userid, "callback": False})
    wechat = [f"wm{i:030d}" for i in range(99)]
    full = corp.c("/groups/create", {"owner": "boss", "members": wechat, "callback": False})["chat_id"]
    assert _gt(corp, "onjob_transfer", [full], "heir")["failed_chat_list"][0]["errcode"] == 90503
    # One WeChat member leaves: not full any more, so the new owner can join.
    corp.c(f"/groups/{full}/update", {"update_detail": "del_member", "del_members": [wechat[0]], "callback": False})
    assert _gt(corp, "onjob_transfer", [full], "heir")["failed_chat_list"] == []
    # A full group with 99 WeChat members can go to one of its members: nobody has to leave.
    with_staff = corp.c("/groups/create", {"owner": "boss", "members": [*wechat, "staff"], "callback": False})
    assert _gt(corp, "onjob_transfer", [with_staff["chat_id"]], "heir")["failed_chat_list"][0]["errcode"] == 90503
    assert _gt(corp, "onjob_transfer", [with_staff["chat_id"]], "staff")["failed_chat_list"] == []


def test_new_owner_daily_group_limit(groups_world, monkeypatch) -> None:
    """300 groups a day per new owner (92127 / 95703, no code named): 45009 is the sandbox's choice, not
    90503, which WeCom uses for a full group."""
    from wecom_sandbox.api import group_transfers

    monkeypatch.setattr(group_transfers, "NEW_OWNER_DAILY_LIMIT", 1)
    ctl, corp, users, chats = groups_world
    taker = users[0]
    ids = [c["chat_id"] for c in chats if c["owner"] != taker][:2]
    assert len(ids) == 2
    failed = _gt(corp, "onjob_transfer", ids, taker)["failed_chat_list"]
    assert [(f["chat_id"], f["errcode"]) for f in failed] == [(ids[1], 45009)]
    ctl.post("/clock/advance", {"seconds": DAY})
    assert _gt(corp, "onjob_transfer", ids[1:], taker)["failed_chat_list"] == []
