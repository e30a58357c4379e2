"""The fault soak (``make bench PARTS=soak``): nothing lost and nothing applied twice when everything fails a little.

A corp of a few hundred customers lives through ``events`` world changes in the sandbox (adds and re-adds,
remark and tag edits, customers deleting the member, group joins and leaves, new tags), each delivered as
WeCom delivers it, while:

- 20 % of the events are delivered again (half byte-identical, half re-encrypted), a few seconds later;
- 10 % are held 1–5 s before their first attempt, so later events overtake them (out of order);
- SQS refuses every SendMessage for two 3-second windows (moto fault windows): the route retries, parks;
- 10 % of the event consumer's invocations crash mid-batch (the local dispatcher's injected crashes): the
  batch's first k records were applied, then every record comes back;
- 5 % of WeCom reads (``externalcontact/get``, ``groupchat/get``, ``get_corp_tag_list``) answer -1 or 45009.

What the route did through all this is counted too: its AWS calls (one SendMessage per callback; PutItem
into the parking table for those SQS refused), the sends the fault windows refused, and what the redrive
job queued.

Then every event's timeline item is read: sent, acknowledged (a 200 on some attempt), applied, lost
(acknowledged, never applied), applied twice (its ``applied`` counter > 1). Last, the reference: every table
is emptied and the same events are applied once, in order (CreateTime, then the sandbox's sequence), in
process, with no fault; the final store must equal the soak's, attribute for attribute, but for the times at
which things were written or read. The scenario avoids changes that alter what WeCom answers about a customer
or group without an event of their own (employee deletes, tag renames and deletes, group dismissals), so
that the order of reads cannot make two correct runs differ.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from devstack import aws_calls, aws_faults
from devstack.sandbox_client import SandboxClient, SandboxError
from devstack.stack import Stack

READS = ("externalcontact/get", "externalcontact/groupchat/get", "externalcontact/get_corp_tag_list")
# Tables the comparison reads: everything an event writes. Not compared: the consumers' de-dup records, tokens,
# call budgets and parked events (plumbing, not state), and tables no event of this scenario touches.
COMPARED = ("customers", "follows", "tag_members", "timeline", "tags", "groups", "group_members", "employees",
            "contact_stats", "alerts", "acquisitions", "channel_stats", "sops", "transfers")
# Attributes that say when something was written or read, not what: they differ between any two runs (a tag
# member's ``version`` is its relation's ``synced_at_ms``).
VOLATILE = {"*": frozenset({"applied_at_ms", "synced_at_ms", "left_seen_ms"}), "tag_members": frozenset({"version"})}
ALERTS_OFF = {"employee_alerts": False, "admin_alerts": False}


@dataclass
class Model:
    """What the soak believes the sandbox's world is, to pick valid changes (one thread changes the world)."""

    rng: random.Random
    employees: list[str]
    tag_group: str
    tags: list[str]
    customers: list[str] = field(default_factory=list)
    two_way: set[tuple[str, str]] = field(default_factory=set)
    one_way: set[tuple[str, str]] = field(default_factory=set)
    groups: dict[str, set[str]] = field(default_factory=dict)
    touched: dict[str, float] = field(default_factory=dict)  # subject → last change (monotonic)

    def calm(self, subject: str) -> bool:
        """Changed more than 1.5 s ago: two changes of one subject never share a CreateTime second (where an
        ending outranks a start, architecture.md "Order"), so the world and the event order agree."""
        return time.monotonic() - self.touched.get(subject, 0.0) > 1.5

    def pick(self, pool: Any) -> Any:
        calm = [x for x in pool if self.calm(x[0] if isinstance(x, tuple) else x)]
        return self.rng.choice(calm) if calm else None


def _ops(model: Model, customers: int) -> list[tuple[str, int]]:
    weights = [("add_new", 30 if len(model.customers) < customers else 0), ("add_other", 4), ("edit", 30),
               ("del_by_customer", 10), ("re_add", 8), ("join", 9), ("leave", 6), ("tag_create", 1),
               ("group_create", 20 if len(model.groups) < 6 else 0)]
    return [(k, w) for k, w in weights if w]


def _change(sandbox: SandboxClient, cid: str, model: Model, customers: int, delay_s: float) -> dict[str, Any] | None:
    """One world change through the control API; None when the chosen change had no valid subject."""
    rng = model.rng
    kinds, weights = zip(*_ops(model, customers), strict=True)
    kind = rng.choices(kinds, weights)[0]
    opts = {"deliver_after_s": delay_s} if delay_s else {}
    emp = rng.choice(model.employees)
    if kind == "add_new":
        res = sandbox.do(cid, "customers/add", {"userid": emp, "welcome_code": False, **opts})
        ext = res["external_userid"]
        model.customers.append(ext)
        model.two_way.add((ext, emp))
        model.touched[ext] = time.monotonic()
        return res
    if kind == "add_other":
        ext = model.pick(model.customers)
        free = [e for e in model.employees if (ext, e) not in model.two_way | model.one_way] if ext else []
        if not free:
            return None
        emp = rng.choice(free)
        res = sandbox.do(cid, "customers/add", {"userid": emp, "external_userid": ext, "welcome_code": False, **opts})
        model.two_way.add((ext, emp))
    elif kind == "edit":
        rel = model.pick(sorted(model.two_way))
        if rel is None:
            return None
        ext, emp = rel
        body: dict[str, Any] = {"userid": emp, "external_userid": ext}
        if rng.random() < 0.5:
            body["remark"] = f"r{rng.randrange(10**6)}"
        else:
            body[rng.choice(("add_tags", "remove_tags"))] = rng.sample(model.tags, min(2, len(model.tags)))
        res = sandbox.do(cid, "customers/edit", {**body, **opts})
    elif kind == "del_by_customer":
        rel = model.pick(sorted(model.two_way))
        if rel is None:
            return None
        ext, emp = rel
        res = sandbox.do(cid, "customers/del_by_customer", {"userid": emp, "external_userid": ext, **opts})
        model.two_way.discard(rel)
        model.one_way.add(rel)
    elif kind == "re_add":
        rel = model.pick(sorted(model.one_way))
        if rel is None:
            return None
        ext, emp = rel
        res = sandbox.do(cid, "customers/add", {"userid": emp, "external_userid": ext, "welcome_code": False, **opts})
        model.one_way.discard(rel)
        model.two_way.add(rel)
    elif kind == "group_create":
        owner, other = rng.sample(model.employees, 2)
        res = sandbox.do(cid, "groups/create", {"owner": owner, "members": [other], **opts})
        model.groups[res["chat_id"]] = set()
        model.touched[res["chat_id"]] = time.monotonic()
        return res
    elif kind in ("join", "leave"):
        chat = model.pick(sorted(model.groups))
        if chat is None:
            return None
        members = model.groups[chat]
        pool = [c for c in model.customers if c not in members] if kind == "join" else sorted(members)
        if not pool:
            return None
        ext = rng.choice(pool)
        detail = "add_member" if kind == "join" else "del_member"
        res = sandbox.do(cid, f"groups/{chat}/update", {"update_detail": detail,
                                                         f"{detail.split('_')[0]}_members": [ext], **opts})
        (members.add if kind == "join" else members.discard)(ext)
        model.touched[chat] = time.monotonic()
        return res
    else:  # tag_create: a new tag in the existing group (no rename, no delete: see the module docstring)
        res = sandbox.do(cid, "tags/create", {"group_id": model.tag_group, "tags": [f"t{len(model.tags)}"], **opts})
        model.tags.extend(res["tag_ids"])
        return res
    model.touched[ext] = time.monotonic()
    return res


class Resender(threading.Thread):
    """Resends a chosen event once, ``after_s`` after its change: half byte-identical, half re-encrypted."""

    def __init__(self, sandbox: SandboxClient, cid: str) -> None:
        super().__init__(name="soak-resender", daemon=True)
        self.sandbox, self.cid = sandbox, cid
        self.due: list[tuple[float, str, bool]] = []
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.sent: list[str] = []

    def plan(self, callback_id: str, after_s: float, same: bool) -> None:
        with self.lock:
            self.due.append((time.monotonic() + after_s, callback_id, same))

    def run(self) -> None:
        while True:
            with self.lock:
                now = time.monotonic()
                ready = [d for d in self.due if d[0] <= now]
                self.due = [d for d in self.due if d[0] > now]
                idle = not self.due
            for _, callback_id, same in ready:
                try:
                    res = self.sandbox.resend(self.cid, callback_id, same_envelope=same)
                except SandboxError:  # a held (late) event not yet sent has no envelope to repeat: later
                    self.plan(callback_id, 1.0, same)
                    continue
                self.sent.append(str(res.get("callback_id")))
            if self.closing.is_set() and idle and not ready:
                return
            time.sleep(0.05)


def _setup(stack: Stack, sandbox: SandboxClient, employees: int) -> tuple[str, Model]:
    import uuid

    from scrm import bootstrap
    from scrm.corps.corp import Corp

    cid = "wwsoak" + uuid.uuid4().hex[:10]
    info = sandbox.create_corp(stack.callback_url(cid), corp_id=cid,
                               seed={"employees": employees, "customers_per_employee": 0, "tag_groups": 1, "tags": 6,
                                     "groups": 0, "seed": 15},
                               callback_retry_delays=[1, 2, 4])
    bootstrap.corp_registry().register(Corp(cid, info["token"], info["aes_key"], info["secret"], str(info["agent_id"])))
    # Churn alerts are paced per member in real time: a faster or slower run defers different alerts to the
    # digest, which is correct in both and would make the stores differ for no fault of the soak's.
    bootstrap.alert_repo().save_settings(cid, ALERTS_OFF)
    world = sandbox.corp(cid)
    group = world["tag_groups"][0]
    model = Model(random.Random(15), [e["userid"] for e in world["employees"]], group["group_id"],
                  [t["id"] for t in group["tag"]])
    return cid, model


def _arm_wecom_faults(sandbox: SandboxClient, cid: str, rate: float) -> None:
    for path in READS:
        for errcode in (-1, 45009):
            sandbox.faults(cid, {"path": path, "errcode": errcode, "rate": rate / 2, "times": 10**7})


def run(stack: Stack, sandbox: SandboxClient, events: int = 10_000, customers: int = 300, employees: int = 10,
        rate: float = 40.0, resend_share: float = 0.2, late_share: float = 0.1, read_fault_share: float = 0.05,
        sqs_windows: tuple[float, ...] = (0.3, 0.7), sqs_window_s: float = 3.0) -> dict[str, Any]:
    from scrm import bootstrap

    cid, model = _setup(stack, sandbox, employees)
    _arm_wecom_faults(sandbox, cid, read_fault_share)
    resender = Resender(sandbox, cid)
    resender.start()
    messaging = f"http://127.0.0.1:{stack.messaging_port}"
    windows = sorted(int(events * w) for w in sqs_windows)
    originals: list[str] = []
    late: set[str] = set()
    dispatcher_before = stack.stats()["dispatcher"]
    calls_before = stack.callback_stats()["aws_calls"]
    started = time.monotonic()
    printed = 0
    print(f"  soak: {events} events at {rate}/s over {customers} customers ...", flush=True)
    while len(originals) < events:
        if windows and len(originals) >= windows[0]:
            windows.pop(0)
            aws_faults.refuse(messaging, aws_faults.SQS_SENDS, sqs_window_s)
        is_late = model.rng.random() < late_share
        res = _change(sandbox, cid, model, customers, round(model.rng.uniform(1, 5), 2) if is_late else 0.0)
        if res is None:
            continue
        for callback_id in res.get("callback_ids") or []:
            originals.append(str(callback_id))
            if is_late:
                late.add(str(callback_id))
            if model.rng.random() < resend_share:
                resender.plan(str(callback_id), model.rng.uniform(2, 8), same=model.rng.random() < 0.5)
        pause = started + len(originals) / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        if len(originals) // 1000 > printed:
            printed = len(originals) // 1000
            print(f"    {len(originals)} events sent", flush=True)
    changes_s = time.monotonic() - started
    resender.closing.set()
    resender.join()
    records = _wait_done(sandbox, cid, originals + resender.sent)
    sandbox.clear_faults(cid)
    redriven = stack.run_job("redrive_parked_events")
    soak_state = _settle(stack, cid, records, originals)
    dispatcher = {k: v - dispatcher_before.get(k, 0) for k, v in stack.stats()["dispatcher"].items()}
    route_calls = aws_calls.delta(calls_before, stack.callback_stats()["aws_calls"])
    refused = aws_faults.status(messaging)["refused"]
    faults = sandbox._call("GET", f"/corps/{cid}/calls/count")
    print(f"  soak settled: {json.dumps(soak_state['counts'])}", flush=True)

    before = _snapshot(cid)
    replay_s = _replay(cid, records, originals)
    after = _snapshot(cid)
    diff = _compare(before, after)
    bootstrap.reset()
    return {
        "corp_id": cid,
        "events": len(originals),
        "customers": len(model.customers),
        "changes_wall_s": round(changes_s, 1),
        "resends": len(resender.sent),
        "late_events": len(late),
        **soak_state["counts"],
        "route_aws_calls": route_calls,
        "route_aws_calls_per_callback": round(sum(route_calls.values()) / len(records), 3) if records else None,
        "sqs_sends_refused_by_the_fault_windows": refused,
        "parked": route_calls.get("dynamodb:PutItem:scrm-parked-events", 0),
        "redrive_job_at_the_end": redriven,
        "dlq_redriven": soak_state["dlq_redriven"],
        "consumer_invocations": dispatcher,
        "wecom_read_faults": {p: faults.get("errcodes", {}).get(p, {}) for p in READS},
        "replay_s": round(replay_s, 1),
        "store_equal": not diff["differences"],
        "store_items": diff["items"],
        "store_differences": diff["differences"][:20],
    }


def _wait_done(sandbox: SandboxClient, cid: str, ids: list[str], timeout_s: float = 600) -> dict[str, dict[str, Any]]:
    """Every callback (original and resend) done delivering; the log's summaries by id."""
    deadline = time.monotonic() + timeout_s
    while True:
        log = {str(c["id"]): c for c in sandbox.callbacks(cid)}
        pending = [i for i in ids if not log.get(i, {}).get("done")]
        if not pending or time.monotonic() > deadline:
            return log
        time.sleep(1)


def _timeline_applied(cid: str) -> dict[str, int]:
    """event_id → the highest ``applied`` of its timeline items (a group member change also lands on each
    changed customer's timeline, under the same event id)."""
    import boto3

    applied: dict[str, int] = {}
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(
        TableName="scrm-timeline", FilterExpression="corp_id = :c", ExpressionAttributeValues={":c": {"S": cid}})
    for page in pages:
        for item in page["Items"]:
            eid = item["sk"]["S"].rsplit("#", 1)[-1]
            applied[eid] = max(applied.get(eid, 0), int(item.get("applied", {}).get("N", "0")))
    return applied


def _event_ids(sandbox: SandboxClient, cid: str, originals: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """callback id → (event id, plaintext fields) of each original event."""
    from scrm.adapters.wecom.xml import parse_xml
    from scrm.kernel.event_key import event_id, event_key

    out = {}
    for cb in originals:
        fields = parse_xml(sandbox.callback(cid, cb)["plaintext"])
        out[cb] = (event_id(event_key(fields)), fields)
    return out


def _settle(stack: Stack, cid: str, records: dict[str, dict[str, Any]], originals: list[str]) -> dict[str, Any]:
    """Wait until every acknowledged event is applied (or nothing moved for 60 s); a DLQ holding any is
    redriven once, as an operator would (scrm dlq redrive), and counted."""
    from scrm import resources
    from scrm.adapters.queue import DeadLetters

    sandbox = SandboxClient(stack.sandbox_url)
    ids = _event_ids(sandbox, cid, originals)
    resent_of: dict[str, list[dict[str, Any]]] = {}
    for rec in records.values():
        if rec.get("resend_of") is not None:
            resent_of.setdefault(str(rec["resend_of"]), []).append(rec)
    acked = {cb for cb in originals
             if any(a["status"] == 200 for r in [records[cb], *resent_of.get(cb, [])] for a in r["attempts"])}
    dlq_redriven = 0
    last, last_change = -1, time.monotonic()
    while True:
        applied = _timeline_applied(cid)
        done = sum(1 for cb in acked if applied.get(ids[cb][0]))
        if done == len(acked):
            break
        if done != last:
            last, last_change = done, time.monotonic()
        elif time.monotonic() - last_change > 60:
            dead = DeadLetters(resources.queue("events"))
            if dead.depth() and not dlq_redriven:
                dlq_redriven = dead.redrive()
                last_change = time.monotonic()
                continue
            break
        time.sleep(2)
    time.sleep(3)  # a late copy would be applied by now
    applied = _timeline_applied(cid)
    counts = {
        "callbacks_sent": len(records),
        "events_sent": len(originals),
        "acknowledged": len(acked),
        "never_acknowledged": len(originals) - len(acked),
        "applied": sum(1 for cb in originals if applied.get(ids[cb][0])),
        "lost": sum(1 for cb in acked if not applied.get(ids[cb][0])),
        "applied_twice": sum(1 for cb in originals if applied.get(ids[cb][0], 0) > 1),
        "first_attempt_statuses": dict(Counter(str(records[cb]["attempts"][0]["status"]) if records[cb]["attempts"]
                                               else "none" for cb in originals)),
    }
    for cb in originals:
        records[cb]["fields"] = ids[cb][1]
    return {"counts": counts, "dlq_redriven": dlq_redriven}


def _table_items(cid: str) -> Iterator[tuple[str, dict[str, Any]]]:
    import boto3
    from scrm import resources

    ddb = boto3.client("dynamodb")
    for logical in COMPARED:
        table = resources.table(logical)
        for page in ddb.get_paginator("scan").paginate(TableName=table.name):
            for item in page["Items"]:
                if cid in json.dumps(item.get("pk") or item.get("id") or {}):
                    yield logical, item


def _normal(value: Any, volatile: frozenset[str]) -> Any:
    if isinstance(value, dict):
        if set(value) <= {"SS", "NS", "BS"}:  # DynamoDB sets: their order means nothing
            return {k: sorted(v) for k, v in value.items()}
        return {k: _normal(v, volatile) for k, v in sorted(value.items()) if k not in volatile}
    if isinstance(value, list):
        return [_normal(v, volatile) for v in value]
    return value


def _snapshot(cid: str) -> dict[tuple[str, str, str], Any]:
    """Every item of the corp, normalised. Not compared: group members who have left. They are history
    that only a read while they were members can give (``groupchat/get`` lists current members), so a run
    that read the group after they left never saw them; their joins and leaves are compared through the
    events' timeline items and the group statistics, and the current members item by item. Nor the SOP
    planner's minute cursor and leases, which the clock moves, not events."""
    out = {}
    for logical, item in _table_items(cid):
        if logical == "group_members" and item.get("status", {}).get("S") == "left":
            continue
        if logical == "sops" and (item["sk"]["S"] == "cursor" or item["sk"]["S"].startswith("tick#")):
            continue
        key = (logical, json.dumps(item.get("pk")), json.dumps(item.get("sk")))
        out[key] = _normal(item, VOLATILE["*"] | VOLATILE.get(logical, frozenset()))
    return out


def _compare(soak: dict[Any, Any], reference: dict[Any, Any]) -> dict[str, Any]:
    differences = []
    for key in sorted(set(soak) | set(reference)):
        a, b = soak.get(key), reference.get(key)
        if a != b:
            attrs = sorted({k for k in (a or {}) | (b or {}) if (a or {}).get(k) != (b or {}).get(k)})
            differences.append({"table": key[0], "pk": key[1], "sk": key[2], "attributes": attrs,
                                "soak": {k: (a or {}).get(k) for k in attrs} if a else None,
                                "reference": {k: (b or {}).get(k) for k in attrs} if b else None})
    return {"items": {"soak": len(soak), "reference": len(reference)}, "differences": differences}


def _wipe() -> None:
    """Empty every table the scenario writes, and the consumers' de-dup records (the replay must apply each
    event, not find it done). The soak's stack holds this one corp only."""
    import boto3
    from scrm import resources

    ddb = boto3.client("dynamodb")
    for logical in (*COMPARED, "idempotency"):
        table = resources.table(logical)
        keys = [k.name for k in (table.hash_key, table.range_key) if k]
        for page in ddb.get_paginator("scan").paginate(TableName=table.name):
            items = page["Items"]
            for start in range(0, len(items), 25):
                ddb.batch_write_item(RequestItems={table.name: [
                    {"DeleteRequest": {"Key": {k: it[k] for k in keys}}} for it in items[start:start + 25]]})


def _replay(cid: str, records: dict[str, dict[str, Any]], originals: list[str]) -> float:
    """The reference: the same events, each applied once, in order, in this process, with no fault."""
    from scrm import bootstrap
    from scrm.callbacks.intake import InboundEvent
    from scrm.kernel.event_key import event_id, event_key
    from scrm.kernel.events import parse_event

    _wipe()
    bootstrap.reset()
    bootstrap.alert_repo().save_settings(cid, ALERTS_OFF)
    handlers = bootstrap.handlers()
    ordered = sorted(originals, key=lambda cb: (int(records[cb]["fields"].get("CreateTime") or 0), int(cb)))
    started = time.monotonic()
    apply: Callable[[dict[str, Any]], Any] = handlers.apply_message
    for cb in ordered:
        fields = records[cb]["fields"]
        key = event_key(fields)
        message = InboundEvent(parse_event(fields), key, event_id(key)).message(int(time.time() * 1000))
        apply(message)
    return time.monotonic() - started
