"""The group half of a transfer job: hand chats over within the new owner's allowance of 300 in 24 h.

A mixin of TransferRunner (services/transfer_runner.py), which provides the chunk fence (``_lease``),
versioned writes (``_write``), the repository and the clock; kept apart because the allowance is a concept
of its own: one versioned item per new owner (``quota#owner``) holding the takes of the last 24 h, from
which a step reserves before it calls and gives back what WeCom did not hand over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrm.domain import transfer as T
from scrm.domain.throttle import Throttled
from scrm.domain.transfer import Chunk, Entry
from scrm.domain.wecom_error import WeComError
from scrm.services.ports import TransferRepo, TransferWeCom


class GroupSteps:
    repo: TransferRepo

    # provided by TransferRunner
    def _now(self) -> int:
        raise NotImplementedError

    def _lease(self, corp_id: str, c: Chunk, now: int) -> bool | None:
        raise NotImplementedError

    def _write(self, corp_id: str, chunk: Chunk, change: Callable[[Chunk], Any]) -> Chunk:
        raise NotImplementedError

    def _record_later(self, corp_id: str, job_id: str, keys: list[tuple[str, int]]) -> None:
        raise NotImplementedError

    def _groups(self, corp_id: str, job: dict[str, Any], c: Chunk, gw: TransferWeCom) -> str:
        """Hand chats over within the new owner's allowance (300 in 24 h); the rest wait, queued, for
        the allowance to free up."""
        now = self._now()
        for ident in c.ids_in(T.QUEUED):
            if c.next_at <= now:
                c.entries[ident] = Entry(T.REQUESTED, "", now)
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
                    x.entries[i] = Entry(T.QUEUED, "new_owner_daily_limit", now)
                x.next_at = frees
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
            if exc.errcode in T.RETRIABLE:
                def later(x: Chunk) -> None:
                    x.calling = 0
                    T.back_off(x, self._now())
                self._write(corp_id, c, later)
                return f"groups-retry:{exc.errcode}"
            reason = T.reason_of(exc.errcode)
            self._write(corp_id, c, lambda x: T.fail_all(x, reason, self._now()))
            return f"groups-refused:{exc.errcode}"
        if retried:
            # An earlier call may have moved some already: WeCom answers 90504 (already owner) for them,
            # and for a resigned handover 90500 (the owner, now the taker, has not left): ask who owns it.
            failed = {
                k: v for k, v in failed.items()
                if v != 90504 and not (v == 90500 and job["kind"] == T.RESIGNED and gw.group_owner(k) == c.taker)
            }  # fmt: skip
        not_done = sum(1 for i in take if i in failed)
        if not_done:
            self._give_back(corp_id, c.taker, now, not_done)

        def record(x: Chunk) -> None:
            T.apply_group_results(x, take, failed, self._now())
            rest = [i for i in x.ids_in(T.REQUESTED) if i not in take]
            for i in rest:
                x.entries[i] = Entry(T.QUEUED, "new_owner_daily_limit", now)
            if x.ids_in(T.QUEUED):
                x.next_at = max(frees, now + 3600) if any(v == T.GROUP_DAILY_LIMIT_CODE for v in failed.values()) else frees
            elif x.ids_in(T.REQUESTED):
                T.back_off(x, self._now())
            else:
                x.next_at = 0

        self._write(corp_id, c, record)
        if len(take) > not_done:
            self._record_later(corp_id, job["job_id"], [(c.kind, c.number)])
        return f"groups:{len(take) - not_done}"

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
