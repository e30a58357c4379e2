"""Keeps each channel code's WeCom staff list equal to what its schedule and caps say for right now.

Called by the per-minute job (slot boundaries, the daily reset at China midnight) and by the event consumer
right after an add is counted (a member who just reached the cap drops out at once, not a minute later).
The decision is the aggregate's (``ChannelCode.restaff``); this calls WeCom with its outcome and saves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrm.kernel.china_time import local_day
from scrm.live_codes.channel_code import ACTIVE
from scrm.live_codes.keys import WriteLost, retry_on_conflict
from scrm.live_codes.ports import LiveCodeRepo, LiveCodeWeCom
from scrm.services.ports import ChannelStatsRepo

log = logging.getLogger("scrm.codes")


@dataclass(eq=False)
class CodeStaffing:
    codes: LiveCodeRepo
    stats: ChannelStatsRepo
    wecom: Callable[[str], LiveCodeWeCom]
    clock: Callable[[], float] = time.time

    def refresh(self, corp_id: str, state: str) -> bool:
        """True if WeCom's staff list was changed. A concurrent edit makes us re-read and decide again."""
        return retry_on_conflict(lambda: self._refresh_once(corp_id, state), False)

    def _refresh_once(self, corp_id: str, state: str) -> bool:
        code = self.codes.channel(corp_id, state)
        if code is None or not code.live:
            return False
        now = datetime.fromtimestamp(self.clock(), UTC)
        adds = self.stats.adds_on(corp_id, state, local_day(now)) if code.spec.daily_cap else {}
        change = code.restaff(now, adds, int(self.clock() * 1000))
        if change.update is None:
            return False
        self.wecom(corp_id).update_contact_way(change.update.config_id, change.update.fields)
        if not self.codes.save_channel(corp_id, code):
            raise WriteLost(state)
        log.info("code staff switched", extra={"state": state, "staff": len(code.current_staff)})
        return True

    def refresh_corp(self, corp_id: str) -> dict[str, Any]:
        """Every active code of the corp that has a schedule or a cap (the others never change by time)."""
        changed, checked, failed = 0, 0, 0
        for code in self.codes.channels(corp_id):
            if code.status != ACTIVE or not (code.spec.schedule or code.spec.daily_cap):
                continue
            checked += 1
            try:
                changed += self.refresh(corp_id, code.state)
            except Exception:  # one code's WeCom failure must not stop the others; next minute retries it
                failed += 1
                log.exception("code staff switch failed", extra={"state": code.state})
        return {"checked": checked, "changed": changed, "failed": failed}
