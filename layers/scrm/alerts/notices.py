"""A notice to the corp's alert admins (the ``admins`` of the alert settings), once per (key, admin): one app
textcard each, paced through the same per-recipient item as churn alerts and reminders. Another feature
hands in what happened (fission: a campaign's coupon pool ran out); the record keyed by ``key`` and ``at``
makes a repeat (a retried event, a second worker) find the notice already there and send nothing."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from scrm.alerts.alert_settings import AlertSettings
from scrm.alerts.cards import TITLE_MAX, card_description, cut, link
from scrm.alerts.churn import alert_sk
from scrm.alerts.delivery import Delivery, china_day, china_time
from scrm.alerts.pacing import Caps
from scrm.alerts.ports import AlertRepo

log = logging.getLogger("scrm.alerts")
KIND = "admin_notice"
CLAIM_S = 60


class AdminNotices:
    def __init__(self, repo: AlertRepo, delivery: Delivery, caps: Caps, clock: Callable[[], float] = time.time) -> None:
        self.repo = repo
        self.delivery = delivery
        self.caps = caps
        self.clock = clock

    def notify_admins(self, corp_id: str, key: str, at: int, title: str, lines: Sequence[str]) -> dict[str, str]:
        """Each admin's outcome: sent, failed, full / busy (not sent now), or the state an earlier call left."""
        settings = AlertSettings.of(self.repo.settings(corp_id))
        out: dict[str, str] = {}
        sk = alert_sk(at, key)
        for admin in settings.admins:
            now = self.clock()
            body = [("gray", china_time(now).strftime("%Y-%m-%d %H:%M")), *(("normal", line) for line in lines)]
            card = {"title": cut(title, TITLE_MAX), "description": card_description(body),
                    "url": link(settings.link_url, notice=key), "btntxt": "详情"}  # fmt: skip
            fields = {"kind": KIND, "external_userid": "", "userid": admin, "now": now, "card": card,
                      "summary": {"kind": KIND, "key": key, "title": title}}  # fmt: skip
            _, record = self.repo.create(corp_id, admin, sk, fields)
            state = str(record.get("state"))
            if state == "new":
                state = self.repo.take_slot(corp_id, admin, sk, now, self.caps, china_day(now), None)  # type: ignore[arg-type]
            if state != "sending":
                out[admin] = state
                continue
            if not self.repo.claim(corp_id, admin, sk, self.clock(), CLAIM_S):
                out[admin] = "busy"
                continue
            outcome = self.delivery.send_marked(self.repo, corp_id, admin, sk, record["card"], self.clock)
            out[admin] = "sent" if outcome.sent else "failed"
        if not settings.admins:
            log.warning("admin notice with no alert admins set", extra={"key": key})
        return out
