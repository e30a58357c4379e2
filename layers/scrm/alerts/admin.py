"""The churn-alert settings and the alert log, for the admin API and the CLI."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from scrm.alerts.alert_settings import AlertSettings, parse_update
from scrm.alerts.delivery import china_day
from scrm.alerts.ports import AlertRepo
from scrm.customers.ports import Directory
from scrm.kernel import page_cursor
from scrm.kernel.errors import InvalidInput
from scrm.kernel.input_limits import whole_number

DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
LIST_MAX = 500


class AlertAdmin:
    def __init__(self, repo: AlertRepo, directory: Directory, clock: Callable[[], float] = time.time) -> None:
        self.repo = repo
        self.directory = directory
        self.clock = clock

    def settings(self, corp_id: str) -> dict[str, Any]:
        return AlertSettings.of(self.repo.settings(corp_id)).to_dict()

    def set_settings(self, corp_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Only the given fields change; admins must be synced, active employees (they receive the cards)."""
        current = AlertSettings.of(self.repo.settings(corp_id))
        new = parse_update(body, current)
        if "admins" in body and new.admins:
            known = self.directory.known_employees(corp_id, new.admins)
            missing = [a for a in new.admins if a not in known]
            if missing:
                raise InvalidInput("admins", f"admins: unknown member {missing[0]!r} (not among the corp's synced employees)")
        self.repo.save_settings(corp_id, new.to_dict())
        return new.to_dict()

    def alerts(self, corp_id: str, params: Mapping[str, str]) -> dict[str, Any]:
        """A page of a China day's alerts (default today), oldest first; ``recipient`` narrows to one member.
        ``next_cursor`` ("" after the last page) is sealed with the corp, the day and the recipient filter."""
        day = params.get("day") or china_day(self.clock())
        if not DAY_RE.fullmatch(day):
            raise InvalidInput("day", "day: must be YYYY-MM-DD (a China day)")
        limit = whole_number(params.get("limit"), "limit", 1, LIST_MAX, 100)
        recipient = (params.get("recipient") or "").strip()
        scope = f"alerts/{day}/{recipient}"
        after = page_cursor.decode(params.get("cursor") or "", corp_id, scope)
        if after and (after.count("#") < 2 or (recipient and after.split("#", 2)[2] != recipient)):
            raise InvalidInput("cursor", "cursor: is not a cursor this list returned; start without one")
        rows = self.repo.on_day(corp_id, day, recipient, limit + 1, after)
        more, rows = len(rows) > limit, rows[:limit]
        keep = ("recipient", "state", "kind", "external_userid", "userid", "create_time", "event_id", "summary",
                "reason", "msgid", "updated_at")  # fmt: skip
        last = rows[-1] if more else None
        next_cursor = page_cursor.encode(corp_id, scope, f"{last['create_time']}#{last['event_id']}#{last['recipient']}") if last else ""
        return {"day": day, "alerts": [{k: r[k] for k in keep if k in r} for r in rows], "next_cursor": next_cursor}
