"""The daily digest: once a day per recipient, after the corp's digest time (China), one card listing
the alerts that waited (the day's single-alert allowance was spent, or no pacing slot was free).

Runs every 5 minutes, and does nothing in the minutes :00 and :30 (WeCom asks senders to avoid them).
Per recipient and day a marker makes it happen once: it is written together with the pacing slot (state
sending, with the alerts it covers and the exact card), the card is sent (WeCom's duplicate check
absorbs a repeat after a crash), its alerts are marked digested and the marker sent. A digest that finds
no slot waits for the next run. Alerts deferred after the day's digest wait for the next day's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from scrm.alerts.alert_settings import AlertSettings
from scrm.alerts.cards import AlertFacts, digest_card
from scrm.alerts.delivery import Delivery, china_time
from scrm.alerts.pacing import Caps
from scrm.alerts.ports import AlertRepo

log = logging.getLogger("scrm.alerts")
LOOKBACK_DAYS = 34  # alert records live 35 days
MAX_PER_DIGEST = 1000  # alerts one digest covers (the rest: the next day's)
QUIET_MINUTES = (0, 30)


@dataclass(eq=False)
class AlertDigest:
    repo: AlertRepo
    corp_ids: Callable[[], Iterable[str]]
    delivery: Delivery
    caps: Caps
    clock: Callable[[], float] = time.time

    def run(self) -> dict[str, Any]:
        return {corp: self.run_corp(corp) for corp in self.corp_ids()}

    def run_corp(self, corp: str) -> dict[str, Any]:
        now = self.clock()
        local = china_time(now)
        settings = AlertSettings.of(self.repo.settings(corp))
        if local.minute in QUIET_MINUTES:
            return {"due": False, "why": "quiet minute"}
        if not settings.digest_due(local):
            return {"due": False, "why": f"before {settings.digest_time}"}
        day = local.strftime("%Y-%m-%d")
        first = (local - timedelta(days=LOOKBACK_DAYS)).strftime("%Y-%m-%d")
        done = {r: self._recipient(corp, r, seen, day, first, now, settings) for r, seen in self.repo.pending(corp)}
        return {"due": True, "day": day, "recipients": done}

    def _recipient(
        self, corp: str, recipient: str, seen: int, day: str, first: str, now: float, s: AlertSettings
    ) -> str:
        marker = self.repo.digest_marker(corp, recipient, day)
        if marker is None:
            records = self.repo.deferred(corp, recipient, first, day, MAX_PER_DIGEST)
            if not records:
                self.repo.clear_pending(corp, recipient, seen)
                return "nothing"
            facts = [AlertFacts.of(r["summary"]) for r in records]
            card = digest_card(day, facts, f"{recipient}:{day}", s.link_url)
            sks = [r["sk"] for r in records]
            if not self.repo.start_digest(corp, recipient, day, now, self.caps, sks, card):
                marker = self.repo.digest_marker(corp, recipient, day)
                if marker is None:
                    return "waiting"  # no pacing slot now: the next run tries again
            else:
                marker = {"state": "sending", "alert_sks": sks, "card": card}
        if marker.get("state") != "sending":
            return f"{marker.get('state')}:today"
        sks = list(marker.get("alert_sks") or [])
        outcome = self.delivery.send(corp, recipient, marker["card"])
        state = "digested" if outcome.sent else "failed"
        for sk in sks:
            self.repo.mark(corp, recipient, sk, state, "deferred", now, reason=outcome.reason)
        self.repo.mark(corp, recipient, f"digest#{day}", "sent" if outcome.sent else "failed", "sending", now,
                       msgid=outcome.msgid, reason=outcome.reason)  # fmt: skip
        self.repo.clear_pending(corp, recipient, seen)  # kept if an alert was deferred meanwhile
        if not outcome.sent:
            log.warning("digest not sent", extra={"recipient": recipient, "reason": outcome.reason})
            return "failed"
        return f"sent:{len(sks)}"
