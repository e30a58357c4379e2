"""Customer-group (客户群) read APIs: groupchat/list and groupchat/get (92120, 92122).

An unknown or dismissed chat_id answers 40050 ("chatid not found"); the sandbox picked 40050
over 90500 because 9050x are documented as group-*transfer* errors.

groupchat/list without an owner filter answers 81017 once the corp has more than 1000 members,
as 92120 says for apps that can see more than 1000 members (the sandbox has no visibility
scope, so every employee counts).  An app must then page the owners 100 at a time; a large
seeded corp exists precisely so that path gets exercised.
"""

from __future__ import annotations

from typing import Any

from ..world import Corp, GroupChat, GroupMember
from . import cursor
from .errors import ApiError
from .registry import ApiContext, route

UNFILTERED_MAX_MEMBERS = 1000
"""More visible members than this and groupchat/list requires owner_filter (92120, errcode 81017)."""


@route("POST", "externalcontact/groupchat/list")
def groupchat_list(ctx: ApiContext) -> dict[str, Any]:
    status_filter = ctx.body_int("status_filter", 0)
    if status_filter not in (0, 1, 2, 3):
        raise ApiError(40058, "status_filter must be 0..3")
    limit = ctx.body_int("limit")
    if limit is None or not 1 <= limit <= 1000:
        raise ApiError(40058, "limit must be 1..1000")
    owner_filter = ctx.body.get("owner_filter") or {}
    owners: set[str] | None = None
    if owner_filter:
        userids = owner_filter.get("userid_list") if isinstance(owner_filter, dict) else None
        if not isinstance(userids, list) or len(userids) > 100:
            raise ApiError(40058, "owner_filter.userid_list must hold at most 100 userids")
        owners = set(userids) if userids else None
    if owners is None and len(ctx.corp.employees) > UNFILTERED_MAX_MEMBERS:
        raise ApiError(
            81017,
            f"owner_filter.userid_list is required when more than {UNFILTERED_MAX_MEMBERS} members are visible",
        )
    after = 0
    if ctx.body.get("cursor"):
        (after,) = cursor.decode(str(ctx.body["cursor"]), 1)
    out: list[dict[str, Any]] = []
    more = False
    for chat in ctx.corp.groups.values():
        if chat.seq <= after:
            continue
        if status_filter and chat.status != status_filter:
            continue
        if owners is not None and chat.owner not in owners:
            continue
        if len(out) == limit:
            more = True
            break
        out.append({"chat_id": chat.chat_id, "status": chat.status, "_seq": chat.seq})
    next_cursor = cursor.encode(out[-1]["_seq"]) if more else ""
    for item in out:
        del item["_seq"]
    return {"group_chat_list": out, "next_cursor": next_cursor}


def _member(corp: Corp, m: GroupMember, need_name: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "userid": m.userid,
        "type": m.type,
        "join_time": m.join_time,
        "join_scene": m.join_scene,
    }
    if m.invitor:
        data["invitor"] = {"userid": m.invitor}
    if m.state:  # only members who joined through a join way with a state (92229 appendix)
        data["state"] = m.state
    data["group_nickname"] = m.group_nickname
    if need_name:
        person = corp.employees.get(m.userid) if m.type == 1 else corp.customers.get(m.userid)
        data["name"] = person.name if person else ""
    if m.type == 2:
        customer = corp.customers.get(m.userid)
        if customer is not None and customer.unionid:
            data["unionid"] = customer.unionid
    return data


def groupchat_json(corp: Corp, chat: GroupChat, need_name: bool) -> dict[str, Any]:
    return {
        "chat_id": chat.chat_id,
        "name": chat.name,
        "owner": chat.owner,
        "create_time": chat.create_time,
        "notice": chat.notice,
        "member_list": [_member(corp, m, need_name) for m in chat.members.values()],
        "admin_list": [{"userid": u} for u in chat.admin_list],
        "member_version": chat.member_version,
    }


@route("POST", "externalcontact/groupchat/get")
def groupchat_get(ctx: ApiContext) -> dict[str, Any]:
    chat_id = ctx.body_str("chat_id")
    chat = ctx.corp.groups.get(chat_id)
    if chat is None:
        raise ApiError(40050, f"chat_id {chat_id}")
    need_name = ctx.body_int("need_name", 0) == 1
    return {"group_chat": groupchat_json(ctx.corp, chat, need_name)}
