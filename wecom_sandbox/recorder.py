"""Log of every WeCom API call the sandbox answered, for tests to assert on.

Secrets never enter the log: access_token and corpsecret (and anything that looks like a token
or secret) are dropped from the query before recording.  The log is bounded so a long-running
sandbox driven by a full sync does not grow without limit.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from typing import Any

_SENSITIVE = {"access_token", "corpsecret"}


def scrub_query(query: dict[str, str]) -> dict[str, str]:
    """Drop credentials from a query dict."""
    return {
        k: v
        for k, v in query.items()
        if k not in _SENSITIVE and "secret" not in k.lower() and not k.lower().endswith("token")
    }


class Recorder:
    """Thread-safe bounded call log with a global increasing sequence number."""

    def __init__(self, maxlen: int = 200_000) -> None:
        self._lock = threading.Lock()
        self._calls: deque[dict[str, Any]] = deque(maxlen=maxlen)
        self._seq = itertools.count(1)

    def record(
        self,
        *,
        ts: float,
        corp_id: str | None,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        errcode: int,
    ) -> int:
        with self._lock:
            seq = next(self._seq)
            self._calls.append(
                {
                    "seq": seq,
                    "ts": round(ts, 3),
                    "corp_id": corp_id,
                    "method": method,
                    "path": path,
                    "query": scrub_query(query),
                    "body": body,
                    "errcode": errcode,
                }
            )
            return seq

    def query(
        self, corp_id: str | None = None, since: int = 0, path: str | None = None
    ) -> list[dict[str, Any]]:
        """Calls with seq > since, optionally only one corp's and only one path's."""
        with self._lock:
            return [
                dict(c)
                for c in self._calls
                if c["seq"] > since
                and (corp_id is None or c["corp_id"] == corp_id)
                and (path is None or c["path"] == path)
            ]

    def count(self, corp_id: str | None = None, since: int = 0, path: str | None = None) -> dict[str, Any]:
        """Per-path call counts (and non-zero errcodes per path) over every retained call with seq > since.

        A benchmark needs "how many calls did the sync make to each API" after thousands of
        calls; counting here avoids copying and shipping the records themselves.
        """
        counts: dict[str, int] = {}
        errcodes: dict[str, dict[str, int]] = {}
        with self._lock:
            first_seq = self._calls[0]["seq"] if self._calls else 0
            for c in self._calls:
                if c["seq"] <= since or (corp_id is not None and c["corp_id"] != corp_id):
                    continue
                p = c["path"]
                if path is not None and p != path:
                    continue
                counts[p] = counts.get(p, 0) + 1
                if c["errcode"] != 0:
                    by_code = errcodes.setdefault(p, {})
                    key = str(c["errcode"])
                    by_code[key] = by_code.get(key, 0) + 1
            last_seq = self._calls[-1]["seq"] if self._calls else 0
        # Calls before first_seq were dropped from the bounded log; the counts are exact only if
        # none of the dropped calls was newer than `since`.
        complete = first_seq <= since + 1
        return {
            "counts": dict(sorted(counts.items())),
            "errcodes": dict(sorted(errcodes.items())),
            "total": sum(counts.values()),
            "last_seq": last_seq,
            "complete": complete,
        }

    def last_seq(self) -> int:
        with self._lock:
            return self._calls[-1]["seq"] if self._calls else 0
