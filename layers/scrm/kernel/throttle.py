"""WeCom's per-corp, per-API call limits, and the signal that a bulk step must wait for the next window."""

from __future__ import annotations

from dataclasses import dataclass

from scrm.kernel.errors import Throttled

__all__ = ["BULK_SHARE", "WECOM_PER_HOUR", "WECOM_PER_MINUTE", "Throttled", "Windows", "window_ends"]

# WeCom: 10,000 calls per minute and 150,000 per hour per API per corp; past either, 45009 blocks the API
# for the rest of the window. Bulk work keeps 10 % back for the event-driven reads of the same APIs.
WECOM_PER_MINUTE = 10_000
WECOM_PER_HOUR = 150_000
BULK_SHARE = 0.9


@dataclass(frozen=True)
class Windows:
    per_minute: int = int(WECOM_PER_MINUTE * BULK_SHARE)
    per_hour: int = int(WECOM_PER_HOUR * BULK_SHARE)


def window_ends(now: float) -> tuple[tuple[str, int, float], ...]:
    """(window key, seconds it lasts, seconds until it ends) for the minute and the hour ``now`` is in."""
    minute, hour = int(now // 60), int(now // 3600)
    return (
        (f"m{minute}", 60, (minute + 1) * 60 - now),
        (f"h{hour}", 3600, (hour + 1) * 3600 - now),
    )
