"""The admin API's key cache: bounded (LRU), TTL kept, misses never kept. A fake key table counts reads."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from pynamodb.exceptions import DoesNotExist
from scrm.adapters.dynamo import api_keys as module
from scrm.adapters.dynamo.api_keys import DynamoApiKeys
from scrm.adapters.principal_cache import MAX_ENTRIES, PrincipalCache
from scrm.corps.api_key import Principal, Role, key_hash, new_key


class FakeKeyTable:
    """Stands in for ``ApiKeyItem.get``: items by hash, and how many reads were made."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}
        self.reads = 0

    def add(self, corp_id: str = "ww1", revoked: bool = False) -> str:
        key_id, key, digest = new_key()
        self.items[digest] = SimpleNamespace(corp_id=corp_id, role="admin", key_id=key_id, revoked=revoked)
        return key

    def get(self, digest: str) -> Any:
        self.reads += 1
        if digest not in self.items:
            raise DoesNotExist()
        return self.items[digest]


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> FakeKeyTable:
    fake = FakeKeyTable()
    monkeypatch.setattr(module.K, "get", fake.get)
    return fake


def test_a_hit_is_cached_for_the_ttl(table: FakeKeyTable) -> None:
    key = table.add()
    keys = DynamoApiKeys(cache_ttl_s=60)
    assert keys.authenticate(key) == keys.authenticate(key) != None  # noqa: E711
    assert table.reads == 1
    uncached = DynamoApiKeys(cache_ttl_s=0)
    uncached.authenticate(key), uncached.authenticate(key)
    assert table.reads == 3


def test_a_miss_is_not_cached_so_a_key_created_a_moment_later_works(table: FakeKeyTable) -> None:
    keys = DynamoApiKeys(cache_ttl_s=60)
    _, key, digest = new_key()
    assert keys.authenticate(key) is None
    table.items[digest] = SimpleNamespace(corp_id="ww1", role="viewer", key_id="k1", revoked=False)
    assert keys.authenticate(key) == Principal("ww1", Role.VIEWER, "k1")


def test_random_keys_do_not_grow_the_cache(table: FakeKeyTable) -> None:
    keys = DynamoApiKeys(cache_ttl_s=60)
    for _ in range(50):
        assert keys.authenticate(new_key()[1]) is None
    assert table.reads == 50 and len(keys._cache) == 0


def test_the_cache_is_bounded_and_drops_the_least_recently_used(table: FakeKeyTable) -> None:
    keys = DynamoApiKeys(cache_ttl_s=600)
    first, *rest = [table.add() for _ in range(MAX_ENTRIES + 200)]
    keys.authenticate(first)
    for key in rest:
        keys.authenticate(key)
        keys.authenticate(first)  # kept in use: it stays
    assert len(keys._cache) == MAX_ENTRIES
    reads = table.reads
    keys.authenticate(first), keys.authenticate(rest[-1])
    assert table.reads == reads  # both still cached
    keys.authenticate(rest[0])
    assert table.reads == reads + 1  # the oldest unused left


def test_entries_expire_after_the_ttl() -> None:
    now = [0.0]
    reads: list[str] = []
    principal = Principal("ww1", Role.ADMIN, "k")
    cache = PrincipalCache(lambda d: reads.append(d) or principal, ttl_s=30, clock=lambda: now[0])
    digest = key_hash(new_key()[1])
    cache.get(digest), cache.get(digest)
    now[0] = 29.9
    cache.get(digest)
    assert len(reads) == 1
    now[0] = 30.0
    assert cache.get(digest) == principal and len(reads) == 2


def test_a_revoked_key_is_refused_and_not_kept(table: FakeKeyTable) -> None:
    keys = DynamoApiKeys(cache_ttl_s=60)
    assert keys.authenticate(table.add(revoked=True)) is None
    assert len(keys._cache) == 0
