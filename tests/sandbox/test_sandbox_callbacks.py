"""Callback delivery: envelope, wechatpy interop, retries, timeouts, resend, raw events, URL check."""

from __future__ import annotations

import time

import xmltodict

from wecom_sandbox import envelope


def _userid(corp) -> str:
    return corp.api.get("externalcontact/get_follow_user_list")["follow_user"][0]


def test_add_customer_delivers_wecom_envelope(corp, receiver) -> None:
    userid = _userid(corp)
    res = corp.c("/customers/add", {"userid": userid, "name": "王小明🌸", "state": "s1", "wait": True})
    assert res["callback"]["delivered"] is True
    [rec] = receiver.wait_posts(corp.id, 1)
    assert rec.headers["Content-Type"] == "text/xml"
    assert set(rec.query) == {"msg_signature", "timestamp", "nonce"}
    assert abs(int(rec.query["timestamp"]) - time.time()) < 5
    outer = xmltodict.parse(rec.body)["xml"]
    assert (
        outer["ToUserName"] == corp.id and outer["AgentID"] == str(corp.info["agent_id"]) and outer["Encrypt"]
    )
    plain = receiver.decrypt(rec, corp.id)  # wechatpy
    assert plain == res["callback"]["plaintext"]
    assert plain.startswith(
        f"<xml><ToUserName><![CDATA[{corp.id}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>"
    )
    fields = xmltodict.parse(plain)["xml"]
    assert fields["MsgType"] == "event" and fields["Event"] == "change_external_contact"
    assert fields["ChangeType"] == "add_external_contact"
    assert fields["UserID"] == userid and fields["ExternalUserID"] == res["external_userid"]
    assert fields["State"] == "s1" and fields["WelcomeCode"] == res["welcome_code"]
    # our own unseal agrees with wechatpy
    assert (
        envelope.unseal(
            rec.body, rec.query, token=corp.info["token"], aes_key=corp.info["aes_key"], corp_id=corp.id
        )
        == plain
    )


def test_returns_immediately_without_wait(corp, receiver) -> None:
    receiver.delay_s = 0.4
    userid = _userid(corp)
    started = time.monotonic()
    res = corp.c("/customers/add", {"userid": userid})
    assert time.monotonic() - started < 0.3
    assert isinstance(res["callback_id"], int) and "callback" not in res
    receiver.wait_posts(corp.id, 1)
    deadline = time.monotonic() + 3
    while not corp.cget(f"/callbacks/{res['callback_id']}")["done"] and time.monotonic() < deadline:
        time.sleep(0.05)
    log = corp.cget("/callbacks")["callbacks"]
    assert log[-1]["id"] == res["callback_id"] and log[-1]["delivered"] is True and log[-1]["done"] is True


def test_a_non_200_answer_is_not_retried(corp, receiver) -> None:
    """WeCom retries only on a connection failure or a timeout (90930 §3.2): a 500 ends the delivery."""
    receiver.statuses = [500, 200]
    res = corp.c("/customers/add", {"userid": _userid(corp), "wait": True})
    cb = res["callback"]
    assert [a["status"] for a in cb["attempts"]] == [500]
    assert cb["attempts"][0]["error"] == "HTTP 500"
    assert cb["delivered"] is False and cb["done"] is True
    assert len(receiver.posts(corp.id)) == 1


def test_retry_on_status_switch_retries_a_500(make_corp, receiver) -> None:
    """The older assumption, on request: a non-200 answer retried, re-encrypted."""
    c = make_corp(callback_retry_on_status=True, seed={"employees": 1, "customers_per_employee": 0})
    assert c.cget("")["callback_retry_on_status"] is True
    receiver.statuses = [500, 200]
    cb = c.c("/users/create", {"userid": "r1", "name": "甲", "wait": True})["callback"]
    assert [a["status"] for a in cb["attempts"]] == [500, 200]
    assert cb["attempts"][0]["error"] == "HTTP 500" and cb["attempts"][1]["error"] is None
    assert cb["delivered"] is True and cb["done"] is True
    posts = receiver.posts(c.id)
    assert len(posts) == 2
    # same plaintext, fresh nonce and ciphertext
    assert receiver.decrypt(posts[0], c.id) == receiver.decrypt(posts[1], c.id)
    assert posts[0].query["nonce"] != posts[1].query["nonce"] and posts[0].body != posts[1].body


def test_gives_up_after_three_retries(make_corp, receiver) -> None:
    c = make_corp(callback_timeout_s=0.2, callback_retry_delays=[0.01, 0.01, 0.01],
                  seed={"employees": 1, "customers_per_employee": 0})
    receiver.delay_s = 0.5
    cb = c.c("/users/create", {"userid": "slow", "name": "慢", "wait": True})["callback"]
    assert [a["status"] for a in cb["attempts"]] == [None] * 4
    assert cb["delivered"] is False and cb["done"] is True


def test_a_timeout_then_an_answer_in_time_is_delivered(make_corp, receiver) -> None:
    c = make_corp(callback_timeout_s=0.3, callback_retry_delays=[0.01],
                  seed={"employees": 1, "customers_per_employee": 0})
    receiver.delays = [0.6, 0.0]
    cb = c.c("/users/create", {"userid": "late", "name": "迟", "wait": True})["callback"]
    assert [a["status"] for a in cb["attempts"]] == [None, 200]
    assert cb["delivered"] is True


def test_timeout_counts_as_failure(make_corp, receiver) -> None:
    c = make_corp(
        callback_timeout_s=0.2,
        callback_retry_delays=[0.01],
        seed={"employees": 1, "customers_per_employee": 0},
    )
    receiver.delay_s = 0.5
    cb = c.c("/users/create", {"userid": "slow", "name": "慢", "wait": True})["callback"]
    assert len(cb["attempts"]) == 2 and cb["delivered"] is False
    assert all(a["status"] is None and "0.2" in a["error"] for a in cb["attempts"])


def test_unreachable_receiver(make_corp) -> None:
    c = make_corp(callback_url="http://127.0.0.1:9/cb", callback_retry_delays=[0.01], seed=False)
    cb = c.c("/users/create", {"userid": "u1", "name": "甲", "wait": True})["callback"]
    assert [a["status"] for a in cb["attempts"]] == [None, None] and cb["attempts"][0]["error"]


def test_create_time_override_and_silent_change(corp, receiver) -> None:
    userid = _userid(corp)
    a = corp.c("/customers/add", {"userid": userid, "create_time": 1700000000, "wait": True})
    assert "<CreateTime>1700000000</CreateTime>" in a["callback"]["plaintext"]
    assert a["callback"]["create_time"] == 1700000000
    silent = corp.c("/customers/add", {"userid": userid, "callback": False})
    assert silent["callback_id"] is None
    # the silent change happened in the world
    got = corp.api.get("externalcontact/get", external_userid=silent["external_userid"])
    assert got["errcode"] == 0
    time.sleep(0.1)
    assert len(receiver.posts(corp.id)) == 1


def test_world_changes_before_callback(corp, receiver) -> None:
    """The app's handler calls externalcontact/get while handling the event and sees the new state."""
    seen: list[dict] = []

    def on_post(rec) -> None:
        fields = xmltodict.parse(receiver.decrypt(rec, corp.id))["xml"]
        seen.append(corp.api.get("externalcontact/get", external_userid=fields["ExternalUserID"]))

    corp.api.token  # noqa: B018 - fetch outside the handler
    receiver.on_post = on_post
    userid = _userid(corp)
    res = corp.c("/customers/add", {"userid": userid, "name": "新朋友", "wait": True})
    assert seen[0]["errcode"] == 0 and seen[0]["external_contact"]["name"] == "新朋友"
    corp.c(
        "/customers/del_by_employee",
        {"userid": userid, "external_userid": res["external_userid"], "wait": True},
    )
    assert seen[1]["errcode"] == 84061


def test_resend_same_and_fresh_envelope(corp, receiver) -> None:
    first = corp.c("/customers/add", {"userid": _userid(corp), "wait": True})["callback"]
    same = corp.c(f"/callbacks/{first['id']}/resend", {"same_envelope": True, "wait": True})
    fresh = corp.c(f"/callbacks/{first['id']}/resend", {"wait": True})
    assert same["resend_of"] == first["id"] and same["callback"]["delivered"]
    posts = receiver.wait_posts(corp.id, 3)
    assert posts[0].body == posts[1].body and posts[0].query == posts[1].query
    assert posts[2].query["nonce"] != posts[0].query["nonce"] or posts[2].body != posts[0].body
    assert receiver.decrypt(posts[2], corp.id) == receiver.decrypt(posts[0], corp.id)
    assert fresh["callback"]["plaintext"] == first["plaintext"]


def test_raw_event_fields_and_xml(corp, receiver) -> None:
    res = corp.c(
        "/events/raw",
        {
            "fields": {"Event": "some_future_event", "ChangeType": "x", "Foo": "bar", "N": 7},
            "create_time": 1700000001,
            "wait": True,
        },
    )
    plain = res["callback"]["plaintext"]
    assert plain == (
        f"<xml><ToUserName><![CDATA[{corp.id}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
        "<CreateTime>1700000001</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[some_future_event]]></Event>"
        "<ChangeType><![CDATA[x]]></ChangeType><Foo><![CDATA[bar]]></Foo><N>7</N></xml>"
    )
    xml = "<xml><ToUserName><![CDATA[x]]></ToUserName><Event><![CDATA[odd]]></Event></xml>"
    res2 = corp.c("/events/raw", {"xml": xml, "wait": True})
    assert res2["callback"]["plaintext"] == xml and res2["callback"]["event"] == "odd"
    assert receiver.decrypt(receiver.wait_posts(corp.id, 2)[1], corp.id) == xml
    assert corp.c("/events/raw", {}, expect=400)["error"]


def test_verify_url(corp, make_corp) -> None:
    res = corp.c("/verify_url")
    assert res["ok"] is True and res["status"] == 200 and res["got"] == res["expected"]
    bad = make_corp(callback_url="http://127.0.0.1:9/cb", seed=False)
    res = bad.c("/verify_url")
    assert res["ok"] is False and res["status"] is None and res["error"]


def test_patch_callback_url_redirects_deliveries(corp, receiver) -> None:
    corp.ctl.call("PATCH", f"/corps/{corp.id}", {"callback_url": receiver.url + "/other/{corp_id}"})
    corp.c("/users/create", {"userid": "newbie", "name": "新人", "wait": True})
    [rec] = receiver.wait_posts(corp.id, 1)
    assert rec.path == f"/other/{corp.id}"


def test_deliver_after_s_lets_later_changes_overtake(corp, receiver) -> None:
    """WeCom does not promise order: a held delivery arrives after the callbacks of later changes."""
    userid = _userid(corp)
    held = corp.c("/customers/add", {"userid": userid, "deliver_after_s": 0.5})
    quick = corp.c("/customers/add", {"userid": userid, "wait": True})
    posts = receiver.wait_posts(corp.id, 2, timeout=5)
    order = [receiver.decrypt(p, corp.id) for p in posts]
    assert quick["external_userid"] in order[0] and held["external_userid"] in order[1]
    assert corp.c("/customers/add", {"userid": userid, "deliver_after_s": 601}, expect=400)
