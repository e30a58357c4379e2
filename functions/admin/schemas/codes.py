"""Channel and group live codes, their statistics and the default welcome (admin/codes.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from admin.schemas.base import NULLABLE, Model


class Welcome(Model):
    text: str | None = Field(None, description="at most 4000 bytes; {name} becomes the customer's name")
    attachments: list[dict[str, Any]] | None = Field(None, max_length=9)


class ChannelCodeInputScheduleItem(Model):
    days: list[Annotated[int, Field(ge=1, le=7)]] | None = Field(
        None, description="weekdays, 1 = Monday (default: every day)"
    )
    start: str = Field(description="HH:MM, China time, inclusive")
    end: str = Field(description="HH:MM (24:00 allowed), exclusive; slots of a day may not overlap")
    staff: list[str] = Field(max_length=100)
    welcome: Welcome | None = Field(None, json_schema_extra=NULLABLE)


class ChannelCodeInput(Model):
    name: str | None = Field(None, max_length=50)
    group: str | None = Field(None, max_length=30)
    state: str | None = Field(None, max_length=30, description="optional; generated when absent")
    mode: Literal["single", "multi"] | None = None
    staff: list[str] | None = Field(None, max_length=100)
    schedule: list[ChannelCodeInputScheduleItem] | None = None
    backup: list[str] | None = Field(None, max_length=100)
    daily_cap: int | None = Field(
        None, description="adds per member per China day", json_schema_extra=NULLABLE
    )
    skip_verify: bool | None = None
    tags: list[str] | None = None
    remark_template: str | None = Field(None, max_length=20)
    description_template: str | None = Field(None, max_length=150)
    welcome: Welcome | None = Field(None, json_schema_extra=NULLABLE)


class ChannelCode(ChannelCodeInput):
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


class GroupCodeInput(Model):
    name: str | None = Field(None, max_length=50)
    state: str | None = Field(None, max_length=30)
    chat_ids: list[str] | None = Field(None, max_length=5, min_length=1)
    threshold: int | None = Field(None, description="members at which to move on to the next group (190)")
    auto_create_room: bool | None = None
    room_base_name: str | None = None
    room_base_id: int | None = None
    welcome: Welcome | None = Field(None, json_schema_extra=NULLABLE)


class GroupCode(GroupCodeInput):
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
    welcome: Welcome | None = Field(None, json_schema_extra=NULLABLE)
