"""Per-corp fault injection: make the next N calls of an API fail and/or answer slowly.

Tests need WeCom's failure modes on demand (-1 busy, 45009 rate limit, 45033 concurrency,
42001 expired token) without waiting for them to happen.  Several faults can be active; every
matching fault is consumed once per call, delays add up and the first errcode wins.  A fault with
a ``rate`` strikes each matching call with that probability instead (the soak benchmark's "5 % of
reads fail"), and is consumed only when it strikes.
"""

from __future__ import annotations

import random
from typing import Any

from .world import Corp, Fault, World


def normalize_path(path: str) -> str:
    """'/cgi-bin/externalcontact/get' and 'externalcontact/get' name the same API."""
    path = path.strip().lstrip("/")
    if path.startswith("cgi-bin/"):
        path = path[len("cgi-bin/") :]
    return path or "*"


_random = random.Random()


def add(
    world: World, corp: Corp, path: str, errcode: int | None, delay_ms: int, times: int, rate: float | None = None
) -> Fault:
    fault = Fault(
        id=world.next_fault_id(),
        path=normalize_path(path),
        errcode=errcode,
        delay_ms=delay_ms,
        remaining=times,
        rate=rate,
    )
    corp.faults.append(fault)
    return fault


def take(corp: Corp, path: str) -> tuple[int, int | None]:
    """Consume one use of each fault matching path; return (total delay ms, errcode or None)."""
    delay = 0
    errcode: int | None = None
    for fault in corp.faults:
        if fault.remaining > 0 and fault.path in ("*", path):
            if fault.rate is not None and _random.random() >= fault.rate:
                continue
            fault.remaining -= 1
            delay += fault.delay_ms
            if errcode is None and fault.errcode is not None:
                errcode = fault.errcode
    corp.faults[:] = [f for f in corp.faults if f.remaining > 0]
    return delay, errcode


def clear(corp: Corp) -> int:
    n = len(corp.faults)
    corp.faults.clear()
    return n


def listing(corp: Corp) -> list[dict[str, Any]]:
    return [f.to_control() for f in corp.faults]
