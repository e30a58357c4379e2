"""Keeps each channel code's WeCom staff list equal to what its schedule and caps say for right now.

Called by the per-minute job (slot boundaries, the daily reset at China midnight) and by the event consumer
right after an add is counted (a member who just reached the cap drops out at once, not a minute later).
The decision is the domain's (``ChannelCodeSpec.staff_at``); this only compares and writes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from scrm.acquisition.ports import ChannelStatsRepo
from scrm.kernel.china_time import local_day
from scrm.live_codes.channel_code import code_from_dict
from scrm.live_codes.keys import CHANNEL, retry_on_conflict, sort_key
from scrm.live_codes.ports import LiveCodeRepo, LiveCodeWeCom

log = logging.getLogger("scrm.codes")


class CodeStaffing:
    def __init__(
        self,
        codes: LiveCodeRepo,
        stats: ChannelStatsRepo,
        wecom: Callable[[str], LiveCodeWeCom],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.codes = codes
        self.stats = stats
        self.wecom = wecom
        self.clock = clock

    def refresh(self, corp_id: str, state: str) -> bool:
        """True if WeCom's staff list was changed. A concurrent edit makes us re-read and decide again."""
        return retry_on_conflict(lambda: self._refresh_once(corp_id, state), False)

    def _refresh_once(self, corp_id: str, state: str) -> bool:
        found = self.codes.get(corp_id, sort_key(CHANNEL, state))
        if found is None:
            return False
        data, version = found
        code = code_from_dict(data)
        if code.status != "active" or not code.config_id:
            return False
        now = datetime.fromtimestamp(self.clock(), UTC)
        adds = self.stats.adds_on(corp_id, state, local_day(now)) if code.spec.daily_cap else {}
        wanted = code.spec.staff_at(now, adds)
        if list(code.current_staff) == wanted:
            return False
        self.wecom(corp_id).update_contact_way(code.config_id, {"user": wanted})
        self.codes.replace(
            corp_id,
            sort_key(CHANNEL, state),
            {**data, "current_staff": wanted, "updated_at_ms": int(self.clock() * 1000)},
            version,
        )
        log.info("code staff switched", extra={"state": state, "staff": len(wanted)})
        return True

    def refresh_corp(self, corp_id: str) -> dict[str, Any]:
        """Every active code of the corp that has a schedule or a cap (the others never change by time)."""
        changed, checked, failed = 0, 0, 0
        for data in self.codes.list(corp_id, CHANNEL):
            if data.get("status") != "active" or not (data.get("schedule") or data.get("daily_cap")):
                continue
            checked += 1
            try:
                changed += self.refresh(corp_id, data["state"])
            except Exception:  # one code's WeCom failure must not stop the others; next minute retries it
                failed += 1
                log.exception("code staff switch failed", extra={"state": data.get("state")})
        return {"checked": checked, "changed": changed, "failed": failed}
