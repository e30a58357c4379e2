"""A moment task (客户朋友圈) as an aggregate: its stored spec and where its creation in WeCom stands, with the
transitions that move it. Pure: no storage, no WeCom.

Creation is asynchronous in WeCom (95094): ``add_moment_task`` answers a ``jobid`` (valid 24 h), and
``get_moment_task_result`` says when the job is done and which ``moment_id`` it made, with the senders and
customers it could not take. So a task goes:

    new (or scheduled) → calling → job → created
                             ↘ failed (WeCom refused the task or the job)
    new / scheduled / job / created → cancelled

``calling`` is the fence, as for mass sends: the moment a worker began the call, written under ``version``
before the call, so a second worker sees a live mark and stays out, and a worker that died mid-call leaves a
stale mark the next one resolves before calling again (see service.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Self

from scrm.moments.spec import MomentSpec, spec_from_dict

NEW, CALLING, JOB, CREATED, FAILED, CANCELLED = "new", "calling", "job", "created", "failed", "cancelled"
OPEN = (NEW, CALLING, JOB)
LEASE_S = 300  # a calling mark older than this belongs to a worker that died
JOB_TTL_S = 86_400  # a jobid answers for 24 h (95094)
JOB_STARTED, JOB_RUNNING, JOB_DONE = 1, 2, 3
INVALID_KEPT = 1000


@dataclass
class Moment:
    moment_task_id: str  # ours
    spec: dict[str, Any]
    state: str = NEW
    created_at: int = 0
    created_by: str = ""
    calling: int = 0
    jobid: str = ""
    job_at: int = 0
    moment_id: str = ""  # WeCom's, once the job is done
    invalid_senders: list[str] = field(default_factory=list)  # the first INVALID_KEPT (the item stays small)
    invalid_customers: list[str] = field(default_factory=list)
    invalid_counts: dict[str, int] = field(default_factory=dict)
    error: int | None = None
    reason: str = ""
    done_at: int = 0
    cancelled_at: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    version: int = 0  # the stored item's; 0 before it is first written

    @classmethod
    def from_item(cls, data: Mapping[str, Any], version: int) -> Self:
        names = {f.name for f in fields(cls)} - {"extra", "version"}
        known = {k: v for k, v in data.items() if k in names}
        return cls(**known, extra={k: v for k, v in data.items() if k not in names}, version=version)

    def to_item(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("extra", "version")}
        return {**out, **self.extra}

    def parsed(self) -> MomentSpec:
        return spec_from_dict(self.spec)

    # questions
    @property
    def senders_count(self) -> int:
        """The senders live beside the task (up to 100,000 ids would pass DynamoDB's 400 KB item): a count here."""
        return int(self.spec.get("senders_count", len(self.spec.get("senders") or [])))

    @property
    def is_open(self) -> bool:
        return self.state in OPEN

    def due(self, now: int) -> bool:
        """Its creation may start: new, and its schedule (if any) reached."""
        return self.state == NEW and int(self.spec.get("schedule_at") or 0) <= now

    def call_live(self, now: int) -> bool:
        return self.state == CALLING and now - int(self.calling) < LEASE_S

    def job_expired(self, now: int) -> bool:
        return self.state == JOB and now - int(self.job_at) >= JOB_TTL_S

    # transitions
    def begin_call(self, now: int) -> None:
        if self.state not in (NEW, CALLING):
            raise ValueError(f"a {self.state} moment task is not called")
        self.state, self.calling = CALLING, now

    def end_call(self) -> None:
        """The call made nothing (WeCom busy, throttled): the next step may call again."""
        self.state, self.calling = NEW, 0

    def record_job(self, jobid: str, now: int) -> None:
        self.state, self.jobid, self.job_at, self.calling = JOB, jobid, now, 0

    def job_done(self, moment_id: str, invalid_senders: list[str], invalid_customers: list[str], now: int) -> None:
        self.state, self.moment_id, self.done_at = CREATED, moment_id, now
        self.invalid_senders = sorted(invalid_senders)[:INVALID_KEPT]
        self.invalid_customers = sorted(invalid_customers)[:INVALID_KEPT]
        self.invalid_counts = {"senders": len(invalid_senders), "customers": len(invalid_customers)}

    def fail(self, code: int | None, reason: str, now: int) -> None:
        self.state, self.error, self.reason, self.calling, self.done_at = FAILED, code, reason, 0, now

    def results_due(self) -> None:
        """The next scheduled run reads the results again from the first member (an admin's 立即刷新, rather
        than waiting for the 10-minute round): reading again is safe, a like already on a customer's timeline
        is not written twice."""
        if self.state != CREATED:
            raise ValueError(f"a {self.state} moment task has no results to read")
        self.extra["results_at"], self.extra["results_position"] = 0, 0

    def cancel(self, now: int) -> None:
        if self.state in (FAILED, CANCELLED):
            raise ValueError(f"a {self.state} moment task cannot be cancelled")
        self.state, self.cancelled_at, self.calling = CANCELLED, now, 0

    def listed(self) -> dict[str, Any]:
        """The task as the API shows it: its counts of invalid senders and customers, not their lists."""
        out = self.to_item()
        out["invalid_senders"] = int(self.invalid_counts.get("senders", len(self.invalid_senders)))
        out["invalid_customers"] = int(self.invalid_counts.get("customers", len(self.invalid_customers)))
        out["spec"] = {**self.spec, "senders": self.senders_count}
        return out

    def shown(self) -> dict[str, Any]:
        """One task as the API shows it: ``listed()`` plus which senders and tags WeCom refused (the first
        INVALID_KEPT of each), so an admin can fix a department id or a deleted tag."""
        return {**self.listed(), "invalid_sender_list": list(self.invalid_senders),
                "invalid_customer_list": list(self.invalid_customers)}  # fmt: skip
