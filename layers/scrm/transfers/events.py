"""What WeCom's callbacks tell a running transfer: ``transfer_fail`` (the customer refused, or the taker
reached the customer limit) ends a waiting customer's transfer at once, without waiting for the next poll.

The customer's chunk is found through its index item (the newest job that holds it); the change is a
versioned rewrite of the chunk, so a repeated callback finds the entry already ended and changes nothing.
Re-assignment by the job's policy is left to the next "advance" of the job, which this makes due now.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from scrm.kernel.events import ExternalContactEvent, WeComEvent
from scrm.transfers.job import CANCELLING, RUNNING
from scrm.transfers.ports import TransferRepo


class TransferEvents:
    def __init__(self, repo: TransferRepo, clock: Callable[[], float] = time.time) -> None:
        self.repo = repo
        self.clock = clock

    def observe(self, event: WeComEvent, event_id: str) -> list[str]:
        if not isinstance(event, ExternalContactEvent) or event.change_type != "transfer_fail":
            return []
        corp, ext, taker = event.corp_id, event.external_user_id, event.user_id
        for job_id, number in self.repo.index_of(corp, "c", ext):
            chunk = self.repo.get_chunk(corp, job_id, "c", number)
            if chunk is None or chunk.taker != taker:
                continue
            while True:
                if chunk.record_fail(ext, event.fail_reason, int(self.clock())) is None:
                    return ["transfer:fail_seen_before"]
                if self.repo.replace_chunk(corp, chunk):
                    break
                fresh = self.repo.get_chunk(corp, job_id, "c", number)
                if fresh is None:
                    return []
                chunk = fresh
            for _ in range(5):  # another writer of the job (a runner settling it) must not cancel the nudge
                job = self.repo.get_job(corp, job_id)
                if job is None or job.state not in (RUNNING, CANCELLING):
                    break
                if self.repo.replace_job(corp, job, int(self.clock())):
                    break
            return [f"transfer:{chunk.entries[ext].state}"]
        return ["transfer:not_ours"]
