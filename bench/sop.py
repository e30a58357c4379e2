"""A customer SOP over a corp of 100,000 customers, 10,000 of whose steps fall due in the same minute (issue 8).

Setup (untimed, as in the massend part): a sandbox corp of ``customers`` customers over ``employees``
members; our store's relations written directly through the store adapter. ``due`` customers were added
three days ago, the rest 8 to 57 days ago. The SOP targets every member's customers with a day-3 step at
a minute a few minutes from now (due for exactly the ``due`` customers) and a day-30 step. Its due index
is written through the enrolment's own computation and write path (``SopEnrolment.items_for`` +
``DynamoSops.put_due``; timed separately: a SOP-wide enrolment on the queue pages through the store's
by-employee index, which moto answers by scanning the whole table per page).

Measured: the stack's own every-minute tick (``plan_sops`` in the workers process) for the due minute —
its duration (the minute mark's ``took_ms``) and the workers' peak RSS; then the time until every WeCom
task of the step's send exists, the add_msg_template calls against the fewest the 10,000-per-call limit
allows, and what the sandbox holds.
"""

from __future__ import annotations

import dataclasses
import math
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from bench.massend import _rows, _seed_store
from bench.memory import workers_hwm_kb
from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack

API = "externalcontact/add_msg_template"
LEAD_MIN = 4  # the step falls due this many minutes after the setup starts waiting


def run(stack: Stack, sandbox: SandboxClient, customers: int = 100_000, employees: int = 10, due: int = 10_000,
        timeout_s: float = 1800) -> dict[str, Any]:  # fmt: skip
    from scrm import bootstrap
    from scrm.domain.corp import Corp
    from scrm.kernel.china_time import CHINA
    from scrm.mass_sends.spec import PER_TASK
    from scrm.sops import model as S

    corp_id = "wwsop" + uuid.uuid4().hex[:11]
    seed = {"employees": employees, "customers_per_employee": math.ceil(customers / employees), "groups": 0,
            "tags": 5, "tag_groups": 2, "shared_customer_ratio": 0.0, "seed": 9}  # fmt: skip
    t0 = time.monotonic()
    info = sandbox.create_corp(stack.callback_url(corp_id), corp_id=corp_id, seed=seed)
    bootstrap.corp_registry().register(
        Corp(corp_id, info["token"], info["aes_key"], info["secret"], str(info.get("agent_id", "")))
    )  # the agent id: the members' reminders are app messages
    world = sandbox.corp(corp_id)
    staff = [e["userid"] for e in world["employees"]]
    rows = _rows(world)
    del world
    sandbox_seed_s = time.monotonic() - t0

    # When the step falls due: a whole minute, far enough ahead for the setup below.
    setup_minutes = 3 + math.ceil(customers / 50_000)
    due_at = S.minute_start(S.minute_key(datetime.now(CHINA) + timedelta(minutes=setup_minutes + LEAD_MIN)))
    added_day = datetime.combine(due_at.date() - timedelta(days=3), datetime.min.time(), CHINA)
    now = int(time.time())
    shaped = _pick_due(rows, due, int(added_day.timestamp()), now)

    t1 = time.monotonic()
    _seed_store(corp_id, shaped, staff)
    store_seed_s = time.monotonic() - t1

    hhmm = due_at.strftime("%H:%M")
    admin = bootstrap.sop_admin()
    # Created paused (no enrolment queued), the due index written below, then switched on in the store
    # directly (an update through the admin would queue the SOP-wide enrolment the setup replaces).
    sop = admin.create(corp_id, {"name": "bench onboarding", "status": "paused", "targets": {"employees": staff},
                                 "steps": [{"id": "d3", "after_added_days": 3, "at": hhmm, "text": "第 3 天：产品指南"},
                                           {"id": "d30", "after_added_days": 30, "at": "10:00",
                                            "text": "第 30 天：会员券"}]})  # fmt: skip
    repo = bootstrap.sop_repo()
    stored = repo.get_sop(corp_id, sop["sop_id"])
    stored.resume(stored.updated_at)
    repo.put_sop(corp_id, stored)
    spec = repo.get_sop(corp_id, sop["sop_id"]).spec
    enrol = bootstrap.sop_enrolment()
    t2 = time.monotonic()
    items = [i for p, f in shaped for i in enrol.items_for(sop["sop_id"], spec, p.external_userid, f.userid, f.add_time)]
    chunks = [items[k : k + 2000] for k in range(0, len(items), 2000)]
    with ThreadPoolExecutor(4) as pool:
        written = sum(pool.map(lambda c: repo.put_due(corp_id, c), chunks))
    due_index_s = time.monotonic() - t2
    due_key = S.minute_key(due_at)
    due_here = len(list(repo.due(corp_id, due_key, sop["sop_id"], "d3")))
    per_sender = Counter(f.userid for p, f in shaped if S.minute_key(S.relative_due_at(
        datetime.fromtimestamp(f.add_time, CHINA), spec.steps[0].trigger)) == due_key)  # fmt: skip
    minimum = sum(math.ceil(n / PER_TASK) for n in per_sender.values())
    since = sandbox.call_counts(corp_id)["last_seq"]
    before_kb = workers_hwm_kb(stack)
    print(f"    due index: {written} items in {due_index_s:.1f} s; {due_here} due at {due_key}; waiting for it",
          flush=True)

    # The stack's own tick plans the minute once it is over.
    end_of_minute = due_at.timestamp() + 60
    mark: dict[str, Any] | None = None
    while time.time() < end_of_minute + timeout_s:
        mark = repo.minute_mark(corp_id, due_key)
        if mark and mark.get("state") == "done":
            break
        time.sleep(0.5)
    tick_done_s = round(time.time() - end_of_minute, 1)
    runs = [r for r in repo.runs(corp_id, sop["sop_id"]) if r["minute"] == due_key]
    sends = bootstrap.mass_sends()
    created_s = None
    progress: dict[str, Any] = {}
    if runs:
        send_id = runs[0]["send_id"]
        while time.time() < end_of_minute + timeout_s:
            progress = sends.progress(corp_id, send_id)
            if progress["state"] != "new" and not progress["parts"].get("requested"):
                created_s = round(time.time() - end_of_minute, 1) if progress["parts"] else None
                break
            time.sleep(1)
    # Each member with a task gets one app message (paced with churn alerts).
    deadline = time.time() + 120
    while time.time() < deadline and len(_reminded(sandbox, corp_id)) < len(per_sender):
        time.sleep(1)
    reminded = _reminded(sandbox, corp_id)
    counts = sandbox.call_counts(corp_id, since)
    calls = counts["counts"].get(API, 0)
    msgs = [m for m in sandbox.groupmsgs(corp_id, "single")["groupmsgs"] if m["text"] == "第 3 天：产品指南"]
    reached = [r["target"] for m in msgs for t in m["tasks"] for r in t["recipients"]]
    return {
        "customers": len(shaped), "employees": employees, "due_in_minute": due_here, "due_minute": due_key,
        "sandbox_seed_s": round(sandbox_seed_s, 1), "store_seed_s": round(store_seed_s, 1),
        "due_index_items": written, "due_index_s": round(due_index_s, 1),
        "due_index_items_per_s": round(written / due_index_s, 1) if due_index_s else None,
        "tick_took_ms": (mark or {}).get("took_ms"), "tick_sends": (mark or {}).get("sends"),
        "tick_done_after_minute_end_s": tick_done_s,
        "all_tasks_created_after_minute_end_s": created_s,
        "parts": progress.get("parts"), "recipients": progress.get("recipients"), "skipped": progress.get("skipped"),
        "add_msg_template_calls": calls, "minimum_add_msg_template_calls": minimum,
        "calls_over_minimum": round(calls / minimum, 3) if minimum else None,
        "wecom_calls_by_api": counts["counts"], "wecom_errors": counts.get("errcodes", {}),
        "sandbox_tasks": len(msgs), "sandbox_distinct_recipients": len(set(reached)),
        "members_reminded": len(reminded), "members_with_tasks": len(per_sender),
        "workers_peak_rss_mb": round(workers_hwm_kb(stack) / 1024, 1),
        "workers_peak_rss_before_mb": round(before_kb / 1024, 1),
    }  # fmt: skip


def _reminded(sandbox: SandboxClient, corp_id: str) -> set[str]:
    """Members who received a SOP task's app message (message/send deliveries in the sandbox's log)."""
    return {u for m in sandbox.messages(corp_id) if "SOP 任务" in str(m) for u in m.get("touser") or ()}


def _pick_due(rows: list[tuple[Any, Any]], due: int, added_day: int, now: int) -> list[tuple[Any, Any]]:
    """``due`` relations (spread evenly over the list, so over the members) added on ``added_day`` (at
    different times of that China day); the others 8 to 57 days ago."""
    step = max(1, len(rows) // due)
    out = []
    picked = 0
    for i, (p, f) in enumerate(rows):
        if i % step == 0 and picked < due:
            picked += 1
            out.append((p, dataclasses.replace(f, add_time=added_day + (i * 7) % 80_000)))
        else:
            out.append((p, dataclasses.replace(f, add_time=now - (8 + i % 50) * 86_400)))
    return out
