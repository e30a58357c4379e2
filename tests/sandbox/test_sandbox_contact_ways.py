"""「联系我」 contact ways: the API's CRUD and error codes, and customers arriving by scan."""

from __future__ import annotations

import pytest
import xmltodict

from wecom_sandbox.api import contact_ways

ADD = "externalcontact/add_contact_way"
GET = "externalcontact/get_contact_way"
UPDATE = "externalcontact/update_contact_way"
DEL = "externalcontact/del_contact_way"
LIST = "externalcontact/list_contact_way"

WAY_KEYS = {
    "config_id",
    "type",
    "scene",
    "style",
    "remark",
    "skip_verify",
    "state",
    "qr_code",
    "user",
    "party",
    "is_temp",
    "expires_in",
    "chat_expires_in",
    "unionid",
    "is_exclusive",
    "conclusions",
}


def _users(corp) -> list[str]:
    return [u["userid"] for u in corp.api.get("user/simplelist", department_id=1)["userlist"]]


def _add(corp, **body) -> dict:
    res = corp.api.post(ADD, body)
    assert res["errcode"] == 0, res
    return res


def _event(receiver, corp, index: int) -> dict:
    posts = receiver.wait_posts(corp.id, index + 1)
    assert len(posts) > index, f"only {len(posts)} callbacks arrived"
    return xmltodict.parse(receiver.decrypt(posts[index], corp.id))["xml"]


def test_add_get_update_del(corp) -> None:
    users = _users(corp)
    qr = _add(corp, type=2, scene=2, remark="门店A", state="store_a", user=users[:2], skip_verify=False)
    assert len(qr["config_id"]) == 32 and qr["qr_code"].startswith("https://wework.qpic.cn/wwpic/")
    assert qr["qr_code"].endswith("/0")
    button = _add(corp, type=1, scene=1, style=2, user=[users[0]])
    assert "qr_code" not in button

    way = corp.api.post(GET, {"config_id": qr["config_id"]})["contact_way"]
    assert set(way) == WAY_KEYS
    assert way["type"] == 2 and way["scene"] == 2 and way["remark"] == "门店A" and way["state"] == "store_a"
    assert way["skip_verify"] is False and way["user"] == users[:2] and way["party"] == []
    assert way["qr_code"] == qr["qr_code"] and way["is_temp"] is False
    assert corp.api.post(GET, {"config_id": button["config_id"]})["contact_way"]["style"] == 2

    # only the given fields change
    assert (
        corp.api.post(UPDATE, {"config_id": qr["config_id"], "state": "store_b", "party": [1]})["errcode"]
        == 0
    )
    way = corp.api.post(GET, {"config_id": qr["config_id"]})["contact_way"]
    assert way["state"] == "store_b" and way["party"] == [1] and way["remark"] == "门店A"
    assert way["user"] == users[:2] and way["skip_verify"] is False

    assert corp.api.post(DEL, {"config_id": qr["config_id"]})["errcode"] == 0
    assert corp.api.post(GET, {"config_id": qr["config_id"]})["errcode"] == 41044
    assert corp.api.post(DEL, {"config_id": qr["config_id"]})["errcode"] == 41044
    calls = corp.cget(f"/calls/count?path={ADD}")
    assert calls["counts"] == {ADD: 2}


def test_add_errors(corp) -> None:
    users = _users(corp)

    def code(**body) -> int:
        return corp.api.post(ADD, body)["errcode"]

    assert code(scene=2, user=users[:1]) == 41037
    assert code(type=3, scene=2, user=users[:1]) == 41039
    assert code(type=1, user=users[:1]) == 41038
    assert code(type=1, scene=3, user=users[:1]) == 41040
    assert code(type=1, scene=1, style="big", user=users[:1]) == 41042
    assert code(type=1, scene=2, user=users[:2]) == 40058
    assert code(type=1, scene=2, user=[]) == 40058
    assert code(type=2, scene=2) == 40058
    assert code(type=2, scene=2, user=users[:1], remark="长" * 31) == 40058
    assert code(type=2, scene=2, user=users[:1], state="s" * 31) == 40058
    assert code(type=2, scene=2, user=users[:1], state="s" * 30) == 0
    assert code(type=2, scene=2, user=users[:1], skip_verify="yes") == 40058
    assert code(type=2, scene=2, user=[f"u{i}" for i in range(101)]) == 41041
    assert code(type=2, scene=2, user=[users[0], "ghost"]) == 60111
    assert code(type=2, scene=2, party=[999]) == 60123
    assert code(type=1, scene=2, user=users[:1], is_temp=True) == 48002  # not a medical-industry corp
    res = corp.api.post(ADD, {"type": 1, "scene": 2, "user": ["ghost"]})
    assert res["errcode"] == 60111 and "ghost" in res["errmsg"]
    res = corp.api.post(ADD, {"type": 2, "scene": 2, "user": users[:1], "remark": "长" * 31})
    assert "remark" in res["errmsg"]
    missing = corp.api.post(GET, {})
    assert missing["errcode"] == 41043
    assert corp.api.post(UPDATE, {"config_id": "nope"})["errcode"] == 41044


def test_inactive_employee_and_large_party(make_corp) -> None:
    c = make_corp(seed={"employees": 101, "customers_per_employee": 0, "tag_groups": 0, "groups": 0})
    c.c("/users/create", {"userid": "newbie", "name": "新人", "status": 4, "callback": False})
    assert c.api.get("user/get", userid="newbie")["status"] == 4
    res = c.api.post(ADD, {"type": 1, "scene": 2, "user": ["newbie"]})
    assert res["errcode"] == 41054 and "newbie" in res["errmsg"]
    # department 1 holds 102 employees once expanded: more than 100
    assert c.api.post(ADD, {"type": 2, "scene": 2, "party": [1]})["errcode"] == 41041
    ok = c.api.post(ADD, {"type": 1, "scene": 2, "user": [_users(c)[0]]})
    assert ok["errcode"] == 0
    # update runs add's checks on the merged config
    assert c.api.post(UPDATE, {"config_id": ok["config_id"], "user": ["newbie"]})["errcode"] == 41054
    assert c.api.post(UPDATE, {"config_id": ok["config_id"], "user": _users(c)[:2]})["errcode"] == 40058


def test_temp_way_defaults(make_corp) -> None:
    corp = make_corp(medical_industry=True)
    users = _users(corp)
    assert corp.api.post(ADD, {"type": 2, "scene": 2, "user": users[:1], "is_temp": True})["errcode"] == 40058
    res = _add(corp, type=1, scene=2, user=users[:1], is_temp=True, conclusions={"text": {"content": "再见"}})
    way = corp.api.post(GET, {"config_id": res["config_id"]})["contact_way"]
    assert way["is_temp"] is True and way["expires_in"] == 7 * 86400 and way["chat_expires_in"] == 86400
    assert way["conclusions"] == {"text": {"content": "再见"}}
    bad = corp.api.post(
        ADD, {"type": 1, "scene": 2, "user": users[:1], "conclusions": {"link": {"title": "t"}}}
    )
    assert bad["errcode"] == 40058 and "conclusions.link.url" in bad["errmsg"]
    first = corp.c(f"/contact_ways/{res['config_id']}/scan", {"callback": False})
    assert first["userid"] == users[0]
    assert "one-time" in corp.c(f"/contact_ways/{res['config_id']}/scan", {}, expect=409)["error"]


def test_list_contact_way_pages(corp) -> None:
    users = _users(corp)
    made = [_add(corp, type=1, scene=2, user=[users[i % len(users)]])["config_id"] for i in range(5)]
    seen: list[str] = []
    cursor = ""
    while True:
        page = corp.api.post(LIST, {"limit": 2, "cursor": cursor})
        assert page["errcode"] == 0 and len(page["contact_way"]) <= 2
        seen += [w["config_id"] for w in page["contact_way"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == made
    assert corp.api.post(LIST, {})["contact_way"] == [{"config_id": c} for c in made]
    assert corp.api.post(LIST, {"start_time": 1, "end_time": 2})["contact_way"] == []
    assert corp.api.post(LIST, {"limit": 1001})["errcode"] == 40058
    assert corp.api.post(LIST, {"start_time": 10, "end_time": 5})["errcode"] == 40058


def test_scan_delivers_state_and_a_one_time_welcome_code(corp, receiver) -> None:
    users = _users(corp)
    way = _add(corp, type=1, scene=2, user=[users[1]], state="qr_store_01")
    res = corp.c(f"/contact_ways/{way['config_id']}/scan", {"name": "扫码客户", "wait": True})
    assert res["userid"] == users[1] and res["state"] == "qr_store_01"
    assert res["callback"]["delivered"] is True
    ev = _event(receiver, corp, 0)
    assert ev["ChangeType"] == "add_external_contact" and ev["UserID"] == users[1]
    assert ev["ExternalUserID"] == res["external_userid"]
    assert ev["State"] == "qr_store_01" and ev["WelcomeCode"] == res["welcome_code"]

    fu = corp.api.get("externalcontact/get", external_userid=res["external_userid"])
    assert fu["external_contact"]["name"] == "扫码客户"
    assert fu["follow_user"][0]["state"] == "qr_store_01" and fu["follow_user"][0]["add_way"] == 1

    send = {"welcome_code": ev["WelcomeCode"], "text": {"content": "欢迎光临"}}
    assert corp.api.post("externalcontact/send_welcome_msg", send)["errcode"] == 0
    assert corp.api.post("externalcontact/send_welcome_msg", send)["errcode"] == 41051

    [log] = corp.cget("/welcomes?since=0")["welcomes"]
    assert log["welcome_code"] == res["welcome_code"] and log["state"] == "qr_store_01"
    assert log["userid"] == users[1] and log["external_userid"] == res["external_userid"]
    assert log["issued_at"] <= log["callback_first_sent_at"] <= log["sent_at"]
    assert [a["errcode"] for a in log["attempts"]] == [0, 41051]
    assert log["text"] == "欢迎光临" and log["attachments"] == []


def test_scan_half_and_existing_customer(corp, receiver) -> None:
    users = _users(corp)
    way = _add(corp, type=1, scene=2, user=[users[0]], state="s1")
    ext = corp.c("/customers/add", {"userid": users[1], "callback": False})["external_userid"]
    res = corp.c(
        f"/contact_ways/{way['config_id']}/scan", {"external_userid": ext, "half": True, "wait": True}
    )
    assert res["external_userid"] == ext
    ev = _event(receiver, corp, 0)
    assert ev["ChangeType"] == "add_half_external_contact" and ev["State"] == "s1"
    # the same customer scanning again: the employee already follows them
    assert corp.c(f"/contact_ways/{way['config_id']}/scan", {"external_userid": ext}, expect=409)
    assert corp.c("/contact_ways/nope/scan", {}, expect=404)["error"].startswith("unknown contact way")


def test_scan_round_robin(corp) -> None:
    users = _users(corp)
    way = _add(corp, type=2, scene=2, user=users[:3], state="rr")["config_id"]
    dealt = [corp.c(f"/contact_ways/{way}/scan", {"callback": False})["userid"] for _ in range(7)]
    assert dealt == [users[0], users[1], users[2], users[0], users[1], users[2], users[0]]
    # the current user list is used: after an update the dealer continues over the new list
    corp.api.post(UPDATE, {"config_id": way, "user": [users[3]]})
    assert corp.c(f"/contact_ways/{way}/scan", {"callback": False})["userid"] == users[3]


def test_scan_round_robin_over_party(make_corp) -> None:
    c = make_corp(seed={"employees": 2, "customers_per_employee": 0, "tag_groups": 0, "groups": 0})
    base = _users(c)
    c.c("/users/create", {"userid": "d2a", "name": "甲", "department": [2], "callback": False})
    c.c("/users/create", {"userid": "d2b", "name": "乙", "department": [2], "callback": False})
    way = _add(c, type=2, scene=2, party=[2])["config_id"]
    dealt = [c.c(f"/contact_ways/{way}/scan", {"callback": False})["userid"] for _ in range(3)]
    assert dealt == ["d2a", "d2b", "d2a"]
    c.c("/users/update", {"userid": "d2b", "status": 2, "callback": False})  # disabled: skipped
    assert {c.c(f"/contact_ways/{way}/scan", {"callback": False})["userid"] for _ in range(2)} == {"d2a"}
    everyone = _add(c, type=2, scene=2, party=[1])["config_id"]
    dealt = {c.c(f"/contact_ways/{everyone}/scan", {"callback": False})["userid"] for _ in range(3)}
    assert dealt == {*base, "d2a"}


def test_temporary_ways_are_for_medical_corps_only(corp) -> None:
    """96348: 临时会话 is for medical-industry corps; the code for the others (48002) is the sandbox's choice."""
    users = _users(corp)
    res = corp.api.post(ADD, {"type": 1, "scene": 2, "user": users[:1], "is_temp": True})
    assert res["errcode"] == 48002 and "medical" in res["errmsg"]
    assert corp.ctl.call("PATCH", f"/corps/{corp.id}", {"medical_industry": True})["medical_industry"] is True
    assert corp.api.post(ADD, {"type": 1, "scene": 2, "user": users[:1], "is_temp": True})["errcode"] == 0
    assert corp.ctl.call("PATCH", f"/corps/{corp.id}", {"medical_industry": "yes"}, expect=400)["error"] == (
        "field 'medical_industry' must be a boolean"
    )


def test_temporary_ways_have_a_daily_cap_and_do_not_count_in_the_500000(isolated, monkeypatch) -> None:
    """96348: up to 100,000 temporary ways a day, outside the 500,000 cap (both scaled down here). Its own
    sandbox: the test moves the world clock to the next day."""
    corp = isolated.make_corp(
        medical_industry=True, token_expires_in=7 * 86_400, seed={"employees": 1, "customers_per_employee": 0, "groups": 0}
    )
    monkeypatch.setattr(contact_ways, "MAX_WAYS", 2)
    monkeypatch.setattr(contact_ways, "TEMP_WAYS_PER_DAY", 3)
    user = _users(corp)[:1]
    temp = [_add(corp, type=1, scene=2, user=user, is_temp=True)["config_id"] for _ in range(3)]
    over_day = corp.api.post(ADD, {"type": 1, "scene": 2, "user": user, "is_temp": True})
    assert over_day["errcode"] == 41045 and "a day" in over_day["errmsg"]
    # Three temporary ways exist, yet the cap of 2 still admits two ordinary ways (one a join way)…
    _add(corp, type=1, scene=2, user=user)
    chat = corp.c("/groups/create", {"owner": user[0], "members": [], "callback": False})["chat_id"]
    join = corp.api.post("externalcontact/groupchat/add_join_way", {"scene": 2, "chat_id_list": [chat]})
    assert join["errcode"] == 0
    # … and then refuses both kinds.
    assert corp.api.post(ADD, {"type": 1, "scene": 2, "user": user})["errcode"] == 41045
    again = corp.api.post("externalcontact/groupchat/add_join_way", {"scene": 2, "chat_id_list": [chat]})
    assert again["errcode"] == 41045
    # Deleting a temporary way frees no room in the cap, nor in the day's count …
    assert corp.api.post(DEL, {"config_id": temp[0]})["errcode"] == 0
    assert corp.api.post(ADD, {"type": 1, "scene": 2, "user": user})["errcode"] == 41045
    assert corp.api.post(ADD, {"type": 1, "scene": 2, "user": user, "is_temp": True})["errcode"] == 41045
    # … which starts again on the next China day.
    isolated.ctl.post("/clock/advance", {"seconds": 86_400})
    assert corp.api.post(ADD, {"type": 1, "scene": 2, "user": user, "is_temp": True})["errcode"] == 0


@pytest.mark.parametrize("medical", [False, True])
def test_medical_industry_setting_is_reported(make_corp, medical: bool) -> None:
    corp = make_corp(medical_industry=medical, seed=False)
    assert corp.cget("?summary=1")["medical_industry"] is medical
