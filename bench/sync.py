"""Full sync of a large seeded corp, then customer searches over it through the admin API.

Sync: wall time, WeCom calls made per API against the fewest the API shape allows (sync_plan.minimum_calls),
calls per customer, progress samples, peak memory of the workers process. Search: p50/p99 of searches
through the admin HTTP API (key auth included) over the synced corp, by two tags (AND) and others.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections import Counter
from typing import Any

import requests

from bench.load import _pct
from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack

LARGE = {"employees": 500, "customers_per_employee": 200, "tag_groups": 30, "tags": 10, "groups": 2000,
         "members_per_group": 20, "seed": 5}


def run_sync(stack: Stack, sandbox: SandboxClient, seed: dict[str, Any], timeout_s: float = 3600) -> dict[str, Any]:
    from scrm import bootstrap
    from scrm.corps.corp import Corp
    from scrm.sync.full_sync import progress
    from scrm.sync.plan import minimum_calls

    corp_id = "wwsync" + uuid.uuid4().hex[:10]
    t0 = time.monotonic()
    info = sandbox.create_corp(stack.callback_url(corp_id), corp_id=corp_id, seed=seed)
    seeded_s = time.monotonic() - t0
    bootstrap.corp_registry().register(Corp(corp_id, info["token"], info["aes_key"], info["secret"]))
    world = sandbox.corp(corp_id)
    employees = [e["userid"] for e in world["employees"]]
    per_user: Counter[str] = Counter()
    for c in world["customers"]:
        for f in c["follow_users"]:
            per_user[f["userid"]] += 1
    per_owner = Counter(g["owner"] for g in world["groups"])
    relations = sum(per_user.values())
    since = sandbox.call_counts(corp_id)["last_seq"]

    start = time.monotonic()
    job, _ = bootstrap.full_sync().start(corp_id)
    samples = []
    while True:
        time.sleep(2)
        j = bootstrap.full_sync().jobs.get(corp_id, job["job_id"])
        p = progress(j)
        samples.append({"t_s": round(time.monotonic() - start, 1), "percent": p["percent"],
                        "relations": p.get("relations", 0), "groups": p.get("groups", 0)})
        if j["state"] != "running" or time.monotonic() - start > timeout_s:
            break
    wall = time.monotonic() - start
    counts = sandbox.call_counts(corp_id, since)
    made = counts["total"]
    minimum = minimum_calls(employees, dict(per_user), dict(per_owner))
    return {
        "corp_id": corp_id,
        "seed": seed,
        "seed_s": round(seeded_s, 1),
        "state": j["state"],
        "employees": len(employees),
        "customers": len(world["customers"]),
        "relations": relations,
        "relations_synced": j.get("relations"),
        "groups": len(world["groups"]),
        "groups_synced": j.get("groups"),
        "tags": sum(len(g["tag"]) for g in world["tag_groups"]),
        "wall_s": round(wall, 1),
        "relations_per_s": round(relations / wall, 1) if wall else None,
        "wecom_calls": made,
        "wecom_calls_by_api": counts["counts"],
        "wecom_errors": counts.get("errcodes", {}),
        "minimum_calls": minimum,
        "calls_over_minimum": round(made / minimum, 4),
        "calls_per_customer": round(made / max(1, len(world["customers"])), 4),
        "drift_removed": j.get("drift_removed"),
        "progress_samples": samples[:: max(1, len(samples) // 20)],
        "_world": world,
    }


def run_search(stack: Stack, world: dict[str, Any], corp_id: str, n: int = 200) -> dict[str, Any]:
    from scrm import bootstrap
    from scrm.corps.api_key import Role

    key = bootstrap.api_keys().create(corp_id, Role.VIEWER, "bench")["key"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    members: Counter[str] = Counter()
    for c in world["customers"]:
        for f in c["follow_users"]:
            members.update(f["tag_ids"])
    ranked = [t for t, _ in members.most_common()]
    pairs = [(ranked[i], ranked[-1 - i]) for i in range(10)] + [(ranked[i], ranked[i + 1]) for i in range(10)]
    employees = [e["userid"] for e in world["employees"]]
    cases = {
        "two_tags_and": lambda i: {"tags_all": ",".join(pairs[i % len(pairs)])},
        "two_tags_or": lambda i: {"tags_any": ",".join(pairs[i % len(pairs)])},
        "tag_and_not": lambda i: {"tags_all": pairs[i % len(pairs)][0], "tags_none": pairs[i % len(pairs)][1]},
        "employee_and_tag": lambda i: {"employee": employees[i % len(employees)], "tags_none": ranked[0]},
    }
    out: dict[str, Any] = {
        "relations": sum(len(c["follow_users"]) for c in world["customers"]),
        "tags": len(members),
        "members_per_tag_mean": round(sum(members.values()) / max(1, len(members)), 1),
        "note": "one unmeasured request per case first (the admin process's cold start is not a search)",
    }
    for name, params_of in cases.items():
        session.get(f"{stack.admin_url}/admin/customers", params={**params_of(0), "limit": 50}, timeout=30)  # warm
        latencies, rows = [], []
        for i in range(n if name.startswith("two_tags") else n // 4):
            t = time.perf_counter()
            r = session.get(f"{stack.admin_url}/admin/customers", params={**params_of(i), "limit": 50}, timeout=30)
            latencies.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
            rows.append(len(r.json()["items"]))
        out[name] = {"requests": len(latencies), "p50_ms": _pct(latencies, 0.5), "p99_ms": _pct(latencies, 0.99),
                     "mean_rows": round(statistics.mean(rows), 1)}
    return out
