"""The group half of a transfer job: hand chats over within the new owner's allowance of 300 in 24 h.

WeCom's pages give no code for the new owner's 300 a day nor for on-job's twice in 90 days, so nothing here
keys on one: we count the allowance ourselves, and a per-chat code that names no final reason defers the
chat (recorded with WeCom's code) for a later window, a bounded number of times (``Chunk.record_groups``).

A collaborator of TransferRunner (runner.py), which hands it the repository, the chunk
fence (transfers/fence.py: the calling mark and versioned writes) and a way to queue the store's side of
what WeCom confirmed; kept apart because the allowance is a concept of its own: one versioned item per new owner (``quota#owner``) holding the takes of the last 24 h, from
which a step reserves before it calls and gives back what WeCom did not hand over.
"""

from __future__ import annotations

from collections.abc import Callable

from scrm.kernel import wecom_errors as errcodes
from scrm.kernel.throttle import Throttled
from scrm.kernel.wecom_error import WeComError
from scrm.transfers.fence import ChunkFence
from scrm.transfers.job import TransferJob
from scrm.transfers.limits import allowance, prune
from scrm.transfers.model import RESIGNED, Chunk
from scrm.transfers.ports import TransferRepo, TransferWeCom
from scrm.transfers.reasons import GROUP_HANDED_OVER_ON_RETRY, reason_of

RecordLater = Callable[[str, str, list[tuple[str, int]]], None]


class GroupSteps:
    def __init__(self, repo: TransferRepo, fence: ChunkFence, record_later: RecordLater) -> None:
        self.repo = repo
        self.fence = fence
        self._record_later = record_later

    def hand_over(self, corp_id: str, job: TransferJob, c: Chunk, gw: TransferWeCom) -> str:
        """Hand chats over within the new owner's allowance (300 in 24 h); the rest wait, queued, for
        the allowance to free up. A chat WeCom refuses with a code that names no final reason waits its own
        time (``queued_due``), a bounded number of times."""
        now = self.fence.now()
        pending = c.release_due(now)
        take, frees = self._reserve(corp_id, c.taker, pending, now)
        if not take:
            self.fence.write(corp_id, c, lambda x: x.queue_for_allowance(frees, now))
            return f"groups-queued:{len(pending)}"
        begun = self.fence.lease(corp_id, c, now)
        if begun is None:
            self._give_back(corp_id, c.taker, now, len(take))
            return ""
        try:
            failed = gw.transfer_groups(job.kind, take, c.taker)
        except Throttled:
            # Nothing reached WeCom: the allowance and the mark are given back; the step comes again.
            self._give_back(corp_id, c.taker, now, len(take))
            self.fence.write(corp_id, c, lambda x: x.end_call())
            raise
        except WeComError as exc:
            self._give_back(corp_id, c.taker, now, len(take))
            if errcodes.bulk_retries(exc.errcode):
                self.fence.write(corp_id, c, lambda x: x.back_off(self.fence.now()))
                return f"groups-retry:{exc.errcode}"
            reason = reason_of(exc.errcode)
            self.fence.write(corp_id, c, lambda x: x.fail_call(reason, self.fence.now()))
            return f"groups-refused:{exc.errcode}"
        failed = self._ours_after_all(job, c, gw, failed, begun.retried)
        not_done = sum(1 for i in take if i in failed)
        if not_done:
            self._give_back(corp_id, c.taker, now, not_done)
        self.fence.write(corp_id, c, lambda x: x.record_groups(take, failed, frees, self.fence.now()))
        if len(take) > not_done:
            self._record_later(corp_id, job.job_id, [(c.kind, c.number)])
        return f"groups:{len(take) - not_done}"

    def _reserve(self, corp_id: str, owner: str, pending: list[str], now: int) -> tuple[list[str], int]:
        """Take what the owner's allowance allows of ``pending`` (written before the call); (the chats
        taken, when the allowance frees up next)."""
        while True:
            taken, qv = self.repo.quota(corp_id, owner)
            left, frees = allowance(taken, now)
            take = pending[:left]
            if not take or self.repo.replace_quota(corp_id, owner, [*prune(taken, now), [now, len(take)]], qv):
                return take, frees

    @staticmethod
    def _ours_after_all(
        job: TransferJob, c: Chunk, gw: TransferWeCom, failed: dict[str, int], retried: bool
    ) -> dict[str, int]:
        """The refusals that are not our own handover seen again. After a call of ours that may have reached
        WeCom (``retried``), WeCom answers for the groups it moved 90504 (already the owner), and for a
        resigned handover 90507 (离职群正在继承处理中) or 90508 (离职群已经继承): ours. 90500 (the owner, now
        the taker, has not left) and, on any call, 90508 are ours when the taker owns the group (an earlier
        job, or an admin in WeCom's console, may have done it): ask who does."""
        out = {}
        for chat, code in failed.items():
            if retried and code in GROUP_HANDED_OVER_ON_RETRY:
                continue
            ask_owner = code == 90508 or (retried and code == 90500 and job.kind == RESIGNED)
            if ask_owner and gw.group_owner(chat) == c.taker:
                continue
            out[chat] = code
        return out

    def _give_back(self, corp_id: str, owner: str, at: int, n: int) -> None:
        """Return ``n`` reserved chats to the owner's allowance (WeCom did not hand them over)."""
        while True:
            taken, qv = self.repo.quota(corp_id, owner)
            rows = [list(r) for r in taken]
            for r in reversed(rows):
                if r[0] == at and r[1] > 0:
                    r[1] = max(0, r[1] - n)
                    break
            else:
                return
            if self.repo.replace_quota(corp_id, owner, [r for r in rows if r[1] > 0], qv):
                return
