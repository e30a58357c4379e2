"""Channel and group live codes, their statistics and the default welcome (admin/codes.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field

from admin.schemas.base import NULLABLE, Body, Model

Userid = Annotated[str, Field(min_length=1, max_length=64)]
State = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,30}$", description="at most 30 of A-Z a-z 0-9 _ - (WeCom's limit)")]
Time = Annotated[str, Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")]
# The welcome's content (4000 bytes of text, WeCom's attachment shapes, text or an attachment) is the domain's
# rule (scrm.welcome.message), shared with mass sends and SOP steps; the model checks the types.
WORDING = {
    "state": "state: at most 30 characters of A-Z a-z 0-9 _ - (WeCom's limit)",
    "schedule.start": "{field}: must be HH:MM (24:00 allowed as an end)",
    "schedule.end": "{field}: must be HH:MM (24:00 allowed as an end)",
    "schedule.days": "{field}: must be a non-empty list of weekdays 1 (Monday) .. 7 (Sunday)",
}


class Welcome(Body):
    text: str = Field("", description="at most 4000 bytes; {name} becomes the customer's name")
    attachments: list[dict[str, Any]] = Field([], description="at most 9, in WeCom's shape (image, link, miniprogram, video, file)")


class ChannelCodeInputScheduleItem(Body):
    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        [1, 2, 3, 4, 5, 6, 7], min_length=1, description="weekdays, 1 = Monday (default: every day)"
    )
    start: Time = Field(description="HH:MM, China time, inclusive")
    end: Time = Field(description="HH:MM (24:00 allowed), exclusive; slots of a day may not overlap")
    staff: list[Userid] = Field(min_length=1, description="at most 100 members")
    welcome: Welcome | None = Field(None, json_schema_extra=NULLABLE)


class ChannelCodeInput(Body):
    """On a change only the fields given change (state and mode are fixed)."""

    name: str = Field(None, min_length=1, max_length=50, description="required on create")
    group: str | None = Field(None, max_length=30)
    state: State | None = Field(None, description="optional; generated when absent")
    mode: Literal["single", "multi"] | None = Field(None, description="multi (default) or single")
    staff: list[Userid] = Field([], description="at most 100 members; required on create")
    schedule: list[ChannelCodeInputScheduleItem] = []
    backup: list[Userid] = Field([], description="at most 100 members")
    daily_cap: int | None = Field(
        None, ge=1, le=10_000, description="adds per member per China day (null: no cap)", json_schema_extra=NULLABLE
    )
    skip_verify: bool = True
    tags: list[Annotated[str, Field(min_length=1)]] = Field([], max_length=100)
    remark_template: str | None = Field(None, max_length=20)
    description_template: str | None = Field(None, max_length=150)
    welcome: Welcome | None = Field(None, json_schema_extra=NULLABLE)

    wording: ClassVar[Mapping[str, str]] = {
        **WORDING,
        "name": "name: required",
        "staff": "staff: must be a list of userids",
        "backup": "backup: must be a list of userids",
        "daily_cap": "daily_cap: must be null or an integer 1..10000 (adds per member per day)",
        "skip_verify": "skip_verify: must be true or false",
        "tags": "tags: must be a list of tag ids",
        "tags:too_long": "tags: at most 100 tags",
    }
    unknown: ClassVar[str] = "{field}: unknown field"

    def fields(self) -> dict[str, Any]:
        """The fields given, as typed values (scrm.live_codes takes them: the rules between fields)."""
        return self.model_dump(exclude_unset=True)


class ChannelCode(ChannelCodeInput):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")  # an answer: it may carry more

    code_id: str | None = None
    config_id: str | None = None
    qr_code: str | None = None
    current_staff: list[str] | None = None
    status: str | None = None
    created_at_ms: int | None = None
    updated_at_ms: int | None = None


class ChannelCodeList(Model):
    items: list[ChannelCode] | None = None
    groups: list[str] | None = None


class ChannelStats(Model):
    code_id: str | None = None
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    totals: dict[str, Any] | None = None
    by_day: list[dict[str, Any]] | None = None
    by_staff: list[dict[str, Any]] | None = None
    rows: list[dict[str, Any]] | None = None


class GroupCodeInput(Body):
    """On a change only the fields given change (the state is fixed)."""

    name: str = Field(None, min_length=1, max_length=50, description="required on create")
    state: State | None = Field(None, description="optional; generated when absent")
    chat_ids: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]] = Field(
        [], description="1..5 distinct groups (WeCom's limit); required on create"
    )
    threshold: int = Field(190, ge=1, le=200, description="members at which to move on to the next group")
    auto_create_room: bool = True
    room_base_name: str = Field("", max_length=40, description="default: the name")
    room_base_id: int = Field(1, ge=1, le=10_000)
    welcome: Welcome | None = Field(None, description="at most 1 attachment", json_schema_extra=NULLABLE)

    wording: ClassVar[Mapping[str, str]] = {
        **WORDING,
        "name": "name: required: 1..50 characters",
        "chat_ids": "chat_ids: required: a list of group chat ids",
        "threshold": "threshold: must be an integer 1..200 (members at which to move on)",
        "auto_create_room": "auto_create_room: must be true or false",
        "room_base_name": "room_base_name: at most 40 characters",
        "room_base_id": "room_base_id: must be an integer 1..10000",
    }
    unknown: ClassVar[str] = "{field}: unknown field"

    def fields(self) -> dict[str, Any]:
        """The fields given, as typed values (scrm.live_codes takes them: the rules between fields)."""
        return self.model_dump(exclude_unset=True)


class GroupCode(GroupCodeInput):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")  # an answer: it may carry more

    code_id: str | None = None
    config_id: str | None = None
    qr_code: str | None = None
    active_chats: list[str] | None = None
    full_chats: list[str] | None = None
    welcome_template_id: str | None = None
    status: str | None = None


class ChannelQuery(Model):
    group: str | None = Field(None, description="only this group")
    q: str | None = Field(None, description="text in the name (case-insensitive)")
    status: str | None = Field(None, description="active (default), deleted or all")


class GroupCodeQuery(Model):
    q: str | None = Field(None, description="text in the name")
    status: str | None = Field(None, description="active (default), deleted or all")


class ChannelStatsQuery(Model):
    from_: str | None = Field(
        None, alias="from", description="first China day YYYY-MM-DD (default: 29 days before to)"
    )
    to: str | None = Field(None, description="last China day YYYY-MM-DD (default: today)")
    format: str | None = Field(None, description="json (default) or csv")
    table: str | None = Field(None, description="with format=csv: by_day (default), by_staff or rows")


class DefaultWelcome(Model):
    """Other fields are ignored, as they always were; absent or null clears the default welcome."""

    welcome: Welcome | None = Field(None, json_schema_extra=NULLABLE)


class CodeDeleted(Model):
    deleted: str = Field(description="the code's id")


class GroupCodeList(Model):
    items: list[GroupCode] | None = None
