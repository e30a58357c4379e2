"""A warm container's copy of a corp's stores, for the landing page's public routes.

The nearest-store lookup read 4 geohash cells from DynamoDB per request (8 far from stores): ~8 ms in process
and, on a loaded machine, a p99 of 165 ms over HTTP, all of it waiting on DynamoDB. A chain's stores are few
(5,000 are ~2.5 MB, one partition) and change seldom, so each container keeps the whole corp in memory,
filed by the same geohash cells the table files them under, and the lookup reads those cells from memory:
the answer is the same as the table's (same cells, same filter), with no DynamoDB call.

Freshness: every write of a store's items (``StoreRepo.put_many`` and ``delete``: import, edit, delete) bumps
the corp's version item after writing them; provisioning bumps it once at the end of its run. A container checks that item (one GetItem) at most every
``revalidate_s`` seconds and reloads the corp when it moved; so an edit reaches every lookup within
``revalidate_s`` plus one reload (documented in docs/architecture.md, issue 21). The version is read before
the stores: a write racing the reload bumps it again, and the next check reloads once more.

A corp with more than ``max_stores`` stores is not copied (memory, and the reload's time on a cold
container); its lookups read the cells from DynamoDB as before. A container holds at most ``max_held`` stores
over all corps (5,000 stores are ~2.5 MB): the corps least recently asked are dropped first, and read again
when asked.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from scrm.stores import geohash
from scrm.stores.model import Store
from scrm.stores.ports import StoreRepo

REVALIDATE_S = 5.0  # an import, edit or delete reaches the lookups within this (plus one reload)
MAX_STORES = 20_000  # a larger corp is looked up in DynamoDB's cells, not copied into every container
MAX_HELD = 100_000  # stores held per container over all corps (~0.5 KB each): the least recently asked go first


@dataclass
class CorpStores:
    """One corp's stores as read at ``version``, filed by precision-5 and precision-4 cell and by city."""

    version: int
    checked_at: float
    by_id: dict[str, Store] = field(default_factory=dict)
    by_cell: dict[str, list[Store]] = field(default_factory=dict)  # 5 and 4 characters
    by_city: dict[str, list[Store]] = field(default_factory=dict)

    @classmethod
    def of(cls, version: int, checked_at: float, stores: Iterable[Store]) -> CorpStores:
        index = cls(version, checked_at)
        for s in stores:
            index.by_id[s.store_id] = s
            cell = geohash.encode(s.latitude, s.longitude, 5)
            index.by_cell.setdefault(cell, []).append(s)
            index.by_cell.setdefault(cell[:4], []).append(s)
            index.by_city.setdefault(s.city, []).append(s)
        return index

    def cells(self, cells: Sequence[str]) -> list[Store]:
        """The stores filed in these cells (4 or 5 characters), as ``StoreRepo.cells`` reads them."""
        return [s for c in cells for s in self.by_cell.get(c, ())]


@dataclass(eq=False)
class StoreIndex:
    """Per corp: the stores in memory, revalidated against the version item every ``revalidate_s``."""

    repo: StoreRepo
    revalidate_s: float = REVALIDATE_S
    max_stores: int = MAX_STORES
    max_held: int = MAX_HELD
    monotonic: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._corps: OrderedDict[str, CorpStores] = OrderedDict()  # least recently asked first
        self._versions: dict[str, tuple[int, float]] = {}  # corp → (version, checked at) of an uncopied corp
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    def get(self, corp_id: str) -> tuple[CorpStores | None, int]:
        """(the corp's stores, or None when it is not copied; the DynamoDB reads this call made)."""
        now = self.monotonic()
        held = self._corps.get(corp_id)
        if held is not None:
            with self._lock:
                if corp_id in self._corps:
                    self._corps.move_to_end(corp_id)
            if now - held.checked_at < self.revalidate_s:
                return held, 0
        if held is None and corp_id in self._versions and now - self._versions[corp_id][1] < self.revalidate_s:
            return None, 0  # too large, checked a moment ago
        with self._lock:
            loading = self._loading.setdefault(corp_id, threading.Lock())
        # One reload per corp at a time; the other threads of a local server answer from the copy they have.
        if not loading.acquire(blocking=held is None):
            return held, 0
        try:
            held = self._corps.get(corp_id)
            now = self.monotonic()
            if held is not None and now - held.checked_at < self.revalidate_s:
                return held, 0  # a thread ahead of us reloaded it
            version = self.repo.version(corp_id)
            reads = 1
            if held is not None and held.version == version:
                held.checked_at = now
                return held, reads
            if corp_id in self._versions and self._versions[corp_id][0] == version:
                self._versions[corp_id] = (version, now)
                return None, reads
            count = sum(self.repo.cities(corp_id).values())  # the store count, kept by every import and delete
            reads += 1
            if count > self.max_stores:
                with self._lock:
                    self._corps.pop(corp_id, None)
                self._versions[corp_id] = (version, now)
                return None, reads
            fresh = CorpStores.of(version, now, self.repo.all(corp_id))
            reads += 1  # one Query (of ~1 MB pages: 5,000 stores are 3 of them)
            with self._lock:
                self._corps[corp_id] = fresh
                self._corps.move_to_end(corp_id)
                held_now = sum(len(c.by_id) for c in self._corps.values())
                while held_now > self.max_held and len(self._corps) > 1:
                    _, dropped = self._corps.popitem(last=False)
                    held_now -= len(dropped.by_id)
            self._versions.pop(corp_id, None)
            return fresh, reads
        finally:
            loading.release()

    def forget(self, corp_id: str) -> None:
        """This container wrote the corp's stores: its next lookup revalidates at once."""
        held = self._corps.get(corp_id)
        if held is not None:
            held.checked_at = float("-inf")
        self._versions.pop(corp_id, None)
