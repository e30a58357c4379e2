"""Churn alerts end to end: a world change in the sandbox → encrypted callback → apply_events → the
alert observer → message/send, read back from the sandbox's message log (and its silent-drop summary)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import pytest
from scrm import bootstrap
from scrm.adapters.dynamo import reads
from scrm.alerts.delivery import china_day
from scrm.alerts.digest import AlertDigest
from scrm.corps.api_key import Role
from scrm.kernel.china_time import CHINA

from tests.integration.cli_api import api_env
from tests.integration.test_admin_api import Admin, _synced_corp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack
DAY_S = 86_400
BURST = 40


@pytest.fixture(scope="module")
def shop(stack, sandbox) -> dict[str, Any]:
    corp = _synced_corp(stack, sandbox, employees=3, customers_per_employee=BURST + 2, tags=3, tag_groups=1,
                        groups=0, members_per_group=0)  # fmt: skip
    cid = corp["corp_id"]
    world = sandbox.corp(cid)
    admin = Admin(stack.admin_url, bootstrap.api_keys().create(cid, Role.ADMIN, "t")["key"])
    staff = [e["userid"] for e in world["employees"]]
    customers: dict[str, list[str]] = {}
    for c in world["customers"]:
        for f in c["follow_users"]:
            customers.setdefault(f["userid"], []).append(c["external_userid"])
    return {"cid": cid, "admin": admin, "staff": staff, "customers": customers,
            "tags": {t["id"]: t["name"] for g in world["tag_groups"] for t in g["tag"]}}  # fmt: skip


def _cards(sandbox, cid: str, userid: str) -> list[dict[str, Any]]:
    return [m for m in sandbox.messages(cid)
            if m.get("kind") == "message" and m["msgtype"] == "textcard" and userid in m["touser"]]  # fmt: skip


def _settings(shop, **body: Any) -> dict[str, Any]:
    r = shop["admin"]("PUT", "/admin/alert-settings", body)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_customer_who_leaves_is_told_to_the_employee_with_name_tags_channel_and_days(sandbox, shop):
    cid, staff, admin = shop["cid"], shop["staff"], shop["admin"]
    r = admin("POST", "/admin/channel-codes", {"name": "门店海报", "staff": [staff[1]]})
    assert r.status_code == 201, r.text
    state = r.json()["code_id"]
    tag_ids = list(shop["tags"])[:2]
    added_at = int(time.time()) - 5 * DAY_S - 100
    added = sandbox.do(cid, "customers/add", {"userid": staff[1], "name": "韩梅梅", "state": state, "tags": tag_ids,
                                              "create_time": added_at, "welcome_code": False})  # fmt: skip
    ext = added["external_userid"]
    wait_for(lambda: (f := reads.follow(cid, ext, staff[1])) and f.get("name") == "韩梅梅", what="relation stored")

    sandbox.do(cid, "customers/del_by_customer", {"userid": staff[1], "external_userid": ext})
    [card] = wait_for(lambda: _cards(sandbox, cid, staff[1]), timeout_s=20, what="alert card")
    content = card["content"]
    assert content["title"] == "客户流失：韩梅梅 删除了你"
    for text in ("门店海报", "5 天", *(shop["tags"][t] for t in tag_ids)):
        assert text in content["description"], text
    assert card["body"]["enable_duplicate_check"] == 1 and not card.get("dropped")

    # The card lands in WeCom (the sandbox) before message/send answers, and the alert is marked after it.
    listed = wait_for(lambda: [a for a in admin("GET", "/admin/alerts", recipient=staff[1]).json()["alerts"]
                               if a["state"] not in ("new", "sending")], timeout_s=10, what="the alert settled")
    assert [(a["state"], a["external_userid"]) for a in listed] == [("sent", ext)]


def test_an_employee_deleting_a_customer_is_told_to_the_admins(sandbox, shop):
    cid, staff, admin = shop["cid"], shop["staff"], shop["admin"]
    r = admin("PUT", "/admin/alert-settings", {"admin_alerts": True, "admins": ["nobody"]})
    assert r.status_code == 400 and r.json()["field"] == "admins"
    _settings(shop, admin_alerts=True, admins=[staff[0], staff[1]])
    ext = shop["customers"][staff[1]][0]
    sandbox.do(cid, "customers/del_by_employee", {"userid": staff[1], "external_userid": ext})
    for boss in (staff[0], staff[1]):
        card = wait_for(lambda b=boss: [c for c in _cards(sandbox, cid, b) if "员工删除客户" in c["content"]["title"]],
                        timeout_s=20, what=f"admin card to {boss}")[0]  # fmt: skip
        assert staff[1] in card["content"]["description"] or "员工：" in card["content"]["description"]
    # A handover is not a loss: nobody is told.
    before = len(sandbox.messages(cid))
    ext2 = shop["customers"][staff[1]][1]
    sandbox.do(cid, "customers/del_by_employee", {"userid": staff[1], "external_userid": ext2,
                                                  "source": "DELETE_BY_TRANSFER", "wait": True})  # fmt: skip
    time.sleep(2)
    assert len(sandbox.messages(cid)) == before
    _settings(shop, admin_alerts=False)


def test_a_burst_is_paced_below_the_minute_cap_and_the_rest_goes_to_one_digest(sandbox, shop):
    now_local = datetime.now(CHINA)
    if now_local.hour == 23 and now_local.minute >= 50:
        pytest.skip("too close to China midnight: the burst and its digest must share a China day")
    cid, staff = shop["cid"], shop["staff"]
    victim = staff[2]  # no card before this test: the minute is all the burst's
    # The stack's own digest job must not run in the middle of the burst: due at 23:59 only.
    _settings(shop, digest_above=100, digest_time="23:59")
    exts = shop["customers"][victim][:BURST]
    assert len(exts) > 30
    started = time.monotonic()
    for ext in exts:
        sandbox.do(cid, "customers/del_by_customer", {"userid": victim, "external_userid": ext})
    day = china_day(time.time())
    repo = bootstrap.alert_repo()
    rows = wait_for(lambda: (r := repo.on_day(cid, day, victim, 500)) and len(r) == len(exts)
                    and all(a["state"] in ("sent", "deferred") for a in r) and r,
                    timeout_s=60, what="every alert sent or deferred")  # fmt: skip
    elapsed = time.monotonic() - started
    states = [a["state"] for a in rows]
    _pages_cover_the_day(shop["admin"], day, victim, [a["event_id"] for a in rows])
    cards = _cards(sandbox, cid, victim)
    assert len(cards) == states.count("sent")
    times = sorted(c["ts"] for c in cards)
    # WeCom's limit in any sliding minute of its own clock (ours takes slots a moment before the send).
    assert all(sum(1 for s in times if t - 60 < s <= t) <= 30 for t in times)
    assert bootstrap.alert_repo().pace(cid, victim).sent_last_minute(time.time()) <= 25
    if elapsed < 50:
        assert states.count("sent") == 25 and states.count("deferred") == len(exts) - 25
    assert states.count("deferred") > 0

    # The digest job, as if at 23:59:30 China time today: one card with every deferred alert.
    deferred = states.count("deferred")
    at = datetime.now(CHINA).replace(hour=23, minute=59, second=30).timestamp()
    digest = AlertDigest(repo, lambda: [cid], bootstrap._alert_delivery(), bootstrap._alert_caps(), lambda: at)
    assert digest.run()[cid]["recipients"] == {victim: f"sent:{deferred}"}
    assert digest.run()[cid]["recipients"] == {}  # once a day
    [summary] = [c for c in _cards(sandbox, cid, victim) if c["content"]["title"].startswith("流失提醒汇总")]
    assert summary["content"]["title"] == f"流失提醒汇总 {day}：{deferred} 条"
    assert [a["state"] for a in repo.on_day(cid, day, victim, 500)].count("digested") == deferred
    assert sandbox.message_summary(cid)["dropped_total"] == 0  # WeCom (the sandbox) dropped nothing


def _pages_cover_the_day(admin: Any, day: str, recipient: str, event_ids: list[str]) -> None:
    """The API's pages (7 a page, next_cursor) of one recipient's day and of the corp's day: each alert once,
    oldest first; a cursor of another recipient or a forged one is a 400 naming ``cursor``."""
    def walk(**query: str) -> list[dict[str, Any]]:
        out, cursor = [], ""
        while True:
            page = admin("GET", "/admin/alerts", day=day, limit="7", cursor=cursor, **query).json()
            out += page["alerts"]
            cursor = page["next_cursor"]
            if not cursor:
                return out
            assert len(page["alerts"]) == 7

    mine = walk(recipient=recipient)
    assert [a["event_id"] for a in mine] == event_ids and len(event_ids) > 7
    corp = walk()
    assert [a["create_time"] for a in corp] == sorted(a["create_time"] for a in corp)
    assert [a["event_id"] for a in corp if a["recipient"] == recipient] == event_ids
    assert len({(a["recipient"], a["event_id"]) for a in corp}) == len(corp)
    first = admin("GET", "/admin/alerts", day=day, limit="3", recipient=recipient).json()["next_cursor"]
    for query in ({"recipient": "someone-else", "cursor": first}, {"cursor": "bm90LWEtY3Vyc29y"}):
        r = admin("GET", "/admin/alerts", day=day, **query)
        assert r.status_code == 400 and r.json()["field"] == "cursor", r.text


def test_an_unlicensed_employee_is_recorded_as_not_alerted(sandbox, shop):
    """message/send answers 0 but lists the member in unlicenseduser (90236): the alert is failed, with why."""
    cid, staff, admin = shop["cid"], shop["staff"], shop["admin"]
    member = staff[0]
    ext = shop["customers"][member][-1]
    sandbox.do(cid, "users/license", {"userid": member, "licensed": False})
    try:
        before = len(_cards(sandbox, cid, member))
        sandbox.do(cid, "customers/del_by_customer", {"userid": member, "external_userid": ext})
        alert = wait_for(lambda: [a for a in admin("GET", "/admin/alerts", recipient=member).json()["alerts"]
                                  if a["external_userid"] == ext and a["state"] not in ("new", "sending")],
                         timeout_s=20, what="the alert recorded")[0]  # fmt: skip
        assert alert["state"] == "failed" and "unlicenseduser" in alert["reason"], alert
        assert len(_cards(sandbox, cid, member)) == before  # WeCom (the sandbox) delivered nothing
        [sent] = [m for m in sandbox.messages(cid) if m.get("unlicenseduser") == member]
        assert sent["touser"] == []
    finally:
        sandbox.do(cid, "users/license", {"userid": member, "licensed": True})


def test_the_cli_shows_and_changes_settings_and_lists_alerts(stack, shop, capsys, monkeypatch):
    from scrm.cli.main import main

    cid = shop["cid"]
    _speak_for(monkeypatch, stack, cid)
    assert main(["alerts", "settings", cid, "--digest-above", "7", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["digest_above"] == 7
    assert main(["alerts", "settings", cid, "--digest-time", "25:00"]) == 1
    assert "digest_time" in capsys.readouterr().err
    assert main(["alerts", "list", cid, "--recipient", shop["staff"][1]]) == 0
    out = capsys.readouterr().out
    assert "韩梅梅" in out and "sent" in out
    victim = shop["staff"][2]  # the burst's: more than one page of 5
    assert main(["alerts", "list", cid, "--recipient", victim, "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert ": 5 alert(s)" in out and "--all reads every page" in out
    assert main(["alerts", "list", cid, "--recipient", victim, "--limit", "5", "--all", "--json"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert len(every["alerts"]) > 5 and every["next_cursor"] == ""


def _speak_for(monkeypatch: pytest.MonkeyPatch, stack: Any, corp_id: str) -> None:
    """``scrm`` goes through the admin API: an admin key of this corp, in the environment."""
    for name, value in api_env(stack, corp_id).items():
        monkeypatch.setenv(name, value)
