"""Reports from the roll-ups, with the answers the member-day rows give (issue 18 "Fast to open").

Two roll-ups are counted in the same transaction as the member-day counters (contact_stats.repository):

- the corp's day: per (kind, China day) the sum over members of each counter (``adds``, ``lost_by_customer``,
  …; ``joins``, ``quits``, …), and which members WeCom's figures were stored for that day (the readings);
- the member's month, as running sums: per (kind, month, member) and day ``dd`` of the month, each counter
  summed over the month's days 1..dd (``a_05``: adds of the 1st to the 5th), and ``n_dd``, how many times
  the member's days 1..dd moved (more than 0 between two days: the member has a row there).

A report over every member then reads, instead of every member-day row:

- by day or corp: the corp's day rows of the range (one Query), plus the rows WeCom read (drift and
  WeCom's own figures are per member and day);
- by employee / owner: for each month the range touches, one Query of its members' running sums, only the
  few days asked for (a projection). A sum over days ``a..b`` is the running sum at ``b`` (and at each
  month end before it) less the one at ``a - 1``. The range is cut where cohorts mature (a cohort counts for
  retention after N days: model._mature); a counter's sums are only cut where its own maturity changes
  (``lost_in_7`` where 7-day cohorts mature, ``adds`` at both cuts, ``lost_by_*`` nowhere), so the range
  of 90 days up to yesterday needs 7 running sums of ``adds`` per member, 6 of each ``lost_in_N`` and 5 of
  the others. Each (member, span) sum lands on a row dated on the span's last segment's first day, so
  ``model.report`` sums and buckets them as it does member-day rows: the same figures, whichever way read.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from scrm.contact_stats.model import COHORT_DAYS

Counters = dict[str, int]
PRESENT = "rows"  # the running count of a member's moved days: the member has a row in a span iff it grew
# Short names keep a member's month item near 1 KB (6 running sums × 31 days): DynamoDB bills and pages
# (1 MB a Query page) by the bytes of names and values, and a month of 500 members stays one page.
CODES = {"adds": "a", "lost_by_customer": "lc", "lost_by_employee": "le", "lost_in_7": "l7", "lost_in_30": "l30",
         "joins": "j", "quits": "q", "customer_joins": "cj", "customer_quits": "cq", PRESENT: "n"}  # fmt: skip
# the cohort windows a counter's figures depend on (model.customer_figures): its sums are cut where they close
MATURES = {"adds": COHORT_DAYS, "lost_in_7": (7,), "lost_in_30": (30,)}


def month_days(month: str) -> list[str]:
    year, mon = int(month[:4]), int(month[5:7])
    return [f"{month}-{d:02d}" for d in range(1, calendar.monthrange(year, mon)[1] + 1)]


def running_name(counter: str, dd: int) -> str:
    """The attribute of a member's month item holding ``counter`` summed over days 1..dd: ``a_05``."""
    return f"{CODES[counter]}_{dd:02d}"


def _next(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _mature(day: str, n: int, today: date) -> bool:
    return date.fromisoformat(day) + timedelta(days=n) < today  # as model._mature


def segments(first: str, last: str, today: date) -> list[tuple[str, str]]:
    """The range cut where a cohort window closes (model._mature: day + n < today), ascending."""
    cuts = sorted({(today - timedelta(days=n + 1)).isoformat() for n in COHORT_DAYS})
    out, start = [], first
    for cut in cuts:
        if start <= cut < last:
            out.append((start, cut))
            start = _next(cut)
    return [*out, (start, last)]


@dataclass(frozen=True)
class Span:
    """Days ``first..last`` of one counter, summed onto the row dated ``row_day``."""

    counter: str
    first: str
    last: str
    row_day: str


def spans(first: str, last: str, today: date, counters: Sequence[str]) -> list[Span]:
    """Per counter (and the presence count), the spans of the range its sums are needed over: cut only where
    the maturity it depends on changes, so each span's days share it."""
    segs = segments(first, last, today)
    out: list[Span] = []
    for c in (*counters, PRESENT):
        windows, start = MATURES.get(c, ()), first
        for i, (seg_first, seg_last) in enumerate(segs):
            nxt = segs[i + 1][0] if i + 1 < len(segs) else None
            if nxt is None or any(_mature(seg_first, n, today) != _mature(nxt, n, today) for n in windows):
                out.append(Span(c, start, seg_last, seg_first))
                start = _next(seg_last)
    return out


def terms(first: str, last: str) -> list[tuple[int, str, int]]:
    """The running sums (sign, month, dd) whose total is the sum over days ``first..last``."""
    out = [(-1, first[:7], int(first[8:10]) - 1)] if first[8:10] != "01" else []
    month = first[:7]
    while month <= last[:7]:
        out.append((1, month, int(last[8:10]) if month == last[:7] else len(month_days(month))))
        year, mon = int(month[:4]), int(month[5:7])
        month = f"{year + mon // 12}-{mon % 12 + 1:02d}"
    return out


def names_to_read(parts: Iterable[Span]) -> dict[str, list[str]]:
    """Month → the running sums the spans need (every month touched is listed)."""
    out: dict[str, set[str]] = {}
    for s in parts:
        for _, month, dd in terms(s.first, s.last):
            out.setdefault(month, set()).add(running_name(s.counter, dd))
    return {m: sorted(names) for m, names in sorted(out.items())}


def member_rows(
    running: Mapping[tuple[str, str], Mapping[str, int]], parts: Sequence[Span], first: str, counters: Sequence[str],
) -> list[dict[str, Any]]:  # fmt: skip
    """One row of sums per (member, row day), for the members with a row in the range. ``running``: (month,
    userid) → the running sums read (an absent one is 0: nothing of that counter moved up to that day)."""
    plans = [(s, [(sign, month, running_name(s.counter, dd)) for sign, month, dd in terms(s.first, s.last)]) for s in parts]
    months = sorted({month for _, ts in plans for _, month, _ in ts})
    out: list[dict[str, Any]] = []
    empty: Mapping[str, int] = {}
    for userid in sorted({u for _, u in running}):
        rows: dict[str, dict[str, Any]] = {}
        present = False
        mine = {m: running.get((m, userid), empty) for m in months}
        for s, ts in plans:
            total = sum(sign * mine[month].get(name, 0) for sign, month, name in ts)
            if s.counter == PRESENT:
                present = total > 0
            elif total:
                rows.setdefault(s.row_day, {"day": s.row_day, "userid": userid, **dict.fromkeys(counters, 0)})[s.counter] = total
        if present:  # a member whose counters over the range sum to nothing still has its (empty) item
            out += [rows[d] for d in sorted(rows)] or [{"day": first, "userid": userid}]
    return out


def running_sums(days: Mapping[str, Mapping[str, int | None]], counters: Sequence[str]) -> Counters:
    """A member's month item from its day rows of one month (day → counter → value, None where it never
    moved; rows with WeCom's figures only are not ours): each counter's sum so far, from the first day it
    moved on, and the count of days with a row so far."""
    ours = {int(d[8:10]): row for d, row in days.items() if any(row.get(c) is not None for c in counters)}
    if not ours:
        return {}
    out: Counters = {}
    for c in (*counters, PRESENT):
        total, started = 0, False
        for dd in range(1, len(month_days(next(iter(days))[:7])) + 1):
            row = ours.get(dd)
            if row is not None and (c == PRESENT or row.get(c) is not None):
                started, total = True, total + (1 if c == PRESENT else int(row[c] or 0))
            if started:
                out[running_name(c, dd)] = total
    return out


def running_moves(month: str, moves: Mapping[str, Mapping[str, int]]) -> Counters:
    """What a transaction adds to a member's month item for these moves of the month's days: each move to
    the running sums of its day and every later day of the month, and 1 to the running count of moved days
    (zeros left out: an absent running sum reads as 0)."""
    out: Counters = {}
    last = len(month_days(month))
    for day, counters in moves.items():
        for c, n in (*counters.items(), (PRESENT, 1)):
            for dd in range(int(day[8:10]), last + 1):
                name = running_name(c, dd)
                out[name] = out.get(name, 0) + n
    return {name: n for name, n in sorted(out.items()) if n}


def readings_only(rows: Iterable[Mapping[str, Any]], wecom: Sequence[str]) -> list[dict[str, Any]]:
    """Member-day rows WeCom read, with only WeCom's figures: added to roll-up rows, they bring WeCom's sums
    and the members' presence, and count nothing of ours twice."""
    return [{"day": r["day"], "userid": r["userid"], **{f: r.get(f) for f in wecom}} for r in rows]
