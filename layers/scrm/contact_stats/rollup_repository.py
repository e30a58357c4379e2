"""The statistics' roll-ups on DynamoDB (table scrm-contact-stats): read for the reports and the dashboard,
rebuilt from the member-day counters by the migration's backfill. Three kinds of small item, next to the
packed member-month counter items (repository.py):

- the corp's day: pk ``<corp>#cust#days`` (``#group#days``), sk ``<yyyy-mm-dd>#<shard>``, each counter a
  number under its own name (``adds``), and ``wecom_uids``, the members WeCom's figures were stored for
  that day. A member counts on one of the day's ``DAY_SHARDS`` items (by its userid), so the transactions
  of different members seldom meet on an item; a range of days is one Query (30 days: 240 small items).
- the members' month: pk ``<corp>#cust#mo#<yyyy-mm>``, sk ``<shard>``: for each member of the shard its
  month's counters, ``<counter>@<userid>``, and ``days@<userid>``, the days of the month it has a row for
  (a report lists a member only then). A month of 500 members is 8 items.
- the members' day: pk ``<corp>#cust#md#<yyyy-mm>``, sk ``<dd>#<shard>``, ``<counter>@<userid>`` for each
  member of the shard: the few edge days a report by employee needs, without reading 500 items a day.

All three move in the transaction that stores the fact justifying the counter (repository._count_moves),
so a redelivered event moves none, and a crash leaves none moved. A shard is shared by the members whose
userids hash to it: a transaction that meets another on one is cancelled and decided again (a member
change's event fails and comes back). Moto (the local stack) spends its time
per attribute of every item a Query touches, and DynamoDB bills by size: both favour these small items
over the packed ones (~140 numbers each). ``rebuild`` computes all three from the member-day counters of
some months and writes them whole: run it again and the result is the same. It reads and then writes: a
count that lands on one of those months between the two is not in what it writes, so run it when nothing
counts for those months, or run it again after (the answer is then exact).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from scrm.contact_stats.repository import (
    COUNTERS,
    HELD,
    READINGS,
    ROW_FIELDS,
    S,
    _batch_write,
    day_sk,
    days_pk,
    member_days_pk,
    member_months_pk,
    member_name,
    month_pk,
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
        """Every member's month roll-up of these months, and its counters of the days named: one Query per
        month (its shards) and one per month's run of consecutive days, in parallel."""
        runs = [(m, a, b) for m, days in wanted.items() for a, b in _runs(sorted(days))]
        with ThreadPoolExecutor(max_workers=8) as pool:
            months = pool.map(lambda m: (m, _query(member_months_pk(corp_id, kind, m))), list(wanted))
            runs_read = pool.map(lambda r: (r[0], _query(member_days_pk(corp_id, kind, r[0]), S.sk.between(
                f"{r[1][8:10]}#", f"{r[2][8:10]}#~"))), runs)  # fmt: skip
            by_day: dict[tuple[str, str], dict[str, int]] = {}
            for month, items in runs_read:
                for item in items:
                    day = f"{month}-{item['sk']['S'][:2]}"
                    for name, field, userid in _members(item):
                        by_day.setdefault((day, userid), {})[field] = int(item[name]["N"])
            out: dict[tuple[str, str], MonthView] = {}
            for month, items in months:
                found: dict[str, dict[str, Any]] = {}
                for item in items:
                    for name, field, userid in _members(item):
                        found.setdefault(userid, {})[field] = item[name]
                for userid, values in found.items():
                    totals = {c: int(values[c]["N"]) if c in values else 0 for c in COUNTERS[kind]}
                    held = frozenset(f"{month}-{int(n):02d}" for n in values.get(HELD, {}).get("NS", []))
                    out[(month, userid)] = MonthView(totals, {d: by_day.get((d, userid), {}) for d in wanted[month]}, held)
            return out

    # the backfill ---------------------------------------------------------------------------------
    def rebuild(self, corp_id: str, kind: str, months: Sequence[str]) -> dict[str, int]:
        """Compute the roll-ups of these months from the member-day counters and write them whole
        (idempotent: the same counters give the same items; a roll-up item nothing feeds any more is emptied)."""
        done = {"months": 0, "members": 0, "days": 0}
        for month in months:
            days = month_days(month)
            built: dict[tuple[str, str], dict[str, Any]] = {}
            items = _query(month_pk(corp_id, kind, month))
            for item in items:
                for r in unpack(item, kind, days):
                    _add_row(built, corp_id, kind, r)
            ranges = [(days_pk(corp_id, kind), f"{days[0]}#", f"{days[-1]}#~"),
                      (member_days_pk(corp_id, kind, month), None, None),
                      (member_months_pk(corp_id, kind, month), None, None)]  # fmt: skip
            puts = {(i["pk"]["S"], i["sk"]["S"]): {"pk": i["pk"], "sk": i["sk"]} for pk, first, last in ranges
                    for i in _query(pk, S.sk.between(first, last) if first else None, names=["pk", "sk"])}  # fmt: skip
            puts.update({key: {"pk": {"S": key[0]}, "sk": {"S": key[1]}, **values} for key, values in built.items()})
            writes = list(puts.values())
            for i in range(0, len(writes), 25):
                _batch_write(writes[i:i + 25])
            done = {"months": done["months"] + 1, "members": done["members"] + len(items),
                    "days": done["days"] + len({sk[:10] for pk, sk in built if pk == days_pk(corp_id, kind)})}  # fmt: skip
        return done


def _runs(days: Sequence[str]) -> list[tuple[str, str]]:
    """Consecutive days as (first, last) runs."""
    out: list[tuple[str, str]] = []
    for d in days:
        if out and date.fromisoformat(out[-1][1]) + timedelta(days=1) == date.fromisoformat(d):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def _plus(item: dict[str, Any], name: str, n: int) -> None:
    item[name] = {"N": str(int(item.get(name, {"N": "0"})["N"]) + n)}


def _members(item: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(attribute, field, userid) of each ``<field>@<userid>`` attribute of a members' roll-up item."""
    return [(name, *name.split("@", 1)) for name in item if "@" in name]  # type: ignore[misc]


def _add_row(built: dict[tuple[str, str], dict[str, Any]], corp_id: str, kind: str, row: Mapping[str, Any]) -> None:
    """Add a member-day row to the roll-up items it feeds (raw attribute values)."""
    day, userid = str(row["day"]), str(row["userid"])
    corp_day = built.setdefault((days_pk(corp_id, kind), day_sk(day, userid)), {})
    member_day = built.setdefault((member_days_pk(corp_id, kind, day[:7]), f"{day[8:10]}#{shard(userid)}"), {})
    member_month = built.setdefault((member_months_pk(corp_id, kind, day[:7]), str(shard(userid))), {})
    member_month.setdefault(member_name(HELD, userid), {"NS": []})["NS"].append(str(int(day[8:10])))
    for c in COUNTERS[kind]:
        if row.get(c):
            _plus(corp_day, c, int(row[c]))
            _plus(member_day, member_name(c, userid), int(row[c]))
            _plus(member_month, member_name(c, userid), int(row[c]))
    if any(row.get(f) is not None for f in ROW_FIELDS[kind] if f.startswith("wecom_")):
        corp_day.setdefault(READINGS, {"SS": []})["SS"].append(userid)
