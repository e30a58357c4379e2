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
from collections.abc import Mapping, Sequence
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


def _once(ids: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i.strip() for i in ids))


def recipient_filter(
    tags_all: Sequence[str] = (), tags_any: Sequence[str] = (), tags_none: Sequence[str] = (),
    employees: Sequence[str] = (), states: Sequence[str] = (), added_from: int | None = None,
    added_to: int | None = None, path: str = "recipients.filter",
) -> RecipientFilter:
    """A filter from typed values (each id once): the rules between its fields, named under ``path``."""
    if added_from is not None and added_to is not None and added_from > added_to:
        raise FieldError(f"{path}.added_from", "is after added_to")
    if set(tags_none) & (set(tags_all) | set(tags_any)):
        raise FieldError(f"{path}.tags_none", "names a tag that is also required")
    return RecipientFilter(_once(tags_all), _once(tags_any), _once(tags_none), _once(employees), _once(states),
                           added_from, added_to)  # fmt: skip


def new_send(
    name: str, content: Welcome, *, filter: RecipientFilter | None = None,
    external_userids: Sequence[str] = (), groups: GroupFilter | None = None, chat_ids: Sequence[str] = (),
) -> MassSendSpec:
    """An admin's send from typed values (the admin API's model checked each field's shape and that the
    recipients are exactly one kind): one text for every recipient, a name that is not blank."""
    if not name.strip():
        raise FieldError("name", f"required: a string of 1..{NAME_MAX} characters")
    if NAME_PLACEHOLDER in content.text:
        raise FieldError("text", f"a mass send is one text for every recipient: {NAME_PLACEHOLDER} is not filled in")
    if groups is not None:
        groups = GroupFilter(_once(groups.owners), groups.name_contains.strip())
    chat_type = GROUP if groups is not None or chat_ids else SINGLE
    return MassSendSpec(name.strip(), content, filter, _once(external_userids), groups, _once(chat_ids),
                        chat_type=chat_type)  # fmt: skip


def spec_from_dict(stored: Mapping[str, Any]) -> MassSendSpec:
    """A spec as ``as_dict`` stored it (ours, checked when it was made): read back as it was written."""
    content = parse_welcome({k: stored[k] for k in ("text", "attachments") if k in stored}, "content")
    assert content is not None
    (kind, value), = stored["recipients"].items()
    name = stored["name"]
    if kind == "planned":
        chat_type = GROUP if stored.get("chat_type") == GROUP else SINGLE
        pairs = tuple(sorted((str(k), str(v)) for k, v in value.items()))
        return MassSendSpec(name, content, planned=True, chat_type=chat_type, source=pairs)
    if kind == "filter":
        ids = {k: tuple(v) for k, v in value.items() if k not in ("added_from", "added_to")}
        return MassSendSpec(name, content, filter=RecipientFilter(
            **ids, added_from=value.get("added_from"), added_to=value.get("added_to")))  # fmt: skip
    if kind == "groups":
        found = GroupFilter(tuple(value.get("owners", ())), value.get("name_contains", ""))
        return MassSendSpec(name, content, groups=found, chat_type=GROUP)
    if kind == "chat_ids":
        return MassSendSpec(name, content, chat_ids=tuple(value), chat_type=GROUP)
    return MassSendSpec(name, content, external_userids=tuple(value))
