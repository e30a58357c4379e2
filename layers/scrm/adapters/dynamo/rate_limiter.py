"""A call budget shared by every Lambda: one counter per corp, API and window, raised by a conditional ADD.

A Lambda that finds the window full does not call WeCom at all (so 45009 never happens in normal
operation); it gets ``Throttled`` with the time until the window ends, and the step is re-sent delayed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pynamodb.exceptions import UpdateError

from scrm.adapters.dynamo.conditional import condition_failed
from scrm.adapters.dynamo.models import RateLimitItem
from scrm.kernel.throttle import Throttled, Windows, window_ends


class SharedRateLimiter:
    def __init__(self, windows: Windows | None = None, clock: Callable[[], float] = time.time) -> None:
        self.windows = windows or Windows()
        self.clock = clock

    def acquire(self, corp_id: str, api: str) -> None:
        now = self.clock()
        limits = (self.windows.per_minute, self.windows.per_hour)
        for (key, length, remaining), limit in zip(window_ends(now), limits, strict=True):
            R = RateLimitItem
            item = R(f"{corp_id}#{api}#{key}")
            try:
                item.update(
                    actions=[R.count.add(1), R.expires_at.set(int(now) + 2 * length)],
                    condition=R.count.does_not_exist() | (R.count < limit),
                )
            except UpdateError as exc:
                if condition_failed(exc):
                    raise Throttled(api, remaining) from None
                raise
