"""scrm.kernel.versions: ordering of state-changing events about one subject."""

from __future__ import annotations

import pytest
from scrm.kernel.versions import RANKS, is_newer_or_same, version_of

T = 1_700_000_000


@pytest.mark.parametrize(
    ("ending", "others"),
    [
        (
            "del_follow_user",
            ["add_external_contact", "add_half_external_contact", "edit_external_contact", "transfer_fail"],
        ),
        (
            "del_external_contact",
            ["add_external_contact", "add_half_external_contact", "edit_external_contact", "transfer_fail"],
        ),
        ("dismiss", ["create", "update"]),
        ("delete", ["create", "update", "shuffle"]),
        ("delete_user", ["create_user", "update_user"]),
    ],
)
def test_within_a_second_a_delete_outranks_add_and_edit(ending: str, others: list[str]) -> None:
    for other in others:
        assert version_of(T, ending) > version_of(T, other), other
        assert not is_newer_or_same(version_of(T, other), version_of(T, ending)), other
        assert is_newer_or_same(version_of(T, ending), version_of(T, other)), other


def test_add_outranks_half_add_in_the_same_second() -> None:
    assert version_of(T, "add_external_contact") > version_of(T, "add_half_external_contact")


@pytest.mark.parametrize("early", [*RANKS, "never_heard_of_it"])
@pytest.mark.parametrize("late", [*RANKS, "never_heard_of_it"])
def test_a_later_second_always_wins(early: str, late: str) -> None:
    assert version_of(T + 1, late) > version_of(T, early)
    assert is_newer_or_same(version_of(T + 1, late), version_of(T, early))
    assert not is_newer_or_same(version_of(T, early), version_of(T + 1, late))


def test_ranks_stay_below_ten() -> None:
    """The rank lives in the last decimal digit; 10 would spill into the next second."""
    assert all(0 <= r < 10 for r in RANKS.values())


def test_version_values() -> None:
    assert version_of(T, "del_follow_user") == T * 10 + 5
    assert version_of(T, "add_half_external_contact") == T * 10 + 1
    assert version_of(T, "unknown_change") == T * 10
    assert version_of(T, "del_follow_user") // 10 == T  # the store recovers create_time this way


def test_is_newer_or_same() -> None:
    assert is_newer_or_same(5, None)
    assert is_newer_or_same(5, 5)  # redelivery re-applies
    assert is_newer_or_same(6, 5)
    assert not is_newer_or_same(4, 5)
    assert is_newer_or_same(0, 0)
