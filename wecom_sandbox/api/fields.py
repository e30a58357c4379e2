"""Typed reads of optional JSON body fields for the config APIs (contact ways, join ways, templates).

Each helper returns None when the field is absent (or null), so "update only the given fields"
is a matter of skipping Nones, and raises 40058 naming the field when its JSON type or length
is wrong — WeCom's errmsg names the bad parameter the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from .errors import ApiError

T = TypeVar("T")


def opt_str(body: dict[str, Any], name: str, max_chars: int | None = None) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(40058, f"{name} must be a string")
    if max_chars is not None and len(value) > max_chars:
        raise ApiError(40058, f"{name} is longer than {max_chars} characters")
    return value


def opt_bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):  # WeCom's JSON parser takes 0/1 for booleans
        return bool(value)
    raise ApiError(40058, f"{name} must be a boolean")


def opt_int(
    body: dict[str, Any], name: str, low: int | None = None, high: int | None = None, errcode: int = 40058
) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(errcode, f"{name} must be an integer")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ApiError(errcode, f"{name} must be in [{low}, {high}]")
    return value


def opt_list(body: dict[str, Any], name: str, item: type) -> list[Any] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(v, item) and not (item is int and isinstance(v, bool)) for v in value
    ):
        kind = "strings" if item is str else "integers"
        raise ApiError(40058, f"{name} must be an array of {kind}")
    return value


def configured(ways: Mapping[str, T], body: dict[str, Any]) -> T:
    """The contact way or join way named by ``config_id``: 41043 when missing, 41044 when unknown (WeCom
    uses the same two codes for both kinds)."""
    config_id = required_config_id(body, 41043)
    way = ways.get(config_id)
    if way is None:
        raise ApiError(41044, f"config_id {config_id}")
    return way


def required_config_id(body: dict[str, Any], missing: int, wrong_type: int = 40058) -> str:
    value = body.get("config_id")
    if value is None or value == "":
        raise ApiError(missing, "missing config_id")
    if not isinstance(value, str):
        raise ApiError(wrong_type, "config_id must be a string")
    return value
