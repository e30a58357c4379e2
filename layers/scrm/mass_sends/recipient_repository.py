"""Who a mass send reaches, read from our store: a filter through the customer search (one index drives,
the rest filters; never a scan), an explicit list through each customer's relations (one Query per
customer: the follows table's key is (customer, member) and the member is not known, so no BatchGet)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scrm.adapters.dynamo.models import CustomerItem, EmployeeItem, FollowItem, GroupItem
from scrm.adapters.dynamo.reads import relation_row
from scrm.customers.ports import CustomerSearch
from scrm.customers.query import CustomerQuery, decode_cursor
from scrm.mass_sends.spec import GroupFilter, RecipientFilter

PAGE = 1000


class DynamoRecipients:
    """``search`` is the customers' search (bootstrap hands in theirs, with a budget of ``5 * PAGE``)."""

    def __init__(self, search: CustomerSearch, threads: int = 8) -> None:
        self.search = search
        self.threads = threads

    def page(self, corp_id: str, f: RecipientFilter, query: int, cursor: str) -> tuple[list[dict[str, Any]], str]:
        """One search page of the filter's ``query``-th query, its rows checked against the whole filter,
        and the cursor of the next page ("" after the last)."""
        q = CustomerQuery(**f.queries()[query], limit=PAGE, cursor=decode_cursor(cursor))
        rows, nxt = self.search.search(corp_id, q)
        return [r for r in rows if f.matches(r)], nxt

    def relations(self, corp_id: str, pairs: Sequence[tuple[str, str]]) -> Iterator[dict[str, Any]]:
        return relations_of(corp_id, pairs)

    def of(self, corp_id: str, external_userids: Sequence[str]) -> Iterator[dict[str, Any]]:
        def one(ext: str) -> list[dict[str, Any]]:
            return [relation_row(i) for i in FollowItem.query(f"{corp_id}#{ext}", consistent_read=True)]

        with ThreadPoolExecutor(self.threads) as pool:
            for rows in pool.map(one, external_userids):
                yield from rows


def group_row(item: GroupItem) -> dict[str, Any]:
    return {"chat_id": item.chat_id, "owner": item.owner or "", "name": item.name or "",
            "create_time": int(item.create_time or 0), "status": item.status or "active",
            "tag_ids": sorted(item.tags or ())}  # fmt: skip


class DynamoGroups:
    """Customer groups for group sends and group SOPs: by owner through the by_owner index (every employee
    of the corp when no owner is named: one Query each, never a scan), by id through GetItem."""

    def __init__(self, threads: int = 8) -> None:
        self.threads = threads

    def _owners(self, corp_id: str) -> list[str]:
        return [str(i.sk) for i in EmployeeItem.query(corp_id, attributes_to_get=["pk", "sk"])]

    def owned_by(self, corp_id: str, owners: Sequence[str]) -> Iterator[dict[str, Any]]:
        def one(owner: str) -> list[dict[str, Any]]:
            return [group_row(i) for i in GroupItem.by_owner.query(f"{corp_id}#{owner}")]

        with ThreadPoolExecutor(self.threads) as pool:
            for rows in pool.map(one, list(owners) or self._owners(corp_id)):
                yield from rows

    def matching(self, corp_id: str, f: GroupFilter) -> Iterator[dict[str, Any]]:
        return (g for g in self.owned_by(corp_id, f.owners) if f.matches(g))

    def of(self, corp_id: str, chat_ids: Sequence[str]) -> Iterator[dict[str, Any]]:
        for start in range(0, len(chat_ids), 100):
            keys = [f"{corp_id}#{c}" for c in chat_ids[start : start + 100]]
            yield from (group_row(i) for i in GroupItem.batch_get(keys))


def relations_of(corp_id: str, pairs: Sequence[tuple[str, str]]) -> Iterator[dict[str, Any]]:
    """The relations (customer, member) named, 100 keys a BatchGet: what a SOP's due items point at."""
    keys = [(f"{corp_id}#{ext}", uid) for ext, uid in dict.fromkeys(pairs)]
    for start in range(0, len(keys), 100):
        yield from (relation_row(i) for i in FollowItem.batch_get(keys[start : start + 100]))


class DynamoCustomerNames:
    """Who a page of a send's outcomes is, for staff who cannot read external_userids: the customers by
    key (BatchGet, 100 keys a call) for the name as WeCom last gave it, and the sending member's relations
    (``relations_of``, BatchGet) for the remark that member set. Two batched reads a page, never one per
    customer."""

    def of(self, corp_id: str, pairs: Sequence[tuple[str, str]]) -> dict[str, dict[str, str]]:
        exts = list(dict.fromkeys(ext for ext, _ in pairs))
        names: dict[str, str] = {}
        for start in range(0, len(exts), 100):
            keys = [f"{corp_id}#{e}" for e in exts[start : start + 100]]
            for item in CustomerItem.batch_get(keys, attributes_to_get=["pk", "name"]):
                names[item.pk.split("#", 1)[1]] = item.name or ""
        remarks = {r["external_userid"]: r for r in relations_of(corp_id, [p for p in pairs if p[1]])}
        out: dict[str, dict[str, str]] = {}
        for ext in exts:
            rel = remarks.get(ext)
            if ext in names or rel is not None:
                out[ext] = {"name": names.get(ext) or (rel or {}).get("name", ""), "remark": (rel or {}).get("remark", "")}
        return out
