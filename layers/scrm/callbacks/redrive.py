"""The redrive job: events the callback route parked during an SQS outage, queued once SQS takes them.

An event is removed from the parking table only after every queue it still needed took it, so a failure
half-way leaves it parked for the next run (the consumers de-duplicate a copy that was queued twice; a
late welcome is counted as missed by the welcome sender, as any welcome past its 20 s).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("scrm.callback")


@dataclass(frozen=True)
class Parked:
    key: str
    message: dict[str, Any]
    queues: tuple[str, ...]  # the queues it still needs, welcome first
    parked_at_ms: int


class ParkedStore(Protocol):
    def scan(self) -> Iterable[Parked]: ...

    def remove(self, key: str) -> None: ...


def redrive(
    parked: ParkedStore,
    send: Callable[[str, dict[str, Any]], None],
    budget_s: float = 50.0,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Queue what is parked; stops after ``budget_s`` (the job runs every minute, the rest waits for it)."""
    started = clock()
    redriven, failed, oldest_ms = 0, 0, None
    for item in parked.scan():
        if clock() - started > budget_s:
            break
        try:
            for queue in item.queues:
                send(queue, item.message)
            parked.remove(item.key)
        except Exception as exc:  # SQS still down, or the delete failed: the item stays parked
            failed += 1
            log.warning("parked event not redriven", extra={"key": item.key, "error": type(exc).__name__})
            continue
        redriven += 1
        oldest_ms = item.parked_at_ms if oldest_ms is None else min(oldest_ms, item.parked_at_ms)
    if redriven or failed:
        log.info("parked events redriven", extra={"redriven": redriven, "failed": failed})
    return {"redriven": redriven, "failed": failed, "oldest_parked_at_ms": oldest_ms}
