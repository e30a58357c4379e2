"""Corp tag APIs (no callbacks), control tag events, customer groups and their events."""

from __future__ import annotations

import xmltodict


def _events(receiver, corp, n: int) -> list[dict]:
    posts = receiver.wait_posts(corp.id, n)
    return [xmltodict.parse(receiver.decrypt(p, corp.id))["xml"] for p in posts]


def test_tag_api_crud_without_callbacks(make_corp, receiver) -> None:
    c = make_corp(
        seed={"employees": 1, "customers_per_employee": 1, "tag_groups": 1, "tags": 1, "groups": 0, "seed": 5}
    )
    listing = c.api.post("externalcontact/get_corp_tag_list", {})
    [group] = listing["tag_group"]
    assert set(group) == {"group_id", "group_name", "create_time", "order", "deleted", "tag"}
    assert set(group["tag"][0]) == {"id", "name", "create_time", "order", "deleted"}

    added = c.api.post(
        "externalcontact/add_corp_tag",
        {"group_name": "新分组", "order": 3, "tag": [{"name": "甲"}, {"name": "乙", "order": 2}]},
    )
    assert added["errcode"] == 0
    new_group = added["tag_group"]
    assert (
        new_group["group_id"].startswith("et")
        and new_group["order"] == 3
        and [t["name"] for t in new_group["tag"]] == ["甲", "乙"]
    )
    more = c.api.post(
        "externalcontact/add_corp_tag", {"group_id": new_group["group_id"], "tag": [{"name": "丙"}]}
    )
    assert [t["name"] for t in more["tag_group"]["tag"]] == ["丙"]
    assert (
        c.api.post("externalcontact/add_corp_tag", {"group_name": "x", "tag": [{"name": "长" * 31}]})[
            "errcode"
        ]
        == 40058
    )
    assert (
        c.api.post("externalcontact/add_corp_tag", {"group_id": "etnope", "tag": [{"name": "a"}]})["errcode"]
        == 40068
    )

    tag_a = new_group["tag"][0]["id"]
    assert (
        c.api.post("externalcontact/edit_corp_tag", {"id": tag_a, "name": "甲改", "order": 9})["errcode"] == 0
    )
    assert c.api.post("externalcontact/edit_corp_tag", {"id": "etnope", "name": "x"})["errcode"] == 40068
    only = c.api.post("externalcontact/get_corp_tag_list", {"tag_id": [tag_a]})["tag_group"]
    assert [(g["group_id"], [(t["name"], t["order"]) for t in g["tag"]]) for g in only] == [
        (new_group["group_id"], [("甲改", 9)])
    ]
    by_group = c.api.post(
        "externalcontact/get_corp_tag_list", {"group_id": [new_group["group_id"]], "tag_id": ["ignored"]}
    )["tag_group"]
    assert len(by_group[0]["tag"]) == 3

    # mark_tag: unknown tag 40068, then ok
    ext = c.cget()["customers"][0]["external_userid"]
    userid = c.cget()["employees"][0]["userid"]
    assert (
        c.api.post(
            "externalcontact/mark_tag", {"userid": userid, "external_userid": ext, "add_tag": ["etnope"]}
        )["errcode"]
        == 40068
    )
    assert (
        c.api.post(
            "externalcontact/mark_tag",
            {"userid": userid, "external_userid": ext, "add_tag": [tag_a], "remove_tag": []},
        )["errcode"]
        == 0
    )
    tags = c.api.get("externalcontact/get", external_userid=ext)["follow_user"][0]["tags"]
    assert {"group_name": "新分组", "tag_name": "甲改", "type": 1, "tag_id": tag_a} in tags

    # deleting every tag of a group deletes the group; deleted tags vanish from customers
    ids = [
        t["id"]
        for t in c.api.post("externalcontact/get_corp_tag_list", {"group_id": [new_group["group_id"]]})[
            "tag_group"
        ][0]["tag"]
    ]
    assert c.api.post("externalcontact/del_corp_tag", {"tag_id": ids})["errcode"] == 0
    assert new_group["group_id"] not in [
        g["group_id"] for g in c.api.post("externalcontact/get_corp_tag_list", {})["tag_group"]
    ]
    assert tag_a not in [
        t["tag_id"] for t in c.api.get("externalcontact/get", external_userid=ext)["follow_user"][0]["tags"]
    ]
    assert c.api.post("externalcontact/del_corp_tag", {"tag_id": ["etnope"]})["errcode"] == 40068

    assert c.cget("/callbacks")["callbacks"] == []  # API writes never call back


def test_tag_limit_3000(make_corp) -> None:
    c = make_corp(seed={"employees": 0, "tag_groups": 3, "tags": 1000, "groups": 0})
    assert (
        c.api.post("externalcontact/add_corp_tag", {"group_name": "多", "tag": [{"name": "x"}]})["errcode"]
        == 40126
    )


def test_control_tag_events(make_corp, receiver) -> None:
    c = make_corp(seed=False)
    created = c.c(
        "/tags/create", {"group_name": "等级", "tags": ["金", "银"], "create_time": 1700000200, "wait": True}
    )
    events = _events(receiver, c, 3)
    assert sorted((e["TagType"], e["Id"]) for e in events) == sorted(
        [("tag_group", created["group_id"])] + [("tag", t) for t in created["tag_ids"]]
    )
    assert {e["ChangeType"] for e in events} == {"create"} and {e["CreateTime"] for e in events} == {
        "1700000200"
    }
    c.c("/tags/update", {"id": created["tag_ids"][0], "name": "黄金", "strategy_id": 7, "wait": True})
    ev = _events(receiver, c, 4)[3]
    assert (ev["ChangeType"], ev["TagType"], ev["StrategyId"]) == ("update", "tag", "7")
    c.c("/tags/shuffle", {"group_id": created["group_id"], "wait": True})
    ev = _events(receiver, c, 5)[4]
    assert ev["ChangeType"] == "shuffle" and ev["Id"] == created["group_id"] and "TagType" not in ev
    c.c("/tags/shuffle", {"wait": True})
    assert _events(receiver, c, 6)[5]["Id"] is None  # empty <Id><![CDATA[]]></Id>
    c.c("/tags/delete", {"id": created["tag_ids"][0], "wait": True})
    c.c("/tags/delete", {"id": created["tag_ids"][1], "wait": True})  # last tag → group deleted too
    last = _events(receiver, c, 9)[6:]
    # events of one control call are delivered in parallel, so their arrival order is not fixed
    assert sorted((e["ChangeType"], e["TagType"]) for e in last) == [
        ("delete", "tag"),
        ("delete", "tag"),
        ("delete", "tag_group"),
    ]
    assert c.api.post("externalcontact/get_corp_tag_list", {})["tag_group"] == []


def test_groups_lifecycle(make_corp, receiver) -> None:
    c = make_corp(
        seed={"employees": 3, "customers_per_employee": 2, "tag_groups": 0, "groups": 0, "seed": 11}
    )
    world = c.cget()
    owner, helper = world["employees"][0]["userid"], world["employees"][1]["userid"]
    customers = [cu["external_userid"] for cu in world["customers"]]
    made = c.c(
        "/groups/create", {"owner": owner, "members": [helper, customers[0]], "name": "VIP群", "wait": True}
    )
    chat_id = made["chat_id"]
    ev = _events(receiver, c, 1)[0]
    assert (ev["Event"], ev["ChangeType"], ev["ChatId"]) == ("change_external_chat", "create", chat_id)

    got = c.api.post("externalcontact/groupchat/get", {"chat_id": chat_id, "need_name": 1})["group_chat"]
    assert (
        got["name"] == "VIP群" and got["owner"] == owner and got["member_version"] == made["member_version"]
    )
    assert [(m["userid"], m["type"]) for m in got["member_list"]] == [
        (owner, 1),
        (helper, 1),
        (customers[0], 2),
    ]
    assert all("name" in m and "join_time" in m and "join_scene" in m for m in got["member_list"])

    v0 = got["member_version"]
    upd = c.c(
        f"/groups/{chat_id}/update",
        {"update_detail": "add_member", "join_scene": 3, "add_members": customers[1:3], "wait": True},
    )
    ev = _events(receiver, c, 2)[1]
    assert ev["UpdateDetail"] == "add_member" and ev["JoinScene"] == "3" and ev["MemChangeCnt"] == "2"
    assert ev["MemChangeList"]["Item"] == customers[1:3]
    assert ev["LastMemVer"] == v0 and ev["CurMemVer"] == upd["member_version"] != v0
    assert "<MemChangeList><Item><![CDATA[" in upd["callback"]["plaintext"]
    members = c.api.post("externalcontact/groupchat/get", {"chat_id": chat_id})["group_chat"]["member_list"]
    assert members[-1]["join_scene"] == 3 and "name" not in members[-1]

    c.c(
        f"/groups/{chat_id}/update",
        {"update_detail": "del_member", "quit_scene": 1, "del_members": [customers[1]], "wait": True},
    )
    ev = _events(receiver, c, 3)[2]
    assert (
        ev["QuitScene"] == "1"
        and ev["MemChangeList"]["Item"] == customers[1]
        and ev["LastMemVer"] == upd["member_version"]
    )

    c.c(f"/groups/{chat_id}/update", {"update_detail": "change_owner", "owner": helper, "wait": True})
    c.c(f"/groups/{chat_id}/update", {"update_detail": "change_name", "name": "新名", "wait": True})
    c.c(f"/groups/{chat_id}/update", {"update_detail": "change_notice", "notice": "公告", "wait": True})
    evs = _events(receiver, c, 6)[3:]
    assert [e["UpdateDetail"] for e in evs] == ["change_owner", "change_name", "change_notice"]
    assert all("MemChangeList" not in e and e["LastMemVer"] == e["CurMemVer"] for e in evs)
    got = c.api.post("externalcontact/groupchat/get", {"chat_id": chat_id})["group_chat"]
    assert (got["owner"], got["name"], got["notice"]) == (helper, "新名", "公告")

    listed = c.api.post(
        "externalcontact/groupchat/list", {"limit": 10, "owner_filter": {"userid_list": [helper]}}
    )
    assert listed["group_chat_list"] == [{"chat_id": chat_id, "status": 0}]

    c.c(f"/groups/{chat_id}/dismiss", {"wait": True})
    assert _events(receiver, c, 7)[6]["ChangeType"] == "dismiss"
    assert c.api.post("externalcontact/groupchat/get", {"chat_id": chat_id})["errcode"] == 40050

    assert c.c(f"/groups/{chat_id}/update", {"update_detail": "change_name", "name": "x"}, expect=404)[
        "error"
    ]


def test_groupchat_list_paging(make_corp) -> None:
    c = make_corp(
        seed={"employees": 3, "customers_per_employee": 1, "groups": 7, "members_per_group": 3, "seed": 2}
    )
    seen, cursor = [], ""
    while True:
        r = c.api.post("externalcontact/groupchat/list", {"limit": 3, "cursor": cursor})
        seen += [g["chat_id"] for g in r["group_chat_list"]]
        cursor = r["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7
    assert c.api.post("externalcontact/groupchat/list", {"limit": 0})["errcode"] == 40058
    assert c.api.post("externalcontact/groupchat/list", {})["errcode"] == 40058
