"""Waiting for a full sync: most stack tests start from a corp whose store matches the sandbox."""

from __future__ import annotations

from tests.support.waiting import wait_for


def sync_and_wait(corp_id: str, timeout_s: float = 60) -> None:
    """Start a full sync of the corp and return once its job is done."""
    from scrm import bootstrap

    job, _ = bootstrap.full_sync().start(corp_id)
    wait_for(lambda: bootstrap.full_sync().jobs.get(corp_id, job["job_id"])["state"] == "done",
             timeout_s=timeout_s, what="sync")  # fmt: skip
