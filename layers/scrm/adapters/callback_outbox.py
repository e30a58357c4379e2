"""Where the callback route puts an event: its SQS queues, else the parking table (callbacks.intake
decides which and when). The redrive job uses the same outbox, with botocore's own retries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from scrm import resources
from scrm.adapters import aws
from scrm.adapters.parked_events import ParkedEvents
from scrm.adapters.queue import QueuePublisher
from scrm.callbacks.intake import EVENTS, WELCOME


class CallbackOutbox:
    def __init__(self, client: Callable[[str], Any] = aws.client) -> None:
        self._queues = {
            EVENTS: QueuePublisher(resources.queue("events"), client),
            WELCOME: QueuePublisher(resources.queue("welcome"), client),
        }
        self.parked = ParkedEvents(resources.table("parked_events").name, client)

    def send(self, queue: str, message: dict[str, Any]) -> None:
        self._queues[queue].send(message, {"corp_id": message["corp_id"], "event_id": message["event_id"]})

    def park(self, message: dict[str, Any], queues: Sequence[str]) -> None:
        self.parked.park(message, queues)
