"""A chat for the employee sidebar on the local stack (`make dev`, `make demo`): the sandbox's WeCom client
stand-in plays a member in a chat with one of the customers they serve (docs/sandbox.md "The WeCom client
stand-in"); opening the printed URL in any browser shows the sidebar as WeCom's chat toolbar would."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack


def open_sidebar_chat(stack: Stack, corp_id: str, userid: str = "", external_userid: str = "",
                      chat_id: str = "") -> dict[str, Any]:
    """A client session for ``userid`` (default: the first member who serves a customer) in a chat with
    ``external_userid`` (default: one they serve) or in the group ``chat_id``. Returns {session_id, userid,
    external_userid, chat_id, url}; the url carries the session (?wecom_session=…)."""
    sandbox = SandboxClient(stack.sandbox_url)
    if not chat_id and not (userid and external_userid):
        world = sandbox.corp(corp_id)
        pairs = [(f["userid"], c["external_userid"]) for c in world["customers"] for f in c["follow_users"]
                 if (not userid or f["userid"] == userid)
                 and (not external_userid or c["external_userid"] == external_userid)]  # fmt: skip
        if not pairs:
            raise RuntimeError(f"corp {corp_id} has no customer served by {userid or 'any member'}")
        userid, external_userid = pairs[0]
    session = sandbox.client_session(corp_id, userid, external_userid=external_userid, chat_id=chat_id)
    return {"session_id": session["id"], "userid": userid, "external_userid": session["external_userid"],
            "chat_id": session["chat_id"],
            "url": f"{stack.sidebar_url}?corp_id={corp_id}&{session['url_param']}"}  # fmt: skip


def describe(chat: dict[str, Any]) -> str:
    who = f"customer {chat['external_userid']}" if chat["external_userid"] else f"group {chat['chat_id']}"
    return (f"sidebar (as {chat['userid']} in a chat with {who}; the sandbox plays WeCom's client): {chat['url']}\n"
            f"  (what the page sent: GET /control/client-sessions/{chat['session_id']}/calls on the sandbox)")


def log_in(stack: Stack, corp_id: str, chat: dict[str, Any]) -> requests.Session:
    """What the page does on its first load, over HTTP: WeCom's OAuth link (the sandbox confirms as the
    chat's member, since the page's URL names the client session), then POST /admin/sidebar/auth/login. The
    session carries the sidebar's cookie, and ``X-CSRF-Token`` for writes."""
    http = requests.Session()
    start = http.get(f"{stack.admin_url}/admin/sidebar/auth/login-url", timeout=30,
                     params={"corp_id": corp_id, "redirect_uri": chat["url"]})  # fmt: skip
    start.raise_for_status()
    oauth = requests.get(start.json()["url"].split("#", 1)[0], allow_redirects=False, timeout=30)
    if oauth.status_code != 302:
        raise RuntimeError(f"WeCom's OAuth link did not confirm the client's member: HTTP {oauth.status_code}")
    back = parse_qs(urlsplit(oauth.headers["Location"]).query)
    state_cookie = start.cookies.get("__Host-scrm_sidebar_state")
    login = http.post(f"{stack.admin_url}/admin/sidebar/auth/login", timeout=30,
                      json={"corp_id": corp_id, "code": back["code"][0], "state": back["state"][0]},
                      headers={"Cookie": f"__Host-scrm_sidebar_state={state_cookie}"} if state_cookie else {})
    login.raise_for_status()
    session = login.cookies.get("__Host-scrm_sidebar") or _cookie_of(login, "__Host-scrm_sidebar")
    http.headers.update({"Cookie": f"__Host-scrm_sidebar={session}", "X-CSRF-Token": login.json()["csrf_token"]})
    return http


def _cookie_of(resp: requests.Response, name: str) -> str:
    """A Set-Cookie's value by name (requests keeps no Secure cookie from an http:// answer)."""
    for line in resp.raw.headers.getlist("Set-Cookie"):
        key, _, rest = line.partition("=")
        if key == name:
            return rest.split(";", 1)[0]
    raise RuntimeError(f"the answer set no {name} cookie")
