from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from scrm.sops.schedule import (
    DueStep,
    due_in_window,
    minute_key,
    minute_keys,
    minute_start,
    next_occurrence,
    relative_due_at,
    relative_plan,
    still_due,
)
from scrm.sops.spec import SopSpec, Trigger, parse_customer_sop, parse_group_sop
from scrm.sops.targets import (
    CustomerFacts,
    GroupFacts,
    customer_matches,
    days_since,
    group_matches,
    parse_customer_targets,
    parse_group_targets,
)

CN = timezone(timedelta(hours=8))


def cn(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=CN)


def trig(spec: dict[str, Any]) -> Trigger:
    return parse_customer_sop({"name": "n", "steps": [{"text": "x", **spec}]}).steps[0].trigger


def after(days: int, at: str) -> Trigger:
    return trig({"after_added_days": days, "at": at})


# relative steps ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("added", "days", "at", "due"),
    [
        (cn(2026, 11, 23, 9, 0), 0, "10:00", cn(2026, 11, 23, 10, 0)),  # day 0, later today
        (cn(2026, 11, 23, 10, 0), 0, "10:00", cn(2026, 11, 23, 10, 0)),  # exactly then: due now
        (cn(2026, 11, 23, 10, 0, 30), 0, "10:00", cn(2026, 11, 24, 10, 0)),  # passed by 30 s: next day
        (cn(2026, 11, 23, 15, 0), 0, "10:00", cn(2026, 11, 24, 10, 0)),  # passed: next day
        (cn(2026, 11, 23, 23, 59, 59), 0, "00:00", cn(2026, 11, 24, 0, 0)),
        (cn(2026, 11, 23, 0, 0), 0, "23:59", cn(2026, 11, 23, 23, 59)),
        (cn(2026, 11, 23, 23, 59, 59), 1, "00:00", cn(2026, 11, 24, 0, 0)),  # day 1 starts at midnight
        (cn(2026, 11, 23, 15, 0), 3, "10:00", cn(2026, 11, 26, 10, 0)),  # day N ignores the add's hour
        (cn(2026, 1, 31, 12, 0), 1, "09:00", cn(2026, 2, 1, 9, 0)),  # month end
        (cn(2028, 2, 28, 12, 0), 1, "09:00", cn(2028, 2, 29, 9, 0)),  # leap day
        (cn(2026, 2, 28, 12, 0), 1, "09:00", cn(2026, 3, 1, 9, 0)),  # no leap day in 2026
        (cn(2026, 12, 31, 20, 0), 1, "08:00", cn(2027, 1, 1, 8, 0)),  # year end
        (cn(2028, 2, 29, 23, 0), 0, "22:00", cn(2028, 3, 1, 22, 0)),  # passed on a leap day: next day
        (cn(2026, 11, 23, 8, 0), 365, "08:00", cn(2027, 11, 23, 8, 0)),
    ],
)
def test_relative_due_at(added: datetime, days: int, at: str, due: datetime) -> None:
    got = relative_due_at(added, after(days, at))
    assert got == due and got >= added


def test_relative_due_uses_the_china_day_of_an_utc_add_time() -> None:
    # 2026-11-30 16:30 UTC is already 2026-12-01 00:30 in China: day 1 is 2026-12-02
    added = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    assert relative_due_at(added, after(1, "00:00")) == cn(2026, 12, 2, 0, 0)
    assert relative_due_at(added, after(0, "00:00")) == cn(2026, 12, 2, 0, 0)  # 00:00 today had passed
    assert minute_key(relative_due_at(added, after(0, "00:31"))) == "2026-12-01T00:31"


def test_relative_plan_leaves_out_steps_due_before_the_sop_was_enabled() -> None:
    spec = parse_customer_sop({"name": "n", "steps": [
        {"after_added_days": 0, "at": "10:00", "text": "a"},
        {"after_added_days": 3, "at": "10:00", "text": "b"},
        {"weekly": [1], "at": "10:00", "text": "c"},
        {"after_added_days": 7, "at": "10:00", "text": "d"},
    ]})  # fmt: skip
    added = cn(2026, 11, 23, 9, 0)
    assert [(s.step_id, due) for s, due in relative_plan(spec, added, added)] == [
        ("s1", cn(2026, 11, 23, 10)), ("s2", cn(2026, 11, 26, 10)), ("s4", cn(2026, 11, 30, 10))
    ]  # fmt: skip
    enabled = cn(2026, 11, 26, 10, 0)  # the day-3 step is due exactly now: still to send
    assert [s.step_id for s, _ in relative_plan(spec, added, enabled)] == ["s2", "s4"]
    assert [s.step_id for s, _ in relative_plan(spec, added, enabled + timedelta(seconds=1))] == ["s4"]


def test_still_due_drops_items_of_edited_removed_or_paused_steps() -> None:
    spec = parse_customer_sop({"name": "n", "steps": [{"after_added_days": 3, "at": "10:00", "text": "a"}]})
    added = cn(2026, 11, 23, 9)
    key = minute_key(relative_due_at(added, spec.steps[0].trigger))
    assert key == "2026-11-26T10:00"
    assert still_due(spec, "s1", added, key)
    moved = parse_customer_sop({"steps": [{"id": "s1", "after_added_days": 3, "at": "11:00", "text": "a"}]}, spec)
    assert not still_due(moved, "s1", added, key)
    assert still_due(moved, "s1", added, "2026-11-26T11:00")
    assert not still_due(parse_customer_sop({"status": "paused"}, spec), "s1", added, key)
    assert not still_due(spec, "s2", added, key)


# fixed dates and weekly --------------------------------------------------------------------------
def test_a_fixed_date_is_due_once_then_never() -> None:
    t = trig({"date": "2028-02-29", "at": "23:59"})
    assert next_occurrence(t, cn(2028, 1, 1)) == cn(2028, 2, 29, 23, 59)
    assert next_occurrence(t, cn(2028, 2, 29, 23, 59)) == cn(2028, 2, 29, 23, 59)  # at or after
    assert next_occurrence(t, cn(2028, 2, 29, 23, 59, 1)) is None
    assert next_occurrence(t, datetime(2028, 2, 29, 15, 59, tzinfo=UTC)) == cn(2028, 2, 29, 23, 59)
    assert next_occurrence(t, datetime(2028, 2, 29, 16, 0, tzinfo=UTC)) is None  # 03-01 00:00 China


@pytest.mark.parametrize(
    ("weekdays", "at", "after_", "due"),
    [
        ([1], "10:00", cn(2026, 11, 23, 9, 0), cn(2026, 11, 23, 10, 0)),  # Monday, later today
        ([1], "10:00", cn(2026, 11, 23, 10, 0), cn(2026, 11, 23, 10, 0)),  # at or after
        ([1], "10:00", cn(2026, 11, 23, 10, 0, 1), cn(2026, 11, 30, 10, 0)),  # passed: a week later
        ([5], "18:00", cn(2026, 12, 31, 19, 0), cn(2027, 1, 1, 18, 0)),  # Thursday → Friday, across year end
        ([4], "18:00", cn(2026, 12, 31, 19, 0), cn(2027, 1, 7, 18, 0)),  # passed on New Year's Eve
        ([1, 7], "00:00", cn(2026, 12, 31, 0, 1), cn(2027, 1, 3, 0, 0)),  # the Sunday comes first
        ([2], "23:59", cn(2028, 2, 28, 23, 59), cn(2028, 2, 29, 23, 59)),  # the Tuesday is a leap day
        ([6], "00:00", cn(2026, 1, 31, 0, 0), cn(2026, 1, 31, 0, 0)),  # month end, midnight
    ],
)
def test_weekly_next_occurrence(weekdays: list[int], at: str, after_: datetime, due: datetime) -> None:
    got = next_occurrence(trig({"weekly": weekdays, "at": at}), after_)
    assert got == due and got.isoweekday() in weekdays


def test_relative_steps_have_no_shared_occurrence() -> None:
    with pytest.raises(ValueError, match="relative_due_at"):
        next_occurrence(after(1, "10:00"), cn(2026, 1, 1))


def sops() -> dict[str, SopSpec]:
    return {
        "weekly": parse_group_sop({"name": "w", "steps": [
            {"weekly": [5], "at": "18:00", "text": "Friday offer"},
            {"weekly": [1, 5], "at": "18:00", "text": "Also on Friday"},
            {"after_created_days": 0, "at": "18:00", "text": "new group"},
        ]}),  # fmt: skip
        "fixed": parse_customer_sop({"name": "f", "steps": [
            {"date": "2027-01-01", "at": "18:00", "text": "New year"},
            {"date": "2027-01-01", "at": "18:01", "text": "a minute later"},
            {"after_added_days": 0, "at": "18:00", "text": "relative: not in the window"},
        ]}),  # fmt: skip
        "paused": parse_customer_sop({"name": "p", "status": "paused", "steps": [
            {"date": "2027-01-01", "at": "18:00", "text": "x"}]}),  # fmt: skip
    }


def test_due_in_window_lists_time_based_steps_of_active_sops_in_that_minute() -> None:
    friday = cn(2027, 1, 1, 18, 0)  # a Friday
    due = due_in_window(sops(), friday)
    assert due == [DueStep("fixed", "s1", friday), DueStep("weekly", "s1", friday), DueStep("weekly", "s2", friday)]
    assert [d.minute for d in due] == ["2027-01-01T18:00"] * 3
    # the window is [t, t + 60 s): a tick that started 59 s before still sees 18:00, one at 18:00:01 does not
    assert len(due_in_window(sops(), friday - timedelta(seconds=59))) == 3
    assert due_in_window(sops(), friday - timedelta(seconds=60)) == []
    assert due_in_window(sops(), friday + timedelta(seconds=1)) == [DueStep("fixed", "s2", cn(2027, 1, 1, 18, 1))]
    assert due_in_window(sops(), cn(2027, 1, 4, 18, 0)) == [DueStep("weekly", "s2", cn(2027, 1, 4, 18, 0))]


def test_a_wider_window_catches_up_every_occurrence_in_order() -> None:
    start = cn(2026, 12, 25, 17, 0)  # a Friday, before 18:00
    due = due_in_window(sops(), start, timedelta(days=14))
    assert [(d.sop_id, d.step_id, d.due_at) for d in due] == [
        ("weekly", "s1", cn(2026, 12, 25, 18)), ("weekly", "s2", cn(2026, 12, 25, 18)),
        ("weekly", "s2", cn(2026, 12, 28, 18)),
        ("fixed", "s1", cn(2027, 1, 1, 18)), ("weekly", "s1", cn(2027, 1, 1, 18)),
        ("weekly", "s2", cn(2027, 1, 1, 18)), ("fixed", "s2", cn(2027, 1, 1, 18, 1)),
        ("weekly", "s2", cn(2027, 1, 4, 18)),
    ]  # fmt: skip


# minute keys -------------------------------------------------------------------------------------
def test_minute_keys_are_china_minutes() -> None:
    assert minute_key(cn(2026, 11, 23, 10, 5, 59)) == "2026-11-23T10:05"
    assert minute_key(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)) == "2026-12-01T00:00"
    assert minute_key(datetime(2026, 12, 31, 15, 59, 30, tzinfo=UTC)) == "2026-12-31T23:59"
    assert minute_start("2028-02-29T23:59") == cn(2028, 2, 29, 23, 59)
    assert minute_key(minute_start("2027-01-01T00:00")) == "2027-01-01T00:00"


def test_minute_keys_between_cover_midnight_and_year_end() -> None:
    keys = minute_keys(cn(2026, 12, 31, 23, 58, 40), cn(2027, 1, 1, 0, 1, 5))
    assert keys == ["2026-12-31T23:58", "2026-12-31T23:59", "2027-01-01T00:00"]
    assert minute_keys(cn(2026, 1, 1, 10, 0, 1), cn(2026, 1, 1, 10, 0, 59)) == []
    assert len(minute_keys(cn(2028, 2, 28), cn(2028, 3, 1))) == 2 * 24 * 60  # the leap day counts


# who a SOP is for --------------------------------------------------------------------------------
def facts(**kw: Any) -> CustomerFacts:
    base: dict[str, Any] = {"external_userid": "wm1", "userid": "u1", "added_at": cn(2026, 11, 23, 9),
                            "tag_ids": frozenset({"vip", "sh"}), "state": "c1", "departments": frozenset({3})}  # fmt: skip
    return CustomerFacts(**{**base, **kw})


@pytest.mark.parametrize(
    ("targets", "kw", "expected"),
    [
        ({}, {}, True),
        ({"tags_all": ["vip", "sh"]}, {}, True),
        ({"tags_all": ["vip", "bj"]}, {}, False),
        ({"tags_any": ["bj", "sh"]}, {}, True),
        ({"tags_any": ["bj"]}, {}, False),
        ({"tags_none": ["blocked"]}, {}, True),
        ({"tags_none": ["sh"]}, {}, False),
        ({"states": ["c1", "c2"]}, {}, True),
        ({"states": ["c2"]}, {}, False),
        ({"states": ["c2"]}, {"state": ""}, False),
        ({"employees": ["u1"]}, {}, True),
        ({"employees": ["u2"]}, {}, False),
        ({"departments": [3]}, {}, True),
        ({"departments": [4]}, {}, False),
        ({"employees": ["u2"], "departments": [3]}, {}, True),  # either: u1 is in department 3
        ({"employees": ["u1"], "departments": [4]}, {}, True),
        ({"employees": ["u2"], "departments": [4]}, {}, False),
        ({}, {"status": "deleted_by_customer"}, False),
    ],
)
def test_customer_matches(targets: dict[str, Any], kw: dict[str, Any], expected: bool) -> None:
    assert customer_matches(parse_customer_targets(targets), facts(**kw), cn(2026, 11, 24)) is expected


def test_days_since_added_are_china_days_and_bounds_inclusive() -> None:
    added = cn(2026, 11, 23, 23, 59)
    assert days_since(added, cn(2026, 11, 23, 23, 59, 59)) == 0
    assert days_since(added, cn(2026, 11, 24, 0, 0)) == 1  # a minute later, the next China day
    assert days_since(datetime(2026, 2, 28, 16, 0, tzinfo=UTC), cn(2026, 3, 1, 0, 0)) == 0  # UTC input
    first_week = parse_customer_targets({"days_since_added": {"min": 1, "max": 7}})
    c = facts(added_at=added)
    assert not customer_matches(first_week, c, cn(2026, 11, 23, 23, 59, 59))
    assert customer_matches(first_week, c, cn(2026, 11, 24, 0, 0))
    assert customer_matches(first_week, c, cn(2026, 11, 30, 23, 59))
    assert not customer_matches(first_week, c, cn(2026, 12, 1, 0, 0))


def test_a_day_n_step_agrees_with_a_days_since_added_range() -> None:
    added = cn(2026, 11, 23, 15)
    due = relative_due_at(added, after(7, "10:00"))
    assert days_since(added, due) == 7
    assert customer_matches(parse_customer_targets({"days_since_added": {"max": 7}}), facts(added_at=added), due)


def test_customer_facts_from_a_stored_relation() -> None:
    c = CustomerFacts.from_relation(
        {"external_userid": "wm9", "userid": "u7", "add_time": 1_795_400_000, "tag_ids": ["a", "b"], "state": "c9"},
        departments=[2, 5],
    )
    assert c == CustomerFacts("wm9", "u7", datetime.fromtimestamp(1_795_400_000, UTC), frozenset({"a", "b"}),
                              "c9", frozenset({2, 5}), "active")  # fmt: skip


@pytest.mark.parametrize(
    ("targets", "kw", "expected"),
    [
        ({}, {}, True),
        ({"owners": ["u1", "u2"]}, {}, True),
        ({"owners": ["u2"]}, {}, False),
        ({"name_contains": "store"}, {}, True),  # case-insensitive
        ({"name_contains": "上海"}, {}, True),
        ({"name_contains": "北京"}, {}, False),
        ({"tags_any": ["t1", "t9"]}, {}, True),
        ({"tags_any": ["t9"]}, {}, False),
        ({"tags_any": ["t1"]}, {"tag_ids": frozenset()}, False),  # tags unknown: no tag match
        ({}, {"status": "dismissed"}, False),
    ],
)
def test_group_matches(targets: dict[str, Any], kw: dict[str, Any], expected: bool) -> None:
    g = GroupFacts(**{"chat_id": "wr1", "owner": "u1", "name": "上海 Store 1", "tag_ids": frozenset({"t1"}), **kw})
    assert group_matches(parse_group_targets(targets), g) is expected


def test_a_targets_filter_at_a_moment_agrees_with_customer_matches_around_every_day_edge() -> None:
    """The filter a date / weekly step hands to the search (days since added as an add-time range) picks
    exactly the relations customer_matches picks at that moment, at China midnights and around them."""
    from scrm.kernel.china_time import CHINA
    from scrm.sops.targets import CustomerFacts, CustomerTargets, as_recipient_filter, customer_matches

    at = datetime(2026, 11, 23, 10, 5, tzinfo=CHINA)
    midnight = int(datetime(2026, 11, 23, tzinfo=CHINA).timestamp())
    adds = [midnight - d * 86_400 + off for d in range(0, 12) for off in (-1, 0, 1, 3600, 86_399)]
    for low, high in [(None, None), (0, 0), (3, None), (None, 3), (2, 7), (7, 7), (0, 10)]:
        targets = CustomerTargets(tags_any=("vip",), days_min=low, days_max=high)
        f = as_recipient_filter(targets, at, ())
        for added in adds:
            for tags in ([], ["vip"]):
                row = {"external_userid": "e", "userid": "u", "add_time": added, "tag_ids": tags, "state": "",
                       "status": "active"}  # fmt: skip
                expected = customer_matches(targets, CustomerFacts.from_relation(row), at)
                assert f.matches(row) == expected, (low, high, datetime.fromtimestamp(added, UTC), tags)
    members = as_recipient_filter(CustomerTargets(departments=(2,)), at, ["bob", "alice", "bob"])
    assert members.employees == ("alice", "bob")
