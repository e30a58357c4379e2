"""Cursors for lists the admin API builds in memory and answers a page at a time (a send's outcomes, a
transfer's customers and groups): Lambda answers at most 6 MB, and one send can reach 100,000 customers.

A cursor is the last key of the page before, sealed with the corp and the list it belongs to, so a cursor
of another corp or another list is refused (400 ``cursor``) rather than silently read against this one.
Lists are sorted by the same key, so pages neither repeat nor skip an item while the list only grows.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

from scrm.kernel.field_error import FieldError

T = TypeVar("T")
CURSOR_MAX = 1024  # characters of a token: a corp id, a list name and one key, in base64
KEY_MAX = 300  # characters of the key inside: "group/" and a chat id, with room to spare


def to_token(data: object) -> str:
    """JSON in URL-safe base64 without padding: the one token format of every cursor this API hands out."""
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def from_token(token: str, max_len: int, bad: Exception) -> object:
    """What ``to_token`` sealed; ``bad`` for a token too long or not base64 JSON (a forged one is a 400)."""
    if len(token) > max_len:
        raise bad
    try:
        return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise bad from None


def encode(corp_id: str, scope: str, after: str) -> str:
    return to_token({"c": corp_id, "s": scope, "a": after})


def decode(token: str, corp_id: str, scope: str) -> str:
    """The key to continue after ("" without a token); any token this list did not hand out is a 400."""
    if not token:
        return ""
    bad = FieldError("cursor", "is not a cursor this list returned; start without one")
    data = from_token(token, CURSOR_MAX, bad)
    if not isinstance(data, dict) or set(data) != {"c", "s", "a"}:
        raise bad
    after = data["a"]
    if (
        data["c"] != corp_id
        or data["s"] != scope
        or not isinstance(after, str)
        or not 0 < len(after) <= KEY_MAX
    ):
        raise bad
    return after


def page(
    rows: Sequence[T], key: Callable[[T], str], corp_id: str, scope: str, cursor: str, limit: int
) -> tuple[list[T], str]:
    """Up to ``limit`` rows after the cursor's key, in key order, and the cursor after them ("" at the end)."""
    after = decode(cursor, corp_id, scope)
    ordered = sorted((r for r in rows if key(r) > after), key=key)
    taken = ordered[:limit]
    more = len(ordered) > limit
    return taken, encode(corp_id, scope, key(taken[-1])) if more and taken else ""
