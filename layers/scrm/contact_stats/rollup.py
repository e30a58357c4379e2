"""Reports from the roll-ups, with the answers the member-day rows give (issue 18 "Fast to open").

Two roll-ups are counted in the same transaction as the member-day counters (contact_stats.repository):

- the corp's day: per (kind, China day) the sum over members of each counter (``adds``, ``lost_by_customer``,
  …; ``joins``, ``quits``, …), and which members WeCom's figures were stored for that day (the readings);
- the member's month: per (kind, month, member) the sum over the month's days of each counter, and the
  days of the month the member has a row for (held);
- the members' day: per (kind, China day) each member's counters (read for a few edge days only).

A report over every member then reads, instead of every member-day row:

- by day or corp: the corp's day rows of the range (one Query), plus the rows WeCom read (drift and
  WeCom's own figures are per member and day);
- by employee / owner: the month totals of the months the range touches and the member-day counters of
  the edge days only. The range is cut where cohorts mature (a cohort counts for retention after N days:
  model._mature), so each segment has one maturity; within a month a segment is either its own days or the
  month's total less the month's other days, whichever reads fewer days. Each (member, piece) becomes a
  row of signed sums dated on its segment's first day, so ``model.report`` sums and buckets them as it
  does member-day rows: the same figures, whichever way they were read.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from scrm.contact_stats.model import COHORT_DAYS, days_between

Counters = dict[str, int]


@dataclass(frozen=True)
class MonthView:
    """What the roll-up read holds of one member-month: its totals, the counters of the days asked for,
    and the days it holds a figure for (ours or WeCom's)."""

    totals: Counters
    days: Mapping[str, Counters]
    held: frozenset[str]


@dataclass(frozen=True)
class Piece:
    """Part of a segment within one month: +/- the month's total (days None) or the sum of these days."""

    first: str  # the segment's first day (its maturity)
    month: str
    sign: int
    days: tuple[str, ...] | None


def month_days(month: str) -> list[str]:
    year, mon = int(month[:4]), int(month[5:7])
    return [f"{month}-{d:02d}" for d in range(1, calendar.monthrange(year, mon)[1] + 1)]


def segments(first: str, last: str, today: date) -> list[tuple[str, str]]:
    """The range cut where a cohort window closes (model._mature: day + n < today), ascending."""
    cuts = sorted({(today - timedelta(days=n + 1)).isoformat() for n in COHORT_DAYS})
    out, start = [], first
    for cut in cuts:
        if start <= cut < last:
            out.append((start, cut))
            start = (date.fromisoformat(cut) + timedelta(days=1)).isoformat()
    return [*out, (start, last)]


def pieces(first: str, last: str, today: date) -> list[Piece]:
    out: list[Piece] = []
    for start, end in segments(first, last, today):
        by_month: dict[str, list[str]] = {}
        for d in days_between(start, end):
            by_month.setdefault(d[:7], []).append(d)
        for month, days in by_month.items():
            others = [d for d in month_days(month) if not start <= d <= end]
            if not others:
                out.append(Piece(start, month, 1, None))
            elif len(others) < len(days):
                out += [Piece(start, month, 1, None), Piece(start, month, -1, tuple(others))]
            else:
                out.append(Piece(start, month, 1, tuple(days)))
    return out


def days_to_read(parts: Iterable[Piece]) -> dict[str, list[str]]:
    """Month → the member-day counters the pieces need (every month touched is listed: its totals)."""
    out: dict[str, set[str]] = {}
    for p in parts:
        out.setdefault(p.month, set()).update(p.days or ())
    return {m: sorted(days) for m, days in sorted(out.items())}


def member_rows(
    views: Mapping[tuple[str, str], MonthView], parts: Sequence[Piece], first: str, last: str,
    counters: Sequence[str],
) -> list[dict[str, Any]]:  # fmt: skip
    """One row of signed sums per (member, piece), for the members with a row in the range."""
    present = {u for (_, u), v in views.items() if any(first <= d <= last for d in v.held)}
    out = []
    for (month, userid), v in sorted(views.items()):
        if userid not in present:
            continue
        for p in (p for p in parts if p.month == month):
            sources = [v.totals] if p.days is None else [v.days.get(d, {}) for d in p.days]
            sums = {c: p.sign * sum(s.get(c, 0) for s in sources) for c in counters}
            if any(sums.values()):
                out.append({"day": p.first, "userid": userid, **sums})
    # a member whose counters over the range sum to nothing still has its (empty) item
    out += [{"day": first, "userid": u} for u in sorted(present - {r["userid"] for r in out})]
    return out


def readings_only(rows: Iterable[Mapping[str, Any]], wecom: Sequence[str]) -> list[dict[str, Any]]:
    """Member-day rows WeCom read, with only WeCom's figures: added to roll-up rows, they bring WeCom's sums
    and the members' presence, and count nothing of ours twice."""
    return [{"day": r["day"], "userid": r["userid"], **{f: r.get(f) for f in wecom}} for r in rows]
