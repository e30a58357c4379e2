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
