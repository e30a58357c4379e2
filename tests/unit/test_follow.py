"""scrm.customers.follow: which status each change_external_contact event sets."""

from __future__ import annotations

import pytest
from scrm.customers.follow import DELETE_BY_TRANSFER, FollowStatus, status_after


@pytest.mark.parametrize(
    ("change", "source", "status"),
    [
        ("add_external_contact", "", FollowStatus.ACTIVE),
        ("add_half_external_contact", "", FollowStatus.ACTIVE),
        ("del_follow_user", "", FollowStatus.DELETED_BY_CUSTOMER),
        ("del_external_contact", "", FollowStatus.DELETED_BY_EMPLOYEE),
        ("del_external_contact", "SOMETHING_ELSE", FollowStatus.DELETED_BY_EMPLOYEE),
        ("del_external_contact", DELETE_BY_TRANSFER, FollowStatus.TRANSFERRED),
        ("edit_external_contact", "", None),
        ("transfer_fail", "", None),
        ("msg_audit_approved", "", None),
        ("", "", None),
    ],
)
def test_status_after(change: str, source: str, status: FollowStatus | None) -> None:
    assert status_after(change, source) == status


def test_status_values_are_the_stored_strings() -> None:
    assert [s.value for s in FollowStatus] == [
        "active",
        "deleted_by_customer",
        "deleted_by_employee",
        "transferred",
        "gone",
    ]
    assert DELETE_BY_TRANSFER == "DELETE_BY_TRANSFER"
