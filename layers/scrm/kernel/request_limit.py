"""Per-key request limits of the admin API: a fixed window per key, and the refusal a caller sees.

A fixed window (not a sliding one) keeps the check to one atomic counter update per request; its cost is
that a key may make up to twice its limit across a window boundary, which is fine for abuse protection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WINDOW_S = 60


@dataclass(frozen=True)
class Window:
    key: str  # e.g. "m29123456": the minute since the epoch
    retry_after_s: int  # whole seconds until the window ends (at least 1)


def minute_window(now: float) -> Window:
    minute = int(now // WINDOW_S)
    return Window(f"m{minute}", max(1, math.ceil((minute + 1) * WINDOW_S - now)))


class RequestLimited(Exception):
    """This key made more than its requests per window; it may ask again in ``retry_after_s``. ``message``:
    other words for the caller (the public routes' customers read Chinese first)."""

    def __init__(self, limit: int, retry_after_s: int, message: str | None = None) -> None:
        super().__init__(message or f"this key's limit of {limit} requests a minute is spent; retry in {retry_after_s} s")
        self.limit = limit
        self.retry_after_s = retry_after_s


def public_limited(limit: int, retry_after_s: int) -> RequestLimited:
    """The refusal of a public route (no key: the landing pages) past its limit per client address and corp."""
    return RequestLimited(limit, retry_after_s, f"访问过于频繁，请 {retry_after_s} 秒后再试。Too many requests from "
                          f"this network ({limit} a minute); retry in {retry_after_s} s.")
