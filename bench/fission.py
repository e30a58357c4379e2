"""A fission campaign at a chain's scale (issue 21, part ``fission``): ``inviters`` customers (10,000 by default)
each ask for their poster, and ``friends`` new customers (100,000) scan the inviters' contact ways.

A sandbox corp with the inviters as customers; our store holds them (written as a sync leaves them, untimed).
Then, through the local stack:

1. **Posters**: each inviter's signed link is asked for its poster (``GET /admin/public/fission/poster``) by
   8 threads, a tenth of them twice at once (a retry racing the first request): the PNG's request time p50 /
   p99, and the contact ways made (``add_contact_way`` calls in the sandbox) against the floor, one per
   inviter who asked. The render alone (Pillow + qrcode, in this process) p50 / p99 as well.
2. **Counting**: the friends scan the ways (one scan each, 16 threads; the callbacks go through the event
   consumer), plus a share of friends who scan a second inviter's way (a duplicate: must not count) and some
   self-invites. Counted (the inviters' pending + confirmed) against expected (one per friend, first way),
   read once the event consumer has handled every record (its dispatcher counter; reading the 10,000 inviters
   every 2 s took half of moto's DynamoDB process). Events/s, and the consumer's DynamoDB and WeCom calls per
   event over the counting phase (floor by design: 15 DynamoDB calls and one WeCom read, docs/architecture.md,
   "Issue 21: friend fission", "At scale").

Its own stack, the consumer and DynamoDB at normal priority, ``--fission-consumers`` (6) pollers. Measured
(2 cores shared with three other sessions, load average 8-21): 100 inviters / 3,000 friends, 3,050 events in
172 s (17.7/s, load 7-10; 13/s before moto's UpdateItem fix, 6-7/s at stop 28), counted exact; moto's DynamoDB
process 33 ms of CPU an event (42 before), the workers 26 ms. 10,000 inviters / 20,000 friends (load 8-21):
posters 480 s, 10,000 ways for 11,000 requests (0 over the floor), request p50 344 / p99 602 ms, render p50 24 /
p99 41 ms; 20,450 events in 1,381 s (14.8/s), counted 20,000 of 20,000 (400 duplicates and 50 self-invites not
counted), 15.04 DynamoDB calls and 1.0 WeCom read an event (docs/performance.md, "Fission"). The default
10,000 / 100,000 (110,450 events) would take about 2 hours at that rate on shared cores: not run.
"""

from __future__ import annotations

import io
import math
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return round(s[min(len(s) - 1, math.ceil(q * len(s)) - 1)], 1)


def _background() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (750, 1334), "#fde2c8")
    draw = ImageDraw.Draw(image)
    for y in range(0, 1334, 40):
        draw.line((0, y, 750, y + 200), fill="#f6b98e", width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _seed_customers(corp_id: str, customers: list[tuple[str, str]]) -> None:
    """The inviters as a sync leaves them (the poster reads the name), as BatchWrites, untimed."""
    from scrm.adapters.dynamo.models import CustomerItem

    now_ms = int(time.time() * 1000)

    def write(chunk: list[tuple[str, str]]) -> None:
        with CustomerItem.batch_write() as batch:
            for ext, name in chunk:
                batch.save(CustomerItem(f"{corp_id}#{ext}", corp_id=corp_id, external_userid=ext, name=name,
                                        synced_at_ms=now_ms))  # fmt: skip

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, [customers[i : i + 1000] for i in range(0, len(customers), 1000)]))


def run(stack: Stack, sandbox: SandboxClient, inviters: int = 10_000, friends: int = 100_000,
        duplicates: float = 0.02, timeout_s: float | None = None) -> dict[str, Any]:  # fmt: skip
    import base64

    from scrm import bootstrap
    from scrm.corps.api_key import Role
    from scrm.corps.corp import Corp

    # The counting phase's deadline scales with the friends: an hour, or 10 events a second, whichever is longer
    # (the default 102,050 events did not finish in 110 minutes on two cores: docs/performance.md, "Fission").
    timeout_s = timeout_s if timeout_s is not None else max(3600.0, friends / 10)
    corp_id = "wwfiss" + uuid.uuid4().hex[:8]
    members = 20
    seed = {"employees": members, "customers_per_employee": max(1, math.ceil(inviters / members)), "groups": 0,
            "tags": 1, "tag_groups": 1, "shared_customer_ratio": 0.0, "seed": 21}  # fmt: skip
    t0 = time.monotonic()
    info = sandbox.create_corp(stack.callback_url(corp_id), corp_id=corp_id, seed=seed)
    bootstrap.corp_registry().register(Corp(corp_id, info["token"], info["aes_key"], info["secret"]))
    world = sandbox.corp(corp_id)
    staff = sorted(e["userid"] for e in world["employees"])
    invited = [(c["external_userid"], c.get("name") or "客户") for c in world["customers"]][:inviters]
    del world
    from bench.moments import _seed_members

    _seed_members(corp_id, staff)
    _seed_customers(corp_id, invited)
    seed_s = time.monotonic() - t0

    key = bootstrap.api_keys().create(corp_id, Role.ADMIN, "bench")["key"]
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {key}"
    api = stack.admin_url
    bg = http.post(f"{api}/admin/materials", json={"kind": "image", "title": "裂变海报", "filename": "bg.png",
                   "content": base64.b64encode(_background()).decode()}, timeout=60).json()["material_id"]  # fmt: skip
    now = int(time.time())
    r = http.post(f"{api}/admin/fission", json={
        "name": "全国门店好友裂变", "background": bg, "threshold": 1000, "keep_days": 7,
        "reward_text": "恭喜！你的券码是 {code}", "members": staff[:3], "start_at": now - 60,
        "end_at": now + 30 * 86_400, "activate": True}, timeout=60)  # fmt: skip
    r.raise_for_status()
    campaign_id = r.json()["campaign_id"]
    service = bootstrap.fission()
    tokens = {ext: service.link(corp_id, campaign_id, ext)["token"] for ext, _ in invited}

    # 1. posters: every inviter once, a tenth twice at once
    since = sandbox.call_counts(corp_id)["last_seq"]
    asks = [ext for ext, _ in invited] + [ext for ext, _ in invited[::10]]
    asks.sort(key=lambda e: hash((e, 21)))
    poster_ms: list[float] = []
    failed: list[int] = []
    session = requests.Session()

    def ask(ext: str) -> None:
        start = time.monotonic()
        got = session.get(f"{api}/admin/public/fission/poster", params={"t": tokens[ext]}, timeout=120)
        if got.status_code == 200 and got.content[:4] == b"\x89PNG":
            poster_ms.append((time.monotonic() - start) * 1000)
        else:
            failed.append(got.status_code)

    t1 = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(ask, asks))
    posters_s = time.monotonic() - t1
    made = sandbox.call_counts(corp_id, since)["counts"].get("externalcontact/add_contact_way", 0)
    ways: dict[str, str] = {}
    after = ""
    while True:
        page, after = service.repo.inviters(corp_id, campaign_id, after, 200)
        ways.update({i.external_userid: i.config_id for i in page})
        if not after:
            break

    # the render alone, in this process
    from scrm.fission.poster import render

    campaign = service.get(corp_id, campaign_id)
    raw = _background()
    render_ms: list[float] = []
    for ext, name in invited[: min(500, len(invited))]:
        start = time.monotonic()
        render(corp_id, campaign, name, f"https://wework.qpic.cn/wwpic/{ways.get(ext, ext)}", lambda: raw)
        render_ms.append((time.monotonic() - start) * 1000)

    # 2. counting: each friend scans one way (round robin over the inviters), then duplicates and self-invites
    order = [ext for ext, _ in invited if ways.get(ext)]
    scans_failed: list[str] = []
    new_friends: dict[int, str] = {}
    before = stack.stats()
    workers_before, records_before = before["aws_calls"], before["dispatcher"]["records"]
    wecom_since = sandbox.call_counts(corp_id)["last_seq"]

    def scan(n: int) -> None:
        inviter = order[n % len(order)]
        try:
            new_friends[n] = sandbox.scan(corp_id, ways[inviter], name=f"好友{n}")["external_userid"]
        except Exception as exc:  # noqa: BLE001
            scans_failed.append(str(exc)[:120])

    t2 = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(scan, range(friends)))
    first_scans_s = time.monotonic() - t2
    dup_ok = 0
    # The duplicates are the last friends scanned: a way's next member is then another than the one who
    # holds the friend (the ways deal the members in turn), so the second scan is an add, not the sandbox's 409.
    for n in sorted(new_friends, reverse=True)[: int(len(new_friends) * duplicates)]:
        for k in range(1, 4):  # the friend scans another inviter's way: an add event that must not count
            try:
                sandbox.scan(corp_id, ways[order[(n + k) % len(order)]], external_userid=new_friends[n])
                dup_ok += 1
                break
            except Exception:  # noqa: BLE001  (a 409: that way's next member holds the friend already)
                continue
    self_ok = 0
    for ext in order[:50]:
        try:
            sandbox.scan(corp_id, ways[ext], external_userid=ext)
            self_ok += 1
        except Exception:  # noqa: BLE001
            pass
    scans_s = time.monotonic() - t2
    expected = len(new_friends)

    def counted() -> int:
        total, after = 0, ""
        while True:
            page, after = service.repo.inviters(corp_id, campaign_id, after, 200)
            total += sum(i.pending + i.confirmed for i in page)
            if not after:
                return total

    events = expected + dup_ok + self_ok  # add_external_contact callbacks sent, each one SQS message
    # Wait on the consumer's own counter of records handled, not on the counts: reading every inviter (one
    # partition of 10,000 items, 50 pages, each a sort of the partition in moto) every 2 s took half of the
    # DynamoDB process and brought the consumer down to 4 events/s (py-spy, 10,000 inviters).
    shown = time.monotonic()
    while time.monotonic() - t2 < timeout_s:
        handled = stack.stats()["dispatcher"]["records"] - records_before
        if handled >= events:
            break
        if time.monotonic() - shown >= 60:
            shown = time.monotonic()
            print(f"    {handled} of {events} events applied after {shown - t2:.0f} s ({handled / (shown - t2):.1f}/s)",
                  flush=True)  # fmt: skip
        time.sleep(1)
    seen = counted()
    while seen < expected and time.monotonic() - t2 < timeout_s:  # a retried record counted twice above
        time.sleep(10)
        seen = counted()
    counting_s = time.monotonic() - t2
    time.sleep(3)  # duplicates and self-invites still queued must not raise it
    seen = counted()
    applied = stack.stats()
    calls = {k: n - workers_before.get(k, 0) for k, n in applied["aws_calls"].items()
             if k.startswith("dynamodb:") and n - workers_before.get(k, 0)}  # fmt: skip
    wecom_calls = sandbox.call_counts(corp_id, wecom_since)["counts"]
    asked = len({ext for ext, _ in invited})
    return {
        "inviters": len(invited), "friends_scanned": expected, "scans_failed": len(scans_failed),
        "duplicate_scans": dup_ok, "self_invites": self_ok, "seed_s": round(seed_s, 1),
        "poster_requests": len(asks), "poster_failed": len(failed), "posters_s": round(posters_s, 1),
        "poster_request_ms_p50": _pct(poster_ms, 0.5), "poster_request_ms_p99": _pct(poster_ms, 0.99),
        "render_ms_p50": _pct(render_ms, 0.5), "render_ms_p99": _pct(render_ms, 0.99),
        "contact_ways_made": made, "contact_ways_floor": asked, "ways_over_floor": made - asked,
        "counted": seen, "expected": expected, "counting_exact": seen == expected,
        "scans_s": round(scans_s, 1), "first_scans_per_s": round(expected / first_scans_s, 1) if first_scans_s else 0,
        "counting_s": round(counting_s, 1), "events": events,
        "events_per_s": round(events / counting_s, 1) if counting_s else 0,
        # the event consumer's calls over the counting phase (the workers process: the scheduled jobs' few
        # reads included), per add_external_contact event
        "dynamodb_calls_per_event": round(sum(calls.values()) / events, 2) if events else 0,
        "dynamodb_calls_per_event_by_op": {k: round(n / events, 2) for k, n in sorted(calls.items()) if n >= events / 20},
        "wecom_calls_per_event": {k: round(n / events, 2) for k, n in sorted(wecom_calls.items())},
    }
