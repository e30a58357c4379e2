"""Per-recipient pacing of application messages (message/send, 90236), on the world clock.

WeCom delivers at most 30 messages a minute and 1000 an hour from one app to one member; the
excess is dropped silently (the call still answers errcode 0 and a msgid), so an app that sends
too fast simply loses messages.  With enable_duplicate_check=1, the same content sent to the same
member within duplicate_check_interval seconds (default 1800, at most 4 h) is not delivered again.
Windows slide (the last 60 s / 3600 s before each send), and only delivered messages count
toward them: a dropped message costs nothing.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

PER_MINUTE = 30
PER_HOUR = 1000
MINUTE_S = 60.0
HOUR_S = 3600.0
DEFAULT_DUPLICATE_INTERVAL_S = 1800
MAX_DUPLICATE_INTERVAL_S = 4 * 3600


def content_key(msgtype: str, content: Any) -> str:
    """What "same content" means for the duplicate check: the message type and its JSON object."""
    return msgtype + ":" + json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass
class MessagePacing:
    """Delivery times per (agentid, userid) within the last hour, and last delivery per content."""

    delivered: dict[tuple[int, str], deque[float]] = field(default_factory=dict)
    last_content: dict[tuple[int, str, str], float] = field(default_factory=dict)

    def admit(
        self, agentid: int, userids: list[str], key: str, now: float, duplicate_interval: int | None
    ) -> tuple[list[str], list[dict[str, str]]]:
        """Split recipients into delivered and dropped ({userid, reason}); record the deliveries.

        duplicate_interval None means the sender did not ask for the duplicate check.
        """
        delivered: list[str] = []
        dropped: list[dict[str, str]] = []
        for userid in userids:
            reason = self._refusal(agentid, userid, key, now, duplicate_interval)
            if reason:
                dropped.append({"userid": userid, "reason": reason})
                continue
            self.delivered.setdefault((agentid, userid), deque()).append(now)
            self.last_content[(agentid, userid, key)] = now
            delivered.append(userid)
        if len(self.last_content) > 50_000:
            self._forget_old_contents(now)
        return delivered, dropped

    def _refusal(
        self, agentid: int, userid: str, key: str, now: float, duplicate_interval: int | None
    ) -> str:
        if duplicate_interval is not None:
            last = self.last_content.get((agentid, userid, key))
            if last is not None and now - last < duplicate_interval:
                return "duplicate"
        times = self.delivered.get((agentid, userid))
        if not times:
            return ""
        while times and now - times[0] >= HOUR_S:
            times.popleft()
        if len(times) >= PER_HOUR:
            return "hour_limit"
        in_minute = 0
        for t in reversed(times):
            if now - t >= MINUTE_S:
                break
            in_minute += 1
        return "minute_limit" if in_minute >= PER_MINUTE else ""

    def _forget_old_contents(self, now: float) -> None:
        """Drop contents older than the longest interval anyone may ask for (memory stays bounded)."""
        old = [k for k, t in self.last_content.items() if now - t >= MAX_DUPLICATE_INTERVAL_S]
        for k in old:
            del self.last_content[k]
