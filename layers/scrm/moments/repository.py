"""Moment tasks on DynamoDB (table ``moments``, key shapes: scrm.resources): a task loads and saves as the
aggregate's item dict under ``version``; its request item is written with it in one transaction, so a
repeated request finds the task it made and never makes a second."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.transactions import TransactWrite

from scrm.adapters.dynamo.conditional import (
    condition_failed,
    consistent_get,
    created,
    loaded,
    loaded_all,
    transact_if,
)
from scrm.adapters.dynamo.models import MomentItem
from scrm.moments.model import Moment

M = MomentItem


class DynamoMoments:
    def create(self, corp_id: str, moment: Moment, request_key: str) -> bool:
        def build(tx: TransactWrite) -> None:
            tx.save(M(corp_id, f"req#{request_key}", data={"moment_task_id": moment.moment_task_id}, version=1),
                    condition=M.pk.does_not_exist())  # fmt: skip
            tx.save(M(corp_id, f"m#{moment.moment_task_id}", data=moment.to_item(), version=1),
                    condition=M.pk.does_not_exist())  # fmt: skip
            tx.save(M(corp_id, f"open#{moment.moment_task_id}", data={}, version=1))

        return created(moment, transact_if(build))

    def request(self, corp_id: str, request_key: str) -> str | None:
        item = consistent_get(M, corp_id, f"req#{request_key}")
        return str(item.data["moment_task_id"]) if item is not None else None

    def get(self, corp_id: str, moment_task_id: str) -> Moment | None:
        return loaded(Moment.from_item, consistent_get(M, corp_id, f"m#{moment_task_id}"))

    def save(self, corp_id: str, moment: Moment) -> bool:
        try:
            M(corp_id, f"m#{moment.moment_task_id}").update(
                actions=[M.data.set(moment.to_item()), M.version.set(moment.version + 1)],
                condition=M.version == moment.version,
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        moment.version += 1
        return True

    def recent(self, corp_id: str, limit: int) -> list[Moment]:
        return loaded_all(Moment.from_item, M.query(corp_id, M.sk.startswith("m#"), scan_index_forward=False,
                                                    limit=limit))  # fmt: skip

    def open_ids(self, corp_id: str) -> list[str]:
        """Tasks with work left (a call, a job, results to follow): the scheduled job's list, one small range."""
        return [str(i.sk)[5:] for i in M.query(corp_id, M.sk.startswith("open#"))]

    def close(self, corp_id: str, moment_task_id: str) -> None:
        M(corp_id, f"open#{moment_task_id}").delete()

    def put_members(self, corp_id: str, moment_task_id: str, rows: Sequence[Mapping[str, Any]]) -> None:
        with M.batch_write() as batch:
            for r in rows:
                batch.save(M(f"{corp_id}#mt#{moment_task_id}", f"u#{r['userid']}", data=dict(r)))

    def members(self, corp_id: str, moment_task_id: str) -> list[dict[str, Any]]:
        return [dict(i.data or {}) for i in M.query(f"{corp_id}#mt#{moment_task_id}", M.sk.startswith("u#"))]
