"""Re-assignment of refused and taker-at-limit customers to the job's next taker (policy "reassign").

A customer moves to a new chunk of the next taker it has not had; the new chunk is written before the old
entry is marked, and a customer already placed in a later chunk is only marked, so a crash in between
places nobody twice. A collaborator of TransferRunner, which also asks it whether a job still has such
customers (then the job stays running and is due at once).
"""

from __future__ import annotations

from scrm.transfers.fence import ChunkFence
from scrm.transfers.job import TransferJob
from scrm.transfers.limits import chunked, next_taker
from scrm.transfers.model import REASSIGNED, Chunk
from scrm.transfers.ports import TransferRepo

Move = tuple[Chunk, str]  # (the chunk that holds the customer, the customer)


def _holders(chunks: list[Chunk], ext: str) -> list[Chunk]:
    return [x for x in chunks if x.kind == "c" and ext in x.entries]


def _placed_later(c: Chunk, holders: list[Chunk], ext: str) -> bool:
    return any(x is not c and x.number > c.number and x.entries[ext].state != REASSIGNED for x in holders)


class Reassign:
    def __init__(self, repo: TransferRepo, fence: ChunkFence) -> None:
        self.repo = repo
        self.fence = fence

    @staticmethod
    def pending(job: TransferJob, chunks: list[Chunk]) -> bool:
        """Customers the job's policy moves that have a taker left to go to."""
        if job.policy != "reassign" or job.cancelled:
            return False
        for c in chunks:
            for ext in c.to_reassign(job.policy) if c.kind == "c" else ():
                holders = _holders(chunks, ext)
                if not _placed_later(c, holders, ext) and next_taker(job.takers, [x.taker for x in holders]) is not None:
                    return True
        return False

    def run(self, corp_id: str, job: TransferJob, chunks: list[Chunk], now: int) -> list[str]:
        """Move what the policy moves; the chunks list gains the new chunks."""
        if job.policy != "reassign" or job.cancelled:
            return []
        moving: dict[str, list[Move]] = {}
        placed_elsewhere: list[Move] = []
        for c in chunks:
            for ext in c.to_reassign(job.policy) if c.kind == "c" else ():
                holders = _holders(chunks, ext)
                if _placed_later(c, holders, ext):
                    placed_elsewhere.append((c, ext))
                    continue
                nt = next_taker(job.takers, [x.taker for x in holders])
                if nt is not None:
                    moving.setdefault(nt, []).append((c, ext))
        if not moving and not placed_elsewhere:
            return []
        marks: list[tuple[Chunk, str, str]] = [(c, e, "placed") for c, e in placed_elsewhere]
        number = max((c.number for c in chunks if c.kind == "c"), default=0)
        for taker, items in moving.items():
            for part in chunked([e for _, e in items]):
                number += 1
                new = Chunk.new(job.job_id, number, "c", taker, part, now)
                if not self.repo.create_chunk(corp_id, new):
                    # Another advance of this job is re-assigning the same customers right now (the
                    # number was free when we read the chunks): leave them to it; the next advance marks
                    # whatever either of us placed, and nobody is placed twice.
                    return ["reassign-raced"]
                chunks.append(new)
                self.repo.put_index(corp_id, job.job_id, "c", [(e, number) for e in part], now)
            marks += [(c, e, taker) for c, e in items]
        for src in {id(c): c for c, _, _ in marks}.values():
            mine = [(e, t) for c, e, t in marks if c is src]
            self.fence.write(corp_id, src, lambda x, mine=mine: x.mark_reassigned(mine, now))
        return [f"reassigned:{sum(len(v) for v in moving.values())}"]
