from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from scrm.kernel.field_error import FieldError
from scrm.mass_sends import quota as q

CN = timezone(timedelta(hours=8))


def cn(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=CN)


def test_setting_defaults_to_wecoms_month_rule_and_refuses_others() -> None:
    assert q.parse_setting(None) == "month_days"
    assert [q.parse_setting(s) for s in ("month_days", "week_7", "day_1")] == ["month_days", "week_7", "day_1"]
    with pytest.raises(FieldError) as err:
        q.parse_setting("month_4", "settings.msg_quota")
    assert err.value.field == "settings.msg_quota"


@pytest.mark.parametrize(
    ("setting", "t", "key"),
    [
        ("month_days", cn(2026, 11, 23, 10, 5), "2026-11"),
        ("week_7", cn(2026, 11, 23, 10, 5), "2026-W48"),
        ("day_1", cn(2026, 11, 23, 10, 5), "2026-11-23"),
        # 2026-11-30 16:00 UTC is 2026-12-01 00:00 China: the new month, week and day
        ("month_days", datetime(2026, 11, 30, 16, 0, tzinfo=UTC), "2026-12"),
        ("day_1", datetime(2026, 11, 30, 16, 0, tzinfo=UTC), "2026-12-01"),
        ("month_days", datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC), "2026-11"),
        # ISO weeks across year end: 2027-01-01..03 belong to 2026-W53, 2027-01-04 starts 2027-W01
        ("week_7", cn(2026, 12, 28, 0, 0), "2026-W53"),
        ("week_7", cn(2027, 1, 3, 23, 59), "2026-W53"),
        ("week_7", cn(2027, 1, 4, 0, 0), "2027-W01"),
        ("week_7", cn(2024, 12, 30, 12, 0), "2025-W01"),
        ("day_1", cn(2028, 2, 29, 23, 59, 59), "2028-02-29"),
    ],
)
def test_period_key(setting: str, t: datetime, key: str) -> None:
    assert q.period_key(setting, t) == key


@pytest.mark.parametrize(
    ("setting", "t", "limit"),
    [
        ("month_days", cn(2026, 2, 10), 28),
        ("month_days", cn(2028, 2, 10), 29),  # leap year
        ("month_days", cn(2026, 4, 30, 23, 59), 30),
        ("month_days", cn(2026, 1, 31), 31),
        ("month_days", datetime(2026, 1, 31, 16, 0, tzinfo=UTC), 28),  # already 2026-02-01 in China
        ("week_7", cn(2026, 2, 10), 7),
        ("day_1", cn(2026, 2, 10), 1),
    ],
)
def test_limit(setting: str, t: datetime, limit: int) -> None:
    assert q.limit(setting, t) == limit


def test_period_bounds_are_china_midnights_and_hold_the_moment() -> None:
    assert q.period_bounds("month_days", cn(2028, 2, 15)) == (cn(2028, 2, 1), cn(2028, 3, 1))
    assert q.period_bounds("month_days", cn(2026, 12, 31, 23, 59)) == (cn(2026, 12, 1), cn(2027, 1, 1))
    assert q.period_bounds("week_7", cn(2027, 1, 1, 12)) == (cn(2026, 12, 28), cn(2027, 1, 4))
    assert q.period_bounds("day_1", cn(2028, 2, 29, 0, 0)) == (cn(2028, 2, 29), cn(2028, 3, 1))
    for setting in q.SETTINGS:
        for t in (cn(2026, 12, 31, 23, 59, 59), cn(2027, 1, 1), datetime(2028, 2, 28, 16, tzinfo=UTC)):
            start, end = q.period_bounds(setting, t)
            assert start <= t < end
            assert q.period_key(setting, start) == q.period_key(setting, t) == q.period_key(setting, end - timedelta(seconds=1))
            assert q.period_key(setting, end) != q.period_key(setting, t)


def test_unknown_setting_is_a_programming_error() -> None:
    for fn in (q.period_key, q.period_bounds, q.limit):
        with pytest.raises(ValueError, match="unknown quota setting"):
            fn("month_4", cn(2026, 1, 1))


def test_allowed_with_a_count() -> None:
    t = cn(2026, 2, 10)
    assert q.allowed("month_days", 27, t) and not q.allowed("month_days", 28, t)
    assert q.allowed("month_days", 27, cn(2028, 2, 10), count=2)  # 29 in a leap February
    assert not q.allowed("month_days", 27, t, count=2)
    assert q.allowed("day_1", 0, t) and not q.allowed("day_1", 1, t)
    assert q.remaining("week_7", 9, t) == 0


def test_allowed_counts_only_sends_inside_the_period() -> None:
    t = cn(2027, 1, 1, 12)  # ISO week 2026-W53: Monday 2026-12-28 .. Sunday 2027-01-03
    sends = [cn(2026, 12, 27, 23, 59, 59)] * 5 + [cn(2026, 12, 28, 0, 0)] * 3 + [cn(2027, 1, 3, 23, 59)] * 3
    assert q.used("week_7", sends, t) == 6
    assert q.allowed("week_7", sends, t) and not q.allowed("week_7", sends, t, count=2)
    assert not q.allowed("week_7", [*sends, cn(2027, 1, 2)], t)
    assert q.allowed("week_7", [*sends, cn(2027, 1, 4)], t)  # next week's send does not count
    # day_1: yesterday 23:59 China (15:59 UTC) does not use today's one message; today 00:00 does
    day = cn(2026, 11, 23, 9)
    assert q.allowed("day_1", [datetime(2026, 11, 22, 15, 59, tzinfo=UTC)], day)
    assert not q.allowed("day_1", [datetime(2026, 11, 22, 16, 0, tzinfo=UTC)], day)


def test_sends_as_unix_seconds() -> None:
    t = cn(2026, 11, 23, 9)
    today = int(cn(2026, 11, 23, 0, 0).timestamp())
    assert q.used("day_1", [today - 1, today, today + 86_399, today + 86_400], t) == 2
    assert q.remaining("month_days", [today] * 31, t) == 0  # November has 30 days
    assert q.remaining("month_days", iter([today] * 29), t) == 1  # any iterable, read once
