"""A group live code (群活码): one WeCom join way over up to 5 groups, moving on before a group fills up.

WeCom's own join way only moves to the next group when one is full (200 members). We drop a group from
the way as soon as it reaches ``threshold`` members, so the last seats are left for people the owner
invites and a scan never lands on a group that fills up a moment later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from scrm.kernel.field_error import FieldError
from scrm.live_codes.channel_spec import new_state
from scrm.welcome.message import Welcome, parse_welcome

MAX_CHATS = 5  # WeCom: chat_id_list holds 1..5 groups
GROUP_LIMIT = 200  # members of an ordinary customer group
DEFAULT_THRESHOLD = 190
ROOM_BASE_MAX = 40
NAME_MAX = 50


@dataclass(frozen=True)
class GroupCodeSpec:
    name: str
    state: str
    chat_ids: tuple[str, ...]
    threshold: int = DEFAULT_THRESHOLD
    auto_create_room: bool = True
    room_base_name: str = ""
    room_base_id: int = 1
    welcome: Welcome | None = None

    def open_chats(self, members: Mapping[str, int]) -> list[str]:
        """The groups a scan may still join, in the admin's order; when all have reached the threshold
        the whole list stays (WeCom then fills them to 200 and, with auto_create_room, opens new ones)."""
        open_ = [c for c in self.chat_ids if members.get(c, 0) < self.threshold]
        return open_ or list(self.chat_ids)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "chat_ids": list(self.chat_ids),
            "threshold": self.threshold,
            "auto_create_room": self.auto_create_room,
            "room_base_name": self.room_base_name,
            "room_base_id": self.room_base_id,
            "welcome": self.welcome.as_dict() if self.welcome else None,
        }


def parse_group_spec(body: Mapping[str, Any], existing: GroupCodeSpec | None = None) -> GroupCodeSpec:
    """A create (``existing`` None: name and groups required) or an update (only the given fields change),
    from typed values: the admin API's model (functions/admin/schemas/codes.py) checked each field's
    shape; here are the rules: the state is fixed, 1..5 distinct groups, one attachment in the welcome."""
    if existing is not None and "state" in body and body["state"] != existing.state:
        raise FieldError("state", "cannot change after creation (create a new code)")
    changes: dict[str, Any] = {}
    if existing is None or "name" in body:
        if not (body.get("name") or "").strip():
            raise FieldError("name", f"required: 1..{NAME_MAX} characters")
        changes["name"] = body["name"]
    if existing is None:
        changes["state"] = body.get("state") or "g" + new_state()[1:]
    if existing is None or "chat_ids" in body:
        if body.get("chat_ids") is None:
            raise FieldError("chat_ids", "required: a list of group chat ids")
        chats = list(dict.fromkeys(body["chat_ids"]))
        if not 1 <= len(chats) <= MAX_CHATS:
            raise FieldError("chat_ids", f"1..{MAX_CHATS} groups (WeCom's limit), got {len(chats)}")
        changes["chat_ids"] = tuple(chats)
    for name in ("threshold", "auto_create_room", "room_base_name", "room_base_id"):
        if body.get(name) is not None:
            changes[name] = body[name]
    if "welcome" in body:
        welcome = parse_welcome(body["welcome"])
        if welcome is not None and len(welcome.attachments) > 1:
            raise FieldError("welcome.attachments", "a group welcome takes at most 1 attachment (WeCom's template)")
        changes["welcome"] = welcome
    base = existing or GroupCodeSpec(name="", state="", chat_ids=())
    spec = replace(base, **changes)
    if spec.auto_create_room and not spec.room_base_name:
        spec = replace(spec, room_base_name=spec.name[:ROOM_BASE_MAX])
    return spec


def group_spec_from_dict(d: Mapping[str, Any]) -> GroupCodeSpec:
    return GroupCodeSpec(
        name=d["name"],
        state=d["state"],
        chat_ids=tuple(d.get("chat_ids") or ()),
        threshold=int(d.get("threshold") or DEFAULT_THRESHOLD),
        auto_create_room=bool(d.get("auto_create_room", True)),
        room_base_name=d.get("room_base_name") or "",
        room_base_id=int(d.get("room_base_id") or 1),
        welcome=parse_welcome(d.get("welcome")),
    )


def join_way_body(spec: GroupCodeSpec, chats: list[str]) -> dict[str, Any]:
    """groupchat/add_join_way's (and update's: it replaces the whole config) fields."""
    body: dict[str, Any] = {
        "scene": 2,
        "remark": spec.name[:30],
        "auto_create_room": 1 if spec.auto_create_room else 0,
        "chat_id_list": chats,
        "state": spec.state,
    }
    if spec.auto_create_room:
        body["room_base_name"] = spec.room_base_name
        body["room_base_id"] = spec.room_base_id
    return body


def welcome_template_body(welcome: Welcome) -> dict[str, Any]:
    """group_welcome_template/add's fields: text plus at most one attachment, keyed by its kind."""
    body: dict[str, Any] = {}
    if welcome.text:
        body["text"] = {"content": welcome.text.replace("{name}", "%NICKNAME%")}
    for a in welcome.attachments[:1]:
        body[a["msgtype"]] = dict(a[a["msgtype"]])
    return body
