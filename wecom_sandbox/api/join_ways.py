"""「加入群聊」 group join ways (92229): groupchat/add_join_way, get_join_way, update_join_way, del_join_way.

A join way is a group QR code (scene 2, with a qr_code URL) or mini-program button (scene 1) over
1..5 customer groups: a scan joins the first group that is not full.  With auto_create_room 1
(the default) WeCom opens a new group named room_base_name + number when all are full and adds
it to chat_id_list.  update_join_way replaces the whole config, as WeCom's does.

Errors: more than 5 chats 41091 (WeCom's "最多只能关联5个群"); none 40058; an unknown or
dismissed chat 40050; scene not 1/2, auto_create_room not 0/1, state over 30 characters,
room_base_name over 40: 40058 naming the field; missing/unknown config_id 41043/41044 (the
contact-way codes: WeCom counts join ways against the same quota).  A remark over 30 characters
is truncated, as 92229 documents, not refused.
"""

from __future__ import annotations

from typing import Any

from .. import ids
from ..ways import JoinWay
from ..world import Corp
from . import contact_ways
from .errors import ApiError
from .fields import configured, opt_int, opt_list, opt_str
from .registry import ApiContext, route

MAX_CHATS = 5
REMARK_MAX_CHARS = 30
STATE_MAX_CHARS = 30
ROOM_BASE_NAME_MAX_CHARS = 40


def _config(corp: Corp, body: dict[str, Any]) -> dict[str, Any]:
    """Every JoinWay field from body (defaults for the absent ones): add and update both replace."""
    scene = body.get("scene")
    if isinstance(scene, bool) or scene not in (1, 2):
        raise ApiError(40058, "scene must be 1 or 2")
    auto_create_room = opt_int(body, "auto_create_room")
    if auto_create_room not in (None, 0, 1):
        raise ApiError(40058, "auto_create_room must be 0 or 1")
    chat_ids = opt_list(body, "chat_id_list", str) or []
    if not chat_ids:
        raise ApiError(40058, "chat_id_list must hold 1..5 chat ids")
    if len(chat_ids) > MAX_CHATS:
        raise ApiError(41091, f"chat_id_list holds {len(chat_ids)} chats, at most {MAX_CHATS}")
    for chat_id in chat_ids:
        if chat_id not in corp.groups:  # dismissed groups are removed from the world
            raise ApiError(40050, f"chat_id {chat_id}")
    remark = opt_str(body, "remark") or ""
    return {
        "scene": int(scene),
        "remark": remark[:REMARK_MAX_CHARS],
        "auto_create_room": 1 if auto_create_room is None else auto_create_room,
        "room_base_name": opt_str(body, "room_base_name", ROOM_BASE_NAME_MAX_CHARS) or "",
        "room_base_id": opt_int(body, "room_base_id", 0) or 0,
        "chat_id_list": list(dict.fromkeys(chat_ids)),
        "state": opt_str(body, "state", STATE_MAX_CHARS) or "",
    }


@route("POST", "externalcontact/groupchat/add_join_way")
def add_join_way(ctx: ApiContext) -> dict[str, Any]:
    corp = ctx.corp
    config = _config(corp, ctx.body)
    if contact_ways.api_ways(corp) >= contact_ways.MAX_WAYS:
        raise ApiError(
            41045, f"a corp can create at most {contact_ways.MAX_WAYS} contact and join ways through the API"
        )
    config_id = ids.config_id(corp.rng)
    way = JoinWay(config_id=config_id, create_time=ctx.app.world.now_int(), seq=corp.next_seq(), **config)
    if way.scene == 2:
        way.qr_code = ids.qr_code(corp.rng)
    corp.join_ways[config_id] = way
    return {"config_id": config_id}


@route("POST", "externalcontact/groupchat/get_join_way")
def get_join_way(ctx: ApiContext) -> dict[str, Any]:
    return {"join_way": configured(ctx.corp.join_ways, ctx.body).to_api()}


@route("POST", "externalcontact/groupchat/update_join_way")
def update_join_way(ctx: ApiContext) -> dict[str, Any]:
    way = configured(ctx.corp.join_ways, ctx.body)
    config = _config(ctx.corp, ctx.body)
    for name, value in config.items():
        setattr(way, name, value)
    if way.scene == 2 and not way.qr_code:
        way.qr_code = ids.qr_code(ctx.corp.rng)
    elif way.scene == 1:
        way.qr_code = ""
    return {}


@route("POST", "externalcontact/groupchat/del_join_way")
def del_join_way(ctx: ApiContext) -> dict[str, Any]:
    way = configured(ctx.corp.join_ways, ctx.body)
    del ctx.corp.join_ways[way.config_id]
    return {}
