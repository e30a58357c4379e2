"""API keys in DynamoDB, looked up by hash, cached briefly per container (a revoked key stops working
within ``cache_ttl_s``; docs/api.md says so)."""

from __future__ import annotations

import threading
import time
from typing import Any

from pynamodb.exceptions import DoesNotExist

from scrm.adapters.dynamo.conditional import update_if
from scrm.adapters.dynamo.models import ApiKeyItem
from scrm.domain.api_key import Principal, Role, key_hash, new_key, well_formed

K = ApiKeyItem


class DynamoApiKeys:
    def __init__(self, cache_ttl_s: float = 30.0) -> None:
        self.cache_ttl_s = cache_ttl_s
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def create(self, corp_id: str, role: Role, name: str = "") -> dict[str, Any]:
        key_id, key, digest = new_key()
        K(
            digest,
            corp_id=corp_id,
            key_id=key_id,
            role=role.value,
            name=name or None,
            created_at=int(time.time()),
        ).save(condition=K.pk.does_not_exist())
        return {"key_id": key_id, "key": key, "corp_id": corp_id, "role": role.value, "name": name}

    def authenticate(self, key: str) -> Principal | None:
        if not well_formed(key):
            return None
        digest = key_hash(key)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
            if hit and now - hit[0] < self.cache_ttl_s:
                return hit[1]
        try:
            item = K.get(digest)
            found = None if item.revoked else Principal(item.corp_id, Role(item.role), item.key_id)
        except DoesNotExist:
            found = None
        with self._lock:
            self._cache[digest] = (now, found)
        return found

    def list(self, corp_id: str) -> list[dict[str, Any]]:
        return [
            {
                "key_id": i.key_id,
                "role": i.role,
                "name": i.name or "",
                "created_at": i.created_at,
                "revoked": bool(i.revoked),
            }
            for i in K.by_corp.query(corp_id)
        ]

    def revoke(self, corp_id: str, key_id: str) -> bool:
        """False if the corp has no such key. The corp scopes the lookup: a key id of another corp is
        unknown here."""
        for item in K.by_corp.query(corp_id, K.key_id == key_id):
            update_if(item, [K.revoked.set(True), K.revoked_at.set(int(time.time()))], K.pk.exists())
            with self._lock:
                self._cache.pop(item.pk, None)
            return True
        return False
