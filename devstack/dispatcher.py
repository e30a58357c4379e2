"""Local stand-in for Lambda's SQS event source mapping.

Long-polls a queue, builds the exact record shape Lambda gives a function, calls the same handler the
deployment uses, and deletes only the records the handler did not report in ``batchItemFailures``
(ReportBatchItemFailures). A handler that raises leaves the whole batch for redelivery, as Lambda does.

Time is compressed in one place only: a failed record comes back after ``retry_after_s`` (a second or two)
instead of the queue's visibility timeout (minutes on AWS), so retries and the DLQ show within a test. A
record still being handled keeps the queue's own visibility timeout, as on AWS: when the local timeout was
the short retry delay, a slow batch (a loaded CI machine) had its records handed to the other pollers
while the first still held them, every hand-over counted a receive, and a record could reach the DLQ after
five receives with one real failure, or none.

Crashes on demand (the soak benchmark): ``SCRM_LOCAL_CRASH="apply_events:0.1"`` makes a tenth of that
function's invocations crash mid-batch, as a Lambda that times out or runs out of memory: the handler is
given only the batch's first k records (0 <= k < n) and then nothing is deleted and nothing reported, so
all n come back, those already applied included.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3

from devstack.lambda_context import LocalLambdaContext

log = logging.getLogger("devstack.dispatcher")


def lambda_records(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {
                    k: {
                        "stringValue": v.get("StringValue"),
                        "binaryValue": v.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": v.get("DataType", "String"),
                    }
                    for k, v in (m.get("MessageAttributes") or {}).items()
                },
                "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


def crash_rates(spec: str | None = None) -> dict[str, float]:
    """``"apply_events:0.1,send_welcomes:0.05"`` → {function: probability}."""
    spec = os.environ.get("SCRM_LOCAL_CRASH", "") if spec is None else spec
    rates: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, rate = part.partition(":")
        rates[name] = float(rate)
    return rates


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.batches = 0
        self.records = 0
        self.failed = 0
        self.errors = 0
        self.crashed = 0

    def as_dict(self) -> dict[str, int]:
        with self.lock:
            return {"batches": self.batches, "records": self.records, "failed": self.failed, "errors": self.errors,
                    "crashed": self.crashed}


class QueuePoller(threading.Thread):
    def __init__(
        self,
        name: str,
        queue_name: str,
        batch_size: int,
        handler: Callable[[dict[str, Any], Any], Any],
        stop: threading.Event,
        stats: Stats,
        retry_after_s: int = 1,
    ) -> None:
        super().__init__(name=f"poller-{name}", daemon=True)
        self.function_name = name
        self.queue_name = queue_name
        self.batch_size = max(1, min(10, batch_size))
        self.handler = handler
        self.stop_event = stop
        self.stats = stats
        self.retry_after_s = retry_after_s
        self.crash_rate = crash_rates().get(name, 0.0)
        self._random = random.Random()

    def run(self) -> None:
        sqs = boto3.client("sqs")
        url = sqs.get_queue_url(QueueName=self.queue_name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        region = sqs.meta.region_name
        while not self.stop_event.is_set():
            try:
                resp = sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=self.batch_size,
                    WaitTimeSeconds=1,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                )
            except Exception:
                log.exception("receive failed on %s", self.queue_name)
                time.sleep(0.5)
                continue
            messages = resp.get("Messages", [])
            if not messages:
                continue
            if self.crash_rate and self._random.random() < self.crash_rate:
                self._crash(messages, arn, region, sqs, url)
                continue
            event = lambda_records(messages, arn, region)
            failed: set[str] = set()
            try:
                result = self.handler(event, LocalLambdaContext(self.function_name))
                failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            except Exception:
                log.exception("handler %s raised; the whole batch will be redelivered", self.function_name)
                failed = {m["MessageId"] for m in messages}
                with self.stats.lock:
                    self.stats.errors += 1
            done = [m for m in messages if m["MessageId"] not in failed]
            with self.stats.lock:
                self.stats.batches += 1
                self.stats.records += len(messages)
                self.stats.failed += len(failed)
            if failed:
                self._retry_soon(sqs, url, [m for m in messages if m["MessageId"] in failed])
            if done:
                try:
                    sqs.delete_message_batch(
                        QueueUrl=url,
                        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                    )
                except Exception:
                    log.exception("delete failed on %s (messages will be redelivered)", self.queue_name)

    def _crash(self, messages: list[dict[str, Any]], arn: str, region: str, sqs: Any, url: str) -> None:
        """Handle the first k records, then die: nothing deleted, every record of the batch comes back."""
        k = self._random.randrange(len(messages))
        if k:
            try:
                self.handler(lambda_records(messages[:k], arn, region), LocalLambdaContext(self.function_name))
            except Exception:
                log.exception("handler %s raised before its injected crash", self.function_name)
        with self.stats.lock:
            self.stats.crashed += 1
            self.stats.batches += 1
            self.stats.records += len(messages)
        self._retry_soon(sqs, url, messages)

    def _retry_soon(self, sqs: Any, url: str, messages: list[dict[str, Any]]) -> None:
        try:
            sqs.change_message_visibility_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": self.retry_after_s}
                    for i, m in enumerate(messages)
                ],
            )
        except Exception:
            log.exception("could not shorten the retry delay on %s (retried after the visibility timeout)",
                          self.queue_name)
