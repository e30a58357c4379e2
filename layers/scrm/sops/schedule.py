"""When SOP steps fall due, as pure functions of China wall-clock time (UTC+8, a fixed offset: no DST).

Two sorts of step:
- relative ("day N after added at HH:MM"): due once per customer, at ``relative_due_at``. The planner writes
  one due item per (customer, step) under the step's ``minute_key`` when the customer arrives (or when the
  SOP is enabled), so a tick reads the items of its minute instead of scanning customers.
- time-based (fixed date, weekly): due for everyone at one moment; ``due_in_window`` names the (sop, step)
  pairs of a minute, and the planner resolves their targets then.

Rules:
- Day N is the China day of the add plus N, at HH:MM. If that moment is earlier than the add (only
  possible on day 0, when HH:MM had passed), the step moves to the next day at HH:MM: a day-0 step is sent
  the same day when it can be, never before the customer existed, and never skipped.
- A due moment is exactly HH:MM:00 China time; it falls in a minute window [t, t + 60 s) when
  t ≤ moment < t + 60 s. Minute keys ("2026-11-23T10:05") are China wall-clock minutes.
- A due item is still valid at send time only if recomputing its due minute from the SOP as it is then
  gives the same key (``still_due``): an edited or removed step drops its old items without a sweep.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from scrm.kernel.china_time import CHINA
from scrm.sops.spec import DATE, WEEKLY, SopSpec, Step, Trigger

MINUTE_KEY_FORMAT = "%Y-%m-%dT%H:%M"
WINDOW = timedelta(seconds=60)


@dataclass(frozen=True)
class DueStep:
    sop_id: str
    step_id: str
    due_at: datetime  # China time, seconds 0

    @property
    def minute(self) -> str:
        return minute_key(self.due_at)


def at_china(day: date, minute: int) -> datetime:
    """``minute`` minutes after midnight of China ``day``."""
    return datetime.combine(day, time(minute // 60, minute % 60), CHINA)


def relative_due_at(anchor: datetime, trigger: Trigger) -> datetime:
    """When a relative step is due for one customer added (or group created) at ``anchor``."""
    due = at_china(anchor.astimezone(CHINA).date() + timedelta(days=trigger.days), trigger.at)
    return due + timedelta(days=1) if due < anchor else due


def next_occurrence(trigger: Trigger, after: datetime) -> datetime | None:
    """The first moment at or after ``after`` a fixed-date or weekly step is due; None when a fixed date
    has passed. Relative steps have no moment of their own (see ``relative_due_at``)."""
    day = after.astimezone(CHINA).date()
    if trigger.kind == DATE:
        assert trigger.on is not None
        due = at_china(trigger.on, trigger.at)
        return due if due >= after else None
    if trigger.kind != WEEKLY:
        raise ValueError(f"{trigger.kind} steps are due per customer: use relative_due_at")
    for offset in range(8):  # today's moment may have passed: the same weekday comes back on day 7
        candidate = day + timedelta(days=offset)
        if candidate.isoweekday() in trigger.weekdays:
            due = at_china(candidate, trigger.at)
            if due >= after:
                return due
    raise AssertionError("a non-empty weekday list recurs within 8 days")  # pragma: no cover


def due_in_window(sops: Mapping[str, SopSpec], start: datetime, width: timedelta = WINDOW) -> list[DueStep]:
    """The time-based steps of active SOPs due in [start, start + width), earliest first. A tick covers
    its minute; a tick that catches up after an outage passes a wider window."""
    due: list[DueStep] = []
    for sop_id, spec in sops.items():
        if not spec.active:
            continue
        for step in spec.steps:
            if step.trigger.relative:
                continue
            moment = next_occurrence(step.trigger, start)
            while moment is not None and moment < start + width:
                due.append(DueStep(sop_id, step.step_id, moment))
                moment = next_occurrence(step.trigger, moment + timedelta(minutes=1))
    return sorted(due, key=lambda d: (d.due_at, d.sop_id, d.step_id))


def relative_plan(spec: SopSpec, anchor: datetime, not_before: datetime) -> list[tuple[Step, datetime]]:
    """The relative steps still to come for one customer (group) with this anchor: each with its due
    moment, those before ``not_before`` left out (a SOP enabled today does not send last week's steps)."""
    plan = [(s, relative_due_at(anchor, s.trigger)) for s in spec.steps if s.trigger.relative]
    return [(s, due) for s, due in plan if due >= not_before]


def still_due(spec: SopSpec, step_id: str, anchor: datetime, key: str) -> bool:
    """Is a planned item for (customer, step) under minute ``key`` still wanted by the SOP as it is now?"""
    step = spec.step(step_id)
    if not spec.active or step is None or not step.trigger.relative:
        return False
    return minute_key(relative_due_at(anchor, step.trigger)) == key


# minute keys --------------------------------------------------------------------------------------
def moment(ts: int) -> datetime:
    """A stored unix time (an anchor, the clock) as the aware datetime the schedule computes with."""
    return datetime.fromtimestamp(ts, UTC)


def minute_key(t: datetime) -> str:
    """The China wall-clock minute that holds ``t``: the due index's partition key."""
    return t.astimezone(CHINA).strftime(MINUTE_KEY_FORMAT)


def minute_start(key: str) -> datetime:
    return datetime.strptime(key, MINUTE_KEY_FORMAT).replace(tzinfo=CHINA)


def minute_keys(start: datetime, end: datetime) -> list[str]:
    """The keys of the minutes from the one holding ``start`` up to (not including) the one holding ``end``:
    the partitions a tick that catches up after an outage reads."""
    first = minute_start(minute_key(start))
    last = minute_start(minute_key(end))
    return [minute_key(first + timedelta(minutes=i)) for i in range(int((last - first) / timedelta(minutes=1)))]

