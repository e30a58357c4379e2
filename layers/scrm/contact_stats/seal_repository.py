"""Sealed months on DynamoDB (table scrm-contact-stats; seal.py says what a seal is and why it can be trusted).

A month's seal is one to a few items, pk ``<corp>#<kind>#seal``, sk ``<yyyy-mm>#<part>``: ``data`` the
compressed running sums of its share of the members, ``build`` the build's id (every part of one build has
the same). Part 0 also holds ``parts`` and ``stamps`` (JSON, day → stamp, as read before and after the
sums). Parts 1.. are written before part 0, so a reader that finds part 0 of a build finds its other parts,
unless a newer build overwrote one meanwhile: a part of another build makes the reader read that month
live. The scheduled job ``seal_stats`` (00:20 China time, after the day ended) and ``reconcile_stats``
(after it stored WeCom's figures) seal each month of the last 13 whose stamps moved since its seal.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from scrm.contact_stats.repository import (
    COUNTERS,
    READINGS,
    ROW_FIELDS,
    DynamoContactStats,
    S,
    _batch_write,
    _query,
    days_pk,
    running_pk,
    seal_pk,
)
from scrm.contact_stats.rollup import month_days
from scrm.contact_stats.seal import VERSION, pack, stamps

DATA, BUILD, PARTS, STAMPS = "data", "build", "parts", "stamps"
SEAL_TRIES = 3


@dataclass(frozen=True)
class Seal:
    stamps: dict[str, int]
    blobs: tuple[bytes, ...]


def _batch_get(keys: Sequence[tuple[str, str]], names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    conn, out, table_name = S._get_connection(), [], S.Meta.table_name
    pending = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys]
    for tries in range(1000):
        if not pending:
            return out
        time.sleep(min(0.05 * tries, 1.0))  # a throttled table: back off before asking again
        left = []
        for i in range(0, len(pending), 100):
            page = conn.batch_get_item(pending[i:i + 100], attributes_to_get=names)
            out += page.get("Responses", {}).get(table_name, [])
            left += page.get("UnprocessedKeys", {}).get(table_name, {}).get("Keys", [])
        pending = left
    raise RuntimeError(f"{len(pending)} seal items stayed unprocessed")


def day_stamps(items: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Day → stamp, from raw day roll-up items (projected on at least ``sk`` and ``v``)."""
    return stamps((i["sk"]["S"][:10], int(i[VERSION]["N"]) if VERSION in i else None) for i in items)


def _month_items(corp_id: str, kind: str, first: str, last: str, consistent: bool = False) -> list[dict[str, Any]]:
    return _query(days_pk(corp_id, kind), S.sk.between(f"{first}#", f"{last}#~"), names=["sk", VERSION, READINGS],
                  consistent=consistent)  # fmt: skip


class DynamoMonthSeals:
    def __init__(self) -> None:
        self.rows = DynamoContactStats().rows  # the member-day rows WeCom read, sealed with the sums

    def read(self, corp_id: str, kind: str, months: Sequence[str]) -> dict[str, Seal]:
        """The seals of these months found whole (every part of part 0's build)."""
        if not months:
            return {}
        heads = {i["sk"]["S"][:7]: i for i in _batch_get([(seal_pk(corp_id, kind), f"{m}#0") for m in months])}
        more = [(seal_pk(corp_id, kind), f"{m}#{p}") for m, h in heads.items() for p in range(1, int(h[PARTS]["N"]))]
        rest: dict[str, list[dict[str, Any]]] = {}
        for item in _batch_get(more) if more else []:
            rest.setdefault(item["sk"]["S"][:7], []).append(item)
        out = {}
        for month, head in heads.items():
            parts = sorted(rest.get(month, []), key=lambda i: int(i["sk"]["S"][8:]))
            if len(parts) == int(head[PARTS]["N"]) - 1 and all(p[BUILD] == head[BUILD] for p in parts):
                out[month] = Seal(json.loads(head[STAMPS]["S"]), tuple(bytes(i[DATA]["B"]) for i in (head, *parts)))
        return out

    def seal(self, corp_id: str, kind: str, month: str) -> str:
        """Seal the month as it is now: "sealed", or "busy" when its days kept moving while read."""
        days = month_days(month)
        for _ in range(SEAL_TRIES):
            days_read = _month_items(corp_id, kind, days[0], days[-1], consistent=True)
            items = _query(running_pk(corp_id, kind, month), consistent=True)
            pairs = {(i["sk"]["S"][:10], u) for i in days_read for u in i.get(READINGS, {}).get("SS", [])}
            read = [r for r in self.rows(corp_id, kind, days[0], days[-1], sorted({u for _, u in pairs}), consistent=True)
                    if (r["day"], r["userid"]) in pairs] if pairs else []  # fmt: skip
            now = day_stamps(_month_items(corp_id, kind, days[0], days[-1], consistent=True))
            if day_stamps(days_read) == now:
                break
        else:
            return "busy"
        members = {i["sk"]["S"]: {n: int(v["N"]) for n, v in i.items() if n not in ("pk", "sk")} for i in items}
        blobs = pack(month, COUNTERS[kind], members, read, ROW_FIELDS[kind])
        build = {"S": str(time.time_ns())}
        key = seal_pk(corp_id, kind)
        parts = [{"pk": {"S": key}, "sk": {"S": f"{month}#{p}"}, BUILD: build, DATA: {"B": b}} for p, b in enumerate(blobs)]
        parts[0].update({PARTS: {"N": str(len(parts))}, STAMPS: {"S": json.dumps(now, sort_keys=True)}})
        for item in parts[1:]:
            _batch_write([item])
        _batch_write([parts[0]])  # last: a reader finding it finds the parts before it
        return "sealed"

    def refresh(self, corp_id: str, kind: str, today: date) -> dict[str, Any]:
        """Seal each month of the last 13 whose day stamps moved since its seal (or that has none)."""
        first = (today - timedelta(days=366)).replace(day=1).isoformat()
        now = day_stamps(_month_items(corp_id, kind, first, today.isoformat()))
        months = sorted({d[:7] for d in now})
        heads = {i["sk"]["S"][:7]: json.loads(i[STAMPS]["S"])
                 for i in _batch_get([(seal_pk(corp_id, kind), f"{m}#0") for m in months], names=["sk", STAMPS])} if months else {}  # fmt: skip
        out: dict[str, Any] = {"months": len(months), "fresh": 0, "sealed": [], "busy": []}
        for month in months:
            mine = {d: v for d, v in now.items() if d.startswith(month)}
            if heads.get(month) == mine:
                out["fresh"] += 1
            else:
                out["sealed" if self.seal(corp_id, kind, month) == "sealed" else "busy"].append(month)
        return out
