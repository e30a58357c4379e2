"""SQS: send the event messages and look after the dead-letter queues."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from scrm.adapters import aws
from scrm.adapters.lazy import lazy
from scrm.resources import QueueDef


@lazy
def queue_url(name: str, client: Callable[[str], Any] = aws.client) -> str:
    return client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def reset() -> None:
    queue_url.cache_clear()


class QueuePublisher:
    """``client``: ``aws.client`` (botocore's retries) for workers, ``aws.ack_client`` (one try, short
    timeouts) for the callback route, whose own retry loop keeps WeCom's deadline."""

    def __init__(self, queue: QueueDef, client: Callable[[str], Any] = aws.client) -> None:
        self._queue = queue
        self._client = client

    def send(self, message: dict[str, Any], attributes: dict[str, str] | None = None) -> str:
        """Returns the SQS message id once SQS has stored the message; raises otherwise."""
        result = self._client("sqs").send_message(
            QueueUrl=queue_url(self._queue.name, self._client),
            MessageBody=json.dumps(message, ensure_ascii=False, separators=(",", ":")),
            MessageAttributes={
                k: {"DataType": "String", "StringValue": v} for k, v in (attributes or {}).items()
            },
        )
        return result["MessageId"]

    def send_many(self, messages: list[dict[str, Any]], delay_s: int = 0) -> None:
        """Ten per SendMessageBatch call; raises unless SQS stored every one (a partial failure is resent
        whole by the caller's retry: receivers de-duplicate)."""
        sqs = self._client("sqs")
        url = queue_url(self._queue.name, self._client)
        for start in range(0, len(messages), 10):
            batch = messages[start : start + 10]
            result = sqs.send_message_batch(
                QueueUrl=url,
                Entries=[
                    {
                        "Id": str(i),
                        "MessageBody": json.dumps(m, ensure_ascii=False, separators=(",", ":")),
                        "DelaySeconds": max(0, min(900, delay_s)),
                    }
                    for i, m in enumerate(batch)
                ],
            )
            if result.get("Failed"):
                raise RuntimeError(f"SQS refused {len(result['Failed'])} of {len(batch)} messages")


class DeadLetters:
    """List and redrive a queue's DLQ (used by the CLI)."""

    def __init__(self, queue: QueueDef) -> None:
        self.queue = queue

    def depth(self) -> int:
        attrs = aws.client("sqs").get_queue_attributes(
            QueueUrl=queue_url(self.queue.dlq_name),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attrs.get("ApproximateNumberOfMessages", 0))

    def peek(self, limit: int = 10) -> Iterator[dict[str, Any]]:
        """Receive with a zero visibility timeout, so that listing leaves the messages where they are."""
        sqs = aws.client("sqs")
        seen: set[str] = set()
        empty_polls = 0
        while len(seen) < limit and empty_polls < 2:
            resp = sqs.receive_message(
                QueueUrl=queue_url(self.queue.dlq_name),
                MaxNumberOfMessages=min(10, limit - len(seen)),
                VisibilityTimeout=0,
                AttributeNames=["All"],
                WaitTimeSeconds=0,
            )
            msgs = [m for m in resp.get("Messages", []) if m["MessageId"] not in seen]
            if not msgs:
                empty_polls += 1
                continue
            for m in msgs:
                seen.add(m["MessageId"])
                yield m

    def redrive(self, limit: int | None = None, message_ids: set[str] | None = None) -> int:
        """Move messages back to the source queue: send first, delete after, so nothing is lost midway."""
        sqs = aws.client("sqs")
        src = queue_url(self.queue.name)
        dlq = queue_url(self.queue.dlq_name)
        moved = 0
        empty_polls = 0
        seen: set[str] = set()
        while (limit is None or moved < limit) and empty_polls < 2:
            resp = sqs.receive_message(
                QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=30, WaitTimeSeconds=0
            )
            msgs = resp.get("Messages", [])
            if not msgs or all(m["MessageId"] in seen for m in msgs):
                empty_polls += 1
            seen.update(m["MessageId"] for m in msgs)
            for m in msgs:
                if (message_ids and m["MessageId"] not in message_ids) or (
                    limit is not None and moved >= limit
                ):
                    sqs.change_message_visibility(
                        QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                    )
                    continue
                sqs.send_message(QueueUrl=src, MessageBody=m["Body"])
                sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])
                moved += 1
            if message_ids and moved >= len(message_ids):
                break
        return moved
