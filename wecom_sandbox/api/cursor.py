"""Opaque paging cursors.

Cursors carry a position keyed on creation sequence numbers (not list offsets), so paging stays
stable when relations or groups are added or removed between pages.  They are base64 so clients
treat them as opaque, as they must with WeCom.
"""

from __future__ import annotations

import base64
import binascii

from .errors import ApiError


def encode(*parts: int) -> str:
    raw = "v1:" + ":".join(str(p) for p in parts)
    return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii").rstrip("=")


def decode(cursor: str, count: int) -> tuple[int, ...]:
    """Decode a cursor made by encode() with `count` integers; bad cursors → 40058."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        prefix, *parts = raw.split(":")
        values = tuple(int(p) for p in parts)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(40058, "invalid cursor") from None
    if prefix != "v1" or len(values) != count or any(v < 0 for v in values):
        raise ApiError(40058, "invalid cursor")
    return values
