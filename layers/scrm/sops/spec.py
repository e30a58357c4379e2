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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from scrm.kernel.field_error import FieldError
from scrm.sops.targets import CustomerTargets, GroupTargets, parse_customer_targets, parse_group_targets
from scrm.welcome.message import NAME_PLACEHOLDER, Welcome, parse_welcome

CUSTOMER = "customer"
GROUP = "group"
AFTER_ADDED = "after_added_days"
AFTER_CREATED = "after_created_days"
DATE = "date"
WEEKLY = "weekly"
# which trigger kinds each SOP kind accepts: a customer has an add time, a group a creation time
TRIGGERS = {CUSTOMER: (AFTER_ADDED, DATE, WEEKLY), GROUP: (AFTER_CREATED, DATE, WEEKLY)}
ALL_TRIGGERS = (AFTER_ADDED, AFTER_CREATED, DATE, WEEKLY)
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
    ``{"status": "paused"}`` pauses), from typed values: the admin API's model (functions/admin/schemas/
    sops.py) checked each field's shape, or ``as_dict`` stored them. Here are the rules between fields
    and the SOP's kind: the kind cannot change, a customer plan is not a group plan."""
    if "kind" in body and body["kind"] != kind:
        raise FieldError("kind", f"must be {kind} here (a SOP's kind cannot change)")
    if existing is not None and existing.kind != kind:
        raise FieldError("kind", f"this SOP is a {existing.kind} SOP")
    base = existing or SopSpec(kind=kind, name="", targets=_targets(kind, None), steps=())
    changes: dict[str, Any] = {}
    if "name" in body or existing is None:
        name = body.get("name") or ""
        if not name.strip():
            raise FieldError("name", "required")
        changes["name"] = name.strip()
    if "status" in body:
        changes["status"] = body["status"]
    if "targets" in body:
        changes["targets"] = _targets(kind, body["targets"])
    if "steps" in body or existing is None:
        reserved = {s.step_id for s in existing.steps} if existing else set()
        changes["steps"] = _steps(kind, body.get("steps") or [], reserved)
    return replace(base, **changes)


def _targets(kind: str, value: Any) -> CustomerTargets | GroupTargets:
    return parse_customer_targets(value) if kind == CUSTOMER else parse_group_targets(value)


def _steps(kind: str, value: Sequence[Mapping[str, Any]], reserved: set[str]) -> tuple[Step, ...]:
    if not value:
        raise FieldError("steps", "required: a list of at least one step")
    given: dict[str, int] = {}
    for i, raw in enumerate(value):
        if raw.get("id") is not None:
            if raw["id"] in given:
                raise FieldError(f"steps[{i}].id", f"repeats steps[{given[raw['id']]}].id")
            given[raw["id"]] = i
    taken = reserved | set(given)
    steps: list[Step] = []
    for i, raw in enumerate(value):
        step_id = raw.get("id")
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


def _step(kind: str, raw: Mapping[str, Any], path: str, step_id: str) -> Step:
    """A step with exactly one trigger, of the SOP's kind."""
    kinds = TRIGGERS[kind]
    other = [k for k in ALL_TRIGGERS if k not in kinds and raw.get(k) is not None]
    if other:
        raise FieldError(f"{path}.{other[0]}", f"a {kind} SOP steps by {', '.join(kinds)}")
    chosen = [k for k in kinds if raw.get(k) is not None]
    if len(chosen) != 1:
        raise FieldError(path, f"needs exactly one of {', '.join(kinds)}")
    trigger = _trigger(chosen[0], raw[chosen[0]], raw["at"])
    content = parse_welcome({k: raw[k] for k in CONTENT_FIELDS if k in raw}, path)
    assert content is not None  # a dict is never "no message"
    if kind == GROUP and NAME_PLACEHOLDER in content.text:
        raise FieldError(f"{path}.text", f"a group message goes to many people: {NAME_PLACEHOLDER} is for customer SOPs")
    return Step(step_id, trigger, content)


def _trigger(kind: str, value: Any, at: str) -> Trigger:
    minute = int(at[:2]) * 60 + int(at[3:])
    if kind in (AFTER_ADDED, AFTER_CREATED):
        return Trigger(kind, minute, days=value)
    if kind == DATE:
        return Trigger(kind, minute, on=date.fromisoformat(value))
    return Trigger(kind, minute, weekdays=tuple(sorted(set(value))))
