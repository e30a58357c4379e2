"""Per-recipient pacing: never more than the caps in any sliding minute or hour, whatever the timing."""

from __future__ import annotations

import random

from scrm.alerts.pacing import Caps, Pace

CAPS = Caps(per_minute=25, per_hour=900)


def _send_all(times: list[float], caps: Caps = CAPS, day_cap: int | None = None) -> list[float]:
    pace, sent = Pace(), []
    for t in times:
        after = pace.take(t, caps, "2026-11-23", day_cap)
        if after is not None:
            pace, sent = Pace.from_json(after.to_json()), [*sent, t]  # through storage, as the adapter does
    return sent


def test_a_burst_gets_the_minute_cap_then_waits():
    sent = _send_all([1000.0 + i * 0.1 for i in range(40)])
    assert len(sent) == 25


def test_no_sliding_minute_ever_holds_more_than_the_cap_across_a_minute_boundary():
    # 25 at hh:59 and 25 more at hh+1:00 would be 50 in one minute with fixed windows.
    times = [59.0 * 60 + 30 + i for i in range(25)] + [60.0 * 60 + i for i in range(25)]
    sent = _send_all(times)
    assert all(sum(1 for s in sent if t - 60 < s <= t) <= 25 for t in sent)
    assert len(sent) < 50


def test_random_traffic_never_breaks_either_cap():
    rng = random.Random(7)
    times = sorted(rng.uniform(0, 3 * 3600) for _ in range(6000))
    caps = Caps(per_minute=25, per_hour=300)
    sent = _send_all(times, caps)
    assert all(sum(1 for s in sent if t - 60 < s <= t) <= 25 for t in sent)
    assert all(sum(1 for s in sent if t - 3600 < s <= t) <= 300 for t in sent)
    assert len(sent) >= 600  # and it is not needlessly strict: 3 hours, at least 2 hours' worth


def test_the_day_cap_counts_single_alerts_per_day_only():
    pace = Pace()
    for i in range(3):
        pace = pace.take(100.0 * i, CAPS, "2026-11-23", day_cap=3)
    assert pace.take(400.0, CAPS, "2026-11-23", day_cap=3) is None
    assert pace.take(400.0, CAPS, "2026-11-23") is not None  # a digest is not counted against it
    assert pace.take(400.0, CAPS, "2026-11-24", day_cap=3) is not None  # a new China day
    assert _send_all([1.0, 2.0], day_cap=0) == []
