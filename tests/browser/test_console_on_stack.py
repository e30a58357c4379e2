"""The console as `make dev` serves it, logging in through the sandbox's WeCom login page: config.json names
the corp, the admin API builds the login URL (GET /admin/auth/login-url), the member confirms on the sandbox's
/wwlogin/sso/login, the callback posts the code (POST /admin/auth/login), and the session cookie opens the
pages; without a session every page goes to the login page."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from tests.browser.stack_login import auto_confirm, log_in

pytestmark = pytest.mark.stack


def test_without_a_session_a_page_goes_to_the_login_page(stack, watched):
    config = requests.get(stack.console_url + "config.json", timeout=10).json()
    assert set(config) == {"corp_id", "api_base"} and config["api_base"] == ""
    page = watched.page
    resp = page.goto(stack.console_url + "customers")
    assert "script-src 'self'" in resp.headers["content-security-policy"]
    # The router's guard asked GET /admin/auth/me through the console's origin: 401, so the login page.
    page.wait_for_url("**/console/login?next=/customers")
    page.get_by_test_id("wecom-login").wait_for()


def test_an_admin_logs_in_on_the_sandboxs_wecom_page_and_out_again(stack, sandbox, staff, watched):
    stack.set_console_corp(staff["corp_id"])
    auto_confirm(sandbox, staff, "")  # the member picker, as a person sees it
    admin = staff["by_role"]["admin"]
    page = watched.page
    page.goto(stack.console_url + "login?next=/tags")
    watched.shot("login")
    page.get_by_test_id("wecom-login").click()
    page.wait_for_url(f"{stack.sandbox_url}/wwlogin/sso/login?**")
    query = dict(parse_qsl(urlsplit(page.url).query))
    assert query["login_type"] == "CorpApp" and query["appid"] == staff["corp_id"]
    assert query["agentid"] == str(staff["agent_id"]) and query["redirect_uri"] == stack.console_url + "login/callback"
    watched.shot("sandbox-login")
    page.locator(f"input[name=userid][value='{admin}']").check()
    page.get_by_role("button", name="确认登录").click()
    # Back at the callback with the code, which leaves the address bar; then the page asked for.
    page.wait_for_url("**/console/tags")
    assert "code=" not in page.url
    assert page.get_by_test_id("who").inner_text() == staff["members"][admin]
    assert page.get_by_test_id("role").inner_text() == "管理员"
    assert page.evaluate("Object.keys(localStorage).length + Object.keys(sessionStorage).length") == 0
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["__Host-scrm_session"]["httpOnly"] and "__Host-scrm_session" not in page.evaluate("document.cookie")
    codes = requests.get(f"{stack.sandbox_url}/control/corps/{staff['corp_id']}/login/codes", timeout=10).json()["codes"]
    assert [c["via"] for c in codes][-1] == "page" and codes[-1]["used_at"]

    page.get_by_test_id("logout").click()
    page.wait_for_url("**/console/login")
    page.goto(stack.console_url + "customers")
    page.wait_for_url("**/console/login?next=/customers")


def test_a_code_from_someone_elses_login_is_refused(stack, sandbox, staff, watched):
    stack.set_console_corp(staff["corp_id"])
    page = watched.page
    code = sandbox._call("POST", f"/corps/{staff['corp_id']}/login/codes", {"userid": staff["by_role"]["admin"]})["code"]
    page.goto(f"{stack.console_url}login/callback?code={code}&state=forged")
    page.get_by_text("登录校验失败（state 不一致）").wait_for()
    assert "code=" not in page.url


def test_a_member_who_refuses_comes_back_without_a_code(stack, sandbox, staff, watched):
    stack.set_console_corp(staff["corp_id"])
    auto_confirm(sandbox, staff, "")
    page = watched.page
    page.goto(stack.console_url + "login")
    page.get_by_test_id("wecom-login").click()
    page.wait_for_url(f"{stack.sandbox_url}/wwlogin/sso/login?**")
    page.get_by_role("button", name="拒绝").click()
    page.get_by_text("未获得企业微信的登录授权").wait_for()


def test_an_operator_cannot_open_roles(stack, sandbox, staff, watched):
    log_in(watched, stack, sandbox, staff, "operator")
    page = watched.page
    page.goto(stack.console_url + "roles")
    notice = page.get_by_test_id("roles-error")
    notice.get_by_text("没有权限执行此操作").wait_for()
    assert notice.get_attribute("data-status") == "403"
    assert "operator" in notice.inner_text() and page.get_by_test_id("roles").count() == 0
    watched.shot("roles-403")
