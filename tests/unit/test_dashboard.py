"""The dashboard's answer (contact_stats.dashboard): the 30-day series from the corp's day roll-ups, today's
figures, the channel codes ranked by adds, the missed welcomes."""

from __future__ import annotations

from datetime import date

from scrm.contact_stats.dashboard import ranked_codes, trend, window


def test_the_trend_has_a_value_for_every_day_and_today_is_the_last():
    first, last = window(date(2026, 12, 5))
    assert (first, last) == ("2026-11-06", "2026-12-05")
    cust = [{"day": "2026-11-06", "adds": 3, "lost_by_customer": 1, "lost_by_employee": 0},
            {"day": "2026-12-05", "adds": 2, "lost_by_customer": 0, "lost_by_employee": 1}]  # fmt: skip
    groups = [{"day": "2026-12-01", "joins": 4, "quits": 1}]
    t = trend(cust, groups, first, last)
    assert len(t["series"]["days"]) == 30 and t["series"]["new"][0] == 3 and t["series"]["new"][1] == 0
    assert t["today"] == {"new": 2, "lost": 1, "net": 1, "group_joins": 0, "group_quits": 0, "group_net": 0}
    assert t["last_30_days"] == {"new": 5, "lost": 2, "net": 3, "group_joins": 4, "group_quits": 1, "group_net": 3}


def test_codes_are_ranked_by_adds_in_each_window_and_quiet_ones_left_out():
    codes = [
        ("c1", "地推", [{"day": "2026-12-05", "adds": 1, "welcomes_missed": 1}, {"day": "2026-12-01", "adds": 9}]),
        ("c2", "海报", [{"day": "2026-12-05", "adds": 4}]),
        ("c3", "quiet", []),
        *((f"x{i}", f"n{i:02d}", [{"day": "2026-11-20", "adds": 1}]) for i in range(12)),
    ]
    r = ranked_codes(codes, "2026-12-05")
    assert [c["code_id"] for c in r["codes_today"]] == ["c2", "c1"]
    assert [c["code_id"] for c in r["codes_30_days"]][:2] == ["c1", "c2"] and len(r["codes_30_days"]) == 10
    assert r["welcomes_missed"] == {"today": 1, "last_30_days": 1}
