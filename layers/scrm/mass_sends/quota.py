"""How many mass messages (add_msg_template) one customer or group may receive, per the corp's setting.

WeCom's current rule: as many per natural month as the month has days; a corp may switch to 7 per week or
1 per day (群发助手 settings). We enforce it before creating a task, so a customer over quota is skipped
with a reason instead of silently failing (send_result status 3). Periods are China calendar periods
(UTC+8): the month, the ISO week (Monday..Sunday; "2026-W53" may hold days of January 2027), the day.
That a week is Monday..Sunday rather than any 7 days is our reading of WeCom's text (UNCONFIRMED).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from scrm.kernel.china_time import CHINA
from scrm.kernel.field_error import FieldError

MONTH_DAYS = "month_days"
WEEK_7 = "week_7"
DAY_1 = "day_1"
SETTINGS = (MONTH_DAYS, WEEK_7, DAY_1)
DEFAULT = MONTH_DAYS


def parse_setting(value: object, path: str = "msg_quota") -> str:
    """The corp's choice; absent means WeCom's default."""
    if value is None:
        return DEFAULT
    if value not in SETTINGS:
        raise FieldError(path, f"must be one of {', '.join(SETTINGS)}")
    return str(value)


def period_key(setting: str, t: datetime) -> str:
    """The period holding ``t``: "2026-11" (month), "2026-W47" (ISO week), "2026-11-23" (day)."""
    day = t.astimezone(CHINA).date()
    if setting == MONTH_DAYS:
        return f"{day.year:04d}-{day.month:02d}"
    if setting == WEEK_7:
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if setting == DAY_1:
        return day.isoformat()
    raise ValueError(f"unknown quota setting {setting!r}")


def period_bounds(setting: str, t: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the period holding ``t``, China midnights: the range to count sends over."""
    day = t.astimezone(CHINA).date()
    if setting == MONTH_DAYS:
        first = day.replace(day=1)
        after = first + timedelta(days=calendar.monthrange(day.year, day.month)[1])
    elif setting == WEEK_7:
        first = day - timedelta(days=day.isoweekday() - 1)
        after = first + timedelta(days=7)
    elif setting == DAY_1:
        first, after = day, day + timedelta(days=1)
    else:
        raise ValueError(f"unknown quota setting {setting!r}")
    return _midnight(first), _midnight(after)


def limit(setting: str, t: datetime) -> int:
    """Messages allowed in the period holding ``t``: 28..31 by month, 7 a week, 1 a day."""
    if setting == MONTH_DAYS:
        day = t.astimezone(CHINA).date()
        return calendar.monthrange(day.year, day.month)[1]
    if setting == WEEK_7:
        return 7
    if setting == DAY_1:
        return 1
    raise ValueError(f"unknown quota setting {setting!r}")


def used(setting: str, sent: int | Iterable[datetime | int], t: datetime) -> int:
    """Messages counted against the period holding ``t``: a count already per period, or the moments of
    sends (datetimes or unix seconds), of which only those inside the period count."""
    if isinstance(sent, int):
        return sent
    start, end = period_bounds(setting, t)
    return sum(1 for s in sent if start <= _moment(s) < end)


def remaining(setting: str, sent: int | Iterable[datetime | int], t: datetime) -> int:
    return max(0, limit(setting, t) - used(setting, sent, t))


def allowed(setting: str, sent: int | Iterable[datetime | int], t: datetime, count: int = 1) -> bool:
    """May ``count`` more messages go to this customer in the period holding ``t``?"""
    return remaining(setting, sent, t) >= count


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CHINA)


def _moment(s: datetime | int) -> datetime:
    return s if isinstance(s, datetime) else datetime.fromtimestamp(s, UTC)
