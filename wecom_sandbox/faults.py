"""Per-corp fault injection: make the next N calls of an API fail and/or answer slowly.

Tests need WeCom's failure modes on demand (-1 busy, 45009 rate limit, 45033 concurrency,
42001 expired token) without waiting for them to happen.  Several faults can be active; every
matching fault is consumed once per call, delays add up and the first errcode wins.  A fault with
a ``rate`` strikes each matching call with that probability instead (the soak benchmark's "5 % of
reads fail"), and is consumed only when it strikes. ``http_status`` and ``garbage`` break the transport
instead of answering in WeCom's shape: a gateway error page with that status, or a 200 whose body is not
JSON (what an app meets behind a proxy or a broken connection).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
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
    world: World,
    corp: Corp,
    path: str,
    errcode: int | None,
    delay_ms: int,
    times: int,
    rate: float | None = None,
    http_status: int | None = None,
    garbage: bool = False,
) -> Fault:
    fault = Fault(
        id=world.next_fault_id(),
        path=normalize_path(path),
        errcode=errcode,
        delay_ms=delay_ms,
        remaining=times,
        rate=rate,
        http_status=http_status,
        garbage=garbage,
    )
    corp.faults.append(fault)
    return fault


@dataclass(frozen=True)
class Struck:
    """What the faults that matched a call do to it: a delay, then a broken transport (an HTTP status or
    a body that is not JSON) or an errcode, the first matching of each."""

    delay_ms: int = 0
    errcode: int | None = None
    http_status: int | None = None
    garbage: bool = False


def take(corp: Corp, path: str) -> Struck:
    """Consume one use of each fault matching path."""
    delay = 0
    errcode: int | None = None
    http_status: int | None = None
    garbage = False
    for fault in corp.faults:
        if fault.remaining > 0 and fault.path in ("*", path):
            if fault.rate is not None and _random.random() >= fault.rate:
                continue
            fault.remaining -= 1
            delay += fault.delay_ms
            if errcode is None and fault.errcode is not None:
                errcode = fault.errcode
            if http_status is None and fault.http_status is not None:
                http_status = fault.http_status
            garbage = garbage or fault.garbage
    corp.faults[:] = [f for f in corp.faults if f.remaining > 0]
    return Struck(delay, errcode, http_status, garbage)


def clear(corp: Corp) -> int:
    n = len(corp.faults)
    corp.faults.clear()
    return n


def listing(corp: Corp) -> list[dict[str, Any]]:
    return [f.to_control() for f in corp.faults]
