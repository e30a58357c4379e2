"""SOPs, timed message plans (admin/sops.py). The body is checked by scrm.sops.spec and scrm.sops.targets."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from admin.schemas.base import NULLABLE, Model


class SopStep(Model):
    """exactly one trigger (after_added_days: customer SOPs; after_created_days: group SOPs; date, weekly: both), at, and text and/or attachments"""

    id: str | None = Field(
        None,
        description="1..20 of A-Z a-z 0-9 _ -; keep it to edit a step, leave it out for a new step (s1, s2, …)",
    )
    after_added_days: int | None = Field(
        None,
        ge=0,
        le=365,
        description="customer SOPs: days after the customer was added (0: the day of the add; a time already past that day moves to the next day)",
    )
    after_created_days: int | None = Field(
        None, ge=0, le=365, description="group SOPs: days after the group was created"
    )
    date: str | None = Field(None, description="YYYY-MM-DD (China date): once, to every target")
    weekly: list[Annotated[int, Field(ge=1, le=7)]] | None = Field(
        None, description="weekdays, 1 (Monday) .. 7 (Sunday)"
    )
    at: str = Field(description="HH:MM China time (00:00 .. 23:59); required in every step")
    text: str | None = Field(
        None,
        description="≤ 4000 bytes; {name} (the customer's name) only in customer SOPs, where such a step becomes one task per customer",
    )
    attachments: list[dict[str, Any]] | None = Field(
        None,
        max_length=9,
        description="in WeCom's add_msg_template shape (image, link, miniprogram, video, file)",
    )


class SopCustomerTargetsDaysSinceAdded(Model):
    """China days since the add, inclusive bounds (null: open)"""

    min: int | None = Field(None, json_schema_extra=NULLABLE)
    max: int | None = Field(None, json_schema_extra=NULLABLE)


class SopCustomerTargets(Model):
    """customer SOPs: every non-empty condition must hold, checked when a step falls due; {} is every customer"""

    tags_all: list[str] | None = Field(None, description="tag ids, ≤ 100")
    tags_any: list[str] | None = Field(None, description="tag ids, ≤ 100")
    tags_none: list[str] | None = Field(None, description="tag ids, ≤ 100")
    states: list[str] | None = Field(None, description="channel codes (state) the customer came through")
    employees: list[str] | None = Field(
        None,
        description="userids (≤ 1000); with departments one condition: the relation's member is listed or in a listed department",
    )
    departments: list[Annotated[int, Field(ge=1)]] | None = None
    days_since_added: SopCustomerTargetsDaysSinceAdded | None = Field(
        None, description="China days since the add, inclusive bounds (null: open)"
    )


class SopGroupTargets(Model):
    """group SOPs: {} is every customer group"""

    owners: list[str] | None = Field(None, description="owner userids (≤ 1000)")
    name_contains: str | None = Field(None, max_length=50, description="case-insensitive")
    tags_any: list[str] | None = Field(None, description="group labels admins set (any one matches)")


class SopInput(Model):
    kind: Literal["customer", "group"] | None = Field(None, description="customer (default) or group")
    name: str = Field(max_length=50)
    status: Literal["active", "paused"] | None = Field(None, description="active (default) or paused")
    targets: SopCustomerTargets | SopGroupTargets | None = Field(
        None, description="as the kind; unknown employees or tags are refused (field names them)"
    )
    steps: list[SopStep] = Field(max_length=20, min_length=1)


class SopPatch(Model):
    """any of SopInput's fields; kind, if given, must be the SOP's kind"""

    kind: Literal["customer", "group"] | None = None
    name: str | None = Field(None, max_length=50)
    status: Literal["active", "paused"] | None = None
    targets: SopCustomerTargets | SopGroupTargets | None = None
    steps: list[SopStep] | None = Field(
        None, max_length=20, min_length=1, description="the whole list: steps left out are removed"
    )


class Sop(Model):
    sop_id: str | None = None
    kind: Literal["customer", "group"] | None = None
    name: str | None = None
    status: Literal["active", "paused"] | None = None
    targets: SopCustomerTargets | SopGroupTargets | None = None
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
