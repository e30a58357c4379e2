"""Customer search on DynamoDB: one index drives, the rest filters; never a table scan.

Tag filters drive from the tag-membership table, whose members are sorted alike in every tag, so AND is a
merge-intersection and OR a merge-union of sorted streams read in pages. Other searches drive from a
follows index (by employee, channel state, name prefix, or the whole corp by add time). Every candidate is
checked against the relation itself (``CustomerQuery.matches``), which also screens out stale members.

A request examines at most ``budget`` candidates; a page can then hold fewer rows than asked, with a cursor
to go on from (like DynamoDB's own paging). Cursors hold positions only, never a corp: the corp comes from
the caller's key, so a cursor cannot reach another corp's partition.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from typing import Any

from scrm.adapters.dynamo.models import FollowItem, TagMemberItem
from scrm.adapters.dynamo.reads import relation_row
from scrm.customers.query import CustomerQuery, QueryError, encode_cursor

F = FollowItem
BATCH = 100  # BatchGetItem's largest batch
FAR_FUTURE = 9_999_999_998


class DynamoCustomerSearch:
    def __init__(self, budget: int = 2000) -> None:
        self.budget = budget

    def search(self, corp_id: str, q: CustomerQuery) -> tuple[list[dict[str, Any]], str]:
        if q.driver in ("tags_all", "tags_any"):
            return self._by_tags(corp_id, q)
        return self._by_index(corp_id, q)

    # tag drivers ------------------------------------------------------------------------------
    def _by_tags(self, corp_id: str, q: CustomerQuery) -> tuple[list[dict[str, Any]], str]:
        after = str(q.cursor.get("p", {}).get("after", ""))
        tags = q.tags_all or q.tags_any
        streams = [self._members(corp_id, t, after) for t in tags]
        keys = _intersect(streams) if q.tags_all else _union(streams)
        rows: list[dict[str, Any]] = []
        examined = 0
        for batch in _batches(keys, BATCH):
            keys = [(f"{corp_id}#{k.split('#', 1)[0]}", k.split("#", 1)[1]) for k in batch]
            found = {(i.pk, i.sk): i for i in F.batch_get(keys)}
            for key in batch:
                examined += 1
                ext, uid = key.split("#", 1)
                item = found.get((f"{corp_id}#{ext}", uid))
                if item is not None and q.matches(_matchable(item)):
                    rows.append(relation_row(item))
                if len(rows) >= q.limit or examined >= self.budget:
                    return rows, encode_cursor(q.driver, {"after": key})
        return rows, ""

    @staticmethod
    def _members(corp_id: str, tag_id: str, after: str) -> Iterator[str]:
        M = TagMemberItem
        condition = M.sk > after if after else None
        # No projection: members are three small attributes, and a projection costs moto a deep copy per item.
        for item in M.query(f"{corp_id}#{tag_id}", condition, page_size=1000):
            yield item.sk

    # index drivers ----------------------------------------------------------------------------
    def _by_index(self, corp_id: str, q: CustomerQuery) -> tuple[list[dict[str, Any]], str]:
        index, hash_attr, hash_value, range_attr, condition, forward = self._plan(corp_id, q)
        start = None
        if q.cursor:
            p = q.cursor["p"]
            if not str(p.get("pk", "")).startswith(f"{corp_id}#"):
                raise QueryError("cursor", "is not a cursor this API returned")
            start = {
                "pk": {"S": p["pk"]},
                "sk": {"S": p["sk"]},
                hash_attr: {"S": hash_value},
                range_attr: {"S": p["r"]},
            }
        results = index.query(
            hash_value,
            condition,
            scan_index_forward=forward,
            last_evaluated_key=start,
            page_size=min(self.budget, max(q.limit * 2, 100)),
        )
        rows: list[dict[str, Any]] = []
        for examined, item in enumerate(results, 1):
            if q.matches(_matchable(item)):
                rows.append(relation_row(item))
            if len(rows) >= q.limit or examined >= self.budget:
                position = {"pk": item.pk, "sk": item.sk, "r": getattr(item, range_attr)}
                return rows, encode_cursor(q.driver, position)
        return rows, ""

    @staticmethod
    def _plan(corp_id: str, q: CustomerQuery) -> tuple[Any, str, str, str, Any, bool]:
        lo = f"{q.added_from or 0:010d}"
        hi = f"{(q.added_to if q.added_to is not None else FAR_FUTURE) + 1:010d}"
        in_range = F.add_sk.between(lo, hi) if (q.added_from is not None or q.added_to is not None) else None
        if q.driver == "employee":
            return F.by_employee, "employee_pk", f"{corp_id}#{q.employee}", "add_sk", in_range, False
        if q.driver == "state":
            return F.by_state, "state_pk", f"{corp_id}#{q.state}", "add_sk", in_range, False
        if q.driver == "name":
            return F.by_name, "corp_id", corp_id, "name_sk", F.name_sk.startswith(q.name_prefix), True
        return F.by_corp, "corp_id", corp_id, "add_sk", in_range, False


def _matchable(item: FollowItem) -> dict[str, Any]:
    return {
        "tag_ids": item.tag_ids or (),
        "userid": item.sk,
        "add_time": item.add_time or 0,
        "state": item.state or "",
        "status": item.status or "active",
        "name": item.name or "",
    }


def _batches(keys: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for k in keys:
        batch.append(k)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _intersect(streams: list[Iterator[str]]) -> Iterator[str]:
    """Keys present in every sorted stream (leapfrog: advance each stream to the largest head)."""
    heads = [next(s, None) for s in streams]
    while all(h is not None for h in heads):
        top = max(h for h in heads if h is not None)
        if all(h == top for h in heads):
            yield top
            heads = [next(s, None) for s in streams]
            continue
        for i, s in enumerate(streams):
            while heads[i] is not None and heads[i] < top:  # type: ignore[operator]
                heads[i] = next(s, None)


def _union(streams: list[Iterator[str]]) -> Iterator[str]:
    last = None
    for key in heapq.merge(*streams):
        if key != last:
            yield key
            last = key
