"""China calendar days (UTC+8) as WeCom's statistics APIs count them.

WeCom's statistics (get_user_behavior_data, groupchat/statistic) are per natural day in China
time: a stat_time is that day's 00:00 UTC+8 as a unix timestamp, and any timestamp passed in is
rounded down to it.  One helper keeps the recording side and the answering side on the same days.
"""

from __future__ import annotations

DAY_S = 86_400
CHINA_OFFSET_S = 8 * 3600


def day_start(ts: float) -> int:
    """00:00 UTC+8 of the China day holding `ts` (WeCom rounds every stat time down to this)."""
    t = int(ts)
    return t - (t + CHINA_OFFSET_S) % DAY_S


def days(first: int, last: int) -> range:
    """Day starts from `first` to `last` inclusive (both already rounded by day_start)."""
    return range(first, last + 1, DAY_S)
