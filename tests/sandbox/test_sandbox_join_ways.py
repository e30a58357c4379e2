"""「加入群聊」 join ways (API and scans) and group welcome templates."""

from __future__ import annotations

import xmltodict

ADD = "externalcontact/groupchat/add_join_way"
GET = "externalcontact/groupchat/get_join_way"
UPDATE = "externalcontact/groupchat/update_join_way"
DEL = "externalcontact/groupchat/del_join_way"
TPL = "externalcontact/group_welcome_template/"


def _chats(corp) -> list[str]:
    listing = corp.api.post("externalcontact/groupchat/list", {"limit": 100})
    return [c["chat_id"] for c in listing["group_chat_list"]]


def _group(corp, owner: str, n_customers: int, name: str = "") -> str:
    members = [
        corp.c("/customers/add", {"userid": owner, "callback": False})["external_userid"]
        for _ in range(n_customers)
    ]
    return corp.c("/groups/create", {"owner": owner, "members": members, "name": name, "callback": False})[
        "chat_id"
    ]


def _events(receiver, corp, n: int) -> list[dict]:
    posts = receiver.wait_posts(corp.id, n)
    return [xmltodict.parse(receiver.decrypt(p, corp.id))["xml"] for p in posts]


def test_join_way_crud(corp) -> None:
    chats = _chats(corp)
    res = corp.api.post(
        ADD,
        {
            "scene": 2,
            "remark": "备注" * 20,
            "room_base_name": "销售客服群",
            "room_base_id": 10,
            "chat_id_list": chats,
            "state": "group_qr_1",
        },
    )
    assert res["errcode"] == 0 and len(res["config_id"]) == 32
    way = corp.api.post(GET, {"config_id": res["config_id"]})["join_way"]
    assert set(way) == {
        "config_id",
        "scene",
        "remark",
        "auto_create_room",
        "room_base_name",
        "room_base_id",
        "chat_id_list",
        "qr_code",
        "state",
    }
    assert way["remark"] == ("备注" * 20)[:30]  # truncated, as 92229 says
    assert way["auto_create_room"] == 1 and way["room_base_id"] == 10 and way["chat_id_list"] == chats
    assert way["qr_code"].startswith("https://") and way["state"] == "group_qr_1"

    # update replaces the whole config
    assert (
        corp.api.post(UPDATE, {"config_id": res["config_id"], "scene": 1, "chat_id_list": chats[:1]})[
            "errcode"
        ]
        == 0
    )
    way = corp.api.post(GET, {"config_id": res["config_id"]})["join_way"]
    assert (
        way["scene"] == 1 and way["chat_id_list"] == chats[:1] and way["state"] == "" and way["remark"] == ""
    )
    assert way["room_base_name"] == "" and way["qr_code"] == ""

    assert corp.api.post(DEL, {"config_id": res["config_id"]})["errcode"] == 0
    assert corp.api.post(GET, {"config_id": res["config_id"]})["errcode"] == 41044


def test_join_way_errors(corp) -> None:
    chats = _chats(corp)

    def code(**body) -> int:
        return corp.api.post(ADD, body)["errcode"]

    assert code(scene=2, chat_id_list=[]) == 40058
    assert code(scene=2) == 40058
    assert code(scene=2, chat_id_list=chats * 3) == 41091
    assert code(scene=2, chat_id_list=["wr" + "x" * 30]) == 40050
    assert code(scene=3, chat_id_list=chats) == 40058
    assert code(scene=2, chat_id_list=chats, auto_create_room=2) == 40058
    assert code(scene=2, chat_id_list=chats, state="s" * 31) == 40058
    assert code(scene=2, chat_id_list=chats, room_base_name="n" * 41) == 40058
    res = corp.api.post(ADD, {"scene": 2, "chat_id_list": chats, "state": "s" * 31})
    assert "state" in res["errmsg"]
    assert corp.api.post(GET, {})["errcode"] == 41043
    assert corp.api.post(UPDATE, {"config_id": "nope", "scene": 2, "chat_id_list": chats})["errcode"] == 41044
    assert corp.api.post(DEL, {"config_id": "nope"})["errcode"] == 41044


def test_scan_joins_first_group_with_room_then_the_next(corp, receiver) -> None:
    owner = corp.api.get("user/simplelist", department_id=1)["userlist"][0]["userid"]
    corp.ctl.call("PATCH", f"/corps/{corp.id}", {"group_member_limit": 3})
    first = _group(corp, owner, 1)  # owner + 1 customer: room for one more
    second = _group(corp, owner, 0)
    way = corp.api.post(
        ADD, {"scene": 2, "chat_id_list": [first, second], "state": "grp_s", "auto_create_room": 0}
    )
    cid = way["config_id"]

    a = corp.c(f"/join_ways/{cid}/scan", {"name": "入群甲", "wait": True})
    assert a["chat_id"] == first and a["state"] == "grp_s" and a["created_chat_id"] is None
    b = corp.c(f"/join_ways/{cid}/scan", {"wait": True})
    assert b["chat_id"] == second
    ev_a, ev_b = _events(receiver, corp, 2)
    assert ev_a["ChangeType"] == "update" and ev_a["UpdateDetail"] == "add_member" and ev_a["ChatId"] == first
    assert ev_a["JoinScene"] == "3" and ev_a["MemChangeCnt"] == "1"
    assert ev_a["MemChangeList"] == {"Item": a["external_userid"]}
    assert ev_a["CurMemVer"] == a["member_version"] and ev_b["ChatId"] == second

    got = corp.api.post("externalcontact/groupchat/get", {"chat_id": first, "need_name": 1})["group_chat"]
    member = next(m for m in got["member_list"] if m["userid"] == a["external_userid"])
    assert member["join_scene"] == 3 and member["state"] == "grp_s" and member["type"] == 2
    assert member["name"] == "入群甲" and "invitor" not in member
    assert all("state" not in m for m in got["member_list"] if m["userid"] != a["external_userid"])

    # already in one of the groups → 409; both full and auto_create_room 0 → 409
    assert corp.c(f"/join_ways/{cid}/scan", {"external_userid": a["external_userid"]}, expect=409)
    corp.c(f"/join_ways/{cid}/scan", {"callback": False})
    assert "full" in corp.c(f"/join_ways/{cid}/scan", {}, expect=409)["error"]
    assert corp.c("/join_ways/nope/scan", {}, expect=404)


def test_scan_auto_creates_a_room(corp, receiver) -> None:
    owner = corp.api.get("user/simplelist", department_id=1)["userlist"][1]["userid"]
    corp.ctl.call("PATCH", f"/corps/{corp.id}", {"group_member_limit": 2})
    full = _group(corp, owner, 1, name="老群")
    way = corp.api.post(
        ADD,
        {"scene": 2, "chat_id_list": [full], "state": "auto", "room_base_name": "福利群", "room_base_id": 7},
    )
    cid = way["config_id"]
    res = corp.c(f"/join_ways/{cid}/scan", {"wait": True})
    new = res["created_chat_id"]
    assert new and res["chat_id"] == new
    create, update = sorted(_events(receiver, corp, 2), key=lambda e: e["ChangeType"])
    assert create["ChangeType"] == "create" and create["ChatId"] == new
    assert update["UpdateDetail"] == "add_member" and update["ChatId"] == new and update["JoinScene"] == "3"
    chat = corp.api.post("externalcontact/groupchat/get", {"chat_id": new})["group_chat"]
    assert chat["name"] == "福利群7" and chat["owner"] == owner
    assert [m["userid"] for m in chat["member_list"]] == [owner, res["external_userid"]]
    assert corp.api.post(GET, {"config_id": cid})["join_way"]["chat_id_list"] == [full, new]
    again = corp.c(f"/join_ways/{cid}/scan", {"callback": False})
    assert again["chat_id"] not in (full, new) and again["created_chat_id"]
    assert (
        corp.api.post("externalcontact/groupchat/get", {"chat_id": again["chat_id"]})["group_chat"]["name"]
        == "福利群8"
    )
    assert corp.cget("?summary=1")["group_member_limit"] == 2
    assert corp.ctl.call("PATCH", f"/corps/{corp.id}", {"group_member_limit": 0}, expect=400)


def test_group_welcome_templates(corp) -> None:
    body = {
        "text": {"content": "亲爱的%NICKNAME%用户，你好"},
        "link": {"title": "活动", "url": "https://example.com/a", "picurl": "https://example.com/p.png"},
        "agentid": 1000002,
        "notify": 0,
    }
    added = corp.api.post(TPL + "add", body)
    assert added["errcode"] == 0 and added["template_id"].startswith("msg")
    tid = added["template_id"]
    got = corp.api.post(TPL + "get", {"template_id": tid})
    assert got["text"] == body["text"] and got["link"] == body["link"] and "image" not in got
    assert corp.api.post(TPL + "edit", {"template_id": tid, "image": {"media_id": "MEDIA"}})["errcode"] == 0
    got = corp.api.post(TPL + "get", {"template_id": tid})
    assert got["image"] == {"media_id": "MEDIA"} and got["text"] == body["text"]
    assert corp.api.post(TPL + "del", {"template_id": tid})["errcode"] == 0
    for verb in ("get", "edit", "del"):
        assert corp.api.post(TPL + verb, {"template_id": tid})["errcode"] == 40037
    assert corp.api.post(TPL + "get", {})["errcode"] == 40037

    assert corp.api.post(TPL + "add", {})["errcode"] == 40063
    res = corp.api.post(TPL + "add", {"link": {"title": "t"}})
    assert res["errcode"] == 40063 and "link.url" in res["errmsg"]
    assert corp.api.post(TPL + "add", {"text": {"content": "字" * 1001}})["errcode"] == 40058  # 3003 bytes
    assert corp.api.post(TPL + "add", {"text": "plain"})["errcode"] == 40058
    assert corp.api.post(TPL + "add", {"text": {"content": "x"}, "notify": 2})["errcode"] == 40058
    for _ in range(100):
        assert corp.api.post(TPL + "add", {"text": {"content": "x"}})["errcode"] == 0
    assert corp.api.post(TPL + "add", {"text": {"content": "x"}})["errcode"] == 41055
