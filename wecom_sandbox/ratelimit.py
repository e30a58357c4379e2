"""Opt-in per-corp, per-API call quotas like WeCom's frequency limit (errcode 45009).

WeCom allows each corp 10,000 calls per minute and 150,000 per hour to each API (doc 90454);
past that, every call to that API answers 45009 until the window ends.  A benchmark or a retry
test needs to see that happen, so a corp can set `rate_limit_per_min` and/or
`rate_limit_per_hour` (None, the default, means unlimited: most tests must not trip over a
quota they did not ask for).

Choices, since WeCom does not document them precisely:
- Windows are fixed and aligned to the server clock (minute = floor(now / 60), hour =
  floor(now / 3600)), not sliding: that gives "blocked for the rest of the window" exactly, and
  a test can predict when the block lifts.
- Calls are counted per API path (`externalcontact/get`, ...) per corp; gettoken is never
  limited (the dispatcher does not ask), nor are unknown paths.
- A rejected call does not count: the quota measures the calls WeCom served.  Calls that fail
  for other reasons after admission (a bad parameter, an injected fault) do count, as at WeCom.
- Changing a limit keeps the counts of the current windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .world import Corp


@dataclass(slots=True)
class Usage:
    """Calls admitted to one API of one corp in the current minute and hour windows."""

    minute: int = -1
    minute_calls: int = 0
    hour: int = -1
    hour_calls: int = 0


def admit(corp: Corp, path: str, now: float) -> str | None:
    """Count one call to `path` unless it is over a limit; return None, or why it was refused.

    Call with the world lock held (the counters live on the corp).
    """
    per_min, per_hour = corp.rate_limit_per_min, corp.rate_limit_per_hour
    if per_min is None and per_hour is None:
        return None
    usage = corp.rate_usage.get(path)
    if usage is None:
        usage = corp.rate_usage[path] = Usage()
    minute, hour = int(now // 60), int(now // 3600)
    if usage.minute != minute:
        usage.minute, usage.minute_calls = minute, 0
    if usage.hour != hour:
        usage.hour, usage.hour_calls = hour, 0
    if per_min is not None and usage.minute_calls >= per_min:
        return f"{path} is limited to {per_min} calls per minute"
    if per_hour is not None and usage.hour_calls >= per_hour:
        return f"{path} is limited to {per_hour} calls per hour"
    usage.minute_calls += 1
    usage.hour_calls += 1
    return None
