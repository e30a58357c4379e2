"""The chunk fence of a transfer job: the ``calling`` mark written before a WeCom call, and the versioned
write that never drops an answer.

Both the customer step (services/transfer_runner.py) and the group step (services/transfer_groups.py)
call WeCom for a chunk under this fence, so it is one collaborator handed to both rather than methods one
class inherits from another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrm.transfers.model import Chunk
from scrm.transfers.ports import TransferRepo

LEASE_S = 300  # a calling mark older than this belongs to a worker that died


class ChunkFence:
    def __init__(self, repo: TransferRepo, clock: Callable[[], float]) -> None:
        self.repo = repo
        self.clock = clock

    def now(self) -> int:
        return int(self.clock())

    def write(self, corp_id: str, chunk: Chunk, change: Callable[[Chunk], Any]) -> Chunk:
        """Apply ``change`` and write; on a version conflict re-read and apply again (never drop it)."""
        current = chunk
        while True:
            change(current)
            if self.repo.replace_chunk(corp_id, current):
                if current is not chunk:
                    chunk.__dict__.update(current.__dict__)
                return current
            fresh = self.repo.get_chunk(corp_id, chunk.job_id, chunk.kind, chunk.number)
            if fresh is None:
                raise RuntimeError(f"chunk {chunk.kind}{chunk.number} of {chunk.job_id} vanished")
            current = fresh

    def lease(self, corp_id: str, c: Chunk, now: int) -> bool | None:
        """Mark the chunk as calling WeCom. None: another worker holds a live mark; otherwise whether an
        earlier call may have reached WeCom unrecorded."""
        if c.calling and now - c.calling < LEASE_S:
            return None
        retried = bool(c.calling)
        c.calling = now
        if not self.repo.replace_chunk(corp_id, c):
            return None
        return retried
