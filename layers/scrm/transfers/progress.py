"""A job's progress as the admin API and ``scrm transfers show`` give it: a sum over its chunks' entries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrm.transfers.job import TransferJob
from scrm.transfers.model import CUSTOMER_STATES, GROUP_STATES, OPEN, QUEUED, REASSIGNED, REQUESTED, Chunk


def summarize(job: TransferJob, chunks: Iterable[Chunk]) -> dict[str, Any]:
    """The progress the admin API and the CLI show: counts by state, by taker, and how far along it is."""
    customers = {s: 0 for s in CUSTOMER_STATES}
    groups = {s: 0 for s in GROUP_STATES}
    by_taker: dict[str, dict[str, int]] = {}
    next_at = 0
    for c in chunks:
        target = customers if c.kind == "c" else groups
        for state, n in c.counts().items():
            target[state] = target.get(state, 0) + n
            if c.kind == "c" and state != REASSIGNED:
                row = by_taker.setdefault(c.taker, {})
                row[state] = row.get(state, 0) + n
        if c.next_at and c.is_open():
            next_at = min(next_at, c.next_at) if next_at else c.next_at
    c_total = sum(v for k, v in customers.items() if k != REASSIGNED)
    g_total = sum(groups.values())
    settled = sum(v for k, v in customers.items() if k not in OPEN and k != REASSIGNED) + sum(
        v for k, v in groups.items() if k not in OPEN
    )
    requested = c_total - customers[REQUESTED] + g_total - groups[REQUESTED] - groups[QUEUED]
    total = c_total + g_total
    return {
        "job_id": job.job_id,
        "kind": job.kind,
        "state": job.state,
        "handover_userid": job.handover_userid,
        "takeover_userids": list(job.takers),
        "on_refused": job.on_refused if job.on_refused is not None else "leave",
        "created_at": job.created_at,
        "error": job.error or None,
        "customers": {"total": c_total, **customers},
        "groups": {"total": g_total, **groups},
        "by_taker": by_taker,
        "requested_percent": round(100.0 * requested / total, 1) if total else (100.0 if job.state != "planning" else 0.0),
        "settled_percent": round(100.0 * settled / total, 1) if total else (100.0 if job.state != "planning" else 0.0),
        "next_check_at": next_at or None,
    }
