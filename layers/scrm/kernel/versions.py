"""Ordering of events about one subject.

Queues deliver out of order and WeCom retries late, so every state-changing write carries a version and
is applied only if it is not older than what is stored. CreateTime has one-second resolution; within a
second, the rank decides: an ending (a delete) outranks a start or an edit, so a late retry of an edit
from the same second as a delete cannot bring the relation back. The timeline sorts by the same rank
within a second, so a customer's history reads add → edit → delete even when all three share a second.
"""

from __future__ import annotations

RANKS: dict[str, int] = {
    # relation
    "add_half_external_contact": 1,
    "add_external_contact": 2,
    "edit_external_contact": 3,
    "transfer_fail": 3,
    "del_external_contact": 5,
    "del_follow_user": 5,
    # group, tag
    "create": 1,
    "update": 3,
    "shuffle": 3,
    "dismiss": 5,
    "delete": 5,
    # employee
    "create_user": 1,
    "update_user": 3,
    "delete_user": 5,
}


def version_of(create_time: int, change_type: str) -> int:
    return create_time * 10 + RANKS.get(change_type, 0)


def timeline_order(create_time: int, change_type: str) -> str:
    """Sort-key prefix of a timeline item: the second, then the rank within it."""
    return f"{create_time:010d}#{RANKS.get(change_type, 0)}"


def is_newer_or_same(candidate: int, stored: int | None) -> bool:
    """Re-applying the same version is allowed: effects are idempotent and redelivery must succeed."""
    return stored is None or candidate >= stored
