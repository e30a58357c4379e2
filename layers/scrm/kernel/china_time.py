"""China time: the wall clock of WeCom's days (a code's daily caps, statistics, SOP due times, quotas)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))  # no DST: a fixed offset needs no tz database in the Lambda image


def local_day(at: datetime) -> str:
    """The China day of ``at``, as ``YYYY-MM-DD``."""
    return at.astimezone(CHINA).strftime("%Y-%m-%d")
