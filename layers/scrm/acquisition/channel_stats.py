"""A code's yield: adds per day and per member, and how many of each day's adds were lost since.

Counters are kept per (day added, member): a loss is counted on the day the customer was added (a cohort),
so "lost since" reads straight off that day's row and net = adds − lost never goes below zero.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from scrm.kernel.field_error import FieldError

COUNTERS = ("adds", "lost_by_customer", "lost_by_employee", "welcomes_missed")
MAX_DAYS = 366
DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FIRST_YEAR, LAST_YEAR = 2000, 2100  # WeCom has no data before; the range arithmetic stays far from year 1


@dataclass(frozen=True)
class StatRow:
    day: str
    userid: str
    adds: int = 0
    lost_by_customer: int = 0
    lost_by_employee: int = 0
    welcomes_missed: int = 0

    @classmethod
    def of(cls, d: Mapping[str, Any]) -> StatRow:
        return cls(str(d["day"]), str(d["userid"]), *(int(d.get(c) or 0) for c in COUNTERS))


def _totals(rows: Iterable[StatRow]) -> dict[str, int]:
    t = dict.fromkeys(COUNTERS, 0)
    for r in rows:
        for c in COUNTERS:
            t[c] += getattr(r, c)
    t["lost"] = t["lost_by_customer"] + t["lost_by_employee"]
    t["net"] = t["adds"] - t["lost"]
    return t


def report(rows: list[StatRow]) -> dict[str, Any]:
    days: dict[str, list[StatRow]] = {}
    staff: dict[str, list[StatRow]] = {}
    for r in rows:
        days.setdefault(r.day, []).append(r)
        staff.setdefault(r.userid, []).append(r)
    return {
        "totals": _totals(rows),
        "by_day": [{"day": d, **_totals(rs)} for d, rs in sorted(days.items())],
        "by_staff": [{"userid": u, **_totals(rs)} for u, rs in sorted(staff.items())],
        "rows": [{"day": r.day, "userid": r.userid, **_totals([r])} for r in sorted(rows, key=lambda r: (r.day, r.userid))],
    }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(cell: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (names and userids come from customers and WeCom,
    e.g. ``=HYPERLINK(...)``) gets a leading ``'`` (OWASP's rule), so Excel shows it as text. Numbers stay
    numbers: a negative count is not a formula."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


def to_csv(table: list[dict[str, Any]], columns: Sequence[str] = ()) -> str:
    """One of the report's tables as CSV; Excel reads the BOM as UTF-8. The header is ``columns`` when given
    (written even for no rows, each row's other keys left out), else the first row's keys."""
    out = io.StringIO()
    fields = list(columns) or (list(table[0]) if table else [])
    if fields:
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n", extrasaction="ignore" if columns else "raise")
        writer.writerow({k: formula_safe(k) for k in fields})
        writer.writerows({k: formula_safe(v) for k, v in row.items()} for row in table)
    return "\ufeff" + out.getvalue()


def day_range(params: Mapping[str, str | None], today: datetime) -> tuple[str, str]:
    """``from`` / ``to`` as YYYY-MM-DD (China days, inclusive); the last 30 days by default."""
    def parse(name: str) -> date | None:
        raw = params.get(name)
        if not raw:
            return None
        try:  # fromisoformat alone also reads "20240101" and "2024-W01-1", and year 1 breaks the range
            day = date.fromisoformat(raw) if DAY_RE.fullmatch(raw) else None
        except ValueError:
            day = None
        if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise FieldError(name, f"must be a date YYYY-MM-DD, years {FIRST_YEAR}..{LAST_YEAR}")
        return day

    end = parse("to") or today.date()
    start = parse("from") or date.fromordinal(end.toordinal() - 29)
    if start > end:
        raise FieldError("from", "must not be after to")
    if end.toordinal() - start.toordinal() >= MAX_DAYS:
        raise FieldError("from", f"a range of at most {MAX_DAYS} days")
    return start.isoformat(), end.isoformat()
