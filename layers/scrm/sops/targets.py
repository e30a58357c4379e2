"""Who a SOP is for: the rule an operator saves, and the test a customer or a group must pass at a moment.

The rule is checked when a step falls due, not when the SOP is saved: a customer who lost the "VIP" tag
since, or left the target department, gets nothing. Days since added are China calendar days (the day of
the add is day 0), the same count ``after_added_days`` uses, so "added within 30 days" and "day 7" agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from scrm.kernel.china_time import CHINA
from scrm.kernel.field_error import FieldError
from scrm.mass_sends.spec import RecipientFilter

MAX_TAGS = 100
MAX_STATES = 100
MAX_EMPLOYEES = 1000
MAX_DEPARTMENTS = 100
CUSTOMER_FIELDS = frozenset(
    {"tags_all", "tags_any", "tags_none", "states", "employees", "departments", "days_since_added"}
)
GROUP_FIELDS = frozenset({"owners", "name_contains", "tags_any"})


@dataclass(frozen=True)
class CustomerTargets:
    """Every non-empty condition must hold; empty means "any". Employees and departments are one
    condition (the relation's employee is listed, or belongs to a listed department)."""

    tags_all: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    tags_none: tuple[str, ...] = ()
    states: tuple[str, ...] = ()  # channel states (live codes) the relation came through
    employees: tuple[str, ...] = ()
    departments: tuple[int, ...] = ()
    days_min: int | None = None  # inclusive
    days_max: int | None = None  # inclusive

    def as_dict(self) -> dict[str, Any]:
        return {
            "tags_all": list(self.tags_all),
            "tags_any": list(self.tags_any),
            "tags_none": list(self.tags_none),
            "states": list(self.states),
            "employees": list(self.employees),
            "departments": list(self.departments),
            "days_since_added": {"min": self.days_min, "max": self.days_max},
        }


@dataclass(frozen=True)
class GroupTargets:
    """Groups owned by one of ``owners``, whose name contains ``name_contains`` (case-insensitive), that
    carry one of ``tags_any`` (group tags; a group whose tags we do not know matches no tag condition)."""

    owners: tuple[str, ...] = ()
    name_contains: str = ""
    tags_any: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"owners": list(self.owners), "name_contains": self.name_contains, "tags_any": list(self.tags_any)}


@dataclass(frozen=True)
class CustomerFacts:
    """What the matching needs to know of one relation (a customer as one employee holds them)."""

    external_userid: str
    userid: str
    added_at: datetime
    tag_ids: frozenset[str] = frozenset()
    state: str = ""
    departments: frozenset[int] = frozenset()
    status: str = "active"  # a relation that ended gets nothing

    @classmethod
    def from_relation(cls, r: Mapping[str, Any], departments: Iterable[int] = ()) -> CustomerFacts:
        """From a stored relation dict (the keys CustomerQuery.matches reads; add_time in unix seconds)."""
        return cls(
            external_userid=str(r.get("external_userid") or ""),
            userid=str(r.get("userid") or ""),
            added_at=datetime.fromtimestamp(int(r.get("add_time") or 0), UTC),
            tag_ids=frozenset(r.get("tag_ids") or ()),
            state=str(r.get("state") or ""),
            departments=frozenset(int(d) for d in departments),
            status=str(r.get("status") or "active"),
        )


@dataclass(frozen=True)
class GroupFacts:
    chat_id: str
    owner: str
    name: str = ""
    created_at: datetime | None = None
    tag_ids: frozenset[str] = frozenset()
    status: str = "active"  # a dismissed group gets nothing


def days_since(added_at: datetime, at: datetime) -> int:
    """China calendar days from the add to ``at``: 0 on the day of the add, 1 from the next midnight."""
    return (at.astimezone(CHINA).date() - added_at.astimezone(CHINA).date()).days


def customer_matches(targets: CustomerTargets, c: CustomerFacts, at: datetime) -> bool:
    if c.status != "active":
        return False
    if targets.tags_all and not c.tag_ids.issuperset(targets.tags_all):
        return False
    if targets.tags_any and not c.tag_ids.intersection(targets.tags_any):
        return False
    if targets.tags_none and c.tag_ids.intersection(targets.tags_none):
        return False
    if targets.states and c.state not in targets.states:
        return False
    if (targets.employees or targets.departments) and not (
        c.userid in targets.employees or c.departments.intersection(targets.departments)
    ):
        return False
    days = days_since(c.added_at, at)
    if targets.days_min is not None and days < targets.days_min:
        return False
    return targets.days_max is None or days <= targets.days_max


def as_recipient_filter(targets: CustomerTargets, at: datetime, members: Iterable[str] = ()) -> RecipientFilter:
    """The same test as ``customer_matches`` at moment ``at``, as a filter the customer search can run page
    by page: days since added become an add-time range (China days), and employees or departments become
    ``members`` (the caller expands departments to their members; pass the union)."""
    day = at.astimezone(CHINA).date()
    added_from = added_to = None
    if targets.days_max is not None:
        added_from = int(datetime.combine(day - timedelta(days=targets.days_max), time(), CHINA).timestamp())
    if targets.days_min is not None:
        added_to = int(datetime.combine(day - timedelta(days=targets.days_min - 1), time(), CHINA).timestamp()) - 1
    return RecipientFilter(tags_all=targets.tags_all, tags_any=targets.tags_any, tags_none=targets.tags_none,
                           employees=tuple(sorted(set(members))), states=targets.states, added_from=added_from,
                           added_to=added_to)  # fmt: skip


def group_matches(targets: GroupTargets, g: GroupFacts) -> bool:
    if g.status != "active":
        return False
    if targets.owners and g.owner not in targets.owners:
        return False
    if targets.name_contains and targets.name_contains.casefold() not in g.name.casefold():
        return False
    return not (targets.tags_any and not g.tag_ids.intersection(targets.tags_any))


# from typed values --------------------------------------------------------------------------------
# The admin API's model (functions/admin/schemas/sops.py) checks each condition's shape; here are the rules
# between them, which conditions each kind of SOP has, and the limits on distinct ids.
def parse_customer_targets(value: Mapping[str, Any] | None, path: str = "targets") -> CustomerTargets:
    raw = _object(value, path, CUSTOMER_FIELDS)
    tags_all = _ids(raw.get("tags_all"), f"{path}.tags_all", MAX_TAGS, "tag ids")
    tags_any = _ids(raw.get("tags_any"), f"{path}.tags_any", MAX_TAGS, "tag ids")
    tags_none = _ids(raw.get("tags_none"), f"{path}.tags_none", MAX_TAGS, "tag ids")
    clash = set(tags_none) & (set(tags_all) | set(tags_any))
    if clash:
        raise FieldError(f"{path}.tags_none", f"names a tag that is also required: {sorted(clash)[0]}")
    days = raw.get("days_since_added") or {}
    low, high = days.get("min"), days.get("max")
    if low is not None and high is not None and low > high:
        raise FieldError(f"{path}.days_since_added.min", "is greater than max")
    return CustomerTargets(
        tags_all=tags_all,
        tags_any=tags_any,
        tags_none=tags_none,
        states=_ids(raw.get("states"), f"{path}.states", MAX_STATES, "channel states"),
        employees=_ids(raw.get("employees"), f"{path}.employees", MAX_EMPLOYEES, "userids"),
        departments=_ids(raw.get("departments"), f"{path}.departments", MAX_DEPARTMENTS, "departments"),
        days_min=low,
        days_max=high,
    )


def parse_group_targets(value: Mapping[str, Any] | None, path: str = "targets") -> GroupTargets:
    raw = _object(value, path, GROUP_FIELDS)
    return GroupTargets(
        owners=_ids(raw.get("owners"), f"{path}.owners", MAX_EMPLOYEES, "userids"),
        name_contains=(raw.get("name_contains") or "").strip(),
        # Group labels are the SCRM's own (set through /admin/groups/{chat_id}/tags), stored trimmed.
        tags_any=tuple(dict.fromkeys(t.strip() for t in _ids(raw.get("tags_any"), f"{path}.tags_any", MAX_TAGS,
                                                              "group labels") if t.strip())),
    )


def _object(value: Mapping[str, Any] | None, path: str, fields: frozenset[str]) -> Mapping[str, Any]:
    """The conditions given (``None``: none); one of the other kind's is refused by name."""
    given = {k: v for k, v in (value or {}).items() if v is not None}
    unknown = set(given) - fields
    if unknown:
        raise FieldError(f"{path}.{sorted(unknown)[0]}", "unknown field")
    return given


def _ids(value: Sequence[Any] | None, path: str, limit: int, what: str) -> tuple[Any, ...]:
    ids = tuple(dict.fromkeys(value or ()))
    if len(ids) > limit:
        raise FieldError(path, f"at most {limit} {what}, got {len(ids)}")
    return ids
