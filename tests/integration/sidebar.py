"""A member in the sidebar over HTTP, as the page is: WeCom's OAuth link through the sandbox, the login call,
then the sidebar's cookie on every request and its CSRF token on writes (not a test module)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.integration.console import cookie_value, set_cookies

COOKIE = "__Host-scrm_sidebar"
PAGE = "http://127.0.0.1:5174/sidebar/"


def oauth_code(base: str, corp_id: str, userid: str) -> tuple[str, str, str]:
    """(code, state, the state cookie) after ``userid`` passed WeCom's OAuth link (the sandbox's page)."""
    r = requests.get(f"{base}/admin/sidebar/auth/login-url", params={"corp_id": corp_id, "redirect_uri": PAGE}, timeout=30)
    assert r.status_code == 200, r.text
    url, state = r.json()["url"], r.json()["state"]
    page = requests.post(url.split("#", 1)[0], data={"userid": userid, "action": "confirm"}, allow_redirects=False, timeout=30)
    assert page.status_code == 302, page.text[:300]
    back = parse_qs(urlsplit(page.headers["Location"]).query)
    assert back["state"] == [state]
    return back["code"][0], state, cookie_value(set_cookies(r)["__Host-scrm_sidebar_state"])


class Sidebar:
    def __init__(self, base: str, session: str, csrf: str, me: dict[str, Any]) -> None:
        self.base, self.session, self.csrf, self.me = base, session, csrf, me

    @classmethod
    def open(cls, base: str, corp_id: str, userid: str) -> Sidebar:
        code, state, state_cookie = oauth_code(base, corp_id, userid)
        r = requests.post(f"{base}/admin/sidebar/auth/login", json={"corp_id": corp_id, "code": code, "state": state},
                          headers={"Cookie": f"__Host-scrm_sidebar_state={state_cookie}"}, timeout=30)
        assert r.status_code == 200, r.text
        return cls(base, cookie_value(set_cookies(r)[COOKIE]), r.json()["csrf_token"], r.json())

    def __call__(self, method: str, path: str, body: Any = None, csrf: bool = True, **params: Any) -> requests.Response:
        headers = {"Cookie": f"{COOKIE}={self.session}"}
        if csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        return requests.request(method, f"{self.base}{path}", json=body, params=params, headers=headers, timeout=30)
