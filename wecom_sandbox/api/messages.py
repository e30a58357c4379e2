"""Application messages: message/send (90236).

Nothing is delivered anywhere; each accepted send is appended to the corp's message log so tests
can assert on what the app told employees.  Recipients that are not employees are reported in
invaliduser, and 81013 is answered when no recipient is valid.  Valid recipients then pass
pacing.py (30/min and 1000/h per member, enable_duplicate_check): the log's `touser` lists who
got the message and `dropped` who did not and why, while the caller still sees errcode 0, as
WeCom drops silently.
"""

from __future__ import annotations

from typing import Any

from .. import ids, pacing
from .errors import ApiError
from .registry import ApiContext, route

MSGTYPES = {
    "text",
    "image",
    "voice",
    "video",
    "file",
    "textcard",
    "news",
    "mpnews",
    "markdown",
    "miniprogram_notice",
    "template_card",
}


@route("POST", "message/send")
def message_send(ctx: ApiContext) -> dict[str, Any]:
    corp = ctx.corp
    agentid = ctx.body_int("agentid")
    if agentid != corp.agent_id:
        raise ApiError(40056, f"agentid {ctx.body.get('agentid')}")
    msgtype = ctx.body_str("msgtype", 40008)
    if msgtype not in MSGTYPES or not isinstance(ctx.body.get(msgtype), dict):
        raise ApiError(40008, f"msgtype {msgtype}")
    touser = ctx.body.get("touser") or ""
    if not isinstance(touser, str):
        raise ApiError(40058, "touser must be a string like 'a|b'")
    wanted = [u for u in touser.split("|") if u]
    if wanted == ["@all"]:
        valid, invalid = list(corp.employees), []
    else:
        valid = [u for u in wanted if u in corp.employees]
        invalid = [u for u in wanted if u not in corp.employees]
    invaliduser = "|".join(invalid)
    if not valid:
        raise ApiError(81013, extra={"invaliduser": invaliduser})
    interval = _duplicate_interval(ctx)
    now = ctx.app.world.now()
    key = pacing.content_key(msgtype, ctx.body.get(msgtype))
    delivered, dropped = corp.pacing.admit(corp.agent_id, valid, key, now, interval)
    msgid = ids.msgid(corp.rng)
    corp.messages.append(
        {
            "kind": "message",
            "msgid": msgid,
            "ts": now,
            "touser": delivered,
            "dropped": dropped,
            "invaliduser": invaliduser,
            "msgtype": msgtype,
            "agentid": agentid,
            "content": ctx.body.get(msgtype),
            "body": ctx.body,
        }
    )
    return {"invaliduser": invaliduser, "msgid": msgid}


def _duplicate_interval(ctx: ApiContext) -> int | None:
    """The duplicate-check window asked for, or None when enable_duplicate_check is not 1."""
    if ctx.body_int("enable_duplicate_check", 0) != 1:
        return None
    interval = ctx.body_int("duplicate_check_interval", pacing.DEFAULT_DUPLICATE_INTERVAL_S)
    assert interval is not None
    if not 0 < interval <= pacing.MAX_DUPLICATE_INTERVAL_S:
        raise ApiError(40058, f"duplicate_check_interval must be in (0, {pacing.MAX_DUPLICATE_INTERVAL_S}]")
    return interval
