"""Staff login on WeCom's side: the login pages, single-use 5-minute codes, auth/getuserinfo, apps and
their trusted domains (docs/sandbox.md "Staff login"), driven over HTTP like a browser and an app."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from wecom_sandbox.login_pages import BAD_LINK, DOMAIN_ERROR

XSS = "<img src=x onerror=alert(1)>"
CONSOLE = "http://127.0.0.1:8002/login/callback"


@pytest.fixture
def lc(make_corp) -> Any:
    return make_corp(seed={"employees": 3, "customers_per_employee": 2, "groups": 0, "seed": 7})


def _sso(base: str, corp_id: str, agent_id: int, redirect_uri: str = CONSOLE, **extra: str) -> str:
    query = {"login_type": "CorpApp", "appid": corp_id, "agentid": str(agent_id), "redirect_uri": redirect_uri,
             "state": "s1", **extra}
    return f"{base}/wwlogin/sso/login?{urlencode(query)}"


def _oauth(base: str, corp_id: str, redirect_uri: str = CONSOLE, **extra: str) -> str:
    query = {"appid": corp_id, "redirect_uri": redirect_uri, "response_type": "code", "scope": "snsapi_base",
             "state": "s2", **extra}
    return f"{base}/connect/oauth2/authorize?{urlencode(query)}#wechat_redirect"


def _confirm(url: str, userid: str, action: str = "confirm") -> requests.Response:
    return requests.post(url.split("#")[0], data={"userid": userid, "action": action}, allow_redirects=False,
                         timeout=10)


def _code_of(resp: requests.Response) -> dict[str, str]:
    assert resp.status_code == 302, resp.text
    return {k: v[0] for k, v in parse_qs(urlsplit(resp.headers["Location"]).query, keep_blank_values=True).items()}


def _members(corp: Any) -> list[str]:
    return [e["userid"] for e in corp.cget()["employees"]]


def _login(corp: Any, sandbox: Any, userid: str, **extra: str) -> str:
    resp = _confirm(_sso(sandbox.url, corp.id, corp.info["agent_id"], **extra), userid)
    return _code_of(resp)["code"]


def test_page_lists_members_as_escaped_text(lc, sandbox) -> None:
    lc.c("/users/create", {"userid": "xss", "name": XSS, "callback": False})
    lc.c("/users/create", {"userid": "off", "name": "停用的人", "status": 2, "callback": False})
    resp = requests.get(_sso(sandbox.url, lc.id, lc.info["agent_id"]), timeout=10)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    page = resp.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and XSS not in page
    for userid in _members(lc):
        if userid != "off":
            assert f'value="{userid}"' in page
    assert "停用的人" not in page  # only active members can log in (sandbox choice, docs/sandbox.md)
    assert _confirm(_sso(sandbox.url, lc.id, lc.info["agent_id"]), "off").status_code == 400


def test_confirm_redirects_with_code_and_state_and_getuserinfo_answers_the_member(lc, sandbox) -> None:
    userid = _members(lc)[0]
    url = _sso(sandbox.url, lc.id, lc.info["agent_id"], redirect_uri=CONSOLE + "?next=%2Fdash")
    resp = _confirm(url, userid)
    assert resp.headers["Location"].startswith(CONSOLE + "?next=%2Fdash&code=")
    got = _code_of(resp)
    assert got["state"] == "s1" and got["next"] == "/dash" and len(got["code"]) <= 512
    assert lc.api.get("auth/getuserinfo", code=got["code"]) == {"errcode": 0, "errmsg": "ok", "userid": userid}
    again = lc.api.get("auth/getuserinfo", code=got["code"])
    assert again["errcode"] == 40029 and "used" in again["errmsg"]
    [record] = [c for c in lc.cget("/login/codes")["codes"] if c["code"] == got["code"]]
    assert record["via"] == "page" and record["used_at"] is not None and record["redirect_host"] == "127.0.0.1:8002"


def test_deny_redirects_with_state_only(lc, sandbox) -> None:
    resp = _confirm(_sso(sandbox.url, lc.id, lc.info["agent_id"]), "", action="deny")
    assert _code_of(resp) == {"state": "s1"}


def test_redirect_domain_must_be_a_trusted_domain_exactly(lc, sandbox) -> None:
    agent = lc.info["agent_id"]
    assert lc.cget("/apps")["apps"][0]["trusted_domains"] is None  # loopback on any port by default
    assert _code_of(_confirm(_sso(sandbox.url, lc.id, agent, "http://localhost:5173/cb"), _members(lc)[0]))
    refused = requests.get(_sso(sandbox.url, lc.id, agent, "https://evil.example.com/cb"), allow_redirects=False,
                           timeout=10)
    assert refused.status_code == 302 and refused.headers["X-Wecom-Sandbox-Error"] == "domain_err"
    assert refused.headers["Location"].startswith("/wwopen/uriconfirm?err_type=domain_err&uri=https%3A%2F%2Fevil")
    shown = requests.get(sandbox.url + refused.headers["Location"], timeout=10)
    assert DOMAIN_ERROR in shown.text and "https://evil.example.com/cb" in shown.text

    app = lc.ctl.call("PATCH", f"/corps/{lc.id}/apps/{agent}", {"trusted_domains": ["Console.Example.com:8443"]})
    assert app["trusted_domains"] == ["console.example.com:8443"]
    ok = requests.get(_sso(sandbox.url, lc.id, agent, "https://console.example.com:8443/cb"), timeout=10)
    assert ok.status_code == 200 and 'name="userid"' in ok.text
    for other in ("https://console.example.com/cb", "https://a.console.example.com:8443/cb", CONSOLE):
        resp = requests.get(_sso(sandbox.url, lc.id, agent, other), allow_redirects=False, timeout=10)
        assert resp.headers.get("X-Wecom-Sandbox-Error") == "domain_err", other
    for bad in ("https://console.example.com", "*.example.com", "a.com/path"):
        err = lc.ctl.call("PATCH", f"/corps/{lc.id}/apps/{agent}", {"trusted_domains": [bad]}, expect=400)
        assert err["error"].startswith("field 'trusted_domains'")


def test_bad_links_show_wecoms_error_page(lc, sandbox) -> None:
    agent = lc.info["agent_id"]
    cases = {
        "unknown corp": _sso(sandbox.url, "wwnosuchcorp", agent),
        "unknown agent": _sso(sandbox.url, lc.id, 4242),
        "service app": _sso(sandbox.url, lc.id, agent, login_type="ServiceApp"),
        "no redirect": _sso(sandbox.url, lc.id, agent, redirect_uri=""),
        "not a URL": _sso(sandbox.url, lc.id, agent, redirect_uri="javascript:alert(1)"),
        "response_type": _oauth(sandbox.url, lc.id, response_type="token"),
        "privateinfo without agentid": _oauth(sandbox.url, lc.id, scope="snsapi_privateinfo"),
    }
    for name, url in cases.items():
        resp = requests.get(url, allow_redirects=False, timeout=10)
        assert resp.status_code == 200 and BAD_LINK in resp.text, name
        assert resp.headers["X-Wecom-Sandbox-Error"] == "bad_request", name


def test_getuserinfo_errors(lc, sandbox) -> None:
    assert lc.api.get("auth/getuserinfo")["errcode"] == 41008
    assert lc.api.get("auth/getuserinfo", code="not-a-code")["errcode"] == 40029
    code = _login(lc, sandbox, _members(lc)[0])
    assert lc.api.get("auth/getuserinfo", token="bogus", code=code)["errcode"] == 40014
    assert lc.api.get("auth/getuserinfo", token="", code=code)["errcode"] == 41001
    lc.c("/tokens/expire")
    assert lc.api.get("auth/getuserinfo", code=code)["errcode"] == 42001
    fresh = lc.api.gettoken()["access_token"]
    assert lc.api.get("auth/getuserinfo", token=fresh, code=code)["userid"] == _members(lc)[0]
    calls = lc.cget("/calls?path=auth/getuserinfo")["calls"]
    assert [c["errcode"] for c in calls][-2:] == [42001, 0]
    assert requests.post(f"{sandbox.url}/cgi-bin/auth/getuserinfo", params={"access_token": fresh, "code": code},
                         timeout=10).json()["errcode"] == 40058


def test_code_is_bound_to_its_corp_and_app(lc, make_corp, sandbox, handle_for) -> None:
    userid = _members(lc)[0]
    second = lc.ctl.post(f"/corps/{lc.id}/apps", {"agent_id": 1000005}, expect=201)
    assert second["secret"] != lc.info["secret"] and second["trusted_domains"] is None
    app2 = handle_for({**lc.info, "secret": second["secret"]}).api
    assert app2.token != lc.api.token and app2.gettoken()["access_token"] == app2.token  # its own token
    assert app2.get("user/simplelist", department_id=1)["errcode"] == 0

    code = _login(lc, sandbox, userid)
    wrong = app2.get("auth/getuserinfo", code=code)
    assert wrong["errcode"] == 50001 and "redirect_uri unauthorized" in wrong["errmsg"]
    other_corp = make_corp(seed={"employees": 1, "customers_per_employee": 0, "groups": 0})
    assert other_corp.api.get("auth/getuserinfo", code=code)["errcode"] == 40029
    assert lc.api.get("auth/getuserinfo", code=code)["userid"] == userid  # a 50001 did not use it up

    in_app2 = _code_of(_confirm(_sso(sandbox.url, lc.id, 1000005), userid))["code"]
    assert lc.api.get("auth/getuserinfo", code=in_app2)["errcode"] == 50001
    assert app2.get("auth/getuserinfo", code=in_app2)["userid"] == userid

    # An OAuth link without agentid binds no app: the token's app must still trust the redirect domain.
    lc.ctl.call("PATCH", f"/corps/{lc.id}/apps/1000005", {"trusted_domains": ["console.example.com"]})
    no_agent = _code_of(_confirm(_oauth(sandbox.url, lc.id), userid))["code"]
    assert app2.get("auth/getuserinfo", code=no_agent)["errcode"] == 50001
    assert lc.api.get("auth/getuserinfo", code=no_agent)["userid"] == userid
    assert lc.ctl.post(f"/corps/{lc.id}/apps", {"agent_id": 1000005}, expect=409)
    assert lc.ctl.post(f"/corps/{lc.id}/apps", {"agent_id": 1000006, "secret": lc.info["secret"]}, expect=409)


def test_oauth_privateinfo_user_ticket_and_the_legacy_path(lc, sandbox) -> None:
    userid = _members(lc)[1]
    url = _oauth(sandbox.url, lc.id, scope="snsapi_privateinfo", agentid=str(lc.info["agent_id"]))
    got = _code_of(_confirm(url, userid))
    assert got["state"] == "s2"
    answer = lc.api.get("auth/getuserinfo", code=got["code"])
    assert answer["userid"] == userid and answer["user_ticket"] and "expires_in" not in answer

    base = _code_of(_confirm(_oauth(sandbox.url, lc.id), userid))["code"]
    assert lc.api.get("user/getuserinfo", code=base) == {"errcode": 0, "errmsg": "ok", "UserId": userid}
    private = _code_of(_confirm(url, userid))["code"]
    legacy = lc.api.get("user/getuserinfo", code=private)
    assert legacy["UserId"] == userid and legacy["user_ticket"] and legacy["expires_in"] == 1800


def test_control_codes_for_members_and_non_members(lc) -> None:
    userid = _members(lc)[0]
    issued = lc.c("/login/codes", {"userid": userid, "redirect_uri": CONSOLE, "state": "xyz"}, expect=201)
    assert issued["expires_in"] == 300 and issued["via"] == "control"
    assert issued["location"] == f"{CONSOLE}?code={issued['code']}&state=xyz"
    assert lc.api.get("auth/getuserinfo", code=issued["code"])["userid"] == userid

    ext = lc.cget()["customers"][0]["external_userid"]
    first = lc.c("/login/codes", {"external_userid": ext}, expect=201)
    answer = lc.api.get("auth/getuserinfo", code=first["code"])
    assert answer["external_userid"] == ext and answer["openid"].startswith("o") and "userid" not in answer
    second = lc.c("/login/codes", {"external_userid": ext}, expect=201)
    assert lc.api.get("auth/getuserinfo", code=second["code"])["openid"] == answer["openid"]
    stranger = lc.api.get("auth/getuserinfo", code=lc.c("/login/codes", {}, expect=201)["code"])
    assert set(stranger) == {"errcode", "errmsg", "openid"}

    assert lc.c("/login/codes", {"userid": "nobody"}, expect=400)["error"].startswith("field 'userid'")
    assert lc.c("/login/codes", {"userid": userid, "agent_id": 9}, expect=404)
    refused = lc.c("/login/codes", {"userid": userid, "redirect_uri": "https://evil.example.com/"}, expect=400)
    assert DOMAIN_ERROR in refused["error"]


def test_auto_confirm_skips_the_picker(lc, sandbox) -> None:
    userid = _members(lc)[2]
    agent = lc.info["agent_id"]
    lc.ctl.call("PATCH", f"/corps/{lc.id}/apps/{agent}", {"auto_confirm_userid": userid})
    resp = requests.get(_sso(sandbox.url, lc.id, agent), allow_redirects=False, timeout=10)
    code = _code_of(resp)["code"]
    assert lc.api.get("auth/getuserinfo", code=code)["userid"] == userid
    assert lc.cget("/login/codes")["codes"][-1]["via"] == "auto"
    lc.ctl.call("PATCH", f"/corps/{lc.id}/apps/{agent}", {"auto_confirm_userid": None})
    assert requests.get(_sso(sandbox.url, lc.id, agent), allow_redirects=False, timeout=10).status_code == 200
    bad = lc.ctl.call("PATCH", f"/corps/{lc.id}/apps/{agent}", {"auto_confirm_userid": "ghost"}, expect=400)
    assert "unknown employee" in bad["error"]


def test_the_oauth_link_inside_the_client_confirms_as_the_clients_member(lc, sandbox) -> None:
    """91022 inside WeCom's client (the stand-in): no page, the client's member, silently; a session of
    another corp, an unknown session or the web login page still show the picker."""
    userid = _members(lc)[1]
    ext = next(c["external_userid"] for c in lc.cget()["customers"]
               if any(f["userid"] == userid for f in c["follow_users"]))  # fmt: skip
    session = lc.ctl.call("POST", "/client-sessions", {"corp_id": lc.id, "userid": userid, "external_userid": ext},
                           expect=201)
    page = f"http://127.0.0.1:8002/sidebar/?corp_id={lc.id}&wecom_session={session['id']}"
    resp = requests.get(_oauth(sandbox.url, lc.id, page), allow_redirects=False, timeout=10)
    back = _code_of(resp)
    assert back["state"] == "s2" and back["wecom_session"] == session["id"]
    assert lc.api.get("auth/getuserinfo", code=back["code"])["userid"] == userid
    assert lc.cget("/login/codes")["codes"][-1]["via"] == "client"
    for other in (page.replace(session["id"], "nosuchsession"), CONSOLE):
        assert requests.get(_oauth(sandbox.url, lc.id, other), allow_redirects=False, timeout=10).status_code == 200
    sso = requests.get(_sso(sandbox.url, lc.id, lc.info["agent_id"], redirect_uri=page), allow_redirects=False,
                       timeout=10)  # fmt: skip
    assert sso.status_code == 200  # the web login (outside the client) always asks


def test_getuserinfo_respects_rate_limit_and_faults(lc, sandbox) -> None:
    code = _login(lc, sandbox, _members(lc)[0])
    lc.c("/faults", {"path": "auth/getuserinfo", "errcode": -1, "times": 1}, expect=201)
    assert lc.api.get("auth/getuserinfo", code=code)["errcode"] == -1
    lc.ctl.call("PATCH", f"/corps/{lc.id}", {"rate_limit_per_min": 1})
    assert lc.api.get("auth/getuserinfo", code=code)["errcode"] == 0
    assert lc.api.get("auth/getuserinfo", code=code)["errcode"] == 45009


def test_code_expires_after_five_minutes_of_world_time(isolated) -> None:
    corp = isolated.make_corp(seed={"employees": 1, "customers_per_employee": 0, "groups": 0, "seed": 1})
    userid = corp.cget()["employees"][0]["userid"]
    early = corp.c("/login/codes", {"userid": userid}, expect=201)["code"]
    late = corp.c("/login/codes", {"userid": userid}, expect=201)["code"]
    isolated.ctl.post("/clock/advance", {"seconds": 295})
    assert corp.api.get("auth/getuserinfo", code=early)["userid"] == userid
    isolated.ctl.post("/clock/advance", {"seconds": 5})
    expired = corp.api.get("auth/getuserinfo", code=late)
    assert expired["errcode"] == 40029 and "expired" in expired["errmsg"]


def test_a_code_redeemed_by_several_servers_at_once_succeeds_once(lc, sandbox) -> None:
    """90313 (40029): "是否存在多个服务器同时消费同一code情况" — only one of them gets the member."""
    code = _login(lc, sandbox, _members(lc)[0])
    token = lc.api.token
    url = f"{sandbox.url}/cgi-bin/auth/getuserinfo"
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: requests.get(url, params={"access_token": token, "code": code},
                                                       timeout=10).json()["errcode"], range(8)))
    assert sorted(answers) == [0] + [40029] * 7
