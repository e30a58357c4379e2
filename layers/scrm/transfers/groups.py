"""The group half of a transfer job: hand chats over within the new owner's allowance of 300 in 24 h.

WeCom's pages give no code for the new owner's 300 a day nor for on-job's twice in 90 days, so nothing here
keys on one: we count the allowance ourselves, and a per-chat code that names no final reason defers the
chat (recorded with WeCom's code) for a later window, a bounded number of times (``T.apply_group_results``).

A collaborator of TransferRunner (services/transfer_runner.py), which hands it the repository, the chunk
fence (transfers/fence.py: the calling mark and versioned writes) and a way to queue the store's side of
what WeCom confirmed; kept apart because the allowance is a concept of its own: one versioned item per new owner (``quota#owner``) holding the takes of the last 24 h, from
which a step reserves before it calls and gives back what WeCom did not hand over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrm.domain.throttle import Throttled
from scrm.domain.wecom_error import WeComError
from scrm.kernel import wecom_errors as errcodes
from scrm.transfers import model as T
from scrm.transfers.fence import ChunkFence
from scrm.transfers.model import Chunk, Entry
from scrm.transfers.ports import TransferRepo, TransferWeCom

RecordLater = Callable[[str, str, list[tuple[str, int]]], None]


class GroupSteps:
    def __init__(self, repo: TransferRepo, fence: ChunkFence, record_later: RecordLater) -> None:
        self.repo = repo
        self.fence = fence
        # The step bodies' names for the fence and for queueing the store's side of confirmed chunks.
        self._now, self._lease, self._write = fence.now, fence.lease, fence.write
        self._record_later = record_later

    def hand_over(self, corp_id: str, job: dict[str, Any], c: Chunk, gw: TransferWeCom) -> str:
        """Hand chats over within the new owner's allowance (300 in 24 h); the rest wait, queued, for
        the allowance to free up. A chat WeCom refuses with a code that names no final reason waits its own
        time (``T.queued_due``), a bounded number of times."""
        now = self._now()
        for ident in c.ids_in(T.QUEUED):
            e = c.entries[ident]
            if T.queued_due(e, c.next_at) <= now:
                c.entries[ident] = Entry(T.REQUESTED, "", now, e.tries)
        pending = c.ids_in(T.REQUESTED)
        while True:
            taken, qv = self.repo.quota(corp_id, c.taker)
            left, frees = T.allowance(taken, now)
            take = pending[:left]
            if not take:
                break
            if self.repo.replace_quota(corp_id, c.taker, [*T.prune(taken, now), [now, len(take)]], qv):
                break
        if not take:
            def queue_all(x: Chunk) -> None:
                for i in x.ids_in(T.REQUESTED):
                    x.entries[i] = Entry(T.QUEUED, T.NEW_OWNER_DAILY_LIMIT, now, x.entries[i].tries)
                x.next_at = self._next_group_check(x, frees)
            self._write(corp_id, c, queue_all)
            return f"groups-queued:{len(pending)}"
        retried = self._lease(corp_id, c, now)
        if retried is None:
            self._give_back(corp_id, c.taker, now, len(take))
            return ""
        try:
            failed = gw.transfer_groups(job["kind"], take, c.taker)
        except Throttled:
            # Nothing reached WeCom: the allowance and the mark are given back; the step comes again.
            self._give_back(corp_id, c.taker, now, len(take))
            self._write(corp_id, c, lambda x: setattr(x, "calling", 0))
            raise
        except WeComError as exc:
            self._give_back(corp_id, c.taker, now, len(take))
            if errcodes.bulk_retries(exc.errcode):
                def later(x: Chunk) -> None:
                    x.calling = 0
                    T.back_off(x, self._now())
                self._write(corp_id, c, later)
                return f"groups-retry:{exc.errcode}"
            reason = T.reason_of(exc.errcode)
            self._write(corp_id, c, lambda x: T.fail_all(x, reason, self._now()))
            return f"groups-refused:{exc.errcode}"
        failed = self._ours_after_all(job, c, gw, failed, bool(retried))
        not_done = sum(1 for i in take if i in failed)
        if not_done:
            self._give_back(corp_id, c.taker, now, not_done)

        def record(x: Chunk) -> None:
            T.apply_group_results(x, take, failed, self._now())
            rest = [i for i in x.ids_in(T.REQUESTED) if i not in take]
            for i in rest:
                x.entries[i] = Entry(T.QUEUED, T.NEW_OWNER_DAILY_LIMIT, now, x.entries[i].tries)
            if x.ids_in(T.QUEUED):
                x.next_at = self._next_group_check(x, frees)
            elif x.ids_in(T.REQUESTED):
                T.back_off(x, self._now())
            else:
                x.next_at = 0

        self._write(corp_id, c, record)
        if len(take) > not_done:
            self._record_later(corp_id, job["job_id"], [(c.kind, c.number)])
        return f"groups:{len(take) - not_done}"

    @staticmethod
    def _ours_after_all(
        job: dict[str, Any], c: Chunk, gw: TransferWeCom, failed: dict[str, int], retried: bool
    ) -> dict[str, int]:
        """The refusals that are not our own handover seen again. After a call of ours that may have reached
        WeCom (``retried``), WeCom answers for the groups it moved 90504 (already the owner), and for a
        resigned handover 90507 (离职群正在继承处理中) or 90508 (离职群已经继承): ours. 90500 (the owner, now
        the taker, has not left) and, on any call, 90508 are ours when the taker owns the group (an earlier
        job, or an admin in WeCom's console, may have done it): ask who does."""
        out = {}
        for chat, code in failed.items():
            if retried and code in T.GROUP_HANDED_OVER_ON_RETRY:
                continue
            ask_owner = code == 90508 or (retried and code == 90500 and job["kind"] == T.RESIGNED)
            if ask_owner and gw.group_owner(chat) == c.taker:
                continue
            out[chat] = code
        return out

    @staticmethod
    def _next_group_check(x: Chunk, frees: int) -> int:
        """The earliest time a queued chat of the chunk is due (0: none queued)."""
        return min((T.queued_due(x.entries[i], frees) for i in x.ids_in(T.QUEUED)), default=0)

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
