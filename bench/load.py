"""Callback load against the local stack: ack latency at an offered rate (open loop), callback→stored
latency, and counts sent / stored / lost / duplicated.

Events are real signed, encrypted callbacks (del_follow_user, a distinct customer each) plus a byte-identical
resend of every 20th, as WeCom does on retries. "Stored" is the event's timeline item; its ``applied``
counter says how many times the consumer applied it (exactly-once holds when every counter is 1).
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from scrm.kernel.event_key import event_id, event_key
from scrm.kernel.versions import timeline_order

from bench import cpu
from devstack import aws_calls
from devstack.stack import Stack
from devstack.wecom_player import FakeWeCom, event_xml

DUP_EVERY = 20


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return round(s[min(len(s) - 1, int(len(s) * p))], 2)


def _pending(stack: Stack) -> int:
    """Messages in the events queue (visible, in flight or delayed) and events parked by the route."""
    import boto3

    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="scrm-events")["QueueUrl"]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    parked = boto3.client("dynamodb").scan(TableName="scrm-parked-events", Select="COUNT")["Count"]
    return sum(int(attrs.get(n, 0)) for n in names) + parked


def run_rate(stack: Stack, corp: dict[str, Any], rate: int, duration_s: int) -> dict[str, Any]:
    from scrm.adapters.dynamo.models import TimelineItem

    wecom = FakeWeCom(stack.app_url, corp)
    n = rate * duration_s
    now = int(time.time())
    events = []
    for i in range(n):
        fields = {"ToUserName": corp["corp_id"], "FromUserName": "sys", "CreateTime": str(now), "MsgType": "event",
                  "Event": "change_external_contact", "ChangeType": "del_follow_user", "UserID": f"emp{i % 50}",
                  "ExternalUserID": f"wm{uuid.uuid4().hex}"}
        params, body = wecom.envelope(event_xml(fields), timestamp=now)
        events.append((fields, params, body))
    plan = []  # (offset_s, index, is_duplicate)
    for i in range(n):
        plan.append((i / rate, i, False))
        if i % DUP_EVERY == DUP_EVERY - 1:
            plan.append((i / rate + 1.0, i, True))  # a WeCom-style resend, a second later
    # Warm-up, not measured: the route's first callback of a corp reads its keys and the queue's URL (once
    # per Lambda container); the floor is the warm route's calls.
    for i in range(5):
        warm = {**events[0][0], "ExternalUserID": f"wmwarm{i}{uuid.uuid4().hex[:8]}"}
        requests.post(wecom.url, params=(w := wecom.envelope(event_xml(warm), timestamp=now))[0], data=w[1],
                      headers={"Content-Type": "text/xml"}, timeout=10)
    stats_before = stack.stats()["dispatcher"]
    calls_before = stack.callback_stats()["aws_calls"]
    cpu_before = cpu.snapshot(stack)
    results: list[dict[str, Any]] = []
    lock = threading.Lock()
    local = threading.local()
    t0 = time.perf_counter() + 0.5
    wall0 = time.time() + 0.5

    def send(offset: float, index: int, dup: bool) -> None:
        session = getattr(local, "s", None) or requests.Session()
        local.s = session
        delay = t0 + offset - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        _, params, body = events[index]
        sent_wall_ms = time.time() * 1000
        try:
            r = session.post(wecom.url, params=params, data=body, headers={"Content-Type": "text/xml"}, timeout=10)
            status = r.status_code
        except requests.RequestException:
            status = 0
        done = time.perf_counter()
        with lock:
            results.append({"i": index, "dup": dup, "status": status, "ack_ms": (done - (t0 + offset)) * 1000,
                            "sent_wall_ms": sent_wall_ms})

    with ThreadPoolExecutor(max_workers=min(128, max(16, rate // 2))) as pool:
        for offset, index, dup in plan:
            pool.submit(send, offset, index, dup)
    send_window_s = time.time() - wall0
    calls = aws_calls.delta(calls_before, stack.callback_stats()["aws_calls"])
    cpu_during_send = cpu.spent(cpu_before, cpu.snapshot(stack), len(results))

    # Wait for the consumers to drain the queue: until everything acknowledged is stored, or nothing new
    # has been stored for 30 s while nothing is left to apply (no message in the events queue, visible or
    # in flight, and nothing parked): what is still missing then counts as lost. A record that failed (a
    # duplicate that found its twin in progress) comes back only after the retry delay, 30 s here.
    keys = [(f"{corp['corp_id']}#customer:{f['ExternalUserID']}",
             f"{timeline_order(now, f['ChangeType'])}#{event_id(event_key(f))}") for f, _, _ in events]
    acked = {r["i"] for r in results if r["status"] == 200}
    found: dict[tuple[str, str], Any] = {}
    last_progress = time.monotonic()
    drain_started = time.monotonic()
    while len(found) < len(keys) and (time.monotonic() - last_progress < 30 or _pending(stack)) \
            and time.monotonic() - drain_started < 900:
        before = len(found)
        missing = [k for k in keys if k not in found]
        for item in TimelineItem.batch_get(missing[:2000]):
            # moto's update_item is not atomic: a concurrent read can see the keys before the attributes.
            if item.applied_at_ms is not None:
                found[(item.pk, item.sk)] = item
        if len(found) > before:
            last_progress = time.monotonic()
        if all(keys[i] in found for i in acked):
            break
        time.sleep(0.5)
    drain_s = time.monotonic() - drain_started
    first_send = {}
    for r in results:
        if not r["dup"]:
            first_send[r["i"]] = r["sent_wall_ms"]
    stored_lat = []
    for i, k in enumerate(keys):
        item = found.get(k)
        if item is not None and i in first_send:
            stored_lat.append(item.applied_at_ms - first_send[i])
    stats_after = stack.stats()["dispatcher"]
    acks = [r["ack_ms"] for r in results if r["status"] == 200]
    answered = sum(1 for r in results if r["status"] == 200)
    return {
        "offered_per_s": rate,
        "duration_s": duration_s,
        "send_window_s": round(send_window_s, 2),
        "requests_sent": len(results),
        "unique_events": n,
        "duplicate_resends": len(results) - n,
        "acked_200": sum(1 for r in results if r["status"] == 200),
        "non_200": sum(1 for r in results if r["status"] != 200),
        "ack_ms_p50": _pct(acks, 0.50),
        "ack_ms_p99": _pct(acks, 0.99),
        "ack_ms_max": round(max(acks), 2) if acks else None,
        "events_acked": len(acked),
        "events_never_acked": n - len(acked),
        "stored": len(found),
        "lost": sum(1 for i in acked if keys[i] not in found),
        "drain_after_send_s": round(drain_s, 1),
        "duplicated": sum(1 for it in found.values() if (it.applied or 0) > 1),
        "queue_messages_consumed": stats_after["records"] - stats_before["records"],
        "stored_ms_p50": _pct(stored_lat, 0.50),
        "stored_ms_p99": _pct(stored_lat, 0.99),
        "mean_ack_ms": round(statistics.fmean(acks), 2) if acks else None,
        # The ack path's AWS calls, counted in the callback process: the floor is one SendMessage per
        # callback answered (these events carry no welcome code), the route's de-dup record being gone.
        "aws_calls": calls,
        "aws_calls_per_callback": round(sum(calls.values()) / answered, 3) if answered else None,
        "aws_calls_floor_per_callback": 1,
        # CPU ms per request by process while the callbacks were being sent (the consumers keep going after)
        "cpu_ms_per_request_during_send": cpu_during_send,
    }
