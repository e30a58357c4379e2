"""The callback route's second durable place: events SQS refused, parked in DynamoDB until redriven.

Plain boto3 (no pynamodb): the callback function's cold start imports nothing it does not need. The
table is empty in normal operation; the redrive job scans it (it is never read on a request path).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from scrm.adapters import aws
from scrm.callbacks.redrive import Parked


class ParkedEvents:
    def __init__(self, table_name: str, client: Callable[[str], Any] = aws.client) -> None:
        self._table = table_name
        self._client = client

    def park(self, message: dict[str, Any], queues: Sequence[str]) -> None:
        """One PutItem keyed by the event: WeCom's retries of an event park it once (the last copy wins,
        and each copy names the queues it still needed)."""
        self._client("dynamodb").put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"{message['corp_id']}#{message['event_id']}"},
                "corp_id": {"S": str(message["corp_id"])},
                "message": {"S": json.dumps(message, ensure_ascii=False, separators=(",", ":"))},
                "queues": {"L": [{"S": q} for q in queues]},
                "parked_at_ms": {"N": str(int(time.time() * 1000))},
            },
        )

    def scan(self, page_size: int = 100) -> Iterator[Parked]:
        """Every parked event, consistently read, page by page."""
        ddb = self._client("dynamodb")
        start: dict[str, Any] | None = None
        while True:
            page = ddb.scan(
                TableName=self._table, ConsistentRead=True, Limit=page_size,
                **({"ExclusiveStartKey": start} if start else {}),
            )
            for item in page.get("Items", []):
                yield Parked(
                    key=item["pk"]["S"],
                    message=json.loads(item["message"]["S"]),
                    queues=tuple(q["S"] for q in item.get("queues", {}).get("L", [])),
                    parked_at_ms=int(item.get("parked_at_ms", {}).get("N", "0")),
                )
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def remove(self, key: str) -> None:
        self._client("dynamodb").delete_item(TableName=self._table, Key={"pk": {"S": key}})
