"""Typed WeCom callback events.

wechatpy 1.8.18 parses every customer-contact event to ``UnknownMessage``, so we type them ourselves from
the decrypted XML fields (facts §2). Classes are built from a flat dict of field name to text (lists for
``MemChangeList``), which is also what travels on the queue, so the consumer re-types exactly what the
callback route saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

Fields = Mapping[str, Any]


def _text(fields: Fields, name: str) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _int(fields: Fields, name: str) -> int:
    text = _text(fields, name).strip()
    try:
        return int(text)
    except ValueError:
        return 0


def _opt_int(fields: Fields, name: str) -> int | None:
    try:
        return int(_text(fields, name).strip())
    except ValueError:
        return None


def _items(fields: Fields, name: str) -> tuple[str, ...]:
    """A list field (``MemChangeList``); xmltodict gives a str for one ``<Item>``, a list for many."""
    value = fields.get(name)
    if value is None or value == "":
        return ()
    if isinstance(value, Mapping):  # {"Item": "a"} or {"Item": ["a", "b"]}
        value = value.get("Item", ())
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value if v is not None)


@dataclass(frozen=True)
class WeComEvent:
    """Fields common to every event; ``fields`` keeps the whole decrypted payload for the timeline."""

    corp_id: str
    event: str
    change_type: str
    create_time: int
    fields: Mapping[str, Any] = field(repr=False, compare=False)

    kind: ClassVar[str] = "unknown"

    @classmethod
    def _common(cls, fields: Fields) -> dict[str, Any]:
        return {
            "corp_id": _text(fields, "ToUserName"),
            "event": _text(fields, "Event"),
            "change_type": _text(fields, "ChangeType"),
            "create_time": _int(fields, "CreateTime"),
            "fields": dict(fields),
        }

    @classmethod
    def from_fields(cls, fields: Fields) -> WeComEvent:
        return cls(**cls._common(fields))


@dataclass(frozen=True)
class ExternalContactEvent(WeComEvent):
    """change_external_contact: a customer and an employee (UserID) became, changed or stopped being friends."""

    user_id: str = ""
    external_user_id: str = ""
    state: str = ""
    welcome_code: str = field(default="", repr=False)
    source: str = ""
    fail_reason: str = ""

    kind: ClassVar[str] = "external_contact"

    @property
    def needs_welcome(self) -> bool:
        """An arrival WeCom gave a welcome code for: it must be answered within 20 s, on the fast path."""
        return bool(self.welcome_code) and self.change_type in ("add_external_contact", "add_half_external_contact")

    @classmethod
    def from_fields(cls, fields: Fields) -> ExternalContactEvent:
        return cls(
            **cls._common(fields),
            user_id=_text(fields, "UserID"),
            external_user_id=_text(fields, "ExternalUserID"),
            state=_text(fields, "State"),
            welcome_code=_text(fields, "WelcomeCode"),
            source=_text(fields, "Source"),
            fail_reason=_text(fields, "FailReason"),
        )


@dataclass(frozen=True)
class ExternalChatEvent(WeComEvent):
    """change_external_chat: a customer group was created, changed (members, owner, name, notice) or dismissed."""

    chat_id: str = ""
    update_detail: str = ""
    join_scene: int | None = None
    quit_scene: int | None = None
    mem_change_cnt: int = 0
    mem_change_list: tuple[str, ...] = ()
    last_mem_ver: str = ""
    cur_mem_ver: str = ""

    kind: ClassVar[str] = "external_chat"

    @classmethod
    def from_fields(cls, fields: Fields) -> ExternalChatEvent:
        return cls(
            **cls._common(fields),
            chat_id=_text(fields, "ChatId"),
            update_detail=_text(fields, "UpdateDetail"),
            join_scene=_opt_int(fields, "JoinScene"),
            quit_scene=_opt_int(fields, "QuitScene"),
            mem_change_cnt=_int(fields, "MemChangeCnt"),
            mem_change_list=_items(fields, "MemChangeList"),
            last_mem_ver=_text(fields, "LastMemVer"),
            cur_mem_ver=_text(fields, "CurMemVer"),
        )


@dataclass(frozen=True)
class ExternalTagEvent(WeComEvent):
    """change_external_tag: the corp tag library changed (a tag or a tag group; shuffle reorders)."""

    tag_id: str = ""
    tag_type: str = ""  # "tag" or "tag_group"; empty for shuffle
    strategy_id: str = ""

    kind: ClassVar[str] = "external_tag"

    @classmethod
    def from_fields(cls, fields: Fields) -> ExternalTagEvent:
        return cls(
            **cls._common(fields),
            tag_id=_text(fields, "Id"),
            tag_type=_text(fields, "TagType"),
            strategy_id=_text(fields, "StrategyId"),
        )


@dataclass(frozen=True)
class ContactEvent(WeComEvent):
    """change_contact: an employee was created, updated (maybe renamed via NewUserID) or deleted."""

    user_id: str = ""
    new_user_id: str = ""

    kind: ClassVar[str] = "contact"

    @classmethod
    def from_fields(cls, fields: Fields) -> ContactEvent:
        return cls(
            **cls._common(fields),
            user_id=_text(fields, "UserID"),
            new_user_id=_text(fields, "NewUserID"),
        )


EXTERNAL_CONTACT_CHANGES = frozenset(
    {
        "add_external_contact",
        "add_half_external_contact",
        "edit_external_contact",
        "del_external_contact",
        "del_follow_user",
        "transfer_fail",
    }
)
EXTERNAL_CHAT_CHANGES = frozenset({"create", "update", "dismiss"})
EXTERNAL_TAG_CHANGES = frozenset({"create", "update", "delete", "shuffle"})
CONTACT_CHANGES = frozenset({"create_user", "update_user", "delete_user"})

_TYPES: dict[str, tuple[type[WeComEvent], frozenset[str]]] = {
    "change_external_contact": (ExternalContactEvent, EXTERNAL_CONTACT_CHANGES),
    "change_external_chat": (ExternalChatEvent, EXTERNAL_CHAT_CHANGES),
    "change_external_tag": (ExternalTagEvent, EXTERNAL_TAG_CHANGES),
    "change_contact": (ContactEvent, CONTACT_CHANGES),
}


def is_known(fields: Fields) -> bool:
    """A typed (Event, ChangeType) pair; anything else is kept raw."""
    known = _TYPES.get(_text(fields, "Event"))
    return bool(known) and _text(fields, "ChangeType") in known[1]


def parse_event(fields: Fields) -> WeComEvent:
    """Type an event; anything we do not know (other events, new change types) stays a plain WeComEvent."""
    if is_known(fields):
        return _TYPES[_text(fields, "Event")][0].from_fields(fields)
    return WeComEvent.from_fields(fields)
