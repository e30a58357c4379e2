"""Application messages: message/send (90236).

Nothing is delivered anywhere; each accepted send is appended to the corp's message log so tests
can assert on what the app told employees.  Recipients that are not employees are reported in
invaliduser, and 81013 is answered when no recipient is valid.
"""

from __future__ import annotations

from typing import Any

from .. import ids
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
    msgid = ids.msgid(corp.rng)
    corp.messages.append(
        {
            "kind": "message",
            "msgid": msgid,
            "ts": ctx.app.world.now(),
            "touser": valid,
            "invaliduser": invaliduser,
            "msgtype": msgtype,
            "agentid": agentid,
            "content": ctx.body.get(msgtype),
            "body": ctx.body,
        }
    )
    return {"invaliduser": invaliduser, "msgid": msgid}
