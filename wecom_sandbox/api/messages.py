"""Application messages: message/send (90236).

Nothing is delivered anywhere; each accepted send is appended to the corp's message log so tests
can assert on what the app told employees.  The answer carries, as WeCom's does, invaliduser
(userids that are not employees), invalidparty (unknown department ids), invalidtag (contact tags
are not simulated, so every totag id) and unlicenseduser (employees without an API license, marked
with the control endpoint users/license): those get nothing.  A member of a valid toparty department
is a recipient.  81013 is answered when no recipient is valid (an unlicensed member is a valid user:
with one, the call answers 0 and lists them; the page does not say, so that is the sandbox's
reading).  Licensed recipients then pass pacing.py (30/min and 1000/h per member,
enable_duplicate_check): the log's `touser` lists who got the message and `dropped` who did not and
why, while the caller still sees errcode 0, as WeCom drops silently.
"""

from __future__ import annotations

from typing import Any

from .. import ids, pacing
from .contact_ways import party_members
from .errors import ApiError
from .registry import ApiContext, route
from .users import departments

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
    wanted, parties, tags = (_ids(ctx, name) for name in ("touser", "toparty", "totag"))
    if wanted == ["@all"]:
        valid, invalid = list(corp.employees), []
    else:
        valid = [u for u in wanted if u in corp.employees]
        invalid = [u for u in wanted if u not in corp.employees]
    known = departments(corp)
    invalid_parties = [p for p in parties if not p.isdigit() or int(p) not in known]
    good_parties = [int(p) for p in parties if p not in invalid_parties]
    valid += [u for u in party_members(corp, good_parties) if u not in valid]
    answer = {
        "invaliduser": "|".join(invalid),
        "invalidparty": "|".join(invalid_parties),
        "invalidtag": "|".join(tags),  # contact tags (通讯录标签) are not simulated: none is valid
    }
    if not valid:
        raise ApiError(81013, extra=answer)
    unlicensed = [u for u in valid if not corp.employees[u].licensed]
    answer["unlicenseduser"] = "|".join(unlicensed)
    interval = _duplicate_interval(ctx)
    now = ctx.app.world.now()
    key = pacing.content_key(msgtype, ctx.body.get(msgtype))
    licensed = [u for u in valid if u not in unlicensed]
    delivered, dropped = corp.pacing.admit(corp.agent_id, licensed, key, now, interval)
    msgid = ids.msgid(corp.rng)
    corp.messages.append(
        {
            "kind": "message",
            "msgid": msgid,
            "ts": now,
            "touser": delivered,
            "dropped": dropped,
            **answer,
            "msgtype": msgtype,
            "agentid": agentid,
            "content": ctx.body.get(msgtype),
            "body": ctx.body,
        }
    )
    return {**answer, "msgid": msgid}


def _ids(ctx: ApiContext, name: str) -> list[str]:
    """touser / toparty / totag: "a|b" strings (WeCom's shape); absent or empty is none."""
    value = ctx.body.get(name) or ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ApiError(40058, f"{name} must be a string like 'a|b'")
    return [v.strip() for v in value.split("|") if v.strip()]


def _duplicate_interval(ctx: ApiContext) -> int | None:
    """The duplicate-check window asked for, or None when enable_duplicate_check is not 1."""
    if ctx.body_int("enable_duplicate_check", 0) != 1:
        return None
    interval = ctx.body_int("duplicate_check_interval", pacing.DEFAULT_DUPLICATE_INTERVAL_S)
    assert interval is not None
    if not 0 < interval <= pacing.MAX_DUPLICATE_INTERVAL_S:
        raise ApiError(40058, f"duplicate_check_interval must be in (0, {pacing.MAX_DUPLICATE_INTERVAL_S}]")
    return interval
