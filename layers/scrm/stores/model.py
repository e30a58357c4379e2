"""A store (门店): where it is, when it is open, who serves it, and the contact way that leads to them.

Rows come from a CSV upload or JSON; every row is checked before anything is written, and each problem is
reported by line and column (``StoreRowError``) so an admin can fix the file. Opening hours are China time:
``hours`` maps weekday 1 (Monday) … 7 to intervals ``HH:MM-HH:MM``; an interval whose end is not after its
start runs past midnight into the next day; a store without hours is always open.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Self

from scrm.kernel.china_time import CHINA
from scrm.kernel.sources import STORE_PREFIX as STATE_PREFIX  # + store id: at most 30 characters (WeCom)

STORE_ID = re.compile(r"^[A-Za-z0-9_-]{1,24}$")

COLUMNS = ("store_id", "name", "city", "address", "latitude", "longitude", "hours", "assistants", "group",
           "group_code")  # group_code: optional, a group live code (群活码) shown beside the store's QR
REQUIRED = ("store_id", "name", "city", "latitude", "longitude", "assistants")
MAX_ASSISTANTS = 100  # WeCom 41041: at most 100 members per contact way
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
_DAYS = re.compile(r"^([1-7])(?:-([1-7]))?$")

# where the store's contact way stands
PENDING, ACTIVE, FAILED = "pending", "active", "failed"


def state_of(store_id: str) -> str:
    return STATE_PREFIX + store_id


def store_of_state(state: str) -> str | None:
    """The store id a contact way's state names, or None for any other state."""
    return state[len(STATE_PREFIX):] if state.startswith(STATE_PREFIX) and len(state) > len(STATE_PREFIX) else None


@dataclass(frozen=True)
class RowError:
    """One problem of one row: ``line`` 1-based as in the file (the header is line 1), ``column`` named."""

    line: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


def _minutes(value: str) -> int:
    if not _HHMM.match(value):
        raise ValueError(f"{value!r} is not HH:MM")
    h, m = value.split(":")
    return int(h) * 60 + int(m)


def parse_hours(value: Any) -> dict[str, list[str]]:
    """``""`` (always open), ``09:00-21:00`` (every day), ``1-5 09:00-21:00; 6-7 10:00-22:00`` (weekdays
    1 = Monday; several intervals of a day with commas), or a mapping weekday → intervals. ValueError says
    what is wrong."""
    if value is None or value == "" or value == {}:
        return {}
    parts: list[tuple[list[int], list[str]]] = []
    if isinstance(value, Mapping):
        for day, spans in value.items():
            if not re.fullmatch(r"[1-7]", str(day)):
                raise ValueError(f"weekday {day!r} must be 1 (Monday) .. 7")
            spans_list = [spans] if isinstance(spans, str) else list(spans or [])
            parts.append(([int(day)], [str(s) for s in spans_list]))
    elif isinstance(value, str):
        for chunk in (c.strip() for c in value.split(";")):
            if not chunk:
                continue
            bits = chunk.split()
            if len(bits) == 1:
                days, spans = list(range(1, 8)), bits[0]
            elif len(bits) == 2:
                m = _DAYS.match(bits[0])
                if not m:
                    raise ValueError(f"{bits[0]!r}: weekdays must be like 1-5 or 6 (1 = Monday)")
                lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
                if hi < lo:
                    raise ValueError(f"{bits[0]!r}: the range must go up (1-5)")
                days, spans = list(range(lo, hi + 1)), bits[1]
            else:
                raise ValueError(f"{chunk!r}: write days then times, e.g. 1-5 09:00-21:00")
            parts.append((days, spans.split(",")))
    else:
        raise ValueError("must be text like 09:00-21:00 or a mapping weekday → intervals")
    out: dict[str, list[str]] = {}
    for days, spans in parts:
        for span in spans:
            start_end = span.strip().split("-")
            if len(start_end) != 2:
                raise ValueError(f"{span!r}: an interval is HH:MM-HH:MM")
            start, end = (_minutes(s.strip()) for s in start_end)
            if start == end:
                raise ValueError(f"{span!r}: an interval cannot be empty")
            if start >= 24 * 60:
                raise ValueError(f"{span!r}: a start cannot be 24:00")
            for d in days:
                out.setdefault(str(d), []).append(f"{start_end[0].strip()}-{start_end[1].strip()}")
    return {d: sorted(set(v)) for d, v in sorted(out.items())}


def _spans(hours: Mapping[str, Sequence[str]], day: int) -> list[tuple[int, int]]:
    return [(_minutes(s.split("-")[0]), _minutes(s.split("-")[1])) for s in hours.get(str(day)) or ()]


def open_at(hours: Mapping[str, Sequence[str]], at: datetime) -> bool:
    """Open at ``at`` (China time); no hours: always open. An interval ending at or before its start runs
    into the next day (a bar open 18:00-02:00 is open at 01:00 on the next weekday)."""
    if not hours:
        return True
    local = at.astimezone(CHINA)
    minute, day = local.hour * 60 + local.minute, local.isoweekday()
    for start, end in _spans(hours, day):
        if (start < end and start <= minute < end) or (end <= start and minute >= start):
            return True
    yesterday = (local - timedelta(days=1)).isoweekday()
    return any(end <= start and minute < end for start, end in _spans(hours, yesterday))


@dataclass
class Store:
    """The store as imported or edited, plus its contact way once made (``code_*``)."""

    store_id: str
    name: str
    city: str
    latitude: float
    longitude: float
    assistants: tuple[str, ...]
    address: str = ""
    hours: dict[str, list[str]] = field(default_factory=dict)
    group: str = ""
    group_code: str = ""  # a group live code's id: its join QR is shown beside the store's on the landing page
    group_qr_code: str = ""
    code_status: str = PENDING
    code_error: str = ""
    config_id: str = ""
    qr_code: str = ""
    created_at_ms: int = 0
    updated_at_ms: int = 0

    @property
    def state(self) -> str:
        return state_of(self.store_id)

    @property
    def serving(self) -> bool:
        """Its QR leads somewhere: the contact way exists."""
        return self.code_status == ACTIVE and bool(self.qr_code)

    def is_open(self, at: datetime) -> bool:
        return open_at(self.hours, at)

    def same_place(self, other: Store) -> bool:
        return (self.latitude, self.longitude, self.city) == (other.latitude, other.longitude, other.city)

    def as_dict(self) -> dict[str, Any]:
        return {
            "store_id": self.store_id, "name": self.name, "city": self.city, "address": self.address,
            "latitude": self.latitude, "longitude": self.longitude, "hours": self.hours,
            "assistants": list(self.assistants), "group": self.group, "group_code": self.group_code,
            "group_qr_code": self.group_qr_code, "state": self.state,
            "code_status": self.code_status, "code_error": self.code_error, "config_id": self.config_id,
            "qr_code": self.qr_code, "created_at_ms": self.created_at_ms, "updated_at_ms": self.updated_at_ms,
        }  # fmt: skip

    def public(self) -> dict[str, Any]:
        """What a customer's page may see: no staff ids, no WeCom ids."""
        return {"store_id": self.store_id, "name": self.name, "city": self.city, "address": self.address,
                "latitude": self.latitude, "longitude": self.longitude, "hours": self.hours,
                "qr_code": self.qr_code, "group_qr_code": self.group_qr_code}  # fmt: skip

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Self:
        return cls(
            store_id=str(d["store_id"]), name=str(d["name"]), city=str(d["city"]),
            latitude=float(d["latitude"]), longitude=float(d["longitude"]),
            assistants=tuple(d.get("assistants") or ()), address=str(d.get("address") or ""),
            hours={str(k): list(v) for k, v in (d.get("hours") or {}).items()}, group=str(d.get("group") or ""),
            group_code=str(d.get("group_code") or ""), group_qr_code=str(d.get("group_qr_code") or ""),
            code_status=str(d.get("code_status") or PENDING), code_error=str(d.get("code_error") or ""),
            config_id=str(d.get("config_id") or ""), qr_code=str(d.get("qr_code") or ""),
            created_at_ms=int(d.get("created_at_ms") or 0), updated_at_ms=int(d.get("updated_at_ms") or 0),
        )  # fmt: skip


def _number(raw: Any, lo: float, hi: float) -> float:
    try:
        value = float(str(raw).strip()) if not isinstance(raw, int | float) or isinstance(raw, bool) else float(raw)
    except ValueError:
        raise ValueError("must be a number") from None
    if value != value or not lo <= value <= hi:  # NaN, or out of range
        raise ValueError(f"must be between {lo:g} and {hi:g}")
    return value


def parse_assistants(raw: Any) -> tuple[str, ...]:
    ids = re.split(r"[|,;\s]+", raw.strip()) if isinstance(raw, str) else [str(x).strip() for x in raw or ()]
    ids = list(dict.fromkeys(i for i in ids if i))
    if not ids:
        raise ValueError("required: at least one member's userid")
    if len(ids) > MAX_ASSISTANTS:
        raise ValueError(f"at most {MAX_ASSISTANTS} members (WeCom's limit per contact way), got {len(ids)}")
    if any(len(i) > 64 for i in ids):
        raise ValueError("a userid has at most 64 characters")
    return tuple(ids)


def _text(raw: Any, most: int) -> str:
    value = "" if raw is None else str(raw).strip()
    if len(value) > most:
        raise ValueError(f"at most {most} characters")
    return value


def parse_row(row: Mapping[str, Any], line: int) -> tuple[Store | None, list[RowError]]:
    """One row as a store, or every problem of the row (each column checked, not only the first)."""
    errors: list[RowError] = []
    values: dict[str, Any] = {}
    unknown = [k for k in row if k not in COLUMNS and k is not None]
    for k in unknown:
        errors.append(RowError(line, str(k), f"unknown column (the columns are {', '.join(COLUMNS)})"))
    if None in row:  # csv.DictReader: more cells than the header names
        errors.append(RowError(line, "", "more cells than the header has columns"))
    for column in REQUIRED:
        raw = row.get(column)
        if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
            errors.append(RowError(line, column, "required"))
    checks: dict[str, Any] = {
        "store_id": lambda v: _store_id(v),
        "name": lambda v: _text(v, 50),
        "city": lambda v: _text(v, 20),
        "address": lambda v: _text(v, 200),
        "latitude": lambda v: _number(v, -90, 90),
        "longitude": lambda v: _number(v, -180, 180),
        "hours": parse_hours,
        "assistants": parse_assistants,
        "group": lambda v: _text(v, 30),
        "group_code": _group_code,
    }
    missing = {e.column for e in errors}
    for column, check in checks.items():
        raw = row.get(column)
        if column in missing or (raw is None and column not in REQUIRED):
            continue
        try:
            values[column] = check(raw)
        except ValueError as exc:
            errors.append(RowError(line, column, str(exc)))
    if errors:
        return None, errors
    return Store(
        store_id=values["store_id"], name=values["name"], city=values["city"], latitude=values["latitude"],
        longitude=values["longitude"], assistants=values["assistants"], address=values.get("address", ""),
        hours=values.get("hours", {}), group=values.get("group", ""), group_code=values.get("group_code", ""),
    ), []  # fmt: skip


def _group_code(raw: Any) -> str:
    value = "" if raw is None else str(raw).strip()
    if value and not re.fullmatch(r"[A-Za-z0-9_-]{1,30}", value):
        raise ValueError("a group live code's id (its state: at most 30 of A-Z a-z 0-9 _ -)")
    return value


def _store_id(raw: Any) -> str:
    value = str(raw).strip()
    if not STORE_ID.match(value):
        raise ValueError("at most 24 characters of A-Z a-z 0-9 _ - (it becomes the contact way's state)")
    return value
