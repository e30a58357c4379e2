"""A relation's contributions to the customer statistics: episodes, cohorts, and independence of order."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from scrm.contact_stats.relation_facts import ADD, END, LOSS, Fact, contributions, day_of, delta
from scrm.kernel.china_time import CHINA


def t(day: str, hh: int = 12, mm: int = 0) -> int:
    """Unix seconds of a China wall-clock time."""
    return int(datetime.fromisoformat(f"{day}T{hh:02d}:{mm:02d}:00").replace(tzinfo=CHINA).timestamp())


def add(at: int, half: bool = False) -> Fact:
    return Fact(at, ADD, half=half)


def lost(at: int, by: str = "customer") -> Fact:
    return Fact(at, LOSS, by=by)


def test_china_days_change_at_midnight_utc_plus_8():
    assert day_of(t("2026-03-01", 0, 0)) == "2026-03-01"
    assert day_of(t("2026-03-01", 0, 0) - 1) == "2026-02-28"


def test_an_add_counts_on_its_day():
    assert contributions([add(t("2026-03-01"))]) == {"2026-03-01": {"adds": 1}}


def test_a_half_add_then_the_full_add_is_one_new_customer():
    a = t("2026-03-01", 23, 59)
    assert contributions([add(a, half=True), add(a + 120)]) == {"2026-03-01": {"adds": 1}}


def test_a_loss_counts_on_its_day_and_on_the_cohort_of_the_add():
    c = contributions([add(t("2026-03-01")), lost(t("2026-03-05"))])
    assert c == {"2026-03-01": {"adds": 1, "lost_in_7": 1, "lost_in_30": 1},
                 "2026-03-05": {"lost_by_customer": 1}}


@pytest.mark.parametrize(("after_s", "in7", "in30"), [
    (7 * 86400 - 1, 1, 1), (7 * 86400, 0, 1), (30 * 86400 - 1, 0, 1), (30 * 86400, 0, 0),
])
def test_cohort_windows_are_exact_to_the_second(after_s, in7, in30):
    a = t("2026-03-01", 10)
    c = contributions([add(a), lost(a + after_s, "employee")])
    assert c["2026-03-01"].get("lost_in_7", 0) == in7
    assert c["2026-03-01"].get("lost_in_30", 0) == in30
    assert c[day_of(a + after_s)]["lost_by_employee"] == 1


def test_only_the_first_loss_of_an_episode_counts():
    a = t("2026-03-01")
    c = contributions([add(a), lost(a + 60, "customer"), lost(a + 120, "employee")])
    assert c == {"2026-03-01": {"adds": 1, "lost_by_customer": 1, "lost_in_7": 1, "lost_in_30": 1}}


def test_two_losses_in_one_second_count_once_and_the_same_one_whatever_the_order():
    a = t("2026-03-01")
    both = [lost(a + 5, "employee"), lost(a + 5, "customer")]
    assert contributions([add(a), *both]) == contributions([add(a), *reversed(both)])
    assert contributions([add(a), *both])["2026-03-01"]["lost_by_customer"] == 1


def test_a_re_add_after_a_loss_is_a_new_customer():
    c = contributions([add(t("2026-03-01")), lost(t("2026-03-02")), add(t("2026-03-10"))])
    assert c["2026-03-10"] == {"adds": 1}
    assert c["2026-03-01"]["adds"] == 1


def test_a_transfer_ends_the_episode_without_a_loss():
    c = contributions([add(t("2026-03-01")), Fact(t("2026-03-02"), END), add(t("2026-03-03"))])
    assert c == {"2026-03-01": {"adds": 1}, "2026-03-03": {"adds": 1}}


def test_a_loss_of_a_relation_older_than_our_facts_counts_without_a_cohort():
    c = contributions([lost(t("2026-03-05")), lost(t("2026-03-05", 13), "employee")])
    assert c == {"2026-03-05": {"lost_by_customer": 1}}


def test_a_loss_at_the_second_of_its_add_belongs_to_that_add():
    a = t("2026-03-01")
    assert contributions([lost(a), add(a)]) == {"2026-03-01": {"adds": 1, "lost_by_customer": 1, "lost_in_7": 1,
                                                               "lost_in_30": 1}}


def test_duplicated_facts_count_once():
    a = t("2026-03-01")
    assert contributions([add(a), add(a), lost(a + 9), lost(a + 9)]) == contributions([add(a), lost(a + 9)])


def test_every_arrival_order_gives_the_same_counters():
    """The rows a relation moves are a function of its set of facts: applying each new fact as the delta
    between before and after ends in the same totals, in any order of arrival."""
    facts = [add(t("2026-03-01"), half=True), add(t("2026-03-01", 12, 1)), lost(t("2026-03-03"), "employee"),
             lost(t("2026-03-03", 13)), add(t("2026-04-20")), Fact(t("2026-04-21"), END), add(t("2026-05-01")),
             lost(t("2026-06-15"))]
    expected = contributions(facts)
    assert expected == {
        "2026-03-01": {"adds": 1, "lost_in_7": 1, "lost_in_30": 1},
        "2026-03-03": {"lost_by_employee": 1},
        "2026-04-20": {"adds": 1},
        "2026-05-01": {"adds": 1},
        "2026-06-15": {"lost_by_customer": 1},
    }
    for order in itertools.islice(itertools.permutations(facts), 0, None, 97):
        rows: dict[str, dict[str, int]] = {}
        seen: list[Fact] = []
        applied: dict[str, dict[str, int]] = {}
        for f in order:
            seen.append(f)
            after = contributions(seen)
            for day, moves in delta(applied, after).items():
                for c, n in moves.items():
                    rows.setdefault(day, {}).setdefault(c, 0)
                    rows[day][c] += n
            applied = after
        assert {d: {c: n for c, n in cs.items() if n} for d, cs in rows.items()} == expected, order


def test_delta_leaves_out_what_did_not_move():
    assert delta({"d1": {"adds": 1}}, {"d1": {"adds": 1, "lost_in_7": 1}, "d2": {"lost_by_customer": 1}}) == {
        "d1": {"lost_in_7": 1}, "d2": {"lost_by_customer": 1}}
    assert delta({"d1": {"lost_by_employee": 1}}, {"d1": {"lost_by_customer": 1}}) == {
        "d1": {"lost_by_customer": 1, "lost_by_employee": -1}}


def test_a_fact_must_be_well_formed():
    with pytest.raises(ValueError):
        Fact(1, "edit")
    with pytest.raises(ValueError):
        Fact(1, LOSS, by="nobody")
    assert Fact(5, LOSS, by="customer").key != Fact(5, LOSS, by="employee").key
    assert Fact(5, ADD).key == Fact(5, ADD, half=True).key
