"""The WeCom client stand-in (wecom_sandbox/client.py), driven over HTTP as its script drives it: a page's
config and agentConfig checked against the tickets the sandbox issued (96909: sha1 of
jsapi_ticket=…&noncestr=…&timestamp=…&url=…, the URL without #…), the chat APIs refused before agentConfig and
answered for the session's chat after it, sendChatMessage validated and recorded, sessions apart.

The signatures are made with the product's signer (scrm.sidebar.js_sdk), so that the two implementations of
96909 check each other."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import requests
from scrm.sidebar.js_sdk import signature as product_signature

from tests.sandbox.conftest import CorpHandle

PAGE_URL = "http://127.0.0.1:8003/sidebar/?wecom_session=x"
APIS = ["getContext", "getCurExternalContact", "getCurExternalChat", "sendChatMessage"]


class Page:
    """One page load of the stand-in's script: its session and page id, posting invokes as the script does."""

    def __init__(self, base: str, session: str, url: str = PAGE_URL) -> None:
        self.base, self.session, self.url, self.page = base, session, url, uuid.uuid4().hex

    def invoke(self, name: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {"session": self.session, "page": self.page, "url": self.url, "name": name, "params": params or {}}
        resp = requests.post(f"{self.base}/sandbox-client/invoke", json=body, timeout=10)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def agent_config(self, corp: CorpHandle, ticket: str, *, url: str | None = None, agentid: Any = None,
                     corpid: str | None = None, apis: list[str] | None = None) -> dict[str, Any]:
        nonce, ts = uuid.uuid4().hex[:16], int(time.time())
        return self.invoke("agentConfig", {
            "corpid": corpid or corp.id, "agentid": str(agentid or corp.info["agent_id"]), "timestamp": str(ts),
            "nonceStr": nonce, "signature": product_signature(ticket, nonce, ts, (url or self.url).split("#")[0]),
            "jsApiList": APIS if apis is None else apis,
        })

    def config(self, corp: CorpHandle, ticket: str) -> dict[str, Any]:
        nonce, ts = uuid.uuid4().hex[:16], int(time.time())
        sign = product_signature(ticket, nonce, ts, self.url.split("#")[0])
        return self.invoke("preVerifyJSAPI", {
            "appId": corp.id, "verifyAppId": corp.id, "verifySignType": "sha1", "verifyTimestamp": str(ts),
            "verifyNonceStr": nonce, "verifySignature": sign, "verifyJsApiList": ["getContext"],
        })


def _served_customer(corp: CorpHandle) -> tuple[str, str]:
    """(userid, external_userid) of a relation of the seeded corp."""
    for customer in corp.cget()["customers"]:
        if customer["follow_users"]:
            return customer["follow_users"][0]["userid"], customer["external_userid"]
    raise AssertionError("the seeded corp has no relation")


def _session(corp: CorpHandle, **body: Any) -> dict[str, Any]:
    return corp.ctl.post("/client-sessions", {"corp_id": corp.id, **body}, expect=201)


def _tickets(corp: CorpHandle) -> tuple[str, str]:
    jsapi = corp.api.get("get_jsapi_ticket")["ticket"]
    agent = corp.api.get("ticket/get", type="agent_config")["ticket"]
    return jsapi, agent


def test_the_script_is_served_as_javascript(sandbox) -> None:
    resp = requests.get(f"{sandbox.url}/sandbox-client/wecom-client.js", timeout=10)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/javascript")
    assert "WeixinJSBridgeReady" in resp.text and "wxwork/" in resp.text
    assert requests.get(f"{sandbox.url}/sandbox-client/nope", timeout=10).status_code == 404


def test_agent_config_signed_right_opens_the_chat_apis(corp, sandbox) -> None:
    userid, external_userid = _served_customer(corp)
    session = _session(corp, userid=userid, entry="single_chat_tools", external_userid=external_userid)
    assert session["url_param"] == f"wecom_session={session['id']}"
    jsapi, agent = _tickets(corp)
    page = Page(sandbox.url, session["id"], PAGE_URL + "#/portrait")  # the fragment is not signed
    before = page.invoke("getContext")
    assert before["err_msg"] == "getContext:fail no permission" and "agentConfig" in before["sandbox_reason"]
    assert page.agent_config(corp, agent) == {"err_msg": "agentConfig:ok"}
    assert page.invoke("getContext") == {"err_msg": "getContext:ok", "entry": "single_chat_tools"}
    assert page.invoke("getCurExternalContact") == {"err_msg": "getCurExternalContact:ok", "userId": external_userid}
    chat = page.invoke("getCurExternalChat")
    assert chat["err_msg"] == "getCurExternalChat:fail without context of external contact"
    # The corp's config too (a client older than 3.0.24 runs it first): the corp's jsapi ticket.
    assert page.config(corp, jsapi) == {"err_msg": "config:ok"}
    # A new page load (another page id) must configure again, as in WeCom after a reload.
    reloaded = Page(sandbox.url, session["id"])
    assert reloaded.invoke("getContext")["err_msg"] == "getContext:fail no permission"


@pytest.mark.parametrize("wrong", ["url", "ticket_kind", "nonce", "bogus_ticket"])
def test_a_wrong_signature_fails_agent_config(corp, sandbox, wrong) -> None:
    userid, external_userid = _served_customer(corp)
    session = _session(corp, userid=userid, external_userid=external_userid)
    jsapi, agent = _tickets(corp)
    page = Page(sandbox.url, session["id"])
    if wrong == "url":  # signed for another page than the one the client shows
        answer = page.agent_config(corp, agent, url="http://127.0.0.1:8003/sidebar/other")
    elif wrong == "ticket_kind":  # the corp's ticket where the app's is due
        answer = page.agent_config(corp, jsapi)
    elif wrong == "bogus_ticket":
        answer = page.agent_config(corp, "0" * 64)
    else:
        ts = int(time.time())
        answer = page.invoke("agentConfig", {
            "corpid": corp.id, "agentid": str(corp.info["agent_id"]), "timestamp": str(ts), "nonceStr": "other",
            "signature": product_signature(agent, "nonce", ts, PAGE_URL), "jsApiList": APIS,
        })
    assert answer["err_msg"] == "agentConfig:invalid signature" and answer["err_code"] == 40093
    assert page.invoke("getContext")["err_msg"] == "getContext:fail no permission"
    config = page.config(corp, agent)  # the app's ticket where the corp's is due
    assert config["err_msg"] == "config:invalid signature"


def test_an_expired_ticket_fails(isolated) -> None:
    corp = isolated.make_corp(seed={"employees": 1, "customers_per_employee": 1, "groups": 0, "seed": 3})
    userid, external_userid = _served_customer(corp)
    session = _session(corp, userid=userid, external_userid=external_userid)
    jsapi, agent = _tickets(corp)
    page = Page(isolated.server.url, session["id"])
    isolated.ctl.post("/clock/advance", {"seconds": 7201})
    answer = page.agent_config(corp, agent)
    assert answer["err_msg"] == "agentConfig:invalid signature" and "expired" in answer["sandbox_reason"]
    config = page.config(corp, jsapi)
    assert config["err_msg"] == "config:invalid signature" and "expired" in config["sandbox_reason"]
    corp.api._token = None  # the access token expired too
    fresh = corp.api.get("ticket/get", type="agent_config")["ticket"]  # a new fetch signs again
    assert page.agent_config(corp, fresh)["err_msg"] == "agentConfig:ok"


def test_unknown_corp_wrong_agentid_and_untrusted_domain_fail(corp, make_corp, sandbox) -> None:
    userid, external_userid = _served_customer(corp)
    session = _session(corp, userid=userid, external_userid=external_userid)
    _, agent = _tickets(corp)
    page = Page(sandbox.url, session["id"])
    unknown = page.agent_config(corp, agent, corpid="wwnosuchcorp")
    assert unknown["err_msg"] == "agentConfig:invalid corpId" and unknown["err_code"] == 40013
    other = make_corp(seed={"employees": 1, "customers_per_employee": 0, "groups": 0, "seed": 9})
    _, other_agent = _tickets(other)  # a real corp, but not the one the member is in
    assert page.agent_config(other, other_agent)["err_msg"] == "agentConfig:invalid corpId"
    wrong = page.agent_config(corp, agent, agentid=4242)
    assert wrong["err_msg"] == "agentConfig:invalid agentid" and wrong["err_code"] == 40056
    # Another app of the corp signing with the main app's ticket: invalid signature.
    corp.c("/apps", {"agent_id": 1000777}, expect=201)
    assert page.agent_config(corp, agent, agentid=1000777)["err_msg"] == "agentConfig:invalid signature"
    corp.ctl.call("PATCH", f"/corps/{corp.id}/apps/{corp.info['agent_id']}", {"trusted_domains": ["scrm.example.com"]})
    untrusted = page.agent_config(corp, agent)
    assert untrusted["err_msg"] == "agentConfig:invalid url domain"
    trusted = Page(sandbox.url, session["id"], "https://scrm.example.com/sidebar/")
    assert trusted.agent_config(corp, agent)["err_msg"] == "agentConfig:ok"
    assert page.invoke("getContext")["err_msg"] == "getContext:fail no permission"


def test_apis_left_out_of_js_api_list_are_refused(corp, sandbox) -> None:
    userid, external_userid = _served_customer(corp)
    session = _session(corp, userid=userid, external_userid=external_userid)
    _, agent = _tickets(corp)
    page = Page(sandbox.url, session["id"])
    assert page.agent_config(corp, agent, apis=["getContext"])["err_msg"] == "agentConfig:ok"
    assert page.invoke("getContext")["err_msg"] == "getContext:ok"
    refused = page.invoke("sendChatMessage", {"msgtype": "text", "text": {"content": "x"}})
    assert refused["err_msg"] == "sendChatMessage:fail no permission" and "jsApiList" in refused["sandbox_reason"]
    assert page.invoke("openUserProfile")["err_msg"] == "openUserProfile:function not exist"


def test_send_chat_message_is_validated_and_recorded(corp, sandbox) -> None:
    userid, external_userid = _served_customer(corp)
    session = _session(corp, userid=userid, external_userid=external_userid)
    _, agent = _tickets(corp)
    page = Page(sandbox.url, session["id"])
    page.agent_config(corp, agent)
    good = [
        {"msgtype": "text", "text": {"content": "王女士您好"}, "enterChat": True},
        {"msgtype": "news", "news": {"link": "https://a.example/p", "title": "新品", "desc": "", "imgUrl": ""}},
        {"msgtype": "miniprogram", "miniprogram": {"appid": "wx1", "title": "商城", "imgUrl": "https://a.example/c.png",
                                                   "page": "pages/index.html"}},
        {"msgtype": "image", "image": {"imgUrl": "https://a.example/i.png"}},
    ]
    for message in good:
        assert page.invoke("sendChatMessage", message) == {"err_msg": "sendChatMessage:ok"}, message
    bad = [
        ({"msgtype": "voice", "voice": {}}, "invalid msgtype"),
        ({"msgtype": "text", "text": {"content": "  "}}, "invalid content"),
        ({"msgtype": "text"}, "invalid text"),
        ({"msgtype": "news", "news": {"link": "javascript:alert(1)", "title": "x"}}, "invalid link"),
        ({"msgtype": "miniprogram", "miniprogram": {"appid": "wx1", "title": "t", "imgUrl": "https://a/c.png",
                                                    "page": "pages/index"}}, "invalid page"),
        ({"msgtype": "miniprogram", "miniprogram": {"appid": "wx1", "title": "t", "imgUrl": "c.png",
                                                    "page": "p.html"}}, "invalid imgUrl"),
        ({"msgtype": "video", "video": {}}, "invalid mediaid"),
        ({"msgtype": "text", "text": {"content": "x"}, "enterChat": "yes"}, "invalid enterChat"),
    ]
    for message, why in bad:
        assert page.invoke("sendChatMessage", message)["err_msg"] == f"sendChatMessage:fail {why}", message
    sent = corp.ctl.get(f"/client-sessions/{session['id']}/calls?name=sendChatMessage")["calls"]
    assert [c["params"] for c in sent if c["ok"]] == good
    assert len([c for c in sent if not c["ok"]]) == len(bad)
    first = sent[0]
    assert first["url"] == PAGE_URL and first["page"] == page.page and first["err_msg"] == "sendChatMessage:ok"
    everything = corp.ctl.get(f"/client-sessions/{session['id']}/calls")
    assert [c["name"] for c in everything["calls"]][0] == "agentConfig"
    assert "verifySignature" not in str(everything["calls"])  # the jssdk's signature copies are not kept
    later = corp.ctl.get(f"/client-sessions/{session['id']}/calls?since={everything['last_seq']}")
    assert later["calls"] == []


def test_media_ids_must_be_uploaded_and_unexpired(isolated) -> None:
    from wecom_sandbox import media
    corp = isolated.make_corp(seed={"employees": 1, "customers_per_employee": 1, "groups": 0, "seed": 4})
    userid, external_userid = _served_customer(corp)
    session = _session(corp, userid=userid, external_userid=external_userid)
    _, agent = _tickets(corp)
    page = Page(isolated.server.url, session["id"])
    page.agent_config(corp, agent)
    world = isolated.server.app.world
    with world.lock:
        state = world.corp(corp.id).media
        image = media.upload(state, "image", {"data": b"\x89PNG\r\n\x1a\n" + b"0" * 16, "filename": "a.png"}, world.now())
        doc = media.upload(state, "file", {"data": b"%PDF-1.4 x", "filename": "a.pdf"}, world.now())
    assert page.invoke("sendChatMessage", {"msgtype": "image", "image": {"mediaid": image.media_id}})["err_msg"] \
        == "sendChatMessage:ok"
    assert page.invoke("sendChatMessage", {"msgtype": "file", "file": {"mediaid": doc.media_id}})["err_msg"] \
        == "sendChatMessage:ok"
    assert page.invoke("sendChatMessage", {"msgtype": "video", "video": {"mediaid": image.media_id}})["err_msg"] \
        == "sendChatMessage:fail invalid mediaid"  # an image is not a video
    assert page.invoke("sendChatMessage", {"msgtype": "image", "image": {"mediaid": "3nosuchmedia"}})["err_msg"] \
        == "sendChatMessage:fail invalid mediaid"
    isolated.ctl.post("/clock/advance", {"seconds": 3 * 86400 + 1})
    corp.api._token = None
    fresh = corp.api.get("ticket/get", type="agent_config")["ticket"]
    page.agent_config(corp, fresh)
    expired = page.invoke("sendChatMessage", {"msgtype": "image", "image": {"mediaid": image.media_id}})
    assert expired["err_msg"] == "sendChatMessage:fail invalid mediaid" and "expired" in expired["sandbox_reason"]


def test_two_sessions_at_once_each_play_their_own_chat(corp, sandbox) -> None:
    userid, external_userid = _served_customer(corp)
    group = corp.cget()["groups"][0]
    owner = group["owner"]
    single = _session(corp, userid=userid, external_userid=external_userid)
    chat = _session(corp, userid=owner, entry="group_chat_tools", chat_id=group["chat_id"])
    assert single["id"] != chat["id"]
    _, agent = _tickets(corp)
    a, b = Page(sandbox.url, single["id"]), Page(sandbox.url, chat["id"])
    a.page = b.page  # even the same page id: the sessions keep their page loads apart
    assert a.agent_config(corp, agent)["err_msg"] == "agentConfig:ok"
    assert b.invoke("getContext")["err_msg"] == "getContext:fail no permission"
    assert b.agent_config(corp, agent)["err_msg"] == "agentConfig:ok"
    assert a.invoke("getContext")["entry"] == "single_chat_tools"
    assert b.invoke("getContext")["entry"] == "group_chat_tools"
    assert b.invoke("getCurExternalChat") == {"err_msg": "getCurExternalChat:ok", "chatId": group["chat_id"]}
    assert b.invoke("getCurExternalContact")["err_msg"] == "getCurExternalContact:fail without context of external contact"
    a.invoke("sendChatMessage", {"msgtype": "text", "text": {"content": "给客户"}})
    b.invoke("sendChatMessage", {"msgtype": "text", "text": {"content": "给群"}})
    texts = {s["id"]: [c["params"]["text"]["content"] for c in
                       corp.ctl.get(f"/client-sessions/{s['id']}/calls?name=sendChatMessage")["calls"]]
             for s in (single, chat)}  # fmt: skip
    assert texts == {single["id"]: ["给客户"], chat["id"]: ["给群"]}
    listed = {s["id"] for s in corp.ctl.get(f"/client-sessions?corp_id={corp.id}")["sessions"]}
    assert {single["id"], chat["id"]} <= listed
    # The member moves to the group chat: the same page answers the new chat.
    moved = corp.ctl.call("PATCH", f"/client-sessions/{single['id']}",
                          {"entry": "group_chat_tools", "chat_id": group["chat_id"], "unchecked": True})
    assert moved["entry"] == "group_chat_tools" and moved["external_userid"] is None
    assert a.invoke("getCurExternalChat")["chatId"] == group["chat_id"]
    assert corp.ctl.call("DELETE", f"/client-sessions/{chat['id']}")["deleted"] == chat["id"]
    assert b.invoke("getContext")["err_msg"] == "getContext:fail no sandbox session"
    corp.ctl.get(f"/client-sessions/{chat['id']}/calls", expect=404)


def test_sessions_are_checked_against_the_world(corp) -> None:
    userid, external_userid = _served_customer(corp)
    others = [e["userid"] for e in corp.cget()["employees"] if e["userid"] != userid]
    stranger = others[0]
    served_by_stranger = {c["external_userid"] for c in corp.cget()["customers"]
                          if any(f["userid"] == stranger for f in c["follow_users"])}
    corp.ctl.post("/client-sessions", {"corp_id": "wwnope", "userid": userid}, expect=404)
    corp.ctl.post("/client-sessions", {"corp_id": corp.id, "userid": "nobody", "external_userid": external_userid},
                  expect=404)
    corp.ctl.post("/client-sessions", {"corp_id": corp.id, "userid": userid}, expect=400)  # no customer
    corp.ctl.post("/client-sessions", {"corp_id": corp.id, "userid": userid, "entry": "bogus",
                                       "external_userid": external_userid}, expect=400)
    if external_userid not in served_by_stranger:
        refused = corp.ctl.post("/client-sessions", {"corp_id": corp.id, "userid": stranger,
                                                     "external_userid": external_userid}, expect=400)
        assert "does not serve" in refused["error"]
        forced = _session(corp, userid=stranger, external_userid=external_userid, unchecked=True)
        assert forced["external_userid"] == external_userid
    corp.ctl.post("/client-sessions", {"corp_id": corp.id, "userid": userid, "entry": "group_chat_tools",
                                       "chat_id": "wrnosuchgroup"}, expect=404)
    normal = _session(corp, userid=userid, entry="normal")
    assert normal["external_userid"] is None and normal["chat_id"] is None
