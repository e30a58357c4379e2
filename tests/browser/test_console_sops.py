"""The SOP and 流失提醒 pages on the local stack. An operator builds a SOP of two steps in the step editor
(targets by tag name; a time the API refuses is marked on that step's item in words; steps reordered; a
link attachment), finds it in the list, pauses and resumes it (DOM confirmations), opens its progress once the
planner has made its run and a member sent their task, edits and deletes it; what the API stored is what was
typed. A viewer reads a plan with no write control. An admin changes the
churn-alert settings (a refusal marked on 管理员) and they are stored; a churn shows in the day's alerts; an
operator sees the settings read-only and cannot save them. Screenshots at 1280×800 and 390×844."""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from scrm import bootstrap
from scrm.adapters.dynamo import reads
from scrm.kernel.china_time import CHINA

from tests.browser.conftest import NARROW
from tests.browser.stack_login import log_in
from tests.browser.test_console_pages import XSS, _api
from tests.integration.test_sops import _planner
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


def _choose(page: Any, opener: Any, label: str) -> None:
    opener.click()
    page.locator(".el-select-dropdown__item:visible", has_text=label).first.click()


def _confirm(page: Any, button: str) -> None:
    """The DOM confirmation (ElMessageBox), not a JS dialog (the harness fails on those)."""
    box = page.locator(".el-message-box")
    box.get_by_role("button", name=button, exact=True).click()
    box.wait_for(state="hidden")


def _stored(page: Any, sop_id: str) -> dict[str, Any]:
    r = _api(page, "GET", f"/admin/sops/{sop_id}")
    assert r["status"] == 200, r
    return r["body"]


def test_an_operator_builds_a_sop_in_the_step_editor_runs_it_and_reads_its_progress(
    stack, sandbox, staff, watched
):
    log_in(watched, stack, sandbox, staff, "operator")
    page = watched.page
    cid = staff["corp_id"]
    name = f"新客培育{uuid.uuid4().hex[:4]}"
    due = datetime.now(CHINA) + timedelta(seconds=120)  # the date step: due two minutes from now
    day, at = due.strftime("%Y-%m-%d"), due.strftime("%H:%M")
    page.goto(stack.console_url + "sops")
    page.get_by_test_id("sops").wait_for()
    page.get_by_test_id("create-sop").click()
    form = page.get_by_test_id("sop-form")
    form.get_by_test_id("sop-name-input").fill(name)
    tag_id, group_name, tag_name, holders = _busiest_tag(sandbox.corp(cid))
    page.get_by_test_id("sop-tags-any").click()  # the tag by its name, under its group's (names repeat)
    group = page.locator(".el-select-group__wrap:visible").filter(
        has=page.locator(".el-select-group__title", has_text=group_name)
    )
    group.locator(".el-select-dropdown__item").get_by_text(tag_name, exact=True).click()
    page.keyboard.press("Escape")

    steps = form.get_by_test_id("sop-step")
    first = steps.nth(0)  # a date step, at a time that does not exist
    _choose(page, first.get_by_test_id("step-trigger"), "指定日期")
    date_input = first.locator("input[placeholder='选择日期']")
    date_input.fill(day)
    date_input.press("Enter")
    first.get_by_test_id("step-at").fill("25:00")
    first.get_by_test_id("step-text").fill(f"本周活动 {XSS}")
    first.get_by_test_id("add-link").click()
    first.get_by_test_id("link-title").fill("活动详情")
    first.get_by_test_id("link-url").fill("https://example.com/event")
    form.get_by_test_id("add-step").click()
    second = steps.nth(1)  # day 3 after the add, by name
    second.get_by_test_id("step-days").locator("input").fill("3")
    second.get_by_test_id("step-at").fill("09:30")
    second.get_by_test_id("step-text").fill("{name}，第三天回访")
    form.get_by_test_id("add-step").click()  # a third, removed again
    assert steps.count() == 3
    steps.nth(2).get_by_role("button", name="删除步骤 3").click()
    assert steps.count() == 2

    # The API refuses steps[0].at: step 1's time is marked, in words, and nothing else is.
    form.get_by_test_id("submit-sop").click()
    marked = first.locator(".el-form-item.is-error", has_text="发送时间")
    marked.get_by_text("步骤 1 的发送时间有误").wait_for()
    assert "HH:MM" in marked.inner_text()
    assert form.locator(".el-form-item.is-error").count() == 1
    assert page.locator("img[src='x']").count() == 0
    watched.shot("sop-refused")
    first.get_by_test_id("step-at").fill(at)
    second.get_by_role("button", name="步骤 2 上移").click()  # reordered: the day-3 step first
    assert steps.nth(0).get_by_test_id("step-at").input_value() == "09:30"
    watched.shot("sop-form")
    form.get_by_test_id("submit-sop").click()
    form.wait_for(state="hidden")

    rows = page.get_by_test_id("sops").locator(".el-table__row")
    row = rows.filter(has_text=name)
    row.wait_for()
    assert tag_name in row.inner_text() and "添加后第 3 天 09:30" in row.inner_text()
    assert row.get_by_test_id("sop-status").inner_text() == "启用中"
    listed = _api(page, "GET", "/admin/sops")["body"]["items"]
    sop_id = next(s["sop_id"] for s in listed if s["name"] == name)
    stored = _stored(page, sop_id)
    assert stored["kind"] == "customer" and stored["status"] == "active"
    assert stored["targets"]["tags_any"] == [tag_id]
    assert stored["steps"] == [
        {"id": "s1", "after_added_days": 3, "at": "09:30", "text": "{name}，第三天回访", "attachments": []},
        {"id": "s2", "date": day, "at": at, "text": f"本周活动 {XSS}",
         "attachments": [{"msgtype": "link", "link": {"title": "活动详情", "url": "https://example.com/event"}}]},
    ]  # fmt: skip
    watched.shot("sops-list")

    # Pause and resume, each confirmed in the page; the stored status follows.
    row.get_by_test_id("sop-pause").click()
    _confirm(page, "暂停")
    row.get_by_test_id("sop-status").filter(has_text="已暂停").wait_for()
    assert _stored(page, sop_id)["status"] == "paused"
    row.get_by_test_id("sop-resume").click()
    _confirm(page, "恢复")
    row.get_by_test_id("sop-status").filter(has_text="启用中").wait_for()
    assert _stored(page, sop_id)["status"] == "active"

    # The planner's tick as it will run four minutes from now: the date step's run becomes one task per
    # member holding a tagged customer (in WeCom, the sandbox); one member sends theirs.
    sandbox.set_groupmsg_dispatch(cid, 0)  # results readable at once (WeCom answers 41063 while dispatching)
    _planner(240, cid).tick_corp(cid)
    sends = bootstrap.mass_sends()
    run = wait_for(
        lambda: _api(page, "GET", f"/admin/sops/{sop_id}/progress")["body"]["runs"], what="the run"
    )
    assert [r["step_id"] for r in run] == ["s2"]
    send_id = run[0]["send_id"]
    parts = wait_for(
        lambda: (ps := list(sends.repo.parts(cid, send_id))) and all(p.state == "created" for p in ps) and ps,
        timeout_s=60,
        what="the members' tasks created",
    )
    assert {p.sender for p in parts} == set(holders)
    sandbox.confirm_groupmsg(cid, parts[0].msgid, parts[0].sender)
    sends.results(cid, send_id)
    progress = _api(page, "GET", f"/admin/sops/{sop_id}/progress")["body"]
    assert progress["recipients"] == sum(holders.values()) and 0 < progress["sent"] <= progress["recipients"]
    assert {m["userid"]: m["recipients"] for m in progress["members"]} == holders
    row.get_by_test_id("sop-progress").click()
    drawer = page.get_by_test_id("sop-progress-drawer")
    drawer.get_by_test_id("progress-bar").wait_for()
    assert drawer.get_by_test_id("progress-recipients").inner_text() == str(progress["recipients"])
    assert drawer.get_by_test_id("progress-sent").inner_text() == str(progress["sent"])
    assert drawer.get_by_test_id("progress-runs").inner_text() == "1"
    run = drawer.get_by_test_id("progress-runs-table").locator(".el-table__row")
    assert run.count() == 1 and f"步骤 2（{day} {at}）" in run.inner_text()
    percent = f"{round(progress['completion_rate'] * 1000) / 10:g}%"
    assert percent in drawer.get_by_test_id("progress-bar").inner_text()
    members = drawer.get_by_test_id("progress-members").locator(".el-table__row")
    assert members.count() == len(progress["members"])
    for i, m in enumerate(progress["members"]):
        cells = members.nth(i).locator("td").all_inner_texts()
        assert m["userid"] in cells[0] and cells[1:3] == [str(m["recipients"]), str(m["sent"])], cells
    watched.shot("sop-progress")
    page.set_viewport_size(NARROW)  # a window narrowed with the drawer open: it fits at once, no slide from 720 px
    _fits_sideways(page, drawer)
    page.keyboard.press("Escape")
    drawer.wait_for(state="hidden")
    row.wait_for()
    watched.shot("sops-list-390x844")
    row.get_by_test_id("sop-progress").click()  # and opened on a phone
    drawer.get_by_test_id("progress-bar").wait_for()
    assert drawer.get_by_test_id("progress-members").locator(".el-table__row").count() == len(progress["members"])
    drawer.evaluate("(d) => Promise.all(d.getAnimations().map((a) => a.finished))")  # slid in
    _fits_sideways(page, drawer)
    members_scroller = drawer.get_by_test_id("progress-members").locator(".el-table__body-wrapper .el-scrollbar__wrap")
    assert members_scroller.evaluate("(e) => e.scrollWidth <= e.clientWidth")  # each member's rate in sight
    watched.shot("sop-progress-390x844")
    page.keyboard.press("Escape")
    drawer.wait_for(state="hidden")
    page.set_viewport_size({"width": 1280, "height": 800})

    # An edit keeps the step ids; its form holds what was stored.
    row.get_by_test_id("sop-edit").click()
    form.wait_for()  # the dialog opens once GET /admin/sops/{id} answers
    assert form.get_by_test_id("sop-name-input").input_value() == name
    assert steps.count() == 2 and steps.nth(1).get_by_test_id("step-at").input_value() == at
    form.get_by_test_id("sop-name-input").fill(f"{name} v2")
    steps.nth(0).get_by_test_id("step-text").fill("{name}，第三天回访（新）")
    form.get_by_test_id("submit-sop").click()
    form.wait_for(state="hidden")
    rows.filter(has_text=f"{name} v2").wait_for()
    edited = _stored(page, sop_id)
    assert edited["name"] == f"{name} v2" and [s["id"] for s in edited["steps"]] == ["s1", "s2"]
    assert (
        edited["steps"][0]["text"] == "{name}，第三天回访（新）" and edited["steps"][1] == stored["steps"][1]
    )

    row = rows.filter(has_text=f"{name} v2")
    row.get_by_test_id("sop-delete").click()
    _confirm(page, "删除")
    row.wait_for(state="detached")
    assert _api(page, "GET", f"/admin/sops/{sop_id}")["status"] == 404


def _fits_sideways(page: Any, drawer: Any) -> None:
    """Nothing scrolls sideways but a table, inside its own scroller: not the page, and not the drawer, whose
    overflow the overlay clips (the page's width would not show a drawer wider than the screen, its left
    part out of sight). Read until the drawer has settled (a resize can catch it a few pixels into a move):
    one that stays wider than the screen still fails, after 5 s."""
    box: dict[str, Any] = {}

    def settled() -> bool:
        nonlocal box
        before, box = box, _box(drawer)
        return box == before and box["left"] >= 0 and box["right"] <= box["view"]

    with contextlib.suppress(AssertionError):  # the asserts below say what is wrong
        wait_for(settled, timeout_s=5, interval_s=0.1, what="the drawer settled inside the screen")
    assert box["page"] <= box["view"] == NARROW["width"], box
    assert box["left"] >= 0 and box["right"] <= box["view"], box
    assert box["body"] <= box["bodyView"] and box["tables"], box


def _box(drawer: Any) -> dict[str, Any]:
    return drawer.evaluate("""(d) => {
        const r = d.getBoundingClientRect(), body = d.querySelector('.el-drawer__body'), b = body.getBoundingClientRect()
        const tables = [...body.querySelectorAll('.el-table')].map((t) => t.getBoundingClientRect())
        return {page: document.documentElement.scrollWidth, view: window.innerWidth, left: r.left, right: r.right,
                body: body.scrollWidth, bodyView: body.clientWidth,
                tables: tables.every((t) => t.left >= b.left && t.right <= b.right)}
    }""")  # fmt: skip


def _busiest_tag(world: dict[str, Any]) -> tuple[str, str, str, dict[str, int]]:
    """The corp tag most relations carry in WeCom: its id, its group's name and its own, and how many such
    customers each member has."""
    names = {t["id"]: (g["group_name"], t["name"]) for g in world["tag_groups"] for t in g["tag"]}
    holders: dict[str, dict[str, int]] = {}
    for c in world["customers"]:
        for f in c["follow_users"]:
            for t in f["tag_ids"]:
                by = holders.setdefault(t, {})
                by[f["userid"]] = by.get(f["userid"], 0) + 1
    tag_id = max(holders, key=lambda t: sum(holders[t].values()))
    return tag_id, *names[tag_id], holders[tag_id]


def test_the_kind_filter_lists_only_that_kind(stack, sandbox, staff, watched):
    log_in(watched, stack, sandbox, staff, "operator")
    page = watched.page
    group = _api(page, "POST", "/admin/sops", {"kind": "group", "name": f"群周报{uuid.uuid4().hex[:4]}",
                                              "steps": [{"weekly": [1], "at": "09:00", "text": "周一好"}]})  # fmt: skip
    assert group["status"] == 201, group
    page.goto(stack.console_url + "sops")
    rows = page.get_by_test_id("sops").locator(".el-table__row")
    rows.filter(has_text=group["body"]["name"]).wait_for()
    _choose(page, page.get_by_test_id("kind-filter"), "客户 SOP")
    rows.filter(has_text=group["body"]["name"]).wait_for(state="detached")
    _choose(page, page.get_by_test_id("kind-filter"), "客户群 SOP")
    rows.filter(has_text=group["body"]["name"]).wait_for()
    expected = [s["name"] for s in _api(page, "GET", "/admin/sops?kind=group")["body"]["items"]]
    assert [r.get_by_test_id("sop-name").inner_text() for r in rows.all()] == expected[:20]
    assert "每周一 09:00" in rows.filter(has_text=group["body"]["name"]).inner_text()
    _api(page, "DELETE", f"/admin/sops/{group['body']['sop_id']}")


def _alert_settings(page: Any) -> dict[str, Any]:
    r = _api(page, "GET", "/admin/alert-settings")
    assert r["status"] == 200, r
    return r["body"]


def test_an_admin_changes_the_alert_settings_and_a_churn_shows_in_the_days_alerts(
    stack, sandbox, staff, watched
):
    log_in(watched, stack, sandbox, staff, "admin")
    page = watched.page
    cid, operator = staff["corp_id"], staff["by_role"]["operator"]
    page.goto(stack.console_url + "churn-alerts")
    card = page.locator("[data-testid=alert-settings][data-loaded=true]")
    card.get_by_test_id("digest-time").wait_for()
    assert card.get_by_test_id("settings-readonly").count() == 0
    before = _alert_settings(page)

    # Admin alerts with nobody to tell: the API's 400 marks 管理员, in words; nothing stored.
    chips = card.get_by_test_id("alert-admins").locator(".el-tag__close")
    while chips.count():
        chips.first.click()
    if not before["admin_alerts"]:
        card.get_by_test_id("admin-alerts").click()
    card.get_by_test_id("save-settings").click()
    card.locator(".el-form-item.is-error", has_text="接收提醒的管理员").get_by_text(
        "admin_alerts needs at least one admin"
    ).wait_for()
    assert _alert_settings(page) == before

    _choose(page, card.get_by_test_id("alert-admins"), f"（{operator}）")
    page.keyboard.press("Escape")
    card.get_by_test_id("digest-above").locator("input").fill("5")
    card.get_by_test_id("digest-time").fill("21:30")
    card.get_by_test_id("link-url").fill("https://example.com/churn")
    watched.shot("alert-settings")
    card.get_by_test_id("save-settings").click()
    page.get_by_text("提醒设置已保存").wait_for()
    assert _alert_settings(page) == {"employee_alerts": before["employee_alerts"], "admin_alerts": True,
                                     "admins": [operator], "digest_above": 5, "digest_time": "21:30",
                                     "link_url": "https://example.com/churn"}  # fmt: skip
    assert card.get_by_test_id("save-settings").is_disabled()  # nothing left to save

    # A customer deletes the operator: the day's alerts show it, the name as text.
    added = sandbox.do(cid, "customers/add", {"userid": operator, "name": XSS, "welcome_code": False})
    ext = added["external_userid"]
    wait_for(lambda: reads.follow(cid, ext, operator), what="relation stored")
    sandbox.do(cid, "customers/del_by_customer", {"userid": operator, "external_userid": ext})
    wait_for(lambda: [a for a in _api(page, "GET", f"/admin/alerts?recipient={operator}")["body"]["alerts"]
                      if a["external_userid"] == ext and a["state"] not in ("new", "sending")],
             timeout_s=30, what="the alert recorded")  # fmt: skip
    page.get_by_test_id("alerts-search").click()
    row = page.get_by_test_id("alerts").locator(".el-table__row", has_text=XSS)
    row.wait_for()
    assert "客户删除了员工" in row.inner_text() and f"（{operator}）" in row.inner_text()
    assert page.locator("img[src='x']").count() == 0
    # Paged on the API's cursor: 下一页 is there exactly when the API has a next page of the day's alerts.
    assert page.get_by_test_id("alerts-page").inner_text() == "第 1 页"
    more = bool(_api(page, "GET", "/admin/alerts?limit=20")["body"]["next_cursor"])
    assert page.get_by_test_id("alerts-next").is_disabled() is not more
    if more:
        page.get_by_test_id("alerts-next").click()
        page.get_by_test_id("alerts-page").get_by_text("第 2 页").wait_for()
        page.get_by_role("button", name="上一页").click()
        page.get_by_test_id("alerts-page").get_by_text("第 1 页").wait_for()
    watched.shot("alerts-1280x800")
    page.set_viewport_size(NARROW)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    row.scroll_into_view_if_needed()
    watched.shot("alerts-390x844")


def test_an_operator_sees_the_alert_settings_read_only(stack, sandbox, staff, watched):
    cid, viewer = staff["corp_id"], staff["by_role"]["viewer"]
    saved = bootstrap.alert_admin().set_settings(cid, {"employee_alerts": False, "admin_alerts": True,
                                                       "admins": [viewer], "digest_above": 7,
                                                       "digest_time": "08:15", "link_url": ""})  # fmt: skip
    log_in(watched, stack, sandbox, staff, "operator")
    page = watched.page
    page.goto(stack.console_url + "churn-alerts")
    card = page.locator("[data-testid=alert-settings][data-loaded=true]")
    card.get_by_test_id("settings-readonly").wait_for()
    assert card.get_by_test_id("digest-time").input_value() == "08:15"
    assert card.get_by_test_id("digest-above").locator("input").input_value() == "7"
    assert f"（{viewer}）" in card.get_by_test_id("alert-admins").inner_text()
    switches = card.locator(".el-switch")
    assert switches.count() == 2 and card.locator(".el-switch.is-disabled").count() == 2
    assert [("is-checked" in (s.get_attribute("class") or "")) for s in switches.all()] == [False, True]
    assert card.get_by_test_id("digest-time").is_disabled() and card.get_by_test_id("link-url").is_disabled()
    assert card.get_by_test_id("save-settings").count() == 0
    watched.shot("alert-settings-read-only")
    # What a script in this page could send: the API refuses an operator (admin only), nothing changes.
    forged = _api(page, "PUT", "/admin/alert-settings", {"digest_above": 1})
    assert forged["status"] == 403, json.dumps(forged, ensure_ascii=False)
    assert _alert_settings(page) == saved


def test_a_viewer_reads_sops_and_their_steps_but_gets_no_write_control(stack, sandbox, staff, watched):
    cid = staff["corp_id"]
    sop = bootstrap.sop_admin().create(cid, {"name": f"只读计划{uuid.uuid4().hex[:4]}", "steps": [
        {"weekly": [1, 3], "at": "08:00", "text": "早安"}]})  # fmt: skip
    log_in(watched, stack, sandbox, staff, "viewer")
    page = watched.page
    page.goto(stack.console_url + "sops")
    row = page.get_by_test_id("sops").locator(".el-table__row", has_text=sop["name"])
    row.wait_for()
    assert "每周一、三 08:00" in row.inner_text()
    assert page.get_by_test_id("create-sop").count() == 0
    assert row.get_by_test_id("sop-pause").count() == 0 and row.get_by_test_id("sop-delete").count() == 0
    row.get_by_test_id("sop-edit").click()  # 查看: the plan, read-only
    form = page.get_by_test_id("sop-form")
    step = form.get_by_test_id("sop-step")
    step.first.wait_for()  # the dialog opens once GET /admin/sops/{id} answers
    assert step.count() == 1 and step.get_by_test_id("step-at").input_value() == "08:00"
    assert step.get_by_test_id("step-at").is_disabled() and step.get_by_test_id("step-text").is_disabled()
    assert form.get_by_test_id("submit-sop").count() == 0 and form.get_by_test_id("add-step").count() == 0
    watched.shot("viewer-sop")
    forged = _api(page, "POST", f"/admin/sops/{sop['sop_id']}/pause")
    assert forged["status"] == 403
    bootstrap.sop_admin().delete(cid, sop["sop_id"])
