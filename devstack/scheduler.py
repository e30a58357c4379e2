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


class Schedule(threading.Thread):
    def __init__(
        self, name: str, period_s: float, handler: Callable[[dict[str, Any], Any], Any], stop: threading.Event
    ) -> None:
        super().__init__(name=f"schedule-{name}", daemon=True)
        self.job = name
        self.period_s = period_s
        self.handler = handler
        self.stop_event = stop

    def run_once(self) -> Any:
        return self.handler(cloudwatch_event(self.job), LocalLambdaContext(self.job))

    def run(self) -> None:
        while not self.stop_event.wait(self.period_s):
            try:
                log.info("scheduled %s: %s", self.job, self.run_once())
            except Exception:
                log.exception("scheduled job %s failed", self.job)
