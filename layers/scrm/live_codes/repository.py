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
from scrm.live_codes.channel_code import ChannelCode
from scrm.live_codes.keys import CHANNEL, WriteLost, sort_key


class DynamoLiveCodes:
    def __init__(self, ttl_s: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._cache: dict[tuple[str, str], tuple[float, dict[str, Any] | None]] = {}
        self._refreshing: set[tuple[str, str]] = set()
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
        """The welcome path's read, misses included (an unknown state stays unknown for ``ttl_s``).

        Only the first read of a key waits for the table. Later, an entry older than ``ttl_s`` is still
        answered at once while one background thread reads the new value: a welcome never waits for a
        refresh, and an edit shows within ``ttl_s`` plus one read.
        """
        key = (corp_id, sk)
        now = self.clock()
        with self._lock:
            hit = self._cache.get(key)
            stale = hit is not None and now - hit[0] >= self.ttl_s
            if stale and key not in self._refreshing:
                self._refreshing.add(key)
                threading.Thread(target=self._refresh, args=(key,), daemon=True).start()
        if hit is not None:
            return hit[1]
        return self._refresh(key)

    def _refresh(self, key: tuple[str, str]) -> dict[str, Any] | None:
        try:
            found = self.get(key[0], key[1], consistent=False)
            data = found[0] if found else None
            with self._lock:
                self._cache[key] = (self.clock(), data)
            return data
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def _query(self, corp_id: str, kind: str) -> list[LiveCodeItem]:
        return list(LiveCodeItem.query(corp_id, LiveCodeItem.sk.startswith(f"{kind}#"), consistent_read=True))

    def list(self, corp_id: str, kind: str) -> list[dict[str, Any]]:
        return [dict(i.data or {}) for i in self._query(corp_id, kind)]

    # channel codes as aggregates ---------------------------------------------------------------------
    def channel(self, corp_id: str, code_id: str) -> ChannelCode | None:
        found = self.get(corp_id, sort_key(CHANNEL, code_id))
        return ChannelCode.from_item(*found) if found is not None else None

    def channels(self, corp_id: str) -> list[ChannelCode]:
        return [ChannelCode.from_item(dict(i.data or {}), int(i.version or 0)) for i in self._query(corp_id, CHANNEL)]

    def add_channel(self, corp_id: str, code: ChannelCode) -> bool:
        try:
            self.create(corp_id, sort_key(CHANNEL, code.state), code.to_item())
        except WriteLost:
            return False
        code.version = 1
        return True

    def save_channel(self, corp_id: str, code: ChannelCode) -> bool:
        try:
            code.version = self.replace(corp_id, sort_key(CHANNEL, code.state), code.to_item(), code.version)
        except WriteLost:
            return False
        return True

    # writes -------------------------------------------------------------------------------------
    def create(self, corp_id: str, sk: str, data: dict[str, Any]) -> None:
        item = LiveCodeItem(corp_id, sk, status=data.get("status", "active"), version=1, data=data)
        try:
            item.save(condition=LiveCodeItem.pk.does_not_exist())
        except PutError as exc:
            if condition_failed(exc):
                raise WriteLost(sk) from None
            raise
        self._forget(corp_id, sk)

    def replace(self, corp_id: str, sk: str, data: dict[str, Any], version: int) -> int:
        """Overwrite if still at ``version``; returns the new version. WriteLost if someone else wrote."""
        item = LiveCodeItem(corp_id, sk, status=data.get("status", "active"), version=version + 1, data=data)
        condition = LiveCodeItem.version == version if version else LiveCodeItem.pk.does_not_exist()
        try:
            item.save(condition=condition)
        except PutError as exc:
            if condition_failed(exc):
                raise WriteLost(sk) from None
            raise
        self._forget(corp_id, sk)
        return version + 1

    def delete(self, corp_id: str, sk: str) -> None:
        LiveCodeItem(corp_id, sk).delete()
        self._forget(corp_id, sk)

    def _forget(self, corp_id: str, sk: str) -> None:
        with self._lock:
            self._cache.pop((corp_id, sk), None)
