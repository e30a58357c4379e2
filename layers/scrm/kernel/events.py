"""Typed WeCom callback events.

wechatpy 1.8.18 parses every customer-contact event to ``UnknownMessage``, so we type them ourselves from
the decrypted XML fields (facts §2). Classes are built from a flat dict of field name to text (lists for
``MemChangeList``), which is also what travels on the queue, so the consumer re-types exactly what the
callback route saw.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any, ClassVar, Self

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


Reader = Callable[[Fields, str], Any]
_EMPTY: dict[Reader, Any] = {_text: "", _int: 0, _opt_int: None, _items: ()}


def _tag(name: str, read: Reader = _text, *, required: bool = False, **kw: Any) -> Any:
    """A field read from the payload's element ``name`` by ``read``; an absent element gives the reader's empty value."""
    return field(default=MISSING if required else _EMPTY[read], metadata={"tag": name, "read": read}, **kw)


@dataclass(frozen=True)
class WeComEvent:
    """Fields common to every event; ``fields`` keeps the whole decrypted payload for the timeline.

    Each typed field names its payload element (``_tag``): ``from_fields`` reads them all, for every class."""

    corp_id: str = _tag("ToUserName", required=True)
    event: str = _tag("Event", required=True)
    change_type: str = _tag("ChangeType", required=True)
    create_time: int = _tag("CreateTime", _int, required=True)
    fields: Mapping[str, Any] = field(repr=False, compare=False)

    kind: ClassVar[str] = "unknown"

    @classmethod
    def from_fields(cls, fields: Fields) -> Self:
        typed = {
            f.name: f.metadata["read"](fields, f.metadata["tag"]) for f in dataclass_fields(cls) if f.metadata
        }
        return cls(**typed, fields=dict(fields))


@dataclass(frozen=True)
class ExternalContactEvent(WeComEvent):
    """change_external_contact: a customer and an employee (UserID) became, changed or stopped being friends."""

    user_id: str = _tag("UserID")
    external_user_id: str = _tag("ExternalUserID")
    state: str = _tag("State")
    welcome_code: str = _tag("WelcomeCode", repr=False)
    source: str = _tag("Source")
    fail_reason: str = _tag("FailReason")

    kind: ClassVar[str] = "external_contact"

    @property
    def needs_welcome(self) -> bool:
        """An arrival WeCom gave a welcome code for: it must be answered within 20 s, on the fast path."""
        return bool(self.welcome_code) and self.change_type in ("add_external_contact", "add_half_external_contact")


@dataclass(frozen=True)
class ExternalChatEvent(WeComEvent):
    """change_external_chat: a customer group was created, changed (members, owner, name, notice) or dismissed."""

    chat_id: str = _tag("ChatId")
    update_detail: str = _tag("UpdateDetail")
    join_scene: int | None = _tag("JoinScene", _opt_int)
    quit_scene: int | None = _tag("QuitScene", _opt_int)
    mem_change_cnt: int = _tag("MemChangeCnt", _int)
    mem_change_list: tuple[str, ...] = _tag("MemChangeList", _items)
    last_mem_ver: str = _tag("LastMemVer")
    cur_mem_ver: str = _tag("CurMemVer")

    kind: ClassVar[str] = "external_chat"


@dataclass(frozen=True)
class ExternalTagEvent(WeComEvent):
    """change_external_tag: the corp tag library changed (a tag or a tag group; shuffle reorders)."""

    tag_id: str = _tag("Id")
    tag_type: str = _tag("TagType")  # "tag" or "tag_group"; empty for shuffle
    strategy_id: str = _tag("StrategyId")

    kind: ClassVar[str] = "external_tag"


@dataclass(frozen=True)
class ContactEvent(WeComEvent):
    """change_contact: an employee was created, updated (maybe renamed via NewUserID) or deleted."""

    user_id: str = _tag("UserID")
    new_user_id: str = _tag("NewUserID")

    kind: ClassVar[str] = "contact"


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
