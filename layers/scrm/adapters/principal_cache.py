"""The admin API's key lookups, cached per container: bounded, and only for keys that exist.

Every admin request authenticates, so a short cache saves a DynamoDB read per request. Two limits keep it
safe against abuse: at most ``max_entries`` keys (least recently used leave first), so a flood of distinct
keys cannot grow a container's memory; and misses are never kept, so a random key costs a read but no
memory, and a key created a moment ago works at once. A revoked key stops within ``ttl_s`` (docs/api.md).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from scrm.corps.api_key import Principal

MAX_ENTRIES = 1000


@dataclass(eq=False)
class PrincipalCache:
    read: Callable[[str], Principal | None]
    ttl_s: float = 30.0
    max_entries: int = MAX_ENTRIES
    clock: Callable[[], float] = time.monotonic
    _entries: OrderedDict[str, tuple[float, Principal]] = field(default_factory=OrderedDict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def get(self, digest: str) -> Principal | None:
        now = self.clock()
        with self._lock:
            hit = self._entries.get(digest)
            if hit is not None and now - hit[0] < self.ttl_s:
                self._entries.move_to_end(digest)
                return hit[1]
        found = self.read(digest)
        with self._lock:
            if found is None:
                self._entries.pop(digest, None)
                return None
            self._entries[digest] = (now, found)
            self._entries.move_to_end(digest)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return found

    def forget(self, digest: str) -> None:
        with self._lock:
            self._entries.pop(digest, None)

    def __len__(self) -> int:
        return len(self._entries)
