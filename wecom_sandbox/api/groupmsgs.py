"""Enterprise mass-send APIs (企业群发): add_msg_template (92135), get_groupmsg_list_v2 /
get_groupmsg_task / get_groupmsg_send_result (93338), remind_groupmsg_send (97610) and
cancel_groupmsg_send (97611).

Errors: 40058 bad or missing fields (chat_type, more than 10,000 external_userid or 2000
chat_id_list, more than 100 tags in one tag_filter group, sender missing for groups; a list window
over 31 days is 600018), 60111 unknown
sender, 44004 neither text nor attachments, 41064/41065 attachments (shared with welcome
messages), 41048 no recipient at all (fail_list still returned), 41046 missing msgid, 41047
unknown msgid, 41063 results asked for while the task is still dispatching (the corp's
groupmsg_dispatch_s of world time after creation), 41093 a reminder for a cancelled send (群发任务已取消,
90313), 41094 a fourth reminder within 24 h.
The member's confirm step and the quota rules live in wecom_sandbox/groupmsgs.py and
control/groupmsgs.py.
"""

from __future__ import annotations

from typing import Any

from .. import groupmsgs, ids
from ..groupmsgs import GroupMsg, MemberTask, Recipient
from ..world import Corp
from . import cursor
from .errors import ApiError
from .registry import ApiContext, route
from .welcome import check_attachments, check_text

MAX_EXTERNAL_USERIDS = 10_000
MAX_CHAT_IDS = 2000
MAX_TAGS_PER_FILTER_GROUP = 100
"""92135: at most 100 tags in one tag_filter group; the page names no code, 40058 is the sandbox's choice."""
LIST_WINDOW_S = 31 * 86_400
LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX = 50, 100
TASK_LIMIT_DEFAULT, TASK_LIMIT_MAX = 500, 1000
BAD_RANGE = 600018


def _str_list(ctx: ApiContext, name: str, most: int) -> list[str]:
    values = ctx.body_list(name)
    if not all(isinstance(v, str) for v in values):
        raise ApiError(40058, f"{name} must be an array of strings")
    if len(values) > most:
        raise ApiError(40058, f"{name} holds {len(values)} ids, at most {most}")
    return list(dict.fromkeys(values))


def _tag_filter(ctx: ApiContext) -> list[set[str]]:
    """tag_filter.group_list[].tag_list: a customer must carry a tag of every listed group (OR inside one)."""
    raw = ctx.body.get("tag_filter")
    if raw is None:
        return []
    groups = raw.get("group_list") if isinstance(raw, dict) else None
    if not isinstance(groups, list) or not all(
        isinstance(g, dict)
        and isinstance(g.get("tag_list"), list)
        and all(isinstance(t, str) for t in g["tag_list"])
        for g in groups
    ):
        raise ApiError(40058, "tag_filter must be {group_list: [{tag_list: [tag ids]}]}")
    for i, g in enumerate(groups):
        if len(g["tag_list"]) > MAX_TAGS_PER_FILTER_GROUP:
            raise ApiError(
                40058,
                f"tag_filter.group_list[{i}].tag_list holds {len(g['tag_list'])} tags, "
                f"at most {MAX_TAGS_PER_FILTER_GROUP}",
            )
    return [set(g["tag_list"]) for g in groups if g["tag_list"]]


def _friend(corp: Corp, userid: str, ext: str) -> bool:
    rel = corp.relation(userid, ext)
    return rel is not None and not rel.one_way


def last_interacting_member(corp: Corp, ext: str) -> str | None:
    """The member WeCom gives the customer's part of a mass send to: the one who last chatted with the
    customer (control groupmsgs/interact), else the most recently added follower."""
    followers = [r for r in corp.customer_relations(ext) if not r.one_way]
    if not followers:
        return None
    last = corp.groupmsgs.last_interaction.get(ext)
    if last is not None and any(r.userid == last[1] for r in followers):
        return last[1]
    return max(followers, key=lambda r: (r.createtime, r.seq)).userid


def _single_targets(ctx: ApiContext, sender: str) -> tuple[dict[str, list[str]], list[str]]:
    corp = ctx.corp
    exts = _str_list(ctx, "external_userid", MAX_EXTERNAL_USERIDS)
    tags = _tag_filter(ctx)
    if not exts and not sender:
        raise ApiError(40058, "external_userid and sender cannot both be empty")
    if not exts:
        exts = [r.external_userid for r in corp.user_relations(sender) if not r.one_way]
    by_member: dict[str, list[str]] = {}
    fail: list[str] = []
    for ext in exts:
        member = sender if sender else last_interacting_member(corp, ext)
        if member is None or not _friend(corp, member, ext):
            fail.append(ext)
            continue
        rel = corp.relation(member, ext)
        assert rel is not None
        if tags and not all(group & set(rel.tag_ids) for group in tags):
            continue
        by_member.setdefault(member, []).append(ext)
    return by_member, fail


def _group_targets(ctx: ApiContext, sender: str) -> tuple[dict[str, list[str]], list[str]]:
    corp = ctx.corp
    if not sender:
        raise ApiError(40058, "sender is required for chat_type group")
    chat_ids = _str_list(ctx, "chat_id_list", MAX_CHAT_IDS)
    if not chat_ids:
        owned = [c.chat_id for c in sorted(corp.groups.values(), key=lambda c: c.seq) if c.owner == sender]
        return ({sender: owned} if owned else {}), []
    ok = [c for c in chat_ids if c in corp.groups and corp.groups[c].owner == sender]
    fail = [c for c in chat_ids if c not in set(ok)]
    return ({sender: ok} if ok else {}), fail


@route("POST", "externalcontact/add_msg_template")
def add_msg_template(ctx: ApiContext) -> dict[str, Any]:
    corp = ctx.corp
    chat_type = ctx.body.get("chat_type") or "single"
    if chat_type not in ("single", "group"):
        raise ApiError(40058, "chat_type must be single or group")
    sender = ctx.body_str("sender", required=False)
    if sender and sender not in corp.employees:
        raise ApiError(60111, f"userid {sender}")
    allow_select = ctx.body.get("allow_select", False)
    if not isinstance(allow_select, bool):
        raise ApiError(40058, "allow_select must be a boolean")
    text = check_text(ctx.body.get("text"))
    attachments = check_attachments(ctx.body.get("attachments"))
    if not text and not attachments:
        raise ApiError(44004, "text and attachments are both empty")
    if chat_type == "single":
        by_member, fail = _single_targets(ctx, sender)
    else:
        by_member, fail = _group_targets(ctx, sender)
    if not by_member:
        raise ApiError(41048, "no customer or group to send to", {"fail_list": fail})
    msg = GroupMsg(
        msgid="msg" + ids.rand_str(corp.rng, 27, ids.ID_ALPHABET),
        chat_type=chat_type,
        created_at=ctx.app.world.now(),
        seq=corp.next_seq(),
        text=text,
        attachments=attachments,
        allow_select=allow_select,
        member_selects=allow_select or (chat_type == "group" and not ctx.body.get("chat_id_list")),
        sender=sender,
        fail_list=fail,
    )
    for userid, targets in by_member.items():
        msg.tasks[userid] = MemberTask(userid, {t: Recipient(t) for t in targets})
    corp.groupmsgs.msgs[msg.msgid] = msg
    return {"fail_list": fail, "msgid": msg.msgid}


def _msg(ctx: ApiContext) -> GroupMsg:
    msgid = ctx.body_str("msgid", missing_errcode=41046)
    msg = ctx.corp.groupmsgs.msgs.get(msgid)
    if msg is None:
        raise ApiError(41047, f"msgid {msgid}")
    return msg


def _dispatched(ctx: ApiContext, msg: GroupMsg) -> GroupMsg:
    """Results exist only once WeCom has dispatched the task to the members (41063 before)."""
    if ctx.app.world.now() < msg.created_at + ctx.corp.groupmsg_dispatch_s:
        raise ApiError(41063, "the mass message is still being dispatched, try again later")
    return msg


def _limit(ctx: ApiContext, default: int, most: int) -> int:
    """WeCom takes the default for a limit over the maximum (93338) instead of failing."""
    value = ctx.body_int("limit", default)
    if value is None or value < 1:
        raise ApiError(40058, "limit must be a positive integer")
    return default if value > most else value


def _page(ctx: ApiContext, items: list[Any], limit: int) -> tuple[list[Any], str]:
    start = 0
    if ctx.body.get("cursor"):
        (start,) = cursor.decode(str(ctx.body["cursor"]), 1)
    page = items[start : start + limit]
    more = start + limit < len(items)
    return page, cursor.encode(start + limit) if more else ""


@route("POST", "externalcontact/get_groupmsg_list_v2")
def get_groupmsg_list_v2(ctx: ApiContext) -> dict[str, Any]:
    chat_type = ctx.body.get("chat_type") or "single"
    if chat_type not in ("single", "group"):
        raise ApiError(40058, "chat_type must be single or group")
    start = ctx.body_int("start_time")
    end = ctx.body_int("end_time")
    if start is None or end is None:
        raise ApiError(40058, "start_time and end_time are required")
    if end < start or end - start > LIST_WINDOW_S:
        raise ApiError(BAD_RANGE, "end_time must follow start_time by at most 31 days")
    filter_type = ctx.body_int("filter_type", 2)
    if filter_type not in (0, 1, 2):
        raise ApiError(40058, "filter_type must be 0, 1 or 2")
    creator = ctx.body_str("creator", required=False)
    limit = _limit(ctx, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX)
    items = [
        m
        for m in ctx.corp.groupmsgs.msgs.values()
        if m.chat_type == chat_type
        and start <= m.create_time <= end
        and filter_type in (2, m.create_type)
        and (not creator or m.creator == creator)
    ]
    page, next_cursor = _page(ctx, items, limit)
    out = []
    for m in page:
        item: dict[str, Any] = {"msgid": m.msgid, "create_time": m.create_time, "create_type": m.create_type}
        if m.creator:
            item["creator"] = m.creator
        if m.text:
            item["text"] = {"content": m.text}
        if m.attachments:
            item["attachments"] = m.attachments
        out.append(item)
    return {"next_cursor": next_cursor, "group_msg_list": out}


@route("POST", "externalcontact/get_groupmsg_task")
def get_groupmsg_task(ctx: ApiContext) -> dict[str, Any]:
    msg = _dispatched(ctx, _msg(ctx))
    page, next_cursor = _page(ctx, list(msg.tasks.values()), _limit(ctx, TASK_LIMIT_DEFAULT, TASK_LIMIT_MAX))
    tasks = []
    for t in page:
        item: dict[str, Any] = {"userid": t.userid, "status": t.status}
        if t.status == groupmsgs.TASK_SENT:
            item["send_time"] = t.send_time
        tasks.append(item)
    return {"next_cursor": next_cursor, "task_list": tasks}


@route("POST", "externalcontact/get_groupmsg_send_result")
def get_groupmsg_send_result(ctx: ApiContext) -> dict[str, Any]:
    msg = _dispatched(ctx, _msg(ctx))
    userid = ctx.body_str("userid", missing_errcode=41009)
    limit = _limit(ctx, TASK_LIMIT_DEFAULT, TASK_LIMIT_MAX)
    task = msg.tasks.get(userid)
    recipients = list(task.recipients.values()) if task is not None else []
    page, next_cursor = _page(ctx, recipients, limit)
    key = "external_userid" if msg.chat_type == "single" else "chat_id"
    out = []
    for r in page:
        item: dict[str, Any] = {key: r.target, "userid": userid, "status": r.status}
        if r.status == groupmsgs.SENT:
            item["send_time"] = r.send_time
        out.append(item)
    return {"next_cursor": next_cursor, "send_list": out}


@route("POST", "externalcontact/remind_groupmsg_send")
def remind_groupmsg_send(ctx: ApiContext) -> dict[str, Any]:
    """41093 (群发任务已取消, 90313) once the send was cancelled; else at most 3 reminders in 24 h (41094)."""
    msg = _msg(ctx)
    now = ctx.app.world.now()
    if msg.cancelled_at:
        raise ApiError(41093, "the mass send was cancelled")
    if groupmsgs.reminders_in_window(msg, now) >= groupmsgs.MAX_REMINDERS:
        raise ApiError(41094, f"at most {groupmsgs.MAX_REMINDERS} reminders per mass send in 24 h")
    pending = [t.userid for t in msg.tasks.values() if _open(t)]
    msg.reminders.append({"time": int(now), "userids": pending})
    return {}


@route("POST", "externalcontact/cancel_groupmsg_send")
def cancel_groupmsg_send(ctx: ApiContext) -> dict[str, Any]:
    msg = _msg(ctx)
    if not msg.cancelled_at:
        msg.cancelled_at = ctx.app.world.now_int()
    return {}


def _open(task: MemberTask) -> bool:
    return task.status == groupmsgs.TASK_NOT_SENT and not task.declined
