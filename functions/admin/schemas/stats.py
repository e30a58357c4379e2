"""Customer and group statistics (admin/stats.py)."""

from __future__ import annotations

from pydantic import Field

from admin.schemas.base import NULLABLE, Model


class Drift(Model):
    """A row where WeCom's figure (nightly reconcile) differs from ours."""

    day: str | None = None
    userid: str | None = None
    field: str | None = None
    ours: int | None = None
    wecom: int | None = None


class CustomerFigures(Model):
    day: str | None = None
    userid: str | None = None
    adds: int | None = None
    lost_by_customer: int | None = None
    lost_by_employee: int | None = None
    lost: int | None = None
    net: int | None = None
    lost_in_7: int | None = Field(None, description="of the adds, lost within 7 days of their add")
    lost_in_30: int | None = Field(None, description="of the adds, lost within 30 days of their add")
    retention_7: float | None = Field(
        None,
        description="(adds - lost_in_N) / adds over cohorts at least N days old; null when none is",
        json_schema_extra=NULLABLE,
    )
    retention_30: float | None = Field(
        None,
        description="(adds - lost_in_N) / adds over cohorts at least N days old; null when none is",
        json_schema_extra=NULLABLE,
    )
    wecom_new_contact: int | None = Field(None, json_schema_extra=NULLABLE)
    wecom_negative_feedback: int | None = Field(None, json_schema_extra=NULLABLE)
    wecom_new_apply: int | None = Field(None, json_schema_extra=NULLABLE)


class CustomerStats(Model):
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    by: str | None = None
    userids: list[str] | None = None
    totals: CustomerFigures | None = None
    items: list[CustomerFigures] | None = None
    drift: list[Drift] | None = Field(
        None, description="rows where WeCom's figure (nightly reconcile) differs from ours"
    )


class GroupFigures(Model):
    day: str | None = None
    userid: str | None = Field(None, description="the owner")
    joins: int | None = None
    quits: int | None = None
    net: int | None = None
    customer_joins: int | None = None
    customer_quits: int | None = None
    employee_joins: int | None = None
    employee_quits: int | None = None
    wecom_new_member: int | None = Field(None, json_schema_extra=NULLABLE)


class GroupStats(Model):
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    by: str | None = None
    userids: list[str] | None = None
    totals: GroupFigures | None = None
    items: list[GroupFigures] | None = None
    drift: list[Drift] | None = Field(
        None, description="rows where WeCom's figure (nightly reconcile) differs from ours"
    )


class _Range(Model):
    from_: str | None = Field(
        None, alias="from", description="first China day YYYY-MM-DD (default: 29 days before to)"
    )
    to: str | None = Field(
        None, description="last China day YYYY-MM-DD (default: today); at most 366 days from from"
    )
    format: str | None = Field(None, description="json (default) or csv (the items, UTF-8 with BOM)")


class CustomerStatsQuery(_Range):
    by: str | None = Field(None, description="day (default), employee or corp")
    userid: str | None = Field(None, description="comma-separated employees (at most 100; default: all)")


class GroupStatsQuery(_Range):
    by: str | None = Field(None, description="day (default), owner or corp")
    userid: str | None = Field(None, description="comma-separated group owners (at most 100; default: all)")
