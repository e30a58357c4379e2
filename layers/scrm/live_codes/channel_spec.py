"""What an admin decides about a channel live code (渠道活码): its spec, schedule, caps and backups, how
they are parsed from a request body and read back from the stored item (the aggregate is channel_code.py).

The code's ``state`` is its id: WeCom hands it back on every add_external_contact, and one key lookup
then finds the welcome, the tags and the templates inside the 20 s the welcome code lives. Which staff
the QR code leads to is computed here from the weekly schedule, the daily caps and the backups, so the
scheduled job, the event consumer and the admin API all agree on it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from scrm.domain.field_error import FieldError
from scrm.domain.welcome import Welcome, parse_welcome
from scrm.kernel.china_time import CHINA

STATE_RE = re.compile(r"[A-Za-z0-9_-]{1,30}")  # WeCom: state ≤ 30 characters
STATE_MAX = 30
MAX_STAFF = 100  # WeCom 41041: at most 100 members per contact way
NAME_MAX = 50
GROUP_MAX = 30
REMARK_TEMPLATE_MAX = 20  # WeCom's remark limit (the name may make it longer: rendered text is cut)
DESCRIPTION_TEMPLATE_MAX = 150
MAX_TAGS = 100
TIME_RE = re.compile(r"([01]\d|2[0-3]):([0-5]\d)|24:00")
FIELDS = frozenset(
    {
        "name", "group", "mode", "staff", "schedule", "backup", "daily_cap", "skip_verify", "tags",
        "remark_template", "description_template", "welcome", "state",
    }
)


@dataclass(frozen=True)
class Slot:
    """Weekdays 1 (Monday) … 7; ``start`` inclusive, ``end`` exclusive, minutes since midnight China time."""

    days: tuple[int, ...]
    start: int
    end: int
    staff: tuple[str, ...]
    welcome: Welcome | None = None

    def covers(self, weekday: int, minute: int) -> bool:
        return weekday in self.days and self.start <= minute < self.end

    def as_dict(self) -> dict[str, Any]:
        return {
            "days": list(self.days),
            "start": _hhmm(self.start),
            "end": _hhmm(self.end),
            "staff": list(self.staff),
            **({"welcome": self.welcome.as_dict()} if self.welcome else {}),
        }


@dataclass(frozen=True)
class ChannelCodeSpec:
    """What the admin decides; WeCom's side (config_id, qr_code, current staff) is kept beside it."""

    name: str
    state: str
    mode: str = "multi"  # single | multi (WeCom's contact-way type 1 / 2; it cannot change later)
    group: str = ""
    staff: tuple[str, ...] = ()
    schedule: tuple[Slot, ...] = ()
    backup: tuple[str, ...] = ()
    daily_cap: int | None = None
    skip_verify: bool = True
    tags: tuple[str, ...] = ()
    remark_template: str = ""
    description_template: str = ""
    welcome: Welcome | None = None

    @property
    def wecom_type(self) -> int:
        return 1 if self.mode == "single" else 2

    def staff_fields(self) -> list[tuple[str, tuple[str, ...]]]:
        """Each list of members with the field that holds it (errors name the right one)."""
        return [("staff", self.staff), *((f"schedule[{i}].staff", s.staff) for i, s in enumerate(self.schedule)),
                ("backup", self.backup)]

    def all_staff(self) -> list[str]:
        return list(dict.fromkeys(u for _, userids in self.staff_fields() for u in userids))

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "mode": self.mode,
            "group": self.group,
            "staff": list(self.staff),
            "schedule": [s.as_dict() for s in self.schedule],
            "backup": list(self.backup),
            "daily_cap": self.daily_cap,
            "skip_verify": self.skip_verify,
            "tags": list(self.tags),
            "remark_template": self.remark_template,
            "description_template": self.description_template,
            "welcome": self.welcome.as_dict() if self.welcome else None,
        }

    # who the QR code leads to -----------------------------------------------------------------
    def active_slot(self, at: datetime) -> Slot | None:
        local = at.astimezone(CHINA)
        minute = local.hour * 60 + local.minute
        return next((s for s in self.schedule if s.covers(local.isoweekday(), minute)), None)

    def staff_at(self, at: datetime, adds_today: Mapping[str, int]) -> list[str]:
        """The staff WeCom should offer now.

        In a slot: that slot's staff; outside every slot: the backups, else the default staff. Members
        who reached the daily cap drop out; if that empties the list, the backups take over (they have no
        cap); if there are none, the list stays as it is, because a contact way cannot have nobody.
        """
        slot = self.active_slot(at) if self.schedule else None
        if slot is not None:
            base = list(slot.staff)
        elif self.schedule and self.backup:
            return list(self.backup)  # backups have no cap
        else:
            base = list(self.staff)
        if self.daily_cap is None:
            return base
        open_ = [u for u in base if adds_today.get(u, 0) < self.daily_cap]
        if open_:
            return open_
        return list(self.backup) or base

    def welcome_at(self, at: datetime) -> Welcome | None:
        """The slot's own welcome when the customer arrived in a slot that has one, else the code's."""
        slot = self.active_slot(at) if self.schedule else None
        if slot is not None and slot.welcome is not None:
            return slot.welcome
        return self.welcome


def new_state() -> str:
    return "c" + secrets.token_hex(6)


def parse_spec(body: Mapping[str, Any], existing: ChannelCodeSpec | None = None) -> ChannelCodeSpec:
    """A create (``existing`` None: name and staff required) or an update (only the given fields change;
    the state and the mode stay: WeCom keys on one and cannot change the other)."""
    unknown = set(body) - FIELDS
    if unknown:
        raise FieldError(sorted(unknown)[0], "unknown field")
    if existing is not None:
        for fixed in ("state", "mode"):
            if fixed in body and body[fixed] != getattr(existing, fixed):
                raise FieldError(fixed, "cannot change after creation (create a new code)")
    base = existing or ChannelCodeSpec(name="", state="")
    changes: dict[str, Any] = {}
    if "name" in body or existing is None:
        changes["name"] = _text(body.get("name"), "name", NAME_MAX, required=True)
    if "group" in body:
        changes["group"] = _text(body.get("group"), "group", GROUP_MAX)
    if existing is None:
        state = body.get("state")
        if state is None:
            changes["state"] = new_state()
        elif not isinstance(state, str) or len(state) > STATE_MAX or not STATE_RE.fullmatch(state):
            raise FieldError("state", f"at most {STATE_MAX} characters of A-Z a-z 0-9 _ - (WeCom's limit)")
        else:
            changes["state"] = state
        mode = body.get("mode")
        if mode not in (None, "single", "multi"):
            raise FieldError("mode", "must be single or multi")
        changes["mode"] = mode or "multi"
    for name in ("staff", "backup"):
        if name in body:
            changes[name] = _userids(body[name], name)
    if "schedule" in body:
        changes["schedule"] = _schedule(body["schedule"])
    if "daily_cap" in body:
        cap = body["daily_cap"]
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= 10_000):
            raise FieldError("daily_cap", "must be null or an integer 1..10000 (adds per member per day)")
        changes["daily_cap"] = cap
    if "skip_verify" in body:
        if not isinstance(body["skip_verify"], bool):
            raise FieldError("skip_verify", "must be true or false")
        changes["skip_verify"] = body["skip_verify"]
    if "tags" in body:
        tags = body["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
            raise FieldError("tags", "must be a list of tag ids")
        if len(tags) > MAX_TAGS:
            raise FieldError("tags", f"at most {MAX_TAGS} tags")
        changes["tags"] = tuple(dict.fromkeys(tags))
    if "remark_template" in body:
        changes["remark_template"] = _text(body["remark_template"], "remark_template", REMARK_TEMPLATE_MAX)
    if "description_template" in body:
        changes["description_template"] = _text(
            body["description_template"], "description_template", DESCRIPTION_TEMPLATE_MAX
        )
    if "welcome" in body:
        changes["welcome"] = parse_welcome(body["welcome"])
    spec = replace(base, **changes)
    _check_whole(spec)
    return spec


def _check_whole(spec: ChannelCodeSpec) -> None:
    if not spec.staff:
        raise FieldError("staff", "required: at least one member's userid")
    if spec.mode == "single" and (len(spec.staff) != 1 or spec.schedule or spec.backup):
        raise FieldError("mode", "a single code has exactly one member and no schedule or backup")


def _text(value: Any, name: str, limit: int, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise FieldError(name, "required" if required else "must be a string")
    if len(value) > limit:
        raise FieldError(name, f"at most {limit} characters")
    return value


def _userids(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(u, str) and 0 < len(u) <= 64 for u in value):
        raise FieldError(name, "must be a list of userids")
    ids = tuple(dict.fromkeys(value))
    if len(ids) > MAX_STAFF:
        raise FieldError(name, f"at most {MAX_STAFF} members (WeCom's limit per contact way), got {len(ids)}")
    return ids


def _minutes(value: Any, name: str) -> int:
    if not isinstance(value, str) or not TIME_RE.fullmatch(value):
        raise FieldError(name, "must be HH:MM (24:00 allowed as an end)")
    h, m = value.split(":")
    return int(h) * 60 + int(m)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _schedule(value: Any) -> tuple[Slot, ...]:
    if not isinstance(value, list):
        raise FieldError("schedule", "must be a list of time slots")
    slots: list[Slot] = []
    for i, raw in enumerate(value):
        path = f"schedule[{i}]"
        if not isinstance(raw, dict):
            raise FieldError(path, "must be an object with days, start, end, staff")
        unknown = set(raw) - {"days", "start", "end", "staff", "welcome"}
        if unknown:
            raise FieldError(f"{path}.{sorted(unknown)[0]}", "unknown field")
        days = raw.get("days", [1, 2, 3, 4, 5, 6, 7])
        if not isinstance(days, list) or not days or not all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in days
        ):
            raise FieldError(f"{path}.days", "must be a non-empty list of weekdays 1 (Monday) .. 7 (Sunday)")
        start = _minutes(raw.get("start"), f"{path}.start")
        end = _minutes(raw.get("end"), f"{path}.end")
        if end <= start:
            raise FieldError(f"{path}.end", "must be after start (a slot cannot cross midnight: split it)")
        staff = _userids(raw.get("staff"), f"{path}.staff")
        if not staff:
            raise FieldError(f"{path}.staff", "required: at least one member")
        slots.append(Slot(tuple(sorted(set(days))), start, end, staff, parse_welcome(raw.get("welcome"), f"{path}.welcome")))
    for day in range(1, 8):
        on_day = sorted((s.start, s.end, i) for i, s in enumerate(slots) if day in s.days)
        for (_, prev_end, prev_i), (start, _, i) in zip(on_day, on_day[1:], strict=False):
            if start < prev_end:
                raise FieldError(f"schedule[{max(i, prev_i)}]", f"overlaps schedule[{min(i, prev_i)}] on weekday {day}")
    return tuple(slots)


def spec_from_dict(d: Mapping[str, Any]) -> ChannelCodeSpec:
    """The stored form back into a spec (trusted: it was validated when saved)."""
    return ChannelCodeSpec(
        name=d["name"],
        state=d["state"],
        mode=d.get("mode") or "multi",
        group=d.get("group") or "",
        staff=tuple(d.get("staff") or ()),
        schedule=tuple(
            Slot(
                tuple(s["days"]),
                _minutes(s["start"], "start"),
                _minutes(s["end"], "end"),
                tuple(s["staff"]),
                parse_welcome(s.get("welcome")),
            )
            for s in d.get("schedule") or ()
        ),
        backup=tuple(d.get("backup") or ()),
        daily_cap=int(d["daily_cap"]) if d.get("daily_cap") is not None else None,
        skip_verify=bool(d.get("skip_verify", True)),
        tags=tuple(d.get("tags") or ()),
        remark_template=d.get("remark_template") or "",
        description_template=d.get("description_template") or "",
        welcome=parse_welcome(d.get("welcome")),
    )
