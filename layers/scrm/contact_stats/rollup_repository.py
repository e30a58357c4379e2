"""The statistics' roll-ups on DynamoDB (table scrm-contact-stats): read for the reports and the dashboard,
rebuilt from the member-day counters by the migration's backfill.

- The corp's day roll-up: pk ``<corp>#cust#days`` (``#group#days``), sk ``<yyyy-mm-dd>#<shard>``, each
  counter a number under its own name (``adds``), and ``wecom_uids``, the members WeCom's figures were
  stored for that day. A member counts on one of the day's ``DAY_SHARDS`` items (by its userid), so the
  transactions of different members seldom meet on an item; a range of days is one Query.
- The member's month roll-up lives on the member-month counter item itself: ``<counter>_mo`` (the month's
  total) and ``days_mo`` (the days of the month it holds a figure for), moved by the same update as the
  day's counter, so it costs no write of its own.

Both move in the transaction that stores the fact justifying the counter (repository._count_moves), so a
redelivered event moves neither, and a crash leaves neither moved. ``rebuild`` computes both from the
member-day counters of some months and SETs them: run it again and the result is the same. It reads and
then writes: a count that lands on one of those months between the two is not in what it writes, so run it
when nothing counts for those months, or run it again after (the answer is then exact).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from scrm.contact_stats.repository import (
    COUNTERS,
    HELD,
    READINGS,
    ROW_FIELDS,
    S,
    _attr,
    _batch_write,
    _held,
    days_pk,
    month_pk,
    month_total,
    packed_name,
    shard,
    unpack,
)
from scrm.contact_stats.rollup import MonthView, month_days


def _query(pk: str, condition: Any = None, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Every raw item of a partition (within a range of sort keys), only ``names`` when given."""
    conn, out, start = S._get_connection(), [], None
    while True:
        page = conn.query(pk, range_key_condition=condition, attributes_to_get=names, exclusive_start_key=start)
        out += page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return out


def _n(item: Mapping[str, Any], name: str) -> int:
    return int(item[name]["N"]) if name in item else 0


class DynamoStatsRollups:
    def day_totals(self, corp_id: str, kind: str, first: str, last: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        """The corp's day rows of the range (days with a count only) and the (day, member) pairs WeCom read."""
        rows: dict[str, dict[str, Any]] = {}
        readings: list[tuple[str, str]] = []
        for item in _query(days_pk(corp_id, kind), S.sk.between(f"{first}#", f"{last}#~")):
            day = item["sk"]["S"].split("#")[0]
            row = rows.setdefault(day, {"day": day, **dict.fromkeys(COUNTERS[kind], 0)})
            for c in COUNTERS[kind]:
                row[c] += _n(item, c)
            readings += [(day, u) for u in item.get(READINGS, {}).get("SS", [])]
        return [rows[d] for d in sorted(rows)], sorted(readings)

    def month_views(self, corp_id: str, kind: str, wanted: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], MonthView]:
        """Every member's month totals and held days of these months, and its counters of the days named."""

        def one(month: str) -> list[tuple[tuple[str, str], MonthView]]:
            days = wanted[month]
            names = ["sk", HELD, *(month_total(c) for c in COUNTERS[kind]),
                     *(packed_name(c, d) for d in days for c in COUNTERS[kind])]  # fmt: skip
            out = []
            for item in _query(month_pk(corp_id, kind, month), names=names):
                totals = {c: _n(item, month_total(c)) for c in COUNTERS[kind]}
                by_day = {d: {c: _n(item, packed_name(c, d)) for c in COUNTERS[kind]} for d in days}
                held = frozenset(f"{month}-{int(n):02d}" for n in item.get(HELD, {}).get("NS", []))
                out.append(((month, item["sk"]["S"]), MonthView(totals, by_day, held)))
            return out

        with ThreadPoolExecutor(max_workers=max(1, min(len(wanted), 8))) as pool:
            return dict(kv for part in pool.map(one, list(wanted)) for kv in part)

    # the backfill ---------------------------------------------------------------------------------
    def rebuild(self, corp_id: str, kind: str, months: Sequence[str]) -> dict[str, int]:
        """Compute the roll-ups of these months from the member-day counters and SET them (idempotent)."""
        done = {"months": 0, "members": 0, "days": 0}
        for month in months:
            days = month_days(month)
            corp_days: dict[str, dict[str, Any]] = {}
            items = _query(month_pk(corp_id, kind, month))
            with ThreadPoolExecutor(max_workers=4) as pool:
                for rows in pool.map(partial(_rebuild_member, kind=kind, days=days), items):
                    for r in rows:
                        _add_to_day(corp_days, kind, r)
            stale = _query(days_pk(corp_id, kind), S.sk.between(f"{days[0]}#", f"{days[-1]}#~"), names=["pk", "sk"])
            puts = {(i["pk"]["S"], i["sk"]["S"]): {"pk": i["pk"], "sk": i["sk"]} for i in stale}  # emptied
            for sk, values in corp_days.items():
                puts[(days_pk(corp_id, kind), sk)] = {"pk": {"S": days_pk(corp_id, kind)}, "sk": {"S": sk}, **values}
            writes = list(puts.values())
            for i in range(0, len(writes), 25):
                _batch_write(writes[i:i + 25])
            done = {"months": done["months"] + 1, "members": done["members"] + len(items),
                    "days": done["days"] + len({sk.split("#")[0] for sk in corp_days})}  # fmt: skip
        return done


def _rebuild_member(item: Mapping[str, Any], kind: str, days: list[str]) -> list[dict[str, Any]]:
    """SET one member-month item's totals and held days from its day counters; its day rows."""
    rows = unpack(item, kind, days)
    totals = {c: sum(int(r.get(c) or 0) for r in rows) for c in COUNTERS[kind]}
    held = {int(r["day"][8:10]) for r in rows}
    actions = [_attr(month_total(c)).set(n) for c, n in totals.items()]
    actions.append(_held().set(held) if held else _held().remove())
    S(item["pk"]["S"], item["sk"]["S"]).update(actions=actions)
    return rows


def _add_to_day(corp_days: dict[str, dict[str, Any]], kind: str, row: Mapping[str, Any]) -> None:
    """Add a member-day row to its shard of the corp's day (raw attribute values)."""
    sk = f"{row['day']}#{shard(str(row['userid']))}"
    item = corp_days.setdefault(sk, {})
    for c in COUNTERS[kind]:
        if row.get(c):
            item[c] = {"N": str(int(item.get(c, {"N": "0"})["N"]) + int(row[c]))}
    if any(row.get(f) is not None for f in ROW_FIELDS[kind] if f.startswith("wecom_")):
        item.setdefault(READINGS, {"SS": []})["SS"].append(str(row["userid"]))
