"""The redrive job: parked events go to the queues they still need, and leave the table only after."""

from __future__ import annotations

from typing import Any

from scrm.callbacks.redrive import Parked, redrive


class Table:
    def __init__(self, *items: Parked) -> None:
        self.items = {p.key: p for p in items}

    def scan(self) -> list[Parked]:
        return list(self.items.values())

    def remove(self, key: str) -> None:
        del self.items[key]


def parked(n: int, queues: tuple[str, ...] = ("events",)) -> Parked:
    return Parked(f"ww1#e{n}", {"corp_id": "ww1", "event_id": f"e{n}"}, queues, 1_000 + n)


def test_each_parked_event_is_queued_where_it_still_needs_to_go_then_removed() -> None:
    table = Table(parked(1), parked(2, ("welcome", "events")))
    sent: list[tuple[str, str]] = []
    result = redrive(table, lambda q, m: sent.append((q, m["event_id"])))
    assert sent == [("events", "e1"), ("welcome", "e2"), ("events", "e2")]
    assert table.items == {}
    assert result == {"redriven": 2, "failed": 0, "oldest_parked_at_ms": 1_001}


def test_an_event_sqs_still_refuses_stays_parked() -> None:
    table = Table(parked(1), parked(2, ("welcome", "events")))

    def send(queue: str, message: dict[str, Any]) -> None:
        if message["event_id"] == "e2" and queue == "events":
            raise RuntimeError("sqs down")

    result = redrive(table, send)
    assert set(table.items) == {"ww1#e2"}  # its welcome went out, but it stays until every queue took it
    assert result["redriven"] == 1 and result["failed"] == 1


def test_the_run_stops_at_its_budget() -> None:
    table = Table(*(parked(i) for i in range(5)))
    t = [0.0]

    def clock() -> float:
        return t[0]

    def send(queue: str, message: dict[str, Any]) -> None:
        t[0] += 20

    assert redrive(table, send, budget_s=50, clock=clock)["redriven"] == 3
    assert len(table.items) == 2
