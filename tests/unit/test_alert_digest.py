"""The daily digest with in-memory ports: once per recipient and day, after the digest time, paced."""

from __future__ import annotations

import pytest
from scrm.alerts.delivery import Delivery
from scrm.alerts.digest import AlertDigest
from scrm.alerts.pacing import Caps
from scrm.kernel.wecom_error import WeComError

from tests.unit.test_churn_alerts_service import CORP, T0, World, _event

AT_0906 = T0 + 9 * 3600 + 6 * 60  # China 09:06, after the default 09:05


def _deferred_world(n: int = 6) -> World:
    w = World(Caps(per_minute=3, per_hour=900))
    w.repo.save_settings(CORP, {"digest_above": 100})
    w.clock.now = T0 + 8 * 3600 + 7 * 60
    for i in range(n):
        w.relation(ext=f"wm{i}", name=f"客户{i}")
        w.alerts.observe(_event("del_follow_user", ext=f"wm{i}", at=T0 + 3600 + i), f"e{i}")
    return w


def _digest(w: World) -> AlertDigest:
    return AlertDigest(w.repo, lambda: [CORP], Delivery(w.wecom, lambda c: w.agent), Caps(3, 900), w.clock)


def test_before_the_digest_time_and_in_quiet_minutes_nothing_is_sent():
    w = _deferred_world()
    w.clock.now = T0 + 9 * 3600 + 4 * 60
    assert _digest(w).run()[CORP]["due"] is False
    w.clock.now = T0 + 9 * 3600 + 30 * 60  # :30, a minute WeCom asks senders to avoid
    assert _digest(w).run()[CORP] == {"due": False, "why": "quiet minute"}
    assert len(w.wecom.sent) == 3


def test_one_digest_per_recipient_and_day_lists_the_deferred_alerts():
    w = _deferred_world()
    w.clock.now = AT_0906
    assert _digest(w).run()[CORP]["recipients"] == {"u1": "sent:3"}
    card = w.wecom.sent[-1][3]
    assert card["title"] == "流失提醒汇总 2025-11-25：3 条"
    assert all(f"客户{i}" in card["description"] for i in (3, 4, 5))
    assert w.repo.states(CORP, "u1") == ["sent"] * 3 + ["digested"] * 3
    assert w.repo.pending(CORP) == []
    w.clock.advance(300)
    assert _digest(w).run()[CORP]["recipients"] == {}  # nothing pending: nothing sent
    assert len(w.wecom.sent) == 4


def test_an_alert_deferred_after_the_days_digest_waits_for_the_next_day():
    w = _deferred_world()
    w.clock.now = AT_0906
    _digest(w).run()
    w.relation(ext="wmX")
    w.clock.now = AT_0906 + 60
    for i in range(3):  # fill the recipient's minute, so the next alert is deferred
        w.relation(ext=f"wmY{i}")
        w.alerts.observe(_event("del_follow_user", ext=f"wmY{i}", at=T0 + 9 * 3600 + i), f"y{i}")
    w.alerts.observe(_event("del_follow_user", ext="wmX", at=T0 + 9 * 3600 + 9), "x")
    assert w.repo.pending(CORP) == [("u1", 1)]
    w.clock.advance(300)
    assert _digest(w).run()[CORP]["recipients"] == {"u1": "sent:today"}
    w.clock.now = AT_0906 + 86_400
    assert _digest(w).run()[CORP]["recipients"] == {"u1": "sent:1"}


def test_a_digest_without_a_pacing_slot_waits_for_the_next_run():
    w = _deferred_world()
    w.clock.now = AT_0906
    for i in range(3):  # the recipient's minute is full
        w.relation(ext=f"wmZ{i}")
        w.alerts.observe(_event("del_follow_user", ext=f"wmZ{i}", at=T0 + 9 * 3600 + i), f"z{i}")
    assert _digest(w).run()[CORP]["recipients"] == {"u1": "waiting"}
    w.clock.advance(300)
    assert _digest(w).run()[CORP]["recipients"] == {"u1": "sent:3"}


def test_a_crash_after_the_send_finishes_with_the_same_card():
    w = _deferred_world()
    w.clock.now = AT_0906
    d = _digest(w)
    w.wecom.fail = [-1]  # WeCom's answer lost: we cannot know whether it was sent
    with pytest.raises(WeComError):
        d.run()
    assert w.repo.digest_marker(CORP, "u1", "2025-11-25")["state"] == "sending"
    assert d.run()[CORP]["recipients"] == {"u1": "sent:3"}
    assert w.repo.states(CORP, "u1").count("digested") == 3
