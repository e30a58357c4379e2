"""Create the tables and queues of scrm.resources on moto (moto keeps nothing across restarts)."""

from __future__ import annotations

import json
from typing import Any

import boto3
from scrm.resources import QUEUES, TABLES, TableDef


def _table_spec(t: TableDef) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "TableName": t.name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": n, "AttributeType": ty} for n, ty in t.key_attributes().items()
        ],
        "KeySchema": [{"AttributeName": t.hash_key.name, "KeyType": "HASH"}]
        + ([{"AttributeName": t.range_key.name, "KeyType": "RANGE"}] if t.range_key else []),
    }
    if t.indexes:
        spec["GlobalSecondaryIndexes"] = [
            {
                "IndexName": i.name,
                "KeySchema": [{"AttributeName": i.hash_key.name, "KeyType": "HASH"}]
                + ([{"AttributeName": i.range_key.name, "KeyType": "RANGE"}] if i.range_key else []),
                "Projection": {"ProjectionType": "ALL"},
            }
            for i in t.indexes
        ]
    return spec


def create_all() -> dict[str, str]:
    """Idempotent. Returns queue name → URL. Queues get AWS's own visibility timeouts, so a message is never
    handed to a second poller while its first is still running; the local dispatcher shortens only the
    wait before a failed record's retry (``QueuePoller.retry_after_s``)."""
    ddb = boto3.client("dynamodb")
    existing = set(ddb.list_tables()["TableNames"])
    for t in TABLES.values():
        if t.name in existing:
            continue
        ddb.create_table(**_table_spec(t))
        if t.ttl_attribute:
            ddb.update_time_to_live(
                TableName=t.name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": t.ttl_attribute},
            )
    sqs = boto3.client("sqs")
    urls: dict[str, str] = {}
    for q in QUEUES.values():
        dlq_url = sqs.create_queue(
            QueueName=q.dlq_name, Attributes={"MessageRetentionPeriod": str(q.dlq_retention_s)}
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(
            QueueName=q.name,
            Attributes={
                "VisibilityTimeout": str(q.visibility_timeout_s),
                "MessageRetentionPeriod": str(q.retention_s),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": q.max_receive_count}),
            },
        )["QueueUrl"]
        urls[q.name] = url
        urls[q.dlq_name] = dlq_url
    return urls
