"""Day ranges of WeCom's statistics APIs: rounding, the 30-day span and the 180-day horizon.

Both get_user_behavior_data (92132) and groupchat/statistic (92133) round every time down to its
China day's 00:00 (UTC+8), answer at most 30 days per call and keep 180 days of data.  A bad range
is answered with 600018 ("invalid start endtime"), the code WeCom was seen to return for
millisecond timestamps; that WeCom uses the same code for a span over 30 days or a day older
than 180 days is an assumption (docs/sandbox.md).
"""

from __future__ import annotations

from ..days import DAY_S, day_start
from .errors import ApiError
from .registry import ApiContext

MAX_DAYS = 30
HORIZON_DAYS = 180
BAD_RANGE = 600018


def required_time(ctx: ApiContext, name: str) -> int:
    value = ctx.body_int(name)
    if value is None:
        raise ApiError(40058, f"missing {name}")
    return value


def checked_days(ctx: ApiContext, first: int, last: int, *, latest: int) -> tuple[int, int]:
    """Validate [first, last] (day starts) against the span and horizon; `latest` is the newest day allowed."""
    today = day_start(ctx.app.world.now())
    if last < first:
        raise ApiError(BAD_RANGE, "end before start")
    if (last - first) // DAY_S + 1 > MAX_DAYS:
        raise ApiError(BAD_RANGE, f"span over {MAX_DAYS} days")
    if first < today - HORIZON_DAYS * DAY_S:
        raise ApiError(BAD_RANGE, f"only the last {HORIZON_DAYS} days are kept")
    if first > latest or last > latest:
        raise ApiError(BAD_RANGE, "day not available yet")
    return first, last
