"""Keys known to be absent, each for a while, a bounded number of them.

The callback route answers requests for any corp id in its URL; without this, each request for an id
that is not registered costs a Secrets Manager read (money, and the account's throttle that the real
corps share). Bounded because the ids are the caller's choice: the oldest entries go first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class NegativeCache:
    def __init__(self, ttl_s: float, max_size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_s
        self._max = max_size
        self._clock = clock
        self._until: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: str) -> bool:
        with self._lock:
            until = self._until.get(key)
            if until is None:
                return False
            if until > self._clock():
                return True
            del self._until[key]
            return False

    def add(self, key: str) -> None:
        if self._ttl <= 0 or self._max <= 0:
            return
        with self._lock:
            self._until.pop(key, None)  # re-added: now the newest
            self._until[key] = self._clock() + self._ttl
            while len(self._until) > self._max:
                self._until.popitem(last=False)

    def discard(self, key: str) -> None:
        with self._lock:
            self._until.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._until)
