"""The plan step of a transfer job: list what it hands over and write it as chunks of at most 100 per taker.

A collaborator of TransferRunner (runner.py), which hands it the repository, the WeCom
gateway, the queue, the clock and its ``advance``; kept apart because planning runs once per job and reads what the
other steps never do: WeCom's lists of what the handover holds (get_unassigned_list for a resigned
employee, externalcontact/list, groupchat/list) and our own record of earlier jobs, for the two-in-90-days
rule (``limited``, which the admin side also asks before it creates a job).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from scrm.kernel.bus import Queue as Publisher
from scrm.kernel.bus import send as send_commands
from scrm.kernel.china_time import CHINA
from scrm.transfers.commands import AdvanceTransfer
from scrm.transfers.job import PLANNING, TransferJob
from scrm.transfers.limits import chunked, frees_at, split
from scrm.transfers.model import (
    DONE,
    MAX_PER_90_DAYS,
    ONJOB,
    REQUESTED,
    RESIGNED,
    TAKEOVER_DELAY_S,
    WAITING,
    Chunk,
)
from scrm.transfers.ports import TransferRepo, TransferWeCom

STEP_CHUNKS = 10  # chunks per "advance" message at the start: ten WeCom calls, well inside a Lambda's time
SCHEDULE_LEASE_S = 900  # a job the scheduler enqueued is not enqueued again before this, unless it ran


def day_of(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).astimezone(CHINA).strftime("%Y-%m-%d")


Advance = Callable[[str, str], str]  # (corp, job): advance every due chunk of a planned job


@dataclass(eq=False)
class PlanStep:
    repo: TransferRepo
    wecom: Callable[[str], TransferWeCom]
    queue: Publisher
    now: Callable[[], int]
    advance: Advance

    def plan(self, corp_id: str, job: TransferJob) -> str:
        """List what to transfer (unless the admin named it), split it across the takers, write the
        chunks and where each customer / chat sits, then fan the first calls out."""
        job_id = job.job_id
        if job.state != PLANNING:
            self.advance(corp_id, job_id)
            return "planned-before"
        customers, groups = self._what(corp_id, job)
        now = self.now()
        chunks = self._chunks(corp_id, job, customers, groups, now)
        self.repo.put_chunks(corp_id, chunks)
        for k in ("c", "g"):
            self.repo.put_index(
                corp_id, job_id, k, [(i, c.number) for c in chunks if c.kind == k for i in c.entries], now
            )
        job.planned(len(customers), len(groups), now)
        if not self.repo.replace_job(corp_id, job, now + SCHEDULE_LEASE_S):
            return "raced"
        keys = [(c.kind, c.number) for c in chunks if c.ids_in(REQUESTED)]
        msgs = [AdvanceTransfer(corp_id, job_id, tuple(keys[i : i + STEP_CHUNKS])) for i in range(0, len(keys), STEP_CHUNKS)]
        send_commands(self.queue, msgs)
        if not msgs:
            self.advance(corp_id, job_id)
        return f"planned:{len(customers)}c:{len(groups)}g:{len(chunks)}chunks"

    def _what(self, corp_id: str, job: TransferJob) -> tuple[list[str], list[str]]:
        """The customers and chats the job hands over: the admin's selection, or all the handover holds."""
        gw = self.wecom(corp_id)
        job_id, kind, handover = job.job_id, job.kind, job.handover_userid
        customers = self.repo.selection(corp_id, job_id, "c") if job.customers == "listed" else None
        if customers is None and job.customers == "all":
            if kind == RESIGNED:
                customers = [
                    str(i["external_userid"]) for i in gw.unassigned() if i.get("handover_userid") == handover
                ]
            else:
                customers = gw.customer_ids(handover)
        groups = self.repo.selection(corp_id, job_id, "g") if job.groups == "listed" else None
        if groups is None and job.groups == "all":
            groups = gw.group_ids(handover, 1 if kind == RESIGNED else 0)
        return list(dict.fromkeys(customers or [])), list(dict.fromkeys(groups or []))

    def _chunks(
        self, corp_id: str, job: TransferJob, customers: list[str], groups: list[str], now: int
    ) -> list[Chunk]:
        """Each taker's share in chunks of 100; on the job, what the 90-day rule blocks fails at once."""
        chunks: list[Chunk] = []
        for k, ids in (("c", customers), ("g", groups)):
            limited = self.limited(corp_id, k, ids, now) if job.kind == ONJOB else {}
            number = 0
            for taker, mine in split(ids, list(job.takers)).items():
                for part in chunked(mine):
                    number += 1
                    chunk = Chunk.new(job.job_id, number, k, taker, part, now)
                    chunk.refuse({i: f"transferred_twice_in_90_days:frees {day_of(limited[i])}"
                                  for i in part if i in limited}, now)  # fmt: skip
                    chunks.append(chunk)
        return chunks

    def limited(self, corp_id: str, kind: str, ids: Iterable[str], now: int) -> dict[str, int]:
        """Customers (or chats) that WeCom's two-in-90-days rule blocks now, by what our own jobs did:
        {id: when the next transfer is allowed}."""
        out: dict[str, int] = {}
        cache: dict[tuple[str, int], Chunk | None] = {}
        for ident in ids:
            times: list[int] = []
            for job_id, number in self.repo.index_of(corp_id, kind, ident):
                key = (job_id, number)
                if key not in cache:
                    cache[key] = self.repo.get_chunk(corp_id, job_id, kind, number)
                c = cache[key]
                e = c.entries.get(ident) if c else None
                if e is None or c is None:
                    continue
                if e.state == DONE:
                    times.append(e.at)
                elif e.state == WAITING:
                    times.append((c.started_at or e.at) + TAKEOVER_DELAY_S)
            frees = frees_at(times, now) if len(times) >= MAX_PER_90_DAYS else None
            if frees is not None:
                out[ident] = frees
        return out
