"""Console login over HTTP on the local stack (issue 18): a code from the sandbox's WeCom login, the session
and CSRF cookies, what each role may do, expiry, logout, and refusals that say why."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from scrm.adapters.dynamo.models import StaffSessionItem
from scrm.staff_auth.model import IDLE_S, session_key

from tests.conftest import new_corp
from tests.integration.console import Console, cookie_value, issue_code, login, set_cookies
from tests.integration.test_admin_guards import audit_lines
from tests.support.syncing import sync_and_wait

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def corp(stack, sandbox) -> dict[str, Any]:
    from scrm.staff_auth.wiring import staff_auth

    corp = new_corp(stack, sandbox, seed={"employees": 5, "customers_per_employee": 1})
    sync_and_wait(corp["corp_id"])
    cid = corp["corp_id"]
    people = sorted(sandbox.corp(cid)["employees"], key=lambda e: e["userid"])
    admin, operator, viewer, spare, nobody = (p["userid"] for p in people)
    for userid, role in ((admin, "admin"), (operator, "operator"), (viewer, "viewer"), (spare, "viewer")):
        staff_auth().grant(cid, userid, role, "cli", operator=True)
    names = {p["userid"]: p["name"] for p in people}
    return {**corp, "admin": admin, "operator": operator, "viewer": viewer, "spare": spare, "nobody": nobody,
            "names": names}


def _as(stack, sandbox, corp, who: str) -> Console:
    return Console.log_in(stack.admin_url, sandbox, corp["corp_id"], corp[who])


def test_login_sets_a_strict_httponly_session_cookie_and_a_readable_csrf_cookie(stack, sandbox, corp):
    cid = corp["corp_id"]
    r = login(stack.admin_url, cid, issue_code(sandbox, cid, userid=corp["operator"]))
    assert r.status_code == 200, r.text
    cookies = set_cookies(r)
    session, csrf = cookies["__Host-scrm_session"], cookies["__Host-scrm_csrf"]
    for line in (session, csrf):
        assert {"Path=/", "Secure", "SameSite=Strict", f"Max-Age={8 * 3600}"} <= {a.strip() for a in line.split(";")}
    assert "HttpOnly" in session and "HttpOnly" not in csrf
    me = r.json()
    assert (me["corp_id"], me["userid"], me["role"], me["via"]) == (cid, corp["operator"], "operator", "session")
    assert me["csrf_token"] == cookie_value(csrf) and me["name"] == corp["names"][corp["operator"]]
    c = Console(stack.admin_url, cookie_value(session), cookie_value(csrf))
    again = c("GET", "/admin/auth/me").json()
    assert {k: again[k] for k in ("corp_id", "userid", "name", "role")} == {
        "corp_id": cid, "userid": corp["operator"], "name": corp["names"][corp["operator"]], "role": "operator"}


def test_the_login_url_leads_through_wecoms_page_and_back_with_its_state(stack, sandbox, corp):
    cid = corp["corp_id"]
    r = requests.get(f"{stack.admin_url}/admin/auth/login-url", timeout=30,
                     params={"corp_id": cid, "redirect_uri": "http://127.0.0.1:5173/login"})
    assert r.status_code == 200, r.text
    url, state = r.json()["url"], r.json()["state"]
    assert url.startswith(f"{stack.sandbox_url}/wwlogin/sso/login?") and "login_type=CorpApp" in url
    state_cookie = set_cookies(r)["__Host-scrm_login_state"]
    assert cookie_value(state_cookie) == state and "HttpOnly" in state_cookie
    page = requests.post(url, data={"userid": corp["admin"], "action": "confirm"}, allow_redirects=False, timeout=30)
    assert page.status_code == 302, page.text[:300]
    back = parse_qs(urlsplit(page.headers["Location"]).query)
    assert back["state"] == [state]

    def attempt(sent_state: str) -> requests.Response:
        return requests.post(f"{stack.admin_url}/admin/auth/login", timeout=30,
                             json={"corp_id": cid, "code": back["code"][0], "state": sent_state},
                             headers={"Cookie": f"__Host-scrm_login_state={state}"})

    wrong = attempt("forged")
    assert wrong.status_code == 400 and wrong.json()["field"] == "state"
    ok = attempt(state)
    assert ok.status_code == 200 and ok.json()["userid"] == corp["admin"], ok.text
    assert "Max-Age=0" in set_cookies(ok)["__Host-scrm_login_state"]


def test_a_viewer_reads_but_every_write_is_refused_naming_the_role(stack, sandbox, corp):
    v = _as(stack, sandbox, corp, "viewer")
    assert v("GET", "/admin/customers").status_code == 200
    assert v("GET", "/admin/channel-codes").status_code == 200
    r = v("POST", "/admin/channel-codes", {"name": "viewer", "staff": [corp["viewer"]]})
    assert r.status_code == 403 and "(viewer)" in r.json()["error"], r.text
    assert v("POST", "/admin/sync").status_code == 403


def test_a_write_without_the_csrf_header_is_refused_whatever_the_role(stack, sandbox, corp):
    for who in ("operator", "admin"):
        c = _as(stack, sandbox, corp, who)
        forged = c("POST", "/admin/channel-codes", {"name": "forged", "staff": [corp["viewer"]]}, csrf=False)
        assert forged.status_code == 403 and forged.json()["field"] == "X-CSRF-Token", forged.text
        other = Console(c.base, c.session, "not-the-token")
        assert other("POST", "/admin/channel-codes", {"name": "forged", "staff": [corp["viewer"]]}).status_code == 403
    codes = c("GET", "/admin/channel-codes").json()
    assert "forged" not in str(codes)
    made = c("POST", "/admin/channel-codes", {"name": "real", "staff": [corp["viewer"]]})
    assert made.status_code in (200, 201), made.text


def test_an_operator_runs_the_work_but_cannot_open_roles_or_settings(stack, sandbox, corp):
    o = _as(stack, sandbox, corp, "operator")
    made = o("POST", "/admin/channel-codes", {"name": "operator", "staff": [corp["operator"]]})
    assert made.status_code in (200, 201), made.text
    for method, path, body in (("GET", "/admin/roles", None), ("PUT", f"/admin/roles/{corp['spare']}", {"role": "admin"}),
                               ("PUT", "/admin/transfer-policy", {"on_refused": "leave"})):
        r = o(method, path, body)
        assert r.status_code == 403 and "(operator)" in r.json()["error"] and "admin" in r.json()["error"], r.text
    assert o("GET", "/admin/keys").status_code == 403
    a = _as(stack, sandbox, corp, "admin")
    roles = a("GET", "/admin/roles").json()["roles"]
    assert {r["userid"]: r["role"] for r in roles}[corp["operator"]] == "operator"


def test_an_admin_makes_and_revokes_api_keys_for_scripts(stack, sandbox, corp):
    a = _as(stack, sandbox, corp, "admin")
    made = a("POST", "/admin/keys", {"role": "viewer", "name": "BI export"})
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    as_key = requests.get(f"{stack.admin_url}/admin/whoami", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert as_key.json()["role"] == "viewer" and as_key.json()["corp_id"] == corp["corp_id"]
    listed = a("GET", "/admin/keys").json()["keys"]
    assert any(k["key_id"] == made.json()["key_id"] and k["name"] == "BI export" for k in listed)
    assert key not in str(listed)
    assert a("POST", "/admin/keys", {"role": "owner"}).status_code == 400
    assert a("DELETE", f"/admin/keys/{made.json()['key_id']}").json() == {"revoked": made.json()["key_id"]}
    assert a("DELETE", "/admin/keys/000000000000").status_code == 404


def test_roles_change_through_the_api_and_sessions_follow(stack, sandbox, corp):
    a, s = _as(stack, sandbox, corp, "admin"), _as(stack, sandbox, corp, "spare")
    assert s("GET", "/admin/auth/me").json()["role"] == "viewer"
    r = a("PUT", f"/admin/roles/{corp['spare']}", {"role": "operator"})
    assert r.status_code == 200 and r.json()["granted_by"] == corp["admin"], r.text
    assert s("GET", "/admin/auth/me").json()["role"] == "operator"
    assert a("PUT", "/admin/roles/nosuchmember", {"role": "viewer"}).status_code == 404
    assert a("PUT", f"/admin/roles/{corp['spare']}", {"role": "root"}).status_code == 400
    last = a("DELETE", f"/admin/roles/{corp['admin']}")
    assert last.status_code == 409 and "last admin" in last.json()["error"]
    assert a("DELETE", f"/admin/roles/{corp['spare']}").json() == {"revoked": corp["spare"]}
    gone = s("GET", "/admin/auth/me")
    assert gone.status_code == 401 and "no longer has a console role" in gone.json()["error"]


def test_an_expired_session_is_401_and_its_cookies_are_cleared(stack, sandbox, corp):
    c = _as(stack, sandbox, corp, "viewer")
    assert c("GET", "/admin/auth/me").status_code == 200
    StaffSessionItem(session_key(c.session)).update(
        actions=[StaffSessionItem.last_seen.set(int(time.time()) - IDLE_S - 5)])
    r = c("GET", "/admin/customers")
    assert r.status_code == 401 and "expired" in r.json()["error"], r.text
    assert "Max-Age=0" in set_cookies(r)["__Host-scrm_session"]
    assert c("GET", "/admin/auth/me").status_code == 401  # and it is gone


def test_a_used_code_and_strangers_are_refused_in_words(stack, sandbox, corp):
    cid, base = corp["corp_id"], stack.admin_url
    code = issue_code(sandbox, cid, userid=corp["viewer"])
    assert login(base, cid, code).status_code == 200
    again = login(base, cid, code)
    assert again.status_code == 401 and "already used" in again.json()["error"] and again.json()["field"] == "code"
    assert login(base, cid, "made-up-code").status_code == 401
    stranger = login(base, cid, issue_code(sandbox, cid))
    assert stranger.status_code == 403 and "only members" in stranger.json()["error"], stranger.text
    member = login(base, cid, issue_code(sandbox, cid, userid=corp["nobody"]))
    assert member.status_code == 403 and "no console role" in member.json()["error"], member.text
    assert login(base, "wwnosuchcorp", code).status_code == 404
    as_form = requests.post(f"{base}/admin/auth/login", data=f'{{"corp_id": "{cid}", "code": "x"}}',
                            headers={"Content-Type": "text/plain"}, timeout=30)
    assert as_form.status_code == 415  # a form on another site cannot log anyone in


def test_logout_ends_the_session(stack, sandbox, corp):
    c = _as(stack, sandbox, corp, "operator")
    r = requests.post(f"{stack.admin_url}/admin/auth/logout", headers={"Cookie": f"__Host-scrm_session={c.session}"},
                      timeout=30)
    assert r.status_code == 200 and r.json() == {"logged_out": True}
    assert {"__Host-scrm_session", "__Host-scrm_csrf"} <= set(set_cookies(r))
    assert c("GET", "/admin/auth/me").status_code == 401
    assert requests.post(f"{stack.admin_url}/admin/auth/logout", timeout=30).status_code == 200


def test_no_cookie_and_no_key_is_401_and_a_key_still_works(stack, corp):
    from scrm import bootstrap
    from scrm.corps.api_key import Role

    r = requests.get(f"{stack.admin_url}/admin/customers", timeout=30)
    assert r.status_code == 401 and "log in" in r.json()["error"]
    key = bootstrap.api_keys().create(corp["corp_id"], Role.VIEWER, "console")["key"]
    me = requests.get(f"{stack.admin_url}/admin/auth/me", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert me.json() == {"corp_id": corp["corp_id"], "userid": "", "name": "", "role": "viewer", "via": "key"}
    roles = requests.get(f"{stack.admin_url}/admin/roles", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert roles.status_code == 403 and "(viewer)" in roles.json()["error"]


def test_a_sessions_writes_are_audited_under_the_member(stack, sandbox, corp):
    from chalice.test import Client

    from devstack.app_server import load_admin

    c = _as(stack, sandbox, corp, "admin")
    headers = {"Cookie": f"__Host-scrm_session={c.session}", "X-CSRF-Token": c.csrf,
               "Content-Type": "application/json"}
    with Client(load_admin()) as client, audit_lines() as lines:
        r = client.http.put("/admin/transfer-policy", headers=headers, body=b'{"on_refused": "leave"}')
        assert r.status_code == 200, r.body
    entry = lines[0]["audit"]
    assert (entry["userid"], entry["via"], entry["role"], entry["key_id"], entry["status"]) == (
        corp["admin"], "session", "admin", None, 200)
    assert c.session not in str(lines) and c.csrf not in str(lines)


def test_logins_and_logouts_are_audited_with_the_member_and_the_outcome(stack, sandbox, corp):
    import json

    from chalice.test import Client

    from devstack.app_server import load_admin

    cid = corp["corp_id"]
    code = issue_code(sandbox, cid, userid=corp["viewer"])
    headers = {"Content-Type": "application/json"}
    with Client(load_admin()) as client, audit_lines() as lines:
        ok = client.http.post("/admin/auth/login", headers=headers, body=json.dumps({"corp_id": cid, "code": code}))
        assert ok.status_code == 200, ok.body
        again = client.http.post("/admin/auth/login", headers=headers, body=json.dumps({"corp_id": cid, "code": code}))
        assert again.status_code == 401
        session = next(c for c in ok.headers["Set-Cookie"] if c.startswith("__Host-scrm_session="))
        cookie = session.strip().split(";", 1)[0]
        assert client.http.post("/admin/auth/logout", headers={"Cookie": cookie}).status_code == 200
    entries = [(line["message"], line["audit"]["corp_id"], line["audit"]["userid"], line["audit"]["outcome"][:20])
               for line in lines]
    assert entries == [("console login", cid, corp["viewer"], "ok"),
                       ("console login", cid, "", "the login code is un"),
                       ("console logout", cid, corp["viewer"], "ok")]
    assert code not in str(lines) and cookie.split("=", 1)[1] not in str(lines)
