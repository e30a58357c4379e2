"""The statistics query over a big corp: 90 China days × 500 employees of counter rows (every employee active
every day: 45,000 day rows, the worst case for one corp and range, packed by the adapter into one item per
month and employee: 1,500–2,000 items), seeded through the adapter into a moto DynamoDB of its own, then
the admin API's report (ContactStats.customers, what /admin/stats/customers runs after authentication) by
employee, by day, by corp and for two employees, N times each: p50 / p99 in ms."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from devstack.aws_env import aws_env
from devstack.ports import free_port, wait_port

CORP = "wwbenchstats"


def _rows(days: list[str], employees: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for d in days:
        for e in range(employees):
            adds = rng.randint(0, 6)
            lost_c, lost_e = rng.randint(0, 2), rng.randint(0, 1)
            in30 = rng.randint(0, adds)
            out.append({"day": d, "userid": f"emp{e:04d}", "adds": adds, "lost_by_customer": lost_c,
                        "lost_by_employee": lost_e, "lost_in_7": rng.randint(0, in30), "lost_in_30": in30})
    return out


def _ms(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"p50_ms": round(statistics.median(s), 1), "p99_ms": round(s[min(len(s) - 1, int(len(s) * 0.99))], 1),
            "max_ms": round(s[-1], 1)}


def run(days: int = 90, employees: int = 500, n: int = 20) -> dict[str, Any]:
    port = free_port()
    moto = subprocess.Popen([sys.executable, "-m", "devstack.moto_server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    saved = dict(os.environ)
    try:
        wait_port(port, 30)
        os.environ.update(aws_env(port, port))
        import boto3
        from scrm import bootstrap
        from scrm.contact_stats.repository import CUSTOMERS, DynamoContactStats
        from scrm.contact_stats.service import ContactStats
        from scrm.resources import table

        from devstack.resources import _table_spec

        bootstrap.reset()
        from scrm.adapters.dynamo.models import ContactStatItem

        # moto answers one request at a time and scans a whole partition per query: the 5 s read timeout
        # of the models is for DynamoDB, not for a local server under 8 parallel partition reads.
        ContactStatItem.Meta.read_timeout_seconds = 120
        ContactStatItem._connection = None
        boto3.client("dynamodb").create_table(**_table_spec(table("contact_stats")))
        repo = DynamoContactStats()
        last = date.today() - timedelta(days=1)
        day_list = [(last - timedelta(days=i)).isoformat() for i in range(days)][::-1]
        rows = _rows(day_list, employees)
        t0 = time.perf_counter()
        # by employee: each put_rows call then writes whole (month, employee) items, one update each
        by_employee = sorted(rows, key=lambda r: r["userid"])
        chunks = [by_employee[i:i + 2700] for i in range(0, len(by_employee), 2700)]
        with ThreadPoolExecutor(4) as pool:
            seeded = sum(pool.map(lambda c: repo.put_rows(CORP, CUSTOMERS, c), chunks))
        seed_s = time.perf_counter() - t0
        svc = ContactStats(repo, lambda *_: None)
        params = {"from": day_list[0], "to": day_list[-1]}
        items = len({(r["day"][:7], r["userid"]) for r in rows})
        result: dict[str, Any] = {"days": days, "employees": employees, "rows": seeded, "items": items,
                                  "seed_s": round(seed_s, 1), "queries_each": n}
        for by in ("employee", "day", "corp"):
            samples = []
            for _ in range(n):
                t = time.perf_counter()
                report = svc.customers(CORP, {**params, "by": by})
                samples.append((time.perf_counter() - t) * 1000)
            assert isinstance(report, dict) and report["totals"]["adds"] == sum(r["adds"] for r in rows)
            result[f"by_{by}"] = _ms(samples)
        samples = []
        for i in range(n):
            t = time.perf_counter()
            two = (f"emp{i:04d}", f"emp{i + 1:04d}")
            report = svc.customers(CORP, {**params, "by": "employee", "userid": ",".join(two)})
            samples.append((time.perf_counter() - t) * 1000)
            assert isinstance(report, dict) and report["totals"]["adds"] == sum(
                r["adds"] for r in rows if r["userid"] in two)
        result["by_employee_two_userids"] = _ms(samples)
        return result
    finally:
        os.environ.clear()
        os.environ.update(saved)
        moto.terminate()
        try:
            moto.wait(30)  # a moto holding 45,000 items takes a while to exit
        except subprocess.TimeoutExpired:
            moto.kill()
            moto.wait()
