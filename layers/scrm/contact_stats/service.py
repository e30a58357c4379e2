"""Customer and group statistics: counted from events as they are applied, served as reports.

An event observer (bootstrap.event_observers): after the store applied an event, a relation event becomes
a fact of that relation and moves the counter rows by what the relation's contributions change
(contact_stats.relation_facts), a group member change is counted once on its owner's row. Both are idempotent: a
retried or duplicated event finds its fact stored and counts nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from scrm.acquisition.channel_stats import to_csv
from scrm.contact_stats.model import (
    CUSTOMER_COUNTERS,
    CUSTOMER_WECOM,
    GROUP_COUNTERS,
    GROUP_WECOM,
    StatsQuery,
    is_customer_id,
    parse_query,
    report,
)
from scrm.contact_stats.relation_facts import (
    ADD,
    END,
    LOSS,
    Contributions,
    Fact,
    contributions,
    day_of,
    delta,
)
from scrm.contact_stats.rollup import member_rows, names_to_read, readings_only, spans
from scrm.customers.follow import DELETE_BY_TRANSFER
from scrm.kernel.china_time import CHINA
from scrm.kernel.events import ExternalChatEvent, ExternalContactEvent, WeComEvent

log = logging.getLogger("scrm.stats")

CUSTOMERS, GROUPS = "cust", "group"  # the repo's row kinds


class ContactStatsRepo(Protocol):
    def relation(self, corp_id: str, external_userid: str, userid: str) -> tuple[list[Fact], Contributions, int]: ...

    def record_fact(
        self, corp_id: str, external_userid: str, userid: str, fact: Fact, version: int,
        applied: Contributions, moves: Contributions,
    ) -> bool: ...  # fmt: skip

    def record_group_change(
        self, corp_id: str, chat_id: str, create_time: int, event_id: str, owner: str, day: str,
        counters: Mapping[str, int],
    ) -> bool: ...  # fmt: skip

    def rows(self, corp_id: str, kind: str, first: str, last: str, userids: Sequence[str] = ()) -> list[dict[str, Any]]: ...

    def set_wecom(self, corp_id: str, kind: str, day: str, userid: str, figures: Mapping[str, int], at: int) -> None: ...


class StatsRollups(Protocol):
    """The roll-ups counted with the member-day rows (contact_stats.rollup)."""

    def by_day(self, corp_id: str, kind: str, first: str, last: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]], list[dict[str, Any]]]: ...

    def by_member(
        self, corp_id: str, kind: str, first: str, last: str, wanted: Mapping[str, Sequence[str]],
    ) -> tuple[dict[tuple[str, str], dict[str, int]], list[tuple[str, str]], list[dict[str, Any]]]: ...  # fmt: skip


class StatsBusy(RuntimeError):
    """The relation kept changing under us: the event fails and SQS hands it back later."""


def fact_of(e: ExternalContactEvent) -> Fact | None:
    """The fact a relation event is for the statistics; None for edits and transfer failures."""
    if e.change_type in ("add_external_contact", "add_half_external_contact"):
        return Fact(e.create_time, ADD, half=e.change_type == "add_half_external_contact")
    if e.change_type == "del_follow_user":
        return Fact(e.create_time, LOSS, by="customer")
    if e.change_type == "del_external_contact":
        # DELETE_BY_TRANSFER: the customer moved to another employee (在职继承), not a loss; it still ends
        # the relation, so a later re-add by this employee is a new customer again.
        return Fact(e.create_time, END) if e.source == DELETE_BY_TRANSFER else Fact(e.create_time, LOSS, by="employee")
    return None


@dataclass(eq=False)
class ContactStats:
    repo: ContactStatsRepo
    group_owner: Callable[[str, str], str | None]
    clock: Callable[[], float] = time.time
    max_tries: int = 8
    rollups: StatsRollups | None = None

    # counting (EventObserver) --------------------------------------------------------------------
    def observe(self, event: WeComEvent, event_id: str) -> list[str]:
        if isinstance(event, ExternalContactEvent):
            fact = fact_of(event)
            if fact is None or not event.external_user_id or not event.user_id:
                return []
            return self.count_fact(event.corp_id, event.external_user_id, event.user_id, fact)
        if isinstance(event, ExternalChatEvent) and event.update_detail in ("add_member", "del_member"):
            return self._count_members(event, event_id)
        return []

    def count_fact(self, corp_id: str, external_userid: str, userid: str, fact: Fact) -> list[str]:
        """Store the fact and move the rows by what it changes; a fact already stored changes nothing."""
        for _ in range(self.max_tries):
            facts, applied, version = self.repo.relation(corp_id, external_userid, userid)
            if any(f.key == fact.key for f in facts):
                return ["stats:duplicate"]
            after = contributions([*facts, fact])
            moves = delta(applied, after)
            if self.repo.record_fact(corp_id, external_userid, userid, fact, version, after, moves):
                moved = ",".join(f"{c}{n:+d}" for counters in moves.values() for c, n in counters.items())
                return [f"stats:{fact.kind}" + (f":{moved}" if moved else "")]
        raise StatsBusy(f"relation {external_userid}/{userid} kept changing; the event will be retried")

    def _count_members(self, e: ExternalChatEvent, event_id: str) -> list[str]:
        owner = self.group_owner(e.corp_id, e.chat_id)
        if not owner:
            log.warning("group member change without a known owner: not counted", extra={"chat_id": e.chat_id})
            return ["stats:group_owner_unknown"]
        members = e.mem_change_list
        n = len(members) or e.mem_change_cnt
        customers = sum(1 for m in members if is_customer_id(m))
        moved, of_customers = ("joins", "customer_joins") if e.update_detail == "add_member" else ("quits", "customer_quits")
        counters = {c: v for c, v in ((moved, n), (of_customers, customers)) if v}
        if not counters:
            return []
        day = day_of(e.create_time)
        counted = self.repo.record_group_change(e.corp_id, e.chat_id, e.create_time, event_id, owner, day, counters)
        return [f"stats:{moved}:{n}" if counted else "stats:duplicate"]

    # reports (admin API, CLI) --------------------------------------------------------------------
    def _today(self) -> date:
        return datetime.fromtimestamp(self.clock(), UTC).astimezone(CHINA).date()

    def customers(self, corp_id: str, params: Mapping[str, str | None]) -> dict[str, Any] | str:
        """JSON report (totals, items by day / employee / corp, drift against WeCom) or its items as CSV."""
        return self._report(corp_id, params, groups=False)

    def groups(self, corp_id: str, params: Mapping[str, str | None]) -> dict[str, Any] | str:
        """Group joins and quits by day / owner / corp, as JSON or CSV."""
        return self._report(corp_id, params, groups=True)

    def _report(self, corp_id: str, params: Mapping[str, str | None], groups: bool) -> dict[str, Any] | str:
        today = self._today()
        q = parse_query(params, today, groups=groups)
        if q.userids or self.rollups is None:  # a few members: their month items, read by key
            rows = self.repo.rows(corp_id, GROUPS if groups else CUSTOMERS, q.first, q.last, q.userids)
            result = report(rows, q, today, groups=groups)
        else:
            result = self._from_rollups(self.rollups, corp_id, q, today, groups)
        if q.fmt == "csv":
            return to_csv(result["items"])
        return result

    def _from_rollups(self, rollups: StatsRollups, corp_id: str, q: StatsQuery, today: date, groups: bool) -> dict[str, Any]:
        """The report over every member from the roll-ups, plus the member-day rows WeCom read (its figures and
        the drift are per member and day): the same answer as from every member-day row. By employee, the
        members' running sums (sealed months, seal.py, or read live) with the corp's days' readings."""
        kind = GROUPS if groups else CUSTOMERS
        counters, wecom = (GROUP_COUNTERS, GROUP_WECOM) if groups else (CUSTOMER_COUNTERS, CUSTOMER_WECOM)
        if q.by in ("day", "corp"):
            rows, readings, sealed = rollups.by_day(corp_id, kind, q.first, q.last)
        else:  # by employee: WeCom's readings only, not the corp's sums
            parts = spans(q.first, q.last, today, counters)
            running, readings, sealed = rollups.by_member(corp_id, kind, q.first, q.last, names_to_read(parts))
            rows = member_rows(running, parts, q.first, counters)
        read = set(readings)  # the member-day rows of the days and members WeCom read that no seal holds
        wecom_rows = sealed + ([r for r in self.repo.rows(corp_id, kind, min(read)[0], max(read)[0], sorted({u for _, u in read}))
                                if (r["day"], r["userid"]) in read] if read else [])  # fmt: skip
        return report([*rows, *readings_only(wecom_rows, wecom)], q, today, groups=groups, drift_rows=wecom_rows)
