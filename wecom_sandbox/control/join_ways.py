"""A customer scans a 「加入群聊」 join way → change_external_chat update / add_member (JoinScene 3).

The customer joins the first group of the way's chat_id_list with fewer members than the corp's
group_member_limit (default 200), with join_scene 3 and the way's state (groupchat/get shows
it).  When every listed group is full: with auto_create_room 1 a new group is created, owned by
the first group's owner and named room_base_name + number (from room_base_id, default 1), and
appended to chat_id_list as WeCom does — a `create` event precedes the `add_member` one;
with auto_create_room 0 the scan is refused with 409.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import events, ids
from ..world import GroupChat, GroupMember
from .common import ControlError, EmitOptions, Request, corp_or_404, emit, field_value
from .customers import customer_profile, get_or_create_customer

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..ways import JoinWay
    from ..world import Corp


def _new_room(corp: Corp, way: JoinWay, first: GroupChat, now: int) -> GroupChat:
    number = (way.room_base_id or 1) + way.rooms_created
    chat = GroupChat(
        chat_id=ids.chat_id(corp.rng),
        name=f"{way.room_base_name or first.name or '客户群'}{number}",
        owner=first.owner,
        create_time=now,
        seq=corp.next_seq(),
    )
    chat.members[first.owner] = GroupMember(first.owner, 1, now, 1)
    corp.bump_member_version(chat)
    corp.groups[chat.chat_id] = chat
    corp.group_history.created(now, chat.chat_id, first.owner, [first.owner])
    way.chat_id_list.append(chat.chat_id)
    way.rooms_created += 1
    return chat


def scan(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    ext = field_value(body, "external_userid", str)
    if ext is not None and not ids.is_external_userid(ext):
        raise ControlError(400, "field 'external_userid' must look like 'wm' or 'wo' + 6..62 id characters")
    profile = customer_profile(body)
    config_id = req.params["config_id"]
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        way = corp.join_ways.get(config_id)
        if way is None:
            raise ControlError(404, f"unknown join way '{config_id}' in corp '{corp.corp_id}'")
        listed = [corp.groups[c] for c in way.chat_id_list if c in corp.groups]
        if not listed:
            raise ControlError(409, f"join way '{config_id}' has no group left (all were dismissed)")
        customer = get_or_create_customer(corp, ext, profile)
        ext = customer.external_userid
        already = next((c.chat_id for c in listed if ext in c.members), None)
        if already is not None:
            raise ControlError(409, f"customer '{ext}' is already a member of group '{already}'")
        now = opts.time(app)
        evts = []
        chat = next((c for c in listed if len(c.members) < corp.group_member_limit), None)
        created = None
        if chat is None:
            if not way.auto_create_room:
                raise ControlError(
                    409, f"every group of join way '{config_id}' is full and auto_create_room is 0"
                )
            chat = _new_room(corp, way, listed[0], now)
            created = chat.chat_id
            evts.append(events.external_chat(corp.corp_id, now, "create", chat.chat_id))
        chat.members[ext] = GroupMember(ext, 2, now, 3, state=way.state)
        corp.group_history.record(now, "join", chat.chat_id, ext)
        last, cur = corp.bump_member_version(chat)
        evts.append(
            events.external_chat(
                corp.corp_id,
                now,
                "update",
                chat.chat_id,
                update_detail="add_member",
                join_scene=3,
                members=[ext],
                last_mem_ver=last,
                cur_mem_ver=cur,
            )
        )
        result = {
            "chat_id": chat.chat_id,
            "external_userid": ext,
            "state": way.state,
            "created_chat_id": created,
            "member_version": cur,
        }
    return {**result, **emit(app, corp, evts, opts)}
