"""Local stand-in for EventBridge schedules: runs each scheduled handler on its rate."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from devstack.lambda_context import LocalLambdaContext

log = logging.getLogger("devstack.scheduler")

_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def period_of(expression: str) -> float | None:
    """Seconds between runs of a ``rate(...)`` expression; None for cron (run on demand only locally)."""
    m = re.fullmatch(r"rate\((\d+)\s+(\w+)\)", expression.strip())
    if not m or m.group(2) not in _UNITS:
        return None
    return int(m.group(1)) * _UNITS[m.group(2)]


def cloudwatch_event(name: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "local",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": "1970-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:000000000000:rule/{name}"],
        "detail": {},
    }


class Hold:
    """Holds the schedules' ticks for a test that compares a corp's items before and after something and
    must not see a scheduled job's own writes in between (the SOP planner's cursor, the results collector's
    task states). ``hold`` waits for the ticks running now to end; a tick due while held is skipped, as a
    missed EventBridge invocation would be. ``run_once`` from the control API is never held."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._running = 0
        self.held = False

    def enter(self) -> bool:
        with self._cond:
            if self.held:
                return False
            self._running += 1
            return True

    def exit(self) -> None:
        with self._cond:
            self._running -= 1
            self._cond.notify_all()

    def hold(self, timeout_s: float = 120.0) -> bool:
        with self._cond:
            self.held = True
            return self._cond.wait_for(lambda: self._running == 0, timeout_s)

    def release(self) -> None:
        with self._cond:
            self.held = False


class Schedule(threading.Thread):
    def __init__(
        self, name: str, period_s: float, handler: Callable[[dict[str, Any], Any], Any], stop: threading.Event,
        hold: Hold | None = None,
    ) -> None:
        super().__init__(name=f"schedule-{name}", daemon=True)
        self.job = name
        self.period_s = period_s
        self.handler = handler
        self.stop_event = stop
        self.hold = hold or Hold()

    def run_once(self) -> Any:
        return self.handler(cloudwatch_event(self.job), LocalLambdaContext(self.job))

    def run(self) -> None:
        while not self.stop_event.wait(self.period_s):
            if not self.hold.enter():
                log.info("scheduled %s: skipped (schedules held)", self.job)
                continue
            try:
                log.info("scheduled %s: %s", self.job, self.run_once())
            except Exception:
                log.exception("scheduled job %s failed", self.job)
            finally:
                self.hold.exit()
