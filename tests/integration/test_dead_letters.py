"""A message that keeps failing goes to the DLQ after 5 receives; the CLI lists and redrives it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import boto3
import pytest
from scrm import bootstrap
from scrm.adapters.dynamo import reads
from scrm.corps.corp import Corp
from scrm.kernel.event_key import event_id, event_key

from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


def scrm_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrm.cli.main", *args],
        input=stdin, capture_output=True, text=True, env=os.environ.copy(), timeout=60,
    )


def _dlq_ids() -> list[str]:
    out = scrm_cli("dlq", "list", "--json", "--limit", "100")
    assert out.returncode == 0, out.stderr
    return [m["message_id"] for m in json.loads(out.stdout)["messages"]]


def test_poison_message_lands_in_the_dlq(stack):
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="scrm-events")["QueueUrl"]
    msg_id = sqs.send_message(QueueUrl=url, MessageBody="this is not an event")["MessageId"]
    wait_for(lambda: msg_id in _dlq_ids(), timeout_s=40, interval_s=0.5, what="poison message in the DLQ")
    sqs.purge_queue(QueueUrl=sqs.get_queue_url(QueueName="scrm-events-dlq")["QueueUrl"])


def test_an_event_that_failed_is_redriven_and_applied(stack, sandbox):
    # A corp that WeCom (the sandbox) knows but we have not registered: applying needs its credentials.
    corp_id = "ww" + uuid.uuid4().hex[:16]
    info = sandbox.create_corp(stack.callback_url(corp_id), corp_id=corp_id,
                               seed={"employees": 1, "customers_per_employee": 1})
    uid = sandbox.corp(corp_id)["employees"][0]["userid"]
    ext = sandbox.do(corp_id, "customers/add", {"userid": uid, "callback": False})["external_userid"]
    fields = {"ToUserName": corp_id, "FromUserName": "sys", "CreateTime": str(int(time.time())), "MsgType": "event",
              "Event": "change_external_contact", "ChangeType": "add_external_contact", "UserID": uid,
              "ExternalUserID": ext}
    key = event_key(fields)
    body = {"v": 1, "corp_id": corp_id, "key": key, "event_id": event_id(key), "received_at_ms": 0, "fields": fields}
    sqs = boto3.client("sqs")
    msg_id = sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="scrm-events")["QueueUrl"],
                              MessageBody=json.dumps(body))["MessageId"]
    wait_for(lambda: msg_id in _dlq_ids(), timeout_s=40, interval_s=0.5, what="failed event in the DLQ")
    assert reads.customer(corp_id, ext) is None  # the refresh from WeCom never succeeded

    listed = scrm_cli("dlq", "list")
    assert listed.returncode == 0 and "change_external_contact/add_external_contact" in listed.stdout

    bootstrap.corp_registry().register(Corp(corp_id, info["token"], info["aes_key"], info["secret"]))
    out = scrm_cli("dlq", "redrive", "--id", msg_id)
    assert out.returncode == 0, out.stderr
    assert "moved 1 message" in out.stdout
    wait_for(lambda: reads.customer(corp_id, ext), what="applied after redrive")
    assert reads.follow(corp_id, ext, uid)["status"] == "active"
    assert msg_id not in _dlq_ids()
