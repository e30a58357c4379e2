"""Transfer jobs, their chunks and the indexes around them, in one table (key shapes: scrm.resources).

Chunks are rewritten whole under their version: a chunk holds at most 100 entries (a few KB), and one
conditional write then moves every customer of a WeCom call together, so a job's progress is exact
without a counter that could drift from the states it counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.transactions import TransactWrite

from scrm.adapters.dynamo.conditional import (
    condition_failed,
    created,
    loaded,
    loaded_all,
    save_if,
    transact_if,
)
from scrm.adapters.dynamo.models import TransferItem
from scrm.transfers.job import TransferJob
from scrm.transfers.model import Chunk
from scrm.transfers.ports import ActiveJobExists

T = TransferItem


def _chunk_sk(kind: str, number: int) -> str:
    return f"{kind}{number:06d}"


class DynamoTransfers:
    # jobs ------------------------------------------------------------------------------------
    def create_job(self, corp_id: str, job: TransferJob, request_key: str) -> tuple[TransferJob, bool]:
        """The job, created once per request key, and only while its handover has no other open job.
        Returns (job, created); raises ActiveJobExists with the open job's id."""
        job_id, handover, data = job.job_id, job.handover_userid, job.to_dict()

        def build(tx: TransactWrite) -> None:
            tx.save(T(corp_id, f"req#{request_key}", data={"job_id": job_id}), condition=T.pk.does_not_exist())
            tx.save(T(corp_id, f"active#{handover}", data={"job_id": job_id}), condition=T.pk.does_not_exist())
            tx.save(
                T(corp_id, f"job#{job_id}", data=data, version=1, due_pk=corp_id, due_at=int(job.created_at or 0)),
                condition=T.pk.does_not_exist(),
            )

        if transact_if(build):
            job.version = 1
            return job, True
        earlier = self._get(corp_id, f"req#{request_key}")
        if earlier is not None:
            found = self.get_job(corp_id, earlier.data["job_id"])
            if found is not None:
                return found, False
        active = self._get(corp_id, f"active#{handover}")
        if active is not None:
            raise ActiveJobExists(active.data["job_id"])
        raise RuntimeError("transfer job not created: a concurrent request; try again")

    def _get(self, pk: str, sk: str) -> TransferItem | None:
        try:
            return T.get(pk, sk, consistent_read=True)
        except DoesNotExist:
            return None

    def get_job(self, corp_id: str, job_id: str) -> TransferJob | None:
        item = self._get(corp_id, f"job#{job_id}")
        return loaded(TransferJob.from_dict, item)

    def list_jobs(self, corp_id: str, limit: int = 50) -> list[TransferJob]:
        return loaded_all(TransferJob.from_dict, T.query(corp_id, T.sk.startswith("job#"), scan_index_forward=False, limit=limit))

    def replace_job(self, corp_id: str, job: TransferJob, due_at: int | None) -> bool:
        """Write the job if nobody else did since ``job.version`` (then move it on); ``due_at`` None takes it
        off the due index."""
        version = job.version
        actions = [T.data.set(job.to_dict()), T.version.set(version + 1)]
        if due_at is None:
            actions += [T.due_pk.remove(), T.due_at.remove()]
        else:
            actions += [T.due_pk.set(corp_id), T.due_at.set(int(due_at))]
        try:
            T(corp_id, f"job#{job.job_id}").update(actions=actions, condition=T.version == version)
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        job.version = version + 1
        return True

    def release_active(self, corp_id: str, handover: str, job_id: str) -> None:
        item = self._get(corp_id, f"active#{handover}")
        if item is not None and item.data.get("job_id") == job_id:
            item.delete()

    def due_jobs(self, corp_id: str, now: int) -> list[str]:
        return [
            str(i.sk).removeprefix("job#")
            for i in T.by_due.query(corp_id, T.due_at <= now)
            if str(i.sk).startswith("job#")
        ]

    # chunks ----------------------------------------------------------------------------------
    def put_chunks(self, corp_id: str, chunks: Sequence[Chunk]) -> None:
        """Planning writes (deterministic: a re-plan writes the same chunks again)."""
        with T.batch_write() as batch:
            for c in chunks:
                batch.save(T(f"{corp_id}#{c.job_id}", _chunk_sk(c.kind, c.number), data=c.to_dict(), version=1))
        for c in chunks:
            c.version = 1

    def create_chunk(self, corp_id: str, chunk: Chunk) -> bool:
        item = T(f"{corp_id}#{chunk.job_id}", _chunk_sk(chunk.kind, chunk.number), data=chunk.to_dict(), version=1)
        return created(chunk, save_if(item, T.pk.does_not_exist()))

    def chunks(self, corp_id: str, job_id: str) -> list[Chunk]:
        return loaded_all(Chunk.from_dict, T.query(f"{corp_id}#{job_id}", T.sk < "h", consistent_read=True))

    def get_chunk(self, corp_id: str, job_id: str, kind: str, number: int) -> Chunk | None:
        item = self._get(f"{corp_id}#{job_id}", _chunk_sk(kind, number))
        return loaded(Chunk.from_dict, item)

    def replace_chunk(self, corp_id: str, chunk: Chunk) -> bool:
        """Write the chunk if it is still at ``chunk.version`` (then bump it); False if another writer won."""
        try:
            T(f"{corp_id}#{chunk.job_id}", _chunk_sk(chunk.kind, chunk.number)).update(
                actions=[T.data.set(chunk.to_dict()), T.version.set(chunk.version + 1)],
                condition=T.version == chunk.version,
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        chunk.version += 1
        return True

    # an admin's explicit selection, read by the plan step -------------------------------------
    def put_selection(self, corp_id: str, job_id: str, kind: str, ids: Sequence[str], per_item: int = 1000) -> None:
        with T.batch_write() as batch:
            for n, start in enumerate(range(0, len(ids), per_item)):
                batch.save(T(f"{corp_id}#{job_id}", f"sel#{kind}#{n:05d}", data={"ids": list(ids[start : start + per_item])}))

    def selection(self, corp_id: str, job_id: str, kind: str) -> list[str]:
        out: list[str] = []
        for i in T.query(f"{corp_id}#{job_id}", T.sk.startswith(f"sel#{kind}#"), consistent_read=True):
            out += list((i.data or {}).get("ids") or [])
        return out

    # where each customer / chat is -----------------------------------------------------------
    def put_index(self, corp_id: str, job_id: str, kind: str, placed: Iterable[tuple[str, int]], created_at: int) -> None:
        """``kind`` "c" or "g"; ``placed``: (external_userid or chat_id, chunk number)."""
        letter = "x" if kind == "c" else "y"
        with T.batch_write() as batch:
            for ident, number in placed:
                batch.save(
                    T(f"{corp_id}#{letter}#{ident}", job_id, data={"kind": kind, "chunk": number, "at": created_at})
                )

    def index_of(self, corp_id: str, kind: str, ident: str) -> list[tuple[str, int]]:
        """(job id, chunk number) of every job that held this customer / chat, newest first."""
        letter = "x" if kind == "c" else "y"
        return [
            (str(i.sk), int((i.data or {}).get("chunk", 0)))
            for i in T.query(f"{corp_id}#{letter}#{ident}", scan_index_forward=False)
        ]

    # groups a new owner took in the last 24 h --------------------------------------------------
    def quota(self, corp_id: str, owner: str) -> tuple[list[list[int]], int]:
        item = self._get(corp_id, f"quota#{owner}")
        if item is None:
            return [], 0
        return list((item.data or {}).get("taken") or []), int(item.version or 0)

    def replace_quota(self, corp_id: str, owner: str, taken: list[list[int]], version: int) -> bool:
        item = T(corp_id, f"quota#{owner}", data={"taken": taken}, version=version + 1)
        return save_if(item, T.pk.does_not_exist() if version == 0 else T.version == version)

    # the corp's policy -----------------------------------------------------------------------
    def policy(self, corp_id: str) -> dict[str, Any]:
        item = self._get(corp_id, "policy")
        return dict(item.data or {}) if item is not None else {}

    def put_policy(self, corp_id: str, policy: dict[str, Any]) -> None:
        T(corp_id, "policy", data=policy, version=1).save()
