"""The console's dashboard (admin/dashboard.py)."""

from __future__ import annotations

from pydantic import Field

from admin.schemas.base import Model


class DayFigures(Model):
    """One day's or the 30 days' figures of the corp."""

    new: int | None = Field(None, description="new customers (adds)")
    lost: int | None = Field(None, description="customers lost, by the customer or by the employee")
    net: int | None = None
    group_joins: int | None = None
    group_quits: int | None = None
    group_net: int | None = None


class Series(Model):
    """One value per China day of ``days`` (ECharts' x axis), oldest first."""

    days: list[str] | None = None
    new: list[int] | None = None
    lost: list[int] | None = None
    net: list[int] | None = None
    group_joins: list[int] | None = None
    group_quits: list[int] | None = None
    group_net: list[int] | None = None


class RankedCode(Model):
    code_id: str | None = None
    name: str | None = None
    adds_today: int | None = None
    adds_30_days: int | None = None


class Missed(Model):
    today: int | None = None
    last_30_days: int | None = None


class Dashboard(Model):
    from_: str | None = Field(None, alias="from", description="the first of the 30 China days")
    to: str | None = Field(None, description="today (China)")
    today: DayFigures | None = None
    last_30_days: DayFigures | None = Field(None, description="sums over the 30 days")
    series: Series | None = None
    codes_today: list[RankedCode] | None = Field(None, description="the 10 channel codes with most adds today")
    codes_30_days: list[RankedCode] | None = Field(None, description="the 10 with most adds over the 30 days")
    welcomes_missed: Missed | None = None
    transfers_in_flight: int | None = Field(None, description="transfer jobs not finished or cancelled")
    sends_waiting: int | None = Field(None, description="mass sends whose members have not all confirmed yet")
