"""The inviter's link: a token signed with HMAC-SHA256 over (corp, campaign, external_userid, expiry), so the
public poster and progress routes know who asks without a login.

Why a signed link and not WeChat's OAuth: a customer opens the link in WeChat, not in WeCom, and learning who
they are there takes the corp's own 公众号 OAuth and the unionid (wecom-web-and-modules.md §4), which is
UNCONFIRMED per corp (a corp may have no 公众号 bound to its 开放平台). The link is sent to the inviter alone
(in the welcome message or a mass send), so holding it is the proof. The key is per corp and per deployment:
HMAC of a fixed label under the corp's app secret, which lives in Secrets Manager and never reaches a
browser; rotating the secret retires every link (the inviter asks again). No other signed link existed in
the code to share a key with.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from scrm.kernel.errors import InvalidInput

LABEL = b"scrm fission link v1"
DEFAULT_TTL_S = 30 * 86_400


def link_key(app_secret: str) -> bytes:
    return hmac.new(app_secret.encode(), LABEL, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, corp_id: str, campaign_id: str, external_userid: str, expires_at: int) -> str:
    payload = "\n".join((corp_id, campaign_id, external_userid, str(expires_at))).encode()
    mac = hmac.new(key, payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(mac)}"


def corp_of(token: str) -> str:
    """The corp a token names (unverified: to pick the key that verifies it)."""
    try:
        return _unb64(token.split(".", 1)[0]).decode().split("\n")[0]
    except Exception:
        raise InvalidInput("t", "t: not a poster link's token") from None


def verify(key: bytes, token: str, now: float | None = None) -> tuple[str, str, str]:
    """(corp, campaign, external_userid) of a token signed with ``key`` and not expired; else a 400 on ``t``."""
    try:
        body, mac = token.split(".", 1)
        payload = _unb64(body)
        given = _unb64(mac)
    except Exception:
        raise InvalidInput("t", "t: not a poster link's token") from None
    if not hmac.compare_digest(hmac.new(key, payload, hashlib.sha256).digest()[:16], given):
        raise InvalidInput("t", "t: the link's signature does not match (changed, or from another corp)")
    parts = payload.decode().split("\n")
    if len(parts) != 4 or not parts[3].isdigit():
        raise InvalidInput("t", "t: not a poster link's token")
    if int(parts[3]) < (time.time() if now is None else now):
        raise InvalidInput("t", "t: the link has expired; ask for a new one")
    return parts[0], parts[1], parts[2]
