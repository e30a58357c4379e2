"""Who a mass send reaches, read from our store: a filter through the customer search (one index drives,
the rest filters; never a scan), an explicit list through each customer's relations (one Query per
customer: the follows table's key is (customer, member) and the member is not known, so no BatchGet)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scrm.adapters.dynamo.customer_search import DynamoCustomerSearch, relation_row
from scrm.adapters.dynamo.models import FollowItem
from scrm.domain.customer_query import CustomerQuery, decode_cursor
from scrm.domain.mass_send import RecipientFilter

PAGE = 1000


class DynamoRecipients:
    def __init__(self, search: DynamoCustomerSearch | None = None, threads: int = 8) -> None:
        self.search = search or DynamoCustomerSearch(budget=5 * PAGE)
        self.threads = threads

    def matching(self, corp_id: str, f: RecipientFilter) -> Iterator[dict[str, Any]]:
        for fields in f.queries():
            cursor = ""
            while True:
                q = CustomerQuery(**fields, limit=PAGE, cursor=decode_cursor(cursor))
                rows, cursor = self.search.search(corp_id, q)
                yield from (r for r in rows if f.matches(r))
                if not cursor:
                    break

    def of(self, corp_id: str, external_userids: Sequence[str]) -> Iterator[dict[str, Any]]:
        def one(ext: str) -> list[dict[str, Any]]:
            return [relation_row(i) for i in FollowItem.query(f"{corp_id}#{ext}", consistent_read=True)]

        with ThreadPoolExecutor(self.threads) as pool:
            for rows in pool.map(one, external_userids):
                yield from rows
