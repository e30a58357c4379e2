"""Access tokens: issue on gettoken, resolve on every API call, expire on the corp's clock.

gettoken (91039): within its validity the corp's current token comes back on a repeated gettoken; a
new token is issued only once the current one has expired or was invalidated.  WeCom's current page
does not say which ``expires_in`` a repeated gettoken carries: the sandbox answers the **remainder**
by default (the harder case for an app: a naive "refresh when little is left" then loops), or a
fresh ``token_expires_in`` that also extends the token's life when the corp's setting
``gettoken_expires_in`` is "full".  A token with less than a second left is treated as expired and
replaced, so expires_in is never 0.

Errors: an expired token answers 42001; a token WeCom invalidated early (control ``tokens/invalidate``;
WeCom: "access_token 可能会因为某些原因提前失效") or one it never issued answers 40014.  Expired tokens
are kept for a day (not deleted) so a late call still gets 42001 rather than 40014, the distinction
the app's refresh logic has to handle; invalidated ones are kept for a day too, so that the calls
still made with them are recorded under their corp.
"""

from __future__ import annotations

import random

from . import ids
from .logins import App
from .world import Corp, World

_SYSTEM_RNG = random.SystemRandom()
_KEEP_EXPIRED_S = 86_400
EXPIRES_IN_MODES = ("remaining", "full")


def issue(world: World, corp: Corp, app: App | None = None) -> tuple[str, int]:
    """The current token of the corp's main app (or of the extra ``app``) while it lives (see the
    module docstring), else a new one.  Each app has its own token (91039: 每个应用有独立的secret)."""
    now = world.now()
    _prune(world, corp, now)
    current = app.current_token if app is not None else corp.current_token
    expires_at = corp.tokens.get(current) if current else None
    if expires_at is not None and expires_at - now >= 1:
        if corp.gettoken_expires_in == "full":
            corp.tokens[current] = now + corp.token_expires_in
            return current, corp.token_expires_in
        return current, int(expires_at - now)
    token = ids.access_token(_SYSTEM_RNG)
    corp.tokens[token] = now + corp.token_expires_in
    if app is not None:
        app.current_token = token
        corp.login.token_agents[token] = app.agent_id
    else:
        corp.current_token = token
    world.token_index[token] = corp.corp_id
    return token, corp.token_expires_in


def resolve(world: World, token: str | None) -> tuple[Corp | None, int]:
    """Return (corp, 0) for a valid token, else (corp or None, errcode 41001/40014/42001)."""
    if not token:
        return None, 41001
    corp_id = world.token_index.get(token)
    corp = world.corp(corp_id) if corp_id else None
    if corp is not None and token in corp.revoked_tokens:
        return corp, 40014
    if corp is None or token not in corp.tokens:
        return None, 40014
    if corp.tokens[token] <= world.now():
        return corp, 42001
    return corp, 0


def expire_all(world: World, corp: Corp) -> int:
    """Make every token of the corp expired now (42001 from then on); returns how many were live."""
    now = world.now()
    live = 0
    for token, expires_at in corp.tokens.items():
        if expires_at > now:
            live += 1
            corp.tokens[token] = now - 0.001
    return live


def invalidate(world: World, corp: Corp, token: str | None = None) -> int:
    """Invalidate the corp's live tokens early, or only ``token``: calls with them answer 40014 and the
    next gettoken issues a new token.  Returns how many live tokens were invalidated."""
    now = world.now()
    chosen = [token] if token is not None else list(corp.tokens)
    gone = 0
    for t in chosen:
        expires_at = corp.tokens.pop(t, None)
        if expires_at is None:
            continue
        corp.revoked_tokens[t] = now
        gone += expires_at > now
        if t == corp.current_token:
            corp.current_token = ""
    return gone


def _prune(world: World, corp: Corp, now: float) -> None:
    stale = [t for t, exp in corp.tokens.items() if exp < now - _KEEP_EXPIRED_S]
    for token in stale:
        del corp.tokens[token]
        world.token_index.pop(token, None)
        corp.login.token_agents.pop(token, None)
    for token in [t for t, at in corp.revoked_tokens.items() if at < now - _KEEP_EXPIRED_S]:
        del corp.revoked_tokens[token]
        world.token_index.pop(token, None)
        corp.login.token_agents.pop(token, None)
