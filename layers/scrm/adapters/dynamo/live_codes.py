"""Live codes in DynamoDB: one item per code, the corp's partition, the state in the sort key.

Reads on the welcome path go through a short in-process cache: at a campaign peak thousands of scans hit
the same few codes, and each saved lookup is time the 20-second welcome code does not spend waiting on a
table. An edit therefore reaches the welcome path within ``ttl_s``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from scrm.adapters.dynamo.conditional import condition_failed
from scrm.adapters.dynamo.models import LiveCodeItem
from scrm.domain.live_code_key import Conflict


class DynamoLiveCodes:
    def __init__(self, ttl_s: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._cache: dict[tuple[str, str], tuple[float, dict[str, Any] | None]] = {}
        self._lock = threading.Lock()

    # reads --------------------------------------------------------------------------------------
    def get(self, corp_id: str, sk: str, consistent: bool = True) -> tuple[dict[str, Any], int] | None:
        """The code's data and version, or None."""
        try:
            item = LiveCodeItem.get(corp_id, sk, consistent_read=consistent)
        except DoesNotExist:
            return None
        return dict(item.data or {}), int(item.version or 0)

    def cached(self, corp_id: str, sk: str) -> dict[str, Any] | None:
        """The welcome path's read: cached for ``ttl_s``, misses included (an unknown state stays unknown)."""
        key = (corp_id, sk)
        now = self.clock()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        found = self.get(corp_id, sk, consistent=False)
        data = found[0] if found else None
        with self._lock:
            self._cache[key] = (now, data)
        return data

    def list(self, corp_id: str, kind: str) -> list[dict[str, Any]]:
        return [
            dict(i.data or {})
            for i in LiveCodeItem.query(corp_id, LiveCodeItem.sk.startswith(f"{kind}#"), consistent_read=True)
        ]

    # writes -------------------------------------------------------------------------------------
    def create(self, corp_id: str, sk: str, data: dict[str, Any]) -> None:
        item = LiveCodeItem(corp_id, sk, status=data.get("status", "active"), version=1, data=data)
        try:
            item.save(condition=LiveCodeItem.pk.does_not_exist())
        except PutError as exc:
            if condition_failed(exc):
                raise Conflict(sk) from None
            raise
        self._forget(corp_id, sk)

    def replace(self, corp_id: str, sk: str, data: dict[str, Any], version: int) -> int:
        """Overwrite if still at ``version``; returns the new version. Conflict if someone else wrote."""
        item = LiveCodeItem(corp_id, sk, status=data.get("status", "active"), version=version + 1, data=data)
        condition = LiveCodeItem.version == version if version else LiveCodeItem.pk.does_not_exist()
        try:
            item.save(condition=condition)
        except PutError as exc:
            if condition_failed(exc):
                raise Conflict(sk) from None
            raise
        self._forget(corp_id, sk)
        return version + 1

    def delete(self, corp_id: str, sk: str) -> None:
        LiveCodeItem(corp_id, sk).delete()
        self._forget(corp_id, sk)

    def _forget(self, corp_id: str, sk: str) -> None:
        with self._lock:
            self._cache.pop((corp_id, sk), None)
