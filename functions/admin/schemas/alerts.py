"""Churn-alert settings and the alert log (admin/alerts.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from admin.schemas.base import Body, Model


class AlertSettings(Body):
    """Only the fields given change; admins must be synced employees."""

    employee_alerts: bool = Field(True, description="del_follow_user → the employee")
    admin_alerts: bool = Field(False, description="del_external_contact (not a handover) → the admins")
    admins: list[Annotated[str, Field(pattern=r"\S")]] = Field([], description="userids, at most 20 distinct")
    digest_above: int = Field(
        20, ge=0, le=1000, description="single alerts per recipient per China day; the rest wait for the digest"
    )
    digest_time: str = Field(
        "09:05", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="China time the daily digest is due"
    )
    link_url: str = Field(
        "", max_length=1024, pattern=r"^(https?://\S+)?$", description="the cards' link (default WeCom's site)"
    )

    wording: ClassVar[Mapping[str, str]] = {
        "employee_alerts": "employee_alerts: must be true or false",
        "admin_alerts": "admin_alerts: must be true or false",
        "admins": "admins: must be a list of userids",
        "digest_above": "digest_above: must be an integer from 0 to 1000",
        "digest_time": "digest_time: must be HH:MM (China time), e.g. 09:05",
        "link_url": "link_url: must be empty or an http(s) URL of at most 1024 characters",
    }
    unknown: ClassVar[str] = (
        "{field}: unknown field (known: employee_alerts, admin_alerts, admins, digest_above, digest_time, link_url)"
    )

    def fields(self) -> dict[str, Any]:
        """The fields given, as typed values (scrm's alert settings take them)."""
        return self.model_dump(exclude_unset=True)


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
    next_cursor: str | None = Field(None, description="the next page's cursor; empty after the last page")


class AlertQuery(Model):
    day: str | None = Field(None, description="China day YYYY-MM-DD (default: today)")
    recipient: str | None = Field(None, description="only alerts to this userid")
    limit: int | None = Field(None, description="rows, 1..500 (default 100)")
    cursor: str | None = Field(None, description="next_cursor of the page before (same day and recipient)")
