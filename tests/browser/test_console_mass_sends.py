"""The console's 群发 page on the local stack: an operator writes a mass send with a link, picks the
recipients by a tag's NAME, sees the count (POST /admin/mass-sends/preview) equal to what the sandbox corp
holds, per member, confirms, and follows the send in its drawer while the sandbox's members confirm their
WeCom tasks and the results job reads them, until it shows 完成 with every member at 100 % and each
customer by name (the sender's remark beside it, as text; the external_userid in small print); the sandbox
recorded one add_msg_template per member with that member's tagged customers. A viewer sees the sends and
their progress but no create, remind, cancel or quota control (and the API refuses a forged create); an
admin sets the receive quota. Screenshots at 1280×800 and 390×844."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import requests

from tests.browser.conftest import NARROW
from tests.browser.stack_login import log_in
from tests.browser.test_console_pages import _api

pytestmark = pytest.mark.stack

ADD_MSG_TEMPLATE = "externalcontact/add_msg_template"


def _tagged(sandbox: Any, cid: str, tag_id: str) -> dict[str, list[str]]:
    """What the sandbox corp holds: member → their customers whose relation carries the tag (WeCom's view,
    not our store's), one sender per customer: the member who added them last."""
    best: dict[str, tuple[int, str]] = {}
    for c in sandbox.corp(cid)["customers"]:
        for f in c["follow_users"]:
            if tag_id in f["tag_ids"]:
                cur = best.get(c["external_userid"])
                if cur is None or f["createtime"] > cur[0]:
                    best[c["external_userid"]] = (f["createtime"], f["userid"])
    out: dict[str, list[str]] = {}
    for ext, (_, uid) in best.items():
        out.setdefault(uid, []).append(ext)
    return {u: sorted(v) for u, v in sorted(out.items())}


def _phase(drawer: Any) -> str:
    return drawer.get_by_test_id("send-phase").get_attribute("data-phase") or ""


def test_an_operator_sends_to_a_tag_sees_the_count_and_follows_it_to_done(stack, sandbox, staff, watched):
    log_in(watched, stack, sandbox, staff, "operator")
    page = watched.page
    cid = staff["corp_id"]
    sandbox.set_groupmsg_dispatch(cid, 0)  # results readable at once (WeCom answers 41063 for a moment)
    suffix = uuid.uuid4().hex[:4]
    tag_name = f"周末{suffix}"
    made = _api(page, "POST", "/admin/tags", {"group_name": f"群发{suffix}", "tags": [tag_name]})
    assert made["status"] == 200, made
    tag = made["body"]["tag_ids"][0]
    # One customer of each of two members gets the tag (WeCom first, then our store).
    world = sandbox.corp(cid)
    firsts: dict[str, str] = {}
    for c in world["customers"]:
        firsts.setdefault(c["follow_users"][0]["userid"], c["external_userid"])
    for member, ext in sorted(firsts.items())[:2]:
        r = _api(page, "POST", f"/admin/customers/{ext}/tags", {"userid": member, "add": [tag]})
        assert r["status"] == 200, r
    expected = _tagged(sandbox, cid, tag)
    assert sum(len(v) for v in expected.values()) == 2 and len(expected) == 2
    names = {c["external_userid"]: c["name"] for c in world["customers"]}
    assert all(names[e] for v in expected.values() for e in v)  # the sandbox's customers have names
    # The first sender's remark for their customer, with markup in it: the drawer shows it as typed.
    remarked_by, remarked = next(iter(expected.items()))[0], next(iter(expected.values()))[0]
    remark = f"<b>老客户{suffix}</b>"
    r = _api(page, "PUT", f"/admin/customers/{remarked}/remark", {"userid": remarked_by, "remark": remark})
    assert r["status"] == 200, r

    page.goto(stack.console_url + "mass-sends")
    page.get_by_role("heading", name="群发").wait_for()
    page.get_by_test_id("create-send").click()
    form = page.get_by_test_id("send-form")
    # Nothing typed: the API's 400 is shown next to 名称, in words (the preview passes; the send does not).
    form.get_by_test_id("preview-send").click()
    form.get_by_test_id("confirm-send").click()
    form.locator(".el-form-item.is-error", has_text="名称").get_by_text("name: required").wait_for()
    name = f"周末特惠{suffix}"
    text = f"周末全场八折 {suffix}"
    form.get_by_test_id("send-name-input").fill(name)
    form.get_by_test_id("send-text").fill(text)
    form.get_by_test_id("add-link").click()
    form.get_by_test_id("link-title").fill("活动详情")
    form.get_by_test_id("link-url").fill("https://example.com/weekend")
    page.get_by_test_id("send-tags").click()
    page.locator(".el-select-dropdown__item:visible", has_text=tag_name).first.click()
    page.keyboard.press("Escape")
    watched.shot("form")
    form.get_by_test_id("preview-send").click()

    confirm = page.get_by_test_id("send-confirm")
    count = confirm.get_by_test_id("preview-count")
    count.wait_for()
    assert int(count.inner_text()) == sum(len(v) for v in expected.values())
    rows = confirm.get_by_test_id("preview-members").locator(".el-table__row")
    assert rows.count() == len(expected)
    for member, exts in expected.items():
        row = rows.filter(has_text=f"（{member}）")
        assert row.locator("td").nth(1).inner_text().strip() == str(len(exts)), row.inner_text()
    assert sandbox.calls(cid, path=ADD_MSG_TEMPLATE) == [] or all(
        (c["body"] or {}).get("text", {}).get("content") != text for c in sandbox.calls(cid, path=ADD_MSG_TEMPLATE)
    )  # counting sent nothing
    watched.shot("confirm")
    confirm.get_by_test_id("confirm-send").click()

    drawer = page.get_by_test_id("send-drawer")
    drawer.get_by_test_id("send-title").get_by_text(name).wait_for()
    deadline = time.monotonic() + 60
    while _phase(drawer) != "sending" and time.monotonic() < deadline:  # planned, then one task per member
        time.sleep(0.5)
    assert _phase(drawer) == "sending", _phase(drawer)
    watched.shot("sending")

    # WeCom was asked once per member, with exactly that member's tagged customers, the text and the link.
    calls = [c for c in sandbox.calls(cid, path=ADD_MSG_TEMPLATE) if c["body"]["text"]["content"] == text]
    assert {c["body"]["sender"]: sorted(c["body"]["external_userid"]) for c in calls} == expected
    assert all(c["errcode"] == 0 and c["body"]["attachments"] == [
        {"msgtype": "link", "link": {"title": "活动详情", "url": "https://example.com/weekend"}}] for c in calls)
    msgs = [m for m in sandbox.groupmsgs(cid, "single")["groupmsgs"] if m["text"] == text]
    assert sorted(m["sender"] for m in msgs) == sorted(expected)

    # The members tap "send" in WeCom; the 10-minute results job (run now) reads it; the page follows.
    for m in msgs:
        sandbox.confirm_groupmsg(cid, m["msgid"], m["sender"])
    deadline = time.monotonic() + 60
    while _phase(drawer) != "done" and time.monotonic() < deadline:
        stack.run_job("collect_mass_send_results")
        time.sleep(1.5)
    assert _phase(drawer) == "done", _phase(drawer)
    assert drawer.get_by_test_id("send-phase").inner_text().strip() == "完成"
    assert drawer.get_by_test_id("send-progress").get_by_text("100%").count() == 1
    members = drawer.get_by_test_id("send-members").locator(".el-table__row")
    assert members.count() == len(expected)
    for member, exts in expected.items():
        cells = members.filter(has_text=f"（{member}）").locator("td").all_inner_texts()
        assert [c.strip() for c in cells[1:3]] == [str(len(exts)), str(len(exts))] and "100%" in cells[4], cells
    # Each customer by name (the sandbox's), its external_userid in small print, the sender's remark as text.
    outcomes = drawer.get_by_test_id("send-outcomes").locator(".el-table__row")
    shown = {r.get_by_test_id("outcome-id").inner_text().strip(): r.get_by_test_id("outcome-name").inner_text().strip()
             for r in outcomes.all()}  # fmt: skip
    assert shown == {e: names[e] for v in expected.values() for e in v}, shown
    row = outcomes.filter(has=page.get_by_test_id("outcome-id").get_by_text(remarked, exact=True))
    assert row.get_by_test_id("outcome-remark").inner_text().strip() == f"（备注：{remark}）"
    assert row.locator("b").count() == 0 and outcomes.get_by_test_id("outcome-remark").count() == 1
    assert row.get_by_test_id("outcome-who").get_attribute("title") == remarked
    assert set(outcomes.locator("td:nth-child(2)").all_inner_texts()) == {"已发送"}
    assert drawer.get_by_test_id("remind").count() == 0 and drawer.get_by_test_id("cancel-send").count() == 0  # ended
    watched.shot("done-1280x800")

    page.keyboard.press("Escape")
    row = page.get_by_test_id("sends").locator(".el-table__row", has_text=name)
    assert row.get_by_test_id("send-state").inner_text().strip() == "已下发"
    assert tag_name in row.inner_text()
    page.set_viewport_size(NARROW)
    page.reload()
    page.get_by_test_id("sends").locator(".el-table__row", has_text=name).get_by_test_id("send-name").click()
    page.get_by_test_id("send-drawer").get_by_test_id("send-phase").get_by_text("完成").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    watched.shot("done-390x844")
    narrow = page.get_by_test_id("send-drawer").get_by_test_id("send-outcomes")
    narrow.get_by_test_id("outcome-name").get_by_text(names[remarked], exact=True).scroll_into_view_if_needed()
    watched.shot("outcomes-390x844")


def test_an_operator_reminds_and_cancels_a_send(stack, sandbox, staff, watched):
    log_in(watched, stack, sandbox, staff, "operator")
    page = watched.page
    cid = staff["corp_id"]
    ext = sandbox.corp(cid)["customers"][-1]["external_userid"]
    text = f"提醒后取消 {uuid.uuid4().hex[:4]}"
    page.goto(stack.console_url + "mass-sends")
    page.get_by_test_id("create-send").click()
    form = page.get_by_test_id("send-form")
    form.get_by_test_id("send-name-input").fill("提醒与取消")
    form.get_by_test_id("send-text").fill(text)
    form.get_by_test_id("send-kind").get_by_text("指定客户", exact=True).click()
    form.get_by_test_id("send-customers").fill(f"{ext}\nnobody-here")
    form.get_by_test_id("preview-send").click()
    confirm = page.get_by_test_id("send-confirm")
    assert confirm.get_by_test_id("preview-count").inner_text() == "1"
    confirm.get_by_text("无正常跟进员工，已跳过：1").wait_for()
    confirm.get_by_test_id("confirm-send").click()
    drawer = page.get_by_test_id("send-drawer")
    deadline = time.monotonic() + 60
    while _phase(drawer) != "sending" and time.monotonic() < deadline:
        time.sleep(0.5)
    msg = next(m for m in sandbox.groupmsgs(cid, "single")["groupmsgs"] if m["text"] == text)
    drawer.get_by_test_id("remind").click()
    page.get_by_text("已提醒 1 个未发送的任务").wait_for()
    assert len(sandbox.groupmsg(cid, msg["msgid"])["reminders"]) == 1
    drawer.get_by_test_id("cancel-send").click()
    page.get_by_role("button", name="取消群发", exact=True).last.click()  # the confirmation (a Vue dialog)
    drawer.get_by_test_id("send-phase").get_by_text("已取消").wait_for()
    assert sandbox.groupmsg(cid, msg["msgid"])["cancelled_at"]
    assert drawer.get_by_test_id("remind").count() == 0


def test_a_viewer_sees_progress_but_no_control(stack, sandbox, staff, watched):
    from scrm import bootstrap
    from scrm.corps.api_key import Role

    cid = staff["corp_id"]
    key = bootstrap.api_keys().create(cid, Role.ADMIN, "browser")["key"]
    ext = sandbox.corp(cid)["customers"][0]["external_userid"]
    r = requests.post(f"{stack.admin_url}/admin/mass-sends", headers={"Authorization": f"Bearer {key}"}, timeout=30,
                      json={"name": "只读可见", "text": f"viewer {uuid.uuid4().hex[:4]}",
                            "recipients": {"external_userids": [ext]}})  # fmt: skip
    assert r.status_code == 202, r.text

    log_in(watched, stack, sandbox, staff, "viewer")
    page = watched.page
    page.goto(stack.console_url + "mass-sends")
    row = page.get_by_test_id("sends").locator(".el-table__row", has_text="只读可见").first
    row.wait_for()
    assert page.get_by_test_id("create-send").count() == 0 and page.get_by_test_id("quota-select").count() == 0
    assert "当月天数" in page.get_by_test_id("quota-text").inner_text()
    row.get_by_test_id("send-name").click()
    drawer = page.get_by_test_id("send-drawer")
    drawer.get_by_test_id("send-members").locator(".el-table__row").first.wait_for()
    assert drawer.get_by_test_id("remind").count() == 0 and drawer.get_by_test_id("cancel-send").count() == 0
    watched.shot("viewer")
    forged = _api(page, "POST", "/admin/mass-sends", {"name": "越权", "text": "x", "recipients": {"filter": {}}})
    assert forged["status"] == 403 and "viewer" in forged["body"]["error"]


def test_an_admin_sets_the_receive_quota(stack, sandbox, staff, watched):
    log_in(watched, stack, sandbox, staff, "admin")
    page = watched.page
    page.goto(stack.console_url + "mass-sends")
    page.get_by_test_id("quota-select").click()
    page.locator(".el-select-dropdown__item:visible", has_text="每周最多收到 7 条").click()
    page.get_by_test_id("quota-save").click()
    page.get_by_text("接收上限已保存").wait_for()
    assert _api(page, "GET", "/admin/mass-send-quota")["body"] == {"msg_quota": "week_7"}
    assert _api(page, "PUT", "/admin/mass-send-quota", {"msg_quota": "month_days"})["status"] == 200
