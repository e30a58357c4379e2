"""An in-memory ContactStatsRepo with the adapter's all-or-nothing semantics (fact absent, guard version)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scrm.contact_stats.relation_facts import Contributions, Fact


class FakeContactStats:
    def __init__(self) -> None:
        self.facts: dict[tuple[str, str, str], dict[str, Fact]] = {}
        self.guards: dict[tuple[str, str, str], tuple[int, Contributions]] = {}
        self.group_facts: set[tuple[str, str, str]] = set()
        self.counters: dict[tuple[str, str, str, str], dict[str, int]] = {}  # (corp, kind, day, userid)
        self.interleave: list[Any] = []  # callables run between a read and the next write (races)

    def relation(self, corp_id: str, external_userid: str, userid: str) -> tuple[list[Fact], Contributions, int]:
        key = (corp_id, external_userid, userid)
        version, applied = self.guards.get(key, (0, {}))
        facts = list(self.facts.get(key, {}).values())
        if self.interleave:
            self.interleave.pop(0)()
        return facts, applied, version

    def record_fact(
        self, corp_id: str, external_userid: str, userid: str, fact: Fact, version: int,
        applied: Contributions, moves: Contributions,
    ) -> bool:  # fmt: skip
        key = (corp_id, external_userid, userid)
        if fact.key in self.facts.get(key, {}) or self.guards.get(key, (0, {}))[0] != version:
            return False
        self.facts.setdefault(key, {})[fact.key] = fact
        self.guards[key] = (version + 1, applied)
        for day, counters in moves.items():
            row = self.counters.setdefault((corp_id, "cust", day, userid), {})
            for c, n in counters.items():
                row[c] = row.get(c, 0) + n
        return True

    def record_group_change(
        self, corp_id: str, chat_id: str, create_time: int, event_id: str, owner: str, day: str,
        counters: Mapping[str, int],
    ) -> bool:  # fmt: skip
        key = (corp_id, chat_id, f"{create_time:010d}#{event_id}")
        if key in self.group_facts:
            return False
        self.group_facts.add(key)
        row = self.counters.setdefault((corp_id, "group", day, owner), {})
        for c, n in counters.items():
            row[c] = row.get(c, 0) + n
        return True

    def rows(self, corp_id: str, kind: str, first: str, last: str, userids: Sequence[str] = ()) -> list[dict[str, Any]]:
        return [
            {"day": d, "userid": u, **row}
            for (c, k, d, u), row in sorted(self.counters.items())
            if c == corp_id and k == kind and first <= d <= last and (not userids or u in userids)
        ]

    def set_wecom(self, corp_id: str, kind: str, day: str, userid: str, figures: Mapping[str, int], at: int) -> None:
        self.counters.setdefault((corp_id, kind, day, userid), {}).update(figures)

    def row(self, corp_id: str, day: str, userid: str, kind: str = "cust") -> dict[str, int]:
        return {c: n for c, n in self.counters.get((corp_id, kind, day, userid), {}).items() if n}


class FakeStatsRollups:
    """The roll-ups as sums over a FakeContactStats' member-day counters (what the adapter keeps counted)."""

    def __init__(self, counts: FakeContactStats) -> None:
        self.counts = counts

    def day_totals(self, corp_id: str, kind: str, first: str, last: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        from scrm.contact_stats.repository import COUNTERS

        days: dict[str, dict[str, Any]] = {}
        readings = []
        for (c, k, d, u), row in sorted(self.counts.counters.items()):
            if c == corp_id and k == kind and first <= d <= last:
                out = days.setdefault(d, {"day": d, **dict.fromkeys(COUNTERS[kind], 0)})
                for name in COUNTERS[kind]:
                    out[name] += int(row.get(name) or 0)
                if any(n.startswith("wecom_") for n in row):
                    readings.append((d, u))
        return [days[d] for d in sorted(days)], sorted(readings)

    def by_day(self, corp_id: str, kind: str, first: str, last: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]], list[dict[str, Any]]]:
        return (*self.day_totals(corp_id, kind, first, last), [])

    def readings(self, corp_id: str, kind: str, first: str, last: str) -> list[tuple[str, str]]:
        return self.day_totals(corp_id, kind, first, last)[1]

    def by_member(
        self, corp_id: str, kind: str, first: str, last: str, wanted: Mapping[str, Sequence[str]],
    ) -> tuple[dict[tuple[str, str], dict[str, int]], list[tuple[str, str]], list[dict[str, Any]]]:  # fmt: skip
        return self.running(corp_id, kind, wanted), self.readings(corp_id, kind, first, last), []

    def running(self, corp_id: str, kind: str, wanted: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], dict[str, int]]:
        """The members' running sums of these months (rollup.running_sums of their day rows), the names asked."""
        from scrm.contact_stats.repository import COUNTERS
        from scrm.contact_stats.rollup import running_sums

        months: dict[tuple[str, str], dict[str, dict[str, int | None]]] = {}
        for (c, k, d, u), row in self.counts.counters.items():
            if c == corp_id and k == kind and d[:7] in wanted:
                months.setdefault((d[:7], u), {})[d] = {n: row.get(n) for n in COUNTERS[kind]}
        out = {}
        for key, days in months.items():
            sums = running_sums(days, COUNTERS[kind])
            if sums:
                out[key] = {n: sums[n] for n in wanted[key[0]] if n in sums}
        return out
