"""How many app messages one recipient may still get: WeCom drops (silently) what goes past 30 a minute
or 1,000 an hour per member, and does not say whether its windows are fixed or sliding.

So the minute is a true sliding window (the send times of the last 60 s), and the hour is counted in
10-minute buckets, every bucket that touches the last hour included: never fewer than the real count.
Both hold under either reading of WeCom's rule, which fixed per-minute counters would not (25 at :59 and
25 at :00 are 50 in one sliding minute). The day count is ours: beyond ``digest_above`` single alerts a
day, the rest wait for the digest. Pure: the adapter stores a Pace and guards it with a version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

MINUTE_S = 60
BUCKET_S = 600
HOUR_S = 3600


@dataclass(frozen=True)
class Caps:
    per_minute: int = 25
    per_hour: int = 900


@dataclass(frozen=True)
class Pace:
    recent: tuple[float, ...] = ()  # send times within the last minute
    buckets: dict[int, int] = field(default_factory=dict)  # 10-minute bucket index → sends
    day: str = ""
    day_count: int = 0  # single alerts sent on ``day`` (digests not included)

    def sent_last_minute(self, now: float) -> int:
        return sum(1 for t in self.recent if t > now - MINUTE_S)

    def sent_last_hour(self, now: float) -> int:
        first = int((now - HOUR_S) // BUCKET_S)
        return sum(n for b, n in self.buckets.items() if b >= first)

    def take(self, now: float, caps: Caps, day: str, day_cap: int | None = None) -> Pace | None:
        """The pace after one more send at ``now``, or None if that send would break a cap. ``day_cap``
        (single alerts only) limits the sends counted on ``day``; a digest passes None."""
        if self.sent_last_minute(now) >= caps.per_minute or self.sent_last_hour(now) >= caps.per_hour:
            return None
        day_count = self.day_count if self.day == day else 0
        if day_cap is not None and day_count >= day_cap:
            return None
        first = int((now - HOUR_S) // BUCKET_S)
        buckets = {b: n for b, n in self.buckets.items() if b >= first}
        bucket = int(now // BUCKET_S)
        buckets[bucket] = buckets.get(bucket, 0) + 1
        recent = tuple(t for t in self.recent if t > now - MINUTE_S) + (now,)
        return Pace(recent, buckets, day, day_count + (1 if day_cap is not None else 0))

    def to_json(self) -> str:
        return json.dumps(
            {"recent": list(self.recent), "buckets": {str(b): n for b, n in self.buckets.items()},
             "day": self.day, "day_count": self.day_count},
            separators=(",", ":"),
        )  # fmt: skip

    @classmethod
    def from_json(cls, text: str | None) -> Pace:
        if not text:
            return cls()
        d = json.loads(text)
        return cls(
            tuple(float(t) for t in d.get("recent") or ()),
            {int(b): int(n) for b, n in (d.get("buckets") or {}).items()},
            str(d.get("day") or ""),
            int(d.get("day_count") or 0),
        )
