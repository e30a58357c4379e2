"""The follow relation between one employee and one customer, and how events move its status."""

from __future__ import annotations

from enum import StrEnum


class FollowStatus(StrEnum):
    ACTIVE = "active"
    DELETED_BY_CUSTOMER = "deleted_by_customer"  # del_follow_user: the churn signal
    DELETED_BY_EMPLOYEE = "deleted_by_employee"  # del_external_contact
    TRANSFERRED = "transferred"  # del_external_contact with Source=DELETE_BY_TRANSFER
    GONE = "gone"  # we held it, a full sync did not find it in WeCom (a missed callback): drift repaired


DELETE_BY_TRANSFER = "DELETE_BY_TRANSFER"


def status_after(change_type: str, source: str = "") -> FollowStatus | None:
    """The status an event sets; None for events that leave the status alone (edit, transfer_fail)."""
    if change_type in ("add_external_contact", "add_half_external_contact"):
        return FollowStatus.ACTIVE
    if change_type == "del_follow_user":
        return FollowStatus.DELETED_BY_CUSTOMER
    if change_type == "del_external_contact":
        return FollowStatus.TRANSFERRED if source == DELETE_BY_TRANSFER else FollowStatus.DELETED_BY_EMPLOYEE
    return None
