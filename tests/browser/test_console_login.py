"""The login page's 企业微信登录 button: WeCom's web-login URL built from /console/config.json, with a random
state kept in sessionStorage and checked when WeCom sends the browser back."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import expect


def _click_login(console, watched) -> dict[str, str]:
    page = watched.page
    base = console.config["login_url"]
    page.route(base + "?**", lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8",
                                                          body="<title>WeCom login (stub)</title>"))
    page.goto(console.url + "login")
    page.get_by_text("企业微信 SCRM 控制台").wait_for()
    watched.shot("login")
    page.get_by_test_id("wecom-login").click()
    page.wait_for_url(base + "?**")
    url = urlsplit(page.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == base
    return dict(parse_qsl(url.query))


def test_the_button_goes_to_wecom_login_with_the_configured_corp(console, watched):
    query = _click_login(console, watched)
    assert list(query) == ["login_type", "appid", "agentid", "redirect_uri", "state"]
    assert query["login_type"] == "CorpApp"
    assert query["appid"] == console.config["corp_id"] and query["agentid"] == console.config["agent_id"]
    assert query["redirect_uri"] == console.url + "login/callback"
    assert len(query["state"]) == 32 and int(query["state"], 16) >= 0

    page = watched.page  # WeCom sends the browser back with the state: it passes, once
    page.goto(f"{query['redirect_uri']}?code=CODE123&state={query['state']}")
    page.get_by_test_id("state-ok").wait_for()
    expect(page.get_by_text("建设中")).to_be_visible()
    page.goto(f"{query['redirect_uri']}?code=CODE123&state={query['state']}")
    page.get_by_text("登录校验失败（state 不一致）").wait_for()


def test_a_forged_state_is_refused(console, watched):
    query = _click_login(console, watched)
    page = watched.page
    page.goto(f"{query['redirect_uri']}?code=CODE123&state={'0' * 32}")
    page.get_by_text("登录校验失败（state 不一致）").wait_for()
    assert page.get_by_test_id("state-ok").count() == 0


def test_each_login_gets_a_new_state(console, watched):
    first = _click_login(console, watched)["state"]
    second = _click_login(console, watched)["state"]
    assert first != second
