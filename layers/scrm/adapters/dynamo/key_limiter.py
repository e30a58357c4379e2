"""The admin API's per-key request counter, shared by every container through the rate-limit table.

One unconditional ``UpdateItem ADD`` per request returns the new count, so the check is a single
DynamoDB call and two containers can never both take the last slot. The items expire (TTL) two windows
after they start; the table is the WeCom call budget's (``scrm-rate-limits``), whose keys begin with a
corp id (``ww…``), never with ``key#``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from scrm.adapters.dynamo.models import RateLimitItem
from scrm.kernel.request_limit import WINDOW_S, RequestLimited, minute_window


class KeyRequestLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.per_minute = per_minute
        self.clock = clock

    def hit(self, key_id: str) -> None:
        """Count one request of ``key_id``; raises RequestLimited past the limit (refused requests count)."""
        now = self.clock()
        window = minute_window(now)
        R = RateLimitItem
        item = R(f"key#{key_id}#{window.key}")
        item.update(actions=[R.count.add(1), R.expires_at.set(int(now) + 2 * WINDOW_S)])
        if item.count > self.per_minute:
            raise RequestLimited(self.per_minute, window.retry_after_s)
