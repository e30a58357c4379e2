"""The corp's and the app's JS-SDK tickets, fetched once and shared by every instance (96909: at most 400
fetches a corp and 100 an app in an hour; valid ``expires_in`` seconds, normally 7200).

Kept in the same store as the access tokens (``TokenStore``: the tokens table), under their own keys, with
the same rules: a stored ticket is used while it has more than the refresh margin left; one caller at a
time (a conditional lock) fetches a new one while the others wait for it (or keep using the old one while
it lives), so 50 sidebars opening at once make one fetch, not 50. A ticket WeCom refuses later cannot be
seen from here (the page's ``wx.config`` fails in the client): ``forget`` drops it, and the next page
fetches again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from scrm.corps.access_token import TokenStore, usable
from scrm.kernel.wecom_error import WeComError

LOCK_S = 10.0
WAIT_S = LOCK_S + 5
POLL_S = 0.1


Fetch = Callable[[], tuple[str, int]]  # → (ticket, expires_in), or WeComError


@dataclass
class TicketKeeper:
    store: TokenStore
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    def ticket(self, key: str, fetch: Fetch) -> str:
        """The stored ticket while usable, else one fetched by this caller or the one holding the lock."""
        deadline = self.clock() + WAIT_S
        while True:
            stored = self.store.current(key)
            now = self.clock()
            if usable(stored, now):
                return str(stored.token)
            if self.store.try_lock(key, LOCK_S):
                # The lock is free once the caller before stored its ticket (one update): read again, or
                # a caller that read before that store and locked after it would fetch a second one.
                fresh = self.store.current(key)
                if usable(fresh, self.clock()):
                    self.store.release(key)
                    return str(fresh.token)
                try:
                    ticket, expires_in = fetch()
                except BaseException:
                    self.store.release(key)
                    raise
                self.store.store(key, ticket, self.clock() + expires_in)  # releases the lock
                return ticket
            if stored.token and stored.expires_at - now > 5:
                return stored.token  # another caller is fetching; the old ticket still lives
            if self.clock() > deadline:
                raise WeComError(None, "could not obtain a JS-SDK ticket", key.rsplit("#", 1)[-1])
            self.sleep(POLL_S)

    def forget(self, key: str, ticket: str) -> None:
        self.store.invalidate(key, ticket)


def corp_key(corp_id: str) -> str:
    """The corp's ticket (``wx.config``): one per corp, whichever app fetched it."""
    return f"{corp_id}#jsapi_ticket"


def app_key(access_token_key: str) -> str:
    """The app's ticket (``wx.agentConfig``): one per app, keyed as its access token is (corp and secret)."""
    return f"{access_token_key}#agent_ticket"
