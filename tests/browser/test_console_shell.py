"""The console's shell (web/console/src/components/AppLayout.vue): Chinese, every menu of issue 18, usable
at 1280×800 with a side menu and at 390×844 with the menu in a drawer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NARROW, WIDE

MENUS = ["仪表盘", "客户", "客户群", "标签库", "渠道活码", "群活码", "群发", "SOP", "离职/在职继承", "统计", "流失提醒", "客户阶段", "跟进记录", "员工",
         "同步", "角色与密钥", "话术素材", "客户朋友圈", "门店活码", "好友裂变"]


def _menu_titles(page) -> list[str]:
    return [t.strip() for t in page.locator("nav[aria-label='主菜单'] .el-menu-item").all_inner_texts()]


@pytest.mark.parametrize("viewport", [WIDE], ids=["1280x800"])
def test_the_shell_shows_every_menu_in_chinese_beside_the_page(console, watched, viewport):
    page = watched.page
    page.goto(console.url)
    page.wait_for_url("**/console/dashboard")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.get_by_role("heading", name="仪表盘").wait_for()
    assert page.title() == "仪表盘 · 企业微信 SCRM"
    aside = page.locator(".shell-aside")
    assert aside.is_visible() and aside.bounding_box()["width"] <= 220
    assert sorted(_menu_titles(page)) == sorted(MENUS)
    assert page.locator(".menu-toggle").count() == 0
    # No admin API behind this server: who is logged in cannot be asked (503, not 401), so the guard lets
    # the page open, and the dashboard's card says so in Chinese, and makes nothing up.
    page.get_by_text("服务暂时不可用，请稍后再试").wait_for()
    assert page.locator("canvas").count() == 0
    watched.shot("dashboard")

    page.locator("nav .el-menu-item", has_text="同步").click()
    page.wait_for_url("**/console/sync")
    page.get_by_role("heading", name="同步").wait_for()
    # Its list cannot be read either: said in words on the page, not a blank or a made-up empty list.
    expect(page.get_by_text("服务暂时不可用，请稍后再试").first).to_be_visible()
    assert page.locator(".el-menu-item.is-active").inner_text().strip() == "同步"
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]


@pytest.mark.parametrize("viewport", [NARROW], ids=["390x844"])
def test_on_a_phone_the_menu_is_a_drawer(console, watched, viewport):
    page = watched.page
    page.goto(console.url + "dashboard")
    page.get_by_role("heading", name="仪表盘").wait_for()
    assert page.locator(".shell-aside").count() == 0
    assert not page.get_by_role("navigation", name="主菜单").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    watched.shot("dashboard")

    page.get_by_role("button", name="打开菜单").click()
    drawer = page.locator(".menu-drawer")
    drawer.get_by_text("角色与密钥").wait_for()
    assert sorted(_menu_titles(page)) == sorted(MENUS)
    page.wait_for_function("() => document.querySelector('.menu-drawer').getBoundingClientRect().left === 0")
    watched.shot("drawer")
    # Element Plus speaks Chinese (its zh-cn locale): the drawer's close button.
    page.get_by_role("button", name="关闭此对话框").click()
    drawer.wait_for(state="hidden")
    page.get_by_role("button", name="打开菜单").click()
    drawer.locator(".el-menu-item", has_text="群发").first.click()
    page.wait_for_url("**/console/mass-sends")
    page.get_by_role("heading", name="群发").wait_for()
    drawer.wait_for(state="hidden")
    # No admin API behind this server: the page says so in words.
    expect(page.get_by_text("服务暂时不可用，请稍后再试").first).to_be_visible()


def test_an_unknown_path_is_a_page_that_says_so(console, watched):
    page = watched.page
    page.goto(console.url + "no/such/page")
    page.get_by_text("页面不存在").first.wait_for()
    assert page.request.get(console.url + "assets/missing.js").status == 404
