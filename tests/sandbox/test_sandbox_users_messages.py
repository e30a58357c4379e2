"""Contacts read APIs, change_contact events, message/send and its log."""

from __future__ import annotations

import xmltodict


def test_user_apis(corp) -> None:
    users = corp.api.get("user/list", department_id=1, fetch_child=1)["userlist"]
    assert len(users) == 4
    u = users[0]
    assert {"userid", "name", "department", "position", "mobile", "gender", "status"} <= set(u)
    assert u["department"] == [1] and u["status"] == 1
    assert corp.api.get("user/get", userid=u["userid"])["name"] == u["name"]
    simple = corp.api.get("user/simplelist", department_id=1)["userlist"]
    assert [s["userid"] for s in simple] == [x["userid"] for x in users]
    assert corp.api.get("user/list", department_id=99)["errcode"] == 60123


def test_change_contact_events(make_corp, receiver) -> None:
    c = make_corp(
        seed={"employees": 1, "customers_per_employee": 2, "groups": 1, "members_per_group": 2, "seed": 4}
    )
    old = c.cget()["employees"][0]["userid"]
    c.c("/users/create", {"userid": "zhangsan", "name": "张三", "position": "店长", "wait": True})
    c.c("/users/update", {"userid": old, "new_userid": "renamed", "name": "改名", "wait": True})
    c.c("/users/delete", {"userid": "zhangsan", "wait": True})
    evs = [xmltodict.parse(receiver.decrypt(p, c.id))["xml"] for p in receiver.wait_posts(c.id, 3)]
    assert [e["ChangeType"] for e in evs] == ["create_user", "update_user", "delete_user"]
    assert {e["Event"] for e in evs} == {"change_contact"}
    assert evs[0]["UserID"] == "zhangsan" and evs[0]["Name"] == "张三" and evs[0]["Department"] == "1"
    assert evs[1]["UserID"] == old and evs[1]["NewUserID"] == "renamed" and evs[1]["Name"] == "改名"
    assert evs[2]["UserID"] == "zhangsan"
    assert c.api.get("user/get", userid="zhangsan")["errcode"] == 60111
    assert c.api.get("user/get", userid=old)["errcode"] == 60111
    assert len(c.api.get("externalcontact/list", userid="renamed")["external_userid"]) == 2
    chat_id = c.cget()["groups"][0]["chat_id"]
    assert (
        c.api.post("externalcontact/groupchat/get", {"chat_id": chat_id})["group_chat"]["owner"] == "renamed"
    )
    assert c.c("/users/create", {"userid": "renamed", "name": "x"}, expect=409)["error"]


def test_message_send(corp) -> None:
    users = [u["userid"] for u in corp.cget()["employees"]]
    agent = corp.info["agent_id"]
    ok = corp.api.post(
        "message/send",
        {"touser": f"{users[0]}|ghost", "msgtype": "text", "agentid": agent, "text": {"content": "你好"}},
    )
    assert ok["errcode"] == 0 and ok["invaliduser"] == "ghost" and ok["msgid"]
    md = corp.api.post(
        "message/send",
        {"touser": users[1], "msgtype": "markdown", "agentid": agent, "markdown": {"content": "**x**"}},
    )
    assert md["errcode"] == 0 and md["invaliduser"] == ""
    bad = corp.api.post(
        "message/send",
        {"touser": "ghost|ghost2", "msgtype": "text", "agentid": agent, "text": {"content": "x"}},
    )
    assert bad["errcode"] == 81013 and bad["invaliduser"] == "ghost|ghost2"
    assert (
        corp.api.post(
            "message/send", {"touser": users[0], "msgtype": "text", "agentid": 1, "text": {"content": "x"}}
        )["errcode"]
        == 40056
    )
    log = corp.cget("/messages")["messages"]
    assert [(m["msgid"], m["touser"], m["msgtype"]) for m in log] == [
        (ok["msgid"], [users[0]], "text"),
        (md["msgid"], [users[1]], "markdown"),
    ]
    assert log[0]["content"] == {"content": "你好"}


def test_message_send_reports_invalid_parties_tags_and_unlicensed_users(make_corp) -> None:
    """90236: the answer carries invaliduser, invalidparty, invalidtag and unlicenseduser; an unlicensed
    member (users/license) gets nothing, though the call answers 0."""
    c = make_corp(seed=False)
    for userid, dept in (("amy", [1]), ("bob", [2]), ("cai", [2])):
        c.c("/users/create", {"userid": userid, "name": userid, "department": dept, "callback": False})
    agent = c.info["agent_id"]

    def send(**to: str) -> dict:
        return c.api.post("message/send", {**to, "msgtype": "text", "agentid": agent, "text": {"content": "x"}})

    assert c.c("/users/license", {"userid": "bob"}) == {"userid": "bob", "licensed": False}
    res = send(touser="amy|bob|ghost", toparty="2|77|x", totag="5")
    assert res["errcode"] == 0 and res["msgid"]
    assert (res["invaliduser"], res["invalidparty"], res["invalidtag"], res["unlicenseduser"]) == (
        "ghost", "77|x", "5", "bob"
    )
    log = c.cget("/messages")["messages"][-1]
    assert log["touser"] == ["amy", "cai"]  # department 2 adds cai; bob (unlicensed) gets nothing
    assert log["unlicenseduser"] == "bob" and log["invalidparty"] == "77|x"
    # Only unlicensed recipients: still 0 (they are valid users), and nobody receives it.
    only = send(touser="bob")
    assert only["errcode"] == 0 and only["unlicenseduser"] == "bob"
    assert c.cget("/messages")["messages"][-1]["touser"] == []
    # Nothing valid at all: 81013, with every list.
    none = send(touser="ghost", toparty="77", totag="5")
    assert none["errcode"] == 81013
    assert (none["invaliduser"], none["invalidparty"], none["invalidtag"]) == ("ghost", "77", "5")
    # Licensed again: delivered.
    assert c.c("/users/license", {"userid": "bob", "licensed": True})["licensed"] is True
    again = send(touser="bob")
    assert again["unlicenseduser"] == "" and c.cget("/messages")["messages"][-1]["touser"] == ["bob"]
    assert c.c("/users/license", {"userid": "nobody"}, expect=404)["error"].startswith("unknown employee")
