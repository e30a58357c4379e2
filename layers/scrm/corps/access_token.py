"""When a stored WeCom access token is still worth using, and when asking ``gettoken`` again could help.

WeCom (91039) hands the same token back on a repeated ``gettoken`` while it is valid, and blocks callers
that call ``gettoken`` too often. Its current page does not say which ``expires_in`` comes with a
repeated answer: the remainder of the token's life, or a fresh 7200 s. Our callers refresh a token early
(``REFRESH_MARGIN_S`` before it expires) so that none holds a token that dies mid-call; with "the same
token, the remainder", that early refresh only gets the same token back, still about to expire, and every
later call would refresh again: a burst of ``gettoken`` at the end of each token's life.

So a token ``gettoken`` handed back (``reissued``) is used until it expires or WeCom rejects it (40014 /
42001: the client invalidates it and fetches once), and nobody asks for a new one before then. With a
fresh ``expires_in`` the reissued token simply has a long life again; with a new token on every call
``reissued`` is never set. All three readings are covered by the same two rules below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

REFRESH_MARGIN_S = 300  # refresh this long before expiry, so callers never hold an expiring token
REISSUED_MIN_LEFT_S = 1.0  # a handed-back token is used up to its last second (a late call gets 42001)


@dataclass(frozen=True)
class StoredToken:
    """The shared token as stored: the token (None: none yet), its expiry (epoch seconds; 0 once
    invalidated) and whether the last ``gettoken`` answered the token that was already stored."""

    token: str | None = None
    expires_at: float = 0.0
    reissued: bool = False


def usable(stored: StoredToken, now: float, margin_s: float = REFRESH_MARGIN_S) -> bool:
    """Use the stored token without asking WeCom: it has more than the margin left, or WeCom handed it
    back on the last ``gettoken`` (asking again before it expires would only hand it back again)."""
    if not stored.token:
        return False
    left = stored.expires_at - now
    return left > margin_s or (stored.reissued and left > REISSUED_MIN_LEFT_S)


def worth_refreshing(stored: StoredToken, now: float, min_remaining_s: float) -> bool:
    """The scheduled refresh: fetch ahead of time only when the token is short of ``min_remaining_s`` and
    a ``gettoken`` could bring a longer-lived one (not when WeCom already handed this one back)."""
    if not stored.token:
        return True
    left = stored.expires_at - now
    if left > min_remaining_s:
        return False
    return not (stored.reissued and left > REISSUED_MIN_LEFT_S)


class TokenStore(Protocol):
    """The shared store of access tokens and JS-SDK tickets (``adapters.wecom.token_store.DynamoTokenStorage``:
    the tokens table; unit tests fake it): what is stored, a refresh lock, and an early invalidation."""

    def current(self, key: str) -> StoredToken: ...
    def store(self, key: str, token: str, expires_at: float) -> bool: ...
    def try_lock(self, key: str, seconds: float) -> bool: ...
    def release(self, key: str) -> None: ...
    def invalidate(self, key: str, bad_token: str) -> None: ...
