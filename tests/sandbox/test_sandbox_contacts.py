"""Customer-contact APIs: shapes after each mutation, one-way relations, paging and limits."""

from __future__ import annotations

import xmltodict

FOLLOW_KEYS = {
    "userid",
    "remark",
    "description",
    "createtime",
    "tags",
    "remark_corp_name",
    "remark_mobiles",
    "oper_userid",
    "add_way",
    "state",
}


def _event(receiver, corp, index: int) -> dict:
    posts = receiver.wait_posts(corp.id, index + 1)
    return xmltodict.parse(receiver.decrypt(posts[index], corp.id))["xml"]


def test_customer_lifecycle_shapes(make_corp, receiver) -> None:
    c = make_corp(
        seed={"employees": 2, "customers_per_employee": 0, "tag_groups": 1, "tags": 2, "groups": 0, "seed": 3}
    )
    alice, bob = c.api.get("user/simplelist", department_id=1)["userlist"][0]["userid"], None
    bob = c.api.get("user/simplelist", department_id=1)["userlist"][1]["userid"]
    tag_ids = [t["id"] for t in c.api.post("externalcontact/get_corp_tag_list", {})["tag_group"][0]["tag"]]

    # add (half) → new customer with one follow_user
    added = c.c(
        "/customers/add",
        {
            "userid": alice,
            "name": "客户甲",
            "state": "qr1",
            "half": True,
            "add_way": 1,
            "create_time": 1700000100,
            "wait": True,
        },
    )
    ext = added["external_userid"]
    assert ext.startswith("wm") and len(ext) == 32
    ev = _event(receiver, c, 0)
    assert (
        ev["ChangeType"] == "add_half_external_contact"
        and ev["State"] == "qr1"
        and ev["WelcomeCode"] == added["welcome_code"]
    )
    got = c.api.get("externalcontact/get", external_userid=ext)
    assert got["errcode"] == 0 and got["next_cursor"] == ""
    assert got["external_contact"] == {
        "external_userid": ext,
        "name": "客户甲",
        "avatar": "",
        "type": 1,
        "gender": 0,
    }
    [fu] = got["follow_user"]
    assert set(fu) == FOLLOW_KEYS
    assert (
        fu["userid"] == alice
        and fu["createtime"] == 1700000100
        and fu["state"] == "qr1"
        and fu["add_way"] == 1
    )
    assert fu["oper_userid"] == ext and fu["tags"] == []

    # second employee adds the same customer
    c.c("/customers/add", {"userid": bob, "external_userid": ext, "welcome_code": False, "wait": True})
    ev = _event(receiver, c, 1)
    assert ev["ChangeType"] == "add_external_contact" and "WelcomeCode" not in ev and "State" not in ev
    assert [f["userid"] for f in c.api.get("externalcontact/get", external_userid=ext)["follow_user"]] == [
        alice,
        bob,
    ]

    # edit remark + tags → edit_external_contact
    c.c(
        "/customers/edit",
        {
            "userid": alice,
            "external_userid": ext,
            "remark": "甲-VIP",
            "description": "d",
            "add_tags": tag_ids,
            "wait": True,
        },
    )
    ev = _event(receiver, c, 2)
    assert (
        ev["ChangeType"] == "edit_external_contact" and ev["UserID"] == alice and ev["ExternalUserID"] == ext
    )
    fu = c.api.get("externalcontact/get", external_userid=ext)["follow_user"][0]
    assert fu["remark"] == "甲-VIP" and fu["description"] == "d"
    assert [t["tag_id"] for t in fu["tags"]] == tag_ids
    assert all(set(t) == {"group_name", "tag_name", "tag_id", "type"} and t["type"] == 1 for t in fu["tags"])

    # remark_mobiles-only edit: no event (WeCom rule)
    res = c.c("/customers/edit", {"userid": alice, "external_userid": ext, "remark_mobiles": ["13800000000"]})
    assert res["callback_id"] is None
    assert c.api.get("externalcontact/get", external_userid=ext)["follow_user"][0]["remark_mobiles"] == [
        "13800000000"
    ]

    # customer deletes alice → del_follow_user, relation still returned (one-way)
    c.c("/customers/del_by_customer", {"userid": alice, "external_userid": ext, "wait": True})
    assert _event(receiver, c, 3)["ChangeType"] == "del_follow_user"
    assert [f["userid"] for f in c.api.get("externalcontact/get", external_userid=ext)["follow_user"]] == [
        alice,
        bob,
    ]
    assert ext in c.api.get("externalcontact/list", userid=alice)["external_userid"]

    # bob deletes the customer → del_external_contact with Source; bob's relation gone
    c.c(
        "/customers/del_by_employee",
        {"userid": bob, "external_userid": ext, "source": "DELETE_BY_TRANSFER", "wait": True},
    )
    ev = _event(receiver, c, 4)
    assert ev["ChangeType"] == "del_external_contact" and ev["Source"] == "DELETE_BY_TRANSFER"
    assert [f["userid"] for f in c.api.get("externalcontact/get", external_userid=ext)["follow_user"]] == [
        alice
    ]
    assert c.api.get("externalcontact/list", userid=bob)["errcode"] == 84061

    # transfer_fail leaves the world alone
    c.c(
        "/customers/transfer_fail",
        {"userid": bob, "external_userid": ext, "reason": "customer_refused", "wait": True},
    )
    ev = _event(receiver, c, 5)
    assert (
        ev["ChangeType"] == "transfer_fail" and ev["FailReason"] == "customer_refused" and ev["UserID"] == bob
    )

    # alice deletes too → no relation left → 84061
    c.c("/customers/del_by_employee", {"userid": alice, "external_userid": ext, "wait": True})
    assert "Source" not in _event(receiver, c, 6)
    assert c.api.get("externalcontact/get", external_userid=ext)["errcode"] == 84061

    # mark_tag on a missing relation → 84061; API writes send no callback
    assert (
        c.api.post("externalcontact/mark_tag", {"userid": alice, "external_userid": ext, "add_tag": tag_ids})[
            "errcode"
        ]
        == 84061
    )
    assert len(c.cget("/callbacks")["callbacks"]) == 7


def test_get_errors(corp) -> None:
    assert corp.api.get("externalcontact/get", external_userid="not-an-id")["errcode"] == 40096
    assert corp.api.get("externalcontact/get", external_userid="wm" + "x" * 30)["errcode"] == 84061
    assert corp.api.get("externalcontact/list", userid="ghost")["errcode"] == 60111
    assert corp.api.get("user/get", userid="ghost")["errcode"] == 60111


def test_follow_user_list_and_list(corp) -> None:
    world = corp.cget()
    followers = corp.api.get("externalcontact/get_follow_user_list")["follow_user"]
    having = sorted({f["userid"] for cu in world["customers"] for f in cu["follow_users"]})
    assert sorted(followers) == having
    exts = corp.api.get("externalcontact/list", userid=followers[0])["external_userid"]
    assert len(exts) == 3


def test_follow_user_pages_at_500(make_corp) -> None:
    c = make_corp(seed={"employees": 501, "customers_per_employee": 0, "tag_groups": 0, "groups": 0})
    users = [u["userid"] for u in c.cget()["employees"]]
    ext = c.c("/customers/add", {"userid": users[0], "callback": False})["external_userid"]
    for userid in users[1:]:
        c.c("/customers/add", {"userid": userid, "external_userid": ext, "callback": False})
    first = c.api.get("externalcontact/get", external_userid=ext)
    assert len(first["follow_user"]) == 500 and first["next_cursor"]
    second = c.api.get("externalcontact/get", external_userid=ext, cursor=first["next_cursor"])
    assert [f["userid"] for f in second["follow_user"]] == [users[-1]] and second["next_cursor"] == ""


def test_batch_get_by_user_paging(make_corp) -> None:
    c = make_corp(
        seed={"employees": 3, "customers_per_employee": 7, "tag_groups": 1, "tags": 3, "groups": 0, "seed": 9}
    )
    users = [u["userid"] for u in c.cget()["employees"]]
    expected = {(u, e) for u in users for e in c.api.get("externalcontact/list", userid=u)["external_userid"]}
    seen: list[tuple[str, str]] = []
    cursor = ""
    pages = 0
    while True:
        r = c.api.post(
            "externalcontact/batch/get_by_user", {"userid_list": users, "cursor": cursor, "limit": 4}
        )
        assert r["errcode"] == 0
        assert len(r["external_contact_list"]) <= 4
        for item in r["external_contact_list"]:
            assert set(item["external_contact"]) >= {"external_userid", "name", "avatar", "type", "gender"}
            assert set(item["follow_info"]) == FOLLOW_KEYS - {"tags"} | {"tag_id"}
            seen.append((item["follow_info"]["userid"], item["external_contact"]["external_userid"]))
        pages += 1
        if pages == 2:  # a relation added mid-paging for an already-finished position must not shift pages
            c.c("/customers/add", {"userid": users[0], "callback": False})
        cursor = r["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 21
    assert set(seen) == expected
    default = c.api.post("externalcontact/batch/get_by_user", {"userid_list": users})
    assert len(default["external_contact_list"]) == 22 and default["next_cursor"] == ""  # default limit 50


def test_batch_get_by_user_limits(corp) -> None:
    users = corp.api.get("externalcontact/get_follow_user_list")["follow_user"]
    post = corp.api.post
    assert post("externalcontact/batch/get_by_user", {"userid_list": []})["errcode"] == 40058
    assert post("externalcontact/batch/get_by_user", {"userid_list": ["u"] * 101})["errcode"] == 40058
    assert post("externalcontact/batch/get_by_user", {"userid_list": users, "limit": 0})["errcode"] == 40058
    assert (
        post("externalcontact/batch/get_by_user", {"userid_list": users, "cursor": "garbage!"})["errcode"]
        == 40058
    )
    assert post("externalcontact/batch/get_by_user", {"userid_list": users, "limit": 100})["errcode"] == 0


def test_batch_get_by_user_limit_over_100_is_taken_as_100(make_corp) -> None:
    """93010 / 92994: "超过最大值时取最大值" — a limit over 100 is clamped, not refused."""
    c = make_corp(seed={"employees": 2, "customers_per_employee": 60, "groups": 0, "seed": 4})
    users = [u["userid"] for u in c.cget()["employees"]]
    for asked in (101, 500):
        page = c.api.post("externalcontact/batch/get_by_user", {"userid_list": users, "limit": asked})
        assert page["errcode"] == 0 and len(page["external_contact_list"]) == 100 and page["next_cursor"]
        rest = c.api.post(
            "externalcontact/batch/get_by_user",
            {"userid_list": users, "limit": asked, "cursor": page["next_cursor"]},
        )
        assert len(rest["external_contact_list"]) == 20 and rest["next_cursor"] == ""


def test_remark_and_welcome_msg(corp) -> None:
    userid = corp.api.get("externalcontact/get_follow_user_list")["follow_user"][0]
    added = corp.c("/customers/add", {"userid": userid, "callback": False})
    ext, code = added["external_userid"], added["welcome_code"]
    assert (
        corp.api.post("externalcontact/remark", {"userid": userid, "external_userid": ext, "remark": "备注"})[
            "errcode"
        ]
        == 0
    )
    assert corp.api.get("externalcontact/get", external_userid=ext)["follow_user"][0]["remark"] == "备注"
    assert (
        corp.api.post(
            "externalcontact/send_welcome_msg", {"welcome_code": code, "text": {"content": "欢迎"}}
        )["errcode"]
        == 0
    )
    assert (
        corp.api.post(
            "externalcontact/send_welcome_msg", {"welcome_code": code, "text": {"content": "欢迎"}}
        )["errcode"]
        == 41051
    )
    assert (
        corp.api.post("externalcontact/send_welcome_msg", {"welcome_code": "nope", "text": {"content": "x"}})[
            "errcode"
        ]
        == 41050
    )
    msgs = corp.cget("/messages")["messages"]
    assert msgs[-1]["kind"] == "welcome" and msgs[-1]["external_userid"] == ext
