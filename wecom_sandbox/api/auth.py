"""获取访问用户身份: turn a staff-login code into who logged in (logins.py has the rules).

``auth/getuserinfo`` (91023 for OAuth in the WeCom client, 98176 for the web login; 3P copies 96442,
98177): a member answers ``userid`` (plus ``user_ticket`` when the OAuth scope was snsapi_privateinfo);
a non-member answers ``openid`` and, when they are a customer of the corp, ``external_userid``.
Errors: 41008 without a code (90313 "缺少auth code参数"), 40029 for an unknown, used or expired code
(90313), 50001 when the code's redirect domain is not a trusted domain of the token's app or the token
is another app's (96442 "否则会返回50001错误"; 90313's 50001 entry).  Token errors (41001, 40014,
42001), the rate limit and injected faults come from dispatch like every other API.

``user/getuserinfo`` is the older path of the same API: wechatpy 1.8.18 (``WeChatOAuth.get_user_info``)
and WxJava still call it.  WeCom's current pages name only auth/getuserinfo; the older 91023 text
answered ``UserId`` / ``OpenId`` (capitalised) with ``user_ticket`` and ``expires_in``, and so does the
sandbox on that path.
"""

from __future__ import annotations

from typing import Any

from .. import logins
from .errors import ApiError
from .registry import ApiContext, route


def _getuserinfo(ctx: ApiContext, *, legacy: bool) -> dict[str, Any]:
    code = ctx.query.get("code", "")
    if not code:
        raise ApiError(41008)
    corp = ctx.corp
    try:
        record = logins.redeem(corp, ctx.query.get("access_token", ""), code, ctx.app.world.now())
    except logins.LoginError as err:
        raise ApiError(int(err.kind), err.detail) from None
    return logins.identity(corp, record, legacy=legacy)


@route("GET", "auth/getuserinfo")
def auth_getuserinfo(ctx: ApiContext) -> dict[str, Any]:
    return _getuserinfo(ctx, legacy=False)


@route("GET", "user/getuserinfo")
def user_getuserinfo(ctx: ApiContext) -> dict[str, Any]:
    return _getuserinfo(ctx, legacy=True)
