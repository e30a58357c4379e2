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
from scrm.adapters.dynamo.parallel import write_in_parts
from scrm.moments.model import Moment

M = MomentItem
SENDERS_PER_ITEM = 2000  # ~30 KB of ids an item
WRITERS, ROWS_PER_WRITER = 8, 500


class DynamoMoments:
    def create(self, corp_id: str, moment: Moment, request_key: str, senders: Sequence[str] = ()) -> bool:
        """One transaction: the request item, the task, its open marker and its senders in chunks of
        SENDERS_PER_ITEM (100,000 ids: 50 items, ~1.4 MB, within a transaction's 100 items and 4 MB)."""

        def build(tx: TransactWrite) -> None:
            tx.save(M(corp_id, f"req#{request_key}", data={"moment_task_id": moment.moment_task_id}, version=1),
                    condition=M.pk.does_not_exist())  # fmt: skip
            tx.save(M(corp_id, f"m#{moment.moment_task_id}", data=moment.to_item(), version=1),
                    condition=M.pk.does_not_exist())  # fmt: skip
            tx.save(M(corp_id, f"open#{moment.moment_task_id}", data={}, version=1))
            for k, start in enumerate(range(0, len(senders), SENDERS_PER_ITEM)):
                tx.save(M(f"{corp_id}#mt#{moment.moment_task_id}", f"snd#{k:04d}",
                          data={"ids": list(senders[start : start + SENDERS_PER_ITEM])}))  # fmt: skip

        return created(moment, transact_if(build))

    def senders(self, corp_id: str, moment_task_id: str) -> list[str]:
        out: list[str] = []
        for i in M.query(f"{corp_id}#mt#{moment_task_id}", M.sk.startswith("snd#"), consistent_read=True):
            out += list((i.data or {}).get("ids") or [])
        return out

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
        """A pass's first run writes every member's row (26,000: 1,040 BatchWriteItems), within the minute
        job's 55 s: so WRITERS threads write ROWS_PER_WRITER rows each at once."""

        def write(part: Sequence[Mapping[str, Any]]) -> None:
            with M.batch_write() as batch:
                for r in part:
                    batch.save(M(f"{corp_id}#mt#{moment_task_id}", f"u#{r['userid']}", data=dict(r),
                                 posted=bool(r.get("published"))))  # fmt: skip

        write_in_parts(rows, ROWS_PER_WRITER, WRITERS, write)

    def members(self, corp_id: str, moment_task_id: str) -> list[dict[str, Any]]:
        return [dict(i.data or {}) for i in M.query(f"{corp_id}#mt#{moment_task_id}", M.sk.startswith("u#"))]

    def members_after(self, corp_id: str, moment_task_id: str, after: str, limit: int,
                      published: bool | None = None) -> list[dict[str, Any]]:  # fmt: skip
        """A filtered Query reads on past the rows it drops until ``limit`` rows are found (DynamoDB's own
        paging): at 26,000 members a page of the few who have not posted costs a few 1 MB reads."""
        start = f"u#{after}\uffff" if after else "u#"
        condition = M.sk.between(start, "u#\uffff")
        wanted = None if published is None else (M.posted == published)
        rows = M.query(f"{corp_id}#mt#{moment_task_id}", condition, filter_condition=wanted, page_size=max(limit, 100))
        out: list[dict[str, Any]] = []
        for item in rows:
            out.append(dict(item.data or {}))
            if len(out) >= limit:
                break
        return out

    def put_summary(self, corp_id: str, moment_task_id: str, summary: Mapping[str, Any]) -> None:
        """By department as [id, members, posted] triples: 5,000 stores fit one item (~80 KB) that way."""
        data = {**summary, "by_department": [[int(d["department"]), int(d["members"]), int(d["posted"])]
                                             for d in summary.get("by_department") or []]}  # fmt: skip
        M(f"{corp_id}#mt#{moment_task_id}", "sum", data=data).save()

    def summary(self, corp_id: str, moment_task_id: str) -> dict[str, Any] | None:
        item = consistent_get(M, f"{corp_id}#mt#{moment_task_id}", "sum")
        if item is None:
            return None
        data = dict(item.data or {})
        data["by_department"] = [{"department": d, "name": "", "members": n, "posted": p,
                                  "rate": round(p / n, 4) if n else 0.0} for d, n, p in data.get("by_department") or []]
        return data
