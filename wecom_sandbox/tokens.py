"""Access tokens: issue on gettoken, resolve on every API call, expire on the corp's clock.

Expired tokens are kept (not deleted) so a late call gets 42001 "expired" rather than 40014
"invalid", which is the distinction the app's refresh logic has to handle.
"""

from __future__ import annotations

import random

from . import ids
from .world import Corp, World

_SYSTEM_RNG = random.SystemRandom()
_KEEP_EXPIRED_S = 86_400


def issue(world: World, corp: Corp) -> tuple[str, int]:
    """Create a new token for corp (old ones stay valid until their own expiry, as with many app instances)."""
    now = world.now()
    _prune(world, corp, now)
    token = ids.access_token(_SYSTEM_RNG)
    corp.tokens[token] = now + corp.token_expires_in
    world.token_index[token] = corp.corp_id
    return token, corp.token_expires_in


def resolve(world: World, token: str | None) -> tuple[Corp | None, int]:
    """Return (corp, 0) for a valid token, else (corp or None, errcode 41001/40014/42001)."""
    if not token:
        return None, 41001
    corp_id = world.token_index.get(token)
    corp = world.corp(corp_id) if corp_id else None
    if corp is None or token not in corp.tokens:
        return None, 40014
    if corp.tokens[token] <= world.now():
        return corp, 42001
    return corp, 0


def expire_all(world: World, corp: Corp) -> int:
    """Make every token of the corp expired now; returns how many were live."""
    now = world.now()
    live = 0
    for token, expires_at in corp.tokens.items():
        if expires_at > now:
            live += 1
            corp.tokens[token] = now - 0.001
    return live


def _prune(world: World, corp: Corp, now: float) -> None:
    stale = [t for t, exp in corp.tokens.items() if exp < now - _KEEP_EXPIRED_S]
    for token in stale:
        del corp.tokens[token]
        world.token_index.pop(token, None)
