"""Customer-group handover: groupchat/transfer (离职, 92127) and groupchat/onjob_transfer (在职, 95703).

Both take chat_id_list (1..100, else 40058) and new_owner (an employee, else 60111) and answer
failed_chat_list with one entry per chat that was not handed over.  The 9050x codes are
documented only as a range ("owner has not left, not a customer group, already inherited, …"),
so the sandbox's assignment is its own choice:
  90500 the owner has not left (groupchat/transfer)
  90501 not a customer group: unknown or dismissed chat_id
  90502 the owner has left (groupchat/onjob_transfer; use groupchat/transfer)
  90503 the new owner already took over NEW_OWNER_DAILY_LIMIT (300) groups in the last 24 h
  90504 the new owner already owns the group
  90506 the group already had ON_JOB_PER_90_DAYS (2) on-job transfers in the last 90 days
A handover is immediate: the owner changes (the new owner joins the group if needed); a resigned
handover sets groupchat/list status 3 (离职继承完成).  Like other API writes it sends no callback.
"""

from __future__ import annotations

from typing import Any

from ..world import Corp, GroupMember
from .errors import ApiError
from .registry import ApiContext, route_kinds

NEW_OWNER_DAILY_LIMIT = 300
ON_JOB_PER_90_DAYS = 2
DAY_S = 86_400


def _one(corp: Corp, chat_id: str, new_owner: str, kind: str, now: int) -> int:
    chat = corp.groups.get(chat_id)
    if chat is None:
        return 90501
    owner_left = chat.owner not in corp.employees
    if kind == "resigned" and not owner_left:
        return 90500
    if kind == "onjob" and owner_left:
        return 90502
    if chat.owner == new_owner:
        return 90504
    if kind == "onjob":
        recent = [
            g
            for g in corp.group_transfers
            if g["chat_id"] == chat_id and g["kind"] == "onjob" and now - g["time"] < 90 * DAY_S
        ]
        if len(recent) >= ON_JOB_PER_90_DAYS:
            return 90506
    today = [g for g in corp.group_transfers if g["new_owner"] == new_owner and now - g["time"] < DAY_S]
    if len(today) >= NEW_OWNER_DAILY_LIMIT:
        return 90503
    corp.group_transfers.append(
        {"chat_id": chat_id, "old_owner": chat.owner, "new_owner": new_owner, "kind": kind, "time": now}
    )
    chat.owner = new_owner
    chat.admin_list = [a for a in chat.admin_list if a != new_owner]
    corp.group_history.record(now, "owner", chat_id, new_owner)
    if new_owner not in chat.members:
        chat.members[new_owner] = GroupMember(userid=new_owner, type=1, join_time=now)
        corp.group_history.record(now, "join", chat_id, new_owner)
        corp.bump_member_version(chat)
    if kind == "resigned":
        chat.status = 3
    return 0


def _transfer(ctx: ApiContext, kind: str) -> dict[str, Any]:
    chat_ids = ctx.body_list("chat_id_list")
    if not 1 <= len(chat_ids) <= 100 or not all(isinstance(c, str) for c in chat_ids):
        raise ApiError(40058, "chat_id_list must hold 1..100 chat ids")
    new_owner = ctx.body_str("new_owner")
    if new_owner not in ctx.corp.employees:
        raise ApiError(60111, f"userid {new_owner}")
    now = ctx.app.world.now_int()
    failed = []
    for chat_id in chat_ids:
        code = _one(ctx.corp, chat_id, new_owner, kind, now)
        if code:
            failed.append({"chat_id": chat_id, "errcode": code, "errmsg": ERRMSGS[code]})
    return {"failed_chat_list": failed}


ERRMSGS = {
    90500: "the group owner has not resigned",
    90501: "not a customer group",
    90502: "the group owner has resigned",
    90503: "new owner group transfer count exceeds daily limit",
    90504: "the new owner is already the group owner",
    90506: "group transferred too many times in 90 days",
}


route_kinds(
    "POST",
    _transfer,
    {"externalcontact/groupchat/transfer": "resigned", "externalcontact/groupchat/onjob_transfer": "onjob"},
)
