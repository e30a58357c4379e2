"""Access tokens in DynamoDB, shared by every Lambda instance: one per corp and app secret.

wechatpy's ``SessionStorage`` interface (get/set/delete) plus what a fleet of Lambdas needs on top: the
token's expiry (wechatpy keeps it on the client instance, so a cold Lambda would not know it), whether
WeCom's last ``gettoken`` handed back the token already stored (``reissued``: see
``scrm.corps.access_token``), and a refresh lock, so that a burst of cold starts makes one ``gettoken``
call rather than one each (WeCom blocks callers that fetch tokens too often).
"""

from __future__ import annotations

import time
import uuid

from pynamodb.exceptions import DoesNotExist
from wechatpy.session import SessionStorage

from scrm.adapters.dynamo.conditional import update_if
from scrm.adapters.dynamo.models import TokenItem
from scrm.corps.access_token import StoredToken


class DynamoTokenStorage(SessionStorage):
    """wechatpy's SessionStorage (get/set/delete), and the fleet's methods the client uses (``TokenStore``)."""

    def __init__(self) -> None:
        self.owner = uuid.uuid4().hex

    # wechatpy's SessionStorage ---------------------------------------------------------------
    def get(self, key: str, default: str | None = None) -> str | None:
        stored = self.current(key)
        return stored.token if stored.token and stored.expires_at > time.time() else default

    def set(self, key: str, value: str, ttl: int | None = None) -> None:
        self.store(key, value, int(time.time()) + int(ttl or 7200))

    def delete(self, key: str) -> None:
        TokenItem(key).delete()

    # what the fleet needs ---------------------------------------------------------------------
    def current(self, key: str) -> StoredToken:
        try:
            item = TokenItem.get(key, consistent_read=True)
        except DoesNotExist:
            return StoredToken()
        return StoredToken(item.token, float(item.expires_at or 0), bool(item.reissued))

    def store(self, key: str, token: str, expires_at: float) -> bool:
        """What ``gettoken`` answered, stored and the refresh lock released. True when it is the token
        already stored (WeCom handed it back): the item is then marked ``reissued``."""
        release = [TokenItem.lock_owner.remove(), TokenItem.lock_until.remove()]
        if update_if(
            TokenItem(key),
            [TokenItem.expires_at.set(expires_at), TokenItem.reissued.set(True), *release],
            TokenItem.token == token,
        ):
            return True
        TokenItem(key).update(
            actions=[
                TokenItem.token.set(token),
                TokenItem.expires_at.set(expires_at),
                TokenItem.reissued.remove(),
                *release,
            ]
        )
        return False

    def try_lock(self, key: str, seconds: float) -> bool:
        now = time.time()
        return update_if(
            TokenItem(key),
            [TokenItem.lock_owner.set(self.owner), TokenItem.lock_until.set(now + seconds)],
            TokenItem.lock_until.does_not_exist() | (TokenItem.lock_until < now),
        )

    def release(self, key: str) -> None:
        """Give the refresh lock back after a failed fetch, so the next caller need not wait it out."""
        update_if(
            TokenItem(key),
            [TokenItem.lock_until.remove(), TokenItem.lock_owner.remove()],
            TokenItem.lock_owner == self.owner,
        )

    def invalidate(self, key: str, bad_token: str) -> None:
        """Mark a token WeCom rejected as expired, unless another caller already replaced it."""
        update_if(TokenItem(key), [TokenItem.expires_at.set(0)], TokenItem.token == bad_token)
