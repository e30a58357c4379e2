"""A mass send's spec (企业群发, to customers or to customer groups): what to send and to whom, as the
admin's body or a planner's stored spec says (planning and the aggregates: model.py).

Pure: no I/O. WeCom's ``add_msg_template`` sends one text to every recipient of a task, so an admin's mass
send has one content for all (no ``{name}``; only a planner's customer step may name its one customer per
task). Recipients are a filter over our store's relations (the search's conditions), an explicit list of
external_userids, groups by owner and name, an explicit list of chat_ids, or a planner's (a SOP step's).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from scrm.customers.query import CustomerQuery
from scrm.kernel.field_error import FieldError
from scrm.welcome.message import NAME_PLACEHOLDER, Welcome, parse_welcome

NAME_MAX = 50
MAX_LIST = 100_000  # an explicit list of recipients
MAX_TAGS = 20  # as the search's tag filters
MAX_EMPLOYEES = 1000
MAX_STATES = 100
PER_TASK = 10_000  # add_msg_template's external_userid limit (wecom.MAX_CUSTOMERS_PER_TASK)
PER_GROUP_TASK = 2_000  # add_msg_template's chat_id_list limit
MAX_CHATS = 20_000  # an explicit list of groups
SINGLE, GROUP = "single", "group"  # add_msg_template's chat_type: to customers, to customer groups
NAME_CONTAINS_MAX = 50



@dataclass(frozen=True)
class RecipientFilter:
    """The search's conditions, on active relations. Lists are OR within (any employee, any state)."""

    tags_all: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    tags_none: tuple[str, ...] = ()
    employees: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    added_from: int | None = None
    added_to: int | None = None

    @cached_property
    def _search(self) -> CustomerQuery:
        """The conditions the customer search shares (tags, add time, active): tested by its own code."""
        return CustomerQuery(tags_all=self.tags_all, tags_any=self.tags_any, tags_none=self.tags_none,
                             added_from=self.added_from, added_to=self.added_to, status="active")  # fmt: skip

    def matches(self, r: Mapping[str, Any]) -> bool:
        """Every condition against a relation row (tag_ids, userid, add_time, state, status)."""
        if self.employees and r.get("userid") not in self.employees:
            return False
        if self.states and r.get("state") not in self.states:
            return False
        return self._search.matches(r)

    def queries(self) -> list[dict[str, Any]]:
        """The search queries (CustomerQuery fields) whose union holds every match: one tag-driven query,
        else one per employee, else one per state, else the corp. Each row is still checked by ``matches``."""
        base: dict[str, Any] = {"tags_all": self.tags_all, "tags_any": self.tags_any, "tags_none": self.tags_none,
                                "added_from": self.added_from, "added_to": self.added_to, "status": "active"}  # fmt: skip
        if self.tags_all or self.tags_any:
            return [base]
        if self.employees:
            return [{**base, "employee": e} for e in self.employees]
        if self.states:
            return [{**base, "state": s} for s in self.states]
        return [base]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: list(getattr(self, k)) for k in ("tags_all", "tags_any", "tags_none", "employees", "states")
                               if getattr(self, k)}  # fmt: skip
        for k in ("added_from", "added_to"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        return out


@dataclass(frozen=True)
class GroupFilter:
    """Customer groups by owner (any of) and name (contains, case-insensitive); empty means every group."""

    owners: tuple[str, ...] = ()
    name_contains: str = ""

    def matches(self, g: Mapping[str, Any]) -> bool:
        if (g.get("status") or "active") != "active":
            return False
        if self.owners and g.get("owner") not in self.owners:
            return False
        return not (
            self.name_contains and self.name_contains.casefold() not in str(g.get("name") or "").casefold()
        )

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"owners": list(self.owners)} if self.owners else {}
        return {**out, "name_contains": self.name_contains} if self.name_contains else out


@dataclass(frozen=True)
class MassSendSpec:
    """``planned``: the recipients were chosen by a planner (a SOP step due), which stores them with the
    send before it is planned; ``source`` says which (sop, step, minute). Only planners build these."""

    name: str
    content: Welcome
    filter: RecipientFilter | None = None
    external_userids: tuple[str, ...] = ()
    groups: GroupFilter | None = None
    chat_ids: tuple[str, ...] = ()
    planned: bool = False
    chat_type: str = SINGLE
    source: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        recipients: dict[str, Any]
        if self.planned:
            recipients = {"planned": dict(self.source)}
        elif self.filter is not None:
            recipients = {"filter": self.filter.as_dict()}
        elif self.groups is not None:
            recipients = {"groups": self.groups.as_dict()}
        elif self.chat_ids:
            recipients = {"chat_ids": list(self.chat_ids)}
        else:
            recipients = {"external_userids": list(self.external_userids)}
        out = {"name": self.name, **self.content.as_dict(), "recipients": recipients}
        return {**out, "chat_type": GROUP} if self.planned and self.chat_type == GROUP else out

    @property
    def per_task(self) -> int:
        return PER_GROUP_TASK if self.chat_type == GROUP else PER_TASK

    @property
    def listed(self) -> tuple[str, ...]:
        """The ids an explicit list named (customers or groups); empty for a filter or a plan."""
        return self.chat_ids or self.external_userids

    def payload(self, customer_name: str = "") -> dict[str, Any]:
        """add_msg_template's text/attachments; a planned customer step may name its one customer."""
        return self.content.payload(customer_name)

    def fingerprint(self) -> str:
        """Same body, same fingerprint: a repeated create while the first is open returns it."""
        raw = json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


RECIPIENT_KINDS = ("filter", "external_userids", "groups", "chat_ids")


def parse_mass_send(raw: Any, planned_ok: bool = False) -> MassSendSpec:
    """An admin's send (``planned_ok`` False: a planner's stored spec is refused from outside)."""
    if not isinstance(raw, dict):
        raise FieldError("body", "must be an object")
    unknown = set(raw) - {
        "name",
        "text",
        "attachments",
        "recipients",
        "request_id",
        *(("chat_type",) if planned_ok else ()),
    }
    if unknown:
        raise FieldError(sorted(unknown)[0], "unknown field")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
        raise FieldError("name", f"required: a string of 1..{NAME_MAX} characters")
    content = parse_welcome({k: raw[k] for k in ("text", "attachments") if k in raw}, "content")
    assert content is not None
    rec = raw.get("recipients")
    kinds = (*RECIPIENT_KINDS, "planned") if planned_ok else RECIPIENT_KINDS
    if not isinstance(rec, dict) or len(rec) != 1 or next(iter(rec)) not in kinds:
        raise FieldError("recipients", f"needs exactly one of {', '.join(RECIPIENT_KINDS)}")
    kind = next(iter(rec))
    chat_type = GROUP if kind in ("groups", "chat_ids") or raw.get("chat_type") == GROUP else SINGLE
    if NAME_PLACEHOLDER in content.text and not (kind == "planned" and chat_type == SINGLE):
        raise FieldError(
            "text", f"a mass send is one text for every recipient: {NAME_PLACEHOLDER} is not filled in"
        )
    name = name.strip()
    if kind == "planned":
        source = rec["planned"] if isinstance(rec["planned"], dict) else {}
        pairs = tuple(sorted((str(k), str(v)) for k, v in source.items()))
        return MassSendSpec(name, content, planned=True, chat_type=chat_type, source=pairs)
    if kind == "filter":
        return MassSendSpec(name, content, filter=_filter(rec["filter"]))
    if kind == "groups":
        return MassSendSpec(name, content, groups=_group_filter(rec["groups"]), chat_type=GROUP)
    if kind == "chat_ids":
        ids = _id_list(rec["chat_ids"], "recipients.chat_ids", MAX_CHATS, "chat_ids")
        return MassSendSpec(name, content, chat_ids=ids, chat_type=GROUP)
    return MassSendSpec(name, content, external_userids=_id_list(rec["external_userids"]))


def _group_filter(value: Any) -> GroupFilter:
    path = "recipients.groups"
    if not isinstance(value, dict):
        raise FieldError(path, "must be an object")
    unknown = set(value) - {"owners", "name_contains"}
    if unknown:
        raise FieldError(f"{path}.{sorted(unknown)[0]}", "unknown field")
    owners = value.get("owners", [])
    if not isinstance(owners, list) or not all(isinstance(o, str) and o.strip() for o in owners):
        raise FieldError(f"{path}.owners", "must be a list of userids")
    if len(owners) > MAX_EMPLOYEES:
        raise FieldError(f"{path}.owners", f"at most {MAX_EMPLOYEES}")
    name = value.get("name_contains", "")
    if not isinstance(name, str) or len(name) > NAME_CONTAINS_MAX:
        raise FieldError(
            f"{path}.name_contains", f"must be a string of at most {NAME_CONTAINS_MAX} characters"
        )
    return GroupFilter(tuple(dict.fromkeys(o.strip() for o in owners)), name.strip())


def _id_list(
    value: Any,
    path: str = "recipients.external_userids",
    most: int = MAX_LIST,
    what: str = "external_userids",
) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise FieldError(path, f"must be a non-empty list of {what}")
    if len(value) > most:
        raise FieldError(path, f"at most {most} {what}, got {len(value)}")
    for i, v in enumerate(value):
        if not isinstance(v, str) or not v.strip():
            raise FieldError(f"{path}[{i}]", f"must be one of the {what}")
    return tuple(dict.fromkeys(v.strip() for v in value))


def _filter(value: Any) -> RecipientFilter:
    path = "recipients.filter"
    if not isinstance(value, dict):
        raise FieldError(path, "must be an object")
    known = {"tags_all", "tags_any", "tags_none", "employees", "states", "added_from", "added_to"}
    unknown = set(value) - known
    if unknown:
        raise FieldError(f"{path}.{sorted(unknown)[0]}", "unknown field")

    def strings(name: str, most: int) -> tuple[str, ...]:
        v = value.get(name, [])
        if not isinstance(v, list) or not all(isinstance(s, str) and s.strip() for s in v):
            raise FieldError(f"{path}.{name}", "must be a list of ids")
        if len(v) > most:
            raise FieldError(f"{path}.{name}", f"at most {most}")
        return tuple(dict.fromkeys(s.strip() for s in v))

    def seconds(name: str) -> int | None:
        v = value.get(name)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise FieldError(f"{path}.{name}", "must be unix seconds (a non-negative integer)")
        return v

    f = RecipientFilter(
        tags_all=strings("tags_all", MAX_TAGS), tags_any=strings("tags_any", MAX_TAGS),
        tags_none=strings("tags_none", MAX_TAGS), employees=strings("employees", MAX_EMPLOYEES),
        states=strings("states", MAX_STATES), added_from=seconds("added_from"), added_to=seconds("added_to"),
    )  # fmt: skip
    if f.added_from is not None and f.added_to is not None and f.added_from > f.added_to:
        raise FieldError(f"{path}.added_from", "is after added_to")
    if set(f.tags_none) & (set(f.tags_all) | set(f.tags_any)):
        raise FieldError(f"{path}.tags_none", "names a tag that is also required")
    return f
