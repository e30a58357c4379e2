"""SQS batches with partial-failure reporting (Powertools BatchProcessor).

A record that raises is reported in ``batchItemFailures``; SQS redelivers only it, and after 5 receives
moves it to the DLQ. The rest of the batch is deleted. Each record's log lines carry its corp and event id.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from scrm.adapters.logs import bind, logger


def process_batch(
    raw_event: dict[str, Any],
    context: Any,
    work: Callable[[dict[str, Any]], Any],
    required: tuple[str, ...] = ("fields", "key"),
    id_field: str = "event_id",
) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def handle(record: SQSRecord) -> Any:
        body = json.loads(record.body)
        if not isinstance(body, dict) or any(k not in body for k in required):
            raise ValueError(f"not a message with {', '.join(required)}")
        bind(
            corp_id=str(body.get("corp_id", "")),
            event_key=str(body.get(id_field, "")),
            request_id=record.message_id,
        )
        try:
            return work(body)
        except Exception:
            logger.exception(
                "event failed; SQS will redeliver it",
                extra={"receive_count": record.attributes.approximate_receive_count},
            )
            raise

    return process_partial_response(
        event=raw_event, record_handler=handle, processor=processor, context=context
    )


def process_concurrently(
    raw_event: dict[str, Any],
    work: Callable[[dict[str, Any]], Any],
    workers: int = 10,
) -> dict[str, Any]:
    """The same partial-failure contract, with the batch's records handled in parallel threads: for
    work that is mostly waiting on one HTTP call each (the welcome path), so that the tenth record of a
    batch does not wait for the nine before it. Log lines carry their ids as fields, not bound keys,
    because bound keys are shared by the threads."""
    from concurrent.futures import ThreadPoolExecutor

    records = raw_event.get("Records") or []

    def one(record: dict[str, Any]) -> str | None:
        try:
            body = json.loads(record["body"])
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            work(body)
            return None
        except Exception:
            logger.exception("record failed; SQS will redeliver it", extra={"message_id": record.get("messageId")})
            return str(record.get("messageId"))

    if len(records) <= 1:
        failed = [one(r) for r in records]
    else:
        with ThreadPoolExecutor(max_workers=min(workers, len(records))) as pool:
            failed = list(pool.map(one, records))
    return {"batchItemFailures": [{"itemIdentifier": f} for f in failed if f]}
