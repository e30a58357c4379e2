"""ChurnAlerts with in-memory ports: who gets a card, what it says, pacing, and exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from scrm.alerts.churn import ChurnAlerts
from scrm.alerts.delivery import Delivery
from scrm.alerts.pacing import Caps
from scrm.kernel.events import parse_event
from scrm.live_codes.channel_code import spec_from_dict

from tests.unit.alert_fakes import FakeAlertRepo, FakeCodes, FakeMessages, FakeReads
from tests.unit.live_code_fakes import FakeClock

CORP = "wwcorp"
T0 = 1_764_000_000  # 2025-11-25 00:00 China
DAY_S = 86_400


def _event(change: str, ext: str = "wmA", uid: str = "u1", at: int = T0, source: str = "") -> Any:
    fields = {"ToUserName": CORP, "FromUserName": "sys", "MsgType": "event", "Event": "change_external_contact",
              "ChangeType": change, "CreateTime": str(at), "UserID": uid, "ExternalUserID": ext}  # fmt: skip
    if source:
        fields["Source"] = source
    return parse_event(fields)


class World:
    def __init__(self, caps: Caps | None = None) -> None:
        self.repo, self.reads, self.codes, self.wecom = FakeAlertRepo(), FakeReads(), FakeCodes(), FakeMessages()
        self.clock = FakeClock(T0 + 10 * 3600 + 7 * 60)
        self.agent = "1000002"
        self.alerts = ChurnAlerts(self.repo, self.reads, self.codes, Delivery(self.wecom, lambda c: self.agent),
                                  caps or Caps(25, 900), self.clock)  # fmt: skip
        self.reads.library[CORP] = [{"group_id": "g", "name": "级别", "tags": [
            {"tag_id": "t1", "name": "VIP"}, {"tag_id": "t2", "name": "华东"}]}]  # fmt: skip
        self.reads.employees[(CORP, "u1")] = {"name": "李雷"}
        self.codes.data[(CORP, "c#c1")] = {"name": "门店海报", "state": "c1", "staff": ["u1"]}

    def relation(self, ext: str = "wmA", uid: str = "u1", **kw: Any) -> None:
        self.reads.follows[(CORP, ext, uid)] = {
            "name": "韩梅梅", "status": "deleted_by_customer", "status_version": (T0 * 10) + 3,
            "add_time": T0 - 12 * DAY_S - 5, "state": "c1", "remark": "",
            "tags": [{"tag_id": "t1", "tag_name": "old"}, {"tag_id": "t9", "tag_name": "已删标签"}], **kw}  # fmt: skip


@pytest.fixture
def world() -> World:
    assert spec_from_dict({"name": "门店海报", "state": "c1", "staff": ["u1"]}).name == "门店海报"
    w = World()
    w.relation()
    return w


def test_a_customer_leaving_sends_one_card_to_the_employee(world):
    effects = world.alerts.observe(_event("del_follow_user"), "e1")
    assert effects == ["alert:sent:u1"]
    [card] = world.wecom.to("u1")
    assert card["title"] == "客户流失：韩梅梅 删除了你"
    for text in ("VIP", "已删标签", "门店海报", "12 天"):  # library name wins; the relation's copy fills in
        assert text in card["description"]
    assert world.repo.states(CORP, "u1") == ["sent"]
    assert world.wecom.sent[0][0] == "1000002" and world.wecom.sent[0][2] == "textcard"


def test_a_repeated_event_sends_nothing_more(world):
    world.alerts.observe(_event("del_follow_user"), "e1")
    assert world.alerts.observe(_event("del_follow_user"), "e1") == ["alert:sent:repeat:u1"]
    assert len(world.wecom.sent) == 1


def test_a_crash_between_send_and_mark_resends_the_same_card_under_the_duplicate_check(world):
    world.alerts.observe(_event("del_follow_user"), "e1")
    key = (f"{CORP}#u1", next(iter(world.repo.items))[1])
    world.repo.items[key]["state"] = "sending"  # as if the "sent" mark never landed
    assert world.alerts.observe(_event("del_follow_user"), "e1") == ["alert:sent:again:u1"]
    assert world.wecom.sent[0][3] == world.wecom.sent[1][3]  # identical: WeCom drops the repeat
    assert world.repo.pace(CORP, "u1").sent_last_minute(world.clock()) == 1  # one slot, not two


def test_switches_off_and_handovers_send_nothing(world):
    world.repo.save_settings(CORP, {"employee_alerts": False})
    assert world.alerts.observe(_event("del_follow_user"), "e1") == ["alert:off"]
    world.repo.save_settings(CORP, {"admin_alerts": True, "admins": ["boss"]})
    assert world.alerts.observe(_event("del_external_contact", source="DELETE_BY_TRANSFER"), "e2") == []
    assert world.alerts.observe(_event("add_external_contact"), "e3") == []
    assert world.wecom.sent == []


def test_an_employee_deleting_a_customer_goes_to_the_admins_only_when_on(world):
    assert world.alerts.observe(_event("del_external_contact"), "e1") == ["alert:off"]  # default off
    world.repo.save_settings(CORP, {"admin_alerts": True, "admins": ["boss", "deputy"]})
    assert world.alerts.observe(_event("del_external_contact"), "e2") == ["alert:sent:boss", "alert:sent:deputy"]
    assert world.wecom.to("u1") == []
    assert world.wecom.to("boss")[0]["title"] == "员工删除客户：李雷 删除了 韩梅梅"


def test_a_late_replay_of_a_loss_the_customer_has_undone_is_not_news(world):
    world.relation(status="active", status_version=(T0 + 60) * 10)
    assert world.alerts.observe(_event("del_follow_user"), "e1") == ["alert:stale"]
    assert world.wecom.sent == []


def test_beyond_the_minute_cap_alerts_wait_for_the_digest_and_are_never_sent_over_it():
    w = World(Caps(per_minute=5, per_hour=900))
    w.repo.save_settings(CORP, {"digest_above": 100})
    results = []
    for i in range(8):
        w.relation(ext=f"wm{i}")
        results += w.alerts.observe(_event("del_follow_user", ext=f"wm{i}", at=T0 + i), f"e{i}")
        w.clock.advance(1)
    assert results == ["alert:sent:u1"] * 5 + ["alert:deferred:u1"] * 3
    assert w.repo.pending(CORP) == [("u1", 3)]
    w.clock.advance(60)  # a new minute: sending resumes
    w.relation(ext="wm9")
    assert w.alerts.observe(_event("del_follow_user", ext="wm9", at=T0 + 9), "e9") == ["alert:sent:u1"]


def test_beyond_the_days_allowance_alerts_wait_for_the_digest(world):
    world.repo.save_settings(CORP, {"digest_above": 2})
    out = []
    for i in range(4):
        world.relation(ext=f"wm{i}")
        out += world.alerts.observe(_event("del_follow_user", ext=f"wm{i}", at=T0 + i), f"e{i}")
        world.clock.advance(120)
    assert out == ["alert:sent:u1"] * 2 + ["alert:deferred:u1"] * 2


def test_a_final_refusal_marks_the_alert_failed_and_a_passing_one_is_raised(world):
    world.wecom.fail = [81013]
    assert world.alerts.observe(_event("del_follow_user"), "e1") == ["alert:failed:u1"]
    world.relation(ext="wmB")
    world.wecom.fail = [-1]
    with pytest.raises(Exception, match="-1"):
        world.alerts.observe(_event("del_follow_user", ext="wmB"), "e2")
    assert world.alerts.observe(_event("del_follow_user", ext="wmB"), "e2") == ["alert:sent:again:u1"]


def test_an_unlicensed_or_invalid_recipient_is_recorded_as_not_delivered_with_the_reason(world):
    """90236: errcode 0, yet the member is listed in unlicenseduser (or invaliduser) and got nothing."""
    world.wecom.unlicensed = {"u1"}
    assert world.alerts.observe(_event("del_follow_user"), "e1") == ["alert:failed:u1"]
    [rec] = world.repo.on_day(CORP, "2025-11-25")
    assert rec["state"] == "failed" and "unlicenseduser" in rec["reason"] and "license" in rec["reason"]
    assert world.wecom.to("u1") == []
    world.wecom.unlicensed, world.wecom.invalid = set(), {"u1"}
    world.relation(ext="wmB")
    assert world.alerts.observe(_event("del_follow_user", ext="wmB"), "e2") == ["alert:failed:u1"]
    assert any("invaliduser" in r["reason"] for r in world.repo.on_day(CORP, "2025-11-25"))


def test_an_unknown_wecom_code_is_a_recorded_failure_not_an_endless_retry(world):
    world.wecom.fail = [48999]
    assert world.alerts.observe(_event("del_follow_user"), "e1") == ["alert:failed:u1"]
    [rec] = world.repo.on_day(CORP, "2025-11-25")
    assert rec["reason"].startswith("WeCom 48999")


def test_a_corp_without_an_agent_id_records_why(world):
    world.agent = ""
    assert world.alerts.observe(_event("del_follow_user"), "e1") == ["alert:failed:u1"]
    [rec] = world.repo.on_day(CORP, "2025-11-25")
    assert "agent id" in rec["reason"]
