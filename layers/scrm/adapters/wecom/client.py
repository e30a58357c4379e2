"""Our WeCom client: wechatpy 1.8.18's enterprise client, extended (not forked).

What we add on top of wechatpy:
- the API base URL is a setting (the sandbox locally), also for ``gettoken``, which wechatpy hard-codes;
- the access token comes from a store shared by every Lambda, refreshed early by one caller at a time;
  a token WeCom's ``gettoken`` handed back again is used until it expires or is rejected, with no
  ``gettoken`` before then (``scrm.corps.access_token``: WeCom blocks callers that fetch too often);
- 40014 / 42001 (token invalid or expired): the token is invalidated and fetched again, once per call;
- -1, 45009, 45033, HTTP errors and timeouts: exponential back-off with jitter, a bounded number of tries,
  then the error goes up (the SQS message is retried later) — wechatpy retries none of these;
- every failure leaves as a ``WeComError`` that names the API path and the kind of failure only, raised
  ``from None``: requests' own errors carry the URL, whose query holds ``corpsecret`` (gettoken) or
  ``access_token`` (every other call), and a caller that logs the error with its traceback (the token job,
  the consumers) would write the secret into the logs (issue 16).
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from wechatpy.enterprise import WeChatClient
from wechatpy.exceptions import WeChatClientException

from scrm.adapters.redaction import remember_secret
from scrm.corps.access_token import StoredToken, TokenStore, usable
from scrm.kernel import wecom_errors as errcodes
from scrm.kernel.wecom_error import WeComError

LOCK_S = 10.0
POOL_SIZE = 64


class WeComClient(WeChatClient):
    def __init__(
        self,
        corp_id: str,
        secret: str,
        *,
        api_base: str,
        storage: TokenStore,
        max_tries: int = 4,
        backoff_base_s: float = 0.5,
        timeout_s: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.API_BASE_URL = api_base
        self._max_tries = max(1, max_tries)
        self._backoff = backoff_base_s
        self._sleep = sleep
        self._clock = clock
        self._counts = threading.local()
        self._memo = StoredToken()
        remember_secret(secret)
        super().__init__(corp_id, secret, session=storage, timeout=timeout_s, auto_retry=False)
        # One client serves a container's threads (the welcome consumer sends a batch in parallel):
        # requests' default pool keeps 10 connections per host and opens (TLS included) a new one beyond.
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE)
        self._http.mount("https://", adapter)
        self._http.mount("http://", adapter)

    @property
    def calls(self) -> int:
        """HTTP calls made by this thread (a step's count is the difference before and after it)."""
        return getattr(self._counts, "n", 0)

    def _count(self) -> None:
        self._counts.n = self.calls + 1

    @property
    def access_token_key(self) -> str:
        # wechatpy keys on secret[:10]; a hash keeps even part of the secret out of the table.
        return f"{self.corp_id}:{hashlib.sha256(self.secret.encode()).hexdigest()[:16]}"

    def fetch_access_token(self) -> dict[str, Any]:
        """wechatpy's version hard-codes WeCom's host and sends no timeout; this one does both. Any failure
        is a ``WeComError`` for ``gettoken`` without the URL: its query holds the corp's secret."""
        self._count()
        try:
            res = self._http.get(
                f"{self.API_BASE_URL}gettoken",
                params={"corpid": self.corp_id, "corpsecret": self.secret},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise WeComError(None, type(exc).__name__, "gettoken") from None
        if res.status_code != 200:
            raise WeComError(None, f"HTTP {res.status_code}", "gettoken")
        try:
            result = res.json()
        except ValueError:
            raise WeComError(None, "the answer is not JSON", "gettoken") from None
        if not isinstance(result, dict):
            raise WeComError(None, "the answer is not a JSON object", "gettoken")
        if result.get("errcode", 0) != 0:
            raise WeComError(_code(result.get("errcode")), str(result.get("errmsg", "")), "gettoken")
        token = result.get("access_token")
        if not isinstance(token, str) or not token:
            raise WeComError(None, "the answer has no access_token", "gettoken")
        remember_secret(token)
        try:
            expires_in = int(result.get("expires_in", 7200))
        except (TypeError, ValueError):
            raise WeComError(None, "the answer's expires_in is not a number", "gettoken") from None
        now = self._clock()
        store: TokenStore = self.session
        # The same token back (WeCom 91039, whatever expires_in it carries) is marked reissued in the store.
        store.store(self.access_token_key, result["access_token"], now + expires_in)
        self.expires_at = int(now) + expires_in
        return result

    @property
    def access_token(self) -> str:
        """The shared token; remembered in this instance while it stays usable, so the calls of a warm
        container (the welcome path above all) do not each read the token table first."""
        if usable(self._memo, self._clock()):
            return str(self._memo.token)
        store: TokenStore = self.session
        key = self.access_token_key
        deadline = self._clock() + LOCK_S + 5
        while True:
            stored = store.current(key)
            now = self._clock()
            if usable(stored, now):
                self._memo = stored
                remember_secret(str(stored.token))
                return str(stored.token)
            if self.refresh_locked():
                stored = store.current(key)
                if stored.token:
                    self._memo = stored
                    return stored.token
            elif stored.token and stored.expires_at - now > 5:
                remember_secret(stored.token)
                return stored.token  # someone else is refreshing; the old token is still good
            if self._clock() > deadline:
                raise WeComError(None, "could not obtain an access token", "gettoken")
            self._sleep(0.1)

    def refresh_locked(self, needed: Callable[[StoredToken, float], bool] | None = None) -> bool:
        """Fetch a token if no other caller holds the refresh lock and the stored one, read again once the
        lock is ours, still ``needed`` it (default: it is not usable); False if nothing was fetched. The
        read after the lock: the lock is free again the moment the caller before stored its token, so a
        caller that read before that store and locked after it would otherwise fetch a second one."""
        store: TokenStore = self.session
        if not store.try_lock(self.access_token_key, LOCK_S):
            return False
        if not (needed or (lambda stored, now: not usable(stored, now)))(store.current(self.access_token_key), self._clock()):
            store.release(self.access_token_key)
            return False
        try:
            self.fetch_access_token()  # stores the token and releases the lock
        except BaseException:
            store.release(self.access_token_key)
            raise
        return True

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        token_retried = False
        attempt = 0
        while True:
            attempt += 1
            call = dict(kwargs)
            call["params"] = dict(kwargs.get("params") or {})
            token = ""
            try:
                token = call["params"].get("access_token") or self.access_token
                call["params"]["access_token"] = token
                self._count()
                result = super()._request(method, url_or_endpoint, **call)
                if not isinstance(result, dict):
                    # wechatpy hands back the raw response when the body is not JSON (a proxy's error
                    # page with status 200): as a failed call, not as a result the caller cannot read.
                    raise WeChatClientException(None, "the answer is not JSON")
                return result
            except WeChatClientException as exc:
                code = exc.errcode
                if errcodes.is_token(code) and token and not token_retried:
                    token_retried = True
                    self._memo = StoredToken()
                    self.session.invalidate(self.access_token_key, token)
                    attempt -= 1
                    continue
                if errcodes.client_retries(code) and attempt < self._max_tries:
                    self._pause(attempt)
                    continue
                # wechatpy's HTTP error has no errmsg; its response (never its URL) says which status.
                status = getattr(getattr(exc, "response", None), "status_code", None)
                errmsg = str(exc.errmsg or "") or (f"HTTP {status}" if status else "")
                raise WeComError(code, errmsg, url_or_endpoint) from None
            except WeComError as exc:
                # The token could not be had (gettoken failed, already without its URL): the same back-off.
                if errcodes.client_retries(exc.errcode) and attempt < self._max_tries:
                    self._pause(attempt)
                    continue
                raise WeComError(exc.errcode, exc.errmsg, exc.path) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt < self._max_tries:
                    self._pause(attempt)
                    continue
                raise WeComError(None, type(exc).__name__, url_or_endpoint) from None
            except requests.RequestException as exc:  # a broken answer (chunked, decoding), a bad URL
                raise WeComError(None, type(exc).__name__, url_or_endpoint) from None

    def _pause(self, attempt: int) -> None:
        delay = self._backoff * (2 ** (attempt - 1))
        self._sleep(delay * (0.5 + random.random() / 2))


def _code(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
