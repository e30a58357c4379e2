"""好友裂变 on the local stack (issue 21), logged in as each role. An admin creates a campaign in the form: N of 0,
then a reward text without {code} — the API's 400 marks 邀请人数, then 奖励消息, in words, and nothing is stored; the
fixed campaign is a draft with its background picked by title and two members. Coupon codes are uploaded (added
and duplicates said, the pool's free count shown in the list), the campaign is activated, an inviter's link is got
for a customer found by name and its poster opened (the inviter's contact way made in the WeCom sandbox), the
progress drawer shows that inviter with the chart and downloads the CSV; ending it (an Element Plus confirmation)
deletes that contact way in the sandbox. A viewer sees the campaigns but no write control, and the API refuses a
write forged from the page. Names render as text. Screenshots at 1280×800 and 390×844."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from tests.browser.conftest import NARROW, WIDE
from tests.browser.stack_login import log_in, staffed_corp
from tests.browser.test_console_pages import _api
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

XSS = "<img src=x onerror=alert(1)>"
NAME = f"春季裂变{XSS}"


@pytest.fixture(scope="module")
def shop(stack: Any, sandbox: Any) -> dict[str, Any]:
    return staffed_corp(stack, sandbox, employees=3)


def _png() -> str:
    out = io.BytesIO()
    Image.new("RGB", (375, 667), "#fde2c8").save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def _campaigns(page: Any) -> list[dict[str, Any]]:
    return _api(page, "GET", "/admin/fission")["body"]["items"]


def _pick(page: Any, select: Any, *labels: str) -> None:
    select.click()
    for label in labels:
        page.locator(".el-select-dropdown__item:visible", has_text=label).first.click()
    page.keyboard.press("Escape")


def _row(page: Any) -> Any:
    return page.get_by_test_id("fission-campaigns").locator(".el-table__row", has_text="春季裂变")


def test_an_admin_creates_fills_activates_links_follows_and_ends_a_campaign(stack, sandbox, shop, watched):
    log_in(watched, stack, sandbox, shop, "admin")
    page = watched.page
    cid = shop["corp_id"]
    members = list(shop["members"])
    r = _api(page, "POST", "/admin/materials", {"kind": "image", "title": "裂变海报背景", "filename": "bg.png", "content": _png()})
    assert r["status"] == 201, r
    background = r["body"]["material_id"]
    page.goto(stack.console_url + "fission")
    page.get_by_role("heading", name="好友裂变").wait_for()
    page.get_by_test_id("create-fission").click()
    form = page.get_by_test_id("fission-form")
    form.get_by_test_id("fission-name-input").fill(NAME)
    _pick(page, form.get_by_test_id("fission-background"), "裂变海报背景")
    _pick(page, form.get_by_test_id("fission-members"), members[0], members[1])
    form.get_by_test_id("fission-threshold").locator("input").fill("0")
    form.get_by_test_id("fission-keep").locator("input").fill("0")
    form.get_by_test_id("fission-reward").fill("恭喜！没有券码")
    since = sandbox.call_counts(cid)["last_seq"]
    form.get_by_test_id("submit-fission").click()
    form.locator(".el-form-item.is-error", has_text="邀请人数 N").get_by_text("（字段：邀请人数）").wait_for()
    form.get_by_test_id("fission-threshold").locator("input").fill("2")
    form.get_by_test_id("submit-fission").click()
    # the API's 400 at its field, in words; nothing stored
    form.locator(".el-form-item.is-error", has_text="奖励消息").get_by_text("{code}").first.wait_for()
    assert _campaigns(page) == []
    form.get_by_test_id("fission-reward").fill("恭喜！你的券码是 {code}")
    form.get_by_test_id("submit-fission").click()
    form.wait_for(state="hidden")
    [made] = _campaigns(page)
    assert (made["name"], made["background"], made["status"]) == (NAME, background, "draft")
    assert (made["threshold"], made["keep_days"], sorted(made["members"])) == (2, 0, sorted(members[:2]))
    row = _row(page)
    row.get_by_test_id("fission-status").get_by_text("草稿").wait_for()
    assert row.get_by_test_id("fission-name").inner_text() == NAME  # as text
    assert sandbox.calls(cid, since=since, path="externalcontact/add_contact_way") == []  # no WeCom call yet

    # coupon codes: typed, one a line; then a .txt file (CRLF) with a code seen before
    row.get_by_test_id("fission-codes").click()
    dialog = page.get_by_test_id("codes-dialog")
    dialog.get_by_test_id("codes-text").fill("SPRING-1\nSPRING-2\n\nSPRING-3\n")
    dialog.get_by_test_id("submit-codes").click()
    dialog.get_by_test_id("codes-result").get_by_text("新增 3 个，重复 0 个；券码池可用 3，已发 0").wait_for()
    dialog.get_by_test_id("codes-file").set_input_files(
        files=[{"name": "codes.txt", "mimeType": "text/plain", "buffer": b"SPRING-3\r\nSPRING-4\r\n"}])
    dialog.get_by_text("共 2 行").wait_for()
    dialog.get_by_test_id("submit-codes").click()
    dialog.get_by_test_id("codes-result").get_by_text("新增 1 个，重复 1 个；券码池可用 4，已发 0").wait_for()
    assert _api(page, "GET", f"/admin/fission/{made['campaign_id']}")["body"]["pool"] == {"free": 4, "used": 0}
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert row.get_by_test_id("fission-pool").inner_text() == "4 / 0"

    row.get_by_test_id("fission-activate").click()
    row.get_by_test_id("fission-status").get_by_text("进行中").wait_for()
    assert _campaigns(page)[0]["status"] == "active"
    watched.shot("fission-list")

    # an inviter's link: shown as text; its poster makes the inviter's contact way in the sandbox
    customer = sandbox.corp(cid)["customers"][0]
    inviter = customer["external_userid"]
    row.get_by_test_id("fission-link").click()
    link = page.get_by_test_id("link-dialog")
    link.get_by_test_id("submit-link").click()
    link.locator(".el-form-item.is-error", has_text="客户").wait_for()  # none typed: the API's 400 at its field
    link.get_by_test_id("link-customer").click()  # found by the first characters of the name
    page.keyboard.type(customer["name"][:2])
    page.locator(".el-select-dropdown__item:visible", has_text=f"（{inviter}）").first.click()
    link.get_by_test_id("submit-link").click()
    base = stack.console_url.rsplit("/console/", 1)[0]
    page_url = link.get_by_test_id("link-url").inner_text().strip()
    assert page_url.startswith(f"{base}/landing/fission.html?t="), page_url
    url = link.get_by_test_id("link-poster").inner_text().strip()
    assert url.startswith(f"{base}/admin/public/fission/poster?t="), url
    link.get_by_test_id("copy-link").wait_for()
    progress = requests.get(link.get_by_test_id("link-progress").inner_text().strip(), timeout=30)
    assert progress.status_code == 200 and progress.json()["reward"] == "not_yet", progress.text
    watched.shot("fission-link")
    poster = requests.get(url, timeout=30)
    assert poster.status_code == 200 and poster.headers["Content-Type"] == "image/png", poster.text[:200]
    page.keyboard.press("Escape")
    rows = _api(page, "GET", f"/admin/fission/{made['campaign_id']}/progress")["body"]["items"]
    assert [r["external_userid"] for r in rows] == [inviter] and rows[0]["config_id"]
    way = rows[0]["config_id"]
    added = sandbox.calls(cid, since=since, path="externalcontact/add_contact_way")
    assert [c["body"]["state"] for c in added] == [f"fi:{made['campaign_id']}:{rows[0]['key']}"]
    assert sorted(added[0]["body"]["user"]) == sorted(members[:2])

    # progress: totals, the chart, the per-inviter table and its CSV
    row.get_by_test_id("fission-progress").click()
    drawer = page.get_by_test_id("fission-drawer")
    drawer.get_by_test_id("progress-totals").get_by_text("邀请人 1，待确认 0，已确认 0，已流失 0，已发奖 0").wait_for()
    drawer.get_by_test_id("chart-fission").wait_for()
    cells = [c.strip() for c in drawer.get_by_test_id("progress-table").locator(".el-table__row").first.inner_text().split("\t")]
    assert cells[1:6] == [inviter, "0", "0", "0", "未达成"], cells
    with page.expect_download() as download:
        drawer.get_by_test_id("progress-csv").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "邀请人,客户 ID,待确认,已确认,已流失,奖励,券码,说明" and f",{inviter},0,0,0,未达成,," in lines[1]
    watched.shot("fission-progress")
    page.keyboard.press("Escape")
    drawer.wait_for(state="hidden")

    # end: confirmed in the page's own dialog; the inviter's contact way is deleted in WeCom
    since = sandbox.call_counts(cid)["last_seq"]
    row.get_by_test_id("fission-end").click()
    page.locator(".el-message-box").get_by_role("button", name="结束活动").click()
    row.get_by_test_id("fission-status").get_by_text("已结束").wait_for()
    assert _campaigns(page)[0]["status"] == "ended"
    deleted = sandbox.calls(cid, since=since, path="externalcontact/del_contact_way")
    assert [c["body"]["config_id"] for c in deleted] == [way]
    assert row.get_by_test_id("fission-end").count() == 0 and row.get_by_test_id("fission-codes").count() == 0
    assert requests.get(url, timeout=30).status_code == 409  # the poster is gone with the campaign


def test_a_viewer_sees_the_campaigns_but_no_write_control(stack, sandbox, shop, watched):
    log_in(watched, stack, sandbox, shop, "viewer")
    page = watched.page
    page.goto(stack.console_url + "fission")
    wait_for(lambda: bool(_campaigns(page)), what="the first test's campaign")
    row = _row(page)
    row.get_by_test_id("fission-status").wait_for()
    assert page.get_by_test_id("create-fission").count() == 0
    for control in ("fission-codes", "fission-link", "fission-activate", "fission-end"):
        assert page.get_by_test_id(control).count() == 0, control
    row.get_by_test_id("fission-progress").click()
    page.get_by_test_id("fission-drawer").get_by_test_id("progress-totals").get_by_text("邀请人 1").wait_for()
    campaign_id = _campaigns(page)[0]["campaign_id"]
    r = _api(page, "POST", f"/admin/fission/{campaign_id}/coupons", {"codes": ["FORGED"]})
    assert r["status"] == 403, r
    watched.shot("fission-viewer")


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["wide", "narrow"])
def test_the_page_fits_both_widths(stack, sandbox, shop, watched, viewport):
    log_in(watched, stack, sandbox, shop, "admin")
    page = watched.page
    page.goto(stack.console_url + "fission")
    _row(page).first.wait_for()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    watched.shot("fission")
