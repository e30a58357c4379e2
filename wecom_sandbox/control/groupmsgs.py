"""Control endpoints for enterprise mass sends: read them, the member's confirm (or decline), interactions.

WeCom sends nothing until the member taps "send" in the client; POST …/groupmsgs/{msgid}/confirm
stands in for that tap.  Each recipient is then settled by groupmsgs.deliver (1 sent, 2 not a
friend / not the group's owner any more, 3 over the corp's receive quota).  Declining leaves every
recipient at 0.  A cancelled mass send (cancel_groupmsg_send) cannot be confirmed any more.
No callback exists for mass sends, so none is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import groupmsgs
from ..groupmsgs import GroupMsg
from ..world import Corp
from .common import (
    ControlError,
    EmitOptions,
    Request,
    corp_or_404,
    customer_or_404,
    employee_or_404,
    field_value,
    str_list,
)

if TYPE_CHECKING:
    from ..app import Sandbox


def _msg_or_404(corp: Corp, msgid: str) -> GroupMsg:
    msg = corp.groupmsgs.msgs.get(msgid)
    if msg is None:
        raise ControlError(404, f"unknown mass send '{msgid}' in corp '{corp.corp_id}'")
    return msg


def _quota(app: Sandbox, corp: Corp) -> dict[str, Any]:
    start, limit = groupmsgs.quota_window(corp.groupmsg_quota, app.world.now())
    received = {
        target: n for target in corp.groupmsgs.received if (n := corp.groupmsgs.received_in(target, start))
    }
    return {
        "mode": corp.groupmsg_quota,
        "period_start": start,
        "limit": limit,
        "dispatch_s": corp.groupmsg_dispatch_s,
        "received": received,
    }


def list_msgs(app: Sandbox, req: Request) -> dict[str, Any]:
    chat_type = req.query.get("chat_type")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        msgs = [m.to_control() for m in corp.groupmsgs.msgs.values() if chat_type in (None, m.chat_type)]
        return {"groupmsgs": msgs, "quota": _quota(app, corp)}


def get_msg(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        return _msg_or_404(corp, req.params["msgid"]).to_control()


def _reachable(corp: Corp, msg: GroupMsg, userid: str, target: str) -> bool:
    if msg.chat_type == "single":
        rel = corp.relation(userid, target)
        return rel is not None and not rel.one_way
    chat = corp.groups.get(target)
    return chat is not None and chat.owner == userid


def confirm(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    userid = field_value(body, "userid", str, required=True)
    send = field_value(body, "send", bool, default=True)
    select = str_list(body, "select") if "select" in body else None
    opts = EmitOptions.parse(body)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        msg = _msg_or_404(corp, req.params["msgid"])
        task = msg.tasks.get(userid)
        if task is None:
            raise ControlError(404, f"member '{userid}' has no part in mass send '{msg.msgid}'")
        if msg.cancelled_at:
            raise ControlError(409, f"mass send '{msg.msgid}' was cancelled")
        if task.status != groupmsgs.TASK_NOT_SENT or task.declined:
            raise ControlError(409, f"member '{userid}' already answered mass send '{msg.msgid}'")
        if select is not None:
            if not msg.member_selects:
                raise ControlError(
                    400, "field 'select' needs allow_select (or a group send without chat_id_list)"
                )
            unknown = [t for t in select if t not in task.recipients]
            if unknown:
                raise ControlError(400, f"field 'select': '{unknown[0]}' is not a recipient of this task")
        if not send:
            task.declined = True
            return {"msgid": msg.msgid, "task": task.to_control()}
        now = opts.time(app)
        chosen = set(select) if select is not None else set(task.recipients)
        for target, recipient in task.recipients.items():
            if target in chosen:
                reachable = _reachable(corp, msg, userid, target)
                groupmsgs.deliver(corp.groupmsgs, corp.groupmsg_quota, recipient, reachable, now)
        task.status = groupmsgs.TASK_SENT
        task.send_time = now
        return {"msgid": msg.msgid, "task": task.to_control()}


def interact(app: Sandbox, req: Request) -> dict[str, Any]:
    """The member chatted with the customer: later mass sends without sender go to this member."""
    body = req.body
    userid = field_value(body, "userid", str, required=True)
    ext = field_value(body, "external_userid", str, required=True)
    opts = EmitOptions.parse(body)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        employee_or_404(corp, userid)
        customer_or_404(corp, ext)
        rel = corp.relation(userid, ext)
        if rel is None or rel.one_way:
            raise ControlError(409, f"member '{userid}' is not a friend of customer '{ext}'")
        when = opts.time(app)
        corp.groupmsgs.last_interaction[ext] = (when, userid)
        return {"userid": userid, "external_userid": ext, "time": when}
