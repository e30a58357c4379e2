"""Full sync of a corp from WeCom: employees, the tag library, every customer relation and every group.

It runs as steps on the sync queue (see sync.plan). A step's effects on the store are idempotent
writes; its progress counters and the messages it fans out to are recorded in one transaction with the
step's done-marker, so a redelivered step re-sends its children and counts nothing twice. When a chunk's
customer pages are all read, drift steps for its employees mark the relations we hold that WeCom did not
return (``FollowStatus.GONE``); the reverse drift (WeCom has it, we do not) is what the sync wrote. Only
employees WeCom listed are judged: a relation of someone outside the app's scope is not ours to call gone.
The job is done when no step is left open.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from scrm.customers.follow import FollowStatus
from scrm.customers.ports import Store
from scrm.kernel.bus import Done, MessageBus, Outcome, Skipped
from scrm.kernel.versions import version_of
from scrm.sync.commands import SyncStep
from scrm.sync.plan import Step, detail_steps, drift_step, first_steps, next_page

DRIFT_PAGE = 2000
Work = tuple[list[Step], dict[str, int]]  # a step's children and its counters


class SyncJobs(Protocol):
    def start(
        self, corp_id: str, kind: str, now_ms: int, stale_after_ms: int
    ) -> tuple[dict[str, Any], bool]: ...

    def get(self, corp_id: str, job_id: str) -> dict[str, Any] | None: ...

    def latest(self, corp_id: str) -> dict[str, Any] | None: ...

    def done_children(self, corp_id: str, job_id: str, step_id: str) -> list[dict[str, Any]] | None: ...

    def complete_step(
        self, corp_id: str, job_id: str, step_id: str, children: list[dict[str, Any]], counters: dict[str, int],
        now_ms: int,
    ) -> bool: ...  # fmt: skip

    def finish(self, corp_id: str, job_id: str, now_ms: int, state: str, error: str = "") -> bool: ...


class StepQueue(Protocol):
    def send_many(self, messages: list[dict[str, Any]], delay_s: int = 0) -> None: ...


class BulkWeCom(Protocol):
    """The bulk reads, for one corp, spending the shared call budget (raises Throttled)."""

    calls: int

    def list_employees(self) -> list[Any]: ...

    def get_tag_groups(self) -> list[Any]: ...

    def customers_page(
        self, userids: Sequence[str], cursor: str = ""
    ) -> tuple[list[tuple[Any, Any]], str]: ...

    def group_chats_page(self, owners: Sequence[str], cursor: str = "") -> tuple[list[str], str]: ...

    def get_group_chat(self, chat_id: str) -> Any: ...


class SyncStore(Store, Protocol):
    def sync_page(self, corp_id: str, rows: Sequence[tuple[Any, Any]], synced_at_ms: int) -> int: ...

    def held_tag_ids(self, corp_id: str) -> set[str]: ...

    def stale_relations(
        self, corp_id: str, userids: Sequence[str], before_ms: int, cursor: str, limit: int
    ) -> tuple[list[tuple[str, str]], str]: ...


@dataclass(eq=False)
class FullSync:
    store: SyncStore
    wecom: Callable[[str], BulkWeCom]
    jobs: SyncJobs
    queue: StepQueue
    clock: Callable[[], float] = time.time
    stale_after_s: int = 15 * 60
    stale_after_ms: int = field(init=False)

    def __post_init__(self) -> None:
        self.stale_after_ms = self.stale_after_s * 1000

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    # starting and reading ---------------------------------------------------------------------
    def start(self, corp_id: str, kind: str = "full") -> tuple[dict[str, Any], bool]:
        """Idempotent: while a job of the corp is running (and moved in the last 15 minutes), starting
        again returns that job instead of a second one."""
        job, created = self.jobs.start(corp_id, kind, self._now_ms(), self.stale_after_ms)
        if created:
            self.queue.send_many([SyncStep(corp_id, job["job_id"], Step("plan", "plan")).to_message()])
        return job, created

    # running a step ---------------------------------------------------------------------------
    def bus(self) -> MessageBus:
        """The sync queue's bus: one command for every step kind (they share their bookkeeping)."""
        return MessageBus("sync", self.queue, {SyncStep: self.run})

    def run(self, command: SyncStep) -> Outcome:
        """One step; a spent call budget (``Throttled``) goes up to the bus, which re-sends it delayed."""
        corp_id, job_id, step = command.corp_id, command.job_id, command.step
        children = self.jobs.done_children(corp_id, job_id, step.id)
        if children is not None:
            self.queue.send_many(children)  # we may have crashed between the marker and the send
            return Skipped("repeat")
        job = self.jobs.get(corp_id, job_id)
        if job is None or job.get("state") != "running":
            return Skipped("job-not-running")
        wecom = self.wecom(corp_id)
        calls_before = wecom.calls
        steps, counters = self._work(corp_id, job, step, wecom)
        counters["wecom_calls"] = wecom.calls - calls_before
        msgs = [SyncStep(corp_id, job_id, s).to_message() for s in steps]
        if not self.jobs.complete_step(corp_id, job_id, step.id, msgs, counters, self._now_ms()):
            return Skipped("duplicate")
        self.queue.send_many(msgs)
        self._maybe_finish(corp_id, job_id)
        return Done("done")

    def _maybe_finish(self, corp_id: str, job_id: str) -> None:
        job = self.jobs.get(corp_id, job_id)
        if job is None or job.get("state") != "running" or job.get("open_steps", 1) != 0:
            return
        self.jobs.finish(corp_id, job_id, self._now_ms(), "done")

    def _work(self, corp: str, job: dict[str, Any], step: Step, wecom: BulkWeCom) -> Work:
        work = {
            "plan": self._plan, "customers": self._customers, "groups": self._groups,
            "group_details": self._group_details, "drift": self._drift,
        }.get(step.kind)  # fmt: skip
        if work is None:
            raise ValueError(f"unknown sync step kind {step.kind!r}")
        return work(corp, job, step, wecom)

    def _plan(self, corp: str, job: dict[str, Any], step: Step, wecom: BulkWeCom) -> Work:
        now = self._now_ms()
        employees = wecom.list_employees()
        for e in employees:
            self.store.save_employee(corp, e, now)
        groups = wecom.get_tag_groups()
        self.store.save_tag_groups(corp, groups, now)
        live = {g.group_id for g in groups} | {t.tag_id for g in groups for t in g.tags}
        for gone in self.store.held_tag_ids(corp) - live:
            self.store.delete_tag(corp, gone, False, self._drift_version())
        steps = first_steps([e.userid for e in employees])
        return steps, {
            "employees": len(employees),
            "employee_chunks": len(steps) // 2,
            "tags": sum(len(g.tags) for g in groups),
        }

    def _customers(self, corp: str, job: dict[str, Any], step: Step, wecom: BulkWeCom) -> Work:
        now = self._now_ms()
        page, cursor = wecom.customers_page(step.userids, step.cursor)
        self.store.sync_page(corp, page, now)
        nxt = next_page(step, cursor)
        counters = {"relations": len(page)}
        if nxt is None:
            counters["employee_chunks_done"] = 1
            return [drift_step(step)], counters
        return [nxt], counters

    def _groups(self, corp: str, job: dict[str, Any], step: Step, wecom: BulkWeCom) -> Work:
        chat_ids, cursor = wecom.group_chats_page(step.userids, step.cursor)
        nxt = next_page(step, cursor)
        counters = {"groups_listed": len(chat_ids), "group_chunks_done": 0 if nxt else 1}
        return [*detail_steps(step, chat_ids), *([nxt] if nxt else [])], counters

    def _group_details(self, corp: str, job: dict[str, Any], step: Step, wecom: BulkWeCom) -> Work:
        saved = 0
        for chat_id in step.chat_ids:
            group = wecom.get_group_chat(chat_id)
            if group is not None:
                self.store.save_group(corp, group, self._now_ms())
                saved += 1
        return [], {"groups": saved}

    def _drift(self, corp: str, job: dict[str, Any], step: Step, wecom: BulkWeCom) -> Work:
        stale, cursor = self.store.stale_relations(
            corp, step.userids, int(job["started_at_ms"]), step.cursor, DRIFT_PAGE
        )
        version = self._drift_version()
        removed = sum(
            self.store.set_follow_status(corp, ext, uid, FollowStatus.GONE, version, {}) for ext, uid in stale
        )
        nxt = next_page(step, cursor)
        return ([nxt] if nxt else []), {"drift_removed": removed}

    def _drift_version(self) -> int:
        """As if a delete event arrived now: any later event about the relation still wins."""
        return version_of(int(self.clock()), "del_external_contact")


def progress(job: dict[str, Any]) -> dict[str, Any]:
    """The job as the API and the CLI show it, with a percentage that never goes down: employee chunks
    whose customers are all read (three quarters), and groups read of those listed, counted only once
    every chunk's groups are listed (so the denominator no longer grows)."""
    chunks = int(job.get("employee_chunks") or 0)
    listed = int(job.get("groups_listed") or 0)
    cust = (int(job.get("employee_chunks_done") or 0) / chunks) if chunks else 0.0
    all_listed = chunks > 0 and int(job.get("group_chunks_done") or 0) >= chunks
    grp = ((int(job.get("groups") or 0) / listed) if listed else 1.0) if all_listed else 0.0
    pct = 100.0 if job.get("state") == "done" else min(99.0, 100 * (0.75 * cust + 0.25 * grp))
    keys = (
        "job_id", "kind", "state", "started_at_ms", "finished_at_ms", "updated_at_ms", "employees",
        "employee_chunks", "employee_chunks_done", "group_chunks_done", "relations", "tags", "groups_listed", "groups",
        "wecom_calls", "drift_removed", "open_steps", "steps_done", "error",
    )  # fmt: skip
    out = {k: job.get(k) for k in keys if job.get(k) is not None}
    out["percent"] = round(pct, 1)
    return out
