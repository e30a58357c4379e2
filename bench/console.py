"""``make bench PARTS=console``: what the console's first screen costs (issue 18 "Fast to open").

A corp with the statistics of a 100,000-relation corp: 90 China days × 500 employees of counter rows,
every employee active every day (the stats part's worst case: ~135,000 adds), seeded through the adapter
(``put_rows``, as an import would) into the local stack's DynamoDB, then rolled up by the migration's
backfill (``rebuild``, timed: what `scrm stats rollups` runs once). Over HTTP, on the admin API process
(after a warm-up, ``n`` samples each): ``GET /admin/dashboard`` and ``GET /admin/stats/customers`` for the
90 days by employee, by day and by corp; p50 / p99 and the DynamoDB calls per request the admin process
made (its /stats), against the minimum the design needs. "Before": the same report computed from the
member-day rows (the service without roll-ups, what the route ran until now), in this process against the
same DynamoDB. Then the console page's first render over the same corp in headless Chromium, cold and
warm (bench/console_render.py).
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from bench import console_render
from bench.stats import _rows
from devstack import aws_calls
from devstack.stack import Stack

CORP = "wwbenchconsole"
# The fewest DynamoDB calls each request can make with the roll-ups: the dashboard's two day roll-up
# Queries (customers, groups), the channel codes' list, the transfer jobs, the open sends (this corp has
# no channel code: no per-code Query); by day / corp: the day roll-ups (one Query); by employee: the day
# roll-ups (WeCom's readings and the days' stamps) and one BatchGetItem of the months' seals (sealed after
# the backfill, as the seal_stats job does each night); no reading of WeCom's figures until
# "after_one_nightly_reconcile".
MINIMUM_CALLS = {"dashboard": 5, "by_day": 1, "by_corp": 1, "by_employee": 2}


def _ms(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"p50_ms": round(statistics.median(s), 1), "p99_ms": round(s[min(len(s) - 1, int(len(s) * 0.99))], 1),
            "max_ms": round(s[-1], 1), "samples": len(s)}


def _dynamo_calls(calls: dict[str, int]) -> int:
    return sum(n for k, n in calls.items() if k.startswith("dynamodb:"))


def _seed(days: list[str], employees: int) -> dict[str, Any]:
    from scrm.contact_stats.repository import CUSTOMERS, DynamoContactStats
    from scrm.contact_stats.rollup_repository import DynamoStatsRollups
    from scrm.contact_stats.seal_repository import DynamoMonthSeals
    from scrm.kernel.china_time import CHINA

    repo, rows = DynamoContactStats(), _rows(days, employees)
    by_employee = sorted(rows, key=lambda r: r["userid"])
    chunks = [by_employee[i:i + 2700] for i in range(0, len(by_employee), 2700)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        seeded = sum(pool.map(lambda c: repo.put_rows(CORP, CUSTOMERS, c), chunks))
    seed_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    done = DynamoStatsRollups().rebuild(CORP, CUSTOMERS, sorted({d[:7] for d in days}))
    backfill_s = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()  # what the seal_stats job does after the night (and the backfill command)
    sealed = DynamoMonthSeals().refresh(CORP, CUSTOMERS, datetime.now(UTC).astimezone(CHINA).date())
    return {"rows": seeded, "adds": sum(r["adds"] for r in rows), "seed_s": round(seed_s, 1),
            "backfill_s": backfill_s, "backfill": done, "seal_s": round(time.perf_counter() - t0, 1),
            "sealed": sealed}  # fmt: skip


def _measure(stack: Stack, session: requests.Session, path: str, params: dict[str, str], n: int) -> dict[str, Any]:
    for _ in range(3):  # warm-up: the admin process's imports, connections
        session.get(f"{stack.admin_url}{path}", params=params, timeout=120).raise_for_status()
    before = stack.admin_stats()["aws_calls"]
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        r = session.get(f"{stack.admin_url}{path}", params=params, timeout=120)
        samples.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
    calls = aws_calls.delta(before, stack.admin_stats()["aws_calls"])
    return {**_ms(samples), "dynamodb_calls_per_request": round(_dynamo_calls(calls) / n, 2),
            "aws_calls": {k: round(v / n, 2) for k, v in calls.items()}}  # fmt: skip


def _before(params: dict[str, str], n: int) -> dict[str, Any]:
    """The member-day rows' report (no roll-ups), in process, against the same DynamoDB."""
    from scrm.contact_stats.repository import DynamoContactStats
    from scrm.contact_stats.service import ContactStats

    svc = ContactStats(DynamoContactStats(), lambda *_: None)
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        svc.customers(CORP, params)
        samples.append((time.perf_counter() - t) * 1000)
    return _ms(samples)


def _after_reconcile(stack: Stack, session: requests.Session, span: dict[str, str], days: list[str], employees: int,
                     n: int) -> dict[str, Any]:  # fmt: skip
    """WeCom's figures of the last two days for every member, as one night's reconcile stores them
    (``set_wecom``), then the 90 days by employee and by day again: before the night's seal the report reads
    the member-day rows WeCom read (its figures and the drift are per member and day) and December live;
    after it (reconcile_stats seals a corp when its figures are stored), the seals hold them."""
    from scrm.contact_stats.repository import CUSTOMERS, DynamoContactStats
    from scrm.contact_stats.seal_repository import DynamoMonthSeals
    from scrm.kernel.china_time import CHINA

    repo = DynamoContactStats()
    figures = {"wecom_new_contact": 1, "wecom_negative_feedback": 0, "wecom_new_apply": 0}
    pairs = [(d, f"emp{e:04d}") for d in days for e in range(employees)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda p: repo.set_wecom(CORP, CUSTOMERS, p[0], p[1], figures, 1), pairs))
    out: dict[str, Any] = {"readings": len(pairs), "store_s": round(time.perf_counter() - t0, 1)}
    # While the reconcile runs (it seals the corp when done): the days WeCom read moved, so their month's
    # running sums and those days' rows are read live.
    for by in ("employee", "day"):
        out[f"stats_90d_by_{by}_before_the_seal"] = _measure(stack, session, "/admin/stats/customers", {**span, "by": by}, n)
    t0 = time.perf_counter()
    out["sealed"] = DynamoMonthSeals().refresh(CORP, CUSTOMERS, datetime.now(UTC).astimezone(CHINA).date())
    out["seal_s"] = round(time.perf_counter() - t0, 1)
    for by in ("employee", "day"):
        out[f"stats_90d_by_{by}"] = _measure(stack, session, "/admin/stats/customers", {**span, "by": by}, n)
    return out


def run(stack: Stack, days: int = 90, employees: int = 500, n: int = 60, before_n: int = 5,
        renders: int = 10) -> dict[str, Any]:
    from scrm import bootstrap
    from scrm.adapters.dynamo.models import ContactStatItem
    from scrm.corps.api_key import Role
    from scrm.kernel.china_time import CHINA

    ContactStatItem.Meta.read_timeout_seconds = 120  # the "before" reads whole month partitions of moto
    ContactStatItem._connection = None
    today = datetime.now(UTC).astimezone(CHINA).date()
    last = today - timedelta(days=1)
    day_list = [(last - timedelta(days=i)).isoformat() for i in range(days)][::-1]
    result: dict[str, Any] = {"days": days, "employees": employees, **_seed(day_list, employees)}
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {bootstrap.api_keys().create(CORP, Role.VIEWER, 'bench')['key']}"
    result["dashboard"] = _measure(stack, session, "/admin/dashboard", {}, n)
    board = session.get(f"{stack.admin_url}/admin/dashboard", timeout=60).json()
    result["dashboard_30_day_new"] = board["last_30_days"]["new"]
    span = {"from": day_list[0], "to": day_list[-1]}
    for by in ("employee", "day", "corp"):
        after = _measure(stack, session, "/admin/stats/customers", {**span, "by": by}, n)
        result[f"stats_90d_by_{by}"] = {"after_http": after, "before_in_process": _before({**span, "by": by}, before_n),
                                        "minimum_dynamodb_calls": MINIMUM_CALLS[f"by_{by}"]}  # fmt: skip
    result["dashboard"]["minimum_dynamodb_calls"] = MINIMUM_CALLS["dashboard"]
    result["after_one_nightly_reconcile"] = _after_reconcile(stack, session, span, day_list[-2:], employees, n)
    result["first_render"] = console_render.run(stack.admin_url, CORP, renders)
    return result
