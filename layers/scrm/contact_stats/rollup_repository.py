"""The statistics' roll-ups on DynamoDB (table scrm-contact-stats): read for the reports and the dashboard,
rebuilt from the member-day counters by the migration's backfill. Two kinds of item, next to the packed
member-month counter items (repository.py):

- the corp's day: pk ``<corp>#cust#days`` (``#group#days``), sk ``<yyyy-mm-dd>#<shard>``, each counter a
  number under its own name (``adds``), and ``wecom_uids``, the members WeCom's figures were stored for
  that day. A member counts on one of the day's ``DAY_SHARDS`` items (by its userid), so the transactions
  of different members seldom meet on an item; a range of days is one Query (30 days: 240 small items).
- the member's month, as running sums: pk ``<corp>#cust#run#<yyyy-mm>``, sk ``<userid>``, ``a_05`` the
  member's adds of the 1st to the 5th (rollup.CODES, rollup.running_name), for each day from the first one
  a counter moved, and ``n_05`` the count of its moved days so far. A report by employee reads each month
  the range touches with one Query that projects the few days it needs (90 days up to yesterday: 5–12
  numbers of each member and month), whatever the days in between: a month of 500 members is one Query
  page (~1 KB an item, the 1 MB page counts the whole items read).

Both move in the transaction that stores the fact justifying the counter (repository._count_moves), so a
redelivered event moves none, and a crash leaves none moved. A member's month item is its own (the
counter item is too), so only the corp's day shards are shared between members' transactions: one that
meets another there is cancelled and decided again (a member change's event fails and comes back). A
count on day ``dd`` adds to the running sums of ``dd`` and every later day of its month (at most 31 × 6
ADDs, one update). ``rebuild`` computes both from the member-day counters of some months and writes them
whole: run it again and the result is the same. It reads and then writes: a count that lands on one of
those months between the two is not in what it writes, so run it when nothing counts for those months, or
run it again after (the answer is then exact). It also deletes those months' items of the first roll-up
layout (the members' month and day per shard).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scrm.contact_stats.repository import (
    COUNTERS,
    READINGS,
    ROW_FIELDS,
    S,
    _batch_delete,
    _batch_write,
    _query,
    day_sk,
    days_pk,
    legacy_rollup_pks,
    month_pk,
    running_pk,
    unpack,
)
from scrm.contact_stats.rollup import month_days, running_sums
from scrm.contact_stats.seal import VERSION, valid_below, wanted_days
from scrm.contact_stats.seal import unpack as unseal
from scrm.contact_stats.seal_repository import DynamoMonthSeals, Seal, day_stamps


def _n(item: Mapping[str, Any], name: str) -> int:
    return int(item[name]["N"]) if name in item else 0


class DynamoStatsRollups:
    def __init__(self, seals: DynamoMonthSeals | None = None) -> None:
        self.seals = seals or DynamoMonthSeals()

    def day_totals(self, corp_id: str, kind: str, first: str, last: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        """The corp's day rows of the range (days with a count only) and the (day, member) pairs WeCom read."""
        rows, readings, _ = self._days(corp_id, kind, first, last)
        return rows, readings

    def _days(self, corp_id: str, kind: str, first: str, last: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]], dict[str, int]]:
        rows: dict[str, dict[str, Any]] = {}
        readings: list[tuple[str, str]] = []
        items = _query(days_pk(corp_id, kind), S.sk.between(f"{first}#", f"{last}#~"))
        for item in items:
            day = item["sk"]["S"].split("#")[0]
            row = rows.setdefault(day, {"day": day, **dict.fromkeys(COUNTERS[kind], 0)})
            for c in COUNTERS[kind]:
                row[c] += _n(item, c)
            readings += [(day, u) for u in item.get(READINGS, {}).get("SS", [])]
        return [rows[d] for d in sorted(rows)], sorted(readings), day_stamps(items)

    def by_day(self, corp_id: str, kind: str, first: str, last: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]], list[dict[str, Any]]]:
        """The corp's day rows; the (day, member) pairs WeCom read that no seal answers for; and the member-day
        rows WeCom read that the seals hold (a day whose stamp did not move since its month was sealed). The
        seals are read only when WeCom read something in the range."""
        rows, readings, now = self._days(corp_id, kind, first, last)
        seals = self.seals.read(corp_id, kind, sorted({d[:7] for d, _ in readings})) if readings else {}
        live, sealed = _reads(readings, seals, now, {m: unseal(m, seal.blobs, ())[1] for m, seal in seals.items()})
        return rows, live, sealed

    def by_member(
        self, corp_id: str, kind: str, first: str, last: str, wanted: Mapping[str, Sequence[str]],
    ) -> tuple[dict[tuple[str, str], dict[str, int]], list[tuple[str, str]], list[dict[str, Any]]]:  # fmt: skip
        """The running sums named per month (``running``); the (day, member) pairs WeCom read in ``first..last``
        that no seal answers for; and the member-day rows WeCom read that the seals hold. The corp's days are
        read from the first month's 1st (their stamps, seal.py) while the months' seals are; a month whose
        seal answers for every day named is not read live, nor one without a seal and without a day item up to
        the days named (nothing counted: no running sums)."""
        months = sorted(wanted)
        start = f"{months[0]}-01" if months else first
        with ThreadPoolExecutor(max_workers=1) as pool:
            sealed = pool.submit(self.seals.read, corp_id, kind, months)
            items = _query(days_pk(corp_id, kind), S.sk.between(f"{start}#", f"{last}#~"), names=["sk", READINGS, VERSION])
            seals = sealed.result()
        now, running, live, read = day_stamps(items), {}, {}, {}
        for month in months:
            seal = seals.get(month, Seal({}, ()))
            sums, read[month] = unseal(month, seal.blobs, wanted[month])
            if wanted_days(wanted[month]) >= valid_below(month, seal.stamps, now):
                live[month] = wanted[month]
            else:
                running.update({(month, u): s for u, s in sums.items()})
        readings = sorted((d, u) for i in items if first <= (d := i["sk"]["S"][:10]) for u in i.get(READINGS, {}).get("SS", []))
        left, rows = _reads(readings, seals, now, read)
        return {**running, **self.running(corp_id, kind, live)}, left, rows

    def running(self, corp_id: str, kind: str, wanted: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], dict[str, int]]:
        """(month, userid) → the running sums named for that month (rollup.names_to_read), of every member
        with an item that month: one Query a month, projected, the months in parallel."""
        months = list(wanted)
        if not months:
            return {}
        with ThreadPoolExecutor(max_workers=min(len(months), 8)) as pool:
            read = list(pool.map(lambda m: _query(running_pk(corp_id, kind, m), names=["sk", *wanted[m]]), months))
        return {(m, item["sk"]["S"]): {n: int(v["N"]) for n, v in item.items() if n != "sk"}
                for m, items in zip(months, read, strict=True) for item in items}  # fmt: skip

    # the backfill ---------------------------------------------------------------------------------
    def rebuild(self, corp_id: str, kind: str, months: Sequence[str]) -> dict[str, int]:
        """Compute the roll-ups of these months from the member-day counters and write them whole
        (idempotent: the same counters give the same items; a roll-up item nothing feeds any more is emptied)."""
        done = {"months": 0, "members": 0, "days": 0}
        for month in months:
            days = month_days(month)
            built: dict[tuple[str, str], dict[str, Any]] = {}
            by_member: dict[str, dict[str, dict[str, Any]]] = {}
            items = _query(month_pk(corp_id, kind, month))
            for item in items:
                for r in unpack(item, kind, days):
                    _add_day(built, corp_id, kind, r)
                    by_member.setdefault(str(r["userid"]), {})[str(r["day"])] = r
            for userid, rows in by_member.items():
                sums = running_sums(rows, COUNTERS[kind])
                if sums:
                    built[(running_pk(corp_id, kind, month), userid)] = {n: {"N": str(v)} for n, v in sums.items()}
            ranges = [(days_pk(corp_id, kind), f"{days[0]}#", f"{days[-1]}#~"), (running_pk(corp_id, kind, month), None, None)]
            puts = {(i["pk"]["S"], i["sk"]["S"]): {"pk": i["pk"], "sk": i["sk"], **_raised(i)} for pk, first, last in ranges
                    for i in _query(pk, S.sk.between(first, last) if first else None, names=["pk", "sk", VERSION])}  # fmt: skip
            for key, values in built.items():  # a day item's version only grows: the month's seal is stale
                raised = {VERSION: puts[key][VERSION]} if VERSION in puts.get(key, {}) else _raised({}, key[0])
                puts[key] = {"pk": {"S": key[0]}, "sk": {"S": key[1]}, **values, **raised}
            # The members' running sums first, the corp's days (their raised versions) last: a seal read while
            # this runs either sees an old stamp (stale once the days land) or every sum already rewritten.
            writes = sorted(puts.values(), key=lambda item: item["pk"]["S"] == days_pk(corp_id, kind))
            for i in range(0, len(writes), 25):
                _batch_write(writes[i:i + 25])
            legacy = [{"pk": i["pk"], "sk": i["sk"]} for pk in legacy_rollup_pks(corp_id, kind, month)
                      for i in _query(pk, names=["pk", "sk"])]  # fmt: skip
            for i in range(0, len(legacy), 25):
                _batch_delete(legacy[i:i + 25])
            done = {"months": done["months"] + 1, "members": done["members"] + len(items),
                    "days": done["days"] + len({sk[:10] for pk, sk in built if pk == days_pk(corp_id, kind)})}  # fmt: skip
        return done


def _reads(
    readings: Sequence[tuple[str, str]], seals: Mapping[str, Seal], now: Mapping[str, int],
    sealed_rows: Mapping[str, Sequence[dict[str, Any]]],
) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:  # fmt: skip
    """The readings no seal answers for, and the sealed rows of the others: a member-day row depends on its
    day alone, so a seal holds it while that day's stamp is the one sealed (a reading the seal has no row
    for has none live either: no figure stored that day)."""
    rows = {(r["day"], r["userid"]): r for m, rs in sealed_rows.items() for r in rs}
    live, out = [], []
    for day, userid in readings:
        seal = seals.get(day[:7])
        if seal is None or seal.stamps.get(day, 0) != now.get(day, 0):
            live.append((day, userid))
        elif (day, userid) in rows:
            out.append(rows[(day, userid)])
    return live, out


def _raised(item: Mapping[str, Any], pk: str | None = None) -> dict[str, Any]:
    """A day roll-up item's version, one more than it was (seal.py); nothing for other items."""
    if not (pk or item.get("pk", {}).get("S", "")).endswith("#days"):
        return {}
    return {VERSION: {"N": str(_n(item, VERSION) + 1)}}


def _plus(item: dict[str, Any], name: str, n: int) -> None:
    item[name] = {"N": str(int(item.get(name, {"N": "0"})["N"]) + n)}


def _add_day(built: dict[tuple[str, str], dict[str, Any]], corp_id: str, kind: str, row: Mapping[str, Any]) -> None:
    """Add a member-day row to its shard of the corp's day roll-up (raw attribute values)."""
    day, userid = str(row["day"]), str(row["userid"])
    corp_day = built.setdefault((days_pk(corp_id, kind), day_sk(day, userid)), {})
    for c in COUNTERS[kind]:
        if row.get(c):
            _plus(corp_day, c, int(row[c]))
    if any(row.get(f) is not None for f in ROW_FIELDS[kind] if f.startswith("wecom_")):
        corp_day.setdefault(READINGS, {"SS": []})["SS"].append(userid)
