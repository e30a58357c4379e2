"""The console as `make dev` serves it: the stack's console server, its config.json pointing at the
sandbox's login, and the real admin API behind the same origin (its refusal shown in Chinese)."""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.stack


def test_the_stack_serves_the_console_with_the_admin_api_behind_it(stack, watched):
    config = requests.get(stack.console_url + "config.json", timeout=10).json()
    assert config["login_url"] == f"{stack.sandbox_url}/wwlogin/sso/login" and config["api_base"] == ""

    page = watched.page
    resp = page.goto(stack.console_url + "dashboard")
    assert "script-src 'self'" in resp.headers["content-security-policy"]
    # No session yet: the admin API (through /admin/ on the console's origin) answers 401, shown as words.
    notice = page.get_by_test_id("dashboard-error")
    notice.get_by_text("未登录或登录已过期，请重新登录").wait_for()
    assert notice.get_attribute("data-status") == "401"
    notice.get_by_role("link", name="前往登录").click()
    page.wait_for_url("**/console/login")


def test_the_login_button_names_the_corp_the_stack_was_given(stack, watched):
    stack.set_console_corp("wwstackcorp0001", 1000005)
    page = watched.page
    login = f"{stack.sandbox_url}/wwlogin/sso/login"
    page.route(login + "?**", lambda route: route.fulfill(status=200, body="stub"))
    page.goto(stack.console_url + "login")
    page.get_by_test_id("wecom-login").click()
    page.wait_for_url(login + "?**")
    assert "appid=wwstackcorp0001&agentid=1000005&" in page.url


def test_a_member_confirms_on_the_sandbox_login_page_and_comes_back_with_a_code(stack, corp, watched):
    """The whole WeCom side of the login, in the browser: our button → the sandbox's page (WeCom's path) → a
    member picked and confirmed → back at /console/login/callback with a code and our state. Turning the code
    into a session is issue 18 item 1; the page says so."""
    stack.set_console_corp(corp["corp_id"], corp["agent_id"])
    page = watched.page
    page.goto(stack.console_url + "login")
    page.get_by_test_id("wecom-login").click()
    page.wait_for_url(f"{stack.sandbox_url}/wwlogin/sso/login?**")
    watched.shot("sandbox-login")
    page.locator("input[name=userid]").first.check()
    page.get_by_role("button", name="确认登录").click()
    page.wait_for_url(stack.console_url + "login/callback?code=*")
    page.get_by_test_id("state-ok").wait_for()
    codes = requests.get(f"{stack.sandbox_url}/control/corps/{corp['corp_id']}/login/codes", timeout=10).json()
    assert [c["via"] for c in codes["codes"]] == ["page"] and f"code={codes['codes'][0]['code']}" in page.url


def test_a_member_who_refuses_comes_back_without_a_code(stack, corp, watched):
    stack.set_console_corp(corp["corp_id"], corp["agent_id"])
    page = watched.page
    page.goto(stack.console_url + "login")
    page.get_by_test_id("wecom-login").click()
    page.wait_for_url(f"{stack.sandbox_url}/wwlogin/sso/login?**")
    page.get_by_role("button", name="拒绝").click()
    page.wait_for_url(stack.console_url + "login/callback?state=*")
    page.get_by_text("未获得企业微信的登录授权").wait_for()
