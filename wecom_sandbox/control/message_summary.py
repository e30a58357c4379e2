"""GET /control/corps/{corp}/messages/summary: message/send deliveries and drops per recipient.

WeCom drops application messages silently above 30 a minute or 1000 an hour per member (and
duplicates when asked), so an app cannot see it overpaced; this summary lets a test assert
"nothing was ever dropped" (dropped_total == 0) and see the busiest minute and hour each member
had (max_per_minute / max_per_hour over delivered messages, sliding windows).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from ..pacing import HOUR_S, MINUTE_S
from .common import Request, corp_or_404

if TYPE_CHECKING:
    from ..app import Sandbox


def _max_in_window(times: list[float], window: float) -> int:
    """Most deliveries within any `window` seconds (times ascending)."""
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def summary(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        log = [m for m in corp.messages if m.get("kind") == "message"]
    delivered: defaultdict[str, list[float]] = defaultdict(list)
    dropped: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for message in log:
        for userid in message["touser"]:
            delivered[userid].append(message["ts"])
        for drop in message.get("dropped", []):
            dropped[drop["userid"]][drop["reason"]] += 1
    by_recipient = {}
    for userid in sorted(set(delivered) | set(dropped)):
        times = sorted(delivered.get(userid, []))
        by_recipient[userid] = {
            "delivered": len(times),
            "dropped": sum(dropped[userid].values()),
            "dropped_by_reason": dict(dropped[userid]),
            "max_per_minute": _max_in_window(times, MINUTE_S),
            "max_per_hour": _max_in_window(times, HOUR_S),
        }
    reasons: Counter[str] = Counter()
    for counts in dropped.values():
        reasons.update(counts)
    return {
        "messages": len(log),
        "delivered_total": sum(len(t) for t in delivered.values()),
        "dropped_total": sum(reasons.values()),
        "dropped_by_reason": dict(reasons),
        "by_recipient": by_recipient,
    }
