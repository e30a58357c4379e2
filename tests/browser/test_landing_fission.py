"""The inviter's poster page (好友裂变, issue 21) in headless Chromium against the local stack and the WeCom
sandbox: the link an admin gets (GET /admin/fission/{id}/link) opens web/landing/fission.html, which shows the
inviter's poster (the PNG loads: the first request made their contact way in the sandbox) and their progress;
friends scanning that way in the sandbox are pending for K days, the job confirms them and sends the reward
(a pool code, once), and a reload shows it; a pool that ran out, an ended campaign and a missing, changed or
expired token are said in words."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest

from tests.browser.conftest import NARROW, WIDE
from tests.integration.test_fission import DAY, _campaign, _inviter, _link, _progress, _rewards, shop  # noqa: F401
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


@pytest.fixture
def viewport() -> dict[str, int]:
    return NARROW


def _open(watched: Any, stack, token: str | None) -> Any:
    page = watched.page
    page.goto(f"{stack.landing_url}fission.html" + (f"?t={token}" if token is not None else ""))
    return page


def _poster_loaded(page: Any) -> None:
    img = page.get_by_test_id("poster")
    page.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=img.element_handle())


def _counts(page: Any) -> tuple[int, int, int]:
    page.get_by_test_id("progress").wait_for()
    return tuple(int(page.get_by_test_id(k).inner_text()) for k in ("confirmed", "pending", "lost"))


def test_the_poster_and_progress_up_to_the_reward(stack, sandbox, shop, watched):  # noqa: F811
    from scrm import bootstrap

    cid, admin = shop["cid"], shop["admin"]
    campaign_id = _campaign(stack, sandbox, shop, name="好友裂变<b>送券</b>", threshold=2, keep_days=1,
                            members=shop["members"][:1])  # fmt: skip
    assert admin("POST", f"/admin/fission/{campaign_id}/coupons", {"codes": ["PAGE-001"]}).json()["added"] == 1
    inviter = shop["inviters"][0]
    link = admin("GET", f"/admin/fission/{campaign_id}/link", external_userid=inviter).json()
    token = link["token"]
    assert link["page"] == f"/landing/fission.html?t={token}"  # the link the admin sends: this page
    since = sandbox.call_counts(cid)["last_seq"]
    page = watched.page
    page.goto(stack.landing_url.rsplit("/landing/", 1)[0] + link["page"])
    _poster_loaded(page)
    assert page.get_by_test_id("campaign").inner_text() == "好友裂变<b>送券</b>"  # the name as text
    assert _counts(page) == (0, 0, 0)
    assert page.get_by_test_id("goal").inner_text() == "0 / 2 位好友"
    assert page.get_by_test_id("reward-title").inner_text() == "未达成"
    assert "再邀请 2 位好友" in page.get_by_test_id("reward").inner_text()
    assert "保留 1 天" in page.get_by_test_id("rules").inner_text()
    assert "长按图片保存海报" in page.get_by_test_id("save-hint").inner_text()
    # the poster's request made the inviter's own contact way in the sandbox, once
    assert len(sandbox.calls(cid, since=since, path="externalcontact/add_contact_way")) == 1
    cfg = _inviter(shop, campaign_id, inviter)["config_id"]
    assert cfg
    watched.shot("poster")
    page.set_viewport_size(WIDE)
    watched.shot("poster-wide")
    page.set_viewport_size(NARROW)

    for n in range(2):
        sandbox.scan(cid, cfg, name=f"页面好友{n}")
    wait_for(lambda: _progress(stack, token)["pending"] == 2, what="two friends pending")
    page.reload()
    _poster_loaded(page)
    assert _counts(page) == (0, 2, 0)
    assert page.get_by_test_id("reward-title").inner_text() == "未达成"

    # K days later the job confirms them and sends the reward (in-process, on a clock a day ahead: the session's
    # sandbox clock stays, as tests/integration/test_fission.py explains).
    job = bootstrap._fission_service(bootstrap.admin_gateways().for_corp)
    job.clock = lambda: time.time() + DAY + 60
    with stack.schedules_held():
        job.advance(cid)
        job.advance(cid)
    assert _inviter(shop, campaign_id, inviter)["reward_state"] == "sent"
    page.reload()
    _poster_loaded(page)
    assert _counts(page) == (2, 0, 0)
    assert page.get_by_test_id("goal").inner_text() == "2 / 2 位好友"
    assert page.get_by_test_id("reward-title").inner_text() == "已发放"
    assert "请查看企业微信消息" in page.get_by_test_id("reward").inner_text()
    sent = _rewards(sandbox, cid, inviter)
    assert len(sent) == 1 and "PAGE-001" in sent[0]["text"]
    watched.shot("reward")
    page.set_viewport_size(WIDE)
    watched.shot("reward-wide")


def test_a_pool_that_ran_out_is_said(stack, sandbox, shop, watched):  # noqa: F811
    cid = shop["cid"]
    campaign_id = _campaign(stack, sandbox, shop, threshold=1, keep_days=0, members=shop["members"][1:2])
    inviter = shop["inviters"][1]
    token = _link(shop, campaign_id, inviter)
    page = _open(watched, stack, token)
    _poster_loaded(page)
    sandbox.scan(cid, _inviter(shop, campaign_id, inviter)["config_id"], name="来晚的朋友")
    wait_for(lambda: _progress(stack, token)["reward"] == "pool_empty", what="the pool found empty")
    page.reload()
    _poster_loaded(page)
    assert _counts(page) == (1, 0, 0)
    assert page.get_by_test_id("reward-title").inner_text() == "奖品已发完"
    assert "工作人员会尽快与您联系" in page.get_by_test_id("reward").inner_text()
    watched.shot("pool-empty")


def test_an_ended_campaign_and_bad_links_are_said_in_words(stack, sandbox, shop, watched):  # noqa: F811
    from scrm import bootstrap

    campaign_id = _campaign(stack, sandbox, shop, members=shop["members"][2:3])
    inviter = shop["inviters"][2]
    token = _link(shop, campaign_id, inviter)
    page = _open(watched, stack, None)
    assert "缺少邀请参数" in page.get_by_test_id("status").inner_text()
    body, mac = token.split(".")  # another inviter's name under this signature: what a curious customer tries
    other = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).replace(inviter.encode(), shop["inviters"][3].encode())
    changed = base64.urlsafe_b64encode(other).decode().rstrip("=") + "." + mac
    page = _open(watched, stack, changed)
    page.locator(".status.error").wait_for()
    assert "链接无效" in page.get_by_test_id("status").inner_text()
    assert page.get_by_test_id("poster").count() == 0
    watched.shot("bad-token")
    service = bootstrap._fission_service(bootstrap.admin_gateways().for_corp)
    expired = service.link(shop["cid"], campaign_id, inviter, ttl_s=-60)["token"]
    page = _open(watched, stack, expired)
    page.locator(".status.error").wait_for()
    assert "链接已过期" in page.get_by_test_id("status").inner_text()

    r = shop["admin"]("POST", f"/admin/fission/{campaign_id}/end")
    assert r.status_code == 200, r.text
    page = _open(watched, stack, token)
    page.get_by_test_id("progress").wait_for()
    assert page.get_by_test_id("status").inner_text() == "活动已结束，感谢您的参与。"
    assert page.get_by_test_id("poster").count() == 0
    assert "活动已结束，未达成邀请目标" in page.get_by_test_id("reward").inner_text()
    watched.shot("ended")
