"""The chunk fence of a transfer job: the ``calling`` mark written before a WeCom call, and the versioned
write that never drops an answer (kernel/fence.py's VersionedWrite over the transfer repository).

Both the customer step (runner.py) and the group step (groups.py) call WeCom for a chunk under this fence,
so it is one collaborator handed to both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from scrm.kernel.fence import VersionedWrite
from scrm.transfers.model import Begun, Chunk
from scrm.transfers.ports import TransferRepo

R = TypeVar("R")


class ChunkFence:
    def __init__(self, repo: TransferRepo, clock: Callable[[], float]) -> None:
        self.repo = repo
        self.clock = clock

    def now(self) -> int:
        return int(self.clock())

    def _for(self, corp_id: str) -> VersionedWrite[Chunk]:
        return VersionedWrite(
            lambda c: self.repo.replace_chunk(corp_id, c),
            lambda c: self.repo.get_chunk(corp_id, c.job_id, c.kind, c.number),
        )

    def write(self, corp_id: str, chunk: Chunk, change: Callable[[Chunk], R]) -> R:
        """Apply ``change`` and write; on a version conflict re-read and apply again (never drop it)."""
        return self._for(corp_id).write(chunk, change)

    def lease(self, corp_id: str, c: Chunk, now: int) -> Begun | None:
        """Mark the chunk as calling WeCom. None: another worker holds a live mark (or wrote first)."""
        return self._for(corp_id).mark(c, lambda x: x.begin_call(now))
