"""The local stand-in for Lambda's SQS event source: a record in flight stays with its poller, a failed one
comes back after the short local retry delay, and five failures move it to the DLQ, as on AWS."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from typing import Any

import boto3
import pytest

from devstack.dispatcher import QueuePoller, Stats
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


def _queue(visibility_s: int) -> tuple[str, str, str, str]:
    sqs = boto3.client("sqs")
    name = "disp-" + uuid.uuid4().hex[:8]
    dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": str(visibility_s),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}),
    })["QueueUrl"]
    return name, url, dlq, name + "-dlq"


def _pollers(name: str, handler: Any, n: int, retry_after_s: int) -> threading.Event:
    stop = threading.Event()
    for _ in range(n):
        QueuePoller(name, name, 10, handler, stop, Stats(), retry_after_s).start()
    return stop


def test_a_slow_batch_keeps_its_records_and_each_is_handled_once(stack):
    name, url, _dlq, _ = _queue(visibility_s=30)
    sqs = boto3.client("sqs")
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(4)])
    handled: Counter[str] = Counter()
    receives: list[str] = []
    lock = threading.Lock()

    def slow(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        for r in event["Records"]:
            with lock:
                handled[r["body"]] += 1
                receives.append(r["attributes"]["ApproximateReceiveCount"])
            time.sleep(1.5)  # longer than the retry delay: the other pollers must not get these records
        return {"batchItemFailures": []}

    stop = _pollers(name, slow, 3, retry_after_s=1)
    try:
        wait_for(lambda: sum(handled.values()) >= 4, timeout_s=30, what="every record handled")
        time.sleep(3)  # any hand-over to a second poller would show by now
    finally:
        stop.set()
    assert handled == Counter({str(i): 1 for i in range(4)})
    assert receives == ["1"] * 4


def test_a_failed_record_returns_after_the_retry_delay_and_dead_letters_after_five(stack):
    name, url, dlq, _ = _queue(visibility_s=30)
    sqs = boto3.client("sqs")
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "0", "MessageBody": "bad"}, {"Id": "1", "MessageBody": "ok"}])
    seen: list[tuple[str, str, float]] = []

    def fails_bad(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        seen.extend((r["body"], r["attributes"]["ApproximateReceiveCount"], time.monotonic()) for r in event["Records"])
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"]}

    stop = _pollers(name, fails_bad, 2, retry_after_s=1)
    try:
        dead = wait_for(lambda: sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages"),
                        timeout_s=40, what="the failing record in the DLQ")
    finally:
        stop.set()
    assert [m["Body"] for m in dead] == ["bad"]
    bad = [(count, t) for body, count, t in seen if body == "bad"]
    assert [c for c, _ in bad] == ["1", "2", "3", "4", "5"]
    gaps = [b - a for (_, a), (_, b) in zip(bad, bad[1:], strict=False)]
    assert all(g < 10 for g in gaps), gaps  # the retry delay, not the 30 s visibility timeout
    assert [body for body, _, _ in seen].count("ok") == 1


def test_the_stack_queues_keep_the_visibility_timeouts_of_aws(stack):
    from scrm.resources import QUEUES

    sqs = boto3.client("sqs")
    for q in QUEUES.values():
        url = sqs.get_queue_url(QueueName=q.name)["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
        assert int(attrs["VisibilityTimeout"]) == q.visibility_timeout_s, q.name


def test_an_injected_crash_hands_part_of_the_batch_to_the_handler_and_returns_all(stack, monkeypatch):
    """SCRM_LOCAL_CRASH (the soak benchmark's crashes): the handler sees the first k records, then every record
    of the batch comes back, so records already handled are delivered again (the consumers' de-dup's job)."""
    name, url, _dlq, _ = _queue(visibility_s=30)
    monkeypatch.setenv("SCRM_LOCAL_CRASH", f"{name}:1.0")
    sqs = boto3.client("sqs")
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(5)])
    handled: Counter[str] = Counter()
    batches: list[int] = []
    lock = threading.Lock()

    def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        with lock:
            batches.append(len(event["Records"]))
            handled.update(r["body"] for r in event["Records"])
        return {"batchItemFailures": []}

    stats = Stats()
    stop = threading.Event()
    poller = QueuePoller(name, name, 10, handler, stop, stats, 1)
    poller.start()
    try:
        wait_for(lambda: stats.as_dict()["crashed"] >= 3, timeout_s=30, what="three crashed invocations")
    finally:
        stop.set()
    assert all(n < 5 for n in batches)  # never the whole batch: it crashed part-way
    time.sleep(0.2)  # moto's approximate counts are memoised for 100 ms
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    assert stats.as_dict()["records"] >= 15
    assert int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"]) == 5
