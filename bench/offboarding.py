"""Offboarding (离职继承) of one employee with many customers and groups, through the admin API.

A sandbox corp is seeded so that one employee holds ``customers`` relations and about ``groups`` groups;
the employee leaves; one POST /admin/transfers hands everything to one colleague. Measured: wall time
until every customer's transfer is started at WeCom and every group handed over or queued for the new
owner's next daily allowance (300 in 24 h), WeCom calls per API against the fewest possible, the workers'
peak memory, and, after the world clock moves past WeCom's 24 h window, the time and calls for the poll
that settles every customer.
"""

from __future__ import annotations

import math
import time
import uuid
from collections import Counter
from typing import Any

import requests

from bench.memory import workers_hwm_kb
from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack


def run(stack: Stack, sandbox: SandboxClient, customers: int = 20_000, groups: int = 500, timeout_s: float = 1800) -> dict[str, Any]:
    from scrm import bootstrap
    from scrm.corps.api_key import Role
    from scrm.corps.corp import Corp
    from scrm.customers.employee import Employee
    from scrm.customers.repository import DynamoStore

    corp_id = "wwoff" + uuid.uuid4().hex[:10]
    employees = 4
    seed = {"employees": employees, "customers_per_employee": customers, "groups": groups * employees,
            "members_per_group": 5, "tags": 2, "tag_groups": 1, "seed": 7}  # fmt: skip
    t0 = time.monotonic()
    info = sandbox.create_corp(stack.callback_url(corp_id), corp_id=corp_id, seed=seed)
    bootstrap.corp_registry().register(Corp(corp_id, info["token"], info["aes_key"], info["secret"]))
    world = sandbox.corp(corp_id)
    staff = [e["userid"] for e in world["employees"]]
    per_user: Counter[str] = Counter(f["userid"] for c in world["customers"] for f in c["follow_users"])
    per_owner: Counter[str] = Counter(g["owner"] for g in world["groups"])
    leaver = max(staff, key=lambda u: (per_user[u], per_owner[u]))
    taker = next(u for u in staff if u != leaver)
    store = DynamoStore()
    now_ms = int(time.time() * 1000)
    for u in staff:  # the directory the API checks takers against (a full sync would do this; not measured)
        if u != leaver:
            store.save_employee(corp_id, Employee(u, u, (1,), "", 1), now_ms)
    sandbox.do(corp_id, "users/delete", {"userid": leaver, "callback": False})
    seed_s = time.monotonic() - t0
    n_customers, n_groups = per_user[leaver], per_owner[leaver]

    key = bootstrap.api_keys().create(corp_id, Role.ADMIN, "bench")["key"]
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {key}"
    since = sandbox.call_counts(corp_id)["last_seq"]
    before_kb = workers_hwm_kb(stack)
    start = time.monotonic()
    r = http.post(f"{stack.admin_url}/admin/transfers",
                  json={"kind": "resigned", "handover_userid": leaver, "takeover_userid": taker}, timeout=60)
    r.raise_for_status()
    create_ms = (time.monotonic() - start) * 1000
    job_id = r.json()["job"]["job_id"]
    samples = []
    planned_s = requested_s = None
    while time.monotonic() - start < timeout_s:
        time.sleep(1)
        j = http.get(f"{stack.admin_url}/admin/transfers/{job_id}", timeout=60).json()
        t = round(time.monotonic() - start, 1)
        samples.append({"t_s": t, "state": j["state"], "requested_percent": j["requested_percent"],
                        "customers_waiting": j["customers"]["waiting"], "groups_done": j["groups"]["done"]})  # fmt: skip
        if planned_s is None and j["state"] != "planning":
            planned_s = t
        if j["state"] != "planning" and j["customers"]["requested"] == 0 and j["groups"]["requested"] == 0:
            requested_s = t
            break
    counts = sandbox.call_counts(corp_id, since)
    peak_kb = workers_hwm_kb(stack)
    minimum = {
        "externalcontact/get_unassigned_list": math.ceil(per_user[leaver] / 1000) or 1,
        "externalcontact/groupchat/list": 1,
        "externalcontact/resigned/transfer_customer": math.ceil(n_customers / 100),
        "externalcontact/groupchat/transfer": math.ceil(min(n_groups, 300) / 100),
    }

    # WeCom's 24 h window passes; one check settles every customer.
    sandbox.advance_clock(86_400 + 600)
    since2 = sandbox.call_counts(corp_id)["last_seq"]
    t1 = time.monotonic()
    http.post(f"{stack.admin_url}/admin/transfers/{job_id}/refresh", timeout=60).raise_for_status()
    settled_s = None
    while time.monotonic() - t1 < timeout_s:
        time.sleep(1)
        j = http.get(f"{stack.admin_url}/admin/transfers/{job_id}", timeout=60).json()
        if j["customers"]["waiting"] == 0:
            settled_s = round(time.monotonic() - t1, 1)
            break
    poll_counts = sandbox.call_counts(corp_id, since2)
    return {
        "customers": n_customers,
        "groups": n_groups,
        "takers": 1,
        "seed_s": round(seed_s, 1),
        "create_request_ms": round(create_ms, 1),
        "planned_s": planned_s,
        "all_requested_s": requested_s,
        "customers_per_s": round(n_customers / requested_s, 1) if requested_s else None,
        "wecom_calls": counts["total"],
        "wecom_calls_by_api": counts["counts"],
        "wecom_errors": counts.get("errcodes", {}),
        "minimum_calls_by_api": minimum,
        "when_all_requested": samples[-1] if samples else None,
        "after_24h": {"settled_s": settled_s, "customers": j["customers"], "groups": j["groups"],
                      "poll_calls": poll_counts["total"], "poll_calls_by_api": poll_counts["counts"]},  # fmt: skip
        "workers_peak_rss_mb": round(peak_kb / 1024, 1),
        "workers_peak_rss_before_mb": round(before_kb / 1024, 1),
        "progress_samples": samples[:: max(1, len(samples) // 20)],
    }
