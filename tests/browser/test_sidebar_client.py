"""The built sidebar (web/sidebar/dist) in headless Chromium at 390×844 with the WeCom sandbox's client stand-in:
the real @wecom/jssdk registers with signatures from GET /admin/sidebar/js-config, runs agentConfig against
the stand-in (checked by the sandbox against the ticket it issued), learns the chat the test chose through
the control API (getContext, getCurExternalContact / getCurExternalChat) and sends a text that the sandbox
records (sendChatMessage). Two tabs at once play two chats; a wrong signature is refused and shown in words.

No local stack: an in-process sandbox, the console server (serving /sidebar/ and passing /sandbox-client/ to
the sandbox), and in place of the admin API a small server that signs as layers/scrm/sidebar/js_config.py
does (the sandbox's tickets, scrm.sidebar.js_sdk.sign) and answers the few sidebar routes the pages call
with fixed shapes (a member, a portrait, one script): what these tests check is the page with the client
stand-in; the real routes, login and store are tested on the stack (test_sidebar_on_stack.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from scrm.sidebar.js_sdk import sign

from devstack.console_server import CLIENT_SCRIPT, serve, sidebar_config, write_config
from devstack.stack import ROOT
from tests.browser.conftest import DIST, NARROW
from tests.support.waiting import wait_for
from wecom_sandbox import start_server

SIDEBAR_DIST = ROOT / "web" / "sidebar" / "dist"


@dataclass
class Signer:
    """The admin API's GET /admin/sidebar/js-config, as js_config.py answers it, for one sandbox corp."""

    sandbox_url: str
    corp: dict[str, Any]
    asked: list[str] = field(default_factory=list)
    counted: list[str] = field(default_factory=list)
    tamper: bool = False
    _tickets: tuple[str, str] | None = None

    def tickets(self) -> tuple[str, str]:
        if self._tickets is None:
            base = f"{self.sandbox_url}/cgi-bin/"
            token = requests.get(base + "gettoken", params={"corpid": self.corp["corp_id"],
                                 "corpsecret": self.corp["secret"]}, timeout=10).json()["access_token"]  # fmt: skip
            jsapi = requests.get(base + "get_jsapi_ticket", params={"access_token": token}, timeout=10).json()
            agent = requests.get(base + "ticket/get", params={"access_token": token, "type": "agent_config"},
                                 timeout=10).json()  # fmt: skip
            self._tickets = (jsapi["ticket"], agent["ticket"])
        return self._tickets

    def answer(self, url: str) -> dict[str, Any]:
        self.asked.append(url)
        jsapi, agent = self.tickets()
        signed_url = url + "&tampered" if self.tamper else url
        corp_id = self.corp["corp_id"]
        return {"config": {"appId": corp_id, **sign(jsapi, signed_url).as_dict()},
                "agentConfig": {"corpid": corp_id, "agentid": str(self.corp["agent_id"]),
                                **sign(agent, signed_url).as_dict()}}  # fmt: skip


SCRIPT_TEXT = "王女士您好，新品到店了"
FIXED = {
    "/admin/sidebar/me": lambda signer: {"corp_id": signer.corp["corp_id"], "userid": "member", "name": "店员",
                                         "role": None, "corp_wide": False, "agent_id": str(signer.corp["agent_id"]),
                                         "csrf_token": "t", "expires_at": 0},
    "/admin/sidebar/scripts": lambda signer: {"items": [{"script_id": "s1", "scope": "corp", "owner": "",
                                                         "group": "", "title": "问候", "text": "{name}您好"}],
                                              "next_cursor": "", "groups": []},
}  # fmt: skip


def _portrait(signer: Signer, path: str) -> dict[str, Any]:
    """The shape the pages read, for the id in the path (the customer's or the group's)."""
    last = path.rsplit("/", 1)[1]
    if "/groups/" in path:
        return {"chat_id": last, "name": f"群 {last}", "owner": "member", "owner_name": "店员", "notice": "",
                "admins": [], "create_time": 0, "status": "active", "labels": [], "member_count": 1,
                "customer_count": 0, "members": [], "corp_wide": False, "sops": []}  # fmt: skip
    return {"external_userid": last, "profile": {"name": f"客户 {last}"}, "relation": None, "others": [],
            "groups": [], "timeline": [], "corp_wide": False}  # fmt: skip


def _signer_server(signer: Signer) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - the base class's name
            parts = urlsplit(self.path)
            if parts.path == "/admin/sidebar/js-config":
                self._answer(200, signer.answer(parse_qs(parts.query).get("url", [""])[0]))
            elif parts.path in FIXED:
                self._answer(200, FIXED[parts.path](signer))
            elif parts.path.startswith(("/admin/sidebar/customers/", "/admin/sidebar/groups/")):
                self._answer(200, _portrait(signer, parts.path))
            else:
                self._answer(404, {"error": "no such route"})

        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if self.path == "/admin/sidebar/send":
                self._answer(200, {"kind": "script", "item_id": body["script_id"],
                                   "message": {"msgtype": "text", "text": {"content": SCRIPT_TEXT}}})  # fmt: skip
            elif self.path == "/admin/sidebar/sent":
                signer.counted.append(body["item_id"])
                self._answer(200, {"counted": True, "kind": body["kind"], "item_id": body["item_id"]})
            else:
                self._answer(404, {"error": "no such route"})

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class SidebarRig:
    url: str  # http://127.0.0.1:<port>/sidebar/
    sandbox_url: str
    corp: dict[str, Any]
    signer: Signer

    def control(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        resp = requests.request(method, f"{self.sandbox_url}/control{path}", json=body, timeout=10)
        assert resp.status_code == expect, resp.text
        return resp.json()

    def session(self, **body: Any) -> dict[str, Any]:
        return self.control("POST", "/client-sessions", {"corp_id": self.corp["corp_id"], **body}, expect=201)

    def calls(self, session_id: str, name: str = "") -> list[dict[str, Any]]:
        return self.control("GET", f"/client-sessions/{session_id}/calls?name={name}")["calls"]


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SidebarRig]:
    if not (SIDEBAR_DIST / "index.html").exists():
        pytest.fail("the sidebar is not built: run `make web`")
    sandbox, _ = start_server("127.0.0.1", 0)
    corp = requests.post(f"{sandbox.url}/control/corps", json={"seed": {
        "employees": 2, "customers_per_employee": 2, "groups": 1, "members_per_group": 3, "seed": 19}},
        timeout=30).json()  # fmt: skip
    signer = Signer(sandbox.url, corp)
    admin = _signer_server(signer)
    folder: Path = tmp_path_factory.mktemp("sidebar")
    write_config(folder / "console.json", {"corp_id": "", "api_base": ""})
    write_config(folder / "sidebar.json", sidebar_config(client_script=CLIENT_SCRIPT))
    server = serve("127.0.0.1", 0, DIST, folder / "console.json", f"http://127.0.0.1:{admin.server_address[1]}",
                   sidebar_dist=SIDEBAR_DIST, sidebar_config_path=folder / "sidebar.json", sandbox=sandbox.url)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield SidebarRig(f"http://127.0.0.1:{server.server_address[1]}/sidebar/", sandbox.url, corp, signer)
    finally:
        for s in (server, admin):
            s.shutdown()
            s.server_close()
        sandbox.stop()


@pytest.fixture
def viewport() -> dict[str, int]:
    return NARROW


def _relation(rig: SidebarRig) -> tuple[str, str, str]:
    """(userid, external_userid, customer name) of a relation of the corp."""
    world = rig.control("GET", f"/corps/{rig.corp['corp_id']}")
    customer = next(c for c in world["customers"] if c["follow_users"])
    return customer["follow_users"][0]["userid"], customer["external_userid"], customer["name"]


def test_the_sidebar_learns_the_chat_and_sends_into_it(rig, watched):
    userid, external_userid, _ = _relation(rig)
    session = rig.session(userid=userid, entry="single_chat_tools", external_userid=external_userid)
    page = watched.page
    url = f"{rig.url}?{session['url_param']}"
    page.goto(url + "#top")
    page.get_by_test_id("customer-name").wait_for()  # the page asked for the customer WeCom's client named
    assert page.get_by_test_id("customer-name").inner_text() == f"客户 {external_userid}"
    assert url in rig.signer.asked  # the page's URL without the fragment was signed
    watched.shot("single-chat")
    page.get_by_test_id("tab-script").click()
    page.get_by_test_id("send-s1").click()
    page.get_by_test_id("sent-s1").wait_for()
    calls = rig.calls(session["id"])
    assert [(c["name"], c["ok"]) for c in calls] == [
        ("agentConfig", True), ("getContext", True), ("getCurExternalContact", True), ("sendChatMessage", True)]
    agent = calls[0]["params"]
    assert agent["corpid"] == rig.corp["corp_id"] and agent["agentid"] == str(rig.corp["agent_id"])
    assert set(agent["jsApiList"]) >= {"getContext", "getCurExternalContact", "sendChatMessage"}
    assert calls[-1]["params"] == {"msgtype": "text", "text": {"content": SCRIPT_TEXT}}
    assert calls[-1]["url"] == url
    wait_for(lambda: rig.signer.counted == ["s1"], timeout_s=5, what="the send counted after the client sent it")
    # A reload is a new page load: the stand-in wants agentConfig again, and the session stays in the tab
    # (sessionStorage) even when the URL no longer names it.
    page.goto(rig.url)
    page.get_by_test_id("customer-name").wait_for()
    assert [c["name"] for c in rig.calls(session["id"])][4] == "agentConfig"


def test_two_tabs_play_two_chats_at_once(rig, watched):
    userid, external_userid, _ = _relation(rig)
    group = rig.control("GET", f"/corps/{rig.corp['corp_id']}")["groups"][0]
    single = rig.session(userid=userid, external_userid=external_userid)
    chat = rig.session(userid=group["owner"], entry="group_chat_tools", chat_id=group["chat_id"])
    first = watched.page
    second = first.context.new_page()
    first.goto(f"{rig.url}?{single['url_param']}")
    second.goto(f"{rig.url}#{chat['url_param']}")  # the id may ride in the fragment too
    first.get_by_test_id("customer-name").wait_for()
    second.get_by_test_id("group-name").wait_for()
    assert second.get_by_test_id("group-name").inner_text() == f"群 {group['chat_id']}"
    assert first.get_by_test_id("group-name").count() == 0
    second.get_by_test_id("tab-script").click()
    second.get_by_test_id("send-s1").click()
    second.get_by_test_id("sent-s1").wait_for()
    assert [c["params"]["text"]["content"] for c in rig.calls(chat["id"], "sendChatMessage")] == [SCRIPT_TEXT]
    assert rig.calls(single["id"], "sendChatMessage") == []
    watched.shot("group-chat")
    second.close()


def test_a_wrong_signature_is_refused_and_shown(rig, watched):
    userid, external_userid, _ = _relation(rig)
    session = rig.session(userid=userid, external_userid=external_userid)
    rig.signer.tamper = True
    try:
        watched.page.goto(f"{rig.url}?{session['url_param']}")
        error = watched.page.get_by_test_id("start-error")
        error.wait_for()
        assert "invalid signature" in error.inner_text() and "无法取得当前会话" in error.inner_text()
    finally:
        rig.signer.tamper = False
    calls = rig.calls(session["id"])
    assert calls and all(not c["ok"] for c in calls)
    assert calls[0]["name"] == "agentConfig" and calls[0]["err_msg"] == "agentConfig:invalid signature"
    assert "getContext" not in [c["name"] for c in calls if c["ok"]]
    watched.shot("bad-signature")


def test_the_console_server_serves_the_sidebar_and_passes_only_the_stand_in_on(rig):
    """No browser: /sidebar/ as the console (routes answer index.html, config.json uncached), and of the
    sandbox only /sandbox-client/ on this origin, with the console's headers once."""
    import http.client

    u = urlsplit(rig.url)

    def get(path: str, method: str = "GET", body: bytes | None = None) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        resp = conn.getresponse()
        resp.body = resp.read()  # type: ignore[attr-defined]
        conn.close()
        return resp

    moved = get("/sidebar")
    assert moved.status == 302 and moved.getheader("Location") == "/sidebar/"
    for path in ("/sidebar/", "/sidebar/portrait/wm123"):
        page = get(path)
        assert page.status == 200 and b'<div id="app">' in page.body
        assert "script-src 'self'" in page.getheader("Content-Security-Policy")
    config = get("/sidebar/config.json")
    assert config.getheader("Cache-Control") == "no-store"
    assert json.loads(config.body) == {"api_base": "", "client_script": "/sandbox-client/wecom-client.js"}
    script = get("/sandbox-client/wecom-client.js")
    assert script.status == 200 and script.getheader("Content-Type").startswith("text/javascript")
    assert len([h for h in script.getheaders() if h[0].lower() == "x-content-type-options"]) == 1
    assert b"WeixinJSBridgeReady" in script.body
    answer = get("/sandbox-client/invoke", "POST", json.dumps({"session": "nope", "name": "getContext"}).encode())
    assert json.loads(answer.body)["err_msg"] == "getContext:fail no sandbox session"
    assert get("/sandbox-client/../control/corps").status == 404
    assert get("/control/corps").status == 404  # the sandbox's control API is not on the page's origin
