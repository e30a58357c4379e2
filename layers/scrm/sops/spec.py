"""A SOP (timed message plan): who it is for, and steps that each say when and what.

A customer SOP steps relative to the day a customer was added ("day 3 at 10:00"), on a fixed date, or on
weekdays; a group SOP on a fixed date, on weekdays, or relative to the day the group was created. What a
step sends is the same message as a welcome (text + up to 9 attachments in WeCom's shape, same limits:
add_msg_template and send_welcome_msg take the same ``text``/``attachments``), validated by the same code.

Steps have ids, stable across edits, because the planner stores one due item per (customer, step): ids
not given are assigned ``s<n>`` avoiding every id in the SOP before the edit, so an added step never
takes over an existing step's due items. Times are China wall-clock (UTC+8, no DST).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from scrm.kernel.field_error import FieldError
from scrm.sops.targets import CustomerTargets, GroupTargets, parse_customer_targets, parse_group_targets
from scrm.welcome.message import NAME_PLACEHOLDER, Welcome, parse_welcome

CUSTOMER = "customer"
GROUP = "group"
STATUSES = ("active", "paused")
NAME_MAX = 50
MAX_STEPS = 20
MAX_AFTER_DAYS = 365
STEP_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,20}")
AT_RE = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
AFTER_ADDED = "after_added_days"
AFTER_CREATED = "after_created_days"
DATE = "date"
WEEKLY = "weekly"
# which trigger kinds each SOP kind accepts: a customer has an add time, a group a creation time
TRIGGERS = {CUSTOMER: (AFTER_ADDED, DATE, WEEKLY), GROUP: (AFTER_CREATED, DATE, WEEKLY)}
SOP_FIELDS = frozenset({"kind", "name", "status", "targets", "steps"})
CONTENT_FIELDS = ("text", "attachments")


@dataclass(frozen=True)
class Trigger:
    """When a step falls due. ``at`` is minutes after China midnight (0 .. 1439)."""

    kind: str  # after_added_days | after_created_days | date | weekly
    at: int
    days: int = 0  # relative kinds: days after the anchor's China day
    on: date | None = None  # date
    weekdays: tuple[int, ...] = ()  # weekly: 1 (Monday) .. 7 (Sunday)

    @property
    def relative(self) -> bool:
        """Due per customer (or group) from its own anchor, not at one moment for everyone."""
        return self.kind in (AFTER_ADDED, AFTER_CREATED)

    def as_dict(self) -> dict[str, Any]:
        value: Any
        if self.relative:
            value = self.days
        elif self.kind == DATE:
            value = self.on.isoformat() if self.on else ""
        else:
            value = list(self.weekdays)
        return {self.kind: value, "at": f"{self.at // 60:02d}:{self.at % 60:02d}"}


@dataclass(frozen=True)
class Step:
    step_id: str
    trigger: Trigger
    content: Welcome

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.step_id, **self.trigger.as_dict(), **self.content.as_dict()}


@dataclass(frozen=True)
class SopSpec:
    kind: str  # customer | group
    name: str
    targets: CustomerTargets | GroupTargets
    steps: tuple[Step, ...]
    status: str = "active"

    @property
    def active(self) -> bool:
        return self.status == "active"

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.step_id == step_id), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "status": self.status,
            "targets": self.targets.as_dict(),
            "steps": [s.as_dict() for s in self.steps],
        }


def parse_customer_sop(body: Mapping[str, Any], existing: SopSpec | None = None) -> SopSpec:
    return _parse(CUSTOMER, body, existing)


def parse_group_sop(body: Mapping[str, Any], existing: SopSpec | None = None) -> SopSpec:
    return _parse(GROUP, body, existing)


def sop_from_dict(d: Mapping[str, Any]) -> SopSpec:
    """The stored form (``as_dict``) back into a spec; checked again, which costs microseconds."""
    return _parse(GROUP if d.get("kind") == GROUP else CUSTOMER, d, None)


def _parse(kind: str, body: Mapping[str, Any], existing: SopSpec | None) -> SopSpec:
    """A create (``existing`` None: name and steps required) or an update (only the given fields change;
    ``{"status": "paused"}`` pauses). The kind cannot change: a customer plan is not a group plan."""
    if not isinstance(body, Mapping):
        raise FieldError("body", "must be an object")
    unknown = set(body) - SOP_FIELDS
    if unknown:
        raise FieldError(sorted(unknown)[0], "unknown field")
    if "kind" in body and body["kind"] != kind:
        raise FieldError("kind", f"must be {kind} here (a SOP's kind cannot change)")
    if existing is not None and existing.kind != kind:
        raise FieldError("kind", f"this SOP is a {existing.kind} SOP")
    base = existing or SopSpec(kind=kind, name="", targets=_targets(kind, None), steps=())
    changes: dict[str, Any] = {}
    if "name" in body or existing is None:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise FieldError("name", "required")
        if len(name) > NAME_MAX:
            raise FieldError("name", f"at most {NAME_MAX} characters")
        changes["name"] = name.strip()
    if "status" in body:
        if body["status"] not in STATUSES:
            raise FieldError("status", f"must be one of {', '.join(STATUSES)}")
        changes["status"] = body["status"]
    if "targets" in body:
        changes["targets"] = _targets(kind, body["targets"])
    if "steps" in body or existing is None:
        reserved = {s.step_id for s in existing.steps} if existing else set()
        changes["steps"] = _steps(kind, body.get("steps"), reserved)
    return replace(base, **changes)


def _targets(kind: str, value: Any) -> CustomerTargets | GroupTargets:
    return parse_customer_targets(value) if kind == CUSTOMER else parse_group_targets(value)


def _steps(kind: str, value: Any, reserved: set[str]) -> tuple[Step, ...]:
    if not isinstance(value, list) or not value:
        raise FieldError("steps", "required: a list of at least one step")
    if len(value) > MAX_STEPS:
        raise FieldError("steps", f"at most {MAX_STEPS} steps, got {len(value)}")
    given: dict[str, int] = {}
    for i, raw in enumerate(value):
        if isinstance(raw, dict) and "id" in raw:
            step_id = raw["id"]
            if not isinstance(step_id, str) or not STEP_ID_RE.fullmatch(step_id):
                raise FieldError(f"steps[{i}].id", "must be 1..20 characters of A-Z a-z 0-9 _ -")
            if step_id in given:
                raise FieldError(f"steps[{i}].id", f"repeats steps[{given[step_id]}].id")
            given[step_id] = i
    taken = reserved | set(given)
    steps: list[Step] = []
    for i, raw in enumerate(value):
        step_id = raw.get("id") if isinstance(raw, dict) else None
        if step_id is None:
            step_id = _free_id(taken)
            taken.add(step_id)
        steps.append(_step(kind, raw, f"steps[{i}]", step_id))
    return tuple(steps)


def _free_id(taken: set[str]) -> str:
    n = 1
    while f"s{n}" in taken:
        n += 1
    return f"s{n}"


def _step(kind: str, raw: Any, path: str, step_id: str) -> Step:
    if not isinstance(raw, dict):
        raise FieldError(path, "must be an object with a trigger, at, and text and/or attachments")
    kinds = TRIGGERS[kind]
    unknown = set(raw) - {"id", "at", *kinds, *CONTENT_FIELDS}
    if unknown:
        name = sorted(unknown)[0]
        other = [k for k in (AFTER_ADDED, AFTER_CREATED) if k not in kinds]
        why = f"a {kind} SOP steps by {', '.join(kinds)}" if name in other else "unknown field"
        raise FieldError(f"{path}.{name}", why)
    chosen = [k for k in kinds if k in raw]
    if len(chosen) != 1:
        raise FieldError(path, f"needs exactly one of {', '.join(kinds)}")
    trigger = _trigger(chosen[0], raw[chosen[0]], raw.get("at"), path)
    content = parse_welcome({k: raw[k] for k in CONTENT_FIELDS if k in raw}, path)
    assert content is not None  # a dict is never "no message"
    if kind == GROUP and NAME_PLACEHOLDER in content.text:
        raise FieldError(f"{path}.text", f"a group message goes to many people: {NAME_PLACEHOLDER} is for customer SOPs")
    return Step(step_id, trigger, content)


def _trigger(kind: str, value: Any, at: Any, path: str) -> Trigger:
    if not isinstance(at, str) or not AT_RE.fullmatch(at):
        raise FieldError(f"{path}.at", "required: HH:MM China time, 00:00 .. 23:59")
    minute = int(at[:2]) * 60 + int(at[3:])
    where = f"{path}.{kind}"
    if kind in (AFTER_ADDED, AFTER_CREATED):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AFTER_DAYS:
            raise FieldError(where, f"must be an integer 0..{MAX_AFTER_DAYS} (days)")
        return Trigger(kind, minute, days=value)
    if kind == DATE:
        if not isinstance(value, str) or not DATE_RE.fullmatch(value):
            raise FieldError(where, "must be YYYY-MM-DD (China date)")
        try:
            on = date.fromisoformat(value)
        except ValueError:
            raise FieldError(where, "is not a calendar date") from None
        return Trigger(kind, minute, on=on)
    if not isinstance(value, list) or not value or not all(
        isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in value
    ):
        raise FieldError(where, "must be a non-empty list of weekdays 1 (Monday) .. 7 (Sunday)")
    return Trigger(kind, minute, weekdays=tuple(sorted(set(value))))
