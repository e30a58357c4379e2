"""SOPs, timed message plans (admin/sops.py). Each field's shape is checked here; the rules between fields,
the SOP's kind and the step ids are scrm.sops.spec's and scrm.sops.targets'."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field

from admin.schemas.base import NULLABLE, Body, Model

MAX_STEPS = 20
Id = Annotated[str, Field(min_length=1, max_length=64)]
Days = Annotated[int, Field(ge=0, le=3650)]


def _calendar_day(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a calendar date") from None
    return value


class SopStep(Body):
    """exactly one trigger of the SOP's kind (after_added_days: customer SOPs; after_created_days: group SOPs; date, weekly: both; scrm.sops.spec checks it), at, and text and/or attachments"""

    # absent, not null: a null id or trigger is refused, as it always was
    id: str = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{1,20}$",
        description="1..20 of A-Z a-z 0-9 _ -; keep it to edit a step, leave it out for a new step (s1, s2, …)",
    )
    after_added_days: int = Field(
        None,
        ge=0,
        le=365,
        description="customer SOPs: days after the customer was added (0: the day of the add; a time already past that day moves to the next day)",
    )
    after_created_days: int = Field(
        None, ge=0, le=365, description="group SOPs: days after the group was created"
    )
    date: Annotated[str, AfterValidator(_calendar_day)] = Field(
        None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD (China date): once, to every target"
    )
    weekly: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        None, min_length=1, description="weekdays, 1 (Monday) .. 7 (Sunday)"
    )
    at: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM China time (00:00 .. 23:59); required in every step")
    text: str = Field(
        "",
        description="≤ 4000 bytes; {name} (the customer's name) only in customer SOPs, where such a step becomes one task per customer",
    )
    attachments: list[dict[str, Any]] = Field(
        [], description="≤ 9, in WeCom's add_msg_template shape (image, link, miniprogram, video, file)"
    )

    wording: ClassVar[Mapping[str, str]] = {
        "steps.at": "{field}: required: HH:MM China time, 00:00 .. 23:59",
        "steps.id": "{field}: must be 1..20 characters of A-Z a-z 0-9 _ -",
        "steps.date:string_pattern_mismatch": "{field}: must be YYYY-MM-DD (China date)",
        "steps.weekly": "{field}: must be a non-empty list of weekdays 1 (Monday) .. 7 (Sunday)",
    }


class SopDaysSinceAdded(Body):
    """China days since the add, inclusive bounds (null: open)"""

    min: Days | None = Field(None, json_schema_extra=NULLABLE)
    max: Days | None = Field(None, json_schema_extra=NULLABLE)


class SopTargets(Body):
    """customer SOPs: tags_all, tags_any (tag ids), tags_none, states, employees, departments, days_since_added;
    group SOPs: owners, name_contains, tags_any (group labels). Every non-empty condition must hold, checked
    when a step falls due; {} is every customer (or group). Unknown employees or tags are refused by name."""

    tags_all: list[Id] | None = Field(None, description="customer SOPs: tag ids, ≤ 100")
    tags_any: list[Id] | None = Field(
        None, description="customer SOPs: tag ids, ≤ 100; group SOPs: group labels admins set (any one matches)"
    )
    tags_none: list[Id] | None = Field(None, description="customer SOPs: tag ids, ≤ 100")
    states: list[Annotated[str, Field(min_length=1, max_length=30)]] | None = Field(
        None, description="customer SOPs: channel codes (state) the customer came through, ≤ 100"
    )
    employees: list[Id] | None = Field(
        None,
        description="customer SOPs: userids (≤ 1000); with departments one condition: the relation's member is listed or in a listed department",
    )
    departments: list[Annotated[int, Field(ge=1)]] | None = Field(None, description="customer SOPs: ≤ 100")
    days_since_added: SopDaysSinceAdded | None = Field(
        None, description="customer SOPs: China days since the add, inclusive bounds (null: open)"
    )
    owners: list[Id] | None = Field(None, description="group SOPs: owner userids (≤ 1000)")
    name_contains: str | None = Field(None, max_length=50, description="group SOPs: case-insensitive")


class SopPatch(Body):
    """any of SopInput's fields; kind, if given, must be the SOP's kind"""

    kind: Literal["customer", "group"] | None = None
    name: str | None = Field(None, min_length=1, max_length=50)
    status: Literal["active", "paused"] = Field(None)  # absent: unchanged; null is refused
    targets: SopTargets | None = None
    steps: list[SopStep] | None = Field(
        None, max_length=MAX_STEPS, min_length=1, description="the whole list: steps left out are removed"
    )

    wording: ClassVar[Mapping[str, str]] = {
        **SopStep.wording,
        "kind": "kind: must be customer or group",
        "status": "status: must be one of active, paused",
        "name:string_too_long": "name: at most 50 characters",
        "name": "name: required",
        "steps:too_short": "steps: required: a list of at least one step",
        "steps:too_long": f"steps: at most {MAX_STEPS} steps",
        "steps:missing": "steps: required: a list of at least one step",
    }
    unknown: ClassVar[str] = "{field}: unknown field"

    def fields(self) -> dict[str, Any]:
        """The fields given, as typed values (scrm.sops.spec takes them: the rules between fields)."""
        return self.model_dump(exclude_unset=True)


class SopInput(SopPatch):
    kind: Literal["customer", "group"] = Field("customer", description="customer (default) or group")
    name: str = Field(min_length=1, max_length=50)
    status: Literal["active", "paused"] = Field("active", description="active (default) or paused")
    targets: SopTargets | None = Field(
        None, description="as the kind; unknown employees or tags are refused (field names them)"
    )
    steps: list[SopStep] = Field(max_length=MAX_STEPS, min_length=1)

    def fields(self) -> dict[str, Any]:
        return {**super().fields(), "kind": self.kind}


class Sop(Model):
    sop_id: str | None = None
    kind: Literal["customer", "group"] | None = None
    name: str | None = None
    status: Literal["active", "paused"] | None = None
    targets: SopTargets | None = None
    steps: list[SopStep] | None = Field(None, description="each with its id")
    created_at: int | None = Field(None, description="unix seconds")
    updated_at: int | None = Field(None, description="unix seconds")
    notes: list[str] | None = Field(
        None, description="what to know before a step falls due (a {name} step makes one task per customer)"
    )


class SopProgressRunsItem(Model):
    send_id: str | None = None
    step_id: str | None = None
    minute: str | None = Field(None, description="the China minute it fell due, YYYY-MM-DDTHH:MM")
    state: str | None = Field(None, description="the mass send's state", json_schema_extra=NULLABLE)
    recipients: int | None = None
    outcomes: dict[str, int] | None = None
    skipped: dict[str, int] | None = None
    completion_rate: float | None = None


class SopProgressMembersItem(Model):
    userid: str | None = None
    recipients: int | None = None
    sent: int | None = None
    completion_rate: float | None = None


class SopProgress(Model):
    sop_id: str | None = None
    name: str | None = None
    runs: list[SopProgressRunsItem] | None = Field(
        None, description="newest first; each one mass send (GET /admin/mass-sends/{send_id} for more)"
    )
    recipients: int | None = Field(None, description="customers (or groups) handed to members")
    sent: int | None = None
    completion_rate: float | None = None
    members: list[SopProgressMembersItem] | None = None


class SopList(Model):
    items: list[Sop] | None = None


class SopDeleted(Model):
    sop_id: str | None = None
    deleted: bool | None = None


class SopQuery(Model):
    kind: Literal["customer", "group"] | None = Field(
        None, description="customer or group: only SOPs of that kind"
    )


class RunsQuery(Model):
    limit: int | None = Field(None, description="runs to read, newest first: 1..100 (default 20)")


FLOW = (
    "A save stores the plan; nothing is sent at once. Relative steps (after_added_days, after_created_days) "
    "are due per customer or group from its own day (China days; day 0 is the day of the add), so saving "
    "an active SOP queues enrolment of the customers and groups it already targets, and new ones are "
    "enrolled as they arrive. Date and weekly steps are due for every target at one moment. Every minute "
    "the planner turns what fell due into one mass send per (SOP, step, minute), checked against the SOP "
    "and the targets as they are then: one add_msg_template task per member, which the member confirms in "
    "WeCom. Times are China wall-clock HH:MM (UTC+8). A paused SOP's steps are skipped as they pass, not "
    "sent later."
)
