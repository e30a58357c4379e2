"""Runs transfer jobs: plans them into chunks, calls WeCom for each chunk, polls the outcomes, re-assigns
refusals by the job's policy, and moves queued groups on as the new owner's daily allowance frees up.

Steps come from the transfers queue ("plan" once per job, "advance" for some or all of its chunks) and
from the scheduled job, which enqueues an "advance" for every job whose next check is due. Every WeCom call
is fenced by the chunk's ``calling`` mark, written before the call: two workers never call for the same
chunk, and a worker that died mid-call leaves a mark that tells the next one "WeCom may have started
these" (so WeCom's "already in a transfer" then means ours). Every answer is written back under the
chunk's version, re-read and re-applied on a conflict, so no answer is ever dropped.
"""


from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from scrm.kernel import wecom_errors as errcodes
from scrm.kernel.bus import Done, Handler, MessageBus, Outcome, Skipped
from scrm.kernel.bus import Queue as Publisher
from scrm.kernel.bus import send as send_commands
from scrm.kernel.throttle import Throttled
from scrm.kernel.wecom_error import WeComError
from scrm.transfers import model as T
from scrm.transfers.commands import AdvanceTransfer, JobCommand, PlanTransfer, RecordTransfer
from scrm.transfers.fence import ChunkFence
from scrm.transfers.groups import GroupSteps
from scrm.transfers.job import PLANNING, TransferJob
from scrm.transfers.model import Chunk
from scrm.transfers.plan import SCHEDULE_LEASE_S, STEP_CHUNKS, PlanStep, day_of
from scrm.transfers.ports import TransferRepo, TransferWeCom
from scrm.transfers.reasons import reason_of
from scrm.transfers.reassign import Reassign
from scrm.transfers.record import TransferRecord

log = logging.getLogger("scrm.transfers")
RECORD_RETRY_S = 60  # a handed-over group WeCom still shows with its old owner is read again this much later
RECORD_TRIES = 10  # … this many reads in all (WeCom does not say how long 离职继承中 lasts)
# The plan's constants and day_of live in plan.py; named here too, where callers and tests import them.
__all__ = ["SCHEDULE_LEASE_S", "STEP_CHUNKS", "TransferRunner", "day_of"]


@dataclass(eq=False)
class TransferRunner:
    repo: TransferRepo
    wecom: Callable[[str], TransferWeCom]
    queue: Publisher
    clock: Callable[[], float] = time.time
    record: TransferRecord | None = None

    def __post_init__(self) -> None:
        # Collaborators, not mixins: the chunk fence both WeCom steps call under, the group step (the new
        # owner's allowance), the plan step and the re-assignment of refusals.
        self.fence = ChunkFence(self.repo, self.clock)
        self.groups = GroupSteps(self.repo, self.fence, self._record_later)
        self.planner = PlanStep(self.repo, self.wecom, self.queue, self.fence.now, self.advance)
        self.reassign = Reassign(self.repo, self.fence)

    def _now(self) -> int:
        return self.fence.now()

    def plan(self, corp_id: str, job: TransferJob) -> str:
        return self.planner.plan(corp_id, job)

    def limited(self, corp_id: str, kind: str, ids: Iterable[str], now: int) -> dict[str, int]:
        """Asked by the admin side before it creates a job (see PlanStep.limited)."""
        return self.planner.limited(corp_id, kind, ids, now)

    # entry points ----------------------------------------------------------------------------
    def bus(self) -> MessageBus:
        """The transfers queue's bus; a step of a job that is gone does nothing."""
        return MessageBus("transfer", self.queue, {
            PlanTransfer: self._of_a_job(lambda c, job: self.plan(c.corp_id, job)),
            AdvanceTransfer: self._of_a_job(lambda c, job: self.advance(
                c.corp_id, c.job_id, only=set(c.chunks) or None, force=c.force)),
            RecordTransfer: self._of_a_job(lambda c, job: self.record_done(
                c.corp_id, job, list(c.chunks), only=None if c.only is None else list(c.only),
                attempt=c.attempt)),
        })  # fmt: skip

    def _of_a_job(self, step: Callable[[Any, TransferJob], str]) -> Handler:
        def run(command: JobCommand) -> Outcome:
            job = self.repo.get_job(command.corp_id, command.job_id)
            if job is None:
                return Skipped("no-job")
            return Done(step(command, job))

        return run

    def enqueue_due(self, corp_id: str) -> list[str]:
        """The scheduled job: every open job whose next check is due gets one "advance" step."""
        now = self._now()
        sent = []
        for job_id in self.repo.due_jobs(corp_id, now):
            job = self.repo.get_job(corp_id, job_id)
            if job is None:
                continue
            if job.ended:
                self.repo.replace_job(corp_id, job, None)
                continue
            # Lease: push the due time out first, so an overlapping run does not enqueue it twice.
            if self.repo.replace_job(corp_id, job, now + SCHEDULE_LEASE_S):
                step = PlanTransfer if job.state == PLANNING else AdvanceTransfer
                send_commands(self.queue, [step(corp_id, job_id)])
                sent.append(job_id)
        return sent

    # advancing -------------------------------------------------------------------------------
    def advance(
        self, corp_id: str, job_id: str, only: set[tuple[str, int]] | None = None, force: bool = False
    ) -> str:
        job = self.repo.get_job(corp_id, job_id)
        if job is None:
            return "no-job"
        if job.state == PLANNING:
            return "not-planned"
        now = self._now()
        chunks = self.repo.chunks(corp_id, job_id)
        gw = self.wecom(corp_id)
        did: list[str] = []
        if only is None:
            did += self._poll(corp_id, job, chunks, gw, now, force)
            did += self.reassign.run(corp_id, job, chunks, now)
        def due(c: Chunk) -> bool:
            if only is not None:
                return (c.kind, c.number) in only
            return force or bool(c.next_at and c.next_at <= now)

        for c in list(chunks):
            if job.cancelled and (c.ids_in(T.REQUESTED) or c.ids_in(T.QUEUED)):
                did += self._stop(corp_id, job, c, gw, now)
                continue
            if job.cancelled or not due(c):
                continue
            if c.kind == "c" and c.ids_in(T.REQUESTED):
                did.append(self._request(corp_id, job, c, gw))
            elif c.kind == "g" and (c.ids_in(T.REQUESTED) or (c.ids_in(T.QUEUED) and c.next_at <= now)):
                did.append(self.groups.hand_over(corp_id, job, c, gw))
        self.settle(corp_id, job_id, self.repo.chunks(corp_id, job_id) if did else chunks)
        return "advanced:" + ",".join(d for d in did if d) if did else "nothing-due"

    def _stop(self, corp_id: str, job: TransferJob, c: Chunk, gw: TransferWeCom, now: int) -> list[str]:
        """Cancelled while a call for it was under way: what that call did not start stops now. A stale
        mark's call died unanswered: WeCom's results tell what it started."""
        if c.call_live(now):
            return []
        statuses = (
            gw.transfer_results(job.kind, job.handover_userid, c.taker) if c.calling and c.kind == "c" else None
        )
        self.fence.write(corp_id, c, lambda x: x.stop(statuses, self._now()))
        return ["cancelled"]

    def settle(self, corp_id: str, job_id: str, chunks: list[Chunk]) -> TransferJob | None:
        """The job's state and next due time from its chunks; a finished job frees its handover."""
        while True:
            job = self.repo.get_job(corp_id, job_id)
            if job is None or job.state == PLANNING:
                return job
            reassigning = self.reassign.pending(job, chunks)  # the next advance moves them to another taker
            job.settle(chunks, self._now(), reassigning)
            open_next = [c.next_at for c in chunks if c.is_open() and c.next_at]
            due = min(open_next) if open_next else (None if job.ended else self._now() + T.POLL_EVERY_S)
            if reassigning:
                due = self._now()
            if self.repo.replace_job(corp_id, job, due):
                if job.ended:
                    self.repo.release_active(corp_id, job.handover_userid, job_id)
                return job

    def _request(self, corp_id: str, job: TransferJob, c: Chunk, gw: TransferWeCom) -> str:
        begun = self.fence.lease(corp_id, c, self._now())
        if begun is None:
            return ""
        ids = c.ids_in(T.REQUESTED)
        try:
            answers = gw.transfer_customers(job.kind, job.handover_userid, c.taker, ids, job.transfer_success_msg or "")
        except WeComError as exc:
            if errcodes.bulk_retries(exc.errcode):
                self.fence.write(corp_id, c, lambda x: x.record_start({}, self._now(), begun.retried))
                self._cancel_if_asked(corp_id, c)
                return f"retry:{exc.errcode}"
            reason = reason_of(exc.errcode)
            self.fence.write(corp_id, c, lambda x: x.fail_call(reason, self._now()))
            log.warning(
                "transfer refused", extra={"job_id": c.job_id, "errcode": exc.errcode, "chunk": c.number}
            )
            return f"refused:{exc.errcode}"
        except Throttled:
            self.fence.write(corp_id, c, lambda x: x.end_call())
            raise
        except Exception:
            # A timeout or a network error: WeCom may have started them; the mark stays, and the retry
            # (this step again, or the next due run after the lease) treats "already in transfer" as ours.
            log.exception("transfer call failed", extra={"job_id": c.job_id, "chunk": c.number})
            raise
        self.fence.write(corp_id, c, lambda x: x.record_start(answers, self._now(), begun.retried))
        self._cancel_if_asked(corp_id, c)
        return f"requested:{len(ids)}"

    def _cancel_if_asked(self, corp_id: str, c: Chunk) -> None:
        """A cancel that came while this chunk's call was under way could not touch it (the mark): what
        the call did not start is cancelled now, not at the next scheduled check."""
        job = self.repo.get_job(corp_id, c.job_id)
        if job is not None and job.cancelled and (c.ids_in(T.REQUESTED) or c.ids_in(T.QUEUED)):
            self.fence.write(corp_id, c, lambda x: x.cancel(self._now()))

    def _poll(
        self, corp_id: str, job: TransferJob, chunks: list[Chunk], gw: TransferWeCom, now: int, force: bool
    ) -> list[str]:
        """One transfer_result walk per (handover, taker) pair with waiting customers, for every chunk
        of that taker at once (the API lists the whole pair, not a chunk)."""
        takers = sorted(
            {c.taker for c in chunks if c.kind == "c" and c.ids_in(T.WAITING) and (force or c.next_at <= now)}
        )
        did = []
        for taker in takers:
            statuses = gw.transfer_results(job.kind, job.handover_userid, taker)
            moved = 0
            confirmed: list[tuple[str, int]] = []
            for c in chunks:
                if c.kind == "c" and c.taker == taker and c.ids_in(T.WAITING):
                    polled = self.fence.write(corp_id, c, lambda x, st=statuses: x.record_results(st, self._now()))
                    moved += polled.moved
                    if polled.done:
                        confirmed.append((c.kind, c.number))
            self._record_later(corp_id, job.job_id, confirmed)
            did.append(f"polled:{taker}:{moved}")
        return did

    def _record_later(self, corp_id: str, job_id: str, keys: list[tuple[str, int]]) -> None:
        """Our store's side of what WeCom just confirmed, as steps of ten chunks (in parallel, and
        apart from the poll, which must not run into a Lambda's time limit)."""
        if self.record is None or not keys:
            return
        send_commands(self.queue, [RecordTransfer(corp_id, job_id, tuple(keys[i : i + 10])) for i in range(0, len(keys), 10)])

    def record_done(
        self, corp_id: str, job: TransferJob, keys: list[tuple[str, int]], only: list[str] | None = None,
        attempt: int = 0,
    ) -> str:
        """Record the chunks' confirmed entries. Groups WeCom does not show with their new owner yet (a
        resigned group still 离职继承中) are read again by the same step RECORD_RETRY_S later, up to
        RECORD_TRIES times in all."""
        if self.record is None:
            return "no-recorder"
        n = 0
        behind: dict[tuple[str, int], list[str]] = {}
        for kind, number in keys:
            chunk = self.repo.get_chunk(corp_id, job.job_id, kind, number)
            if chunk is not None:
                done, late = self.record.chunk_done(corp_id, job, chunk, set(only) if only is not None else None)
                n += done
                if late:
                    behind[(kind, number)] = late
        if not behind:
            return f"recorded:{n}"
        if attempt + 1 < RECORD_TRIES:
            send_commands(self.queue, [
                RecordTransfer(corp_id, job.job_id, (k,), tuple(ids), attempt + 1) for k, ids in behind.items()
            ], delay_s=RECORD_RETRY_S)  # fmt: skip
            return f"recorded:{n}:behind:{sum(len(v) for v in behind.values())}"
        log.warning("groups still without their new owner in WeCom", extra={
            "job_id": job.job_id, "chats": [c for v in behind.values() for c in v][:20],
        })  # fmt: skip
        return f"recorded:{n}:behind-gave-up:{sum(len(v) for v in behind.values())}"
