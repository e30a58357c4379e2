"""A moment task to every member of a national chain, through the admin API (issue 20, part ``moments``).

A sandbox corp of ``members`` members (26,000 by default, a 屈臣氏-sized chain) with ``per_member`` customers
each; our store holds the members (the create checks the senders against the directory; a moment reads no
relation of ours: WeCom decides who sees it). Then:

1. **Create**: one ``POST /admin/moments`` naming every member (and two image materials): time until the task
   is ``created`` (the request, the uploads, ``add_moment_task``, the job asked by reads until done), and the
   WeCom calls against the floor: 1 ``add_moment_task`` + 2 ``upload_attachment`` + the job polls.
2. **Results**: ``published`` of the members post (the sandbox's control API), and a customer of every tenth
   poster likes and comments; then the stack's own ``advance_moments`` job is run until a results pass is
   done (each run spends at most 400 calls). Calls per API against the minimum the page sizes allow
   (ceil(members / 1,000) ``get_moment_task`` + per poster ceil(reached / 5,000) ``get_moment_send_result`` and
   one ``get_moment_comments``), runs, time, and the workers' peak memory; then the progress read
   (``GET /admin/moments/{id}/progress``) and its time.
"""

from __future__ import annotations

import base64
import math
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bench.memory import workers_hwm_kb
from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 4000 + b"IEND"


def run(stack: Stack, sandbox: SandboxClient, members: int = 26_000, per_member: int = 4,
        published: float = 0.1, timeout_s: float = 1800) -> dict[str, Any]:  # fmt: skip
    from scrm import bootstrap
    from scrm.corps.api_key import Role
    from scrm.corps.corp import Corp

    corp_id = "wwmoment" + uuid.uuid4().hex[:8]
    seed = {"employees": members, "customers_per_employee": per_member, "groups": 0, "tags": 2, "tag_groups": 1,
            "shared_customer_ratio": 0.0, "seed": 20}  # fmt: skip
    t0 = time.monotonic()
    info = sandbox.create_corp(stack.callback_url(corp_id), corp_id=corp_id, seed=seed)
    bootstrap.corp_registry().register(Corp(corp_id, info["token"], info["aes_key"], info["secret"]))
    sandbox.set_moment_job_time(corp_id, 2)
    world = sandbox.corp(corp_id)
    staff = sorted(e["userid"] for e in world["employees"])
    customers_of: dict[str, list[str]] = {}
    for c in world["customers"]:
        for f in c["follow_users"]:
            customers_of.setdefault(f["userid"], []).append(c["external_userid"])
    relations = sum(len(v) for v in customers_of.values())
    del world
    sandbox_seed_s = time.monotonic() - t0

    t1 = time.monotonic()
    _seed_members(corp_id, staff)
    store_seed_s = time.monotonic() - t1

    key = bootstrap.api_keys().create(corp_id, Role.ADMIN, "bench")["key"]
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {key}"
    api = stack.admin_url
    images = [http.post(f"{api}/admin/materials", json={
        "kind": "image", "title": f"新品{i}", "filename": f"p{i}.png", "content": base64.b64encode(PNG).decode()},
        timeout=60).json()["material_id"] for i in range(2)]  # fmt: skip
    since = sandbox.call_counts(corp_id)["last_seq"]
    before_kb = workers_hwm_kb(stack)

    # 1. create
    start = time.monotonic()
    r = http.post(f"{api}/admin/moments", json={"name": "全国门店新品", "text": "秋季新品到店，欢迎选购",
                                                 "images": images, "senders": staff}, timeout=300)  # fmt: skip
    r.raise_for_status()
    create_request_ms = (time.monotonic() - start) * 1000
    tid = r.json()["moment"]["moment_task_id"]
    task: dict[str, Any] = {}
    while time.monotonic() - start < timeout_s:
        task = http.get(f"{api}/admin/moments/{tid}", timeout=60).json()
        if task["state"] not in ("new", "calling", "job"):
            break
        time.sleep(0.5)
    created_s = time.monotonic() - start
    create_calls = sandbox.call_counts(corp_id, since)["counts"]
    polls = create_calls.get("externalcontact/get_moment_task_result", 0)

    # 2. results: the stack's own minute job held from the first post on, so every call of the pass is counted
    mid = task.get("moment_id", "")
    posters = staff[: max(1, int(len(staff) * published))]
    since = sandbox.call_counts(corp_id)["last_seq"]
    runs = 0
    with stack.schedules_held():
        t2 = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda u: sandbox.publish_moment(corp_id, mid, u), posters))
        fans = []
        for u in posters[::10]:
            seen = next((t for t in sandbox.moment(corp_id, mid)["tasks"] if t["userid"] == u), {}).get("reached") or []
            if seen:
                sandbox.like_moment(corp_id, mid, u, external_userid=seen[0])
                sandbox.comment_moment(corp_id, mid, u, "好看", external_userid=seen[0])
                fans.append(seen[0])
        interactions_s = time.monotonic() - t2
        _results_due(corp_id, tid)
        t3 = time.monotonic()
        run_s: list[float] = []
        while time.monotonic() - t3 < timeout_s:
            runs += 1
            t_run = time.monotonic()
            stack.run_job("advance_moments")
            run_s.append(time.monotonic() - t_run)
            moment = bootstrap.moments().get(corp_id, tid)
            if moment.extra.get("results_at") and not moment.extra.get("results_position"):
                break
    reached = {u: len(customers_of.get(u, [])) for u in posters}
    minimum = math.ceil(len(staff) / 1000) + sum(max(1, math.ceil(n / 1000)) + max(1, math.ceil(n / 5000)) + 1
                                                 for n in reached.values())  # fmt: skip
    results_s = time.monotonic() - t3
    counts = sandbox.call_counts(corp_id, since)
    read_apis = ("externalcontact/get_moment_task", "externalcontact/get_moment_customer_list",
                 "externalcontact/get_moment_send_result", "externalcontact/get_moment_comments")  # fmt: skip
    calls = sum(counts["counts"].get(a, 0) for a in read_apis)
    t4 = time.monotonic()
    p = http.get(f"{api}/admin/moments/{tid}/progress", timeout=120).json()
    progress_ms = (time.monotonic() - t4) * 1000
    return {
        "members": len(staff), "relations": relations, "posters": len(posters),
        "sandbox_seed_s": round(sandbox_seed_s, 1), "store_seed_s": round(store_seed_s, 1),
        "create_request_ms": round(create_request_ms, 1), "created_s": round(created_s, 1),
        "results_run_s_max": round(max(run_s), 1), "results_run_s": [round(x, 1) for x in run_s],
        "state": task.get("state"), "create_wecom_calls": create_calls,
        "create_floor": {"add_moment_task": 1, "upload_attachment": 2, "job_polls": polls},
        "add_moment_task_calls": create_calls.get("externalcontact/add_moment_task", 0),
        "interactions_setup_s": round(interactions_s, 1), "fans": len(fans),
        "results_runs": runs, "results_s": round(results_s, 1),
        "results_calls": calls, "results_calls_by_api": {a: counts["counts"].get(a, 0) for a in read_apis},
        "results_minimum_calls": minimum, "results_calls_over_minimum": round(calls / minimum, 3) if minimum else None,
        "results_errors": counts.get("errcodes", {}),
        "progress_ms": round(progress_ms, 1),
        "progress": {k: p.get(k) for k in ("members", "posted", "rate", "visible", "reached", "likes", "comments")},
        "progress_departments": len(p.get("by_department") or []),
        "workers_peak_rss_mb": round(workers_hwm_kb(stack) / 1024, 1),
        "workers_peak_rss_before_mb": round(before_kb / 1024, 1),
    }  # fmt: skip


def _seed_members(corp_id: str, staff: list[str], stores: int = 500, threads: int = 4) -> None:
    """The directory as a sync leaves it (the create checks every sender), as plain BatchWrites of the
    employee items, untimed: one store (department) per 52 members, as a chain's shops."""
    from scrm.adapters.dynamo.models import EmployeeItem

    now_ms = int(time.time() * 1000)

    def write(chunk: list[tuple[int, str]]) -> None:
        with EmployeeItem.batch_write() as batch:
            for k, u in chunk:
                batch.save(EmployeeItem(corp_id, u, corp_id=corp_id, userid=u, name=u, departments=[2 + k % stores],
                                        status="active", synced_at_ms=now_ms))  # fmt: skip

    rows = list(enumerate(staff))
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(write, [rows[i : i + 1000] for i in range(0, len(rows), 1000)]))


def _results_due(corp_id: str, moment_task_id: str) -> None:
    """A pass due now, from the first member (whatever the stack's minute job read before the posts)."""
    from scrm import bootstrap

    bootstrap.moments().refresh(corp_id, moment_task_id)
