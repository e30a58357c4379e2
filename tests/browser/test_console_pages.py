"""The console's pages on the local stack, logged in as a member of each role: 渠道活码 (create, QR image,
PNG download), a customer scanning the code in the sandbox and appearing in 客户 with the code's tag, the
detail drawer and its remark edit, 标签库 (create, rename, delete), 员工; a viewer sees no write control and
the API refuses a write forged from the page; names render as text. Screenshots of every page at 1280×800
and 390×844 under the run's folder (screenshots/)."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.browser.conftest import NARROW, WIDE
from tests.browser.stack_login import log_in
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

XSS = "<img src=x onerror=alert(1)>"
PAGES = [("dashboard", "仪表盘"), ("customers", "客户"), ("tags", "标签库"), ("channel-codes", "渠道活码"),
         ("employees", "员工"), ("roles", "角色与密钥"), ("transfers", "离职/在职继承"), ("sync", "同步"),
         ("stats", "统计"), ("group-codes", "群活码"), ("groups", "客户群"),
         ("mass-sends", "群发"), ("sops", "SOP"), ("churn-alerts", "流失提醒"), ("stages", "客户阶段"), ("notes", "跟进记录"),
         ("content", "话术素材"), ("moments", "客户朋友圈"), ("stores", "门店活码"), ("fission", "好友裂变")]


def _pick(page, select_testid: str, label: str, tries: int = 3) -> None:
    """Open the select and click the option. On a loaded machine the list's opening animation can leave the
    option moving, then hidden when the list closes again under the click: the select is opened again (a
    fresh list) rather than the test failing on the animation."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(tries):
        page.get_by_test_id(select_testid).click()
        try:
            page.locator(".el-select-dropdown__item:visible", has_text=label).first.click(timeout=5000)
            break
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
            page.wait_for_timeout(300)
    page.keyboard.press("Escape")


def _api(page, method: str, path: str, body: object = None) -> dict:
    """A request from the page's own context, as its scripts would make it (cookies, the CSRF token)."""
    return page.evaluate("""async ([method, path, body]) => {
        const token = (document.cookie.match(/(?:^|; )__Host-scrm_csrf=([^;]*)/) || [])[1] || ''
        const r = await fetch(path, {method, credentials: 'same-origin', body: body === null ? undefined : JSON.stringify(body),
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': decodeURIComponent(token)}})
        return {status: r.status, body: await r.json()}
    }""", [method, path, body])


def test_a_code_made_in_the_console_is_scanned_and_its_customer_shows_with_the_tag(stack, sandbox, staff, watched):
    admin = log_in(watched, stack, sandbox, staff, "admin")
    page = watched.page
    name = f"门店海报{uuid.uuid4().hex[:4]}"
    page.goto(stack.console_url + "channel-codes")
    page.get_by_test_id("create-code").click()
    form = page.get_by_test_id("code-form")
    # Nothing typed: the API's 400 is shown next to 名称, in words.
    form.get_by_test_id("submit-code").click()
    form.locator(".el-form-item.is-error", has_text="名称").get_by_text("name: required").wait_for()
    form.get_by_test_id("code-name-input").fill(name)
    _pick(page, "code-staff", f"{staff['members'][admin]}（{admin}）")
    form.get_by_test_id("add-slot").click()  # a weekly slot with no staff: refused, that slot marked
    form.get_by_test_id("submit-code").click()
    slot = form.get_by_test_id("schedule-slot")
    slot.locator(".el-form-item.is-error", has_text="该时段员工").wait_for()
    slot.get_by_role("button", name="删除此时段").click()
    page.get_by_test_id("code-tags").click()
    tag = page.locator(".el-select-dropdown__item:visible").first
    tag_name = tag.inner_text().strip()
    tag.click()
    page.keyboard.press("Escape")
    form.get_by_test_id("code-welcome").fill("你好 {name}，欢迎光临")
    # A link attachment without its address: the API's refusal marks that attachment's 链接地址, in words.
    form.get_by_test_id("add-link").click()
    attachment = form.get_by_test_id("attachment")
    attachment.get_by_test_id("link-title").fill("本周新品")
    form.get_by_test_id("submit-code").click()
    attachment.locator(".el-form-item.is-error", has_text="链接地址").wait_for()
    attachment.get_by_test_id("link-url").fill("https://shop.example.com/new")
    preview = form.get_by_test_id("message-preview")
    assert preview.get_by_test_id("preview-text").inner_text() == "你好 张三，欢迎光临"
    assert "本周新品" in preview.get_by_test_id("preview-attachment").inner_text()
    watched.shot("code-form")
    form.get_by_test_id("submit-code").click()

    dialog = page.get_by_test_id("qr-dialog")
    image = dialog.get_by_test_id("qr-image")
    image.and_(page.locator("[data-loaded=true]")).wait_for()
    assert image.get_attribute("src").startswith("/wwpic/")  # same origin: the CSP's img-src 'self'
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
    watched.shot("qr")
    with page.expect_download() as download:
        dialog.get_by_test_id("qr-download").click()
    assert download.value.suggested_filename == f"渠道活码-{name}.png"
    with open(download.value.path(), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    page.keyboard.press("Escape")

    codes = _api(page, "GET", "/admin/channel-codes")["body"]["items"]
    code = next(c for c in codes if c["name"] == name)
    assert code["welcome"] == {"text": "你好 {name}，欢迎光临", "attachments": [
        {"msgtype": "link", "link": {"title": "本周新品", "url": "https://shop.example.com/new"}}]}
    scanned = sandbox.scan(staff["corp_id"], code["config_id"], name=XSS)
    # WeCom was asked to send exactly that: the customer's name filled in, the link as typed.
    sent = wait_for(lambda: next((w for w in sandbox.welcomes(staff["corp_id"])
                                  if w["external_userid"] == scanned["external_userid"] and w.get("sent_at")), None),
                    timeout_s=30, what="the welcome sent")
    assert sent["text"] == f"你好 {XSS}，欢迎光临" and sent["attachments"] == code["welcome"]["attachments"]

    page.goto(stack.console_url + "customers")
    page.get_by_test_id("filter-tags").click()
    page.locator(".el-select-dropdown__item:visible", has_text=tag_name).first.click()
    page.keyboard.press("Escape")
    rows = page.get_by_test_id("customers").locator(".el-table__row")
    deadline = time.monotonic() + 60
    while True:  # the arrival is applied by the stack's consumers (tags marked in WeCom, then stored)
        page.get_by_test_id("search").click()
        page.wait_for_load_state("networkidle")
        if rows.filter(has_text=XSS).count() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    row = rows.filter(has_text=XSS)
    assert row.count() == 1, rows.all_inner_texts()
    assert tag_name in row.inner_text() and name in row.inner_text()
    assert page.locator("img[src='x']").count() == 0  # the name is text, not an element
    watched.shot("customers")

    row.get_by_test_id("customer-name").click()
    drawer = page.get_by_test_id("customer-drawer")
    assert drawer.get_by_test_id("detail-name").inner_text() == XSS
    drawer.get_by_text(f"来自渠道「{name}」").first.wait_for()
    drawer.get_by_test_id("edit-relation").click()
    drawer.get_by_test_id("edit-remark").fill("门店老客户")
    drawer.get_by_test_id("save-relation").click()
    drawer.get_by_text("备注：门店老客户").wait_for()
    # Tags: the code's one off, another on (by name), in one mark_tag.
    drawer.get_by_test_id("edit-relation").click()
    drawer.get_by_test_id("edit-tags").click()
    options = page.locator(".el-select-dropdown__item:visible")
    other = options.filter(has_not_text=tag_name).first
    other_name = other.inner_text().strip()
    other.click()
    options.filter(has_text=tag_name).first.click()
    page.keyboard.press("Escape")
    drawer.get_by_test_id("save-relation").click()
    relation = drawer.get_by_test_id("relation")
    relation.locator(".el-tag", has_text=other_name).wait_for()
    assert relation.locator(".el-tag", has_text=tag_name).count() == 0
    assert scanned["external_userid"]
    watched.shot("customer-drawer")


def _today_new(page) -> int:
    value = page.get_by_test_id("figure-new").get_by_test_id("figure-value")
    value.wait_for()
    return int(value.inner_text())


def test_a_scan_moves_the_dashboards_new_customers_and_ranks_the_code(stack, sandbox, staff, watched):
    admin = log_in(watched, stack, sandbox, staff, "admin")  # lands on the dashboard
    page = watched.page
    before = _today_new(page)
    name = f"仪表盘活码{uuid.uuid4().hex[:4]}"
    made = _api(page, "POST", "/admin/channel-codes", {"name": name, "staff": [admin]})
    assert made["status"] == 201, made
    sandbox.scan(staff["corp_id"], made["body"]["config_id"], name="扫码客户")
    ranking = page.get_by_test_id("codes-today")
    deadline = time.monotonic() + 15
    while True:  # the add is counted by the stack's consumers (the day roll-up, the code's counters)
        page.reload()
        now = _today_new(page)
        if (now > before and ranking.get_by_text(name).count()) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert now == before + 1
    row = ranking.locator(".el-table__row", has_text=name)
    assert row.count() == 1 and row.locator("td").nth(2).inner_text().strip() == "1"
    assert page.get_by_test_id("chart-customers").locator("canvas").count() == 1
    page.locator(".echart[data-rendered='true']").nth(1).wait_for()
    watched.shot("1280x800")
    page.set_viewport_size(NARROW)
    page.reload()
    assert _today_new(page) == before + 1
    page.locator(".echart[data-rendered='true']").nth(1).wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    watched.shot("390x844")


def test_an_operator_creates_renames_and_deletes_tags(stack, sandbox, staff, watched):
    log_in(watched, stack, sandbox, staff, "operator")
    page = watched.page
    group = f"测试组{uuid.uuid4().hex[:4]}"
    page.goto(stack.console_url + "tags")
    page.get_by_test_id("create-tags").click()
    page.get_by_test_id("group-name").fill(group)
    page.get_by_test_id("tag-names").fill(f"甲{XSS}\n乙")
    page.get_by_test_id("submit-tags").click()
    card = page.get_by_test_id("tag-group").filter(has_text=group)
    card.get_by_text(f"甲{XSS}").wait_for()
    assert page.locator("img[src='x']").count() == 0
    card.get_by_role("button", name="重命名 乙").click()
    page.get_by_test_id("rename-input").fill("丙")
    page.get_by_test_id("submit-rename").click()
    card.get_by_text("丙", exact=True).wait_for()
    watched.shot("tags")
    card.get_by_role("button", name="删除").click()
    page.get_by_role("button", name="删除", exact=True).last.click()  # the confirmation (a Vue dialog)
    card.wait_for(state="detached")


def test_a_viewer_sees_no_write_control_and_a_forged_write_is_refused(stack, sandbox, staff, watched):
    log_in(watched, stack, sandbox, staff, "viewer")
    page = watched.page
    assert page.get_by_test_id("role").inner_text() == "只读"
    page.goto(stack.console_url + "tags")
    page.get_by_test_id("tag-group").first.wait_for()
    assert page.get_by_test_id("create-tags").count() == 0 and page.get_by_role("button", name="删除").count() == 0
    assert page.locator(".el-tag .el-tag__close").count() == 0
    page.goto(stack.console_url + "channel-codes")
    page.get_by_test_id("codes").wait_for()
    assert page.get_by_test_id("create-code").count() == 0
    page.goto(stack.console_url + "customers")
    page.get_by_test_id("customer-name").first.click()
    page.get_by_test_id("relation").first.wait_for()
    assert page.get_by_test_id("edit-relation").count() == 0
    watched.shot("viewer-customer")
    # What a script in this page could do with the session and its CSRF token: the API refuses (403).
    forged = _api(page, "POST", "/admin/tags", {"group_name": "越权", "tags": ["x"]})
    assert forged["status"] == 403 and "viewer" in forged["body"]["error"]


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280x800", "390x844"])
def test_every_page_as_an_admin(stack, sandbox, staff, watched, viewport):
    from tests.browser.test_console_shell import MENUS

    assert sorted(title for _, title in PAGES) == sorted(MENUS)  # every menu entry is opened here
    log_in(watched, stack, sandbox, staff, "admin")
    page = watched.page
    for path, title in PAGES:
        page.goto(stack.console_url + path)
        page.get_by_role("heading", name=title).wait_for()
        page.wait_for_load_state("networkidle")
        assert page.locator("[role=alert]").count() == 0, page.locator("[role=alert]").all_inner_texts()
        if path == "employees":
            assert page.get_by_test_id("employees").locator(".el-table__row").count() == len(staff["members"])
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], path
        watched.shot(path)


def test_roles_list_and_the_last_admin_is_kept(stack, sandbox, staff, watched):
    admin = log_in(watched, stack, sandbox, staff, "admin")
    page = watched.page
    page.goto(stack.console_url + "roles")
    table = page.get_by_test_id("roles")
    table.locator(".el-table__row").nth(len(staff["by_role"]) - 1).wait_for()
    row = table.locator(".el-table__row", has_text=f"（{admin}）")
    row.get_by_test_id("role-select").click()
    page.locator(".el-select-dropdown__item:visible", has_text="运营").click()
    # The corp's only admin: the API's 409, in words; nothing changed.
    notice = page.get_by_test_id("role-change-error")
    notice.get_by_text("与现有数据冲突").wait_for()
    assert notice.get_attribute("data-status") == "409"
    assert row.get_by_test_id("role-select").inner_text().strip() == "管理员"
    assert page.get_by_test_id("role").inner_text() == "管理员"
    watched.shot("roles")


def test_an_admin_issues_an_api_key_shown_once_and_revokes_it(stack, sandbox, staff, watched):
    import requests

    log_in(watched, stack, sandbox, staff, "admin")
    page = watched.page
    page.goto(stack.console_url + "roles")
    card = page.get_by_test_id("keys-card")
    card.get_by_test_id("key-name").fill(XSS)  # what the key is for, typed by a person: shown as text
    card.get_by_test_id("issue-key").click()
    key = card.get_by_test_id("issued-key-value").input_value()
    assert key.startswith("scrm_")
    whoami = requests.get(f"{stack.admin_url}/admin/whoami", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert whoami.status_code == 200 and whoami.json()["role"] == "viewer"
    assert whoami.json()["corp_id"] == staff["corp_id"]
    key_id = key.split("_")[1]
    row = card.get_by_test_id("keys").locator(".el-table__row", has_text=key_id)
    assert XSS in row.inner_text() and "只读" in row.inner_text() and "有效" in row.inner_text()
    watched.shot("api-key-issued")
    # Only the hash is kept: the list never holds the key, and a reload no longer shows it.
    listed = _api(page, "GET", "/admin/keys")["body"]["keys"]
    assert any(k["key_id"] == key_id and k["name"] == XSS for k in listed) and key not in str(listed)
    page.reload()
    card.get_by_test_id("keys").locator(".el-table__row", has_text=key_id).wait_for()
    assert page.get_by_test_id("issued-key").count() == 0
    row.get_by_test_id("revoke-key").click()
    page.locator(".el-message-box").get_by_role("button", name="作废").click()
    row.get_by_text("已作废").wait_for()
    assert row.get_by_test_id("revoke-key").count() == 0
    refused = requests.get(f"{stack.admin_url}/admin/whoami", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert refused.status_code == 401, refused.text
