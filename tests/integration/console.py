"""A console member over HTTP, as the browser is: a code from the sandbox's WeCom login, the login call,
then the session cookie on every request and the CSRF token on writes (not a test module)."""

from __future__ import annotations

from typing import Any

import requests

from devstack.sandbox_client import SandboxClient


def issue_code(sandbox: SandboxClient, corp_id: str, **who: Any) -> str:
    """A staff-login code as if ``userid`` confirmed on WeCom's page (or a non-member: external_userid)."""
    return sandbox._call("POST", f"/corps/{corp_id}/login/codes", who)["code"]


def set_cookies(r: requests.Response) -> dict[str, str]:
    """Each Set-Cookie of the answer by cookie name, whole (attributes included)."""
    return {line.split("=", 1)[0]: line for line in r.raw.headers.getlist("Set-Cookie")}


def cookie_value(line: str) -> str:
    return line.split(";", 1)[0].split("=", 1)[1]


def login(base: str, corp_id: str, code: str, **extra: Any) -> requests.Response:
    return requests.post(f"{base}/admin/auth/login", json={"corp_id": corp_id, "code": code, **extra}, timeout=30)


class Console:
    def __init__(self, base: str, session: str, csrf: str) -> None:
        self.base, self.session, self.csrf = base, session, csrf

    @classmethod
    def log_in(cls, base: str, sandbox: SandboxClient, corp_id: str, userid: str) -> Console:
        r = login(base, corp_id, issue_code(sandbox, corp_id, userid=userid))
        assert r.status_code == 200, r.text
        cookies = set_cookies(r)
        return cls(base, cookie_value(cookies["__Host-scrm_session"]), cookie_value(cookies["__Host-scrm_csrf"]))

    def __call__(self, method: str, path: str, body: Any = None, csrf: bool = True, **params: Any) -> requests.Response:
        headers = {"Cookie": f"__Host-scrm_session={self.session}; __Host-scrm_csrf={self.csrf}"}
        if csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        return requests.request(method, f"{self.base}{path}", json=body, params=params, headers=headers, timeout=30)
