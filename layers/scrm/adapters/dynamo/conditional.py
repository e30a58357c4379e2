"""Conditional writes that lose a race are not errors: the caller learns it lost and moves on."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import UpdateError


def condition_failed(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def update_if(item: Any, actions: list[Any], condition: Any) -> bool:
    """Apply if the condition holds; False when it does not (a newer write, another lock owner)."""
    try:
        item.update(actions=actions, condition=condition)
        return True
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise


__all__ = ["condition_failed", "update_if"]
