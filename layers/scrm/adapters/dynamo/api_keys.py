"""API keys in DynamoDB, looked up by hash, cached briefly per container (a revoked key stops working
within ``cache_ttl_s``; docs/api.md says so). The cache is bounded and keeps no misses (principal_cache)."""

from __future__ import annotations

import time
from typing import Any

from pynamodb.exceptions import DoesNotExist

from scrm.adapters.dynamo.conditional import update_if
from scrm.adapters.dynamo.models import ApiKeyItem
from scrm.adapters.principal_cache import PrincipalCache
from scrm.corps.api_key import Principal, Role, key_hash, new_key, well_formed

K = ApiKeyItem


class DynamoApiKeys:
    def __init__(self, cache_ttl_s: float = 30.0) -> None:
        self.cache_ttl_s = cache_ttl_s
        self._cache = PrincipalCache(self._read, cache_ttl_s)

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
        return self._cache.get(key_hash(key))

    @staticmethod
    def _read(digest: str) -> Principal | None:
        try:
            item = K.get(digest)
        except DoesNotExist:
            return None
        return None if item.revoked else Principal(item.corp_id, Role(item.role), item.key_id)

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
            self._cache.forget(item.pk)
            return True
        return False
