"""Customer-group handover: groupchat/transfer (离职, 92127) and groupchat/onjob_transfer (在职, 95703).

Both take chat_id_list (1..100, else 40058) and new_owner (an employee, else 60111) and answer
failed_chat_list with one entry per chat that was not handed over.  The per-chat codes are those of
the global table (90313, as crawled by go-workwx errcodes/mod.go), checked in this order:
  90501 该群不是客户群: an unknown or dismissed chat_id
  90507 离职群正在继承处理中 (groupchat/transfer): the group's resigned handover is under way (status 2)
  90508 离职群已经继承 (groupchat/transfer): the group was already inherited (status 3)
  90500 群主并未离职 (groupchat/transfer): the owner has not left
  90502 群主已经离职 (groupchat/onjob_transfer): the owner has left (use groupchat/transfer)
  90504 群主没变: the new owner already owns the group
  90503 满人 & 99个微信成员，没办法踢，要客户端确认: the new owner is not a member, the group is full
        (the corp's group_member_limit) and 99 or more of its members are WeChat customers, so a member
        would have to be removed, which the WeCom client must confirm (the sandbox's reading of the text)
WeCom's pages name the two counting rules but no code for them, so these are the sandbox's choices:
  ON_JOB_LIMIT_CODE (40128, WeCom's "transferred too often" of customer handovers): the group already had
        ON_JOB_PER_90_DAYS (2) on-job handovers in the last 90 days (95703)
  DAILY_LIMIT_CODE (45009, "api freq out of limit"): the new owner already took over
        NEW_OWNER_DAILY_LIMIT (300) groups in the last 24 h (92127 / 95703)
There is no 90505, 90506 or 90509 in the table, and the sandbox answers none.

An on-job handover takes effect at once: the owner changes (the new owner joins the group if needed).
A resigned handover passes through groupchat/list status 2 (离职继承中) for INHERIT_S seconds of world
time (a duration WeCom does not document: the sandbox's choice), then completes lazily like customer
handovers (wecom_sandbox/transfers.py): the owner changes and the status becomes 3 (离职继承完成).
Like other API writes, neither sends a callback.
"""

from __future__ import annotations

from typing import Any

from ..world import Corp, GroupChat, GroupMember
from .errors import ApiError
from .registry import ApiContext, route_kinds

NEW_OWNER_DAILY_LIMIT = 300
ON_JOB_PER_90_DAYS = 2
DAY_S = 86_400
INHERIT_S = 10
"""World seconds a resigned group stays in status 2 (离职继承中) before it is inherited (status 3)."""
FULL_WECHAT_MEMBERS = 99
ON_JOB_LIMIT_CODE = 40128
DAILY_LIMIT_CODE = 45009
AWAITING, INHERITING, INHERITED = 1, 2, 3  # groupchat/list status


def _one(corp: Corp, chat_id: str, new_owner: str, kind: str, now: int) -> int:
    chat = corp.groups.get(chat_id)
    if chat is None:
        return 90501
    owner_left = chat.owner not in corp.employees
    if kind == "resigned":
        if chat.status == INHERITING:
            return 90507
        if chat.status == INHERITED:
            return 90508
        if not owner_left:
            return 90500
    elif owner_left:
        return 90502
    if chat.owner == new_owner:
        return 90504
    if new_owner not in chat.members and _full_of_wechat_members(corp, chat):
        return 90503
    if kind == "onjob":
        recent = [
            g
            for g in corp.group_transfers
            if g["chat_id"] == chat_id and g["kind"] == "onjob" and now - g["time"] < 90 * DAY_S
        ]
        if len(recent) >= ON_JOB_PER_90_DAYS:
            return ON_JOB_LIMIT_CODE
    today = [g for g in corp.group_transfers if g["new_owner"] == new_owner and now - g["time"] < DAY_S]
    if len(today) >= NEW_OWNER_DAILY_LIMIT:
        return DAILY_LIMIT_CODE
    corp.group_transfers.append(
        {"chat_id": chat_id, "old_owner": chat.owner, "new_owner": new_owner, "kind": kind, "time": now}
    )
    if kind == "resigned":
        chat.status = INHERITING
        corp.group_inherits[chat_id] = (new_owner, now + INHERIT_S)
    else:
        hand_over(corp, chat, new_owner, now)
    return 0


def _full_of_wechat_members(corp: Corp, chat: GroupChat) -> bool:
    wechat = sum(1 for m in chat.members.values() if m.type == 2)
    return len(chat.members) >= corp.group_member_limit and wechat >= FULL_WECHAT_MEMBERS


def hand_over(corp: Corp, chat: GroupChat, new_owner: str, when: int) -> None:
    """The owner changes; a new owner who was not a member joins."""
    chat.owner = new_owner
    chat.admin_list = [a for a in chat.admin_list if a != new_owner]
    corp.group_history.record(when, "owner", chat.chat_id, new_owner)
    if new_owner not in chat.members:
        chat.members[new_owner] = GroupMember(userid=new_owner, type=1, join_time=when)
        corp.group_history.record(when, "join", chat.chat_id, new_owner)
        corp.bump_member_version(chat)


def settle_inherits(corp: Corp, now: float) -> None:
    """Complete every resigned group handover whose INHERIT_S have passed (status 2 → 3); hold the lock."""
    for chat_id, (new_owner, due) in list(corp.group_inherits.items()):
        if now < due:
            continue
        del corp.group_inherits[chat_id]
        chat = corp.groups.get(chat_id)
        if chat is None or chat.status != INHERITING:
            continue  # dismissed meanwhile
        hand_over(corp, chat, new_owner, int(due))
        chat.status = INHERITED


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
    90503: "group is full with 99 wechat members, the client must confirm",
    90504: "the new owner is already the group owner",
    90507: "the resigned group is being inherited",
    90508: "the resigned group has already been inherited",
    ON_JOB_LIMIT_CODE: "group transferred too many times in 90 days",
    DAILY_LIMIT_CODE: "new owner took over too many groups today",
}


route_kinds(
    "POST",
    _transfer,
    {"externalcontact/groupchat/transfer": "resigned", "externalcontact/groupchat/onjob_transfer": "onjob"},
)
