"""The console's 客户朋友圈 page on the local stack (issue 20): an admin writes a moment task with two image
materials of the library (picked by title) and two members; a text of 2,001 characters is counted over 2,000
as it is typed and the API's refusal marks 文字 in words, and an image deleted from the library meanwhile marks
图片 saying which one (images[0]), with WeCom not asked either time; the task then goes to WeCom (the
sandbox holds the moment with those two members and two image attachments), the drawer follows WeCom's job to
已创建 and the list shows it after 刷新; 取消任务 (confirmed in the page's own dialog) reaches WeCom
(the sandbox's moment has cancelled_at). A link without its cover marks 封面图片素材; a task WeCom refuses shows
its code and reason in words. A viewer sees the tasks but no create or cancel control.
Screenshots at 1280×800 and 390×844."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import pytest

from tests.browser.conftest import NARROW
from tests.browser.stack_login import log_in
from tests.browser.test_console_pages import _api

pytestmark = pytest.mark.stack

ADD = "externalcontact/add_moment_task"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000 + b"IEND"


def _image(page: Any, title: str) -> str:
    r = _api(page, "POST", "/admin/materials", {"kind": "image", "title": title, "filename": "p.png",
                                               "content": base64.b64encode(PNG).decode()})  # fmt: skip
    assert r["status"] == 201, r
    return r["body"]["material_id"]


def _pick(page: Any, select: Any, *labels: str) -> None:
    select.click()
    for label in labels:
        page.locator(".el-select-dropdown__item:visible", has_text=label).first.click()
    page.keyboard.press("Escape")


def _state(where: Any) -> str:
    return where.get_by_test_id("moment-state").get_attribute("data-state") or ""


def test_an_admin_makes_a_moment_task_with_two_images_follows_it_to_wecom_and_cancels_it(stack, sandbox, staff, watched):
    log_in(watched, stack, sandbox, staff, "admin")
    page = watched.page
    cid = staff["corp_id"]
    sandbox.set_moment_job_time(cid, 0)  # WeCom's job finishes at once
    suffix = uuid.uuid4().hex[:4]
    first, second, doomed = f"海报A{suffix}", f"海报B{suffix}", f"海报C{suffix}"
    ids = {t: _image(page, t) for t in (first, second, doomed)}
    senders = sorted(staff["members"])[:2]
    since = sandbox.call_counts(cid)["last_seq"]  # seq is global to the sandbox, not a count of this corp's calls

    page.goto(stack.console_url + "moments")
    page.get_by_role("heading", name="客户朋友圈").wait_for()
    page.get_by_test_id("create-moment").click()
    form = page.get_by_test_id("moment-form")
    name = f"<b>秋季新品{suffix}</b>"
    form.get_by_test_id("moment-name-input").fill(name)
    # 2,001 characters: counted over the limit as typed, then refused by the API with 文字 marked in words.
    form.get_by_test_id("moment-text-input").fill("字" * 2001)
    count = form.get_by_test_id("text-count")
    assert count.inner_text().strip() == "2001 / 2000" and "over" in (count.get_attribute("class") or "")
    form.get_by_test_id("moment-kind").get_by_text("图片", exact=True).click()
    _pick(page, form.get_by_test_id("moment-images"), doomed)
    _pick(page, form.get_by_test_id("moment-senders"), *(f"（{s}）" for s in senders))
    form.get_by_test_id("submit-moment").click()
    marked = form.locator(".el-form-item.is-error", has_text="文字")
    marked.get_by_text("字段：文本").wait_for()
    assert "2000" in marked.locator(".el-form-item__error").inner_text()
    assert form.locator(".el-form-item.is-error").count() == 1
    watched.shot("text-refused")
    # An image deleted from the library after it was picked: 图片 marked, naming the first image by its title.
    text = f"秋季新品到店 {suffix}\n<script>alert(1)</script>"
    form.get_by_test_id("moment-text-input").fill(text)
    assert form.get_by_test_id("text-count").inner_text().strip() == f"{len(text)} / 2000"
    assert _api(page, "DELETE", f"/admin/materials/{ids[doomed]}")["status"] == 200
    form.get_by_test_id("submit-moment").click()
    marked = form.locator(".el-form-item.is-error", has_text="图片素材")
    marked.get_by_text(f"第 1 张图片（{doomed}）").wait_for()
    assert "images[0]" in marked.inner_text()
    assert sandbox.calls(cid, since=since, path=ADD) == []  # neither refusal reached WeCom

    form.get_by_test_id("moment-images").locator(".el-tag__close").first.click()  # drop the deleted one
    assert form.locator(".el-form-item.is-error").count() == 0  # the list changed: its item's refusal is gone
    _pick(page, form.get_by_test_id("moment-images"), first, second)
    page.wait_for_timeout(300)  # the dropdown's fade-out, for the screenshot
    watched.shot("form")
    form.get_by_test_id("submit-moment").click()

    drawer = page.get_by_test_id("moment-drawer")
    drawer.get_by_test_id("moment-title").get_by_text(name, exact=True).wait_for()
    deadline = time.monotonic() + 30
    while _state(drawer) != "created" and time.monotonic() < deadline:  # the drawer reads WeCom's job
        time.sleep(0.5)
    assert _state(drawer) == "created", _state(drawer)
    assert drawer.get_by_test_id("moment-state").inner_text().strip() == "已创建"
    moment_id = drawer.get_by_test_id("moment-id").inner_text().strip()
    assert moment_id and moment_id != "—"
    assert drawer.get_by_test_id("moment-senders").inner_text().strip() == "2 位"
    assert drawer.get_by_test_id("moment-attachments").inner_text().strip() == f"图片 2 张：{first}、{second}"
    assert drawer.get_by_test_id("moment-text").inner_text() == text  # as typed: no markup ran or rendered
    assert drawer.locator("b, script").count() == 0
    assert drawer.get_by_test_id("moment-invalid-senders").inner_text().strip() == "0"
    # WeCom holds the moment: once, with those two members and the two images.
    calls = [c for c in sandbox.calls(cid, since=since, path=ADD) if c["errcode"] == 0]
    assert len(calls) == 1, calls
    wecom = sandbox.moment(cid, moment_id)
    assert wecom["text"] == text
    assert sorted(t["userid"] for t in wecom["tasks"]) == senders
    assert [a["msgtype"] for a in wecom["attachments"]] == ["image", "image"]
    assert not wecom.get("cancelled_at")
    watched.shot("drawer-1280x800")

    page.keyboard.press("Escape")
    page.get_by_test_id("refresh-moments").click()
    row = page.get_by_test_id("moments").locator(".el-table__row", has_text=f"秋季新品{suffix}")
    row.get_by_test_id("moment-row-state").get_by_text("已创建").wait_for()
    assert row.get_by_test_id("moment-row-id").inner_text().strip() == moment_id
    assert row.locator("td").nth(2).inner_text().strip() == "2"
    watched.shot("list-1280x800")

    page.set_viewport_size(NARROW)
    page.reload()
    row = page.get_by_test_id("moments").locator(".el-table__row", has_text=f"秋季新品{suffix}")
    row.get_by_test_id("moment-row-state").get_by_text("已创建").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    watched.shot("list-390x844")
    row.get_by_test_id("moment-name").click()
    drawer = page.get_by_test_id("moment-drawer")
    drawer.get_by_test_id("moment-state").get_by_text("已创建").wait_for()
    page.wait_for_timeout(400)  # the drawer's slide-in, for the screenshot
    watched.shot("drawer-390x844")
    drawer.get_by_test_id("cancel-moment").click()
    page.locator(".el-message-box").get_by_role("button", name="取消任务", exact=True).click()
    drawer.get_by_test_id("moment-state").get_by_text("已取消").wait_for()
    assert sandbox.moment(cid, moment_id)["cancelled_at"]
    assert drawer.get_by_test_id("cancel-moment").count() == 0
    page.keyboard.press("Escape")
    row.get_by_test_id("moment-row-state").get_by_text("已取消").wait_for()
    page.get_by_test_id("create-moment").click()
    page.get_by_test_id("moment-form").get_by_test_id("submit-moment").wait_for()
    page.wait_for_timeout(400)  # the dialog's fade-in, for the screenshot
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    watched.shot("form-390x844")


def test_a_link_needs_its_cover_and_a_task_wecom_refuses_shows_its_code_and_reason_in_words(stack, sandbox, staff, watched):
    log_in(watched, stack, sandbox, staff, "operator")
    page = watched.page
    cid = staff["corp_id"]
    sandbox.faults(cid, {"path": ADD, "errcode": 60011, "times": 1})
    name = f"被拒绝{uuid.uuid4().hex[:4]}"
    page.goto(stack.console_url + "moments")
    page.get_by_test_id("create-moment").click()
    form = page.get_by_test_id("moment-form")
    form.get_by_test_id("moment-name-input").fill(name)
    form.get_by_test_id("moment-text-input").fill("只有文字")
    # A link without its cover (WeCom requires one): 封面图片素材 marked, nothing sent (the fault still waits).
    form.get_by_test_id("moment-kind").get_by_text("链接", exact=True).click()
    form.get_by_test_id("moment-link-title").fill("活动详情")
    form.get_by_test_id("moment-link-url").fill("https://example.com/a")
    form.get_by_test_id("submit-moment").click()
    form.locator(".el-form-item.is-error", has_text="封面图片素材").get_by_text("link.cover").first.wait_for()
    form.get_by_test_id("moment-kind").get_by_text("无附件", exact=True).click()
    form.get_by_test_id("submit-moment").click()
    drawer = page.get_by_test_id("moment-drawer")
    drawer.get_by_test_id("moment-title").get_by_text(name).wait_for()
    failure = drawer.get_by_test_id("moment-failure")
    failure.get_by_text("错误码 60011").wait_for()
    page.get_by_text("企业微信拒绝了此任务，原因见任务详情").wait_for()
    assert "员工或部门不在应用的可见范围内" in failure.inner_text()
    assert _state(drawer) == "failed" and drawer.get_by_test_id("cancel-moment").count() == 0
    page.wait_for_timeout(400)  # the drawer's slide-in, for the screenshot
    watched.shot("failed")
    page.keyboard.press("Escape")
    row = page.get_by_test_id("moments").locator(".el-table__row", has_text=name)
    assert row.get_by_test_id("moment-row-state").inner_text().strip() == "失败"


def test_a_viewer_sees_the_tasks_but_no_write_control(stack, sandbox, staff, watched):
    from scrm import bootstrap

    cid = staff["corp_id"]
    made, _ = bootstrap.moments().create(cid, {"name": f"只读可见{uuid.uuid4().hex[:4]}", "text": "hi"}, "cli")
    log_in(watched, stack, sandbox, staff, "viewer")
    page = watched.page
    page.goto(stack.console_url + "moments")
    row = page.get_by_test_id("moments").locator(".el-table__row", has_text=made.spec["name"])
    row.get_by_test_id("moment-row-state").wait_for()
    assert page.get_by_test_id("create-moment").count() == 0
    row.get_by_test_id("moment-name").click()
    drawer = page.get_by_test_id("moment-drawer")
    drawer.get_by_test_id("moment-title").get_by_text(made.spec["name"]).wait_for()
    assert drawer.get_by_test_id("cancel-moment").count() == 0
    r = _api(page, "POST", f"/admin/moments/{made.moment_task_id}/cancel")
    assert r["status"] == 403, r


def test_the_drawer_shows_who_posted_per_store_as_a_chart_per_member_and_downloads_both_as_csv(stack, sandbox, staff, watched):
    """完成情况: one of two members posted and a customer it reached liked it; after a results pass the drawer
    shows 1 / 2, the per-department chart (a canvas), the poster 已发表 and the other 未发表 · 已提醒, and
    both CSV buttons download a file whose first line is the header; 重新读取 then shows the second member's post
after the job's next run."""
    from scrm import bootstrap

    log_in(watched, stack, sandbox, staff, "admin")
    page = watched.page
    cid = staff["corp_id"]
    sandbox.set_moment_job_time(cid, 0)
    poster, idle = sorted(staff["members"])[:2]
    name = f"<u>完成情况{uuid.uuid4().hex[:4]}</u>"
    r = _api(page, "POST", "/admin/moments", {"name": name, "text": "周末到店有礼", "senders": [poster, idle],
                                              "remind_after_hours": 1})  # fmt: skip
    assert r["status"] == 201, r
    tid = r["body"]["moment"]["moment_task_id"]
    deadline = time.monotonic() + 30
    while (got := _api(page, "GET", f"/admin/moments/{tid}")["body"])["state"] != "created":  # the job asked
        assert time.monotonic() < deadline, got
        time.sleep(0.5)
    mid = got["moment_id"]
    sandbox.publish_moment(cid, mid, poster)
    reached = next(t for t in sandbox.moment(cid, mid)["tasks"] if t["userid"] == poster)["reached"]
    assert reached
    sandbox.like_moment(cid, mid, poster, external_userid=reached[0])
    repo = bootstrap.moments().repo
    with stack.schedules_held():
        for _ in range(2):  # two passes (the reminder follows the results read)
            while True:  # a results pass due now, the moment made two hours ago (the reminder's delay is over)
                m = repo.get(cid, tid)
                m.extra["results_at"], m.done_at = 0, min(m.done_at, int(time.time()) - 7200)
                if repo.save(cid, m):
                    break
            stack.run_job("advance_moments")

    page.goto(stack.console_url + "moments")
    page.get_by_test_id("moments").locator(".el-table__row", has_text=name).get_by_test_id("moment-name").click()
    drawer = page.get_by_test_id("moment-drawer")
    progress = drawer.get_by_test_id("moment-progress")
    progress.get_by_test_id("progress-posted").wait_for()
    assert progress.get_by_test_id("progress-posted").inner_text().strip() == "1 / 2"
    overall = progress.get_by_test_id("progress-overall").inner_text()
    assert "50.0%" in overall and f"触达客户 {len(reached)}" in overall and "点赞 1" in overall, overall
    assert progress.get_by_test_id("progress-results-at").inner_text().startswith("结果读取于")
    chart = progress.get_by_test_id("progress-chart")
    chart.locator("canvas").first.wait_for()
    page.locator('[data-testid="progress-chart"][data-rendered="true"]').wait_for()
    assert "完成率" in (chart.get_attribute("aria-label") or "")
    rows = progress.get_by_test_id("progress-members").locator(".el-table__row")
    first, second = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert poster in first and "已发表" in first and "—" in first, first
    assert idle in second and "未发表" in second and "已提醒" in second, second
    progress.get_by_test_id("members-filter").get_by_text("未发表", exact=True).click()  # the members to chase
    page.wait_for_function("""() => { const rows = document.querySelectorAll('[data-testid="progress-members"] .el-table__row');
        return rows.length === 1 && rows[0].innerText.includes('未发表') }""")  # fmt: skip
    assert idle in rows.nth(0).inner_text()
    progress.get_by_test_id("members-filter").get_by_text("全部", exact=True).click()
    rows.nth(1).wait_for()
    assert drawer.locator("u").count() == 0 and drawer.get_by_test_id("moment-title").inner_text() == name
    watched.shot("progress-1280x800")
    progress.get_by_test_id("progress-members").scroll_into_view_if_needed()
    watched.shot("progress-members-1280x800")

    for button, header in (("csv-progress-members", "员工,账号,发表,可见客户,触达客户,点赞,评论,提醒"),
                           ("csv-progress-departments", "部门,部门 ID,成员,已发表,完成率")):  # fmt: skip
        with page.expect_download() as download:
            progress.get_by_test_id(button).click()
        assert download.value.suggested_filename.endswith(".csv")
        with open(download.value.path(), encoding="utf-8-sig") as f:
            lines = f.read().splitlines()
        assert lines[0] == header, lines
        assert len(lines) >= 2
    # The API's own CSV (the same figures) answers too.
    api_csv = page.evaluate("async (u) => (await fetch(u, {credentials: 'same-origin'})).text()",
                            f"/admin/moments/{tid}/progress?format=csv&by=department")  # fmt: skip
    assert api_csv.lstrip("\ufeff").splitlines()[0] == "department,name,members,posted,rate", api_csv

    # 重新读取: the other member posts; the next run (not the 10-minute round) reads it, 刷新 shows 2 / 2.
    sandbox.publish_moment(cid, mid, idle)
    with stack.schedules_held():
        progress.get_by_test_id("reread-results").click()
        progress.get_by_test_id("reread-asked").wait_for()
        stack.run_job("advance_moments")
    progress.get_by_test_id("refresh-progress").click()
    progress.get_by_test_id("progress-posted").get_by_text("2 / 2").wait_for()

    page.set_viewport_size(NARROW)
    page.wait_for_timeout(400)
    progress.get_by_test_id("progress-posted").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    watched.shot("progress-390x844")
    progress.get_by_test_id("progress-members").scroll_into_view_if_needed()
    watched.shot("progress-members-390x844")


def test_senders_by_department_reach_wecom_and_the_drawer_names_the_department(stack, sandbox, staff, watched):
    """A department (a store) picked in the form goes to WeCom as sender_list.department_list; WeCom gives the
    task to its members, and the drawer names the department."""
    log_in(watched, stack, sandbox, staff, "admin")
    page = watched.page
    cid = staff["corp_id"]
    sandbox.set_moment_job_time(cid, 0)
    since = sandbox.call_counts(cid)["last_seq"]
    employees = sandbox.corp(cid)["employees"]
    dept = min(d for e in employees for d in e["department"])
    members = sorted(e["userid"] for e in employees if dept == 1 or dept in e["department"])
    name = f"门店任务{uuid.uuid4().hex[:4]}"

    page.goto(stack.console_url + "moments")
    page.get_by_role("heading", name="客户朋友圈").wait_for()
    page.get_by_test_id("create-moment").click()
    form = page.get_by_test_id("moment-form")
    form.get_by_test_id("moment-name-input").fill(name)
    form.get_by_test_id("moment-text-input").fill("本周门店活动")
    _pick(page, form.get_by_test_id("moment-departments"), f"部门 {dept}")
    form.get_by_test_id("submit-moment").click()

    drawer = page.get_by_test_id("moment-drawer")
    drawer.get_by_test_id("moment-title").get_by_text(name, exact=True).wait_for()
    drawer.get_by_test_id("moment-state").get_by_text("已创建").wait_for(timeout=30_000)
    assert drawer.get_by_test_id("moment-senders").locator("xpath=..").inner_text().strip() == f"部门 {dept}"
    calls = [c for c in sandbox.calls(cid, since=since, path=ADD) if c["errcode"] == 0]
    assert len(calls) == 1, calls
    assert calls[0]["body"]["visible_range"]["sender_list"] == {"department_list": [dept]}
    moment_id = drawer.get_by_test_id("moment-id").inner_text().strip()
    assert sorted(t["userid"] for t in sandbox.moment(cid, moment_id)["tasks"]) == members
