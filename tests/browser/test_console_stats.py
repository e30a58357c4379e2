"""统计 and 渠道活码's statistics, edit, delete and default welcome on the local stack: customers scan a code in the
sandbox; the page's chart (its aria-label lists every point), table and totals show what GET /admin/stats/…
answers, and the CSV built in the browser holds the same (BOM, header, today's row); a code renamed (PUT: the
API and WeCom's update_contact_way), its statistics and CSV, deleted after the confirmation (DELETE: status
deleted, WeCom's del_contact_way); the default welcome saved; a viewer sees none of the write controls.
Screenshots at 1280×800 and 390×844."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NARROW
from tests.browser.stack_login import log_in

pytestmark = pytest.mark.stack

CUSTOMER_HEADER = "日期,新增,客户删除员工,员工删除客户,流失,净增,7 日留存,30 日留存"
CODE_HEADER = "日期,新增,客户删除员工,员工删除客户,流失,净增,漏发欢迎语"


def _api(page: Any, method: str, path: str, body: object = None) -> dict:
    """A request from the page's own context, as its scripts would make it (cookies, the CSRF token)."""
    return page.evaluate("""async ([method, path, body]) => {
        const token = (document.cookie.match(/(?:^|; )__Host-scrm_csrf=([^;]*)/) || [])[1] || ''
        const r = await fetch(path, {method, credentials: 'same-origin', body: body === null ? undefined : JSON.stringify(body),
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': decodeURIComponent(token)}})
        return {status: r.status, body: await r.json()}
    }""", [method, path, body])


def _get(page: Any, path: str) -> dict:
    r = _api(page, "GET", path)
    assert r["status"] == 200, r
    return r["body"]


def _until(what: str, read: Any, done: Any, timeout: float = 30) -> Any:
    """The adds are counted by the stack's consumers: read again until counted."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached in {timeout}s: {value}")
        time.sleep(0.3)


def _download(page: Any, testid: str, scope: Any = None) -> tuple[str, bytes]:
    with page.expect_download() as download:
        (scope or page).get_by_test_id(testid).click()
    with open(download.value.path(), "rb") as f:
        return download.value.suggested_filename, f.read()


def _csv_rows(raw: bytes) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]  # the BOM: Excel reads UTF-8
    text = raw.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return [line.split(",") for line in text.split("\r\n")[:-1]]


def test_the_stats_page_shows_and_downloads_what_the_api_counts(stack, sandbox, staff, watched):
    admin = log_in(watched, stack, sandbox, staff, "admin")
    page = watched.page
    today = _get(page, "/admin/stats/customers")["to"]  # the API's China day
    day_adds = lambda: next(i for i in _get(page, "/admin/stats/customers?by=day")["items"] if i["day"] == today)["adds"]  # noqa: E731
    before = day_adds()
    made = _api(page, "POST", "/admin/channel-codes", {"name": f"统计活码{uuid.uuid4().hex[:4]}", "staff": [admin]})
    assert made["status"] == 201, made
    for n in range(2):
        sandbox.scan(staff["corp_id"], made["body"]["config_id"], name=f"统计客户{n}")
    adds = _until("today's adds", day_adds, lambda v: v >= before + 2)
    assert adds == before + 2

    page.get_by_role("menuitem", name="统计").first.click()
    page.wait_for_url("**/console/stats")
    table = page.get_by_test_id("table-customers")
    first = table.locator(".el-table__row").first
    first.wait_for()
    report = _get(page, "/admin/stats/customers?by=day")
    totals = report["totals"]
    # Newest first: today's row, its figures as the API counts them.
    cells = [c.strip() for c in first.locator("td").all_inner_texts()]
    assert cells[:6] == [today, str(adds), *(str(report["items"][-1][k]) for k in ("lost_by_customer", "lost_by_employee", "lost", "net"))]
    assert table.locator(".el-table__row").count() == 10  # 30 days, 10 a page
    assert f"新增 {totals['adds']}，" in page.get_by_test_id("customer-totals").inner_text()
    chart = page.get_by_test_id("chart-customers")
    page.locator("[data-testid=chart-customers][data-rendered=true]").wait_for()
    label = chart.get_attribute("aria-label")
    assert f"表示新增的折线图，其数据是——{report['items'][0]['day'][5:]}的数据是{report['items'][0]['adds']}，" in label
    assert label.count("的数据是") == 3 * 30 and f"{today[5:]}的数据是{adds}" in label
    # By employee: the admin's adds today are among theirs over the 30 days.
    mine = next(i for i in _get(page, "/admin/stats/customers?by=employee")["items"] if i["userid"] == admin)
    row = page.get_by_test_id("table-employees").locator(".el-table__row", has_text=f"（{admin}）")
    assert [c.strip() for c in row.locator("td").all_inner_texts()][:2] == [f"{staff['members'][admin]}（{admin}）", str(mine["adds"])]
    groups = _get(page, "/admin/stats/groups?by=day")
    assert f"入群 {groups['totals']['joins']}，退群 {groups['totals']['quits']}" in page.get_by_test_id("group-totals").inner_text()
    assert page.get_by_test_id("table-groups").locator(".el-table__row").first.locator("td").first.inner_text().strip() == today
    page.locator("[data-testid=chart-groups][data-rendered=true]").wait_for()

    name, raw = _download(page, "csv-customers")
    assert name == f"客户统计-按日-{report['from']}至{today}.csv"
    rows = _csv_rows(raw)
    assert ",".join(rows[0]) == CUSTOMER_HEADER and len(rows) == 31
    assert rows[1][:2] == [today, str(adds)]
    name, raw = _download(page, "csv-employees")
    assert [f"{staff['members'][admin]}（{admin}）", str(mine["adds"])] in [r[:2] for r in _csv_rows(raw)]
    page.get_by_role("heading", name="统计").scroll_into_view_if_needed()
    watched.shot("1280x800")

    # Another range: 近 7 天 asks the API for 7 China days.
    with page.expect_request(lambda r: "/admin/stats/customers" in r.url and "by=day" in r.url) as asked:
        page.get_by_test_id("range-7").click()
    assert f"to={today}" in asked.value.url and "from=" in asked.value.url
    expect(table.locator(".el-table__row")).to_have_count(7)
    assert page.get_by_test_id("range-from").locator("input").input_value() == asked.value.url.split("from=")[1][:10]

    page.set_viewport_size(NARROW)
    page.reload()
    table.locator(".el-table__row").first.wait_for()
    page.locator("[data-testid=chart-groups][data-rendered=true]").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    page.get_by_role("heading", name="统计").scroll_into_view_if_needed()
    watched.shot("390x844")


def test_an_operator_edits_reads_the_stats_of_and_deletes_a_code(stack, sandbox, staff, watched):
    operator = log_in(watched, stack, sandbox, staff, "operator")
    page = watched.page
    cid = staff["corp_id"]
    name = f"改名前{uuid.uuid4().hex[:4]}"
    made = _api(page, "POST", "/admin/channel-codes", {"name": name, "staff": [operator], "welcome": {"text": "你好"}})
    assert made["status"] == 201, made
    code_id, config_id = made["body"]["code_id"], made["body"]["config_id"]
    sandbox.scan(cid, config_id, name="渠道统计客户")
    stats = _until("the code's adds", lambda: _get(page, f"/admin/channel-codes/{code_id}/stats"),
                   lambda s: s["totals"]["adds"] == 1)
    today = stats["to"]

    page.goto(stack.console_url + "channel-codes")
    row = page.get_by_test_id("codes").locator(".el-table__row", has_text=name)
    calls = len(sandbox.calls(cid))
    row.get_by_test_id("code-edit").click()
    form = page.get_by_test_id("code-form")
    assert form.get_by_test_id("code-name-input").input_value() == name  # the same form, prefilled
    assert form.get_by_test_id("code-welcome").input_value() == "你好"
    renamed = f"改名后{uuid.uuid4().hex[:4]}"
    form.get_by_test_id("code-name-input").fill(renamed)
    form.get_by_test_id("submit-code").click()
    row = page.get_by_test_id("codes").locator(".el-table__row", has_text=renamed)
    row.wait_for()
    got = _get(page, f"/admin/channel-codes/{code_id}")
    assert got["name"] == renamed and got["staff"] == [operator] and got["welcome"]["text"] == "你好"
    updates = [c for c in sandbox.calls(cid)[calls:] if c["path"].endswith("update_contact_way")]
    assert len(updates) == 1 and updates[0]["body"]["config_id"] == config_id

    row.get_by_test_id("code-stats").click()
    dialog = page.get_by_test_id("code-stats-dialog")
    dialog.get_by_test_id("code-stats-totals").get_by_text("新增 1，").wait_for()
    page.locator("[data-testid=code-stats-chart][data-rendered=true]").wait_for()
    label = dialog.get_by_test_id("code-stats-chart").get_attribute("aria-label")  # every day, 0 on quiet ones
    assert f"表示新增的折线图，其数据是——{stats['from'][5:]}的数据是0，" in label
    assert label.count("的数据是") == 3 * 30 and f"{today[5:]}的数据是1" in label
    staff_row = dialog.get_by_test_id("code-stats-staff").locator(".el-table__row")
    assert [c.strip() for c in staff_row.locator("td").all_inner_texts()][:2] == [f"{staff['members'][operator]}（{operator}）", "1"]
    watched.shot("code-stats")
    file, raw = _download(page, "code-csv-by-day", dialog)
    assert file == f"渠道活码-{renamed}-按日-{stats['from']}至{today}.csv"
    rows = _csv_rows(raw)
    assert ",".join(rows[0]) == CODE_HEADER and rows[1:] == [[today, "1", "0", "0", "0", "1", "0"]]
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    calls = len(sandbox.calls(cid))
    row.get_by_test_id("code-delete").click()
    page.get_by_role("button", name="删除", exact=True).last.click()  # the confirmation (a Vue dialog)
    row.wait_for(state="detached")
    assert _get(page, f"/admin/channel-codes/{code_id}")["status"] == "deleted"
    deletes = [c for c in sandbox.calls(cid)[calls:] if c["path"].endswith("del_contact_way")]
    assert len(deletes) == 1 and deletes[0]["body"]["config_id"] == config_id

    # The corp's default welcome, edited here and read back; then as it was.
    before = _get(page, "/admin/welcome-default")["welcome"]
    page.get_by_test_id("welcome-default").click()
    text = page.get_by_test_id("welcome-text")
    text.fill("欢迎 {name}，有事随时找我")
    page.get_by_test_id("welcome-save").click()
    page.get_by_test_id("welcome-dialog").wait_for(state="hidden")
    assert _get(page, "/admin/welcome-default")["welcome"]["text"] == "欢迎 {name}，有事随时找我"
    assert _api(page, "PUT", "/admin/welcome-default", {"welcome": before})["status"] == 200

    page.set_viewport_size(NARROW)
    page.goto(stack.console_url + "channel-codes")
    page.get_by_test_id("codes").locator(".el-table__row").first.wait_for()
    page.locator(".el-loading-spinner").first.wait_for(state="hidden")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    watched.shot("390x844")


def test_a_viewer_reads_code_stats_but_sees_no_edit_or_delete(stack, sandbox, staff, watched):
    from scrm import bootstrap

    name = f"只读可见{uuid.uuid4().hex[:4]}"
    code = bootstrap.live_codes().create_channel(staff["corp_id"], {"name": name, "staff": [staff["by_role"]["admin"]]})
    log_in(watched, stack, sandbox, staff, "viewer")
    page = watched.page
    page.goto(stack.console_url + "channel-codes")
    row = page.get_by_test_id("codes").locator(".el-table__row", has_text=name)
    row.wait_for()
    assert page.get_by_test_id("code-edit").count() == 0 and page.get_by_test_id("code-delete").count() == 0
    row.get_by_test_id("code-stats").click()
    page.get_by_test_id("code-stats-totals").get_by_text("新增 0，").wait_for()
    page.keyboard.press("Escape")
    page.get_by_test_id("welcome-default").click()
    page.get_by_test_id("welcome-text").wait_for()
    assert page.get_by_test_id("welcome-save").count() == 0
    assert page.get_by_test_id("welcome-text").get_attribute("readonly") is not None
    forged = _api(page, "DELETE", f"/admin/channel-codes/{code['code_id']}")
    assert forged["status"] == 403
    assert _get(page, f"/admin/channel-codes/{code['code_id']}")["status"] == "active"
    page.goto(stack.console_url + "stats")
    page.get_by_test_id("table-customers").locator(".el-table__row").first.wait_for()
