"""AdminNotices over the alerts' fakes: one app card per (key, admin) to the corp's alert admins, paced with
their other app messages; a repeat of the same key sends nothing; no admins set: nobody is told."""

from __future__ import annotations

from scrm.alerts.delivery import Delivery
from scrm.alerts.notices import AdminNotices
from scrm.alerts.pacing import Caps

from tests.unit.alert_fakes import FakeAlertRepo, FakeMessages
from tests.unit.live_code_fakes import FakeClock

CORP = "wwcorp"
T0 = 1_795_000_000


def _notices() -> tuple[AdminNotices, FakeAlertRepo, FakeMessages]:
    repo, wecom = FakeAlertRepo(), FakeMessages()
    return AdminNotices(repo, Delivery(wecom, lambda corp: "1000002"), Caps(25, 900), FakeClock(T0)), repo, wecom


def test_each_admin_is_told_once_per_key() -> None:
    notices, repo, wecom = _notices()
    repo.save_settings(CORP, {"admins": ["boss", "ops"]})
    first = notices.notify_admins(CORP, "fission-pool-c1", T0 - 60, "裂变活动奖励券已发完：春季", ["请上传新的奖励券"])
    assert first == {"boss": "sent", "ops": "sent"}
    again = notices.notify_admins(CORP, "fission-pool-c1", T0 - 60, "裂变活动奖励券已发完：春季", ["请上传新的奖励券"])
    assert again == {"boss": "sent", "ops": "sent"}  # the records' state: nothing sent again
    assert len(wecom.to("boss")) == 1 and len(wecom.to("ops")) == 1
    card = wecom.to("boss")[0]
    assert card["title"] == "裂变活动奖励券已发完：春季" and "请上传新的奖励券" in card["description"]
    notices.notify_admins(CORP, "fission-pool-c2", T0 - 60, "另一个活动", ["x"])
    assert len(wecom.to("boss")) == 2


def test_no_admins_no_message() -> None:
    notices, _, wecom = _notices()
    assert notices.notify_admins(CORP, "k", T0, "t", ["l"]) == {}
    assert wecom.sent == []
