"""Welcome latency: customers scan a channel code at a fixed rate while a bulk sync runs.

The sandbox paces the scans itself (open loop, by scheduled time), issues a welcome code for each, sends
the encrypted add_external_contact callback, and logs when the callback was first sent and when
send_welcome_msg succeeded. Latency = sent_at − callback_first_sent_at (what the SCRM controls), and
sent_at − issued_at (what WeCom's 20 s clock sees, including the sandbox's own delivery queue). A welcome
code with no successful send within 25 s is missed.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from typing import Any

import requests

from bench import cpu
from bench.load import _pct
from devstack import aws_calls
from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack

SYNC_SEED = {"employees": 200, "customers_per_employee": 100, "tag_groups": 5, "tags": 10, "groups": 400,
             "members_per_group": 10, "seed": 11}


def _register(stack: Stack, sandbox: SandboxClient, prefix: str, seed: dict[str, Any]) -> str:
    from scrm import bootstrap
    from scrm.corps.corp import Corp

    corp_id = prefix + uuid.uuid4().hex[:8]
    info = sandbox.create_corp(stack.callback_url(corp_id), corp_id=corp_id, seed=seed,
                               callback_retry_delays=[1, 2, 4])
    bootstrap.corp_registry().register(Corp(corp_id, info["token"], info["aes_key"], info["secret"]))
    return corp_id


def _sync_and_wait(corp_id: str, timeout_s: float = 300) -> None:
    from scrm import bootstrap

    job, _ = bootstrap.full_sync().start(corp_id)
    deadline = time.monotonic() + timeout_s
    while bootstrap.full_sync().jobs.get(corp_id, job["job_id"])["state"] == "running":
        if time.monotonic() > deadline:
            raise RuntimeError("setup sync did not finish")
        time.sleep(1)


def _code(stack: Stack, corp_id: str, staff: list[str], tag: str) -> dict[str, Any]:
    from scrm import bootstrap
    from scrm.corps.api_key import Role

    key = bootstrap.api_keys().create(corp_id, Role.ADMIN, "bench")["key"]
    r = requests.post(f"{stack.admin_url}/admin/channel-codes", timeout=30,
                      headers={"Authorization": f"Bearer {key}"},
                      json={"name": "bench poster", "staff": staff, "tags": [tag], "remark_template": "扫码-{name}",
                            "welcome": {"text": "你好 {name}，欢迎！", "attachments": [
                                {"msgtype": "link", "link": {"title": "新客礼包", "url": "https://example.com/g"}}]}})
    r.raise_for_status()
    return r.json()


def _one_rate(sandbox: SandboxClient, corp_id: str, config_id: str, rate: int, duration_s: int) -> dict[str, Any]:
    since = sandbox._call("GET", f"/corps/{corp_id}/welcomes", limit=1, since=10**12)["last_seq"]
    count = rate * duration_s
    t0 = time.monotonic()
    sandbox.scans(corp_id, config_id, count, rate)
    while sandbox.scan_totals(corp_id).get("done", 0) < sandbox.scan_totals(corp_id).get("scheduled", 0):
        time.sleep(0.5)
    scans_s = time.monotonic() - t0
    # Wait until every code of this run is used or older than 25 s (then it is missed for good).
    while True:
        records = sandbox.welcomes(corp_id, since)
        now = time.time()
        pending = [w for w in records if not w.get("sent_at") and now - w["issued_at"] < 25]
        if not pending and len(records) >= count:
            break
        time.sleep(1)
    mine = records[:count]
    sent = [w for w in mine if w.get("sent_at")]
    from_callback = [(w["sent_at"] - w["callback_first_sent_at"]) * 1000 for w in sent if w.get("callback_first_sent_at")]
    from_issue = [(w["sent_at"] - w["issued_at"]) * 1000 for w in sent]
    delivery = [(w["callback_first_sent_at"] - w["issued_at"]) * 1000 for w in mine if w.get("callback_first_sent_at")]
    errcodes = Counter(a["errcode"] for w in mine for a in w.get("attempts") or [] if a["errcode"])
    return {
        "offered_per_s": rate,
        "scans": len(mine),
        "scans_wall_s": round(scans_s, 1),
        "achieved_scans_per_s": round(len(mine) / scans_s, 1) if scans_s else None,
        "welcomed": len(sent),
        "missed": len(mine) - len(sent),
        "callback_to_welcome_ms_p50": _pct(from_callback, 0.5),
        "callback_to_welcome_ms_p99": _pct(from_callback, 0.99),
        "callback_to_welcome_ms_max": round(max(from_callback), 1) if from_callback else None,
        "code_issued_to_welcome_ms_p50": _pct(from_issue, 0.5),
        "code_issued_to_welcome_ms_p99": _pct(from_issue, 0.99),
        # The sandbox's own queue before it could hand the callback to our route (its 32 delivery threads
        # wait on our answers): large values mean our callback route was the bottleneck, not the welcome.
        "code_issued_to_callback_sent_ms_p50": _pct(delivery, 0.5),
        "code_issued_to_callback_sent_ms_p99": _pct(delivery, 0.99),
        "welcome_errcodes": dict(errcodes),
    }


def run_welcome(stack: Stack, sandbox: SandboxClient, rates: list[int], duration_s: int,
                sync_seed: dict[str, Any] | None = None) -> dict[str, Any]:
    from scrm import bootstrap
    from scrm.sync.full_sync import progress

    corp_id = _register(stack, sandbox, "wwwelc", {"employees": 20, "customers_per_employee": 1, "tags": 3,
                                                   "tag_groups": 1, "groups": 1})
    _sync_and_wait(corp_id)
    world = sandbox.corp(corp_id)
    staff = [e["userid"] for e in world["employees"]][:10]
    code = _code(stack, corp_id, staff, world["tag_groups"][0]["tag"][0]["id"])

    # Warm-up, not measured: the welcome function's first invocations fetch the corp's keys, a token and
    # the code (a Lambda container's cold start); the figures are for warm containers.
    warm = _one_rate(sandbox, corp_id, code["config_id"], 5, 4)
    print(f"  warm-up: {warm['welcomed']}/{warm['scans']} welcomed", flush=True)
    bulk = _register(stack, sandbox, "wwbulk", sync_seed or SYNC_SEED)
    job, _ = bootstrap.full_sync().start(bulk)
    time.sleep(3)  # the sync's steps are flowing before the first scan
    runs = []
    for rate in rates:
        before = progress(bootstrap.full_sync().jobs.get(bulk, job["job_id"]))
        calls_before = stack.callback_stats()["aws_calls"]
        cpu_before = cpu.snapshot(stack)
        r = _one_rate(sandbox, corp_id, code["config_id"], rate, duration_s)
        r["cpu_ms_per_scan"] = cpu.spent(cpu_before, cpu.snapshot(stack), r["scans"])
        calls = aws_calls.delta(calls_before, stack.callback_stats()["aws_calls"])
        after = progress(bootstrap.full_sync().jobs.get(bulk, job["job_id"]))
        # The callback route's AWS calls for these scans (the sync sends no callbacks): the floor is two
        # SendMessage per scan, the welcome queue's and the events queue's.
        r["callback_aws_calls"] = calls
        r["callback_aws_calls_per_scan"] = round(sum(calls.values()) / r["scans"], 3) if r["scans"] else None
        r["callback_aws_calls_floor_per_scan"] = 2
        r["bulk_sync_during"] = {"state_before": before["state"], "state_after": after["state"],
                                 "relations_before": before.get("relations", 0),
                                 "relations_after": after.get("relations", 0)}
        runs.append(r)
        print(f"  {r}", flush=True)
    final = progress(bootstrap.full_sync().jobs.get(bulk, job["job_id"]))
    return {"corp_id": corp_id, "bulk_sync_corp": bulk, "bulk_sync_at_end": {
                k: final.get(k) for k in ("state", "relations", "groups", "wecom_calls")}, "bulk_sync_seed": sync_seed or SYNC_SEED,
            "duration_s_per_rate": duration_s, "runs": runs}
