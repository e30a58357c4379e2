"""A thread-safe ``functools.cache`` for factories of clients and wired parts.

``functools.cache`` lets concurrent first calls all miss: under a burst (a threaded local server, or a
Lambda container whose handler starts threads) every thread then builds its own boto3 session and loads
the service models (tens of MB each) — a stampede that fed on itself in our load tests. This builds each
value once.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def lazy(fn: Callable[..., T]) -> Callable[..., T]:
    cache: dict[tuple[Any, ...], T] = {}
    lock = threading.RLock()

    @functools.wraps(fn)
    def wrapper(*args: Any) -> T:
        try:
            return cache[args]
        except KeyError:
            pass
        with lock:
            if args not in cache:
                cache[args] = fn(*args)
            return cache[args]

    wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
    return wrapper
