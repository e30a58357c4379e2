"""The corp registry's cache: one Secrets Manager read per corp however many threads miss at once, and a
known corp's keys kept in use while Secrets Manager fails (the callback route would otherwise hold every
answer of that corp)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from scrm.adapters import corp_registry
from scrm.adapters.corp_registry import CorpNotFound, CorpRegistry
from scrm.adapters.negative_cache import NegativeCache
from scrm.corps.corp import Corp

SECRET = {"corp_id": "wwcorp0001", "token": "Tok3n", "aes_key": "a" * 43, "secret": "s", "agent_id": "1"}


class FakeSecrets:
    def __init__(self) -> None:
        self.calls = 0
        self.fail: Exception | None = None
        self.delay_s = 0.0

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.calls += 1
        time.sleep(self.delay_s)
        if self.fail is not None:
            raise self.fail
        if not SecretId.endswith("wwcorp0001"):
            raise ClientError({"Error": {"Code": "ResourceNotFoundException"}}, "GetSecretValue")
        return {"SecretString": json.dumps(SECRET)}


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> FakeSecrets:
    fake = FakeSecrets()
    monkeypatch.setattr(corp_registry.aws, "client", lambda service, *a: fake)
    return fake


def test_a_burst_of_misses_reads_the_secret_once(secrets: FakeSecrets) -> None:
    registry = CorpRegistry("scrm/corps/", 300)
    secrets.delay_s = 0.05
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(registry.get("wwcorp0001").corp_id)) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ["wwcorp0001"] * 20 and secrets.calls == 1


def test_expired_keys_serve_on_while_secrets_manager_fails(secrets: FakeSecrets) -> None:
    registry = CorpRegistry("scrm/corps/", 0.01)
    assert registry.get("wwcorp0001").token == "Tok3n"
    time.sleep(0.02)
    secrets.fail = ClientError({"Error": {"Code": "ServiceUnavailable"}}, "GetSecretValue")
    assert registry.get("wwcorp0001").token == "Tok3n"
    calls = secrets.calls
    assert registry.get("wwcorp0001").token == "Tok3n"
    assert secrets.calls == calls  # the stale entry is kept a while: not one read per request


def test_an_unknown_corp_is_not_cached_and_a_failure_without_keys_raises(secrets: FakeSecrets) -> None:
    registry = CorpRegistry("scrm/corps/", 300)
    with pytest.raises(CorpNotFound):
        registry.get("wwunknown01")
    with pytest.raises(CorpNotFound):
        registry.get("wwunknown01")
    assert secrets.calls == 2
    secrets.fail = ClientError({"Error": {"Code": "ServiceUnavailable"}}, "GetSecretValue")
    with pytest.raises(ClientError):
        registry.get("wwcorp0001")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_route_remembers_an_unknown_corp_for_a_minute(secrets: FakeSecrets) -> None:
    clock = Clock()
    registry = CorpRegistry("scrm/corps/", 300, NegativeCache(60, 4096, clock))
    for _ in range(100):
        with pytest.raises(CorpNotFound):
            registry.get("wwunknown01", cache_unknown=True)
    assert secrets.calls == 1
    clock.now += 59
    with pytest.raises(CorpNotFound):
        registry.get("wwunknown01", cache_unknown=True)
    assert secrets.calls == 1
    clock.now += 2  # the minute is over: asked again
    with pytest.raises(CorpNotFound):
        registry.get("wwunknown01", cache_unknown=True)
    assert secrets.calls == 2
    with pytest.raises(CorpNotFound):  # other callers never see the remembered miss
        registry.get("wwunknown01")
    assert secrets.calls == 3


def test_a_corp_registered_after_a_miss_is_found_once_the_minute_is_over(
    secrets: FakeSecrets, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    registry = CorpRegistry("scrm/corps/", 300, NegativeCache(60, 4096, clock))
    with pytest.raises(CorpNotFound):
        registry.get("wwcorp0002", cache_unknown=True)
    # Another process registers it (the CLI): this container finds it once its minute is over.
    monkeypatch.setattr(registry, "_name", lambda corp_id: "scrm/corps/wwcorp0001")
    with pytest.raises(CorpNotFound):
        registry.get("wwcorp0002", cache_unknown=True)
    clock.now += 61
    assert registry.get("wwcorp0002", cache_unknown=True).token == "Tok3n"


def test_registering_in_the_same_process_drops_the_remembered_miss(
    secrets: FakeSecrets, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = CorpRegistry("scrm/corps/", 300, NegativeCache(60, 4096, Clock()))
    with pytest.raises(CorpNotFound):
        registry.get("wwcorp0002", cache_unknown=True)
    monkeypatch.setattr(registry, "_name", lambda corp_id: "scrm/corps/wwcorp0001")  # now it exists
    with pytest.raises(CorpNotFound):
        registry.get("wwcorp0002", cache_unknown=True)
    registry.forget("wwcorp0002")  # what register() does after writing the secret
    assert registry.get("wwcorp0002", cache_unknown=True).token == "Tok3n"
    assert isinstance(registry.get("wwcorp0002"), Corp)


def test_the_remembered_misses_are_bounded_oldest_first() -> None:
    clock = Clock()
    cache = NegativeCache(60, 3, clock)
    for n in range(5):
        cache.add(f"ww{n}")
    assert len(cache) == 3 and "ww0" not in cache and "ww1" not in cache and "ww4" in cache
    cache.add("ww2")  # re-added: the newest now
    cache.add("ww5")
    assert "ww2" in cache and "ww3" not in cache
