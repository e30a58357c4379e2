"""离职/在职继承 and 同步 in the console, on a stack of this module's own: a member leaves (WeCom's delete_user
in the sandbox), an operator sees their customers and group waiting in 离职待继承, hands them to another member
from the page, and follows the job in its detail: everything sent (WeCom asked with resigned/transfer_customer),
then — the sandbox's clock moved past WeCom's 24 h window and 立即检查 confirmed in a DOM dialog — finished at
100 %, the customers and the group with the taker in WeCom and the stored relations moved. An 在职继承 with a
message is started and cancelled from the page. An admin sets the transfer policy and runs a full sync whose
bar reaches 100 %; a viewer sees neither write control. Screenshots at 1280×800 and 390×844.

Moving the sandbox's clock a day moves it for every corp of that sandbox, and callbacks carry its time: as in
tests/integration/test_transfers.py, the module runs its own stack whose callback route accepts timestamps a
month off (the session's stack keeps the strict window): tests/support/transfer_stack.py.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect
from scrm import bootstrap
from scrm.transfers.model import ONJOB
from scrm.transfers.request import new_request

from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack
from tests.browser.conftest import NARROW
from tests.browser.stack_login import log_in, staffed_corp
from tests.browser.test_console_pages import _api, _pick
from tests.integration.test_transfers import _customers_of, _leave
from tests.support.transfer_stack import transfer_stack_fixtures
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack
DAY = 86_400
SLOW = 40_000  # ms: what the page waits on goes through the stack's queues and WeCom (the sandbox)

tstack, tsandbox = transfer_stack_fixtures("console-transfer-stack")


@pytest.fixture(scope="module")
def office(tstack: Stack, tsandbox: SandboxClient) -> dict[str, Any]:
    """Five members (admin, operator, viewer, then two more); the fourth leaves with three customers and a
    group of theirs."""
    corp = staffed_corp(tstack, tsandbox, employees=5, customers_per_employee=3, groups=0)
    cid = corp["corp_id"]
    members = list(corp["members"])
    leaver, taker, onjob = members[3], members[1], members[4]
    chat = tsandbox.do(cid, "groups/create", {"owner": leaver, "members": [members[2]], "name": "老客户群"})["chat_id"]
    customers = _customers_of(tsandbox, cid, leaver)
    _leave(tsandbox, cid, leaver)
    return {**corp, "cid": cid, "leaver": leaver, "taker": taker, "onjob": onjob, "chat": chat, "customers": customers}


def _label(office: dict[str, Any], userid: str) -> str:
    return f"{office['members'][userid]}（{userid}）"


def _confirm(page: Any, button: str) -> None:
    """The DOM confirmation (ElMessageBox), not window.confirm (which the harness fails on)."""
    box = page.locator(".el-message-box")
    box.wait_for()
    box.get_by_role("button", name=button, exact=True).click()
    box.wait_for(state="hidden")


def _choose(page: Any, select_testid: str, label: str, tries: int = 3) -> None:
    """A single select: the option's click closes the list (no Escape, which would close the dialog). Opened
    again when the list's animation left the option moving or hidden on a loaded machine (as ``_pick``)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(tries):
        page.get_by_test_id(select_testid).click()
        try:
            page.locator(".el-select-dropdown__item:visible", has_text=label).first.click(timeout=5000)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
            page.wait_for_timeout(300)


def _narrow(watched: Any, label: str) -> None:
    page = watched.page
    page.set_viewport_size(NARROW)
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], label
    watched.shot(f"{label}-390x844")


def test_an_operator_hands_a_departed_members_customers_over_and_follows_it_to_the_end(
    tstack, tsandbox, office, watched
):
    cid, leaver, taker = office["cid"], office["leaver"], office["taker"]
    assert len(office["customers"]) == 3
    log_in(watched, tstack, tsandbox, office, "operator")
    page = watched.page
    page.goto(tstack.console_url + "transfers")
    page.get_by_role("heading", name="离职/在职继承").wait_for()
    row = page.get_by_test_id("unassigned").locator(".el-table__row", has_text=f"（{leaver}）")
    row.wait_for(timeout=SLOW)
    assert row.get_by_test_id("handover").inner_text() == _label(office, leaver)
    assert row.get_by_test_id("unassigned-customers").inner_text() == "3"
    assert row.get_by_test_id("unassigned-groups").inner_text() == "1"
    assert page.get_by_test_id("save-policy").count() == 0  # the policy is the admin's
    watched.shot("unassigned")

    row.get_by_test_id("assign").click()
    form = page.get_by_test_id("transfer-form")
    expect(form.get_by_test_id("handover-counts")).to_have_text("待继承的客户 3 个，客户群 1 个")
    assert form.get_by_test_id("from").inner_text().strip() == _label(office, leaver)
    # No taker: the API's 400, next to 接替员工 in words.
    form.get_by_test_id("submit-transfer").click()
    form.locator(".el-form-item.is-error", has_text="接替员工").wait_for()
    _pick(page, "to", _label(office, taker))
    expect(form.get_by_test_id("on-refused")).to_contain_text("按企业的转交策略")
    page.locator(".el-select-dropdown:visible").wait_for(state="hidden")
    watched.shot("form")
    calls_before = len(tsandbox.calls(cid))
    form.get_by_test_id("submit-transfer").click()

    detail = page.get_by_test_id("job-detail")
    state = detail.get_by_test_id("detail-state")
    # Everything sent: the customers in WeCom's 24 h window, the group moved at once; the page polled there.
    waiting = detail.locator("[data-testid=customer-count][data-state=waiting]")
    expect(waiting).to_have_text("等待客户接受（24 小时） 3", timeout=SLOW)
    expect(detail.locator("[data-testid=group-count][data-state=done]")).to_have_text("已转交 1", timeout=SLOW)
    expect(detail.get_by_test_id("requested-bar")).to_have_attribute("data-percent", "100")
    expect(state).to_have_attribute("data-state", "running")
    job_id = detail.locator(".el-dialog__title").inner_text().split()[-1]
    calls = tsandbox.calls(cid)[calls_before:]
    starts = [c for c in calls if c["path"].endswith("externalcontact/resigned/transfer_customer")]
    assert len(starts) == 1 and starts[0]["errcode"] == 0
    assert starts[0]["body"]["handover_userid"] == leaver and starts[0]["body"]["takeover_userid"] == taker
    assert sorted(starts[0]["body"]["external_userid"]) == office["customers"]
    moved = [c for c in calls if c["path"].endswith("groupchat/transfer")]
    assert len(moved) == 1 and moved[0]["body"]["chat_id_list"] == [office["chat"]]
    assert moved[0]["body"]["new_owner"] == taker
    watched.shot("job-sent")

    # A day later WeCom has moved the customers; 立即检查 (confirmed in the page) polls for the results.
    tsandbox.advance_clock(DAY + 600)
    detail.get_by_test_id("refresh-job").click()
    _confirm(page, "立即检查")
    expect(state).to_have_attribute("data-state", "finished", timeout=SLOW)
    expect(state).to_have_text("已完成")
    expect(detail.get_by_test_id("settled-bar")).to_have_attribute("data-percent", "100")
    expect(detail.locator("[data-testid=customer-count][data-state=done]")).to_have_text("已接替 3")
    assert detail.get_by_test_id("refresh-job").count() == 0 and detail.get_by_test_id("cancel-job").count() == 0
    expect(detail.get_by_test_id("job-items").locator(".el-table__row")).to_have_count(4)
    watched.shot("job-finished")
    _narrow(watched, "job-finished")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.keyboard.press("Escape")
    job_row = page.get_by_test_id("jobs").locator(".el-table__row", has_text=job_id)
    expect(job_row.get_by_test_id("job-state")).to_have_text("已完成")
    assert _api(page, "GET", f"/admin/transfers/{job_id}")["body"]["state"] == "finished"

    # In WeCom: the customers and the group are the taker's.
    assert set(office["customers"]) <= set(_customers_of(tsandbox, cid, taker))
    assert not _customers_of(tsandbox, cid, leaver)
    group = next(g for g in tsandbox.corp(cid)["groups"] if g["chat_id"] == office["chat"])
    assert group["owner"] == taker
    # Stored: the leaver's relations marked transferred, the taker's relations there.
    from scrm.adapters.dynamo import reads

    for ext in office["customers"]:
        wait_for(lambda ext=ext: (reads.follow(cid, ext, leaver) or {}).get("status") == "transferred",
                 timeout_s=20, what="the handover's relation recorded")  # fmt: skip
        wait_for(lambda ext=ext: (reads.follow(cid, ext, taker) or {}).get("status") == "active",
                 timeout_s=20, what="the taker's relation stored")  # fmt: skip
    # Nobody waits any more: 离职待继承 no longer lists the leaver.
    with page.expect_response(lambda r: r.url.endswith("/admin/transfers/unassigned")) as answer:
        page.reload()
    assert answer.value.status == 200
    unassigned = page.get_by_test_id("unassigned")
    expect(unassigned.locator(".el-table__empty-text")).to_have_text("没有待继承的离职员工")
    assert unassigned.locator(".el-table__row", has_text=f"（{leaver}）").count() == 0


def test_an_onjob_handover_with_a_message_is_cancelled_from_the_page(tstack, tsandbox, office, watched):
    cid, member, taker = office["cid"], office["onjob"], office["taker"]
    theirs = _customers_of(tsandbox, cid, member)
    log_in(watched, tstack, tsandbox, office, "operator")
    page = watched.page
    page.goto(tstack.console_url + "transfers")
    page.get_by_test_id("create-transfer").click()
    form = page.get_by_test_id("transfer-form")
    form.get_by_test_id("kind").get_by_text("在职继承").click()
    _choose(page, "from", _label(office, member))
    expect(form.get_by_test_id("handover-counts")).to_have_text(f"已同步的客户 {len(theirs)} 个")
    _pick(page, "to", _label(office, taker))
    form.get_by_test_id("groups-mode").get_by_text("不转交客户群").click()
    form.get_by_test_id("message").fill("您好，之后由我为您服务")
    before = len(tsandbox.calls(cid))
    form.get_by_test_id("submit-transfer").click()
    detail = page.get_by_test_id("job-detail")
    expect(detail.locator("[data-testid=customer-count][data-state=waiting]")).to_contain_text(
        str(len(theirs)), timeout=SLOW)
    sent = [c for c in tsandbox.calls(cid)[before:] if c["path"].endswith("externalcontact/transfer_customer")]
    assert len(sent) == 1 and sent[0]["body"]["transfer_success_msg"] == "您好，之后由我为您服务"
    assert sorted(sent[0]["body"]["external_userid"]) == theirs
    job_id = detail.locator(".el-dialog__title").inner_text().split()[-1]

    # 取消任务: asked in the page first; 返回 leaves the job alone.
    detail.get_by_test_id("cancel-job").click()
    _confirm(page, "返回")
    assert _api(page, "GET", f"/admin/transfers/{job_id}")["body"]["state"] == "running"
    detail.get_by_test_id("cancel-job").click()
    _confirm(page, "取消任务")
    # Customers already in WeCom's window cannot be called back: cancelling until WeCom decides.
    expect(detail.get_by_test_id("detail-state")).to_have_attribute("data-state", "cancelling", timeout=SLOW)
    assert _api(page, "GET", f"/admin/transfers/{job_id}")["body"]["state"] == "cancelling"
    expect(detail.get_by_test_id("cancel-job")).to_be_disabled()
    watched.shot("cancelling")


def test_an_admin_sets_the_policy_and_runs_a_full_sync_to_100_percent(tstack, tsandbox, office, watched):
    log_in(watched, tstack, tsandbox, office, "admin")
    page = watched.page
    page.goto(tstack.console_url + "transfers")
    policy = page.get_by_test_id("policy")
    expect(policy.get_by_test_id("policy-text")).to_contain_text("保留原处")
    policy.get_by_test_id("policy-choice").get_by_text("改派下一位").click()
    policy.get_by_test_id("save-policy").click()
    # "改派：" is the saved reassign's text (保留原处's own text says 不再改派: waiting on "改派" raced the PUT).
    expect(policy.get_by_test_id("policy-text")).to_contain_text("改派：")
    assert _api(page, "GET", "/admin/transfer-policy")["body"] == {"on_refused": "reassign"}

    page.goto(tstack.console_url + "sync")
    page.get_by_role("heading", name="同步").wait_for()
    before = {j["job_id"] for j in _api(page, "GET", "/admin/sync")["body"]["items"]}
    page.get_by_test_id("start-sync").click()
    card = page.get_by_test_id("sync-progress")
    bar = card.get_by_test_id("sync-bar")
    bar.wait_for()
    seen = []
    state = card.get_by_test_id("sync-state")
    deadline = time.monotonic() + SLOW / 1000
    read = ("c => [c.querySelector('[data-testid=sync-state]').dataset.state,"
            " c.querySelector('[data-testid=sync-bar]').dataset.percent]")
    while time.monotonic() < deadline:  # moves, never back
        # Both read in one snapshot of the page: two reads apart could see "running", then the next render's 100.
        shown, percent = card.evaluate(read)
        if shown != "running":
            break
        seen.append(float(percent or 0))
        page.wait_for_timeout(100)
    expect(state).to_have_attribute("data-state", "done", timeout=SLOW)
    expect(state).to_have_text("已完成")
    expect(bar).to_have_attribute("data-percent", "100")
    assert bar.locator(".el-progress__text").inner_text().strip() == "100%"
    jobs = _api(page, "GET", "/admin/sync")["body"]["items"]
    new = [j for j in jobs if j["job_id"] not in before]
    assert len(new) == 1 and new[0]["state"] == "done" and new[0]["percent"] == 100
    assert new[0]["job_id"] in card.inner_text() and new[0]["relations"] > 0
    expect(card.get_by_test_id("sync-employees")).to_have_text(str(new[0]["employees"]))
    expect(card.get_by_test_id("sync-relations")).to_have_text(str(new[0]["relations"]))
    expect(page.get_by_test_id("sync-jobs").locator(".el-table__row", has_text=new[0]["job_id"])).to_contain_text("已完成")
    watched.shot("sync-1280x800")
    _narrow(watched, "sync")
    assert seen == sorted(seen) and all(p < 100 for p in seen), seen


@pytest.fixture(scope="module")
def viewers_job(tsandbox: SandboxClient, office: dict[str, Any]) -> dict[str, Any]:
    """A job for the viewer to read, made here rather than left by the module's earlier tests (so that the
    viewer's test also runs alone): an 在职继承 of one of the viewer's own customers to the admin."""
    cid, viewer, admin = office["cid"], office["by_role"]["viewer"], office["by_role"]["admin"]
    customer = _customers_of(tsandbox, cid, viewer)[0]
    job, created = bootstrap.transfer_jobs().create(cid, new_request(ONJOB, viewer, [admin], [customer], ()))
    assert created, job
    return job


def test_a_viewer_sees_transfers_and_sync_without_write_controls(tstack, tsandbox, office, viewers_job, watched):
    policy = bootstrap.transfer_jobs().policy(office["cid"])["on_refused"]  # the admin's test may have set it
    log_in(watched, tstack, tsandbox, office, "viewer")
    page = watched.page
    page.goto(tstack.console_url + "transfers")
    job = page.get_by_test_id("jobs").locator(".el-table__row", has_text=viewers_job["job_id"])
    job.wait_for()
    page.wait_for_load_state("networkidle")
    for control in ("create-transfer", "assign", "save-policy", "policy-choice"):
        assert page.get_by_test_id(control).count() == 0, control
    expect(page.get_by_test_id("policy-text")).to_contain_text("改派：" if policy == "reassign" else "保留原处：")
    job.get_by_test_id("open-job").click()
    detail = page.get_by_test_id("job-detail")
    expect(detail.locator(".el-dialog__title")).to_contain_text(viewers_job["job_id"])
    detail.get_by_test_id("detail-state").wait_for()
    expect(detail.get_by_test_id("detail-state")).not_to_have_attribute("data-state", "")
    assert detail.get_by_test_id("cancel-job").count() == 0 and detail.get_by_test_id("refresh-job").count() == 0
    watched.shot("viewer-transfers")
    page.keyboard.press("Escape")
    page.goto(tstack.console_url + "sync")
    page.get_by_test_id("sync-jobs").locator(".el-table__row").first.wait_for()
    assert page.get_by_test_id("start-sync").count() == 0
    forged = _api(page, "POST", "/admin/sync")
    assert forged["status"] == 403
    watched.shot("viewer-sync")
