"""The WeCom client's token handling, against an in-memory token store and a scripted WeCom (no I/O).

WeCom (91039) hands the same token back on a repeated gettoken while it lives, and blocks callers that
call gettoken too often; its page does not say whether the repeated answer carries the remainder or a
fresh 7200 s. These tests run the client against each reading (and against a WeCom that issues a new token
on every call) and count the gettoken calls.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from scrm.adapters.wecom.client import WeComClient
from scrm.corps.access_token import REFRESH_MARGIN_S, StoredToken, usable, worth_refreshing
from scrm.kernel.wecom_error import WeComError

START = 1_700_000_000.0


@dataclass
class Clock:
    now: float = START

    def __call__(self) -> float:
        return self.now


@dataclass
class MemoryTokens:
    """The shared token table, in memory: its conditional writes under a lock, as DynamoDB applies them
    (the sidebar's ticket keeper runs 50 threads against it)."""

    clock: Any
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    mutex: threading.Lock = field(default_factory=threading.Lock)

    def current(self, key: str) -> StoredToken:
        with self.mutex:
            item = self.items.get(key, {})
            return StoredToken(item.get("token"), float(item.get("expires_at") or 0), bool(item.get("reissued")))

    def store(self, key: str, token: str, expires_at: float) -> bool:
        with self.mutex:
            item = self.items.setdefault(key, {})
            same = item.get("token") == token
            item.update(token=token, expires_at=expires_at, reissued=same, lock_until=None)
            return same

    def try_lock(self, key: str, seconds: float) -> bool:
        with self.mutex:
            item = self.items.setdefault(key, {})
            if item.get("lock_until") and item["lock_until"] > self.clock():
                return False
            item["lock_until"] = self.clock() + seconds
            return True

    def release(self, key: str) -> None:
        with self.mutex:
            self.items.get(key, {})["lock_until"] = None

    def invalidate(self, key: str, bad_token: str) -> None:
        with self.mutex:
            if self.items.get(key, {}).get("token") == bad_token:
                self.items[key]["expires_at"] = 0


@dataclass
class Response:
    payload: dict[str, Any]
    status_code: int = 200
    request: Any = None

    @property
    def content(self) -> bytes:
        return json.dumps(self.payload).encode()

    def json(self) -> dict[str, Any]:
        return self.payload

    def raise_for_status(self) -> None:
        pass


@dataclass
class ScriptedWeCom:
    """gettoken and one API, on the test's clock. ``reissue``: "remaining" (the same token, what is left),
    "full" (the same token, a fresh life) or "new" (a new token on every gettoken)."""

    clock: Clock
    reissue: str = "remaining"
    life_s: int = 7200
    tokens: dict[str, float] = field(default_factory=dict)
    current: str = ""
    gettoken_calls: int = 0
    api_codes: list[int] = field(default_factory=list)

    def get(self, url: str, params: dict[str, Any], timeout: Any = None) -> Response:
        assert url.endswith("/gettoken")
        self.gettoken_calls += 1
        now = self.clock()
        left = self.tokens.get(self.current, 0) - now
        if self.reissue != "new" and left >= 1:
            if self.reissue == "full":
                self.tokens[self.current] = now + self.life_s
                left = self.life_s
            return Response({"errcode": 0, "access_token": self.current, "expires_in": int(left)})
        self.current = f"t{self.gettoken_calls}"
        self.tokens[self.current] = now + self.life_s
        return Response({"errcode": 0, "access_token": self.current, "expires_in": self.life_s})

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        token = kwargs["params"]["access_token"]
        if token not in self.tokens:
            code = 40014
        elif self.tokens[token] <= self.clock():
            code = 42001
        else:
            code = 0
        self.api_codes.append(code)
        return Response({"errcode": code, "errmsg": "ok" if code == 0 else "token"})

    def invalidate(self, token: str) -> None:
        """WeCom invalidating a token before its time: it answers 40014, and gettoken issues a new one."""
        self.tokens.pop(token, None)
        if token == self.current:
            self.current = ""


def _client(wecom: ScriptedWeCom, tokens: MemoryTokens, clock: Clock) -> WeComClient:
    c = WeComClient("wwcorp", "secret", api_base="http://wecom.test/cgi-bin/", storage=tokens,
                    backoff_base_s=0, sleep=lambda s: None, clock=clock)  # fmt: skip
    c._http = wecom  # type: ignore[assignment]
    return c


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _setup(clock: Clock, reissue: str) -> tuple[ScriptedWeCom, MemoryTokens, WeComClient]:
    wecom, tokens = ScriptedWeCom(clock, reissue), MemoryTokens(clock)
    return wecom, tokens, _client(wecom, tokens, clock)


@pytest.mark.parametrize("reissue", ["remaining", "full", "new"])
def test_no_gettoken_burst_near_the_end_of_a_token(clock: Clock, reissue: str) -> None:
    """In the last 5 minutes of a token's life, 100 calls make at most one more gettoken, whichever
    expires_in WeCom gives a repeated gettoken (the old client asked on every one of those calls)."""
    wecom, _, client = _setup(clock, reissue)
    client.get("user/list")
    assert wecom.gettoken_calls == 1
    clock.now = START + 7200 - REFRESH_MARGIN_S + 1
    for _ in range(100):
        client.get("user/list")
        clock.now += 2.5  # 250 s: up to 49 s before the first token's end
    assert wecom.gettoken_calls == 2
    assert set(wecom.api_codes) == {0}


def test_a_handed_back_token_is_used_to_its_end_then_one_new_token(clock: Clock) -> None:
    wecom, tokens, client = _setup(clock, "remaining")
    client.get("user/list")
    clock.now = START + 7000
    client.get("user/list")  # 200 s left: one gettoken, which hands the same token back
    assert wecom.gettoken_calls == 2 and tokens.current(client.access_token_key).reissued
    while clock.now < START + 7199:
        client.get("user/list")
        clock.now += 10
    assert wecom.gettoken_calls == 2
    clock.now = START + 7200.5  # expired: a new token, fetched once
    client.get("user/list")
    client.get("user/list")
    assert wecom.gettoken_calls == 3 and wecom.current == "t3"
    assert set(wecom.api_codes) == {0}


def test_another_instance_sees_the_handed_back_token_without_asking(clock: Clock) -> None:
    """The reissued mark is shared through the store: a cold instance does not ask gettoken again."""
    wecom, tokens, first = _setup(clock, "remaining")
    first.get("user/list")
    clock.now = START + 7000
    first.get("user/list")
    second = _client(wecom, tokens, clock)
    for _ in range(20):
        second.get("user/list")
    assert wecom.gettoken_calls == 2


def test_a_token_invalidated_early_is_fetched_again_once(clock: Clock) -> None:
    wecom, _, client = _setup(clock, "remaining")
    client.get("user/list")
    wecom.invalidate("t1")
    assert client.get("user/list")["errcode"] == 0
    assert wecom.api_codes == [0, 40014, 0] and wecom.gettoken_calls == 2 and wecom.current == "t2"
    clock.now += 60
    client.get("user/list")
    assert wecom.gettoken_calls == 2  # the new token is kept, no further gettoken


def test_a_token_rejected_again_after_the_refetch_fails_without_a_loop(clock: Clock) -> None:
    wecom, _, client = _setup(clock, "remaining")
    client.get("user/list")
    real = wecom.request

    def always_rejected(method: str, url: str, **kwargs: Any) -> Response:
        real(method, url, **kwargs)
        wecom.api_codes[-1] = 40014
        return Response({"errcode": 40014, "errmsg": "invalid access_token"})

    wecom.request = always_rejected  # type: ignore[method-assign]
    with pytest.raises(WeComError) as err:
        client.get("user/list")
    assert err.value.errcode == 40014
    assert wecom.gettoken_calls == 2  # one refetch per call, never more


def test_expired_before_our_clock_says_so_is_42001_then_one_new_token(clock: Clock) -> None:
    """A handed-back token is used to its last second; a call that arrives after WeCom's end gets 42001,
    and the client fetches once (WeCom then issues a new token)."""
    wecom, _, client = _setup(clock, "remaining")
    client.get("user/list")
    clock.now = START + 7000
    client.get("user/list")
    wecom.tokens["t1"] = clock.now  # WeCom's clock runs a little ahead of ours
    clock.now += 0.5
    assert client.get("user/list")["errcode"] == 0
    assert wecom.api_codes[-2:] == [42001, 0] and wecom.gettoken_calls == 3


@pytest.mark.parametrize(
    ("stored", "now", "expected"),
    [
        (StoredToken(), START, False),
        (StoredToken("t", START + 301), START, True),
        (StoredToken("t", START + 300), START, False),  # within the margin: refresh first
        (StoredToken("t", START + 30, reissued=True), START, True),  # handed back: used to its end
        (StoredToken("t", START + 1, reissued=True), START, False),
        (StoredToken("t", 0, reissued=True), START, False),  # invalidated
    ],
)
def test_usable(stored: StoredToken, now: float, expected: bool) -> None:
    assert usable(stored, now) is expected


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (StoredToken(), True),
        (StoredToken("t", START + 3600), False),  # more than the job's 45 minutes left
        (StoredToken("t", START + 1800), True),  # less: a gettoken may bring a longer-lived token
        (StoredToken("t", START + 1800, reissued=True), False),  # WeCom just handed this one back
        (StoredToken("t", START + 0.5, reissued=True), True),  # (nearly) over: time for a new one
    ],
)
def test_worth_refreshing_for_the_scheduled_job(stored: StoredToken, expected: bool) -> None:
    assert worth_refreshing(stored, START, 45 * 60) is expected


def test_a_caller_that_locks_after_another_stored_a_token_fetches_none(clock: Clock) -> None:
    """The lock is free again the moment a token is stored: a caller that read "no token" before that store
    and takes the lock after it reads again, and uses the stored token instead of a second gettoken."""
    wecom, tokens, first = _setup(clock, "new")
    second = _client(wecom, tokens, clock)
    real_current, reads = tokens.current, []

    def current_with_a_race(key: str) -> StoredToken:
        reads.append(key)
        if len(reads) == 1:  # the second instance's first read: empty; the first instance then stores
            first.get("user/list")
            return StoredToken()
        return real_current(key)

    tokens.current = current_with_a_race  # type: ignore[method-assign]
    second.get("user/list")
    assert wecom.gettoken_calls == 1 and wecom.api_codes == [0, 0]
