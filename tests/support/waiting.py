"""Polling helpers: the stack is asynchronous (callback → queue → consumer), tests wait for facts."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], timeout_s: float = 15.0, interval_s: float = 0.05, what: str = "") -> T:
    deadline = time.monotonic() + timeout_s
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what or probe}; last={last!r}")


def stays(probe: Callable[[], bool], for_s: float = 1.0, interval_s: float = 0.1) -> bool:
    """True if ``probe`` stays true for ``for_s`` (used to show that something did NOT happen)."""
    deadline = time.monotonic() + for_s
    while time.monotonic() < deadline:
        if not probe():
            return False
        time.sleep(interval_s)
    return True
