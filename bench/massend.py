"""A mass send to every customer of a large corp, through the admin API (issue 8).

A sandbox corp is seeded with ``customers`` customers over ``employees`` members (one relation each, so the
corp has exactly that many customers). A full sync of 100,000 relations takes about 15 minutes on moto and
is the sync benchmark's subject, not this one's: the relations the send resolves from are written into our
store directly through the store adapter (``DynamoStore.sync_page``, the sync's own write path), untimed.
Then one POST /admin/mass-sends with a filter naming every member (so every customer). Measured: wall
time until every part's WeCom task exists (the send planned and no part left requested), WeCom calls per
API against the fewest the 10,000-customers-per-call limit allows (sum over senders of
ceil(customers / 10,000)), WeCom errors, what the sandbox holds afterwards (tasks and recipients), and the
workers' peak memory.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bench.memory import workers_hwm_kb
from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack

API = "externalcontact/add_msg_template"
SEED_WITH = os.environ.get("MASSEND_SEED", "batch")
SEED_CHUNK = 1000  # rows per sync_page call (the sync writes a page of batch/get_by_user, 100, at once)


def run(stack: Stack, sandbox: SandboxClient, customers: int = 100_000, employees: int = 10,
        timeout_s: float = 1800) -> dict[str, Any]:  # fmt: skip
    from scrm import bootstrap
    from scrm.corps.api_key import Role
    from scrm.corps.corp import Corp
    from scrm.mass_sends.model import choose_senders
    from scrm.mass_sends.spec import PER_TASK

    corp_id = "wwmass" + uuid.uuid4().hex[:10]
    per_employee = math.ceil(customers / employees)
    seed = {"employees": employees, "customers_per_employee": per_employee, "groups": 0, "tags": 5,
            "tag_groups": 2, "shared_customer_ratio": 0.0, "seed": 8}  # fmt: skip
    t0 = time.monotonic()
    info = sandbox.create_corp(stack.callback_url(corp_id), corp_id=corp_id, seed=seed)
    bootstrap.corp_registry().register(Corp(corp_id, info["token"], info["aes_key"], info["secret"]))
    world = sandbox.corp(corp_id)
    sandbox_seed_s = time.monotonic() - t0
    rows = _rows(world)
    staff = [e["userid"] for e in world["employees"]]
    del world

    t1 = time.monotonic()
    _seed_store(corp_id, rows, staff)
    store_seed_s = time.monotonic() - t1

    senders = choose_senders({"external_userid": p.external_userid, "userid": f.userid, "add_time": f.add_time}
                             for p, f in rows)  # fmt: skip
    per_sender = Counter(senders.values())
    minimum = sum(math.ceil(n / PER_TASK) for n in per_sender.values())
    n_customers = len(senders)

    key = bootstrap.api_keys().create(corp_id, Role.ADMIN, "bench")["key"]
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {key}"
    since = sandbox.call_counts(corp_id)["last_seq"]
    before_kb = workers_hwm_kb(stack)
    # Every member named: the by-employee index, one partition of ~10,000 per member. The corp-wide filter
    # ({}) reads the by-corp index, whose one partition moto sorts whole (100,000 items) on every page:
    # past the client's 5 s read timeout at this size, so the plan step fails and is redelivered (moto only).
    body = {"name": "bench: everyone", "text": "本周新品上架，欢迎到店选购",
            "recipients": {"filter": {"employees": sorted(staff)}}}  # fmt: skip
    start = time.monotonic()
    r = http.post(f"{stack.admin_url}/admin/mass-sends", json=body, timeout=60)
    r.raise_for_status()
    create_ms = (time.monotonic() - start) * 1000
    send_id = r.json()["send"]["send_id"]
    samples: list[dict[str, Any]] = []
    planned_s = created_s = None
    p: dict[str, Any] = {}
    while time.monotonic() - start < timeout_s:
        time.sleep(0.5)
        p = http.get(f"{stack.admin_url}/admin/mass-sends/{send_id}", timeout=60).json()
        t = round(time.monotonic() - start, 1)
        samples.append({"t_s": t, "state": p["state"], "parts": p["parts"], "recipients": p["recipients"]})
        if planned_s is None and p["state"] != "new":
            planned_s = t
        if len(samples) % 20 == 1:
            print(f"    {samples[-1]}", flush=True)
        if p["state"] != "new" and not p["parts"].get("requested"):
            created_s = t if p["parts"] else None  # planned with no part: nothing was resolved
            break
    counts = sandbox.call_counts(corp_id, since)
    peak_kb = workers_hwm_kb(stack)
    pointers = _pointers(corp_id, send_id, sorted(senders), list(per_sender.values()))
    msgs = [m for m in sandbox.groupmsgs(corp_id, "single")["groupmsgs"] if m["text"] == body["text"]]
    reached = [r["target"] for m in msgs for task in m["tasks"] for r in task["recipients"]]
    calls = counts["counts"].get(API, 0)
    return {
        "customers": n_customers,
        "employees": employees,
        "senders": len(per_sender),
        "recipients_filter": body["recipients"],
        "sandbox_seed_s": round(sandbox_seed_s, 1),
        "store_seed_s": round(store_seed_s, 1),
        "store_seed_rows_per_s": round(len(rows) / store_seed_s, 1) if store_seed_s else None,
        "create_request_ms": round(create_ms, 1),
        "planned_s": planned_s,
        "all_tasks_created_s": created_s,
        "parts_s": round(created_s - planned_s, 1) if created_s and planned_s else None,
        "received_pointers": pointers,
        "customers_per_s": round(n_customers / created_s, 1) if created_s else None,
        "state": p.get("state"),
        "parts": p.get("parts"),
        "planned_recipients": p.get("recipients"),
        "skipped": p.get("skipped"),
        "wecom_calls": counts["total"],
        "wecom_calls_by_api": counts["counts"],
        "wecom_errors": counts.get("errcodes", {}),
        "add_msg_template_calls": calls,
        "minimum_add_msg_template_calls": minimum,
        "calls_over_minimum": round(calls / minimum, 3) if minimum else None,
        "sandbox_tasks": len(msgs),
        "sandbox_recipients": len(reached),
        "sandbox_distinct_recipients": len(set(reached)),
        "workers_peak_rss_mb": round(peak_kb / 1024, 1),
        "workers_peak_rss_before_mb": round(before_kb / 1024, 1),
        "progress_samples": samples[:: max(1, len(samples) // 20)],
    }


def _pointers(corp_id: str, send_id: str, customers: list[str], per_sender: list[int],
              sample: int = 200) -> dict[str, Any]:  # fmt: skip
    """The sidebar's record of the send for a sample of its customers (each part writes one pointer per
    customer before its call: ceil(n / 25) BatchWriteItems a part): each sampled customer must have exactly
    one, and the portrait's part reads it (its time alone, one Query and one BatchGetItem)."""
    from scrm.mass_sends import wiring

    received = wiring.received()
    picked = customers[:: max(1, len(customers) // sample)][:sample]
    found, took = 0, []
    for ext in picked:
        t = time.perf_counter()
        part = received.portrait_part(corp_id, ext, "")
        took.append((time.perf_counter() - t) * 1000)
        found += sum(1 for r in part["received"] if r["send_id"] == send_id)
    took.sort()
    return {"sampled": len(picked), "with_one_pointer": found,
            "pointer_items": len(customers),
            "pointer_batch_writes_minimum": sum(math.ceil(n / 25) for n in per_sender),
            "portrait_part_ms_p50": round(took[len(took) // 2], 1) if took else None}  # fmt: skip


def _rows(world: dict[str, Any]) -> list[tuple[Any, Any]]:
    """(CustomerProfile, FollowInfo) per relation, as the sync would read them from WeCom."""
    from scrm.customers.customer import CustomerProfile, FollowInfo, TagRef

    rows = []
    for c in world["customers"]:
        profile = CustomerProfile(c["external_userid"], c.get("name", ""), int(c.get("type") or 0),
                                  int(c.get("gender") or 0), c.get("avatar", ""), c.get("unionid", ""))  # fmt: skip
        for f in c["follow_users"]:
            rows.append((profile, FollowInfo(
                f["userid"], f.get("remark", ""), f.get("description", ""), int(f["createtime"]),
                int(f.get("add_way") or 0), f.get("state", ""), f.get("oper_userid", ""),
                f.get("remark_corp_name", ""), tuple(f.get("remark_mobiles") or ()),
                tuple(TagRef(t) for t in f.get("tag_ids") or ()),
            )))  # fmt: skip
    return rows


def _seed_store(corp_id: str, rows: list[tuple[Any, Any]], staff: list[str], threads: int = 4) -> None:
    """Our store as a full sync would leave it (the directory: a send skips members who left); a few threads overlap the client's serialising with moto's
    work. ``sync_page`` (the sync's own path: BatchGets, conditional transactions) or, much faster, plain
    BatchWrites of the very items it would create (relations, tag memberships; the customers' profiles,
    which a send does not read, are left out)."""
    from scrm.adapters.dynamo.models import FollowItem, TagMemberItem
    from scrm.customers.employee import Employee
    from scrm.customers.repository import DynamoStore

    store = DynamoStore()
    now_ms = int(time.time() * 1000)
    for userid in staff:
        store.save_employee(corp_id, Employee(userid, userid, (1,), "", 1), now_ms)

    def batch(chunk: list[tuple[Any, Any]]) -> None:
        with FollowItem.batch_write() as w:
            for p, f in chunk:
                w.save(store._follow_item(corp_id, p, f, now_ms))
        with TagMemberItem.batch_write() as w:
            for p, f in chunk:
                for tag in {t.tag_id for t in f.tags}:
                    w.save(TagMemberItem(f"{corp_id}#{tag}", f"{p.external_userid}#{f.userid}", version=now_ms))

    def page(chunk: list[tuple[Any, Any]]) -> None:
        store.sync_page(corp_id, chunk, now_ms)

    chunks = [rows[i : i + SEED_CHUNK] for i in range(0, len(rows), SEED_CHUNK)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(batch if SEED_WITH == "batch" else page, chunks))
