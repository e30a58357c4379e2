"""Who a login code belongs to: ``auth/getuserinfo`` (91023 / 98176), mixed into WeComGateway.

wechatpy 1.8.18 has only the older path (``WeChatOAuth.get_user_info`` calls ``user/getuserinfo``, with the
older answer's ``UserId`` / ``OpenId``); WeCom's current pages name ``auth/getuserinfo``, so it goes through
``_get``, which keeps our token handling and retries. A code is single use: a retry after a lost answer
meets 40029, which the login answers as "log in again".
"""

from __future__ import annotations

from typing import Any

from scrm.staff_auth.ports import LoginIdentity


class StaffLoginCalls:
    def _get(self, path: str, params: dict[str, Any]) -> Any:  # provided by WeComGateway
        raise NotImplementedError

    def login_identity(self, code: str) -> LoginIdentity:
        """A member's ``userid``, or a non-member's ``openid`` (WeCom may add ``external_userid``: unused).
        40029 (unknown, used or expired code), 50001 (another app's code) and 41008 raise WeComError."""
        res = self._get("auth/getuserinfo", {"code": code}) or {}
        return LoginIdentity(userid=str(res.get("userid") or res.get("UserId") or ""),
                             openid=str(res.get("openid") or res.get("OpenId") or ""))  # fmt: skip
