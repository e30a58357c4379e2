"""Customer and group statistics as reports: the query's parameters, sums by day / employee (owner) / corp,
retention of mature cohorts, drift against WeCom's own figures, CSV.

Rows are per (China day, employee) for customers and per (China day, owner) for groups. Losses are counted
on the day they happened (``lost_by_*``), the cohort counters on the day of the add they end (``lost_in_7``,
``lost_in_30``: of that day's new customers, how many were lost within 7 / 30 days). Retention after N days
is (adds − lost_in_N) / adds over the cohorts whose N-day window has closed (the add day + N is before
today), and null when there is none: a younger cohort would look better than it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from scrm.acquisition.channel_stats import day_range
from scrm.kernel.field_error import FieldError

CUSTOMER_COUNTERS = ("adds", "lost_by_customer", "lost_by_employee", "lost_in_7", "lost_in_30")
CUSTOMER_WECOM = ("wecom_new_contact", "wecom_negative_feedback", "wecom_new_apply")
GROUP_COUNTERS = ("joins", "quits", "customer_joins", "customer_quits")
GROUP_WECOM = ("wecom_new_member",)
# ours → WeCom's: what the nightly reconcile compares (new_contact_cnt: new customers of the member;
# negative_feedback_cnt: customers who deleted or blocked the member; new_member_cnt: new group members).
CUSTOMER_DRIFT = {"adds": "wecom_new_contact", "lost_by_customer": "wecom_negative_feedback"}
GROUP_DRIFT = {"joins": "wecom_new_member"}
COHORT_DAYS = (7, 30)
CUSTOMER_BY = ("day", "employee", "corp")
GROUP_BY = ("day", "owner", "corp")
FORMATS = ("json", "csv")
MAX_USERIDS = 100
CUSTOMER_ID_PREFIXES = ("wm", "wo")  # WeCom's external_userid prefixes: anything else in a group is staff


def is_customer_id(member_id: str) -> bool:
    return member_id.startswith(CUSTOMER_ID_PREFIXES)


@dataclass(frozen=True)
class StatsQuery:
    first: str
    last: str
    by: str
    userids: tuple[str, ...]
    fmt: str

    def days(self) -> list[str]:
        return days_between(self.first, self.last)


def days_between(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def parse_query(params: Mapping[str, str | None], today: date, groups: bool = False) -> StatsQuery:
    """``from`` / ``to`` (China days, default the last 30, at most 366), ``by``, ``userid`` (comma-separated
    employees, or owners for groups), ``format``. Raises FieldError naming the parameter at fault."""
    from datetime import datetime

    first, last = day_range(params, datetime(today.year, today.month, today.day))
    choices = GROUP_BY if groups else CUSTOMER_BY
    by = params.get("by") or "day"
    if by not in choices:
        raise FieldError("by", f"must be one of {', '.join(choices)}")
    fmt = params.get("format") or "json"
    if fmt not in FORMATS:
        raise FieldError("format", "must be json or csv")
    userids = tuple(dict.fromkeys(u.strip() for u in (params.get("userid") or "").split(",") if u.strip()))
    if len(userids) > MAX_USERIDS:
        raise FieldError("userid", f"at most {MAX_USERIDS} userids")
    bad = next((u for u in userids if len(u) > 64 or "#" in u), None)
    if bad is not None:
        raise FieldError("userid", f"not a userid: {bad[:70]!r}")
    return StatsQuery(first, last, by, userids, fmt)


@cache  # asked once per row and cohort: 90,000 times for 90 days of 500 employees, for 180 distinct answers
def _mature(day: str, n: int, today: date) -> bool:
    """Every add of that day has had its full n days (an add at 23:59 is watched until day + n, 23:59)."""
    return date.fromisoformat(day) + timedelta(days=n) < today


def _sum(rows: Sequence[Mapping[str, Any]], names: Iterable[str]) -> dict[str, int]:
    return {c: sum(int(r.get(c) or 0) for r in rows) for c in names}


def _sum_wecom(rows: Sequence[Mapping[str, Any]], names: Iterable[str]) -> dict[str, int | None]:
    """WeCom's figures summed over the rows that have them; null where WeCom gave none."""
    out: dict[str, int | None] = {}
    for c in names:
        known = [int(r[c]) for r in rows if r.get(c) is not None]
        out[c] = sum(known) if known else None
    return out


def customer_figures(rows: Sequence[Mapping[str, Any]], today: date) -> dict[str, Any]:
    t: dict[str, Any] = _sum(rows, CUSTOMER_COUNTERS)
    t["lost"] = t["lost_by_customer"] + t["lost_by_employee"]
    t["net"] = t["adds"] - t["lost"]
    for n in COHORT_DAYS:
        cohorts = [r for r in rows if _mature(str(r["day"]), n, today)]
        adds = sum(int(r.get("adds") or 0) for r in cohorts)
        lost = sum(int(r.get(f"lost_in_{n}") or 0) for r in cohorts)
        t[f"retention_{n}"] = round((adds - lost) / adds, 4) if adds else None
    t.update(_sum_wecom(rows, CUSTOMER_WECOM))
    return t


def group_figures(rows: Sequence[Mapping[str, Any]], today: date) -> dict[str, Any]:
    t: dict[str, Any] = _sum(rows, GROUP_COUNTERS)
    t["net"] = t["joins"] - t["quits"]
    t["employee_joins"] = t["joins"] - t["customer_joins"]
    t["employee_quits"] = t["quits"] - t["customer_quits"]
    t.update(_sum_wecom(rows, GROUP_WECOM))
    return t


def drift(rows: Iterable[Mapping[str, Any]], pairs: Mapping[str, str]) -> list[dict[str, Any]]:
    """Rows where WeCom's figure (stored by the reconcile) differs from ours, one entry per figure."""
    out = []
    for r in sorted(rows, key=lambda r: (str(r["day"]), str(r["userid"]))):
        for ours, theirs in pairs.items():
            if r.get(theirs) is not None and int(r.get(ours) or 0) != int(r[theirs]):
                out.append({"day": r["day"], "userid": r["userid"], "field": ours,
                            "ours": int(r.get(ours) or 0), "wecom": int(r[theirs])})  # fmt: skip
    return out


def report(
    rows: Sequence[Mapping[str, Any]], q: StatsQuery, today: date, groups: bool = False,
    drift_rows: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """JSON: the query, totals, one item per day / employee (owner) / the corp, and the drift (of
    ``drift_rows`` when given: the member-day rows WeCom read, when ``rows`` are roll-ups)."""
    figures = group_figures if groups else customer_figures
    key = {"day": "day", "employee": "userid", "owner": "userid", "corp": ""}[q.by]
    if not key:
        items = [{"from": q.first, "to": q.last, **figures(rows, today)}]
    else:
        # every day of the range and every employee asked for, also the quiet ones
        buckets: dict[str, list[Mapping[str, Any]]] = {k: [] for k in (q.days() if key == "day" else q.userids)}
        for r in rows:
            buckets.setdefault(str(r[key]), []).append(r)
        items = [{key: k, **figures(rs, today)} for k, rs in sorted(buckets.items())]
    return {
        "from": q.first,
        "to": q.last,
        "by": q.by,
        **({"userids": list(q.userids)} if q.userids else {}),
        "totals": figures(rows, today),
        "items": items,
        "drift": drift(rows if drift_rows is None else drift_rows, GROUP_DRIFT if groups else CUSTOMER_DRIFT),
    }


def reconcile_days(today: date) -> list[str]:
    """Yesterday and the day before (WeCom's figures for a day settle after it ends; the day before catches
    a night the job missed)."""
    return [(today - timedelta(days=n)).isoformat() for n in (2, 1)]
