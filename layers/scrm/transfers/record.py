"""What a finished handover changes in our own store. WeCom sends no callback for its own API writes (a
resigned customer transfer tells nobody that the departed member's relation ended; a group handover tells
nobody that the owner changed), so once WeCom confirms, we write it ourselves: the handover's relation
becomes ``transferred`` (versioned like the DELETE_BY_TRANSFER event WeCom sends for an on-the-job one),
the customer's and the group's timelines get the handover, and a handed-over group is read again.

Runs as its own step per chunk after the poll or the group call that confirmed it: every write is
idempotent (versioned status, timeline keyed by job and id), so a step repeated changes nothing.

A group WeCom accepted may not show its new owner yet: a resigned group stays 离职继承中 (groupchat/list
status 2) for a while, with its old owner (92127; WeCom does not say how long). What was read is stored
all the same (it is WeCom's view now, stamped with when we asked, so a later read wins), and the group is
reported as behind, for the runner to read it again later.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from scrm.customers.follow import FollowStatus
from scrm.customers.ports import Store, WeCom
from scrm.kernel.versions import version_of
from scrm.transfers.job import TransferJob
from scrm.transfers.model import DONE, Chunk


class TransferRecord:
    def __init__(self, store: Store, wecom: Callable[[str], WeCom], clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.wecom = wecom
        self.clock = clock

    def chunk_done(
        self, corp_id: str, job: TransferJob, chunk: Chunk, only: Collection[str] | None = None
    ) -> tuple[int, list[str]]:
        """Record the chunk's done entries (or only those named): (how many, the groups whose owner WeCom
        does not show as the taker yet)."""
        done = [(i, e) for i, e in chunk.entries.items() if e.state == DONE and (only is None or i in only)]
        behind: list[str] = []
        handover = job.handover_userid
        entry = {"event": "transfer", "kind": job.kind, "job_id": job.job_id,
                 "handover_userid": handover, "takeover_userid": chunk.taker}  # fmt: skip
        for ident, e in done:
            event_id = f"transfer-{job.job_id}-{ident}"
            if chunk.kind == "c":
                self.store.set_follow_status(
                    corp_id, ident, handover, FollowStatus.TRANSFERRED, version_of(e.at, "del_external_contact"), {}
                )
                self.store.add_timeline(corp_id, f"customer:{ident}", e.at, event_id, {**entry, "external_userid": ident})
            else:
                asked_at = int(self.clock() * 1000)
                group = self.wecom(corp_id).get_group_chat(ident)
                if group is not None:
                    self.store.save_group(corp_id, group, asked_at)
                    if group.owner != chunk.taker:
                        behind.append(ident)
                self.store.add_timeline(corp_id, f"chat:{ident}", e.at, event_id, {**entry, "chat_id": ident})
        return len(done), behind
