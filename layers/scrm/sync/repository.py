"""Sync jobs and their step markers in DynamoDB (the SyncJobs port of sync.full_sync)."""

from __future__ import annotations

import uuid
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from scrm.adapters.dynamo.conditional import (
    condition_failed,
    transact_if,
    transactions,
    update_if,
)
from scrm.adapters.dynamo.models import SyncJobItem

J = SyncJobItem
MARKER_TTL_S = 14 * 24 * 3600
COUNTERS = (
    "employees", "employee_chunks", "employee_chunks_done", "group_chunks_done", "relations", "tags",
    "groups_listed", "groups", "wecom_calls", "drift_removed",
)  # fmt: skip
START_TRIES = 4  # reads and decisions again when the pointer moved under a start
RUNNING = "running#"  # sk of the corp's "a job is running" pointer


def _plain(item: SyncJobItem) -> dict[str, Any]:
    data = {
        k: v for k, v in item.attribute_values.items() if v is not None and k not in ("pk", "sk", "children")
    }
    return data


class DynamoSyncJobs:
    def start(self, corp_id: str, kind: str, now_ms: int, stale_after_ms: int) -> tuple[dict[str, Any], bool]:
        """The running job, or a new one. The pointer may change between our read and our write (the job we
        saw finishing deletes it; another start takes it): then we read again and decide again, a few times,
        rather than fail the request."""
        for _ in range(START_TRIES - 1):
            found = self._start_once(corp_id, kind, now_ms, stale_after_ms)
            if found is not None:
                return found
        found = self._start_once(corp_id, kind, now_ms, stale_after_ms, last=True)
        assert found is not None
        return found

    def _start_once(self, corp_id: str, kind: str, now_ms: int, stale_after_ms: int,
                    last: bool = False) -> tuple[dict[str, Any], bool] | None:  # fmt: skip
        pointer = J(corp_id, RUNNING)
        try:
            current = J.get(corp_id, RUNNING, consistent_read=True)
            job = self.get(corp_id, current.job_id or "")
            moving = job is not None and now_ms - int(job.get("updated_at_ms") or 0) < stale_after_ms
            if job is not None and job.get("state") == "running" and moving:
                return job, False
        except DoesNotExist:
            current = None
        job_id = f"{now_ms:013d}-{uuid.uuid4().hex[:8]}"
        record = J(
            corp_id,
            f"job#{job_id}",
            job_id=job_id,
            corp_id=corp_id,
            kind=kind,
            state="running",
            started_at_ms=now_ms,
            updated_at_ms=now_ms,
            open_steps=1,
            steps_done=0,
            **{c: 0 for c in COUNTERS},
        )
        pointer.job_id = job_id
        pointer.updated_at_ms = now_ms
        # The pointer is the lock: replace it only if it still names the job we saw (or none).
        condition = J.pk.does_not_exist() if current is None else (J.job_id == current.job_id)
        try:
            with TransactWrite(connection=transactions()) as tx:
                tx.save(pointer, condition=condition)
                tx.save(record)
        except TransactWriteError:
            again = self.latest(corp_id)
            if again is not None and again.get("state") == "running":
                return again, False
            if last:
                raise
            return None
        if current is not None and current.job_id:
            self.finish(corp_id, current.job_id, now_ms, "failed", "replaced: no progress for too long")
        return _plain(record), True

    def get(self, corp_id: str, job_id: str) -> dict[str, Any] | None:
        try:
            return _plain(J.get(corp_id, f"job#{job_id}", consistent_read=True))
        except DoesNotExist:
            return None

    def latest(self, corp_id: str) -> dict[str, Any] | None:
        for item in J.query(corp_id, J.sk.startswith("job#"), scan_index_forward=False, limit=1):
            return _plain(item)
        return None

    def list(self, corp_id: str, limit: int = 20) -> list[dict[str, Any]]:
        return [
            _plain(i)
            for i in J.query(corp_id, J.sk.startswith("job#"), scan_index_forward=False, limit=limit)
        ]

    def done_children(self, corp_id: str, job_id: str, step_id: str) -> list[dict[str, Any]] | None:
        try:
            marker = J.get(corp_id, f"step#{job_id}#{step_id}", consistent_read=True)
        except DoesNotExist:
            return None
        return [c.as_dict() if hasattr(c, "as_dict") else dict(c) for c in marker.children or []]

    def complete_step(
        self,
        corp_id: str,
        job_id: str,
        step_id: str,
        children: list[dict[str, Any]],
        counters: dict[str, int],
        now_ms: int,
    ) -> bool:
        marker = J(
            corp_id,
            f"step#{job_id}#{step_id}",
            job_id=job_id,
            children=children,
            expires_at=now_ms // 1000 + MARKER_TTL_S,
        )
        actions = [
            J.open_steps.add(len(children) - 1),
            J.steps_done.add(1),
            J.updated_at_ms.set(now_ms),
            *[getattr(J, k).add(v) for k, v in counters.items() if v and k in COUNTERS],
        ]
        def build(tx: TransactWrite) -> None:
            tx.save(marker, condition=J.pk.does_not_exist())
            tx.update(J(corp_id, f"job#{job_id}"), actions=actions, condition=J.pk.exists())

        return transact_if(build)

    def finish(self, corp_id: str, job_id: str, now_ms: int, state: str, error: str = "") -> bool:
        actions = [J.state.set(state), J.finished_at_ms.set(now_ms), J.updated_at_ms.set(now_ms)]
        if error:
            actions.append(J.error.set(error[:500]))
        done = update_if(J(corp_id, f"job#{job_id}"), actions, J.state == "running")
        try:
            J(corp_id, RUNNING).delete(condition=J.job_id == job_id)
        except Exception as exc:  # another job already holds the pointer
            if not condition_failed(exc):
                raise
        return done


__all__ = ["DynamoSyncJobs"]
