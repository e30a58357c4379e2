"""话术素材 (web/console/src/pages/ContentPage.vue) on the local stack: an operator creates, finds and edits a
script ({name}, a name with markup rendered as text), uploads an image material from a file (stored with its
bytes, listed with its size), is told which field a refused link is wrong in; sends recorded by the sidebar's
service show as counts per item and member; a viewer sees no write control. Screenshots at 1280×800 and
390×844."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from scrm import bootstrap

from tests.browser.conftest import NARROW
from tests.browser.stack_login import log_in

pytestmark = pytest.mark.stack

XSS = "<img src=x onerror=alert(1)>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 3000 + b"IEND"


def _pick(page, testid: str, label: str) -> None:
    page.get_by_test_id(testid).click()
    page.locator(".el-select-dropdown__item:visible", has_text=label).first.click()


def test_an_operator_keeps_scripts_and_materials_and_sees_their_sends(stack, sandbox, staff, watched, tmp_path):
    operator = log_in(watched, stack, sandbox, staff, "operator")
    cid, page, tag = staff["corp_id"], watched.page, uuid.uuid4().hex[:4]
    page.goto(stack.console_url + "content")
    page.get_by_role("heading", name="话术素材").wait_for()

    # A script: created with a name that carries markup, found by a word of its text, edited.
    title = f"问候{tag}{XSS}"
    page.get_by_test_id("create-script").click()
    page.get_by_test_id("script-title-input").fill(title)
    page.get_by_test_id("script-group-input").fill("开场")
    page.get_by_test_id("script-text-input").fill(f"{{name}}您好，暗号{tag}")
    page.get_by_test_id("submit-script").click()
    page.get_by_test_id("scripts").get_by_text(title, exact=True).wait_for()
    assert page.locator("img[src='x']").count() == 0
    page.get_by_test_id("script-q").fill(f"暗号{tag}")
    page.get_by_test_id("script-search").click()
    rows = page.get_by_test_id("scripts").locator(".el-table__row")
    rows.filter(has_text=title).wait_for()
    assert rows.count() == 1
    page.get_by_role("button", name=f"编辑 {title}").click()
    page.get_by_test_id("script-text-input").fill(f"{{name}}，早上好 暗号{tag}")
    page.get_by_test_id("submit-script").click()
    rows.filter(has_text="早上好").wait_for()
    script = bootstrap.content().list_scripts(cid, "", q=f"暗号{tag}")["items"]
    assert [(s["title"], s["text"], s["group"]) for s in script] == [(title, f"{{name}}，早上好 暗号{tag}", "开场")]

    # An image material from a file; then a link the API refuses, the field marked in the form.
    page.get_by_role("tab", name="素材库").click()
    page.get_by_test_id("create-material").click()
    _pick(page, "material-kind", "图片")
    page.get_by_test_id("material-title-input").fill(f"海报{tag}")
    poster = tmp_path / "poster.png"
    poster.write_bytes(PNG)
    page.get_by_test_id("material-file").set_input_files(str(poster))
    page.get_by_test_id("material-filename").fill(f"poster{tag}.png")
    page.get_by_test_id("submit-material").click()
    table = page.get_by_test_id("materials")
    table.locator(".el-table__row", has_text=f"海报{tag}").wait_for()
    stored = bootstrap.content().list_materials(cid, "", q=f"海报{tag}")["items"]
    assert [(m["kind"], m["filename"], m["size"]) for m in stored] == [("image", f"poster{tag}.png", len(PNG))]
    mid = stored[0]["material_id"]
    page.get_by_test_id("create-material").click()
    _pick(page, "material-kind", "链接")
    page.get_by_test_id("material-title-input").fill(f"活动{tag}")
    page.get_by_test_id("material-url").fill("ftp://example.com/x")
    page.get_by_test_id("submit-material").click()
    error = page.locator(".el-form-item.is-error", has=page.get_by_test_id("material-url"))
    error.locator(".el-form-item__error").wait_for()
    assert "url" in error.inner_text()
    page.keyboard.press("Escape")

    # Sends the sidebar recorded (the same service): counts per item and member.
    svc = bootstrap.content()
    for _ in range(3):
        svc.record_send(cid, "script", script[0]["script_id"], operator)
    for _ in range(2):
        svc.record_send(cid, "material", mid, operator)
    page.reload()
    page.get_by_role("heading", name="话术素材").wait_for()
    row = page.get_by_test_id("scripts").locator(".el-table__row", has_text=title)
    row.wait_for()
    # The counts come from their own request, which may answer after the rows: wait for the text.
    expect(row.get_by_test_id("script-sends")).to_have_text("3")
    members = page.get_by_test_id("member-sends")
    members.locator(".el-table__row", has_text=operator).wait_for()
    page.wait_for_load_state("networkidle")
    watched.shot("content-1280x800")
    page.get_by_role("tab", name="素材库").click()
    mrow = page.get_by_test_id("materials").locator(".el-table__row", has_text=f"海报{tag}")
    mrow.wait_for()
    expect(mrow.get_by_test_id("material-sends")).to_have_text("2")
    page.set_viewport_size(NARROW)
    page.reload()
    page.get_by_role("heading", name="话术素材").wait_for()
    page.get_by_test_id("scripts").locator(".el-table__row").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    watched.shot("content-390x844")


def test_a_viewer_reads_the_libraries_without_write_controls(stack, sandbox, staff, watched):
    log_in(watched, stack, sandbox, staff, "viewer")
    page = watched.page
    bootstrap.content().create_script(staff["corp_id"], "admin", {"title": "只读可见", "text": "x"})
    page.goto(stack.console_url + "content")
    page.get_by_test_id("scripts").get_by_text("只读可见").first.wait_for()
    assert page.get_by_test_id("create-script").count() == 0
    assert page.get_by_role("button", name="删除 只读可见").count() == 0
    page.get_by_role("tab", name="素材库").click()
    assert page.get_by_test_id("create-material").count() == 0
