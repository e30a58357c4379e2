"""门店活码 on the local stack, logged in as each role (issue 21). An admin imports a CSV with a bad row: every
problem is listed by line and column and nothing is stored; the fixed file is imported and the stores' contact
ways are made with a progress bar (each in the WeCom sandbox, state store_<id>); an operator edits a store's
assistants (WeCom's contact way follows) and deletes a store (an Element Plus confirmation); a scan of the
landing page and a sandbox add show in the statistics per store and per city, with the chart. A viewer sees no
write control. Names render as text. Screenshots at 1280×800 and 390×844."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.conftest import NARROW, WIDE
from tests.browser.stack_login import log_in, staffed_corp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

HEADER = "store_id,name,city,address,latitude,longitude,hours,assistants,group\n"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def shop(stack: Any, sandbox: Any) -> dict[str, Any]:
    return staffed_corp(stack, sandbox, employees=4)


def _stores(stack, page) -> dict[str, Any]:
    from tests.browser.test_console_pages import _api

    return {s["store_id"]: s for s in _api(page, "GET", "/admin/stores")["body"]["items"]}


def _cells(table: Any) -> list[str]:
    return [c.strip() for c in table.locator(".el-table__row").first.inner_text().split("\t")]


def test_an_admin_imports_stores_and_an_operator_edits_and_deletes_one(stack, sandbox, shop, watched):
    log_in(watched, stack, sandbox, shop, "admin")
    page = watched.page
    cid = shop["corp_id"]
    staff = list(shop["members"])
    page.goto(stack.console_url + "stores")
    page.get_by_role("heading", name="门店活码").wait_for()
    page.get_by_test_id("import-stores").click()
    dialog = page.get_by_test_id("import-dialog")
    bad = HEADER + (f"sh1,静安店{XSS},上海,南京西路1号,31.2304,121.4737,1-7 00:00-24:00,{staff[0]}|{staff[1]},华东\n"
                    f"sh2,徐汇店,上海,,91,121.43,,{staff[2]},\n"
                    f"bj1,国贸店,北京,,39.9087,116.4605,9-21,nobody,\n")
    dialog.get_by_test_id("import-text").fill(bad)
    dialog.get_by_test_id("submit-import").click()
    problems = dialog.get_by_test_id("import-problems")
    problems.wait_for()
    rows = [[c.strip() for c in r.split("\t")] for r in problems.locator(".el-table__body tr").all_inner_texts()]
    assert [(r[0], r[1]) for r in rows] == [("3", "latitude"), ("4", "hours"), ("4", "assistants")]
    assert rows[0][2] == "must be between -90 and 90"
    assert _stores(stack, page) == {}
    since = sandbox.call_counts(cid)["last_seq"]
    good = bad.replace(",91,", ",31.1950,").replace(",9-21,nobody,", f",,{staff[3]},")
    dialog.get_by_test_id("import-text").fill(good)
    dialog.get_by_test_id("submit-import").click()
    dialog.get_by_test_id("import-result").wait_for()
    assert "新增 3" in dialog.get_by_test_id("import-result").inner_text()
    page.keyboard.press("Escape")
    # the contact ways are made with a progress bar, each a WeCom contact way with the store's state
    page.get_by_test_id("codes-progress").get_by_text("全部门店的二维码已生成").wait_for(timeout=60_000)
    ways = sandbox.calls(cid, since=since, path="externalcontact/add_contact_way")
    assert sorted(c["body"]["state"] for c in ways) == ["store_bj1", "store_sh1", "store_sh2"]
    table = page.get_by_test_id("stores")
    wait_for(lambda: table.get_by_test_id("code-status").all_inner_texts() == ["可用"] * 3, what="codes shown")
    assert f"静安店{XSS}" in table.get_by_test_id("store-name").all_inner_texts()  # as text
    table.get_by_test_id("qr-open").first.locator("img").wait_for()
    watched.shot("imported")

    # an operator: edit the assistants of a store (WeCom's contact way follows), then delete a store
    log_in(watched, stack, sandbox, shop, "operator")
    page.goto(stack.console_url + "stores")
    row = page.get_by_test_id("stores").locator(".el-table__row", has_text="徐汇店")
    row.get_by_test_id("edit-store").click()
    form = page.get_by_test_id("store-form")
    form.get_by_test_id("store-hours").fill("8 09:00-10:00")
    form.get_by_test_id("submit-store").click()
    form.locator(".el-form-item.is-error", has_text="营业时间").wait_for()  # the API's 400, at its field
    form.get_by_test_id("store-hours").fill("1-7 08:00-22:00")
    form.get_by_test_id("store-assistants").click()
    page.locator(".el-select-dropdown__item:visible", has_text=staff[0]).first.click()
    page.keyboard.press("Escape")
    since = sandbox.call_counts(cid)["last_seq"]
    form.get_by_test_id("submit-store").click()
    form.wait_for(state="hidden")
    update = sandbox.calls(cid, since=since, path="externalcontact/update_contact_way")[-1]["body"]
    xuhui = _stores(stack, page)["sh2"]
    assert update["config_id"] == xuhui["config_id"] and sorted(update["user"]) == sorted([staff[2], staff[0]])
    assert xuhui["hours"]["1"] == ["08:00-22:00"]
    guomao = _stores(stack, page)["bj1"]["config_id"]
    page.get_by_test_id("stores").locator(".el-table__row", has_text="国贸店").get_by_test_id("delete-store").click()
    page.locator(".el-message-box").get_by_role("button", name="删除").click()
    wait_for(lambda: "bj1" not in _stores(stack, page), what="deleted")
    deleted = sandbox.calls(cid, since=since, path="externalcontact/del_contact_way")
    assert [c["body"]["config_id"] for c in deleted] == [guomao]
    watched.shot("edited")


def test_statistics_per_store_and_city_with_a_scan_and_an_add(stack, sandbox, shop, watched):
    log_in(watched, stack, sandbox, shop, "viewer")
    page = watched.page
    cid = shop["corp_id"]
    stores = _stores(stack, page)
    assert stores["sh1"]["code_status"] == "active"
    r = requests.post(f"{stack.console_url.rsplit('/console/', 1)[0]}/admin/public/stores/scans",
                      json={"corp": cid, "store_id": "sh1"}, timeout=30)
    assert r.status_code == 200, r.text
    sandbox.scan(cid, stores["sh1"]["config_id"], name="韩梅梅", wait=True)
    from tests.browser.test_console_pages import _api

    wait_for(lambda: _api(page, "GET", "/admin/stores/stats")["body"]["totals"] == {"scans": 1, "adds": 1},
             timeout_s=20, what="the add counted")
    page.goto(stack.console_url + "stores")
    page.get_by_role("heading", name="门店活码").wait_for()
    page.get_by_test_id("stores").locator(".el-table__row").first.wait_for()
    assert page.get_by_test_id("import-stores").count() == 0 and page.get_by_test_id("edit-store").count() == 0
    wait_for(lambda: "扫码 1，添加 1" in page.get_by_test_id("stats-totals").inner_text(), what="shown")
    table = page.get_by_test_id("table-store-stats")
    assert _cells(table)[:4] == [f"静安店{XSS}", "上海", "1", "1"]
    page.get_by_test_id("chart-stores").wait_for()
    page.get_by_test_id("stats-by").get_by_text("按城市").click()
    wait_for(lambda: _cells(table)[:3] == ["上海", "1", "1"], what="per city")
    with page.expect_download() as download:
        page.get_by_test_id("stores-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[:2] == ["城市,扫码,添加,添加率", "上海,1,1,100.0%"]
    watched.shot("stats")


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["wide", "narrow"])
def test_the_page_fits_both_widths(stack, sandbox, shop, watched, viewport):
    log_in(watched, stack, sandbox, shop, "admin")
    page = watched.page
    page.goto(stack.console_url + "stores")
    page.get_by_test_id("stores").locator(".el-table__row").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    watched.shot("stores")
