"""The console's dashboard (issue 18): each figure from the cheapest read there is.

- the corp's trend (new / lost / net customers, group joins / quits / net), today and each of the last 30
  China days: the corp's day roll-ups, one Query per kind (contact_stats.rollup);
- the channel codes ranked by adds, today and over the 30 days (top 10), and the missed welcomes: the
  acquisition counters of each code (one Query per code, in parallel);
- transfers in flight and sends waiting for their members' confirmation: the newest transfer jobs (one
  Query), the sends still open (the ``open#`` items the results job reads, one Query).

The reads are the callers' (admin/dashboard.py hands them in): this module only shapes the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from scrm.contact_stats.model import days_between

TREND_DAYS = 30
TOP_CODES = 10


def window(today: date) -> tuple[str, str]:
    """The last 30 China days, today included."""
    return (today - timedelta(days=TREND_DAYS - 1)).isoformat(), today.isoformat()


def trend(customers: Sequence[Mapping[str, Any]], groups: Sequence[Mapping[str, Any]], first: str, last: str) -> dict[str, Any]:
    """Series for the line charts, one value per day (0 on a quiet day), and today's figures (the last day)."""
    days = days_between(first, last)
    cust = {str(r["day"]): r for r in customers}
    grp = {str(r["day"]): r for r in groups}

    def series(rows: Mapping[str, Mapping[str, Any]], *names: str) -> list[int]:
        return [sum(int(rows.get(d, {}).get(n) or 0) for n in names) for d in days]

    new = series(cust, "adds")
    lost = series(cust, "lost_by_customer", "lost_by_employee")
    joins, quits = series(grp, "joins"), series(grp, "quits")
    out = {
        "days": days,
        "new": new,
        "lost": lost,
        "net": [a - b for a, b in zip(new, lost, strict=True)],
        "group_joins": joins,
        "group_quits": quits,
        "group_net": [a - b for a, b in zip(joins, quits, strict=True)],
    }
    return {
        "today": {k: v[-1] for k, v in out.items() if k != "days"},
        "last_30_days": {k: sum(v) for k, v in out.items() if k != "days"},
        "series": out,
    }


def ranked_codes(codes: Iterable[tuple[str, str, Sequence[Mapping[str, Any]]]], today: str) -> dict[str, Any]:
    """``codes``: (code_id, name, its counter rows of the 30 days). The top 10 by adds today and over the
    30 days (ties by name), and the missed welcomes of both windows."""
    scored = []
    missed = {"today": 0, "last_30_days": 0}
    for code_id, name, rows in codes:
        adds_today = sum(int(r.get("adds") or 0) for r in rows if r.get("day") == today)
        adds_30 = sum(int(r.get("adds") or 0) for r in rows)
        missed["today"] += sum(int(r.get("welcomes_missed") or 0) for r in rows if r.get("day") == today)
        missed["last_30_days"] += sum(int(r.get("welcomes_missed") or 0) for r in rows)
        scored.append({"code_id": code_id, "name": name, "adds_today": adds_today, "adds_30_days": adds_30})

    def top(key: str) -> list[dict[str, Any]]:
        return [c for c in sorted(scored, key=lambda c: (-c[key], c["name"], c["code_id"])) if c[key]][:TOP_CODES]

    return {"codes_today": top("adds_today"), "codes_30_days": top("adds_30_days"), "welcomes_missed": missed}
