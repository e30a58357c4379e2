"""Enterprise mass sends (add_msg_template and its result APIs): task creation, who gets which part,
validation, the member's confirm step, group sends, cancel and the list/task/result reads.

These tests keep the world clock still, so they share the session sandbox; the corps switch the
41063 dispatch delay off (groupmsg_dispatch_s 0) except where a test checks it.
"""

from __future__ import annotations

from typing import Any

import pytest

TEXT = {"content": "双十一活动"}


@pytest.fixture
def world(make_corp) -> tuple[Any, dict[str, list[str]]]:
    """Members a, b, c; a has customers a0..a2, b has b0, b1; 'shared' follows a first, then b."""
    corp = make_corp(seed=False, groupmsg_dispatch_s=0)
    for userid in ("a", "b", "c"):
        corp.c("/users/create", {"userid": userid, "name": userid, "callback": False})
    custs: dict[str, list[str]] = {}
    for userid, n in (("a", 3), ("b", 2)):
        custs[userid] = [
            corp.c("/customers/add", {"userid": userid, "callback": False})["external_userid"]
            for _ in range(n)
        ]
    shared = corp.c("/customers/add", {"userid": "a", "callback": False})["external_userid"]
    corp.c("/customers/add", {"userid": "b", "external_userid": shared, "callback": False})
    custs["shared"] = [shared]
    return corp, custs


def _add(corp, **body: Any) -> dict[str, Any]:
    return corp.api.post("externalcontact/add_msg_template", {"text": TEXT, **body})


def _tasks(corp, msgid: str) -> dict[str, dict[str, int]]:
    """userid -> {target: status} from the control read."""
    msg = corp.cget(f"/groupmsgs/{msgid}")
    return {t["userid"]: {r["target"]: r["status"] for r in t["recipients"]} for t in msg["tasks"]}


def _results(corp, msgid: str, userid: str) -> dict[str, dict[str, Any]]:
    res = corp.api.post("externalcontact/get_groupmsg_send_result", {"msgid": msgid, "userid": userid})
    assert res["errcode"] == 0, res
    return {r.get("external_userid") or r["chat_id"]: r for r in res["send_list"]}


def test_sender_gets_only_its_customers(world) -> None:
    corp, custs = world
    unknown = "wmNoSuchCustomer0001"
    res = _add(corp, external_userid=[*custs["a"], custs["b"][0], unknown], sender="a")
    assert res["errcode"] == 0, res
    assert res["msgid"].startswith("msg") and len(res["msgid"]) == 30
    assert res["fail_list"] == [custs["b"][0], unknown]
    assert _tasks(corp, res["msgid"]) == {"a": dict.fromkeys(custs["a"], 0)}


def test_sender_alone_means_all_its_customers(world) -> None:
    corp, custs = world
    res = _add(corp, sender="b")
    assert res["fail_list"] == []
    assert _tasks(corp, res["msgid"]) == {"b": dict.fromkeys([*custs["b"], *custs["shared"]], 0)}


def test_without_sender_each_customer_goes_to_its_last_interacting_member(world) -> None:
    corp, custs = world
    shared = custs["shared"][0]
    everyone = [*custs["a"], *custs["b"], shared]
    res = _add(corp, external_userid=everyone)
    # 'shared' goes to b, its most recently added follower, while nobody chatted with it
    assert _tasks(corp, res["msgid"]) == {
        "a": dict.fromkeys(custs["a"], 0),
        "b": dict.fromkeys([*custs["b"], shared], 0),
    }
    corp.c("/groupmsgs/interact", {"userid": "a", "external_userid": shared})
    again = _add(corp, external_userid=[shared])
    assert _tasks(corp, again["msgid"]) == {"a": {shared: 0}}
    assert corp.c("/groupmsgs/interact", {"userid": "c", "external_userid": shared}, expect=409)["error"]
    corp.c("/customers/del_by_employee", {"userid": "a", "external_userid": shared, "callback": False})
    assert _tasks(corp, _add(corp, external_userid=[shared])["msgid"]) == {"b": {shared: 0}}


def test_tag_filter_keeps_customers_with_a_tag_of_every_group(world) -> None:
    corp, custs = world
    vip = corp.c("/tags/create", {"group_name": "等级", "tags": ["VIP", "普通"], "callback": False})[
        "tag_ids"
    ]
    city = corp.c("/tags/create", {"group_name": "城市", "tags": ["上海"], "callback": False})["tag_ids"]
    a0, a1, a2 = custs["a"]
    corp.c("/customers/edit", {"userid": "a", "external_userid": a0, "add_tags": [vip[0], city[0]]})
    corp.c("/customers/edit", {"userid": "a", "external_userid": a1, "add_tags": [vip[1], city[0]]})
    corp.c("/customers/edit", {"userid": "a", "external_userid": a2, "add_tags": [vip[0]]})
    tag_filter = {"group_list": [{"tag_list": vip}, {"tag_list": city}]}
    res = _add(corp, sender="a", tag_filter=tag_filter)
    assert _tasks(corp, res["msgid"]) == {"a": {a0: 0, a1: 0}}
    assert _add(corp, sender="a", tag_filter={"group_list": "x"})["errcode"] == 40058
    # 92135: at most 100 tags per group (the code, 40058, is the sandbox's choice).
    fillers = [f"etFiller{i:04d}" for i in range(99)]
    full = _add(corp, sender="a", tag_filter={"group_list": [{"tag_list": [vip[0], *fillers]}, {"tag_list": city}]})
    assert full["errcode"] == 0 and _tasks(corp, full["msgid"]) == {"a": {a0: 0}}
    over = _add(corp, sender="a", tag_filter={"group_list": [{"tag_list": city}, {"tag_list": [*vip, *fillers]}]})
    assert over["errcode"] == 40058 and "group_list[1].tag_list holds 101 tags" in over["errmsg"]


def test_add_msg_template_errors(world) -> None:
    corp, custs = world
    ext = custs["a"][0]
    assert _add(corp, chat_type="private", sender="a")["errcode"] == 40058
    assert _add(corp)["errcode"] == 40058  # neither external_userid nor sender
    assert _add(corp, external_userid=[ext] * 10_001)["errcode"] == 40058
    assert _add(corp, external_userid=[ext], sender="ghost")["errcode"] == 60111
    assert _add(corp, chat_type="group")["errcode"] == 40058  # group needs a sender
    assert _add(corp, chat_type="group", sender="a", chat_id_list=["wr"] * 2001)["errcode"] == 40058
    assert corp.api.post("externalcontact/add_msg_template", {"sender": "a"})["errcode"] == 44004
    link = {"msgtype": "link", "link": {"title": "官网", "url": "https://example.com"}}
    assert _add(corp, sender="a", attachments=[link] * 10)["errcode"] == 41064
    assert _add(corp, sender="a", attachments=[{"msgtype": "voice", "voice": {}}])["errcode"] == 41065
    none = _add(corp, external_userid=["wmNoSuchCustomer0001"], sender="a")
    assert (none["errcode"], none["fail_list"]) == (41048, ["wmNoSuchCustomer0001"])
    only_attachment = corp.api.post(
        "externalcontact/add_msg_template", {"sender": "a", "attachments": [link]}
    )
    assert only_attachment["errcode"] == 0
    assert len(corp.cget("/groupmsgs")["groupmsgs"]) == 1


def test_confirm_sends_and_reports_each_customer(world) -> None:
    corp, custs = world
    a0, a1, a2 = custs["a"]
    msgid = _add(corp, sender="a")["msgid"]
    task = corp.api.post("externalcontact/get_groupmsg_task", {"msgid": msgid})
    assert task["task_list"] == [{"userid": "a", "status": 0}]
    assert {r["status"] for r in _results(corp, msgid, "a").values()} == {0}
    corp.c("/customers/del_by_customer", {"userid": "a", "external_userid": a1, "callback": False})
    confirmed = corp.c(f"/groupmsgs/{msgid}/confirm", {"userid": "a"})["task"]
    assert confirmed["status"] == 2 and confirmed["send_time"] > 0
    [item] = corp.api.post("externalcontact/get_groupmsg_task", {"msgid": msgid})["task_list"]
    assert item == {"userid": "a", "status": 2, "send_time": confirmed["send_time"]}
    results = _results(corp, msgid, "a")
    assert {ext: r["status"] for ext, r in results.items()} == {a0: 1, a1: 2, a2: 1, custs["shared"][0]: 1}
    assert results[a0]["send_time"] == confirmed["send_time"] and "send_time" not in results[a1]
    assert results[a0]["userid"] == "a" and "chat_id" not in results[a0]
    assert corp.c(f"/groupmsgs/{msgid}/confirm", {"userid": "a"}, expect=409)["error"]
    assert corp.c(f"/groupmsgs/{msgid}/confirm", {"userid": "b"}, expect=404)["error"]
    assert _results(corp, msgid, "b") == {}


def test_decline_and_select(world) -> None:
    corp, custs = world
    a0, a1, _ = custs["a"]
    plain = _add(corp, external_userid=custs["a"], sender="a")["msgid"]
    assert corp.c(f"/groupmsgs/{plain}/confirm", {"userid": "a", "select": [a0]}, expect=400)["error"]
    declined = corp.c(f"/groupmsgs/{plain}/confirm", {"userid": "a", "send": False})["task"]
    assert declined["declined"] is True and declined["status"] == 0
    assert {r["status"] for r in _results(corp, plain, "a").values()} == {0}
    chosen = _add(corp, external_userid=[a0, a1], sender="a", allow_select=True)["msgid"]
    assert corp.c(f"/groupmsgs/{chosen}/confirm", {"userid": "a", "select": ["wmX"]}, expect=400)["error"]
    corp.c(f"/groupmsgs/{chosen}/confirm", {"userid": "a", "select": [a1]})
    assert {ext: r["status"] for ext, r in _results(corp, chosen, "a").items()} == {a0: 0, a1: 1}


def test_group_send_per_chat(world) -> None:
    corp, custs = world
    g1 = corp.c("/groups/create", {"owner": "a", "members": custs["a"], "callback": False})["chat_id"]
    g2 = corp.c("/groups/create", {"owner": "a", "members": custs["a"][:1], "callback": False})["chat_id"]
    other = corp.c("/groups/create", {"owner": "b", "members": custs["b"], "callback": False})["chat_id"]
    listed = _add(corp, chat_type="group", sender="a", chat_id_list=[g1, other, "wrNoSuchChat"])
    assert listed["fail_list"] == [other, "wrNoSuchChat"]
    assert _tasks(corp, listed["msgid"]) == {"a": {g1: 0}}
    owned = _add(corp, chat_type="group", sender="a")["msgid"]
    assert _tasks(corp, owned) == {"a": {g1: 0, g2: 0}}
    corp.c(f"/groups/{g2}/dismiss", {"callback": False})
    corp.c(f"/groupmsgs/{owned}/confirm", {"userid": "a"})
    results = _results(corp, owned, "a")
    assert {chat: r["status"] for chat, r in results.items()} == {g1: 1, g2: 2}
    assert "external_userid" not in results[g1] and results[g1]["userid"] == "a"
    assert _add(corp, chat_type="group", sender="c")["errcode"] == 41048  # c owns no group


def test_cancel_stops_unconfirmed_members(world) -> None:
    corp, custs = world
    msgid = _add(corp, external_userid=[*custs["a"], *custs["b"]])["msgid"]
    corp.c(f"/groupmsgs/{msgid}/confirm", {"userid": "a"})
    assert corp.api.post("externalcontact/cancel_groupmsg_send", {"msgid": msgid})["errcode"] == 0
    assert corp.c(f"/groupmsgs/{msgid}/confirm", {"userid": "b"}, expect=409)["error"]
    tasks = corp.api.post("externalcontact/get_groupmsg_task", {"msgid": msgid})["task_list"]
    assert {t["userid"]: t["status"] for t in tasks} == {"a": 2, "b": 0}
    assert {r["status"] for r in _results(corp, msgid, "a").values()} == {1}
    assert corp.cget(f"/groupmsgs/{msgid}")["cancelled_at"] > 0
    assert corp.api.post("externalcontact/cancel_groupmsg_send", {"msgid": "msgNope"})["errcode"] == 41047
    assert corp.api.post("externalcontact/cancel_groupmsg_send", {})["errcode"] == 41046


def test_remind_after_cancel_answers_41093(world) -> None:
    """90313: 41093 群发任务已取消 — a cancelled send cannot be reminded (the sandbox used to answer 0)."""
    corp, custs = world
    msgid = _add(corp, external_userid=custs["a"])["msgid"]
    remind = {"msgid": msgid}
    assert corp.api.post("externalcontact/remind_groupmsg_send", remind)["errcode"] == 0
    assert corp.api.post("externalcontact/cancel_groupmsg_send", remind)["errcode"] == 0
    res = corp.api.post("externalcontact/remind_groupmsg_send", remind)
    assert res["errcode"] == 41093 and res["errmsg"].startswith("group msg has been cancelled")
    assert len(corp.cget(f"/groupmsgs/{msgid}")["reminders"]) == 1  # the refused reminder is not logged


def test_list_v2_filters_and_pages(world) -> None:
    corp, custs = world
    singles = [_add(corp, sender="a")["msgid"] for _ in range(3)]
    corp.c("/groups/create", {"owner": "a", "members": custs["a"], "callback": False})
    group = _add(corp, chat_type="group", sender="a")["msgid"]
    now = corp.ctl.get("/clock")["now"]
    window = {"start_time": int(now) - 3600, "end_time": int(now) + 60}

    def listed(**body: Any) -> dict[str, Any]:
        res = corp.api.post("externalcontact/get_groupmsg_list_v2", {**window, **body})
        assert res["errcode"] == 0, res
        return res

    first = listed(chat_type="single", limit=2)
    assert [m["msgid"] for m in first["group_msg_list"]] == singles[:2] and first["next_cursor"]
    rest = listed(chat_type="single", limit=2, cursor=first["next_cursor"])
    assert [m["msgid"] for m in rest["group_msg_list"]] == singles[2:] and rest["next_cursor"] == ""
    item = first["group_msg_list"][0]
    assert item["create_type"] == 0 and item["text"] == TEXT and "creator" not in item
    assert abs(item["create_time"] - now) < 60
    assert [m["msgid"] for m in listed(chat_type="group")["group_msg_list"]] == [group]
    assert len(listed(chat_type="single", limit=500)["group_msg_list"]) == 3  # over 100: the default 50
    assert listed(chat_type="single", filter_type=1)["group_msg_list"] == []
    assert listed(chat_type="single", creator="a")["group_msg_list"] == []  # API-made sends have no creator
    too_long = {"chat_type": "single", "start_time": 0, "end_time": 32 * 86_400}
    assert corp.api.post("externalcontact/get_groupmsg_list_v2", too_long)["errcode"] == 600018
    assert corp.api.post("externalcontact/get_groupmsg_list_v2", {"chat_type": "single"})["errcode"] == 40058


def test_task_and_result_paging(world) -> None:
    corp, custs = world
    msgid = _add(corp, external_userid=[*custs["a"], *custs["b"]])["msgid"]
    page = corp.api.post("externalcontact/get_groupmsg_task", {"msgid": msgid, "limit": 1})
    assert [t["userid"] for t in page["task_list"]] == ["a"] and page["next_cursor"]
    nxt = corp.api.post(
        "externalcontact/get_groupmsg_task", {"msgid": msgid, "limit": 1, "cursor": page["next_cursor"]}
    )
    assert [t["userid"] for t in nxt["task_list"]] == ["b"] and nxt["next_cursor"] == ""
    body = {"msgid": msgid, "userid": "a", "limit": 2}
    res = corp.api.post("externalcontact/get_groupmsg_send_result", body)
    more = corp.api.post("externalcontact/get_groupmsg_send_result", {**body, "cursor": res["next_cursor"]})
    got = [r["external_userid"] for r in res["send_list"] + more["send_list"]]
    assert got == custs["a"] and more["next_cursor"] == ""
    assert corp.api.post("externalcontact/get_groupmsg_task", {"msgid": "msgNope"})["errcode"] == 41047
    assert corp.api.post("externalcontact/get_groupmsg_send_result", {"msgid": msgid})["errcode"] == 41009


def test_corp_settings(make_corp) -> None:
    corp = make_corp(seed=False)
    info = corp.cget("?summary=1")
    assert (info["groupmsg_quota"], info["groupmsg_dispatch_s"]) == ("month_days", 2.0)
    patched = corp.ctl.call(
        "PATCH", f"/corps/{corp.id}", {"groupmsg_quota": "week_7", "groupmsg_dispatch_s": 0}
    )
    assert (patched["groupmsg_quota"], patched["groupmsg_dispatch_s"]) == ("week_7", 0.0)
    assert corp.ctl.call("PATCH", f"/corps/{corp.id}", {"groupmsg_quota": "hourly"}, expect=400)["error"]
    assert corp.ctl.call("PATCH", f"/corps/{corp.id}", {"groupmsg_dispatch_s": -1}, expect=400)["error"]
