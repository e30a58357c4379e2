"""The nightly reconcile of the statistics: WeCom's own figures stored next to ours, drift reported.

For each employee, ``get_user_behavior_data`` over the days (one call: its figures are summed over the
members asked for, so one member per call); for each day, ``groupchat/statistic`` for the employees as
owners, 100 per call. WeCom's figures land on the same rows as ours (``wecom_*``), where the reports show
them and list each difference as drift; differences are also logged as ``alert: stats_drift``. Our
counters are never overwritten: WeCom counts differently at the edges (a re-add, an API-made change), and
the drift is what an operator should look at. The calls spend the corp's shared bulk budget; when it is
spent the run stops early and says so (the next night covers the day before again). A call WeCom refuses
(after the client's retries) is skipped with WeCom's code, whatever it is — a member it will not answer
for, a range it calls invalid (600018: its pages do not say which spans it refuses) — and the run goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from scrm.contact_stats.model import CUSTOMER_DRIFT, GROUP_DRIFT, drift
from scrm.contact_stats.relation_facts import day_of
from scrm.contact_stats.service import CUSTOMERS, GROUPS, ContactStatsRepo
from scrm.customers.employee import Employee
from scrm.kernel.china_time import CHINA
from scrm.kernel.throttle import Throttled
from scrm.kernel.wecom_error import WeComError

log = logging.getLogger("scrm.stats")

OWNERS_PER_CALL = 100
BEHAVIOR = {"new_contact_cnt": "wecom_new_contact", "negative_feedback_cnt": "wecom_negative_feedback",
            "new_apply_cnt": "wecom_new_apply"}  # fmt: skip


class StatsWeCom(Protocol):
    def list_employees(self) -> list[Employee]: ...

    def user_behavior(self, userid: str, start_time: int, end_time: int) -> list[dict[str, Any]]: ...

    def group_statistic(self, day_time: int, owners: Sequence[str]) -> dict[str, dict[str, Any]]: ...


def day_start(day: str) -> int:
    """00:00 of a China day, as WeCom's statistics APIs want it."""
    return int(datetime.fromisoformat(day).replace(tzinfo=CHINA).timestamp())


class StatsReconcile:
    def __init__(
        self, repo: ContactStatsRepo, wecom: Callable[[str], StatsWeCom], clock: Callable[[], float] = time.time
    ) -> None:
        self.repo = repo
        self.wecom = wecom
        self.clock = clock

    def run(self, corp_id: str, days: Sequence[str]) -> dict[str, Any]:
        """Store WeCom's figures for these China days (ascending) and return the drift found."""
        first, last = days[0], days[-1]
        gw = self.wecom(corp_id)
        at = int(self.clock())
        result: dict[str, Any] = {"days": list(days), "employees": 0, "complete": True}
        try:
            userids = sorted(e.userid for e in gw.list_employees())
            result["employees"] = len(userids)
            ours = {(r["day"], r["userid"]) for r in self.repo.rows(corp_id, CUSTOMERS, first, last)}
            for uid in userids:
                try:
                    entries = gw.user_behavior(uid, day_start(first), day_start(last))
                except WeComError as exc:  # one member WeCom will not answer for (left, out of scope)
                    result.setdefault("skipped", []).append({"userid": uid, "errcode": exc.errcode})
                    continue
                for entry in entries:
                    day = day_of(int(entry.get("stat_time") or 0))
                    figures = {ours_name: int(entry.get(name) or 0) for name, ours_name in BEHAVIOR.items()}
                    if day in days and (any(figures.values()) or (day, uid) in ours):
                        self.repo.set_wecom(corp_id, CUSTOMERS, day, uid, figures, at)
            ours = {(r["day"], r["userid"]) for r in self.repo.rows(corp_id, GROUPS, first, last)}
            for day in days:
                for i in range(0, len(userids), OWNERS_PER_CALL):
                    try:
                        found = gw.group_statistic(day_start(day), userids[i:i + OWNERS_PER_CALL])
                    except WeComError as exc:  # whatever the code (600018 a range WeCom will not serve, …)
                        result["complete"] = False
                        result.setdefault("skipped_groups", []).append(
                            {"day": day, "owners": len(userids[i:i + OWNERS_PER_CALL]), "errcode": exc.errcode}
                        )
                        continue
                    for owner in userids[i:i + OWNERS_PER_CALL]:
                        new_member = int((found.get(owner) or {}).get("new_member_cnt") or 0)
                        if new_member or (day, owner) in ours:
                            self.repo.set_wecom(corp_id, GROUPS, day, owner, {"wecom_new_member": new_member}, at)
        except Throttled as exc:
            result["complete"] = False
            log.warning("stats reconcile stopped: WeCom call budget spent", extra={"api": exc.api})
        customers = drift(self.repo.rows(corp_id, CUSTOMERS, first, last), CUSTOMER_DRIFT)
        groups = drift(self.repo.rows(corp_id, GROUPS, first, last), GROUP_DRIFT)
        result["drift"] = {"customers": customers, "groups": groups}
        if customers or groups:
            log.warning(
                "statistics differ from WeCom's",
                extra={"alert": "stats_drift", "customers": len(customers), "groups": len(groups),
                       "sample": (customers + groups)[:10]},  # fmt: skip
            )
        return result
