"""Control endpoints for customer groups → change_external_chat (create / update / dismiss).

Member changes bump member_version and the update event carries MemChangeCnt, MemChangeList (one
<Item> per member id), LastMemVer and CurMemVer, so apps can detect lost or out-of-order events.
For non-member updates (owner, name, notice) the sandbox sends LastMemVer == CurMemVer (the
current version) and no member fields.

JoinScene in the callback is 0 (invited) or 3 (QR code); groupchat/get reports the member's
join_scene as 1 (invited) or 3 (QR code) accordingly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import events, ids
from ..world import GroupChat, GroupMember
from .common import (
    ControlError,
    EmitOptions,
    Request,
    corp_or_404,
    emit,
    employee_or_404,
    field_value,
    str_list,
)

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..world import Corp

UPDATE_DETAILS = ("add_member", "del_member", "change_owner", "change_name", "change_notice")


def _member_type(corp: Corp, member_id: str) -> int:
    if member_id in corp.employees:
        return 1
    if ids.is_external_userid(member_id):
        return 2
    raise ControlError(400, f"member '{member_id}' is neither an employee nor a well-formed external_userid")


def _chat_or_404(corp: Corp, chat_id: str) -> GroupChat:
    chat = corp.groups.get(chat_id)
    if chat is None:
        raise ControlError(404, f"unknown group chat '{chat_id}'")
    return chat


def create(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    owner = field_value(body, "owner", str, required=True)
    members = str_list(body, "members")
    name = field_value(body, "name", str, default="")
    notice = field_value(body, "notice", str, default="")
    chat_id = field_value(body, "chat_id", str)
    admins = str_list(body, "admins")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        employee_or_404(corp, owner)
        types = {m: _member_type(corp, m) for m in members if m != owner}
        for admin in admins:
            if admin not in corp.employees or admin not in types:
                raise ControlError(400, f"admin '{admin}' must be an employee listed in 'members'")
        if chat_id is None:
            chat_id = ids.chat_id(corp.rng)
        elif chat_id in corp.groups:
            raise ControlError(409, f"group chat '{chat_id}' already exists")
        now = opts.time(app)
        chat = GroupChat(
            chat_id=chat_id, name=name, owner=owner, create_time=now, seq=corp.next_seq(), notice=notice
        )
        chat.members[owner] = GroupMember(owner, 1, now, 1)
        for member_id, mtype in types.items():
            chat.members[member_id] = GroupMember(member_id, mtype, now, 1, invitor=owner)
        chat.admin_list = list(admins)
        corp.bump_member_version(chat)
        corp.groups[chat_id] = chat
        corp.group_history.created(now, chat_id, owner, chat.members)
        evt = events.external_chat(corp.corp_id, now, "create", chat_id)
    return {"chat_id": chat_id, "member_version": chat.member_version, **emit(app, corp, [evt], opts)}


def update(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    detail = field_value(body, "update_detail", str, required=True)
    if detail not in UPDATE_DETAILS:
        raise ControlError(400, f"field 'update_detail' must be one of {', '.join(UPDATE_DETAILS)}")
    join_scene = field_value(body, "join_scene", int, default=0)
    quit_scene = field_value(body, "quit_scene", int, default=0)
    add_members = str_list(body, "add_members", required=detail == "add_member")
    del_members = str_list(body, "del_members", required=detail == "del_member")
    name = field_value(body, "name", str, required=detail == "change_name")
    notice = field_value(body, "notice", str)
    owner = field_value(body, "owner", str, required=detail == "change_owner")
    invitor = field_value(body, "invitor", str)
    if detail == "change_notice" and notice is None:
        raise ControlError(400, "missing field 'notice'")
    if join_scene not in (0, 3):
        raise ControlError(400, "field 'join_scene' must be 0 (invited) or 3 (QR code)")
    if quit_scene not in (0, 1):
        raise ControlError(400, "field 'quit_scene' must be 0 (left) or 1 (removed)")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        chat = _chat_or_404(corp, req.params["chat_id"])
        now = opts.time(app)
        kwargs: dict[str, Any] = {"update_detail": detail}
        if detail == "add_member":
            _add_members(corp, chat, add_members, now, join_scene, invitor or chat.owner)
            for member_id in add_members:
                corp.group_history.record(now, "join", chat.chat_id, member_id)
            last, cur = corp.bump_member_version(chat)
            kwargs.update(join_scene=join_scene, members=add_members, last_mem_ver=last, cur_mem_ver=cur)
        elif detail == "del_member":
            _del_members(chat, del_members)
            for member_id in del_members:
                corp.group_history.record(now, "quit", chat.chat_id, member_id)
            last, cur = corp.bump_member_version(chat)
            kwargs.update(quit_scene=quit_scene, members=del_members, last_mem_ver=last, cur_mem_ver=cur)
        else:
            if detail == "change_owner":
                assert owner is not None
                employee_or_404(corp, owner)
                if owner not in chat.members:
                    raise ControlError(400, f"new owner '{owner}' must already be a member of the group")
                chat.owner = owner
                chat.admin_list = [a for a in chat.admin_list if a != owner]
                corp.group_history.record(now, "owner", chat.chat_id, owner)
            elif detail == "change_name":
                chat.name = name or ""
            else:
                chat.notice = notice or ""
            kwargs.update(last_mem_ver=chat.member_version, cur_mem_ver=chat.member_version)
        evt = events.external_chat(corp.corp_id, now, "update", chat.chat_id, **kwargs)
    return {"member_version": chat.member_version, **emit(app, corp, [evt], opts)}


def _add_members(
    corp: Corp, chat: GroupChat, members: list[str], now: int, join_scene: int, invitor: str
) -> None:
    if not members:
        raise ControlError(400, "field 'add_members' must not be empty")
    already = [m for m in members if m in chat.members]
    if already:
        raise ControlError(400, f"'{already[0]}' is already a member of the group")
    types = {m: _member_type(corp, m) for m in members}
    for member_id, mtype in types.items():
        chat.members[member_id] = GroupMember(
            member_id, mtype, now, 3 if join_scene == 3 else 1, invitor=invitor
        )


def _del_members(chat: GroupChat, members: list[str]) -> None:
    if not members:
        raise ControlError(400, "field 'del_members' must not be empty")
    missing = [m for m in members if m not in chat.members]
    if missing:
        raise ControlError(400, f"'{missing[0]}' is not a member of the group")
    if chat.owner in members:
        raise ControlError(400, "the owner cannot leave; change_owner first")
    for member_id in members:
        del chat.members[member_id]
    chat.admin_list = [a for a in chat.admin_list if a in chat.members]


def dismiss(app: Sandbox, req: Request) -> dict[str, Any]:
    opts = EmitOptions.parse(req.body)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        chat = _chat_or_404(corp, req.params["chat_id"])
        del corp.groups[chat.chat_id]
        corp.group_history.record(opts.time(app), "dismiss", chat.chat_id)
        evt = events.external_chat(corp.corp_id, opts.time(app), "dismiss", chat.chat_id)
    return emit(app, corp, [evt], opts)
