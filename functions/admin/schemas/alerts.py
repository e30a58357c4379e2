"""Churn-alert settings and the alert log (admin/alerts.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from admin.schemas.base import Model


class AlertSettings(Model):
    employee_alerts: bool | None = Field(None, description="del_follow_user → the employee (default true)")
    admin_alerts: bool | None = Field(
        None, description="del_external_contact (not a handover) → the admins (default false)"
    )
    admins: list[str] | None = Field(None, max_length=20, description="userids")
    digest_above: int | None = Field(
        None,
        ge=0,
        le=1000,
        description="single alerts per recipient per China day; the rest wait for the digest",
    )
    digest_time: str | None = Field(
        None,
        pattern="^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="China time the daily digest is due (default 09:05)",
    )
    link_url: str | None = Field(None, max_length=1024, description="the cards' link (default WeCom's site)")


class AlertListAlertsItem(Model):
    recipient: str | None = None
    state: Literal["new", "sending", "sent", "deferred", "digested", "failed"] | None = None
    kind: Literal["lost_by_customer", "deleted_by_employee"] | None = None
    external_userid: str | None = None
    userid: str | None = None
    create_time: int | None = None
    event_id: str | None = None
    summary: dict[str, Any] | None = Field(None, description="name, remark, tags, channel, days, at")
    reason: str | None = None
    msgid: str | None = None
    updated_at: int | None = None


class AlertList(Model):
    day: str | None = None
    alerts: list[AlertListAlertsItem] | None = None


class AlertQuery(Model):
    day: str | None = Field(None, description="China day YYYY-MM-DD (default: today)")
    recipient: str | None = Field(None, description="only alerts to this userid")
    limit: int | None = Field(None, description="rows, 1..500 (default 100)")
