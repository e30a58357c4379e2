"""Stores in DynamoDB (table ``stores``; key shapes in scrm.resources).

A store is written three times: its own item, a copy under its geohash-4 cell (sorted by its geohash-5
cell, so one query reads a precision-5 cell by key prefix, one a whole precision-4 cell) and a copy under
its city. The lookup reads copies only, so the QR comes back with no second read. Writes go in batches of
25 (BatchWriteItem); an import of 5,000 stores is 600 batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pynamodb.transactions import TransactWrite

from scrm.adapters.dynamo.conditional import consistent_get, transact_if
from scrm.adapters.dynamo.models import StoreItem as I
from scrm.stores import geohash
from scrm.stores.model import Store

_POOL = ThreadPoolExecutor(max_workers=9, thread_name_prefix="stores-cells")


def _geo_key(corp_id: str, s: Store) -> tuple[str, str]:
    cell = geohash.encode(s.latitude, s.longitude, 5)
    return f"{corp_id}#g4#{cell[:4]}", f"{cell}#{s.store_id}"


def _city_key(corp_id: str, s: Store) -> tuple[str, str]:
    return f"{corp_id}#city#{s.city}", s.store_id


def _stores(items: Iterable[I]) -> list[Store]:
    return [Store.from_dict(i.data) for i in items if i.data]


class DynamoStores:
    def get(self, corp_id: str, store_id: str) -> Store | None:
        item = consistent_get(I, corp_id, f"s#{store_id}")
        return Store.from_dict(item.data) if item is not None and item.data else None

    def all(self, corp_id: str) -> list[Store]:
        return _stores(I.query(corp_id, I.sk.startswith("s#"), consistent_read=True))

    def put_many(self, corp_id: str, stores: Sequence[Store], before: Mapping[str, Store], bump: bool = True) -> None:
        """Each store and its index copies; the copies of where a store was before (moved, or another
        city) are removed in the same batches. Then the corp's version is bumped, unless the caller bumps
        once for many writes (``bump=False``: provisioning, at the end of its run)."""
        with I.batch_write() as batch:
            for s in stores:
                data = s.as_dict()
                old = before.get(s.store_id)
                if old is not None:
                    for key in {_geo_key(corp_id, old), _city_key(corp_id, old)} - {
                            _geo_key(corp_id, s), _city_key(corp_id, s)}:
                        batch.delete(I(*key))
                batch.save(I(corp_id, f"s#{s.store_id}", data=data))
                batch.save(I(*_geo_key(corp_id, s), data=data))
                batch.save(I(*_city_key(corp_id, s), data=data))
        if stores and bump:
            self.bump_version(corp_id)

    def delete(self, corp_id: str, store: Store) -> None:
        with I.batch_write() as batch:
            for key in ((corp_id, f"s#{store.store_id}"), _geo_key(corp_id, store), _city_key(corp_id, store)):
                batch.delete(I(*key))
        self.bump_version(corp_id)

    def bump_version(self, corp_id: str) -> None:
        """After the stores' items are written: containers holding a copy of the corp's stores (index.py)
        see the version move on their next check and read the stores again."""
        I(corp_id, "version").update(actions=[I.version.add(1)])

    def version(self, corp_id: str) -> int:
        item = consistent_get(I, corp_id, "version")
        return int(item.version or 0) if item is not None else 0

    def cells(self, corp_id: str, cells: Sequence[str]) -> list[Store]:
        """The stores filed in these cells (4 or 5 characters), one query per cell, run side by side."""

        def one(cell: str) -> list[Store]:
            pk = f"{corp_id}#g4#{cell[:4]}"
            if len(cell) == 4:
                return _stores(I.query(pk))
            return _stores(I.query(pk, I.sk.startswith(f"{cell}#")))

        return [s for part in _POOL.map(one, cells) for s in part]

    def in_city(self, corp_id: str, city: str) -> list[Store]:
        return _stores(I.query(f"{corp_id}#city#{city}"))

    def cities(self, corp_id: str) -> dict[str, int]:
        item = consistent_get(I, corp_id, "cities")
        return {str(k): int(v) for k, v in ((item.data or {}) if item is not None else {}).items()}

    def save_cities(self, corp_id: str, cities: Mapping[str, int]) -> None:
        I(corp_id, "cities", data=dict(cities)).save()

    # stores waiting for their contact way -------------------------------------------------------
    def todo(self, corp_id: str, limit: int) -> list[str]:
        return [i.sk for i in I.query(f"{corp_id}#todo", limit=limit, consistent_read=True)]

    def mark_todo(self, corp_id: str, store_ids: Iterable[str]) -> None:
        with I.batch_write() as batch:
            for sid in store_ids:
                batch.save(I(f"{corp_id}#todo", sid))

    def done(self, corp_id: str, store_id: str) -> None:
        I(f"{corp_id}#todo", store_id).delete()

    def todo_count(self, corp_id: str) -> int:
        return int(I.count(f"{corp_id}#todo", consistent_read=True))

    def settings(self, corp_id: str) -> dict[str, Any]:
        item = consistent_get(I, corp_id, "settings")
        return dict(item.data or {}) if item is not None else {}

    def save_settings(self, corp_id: str, settings: Mapping[str, Any]) -> None:
        I(corp_id, "settings", data=dict(settings)).save()

    # statistics ---------------------------------------------------------------------------------
    def count_scan(self, corp_id: str, store: Store, day: str) -> None:
        I(f"{corp_id}#stat#s", f"{day}#{store.store_id}").update(actions=[I.scans.add(1)])
        I(f"{corp_id}#stat#c", f"{day}#{store.city}").update(actions=[I.scans.add(1)])

    def count_add(self, corp_id: str, store: Store, day: str, external_userid: str, userid: str) -> bool:
        """Counted once per (store, customer, member): the marker and both counters in one transaction."""

        def build(tx: TransactWrite) -> None:
            tx.save(I(f"{corp_id}#seen#{store.store_id}", f"{external_userid}#{userid}", data={"day": day}),
                    condition=I.pk.does_not_exist())  # fmt: skip
            tx.update(I(f"{corp_id}#stat#s", f"{day}#{store.store_id}"), actions=[I.adds.add(1)])
            tx.update(I(f"{corp_id}#stat#c", f"{day}#{store.city}"), actions=[I.adds.add(1)])

        return transact_if(build)

    def stats(self, corp_id: str, by: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        pk = f"{corp_id}#stat#{'s' if by == 'store' else 'c'}"
        rows = []
        for i in I.query(pk, I.sk.between(f"{first_day}#", f"{last_day}#\uffff")):
            day, key = i.sk.split("#", 1)
            rows.append({"day": day, "key": key, "scans": int(i.scans or 0), "adds": int(i.adds or 0)})
        return rows
