"""A corp's churn-alert switches and digest rules; a change refused names the field (FieldError)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from scrm.kernel.field_error import FieldError

FIELDS = ("employee_alerts", "admin_alerts", "admins", "digest_above", "digest_time", "link_url")
MAX_ADMINS = 20


@dataclass(frozen=True)
class AlertSettings:
    """``digest_above``: single alerts per recipient per China day before the rest wait for the digest
    (0: every alert goes to the digest). ``digest_time``: China time ("HH:MM") the daily digest is due."""

    employee_alerts: bool = True
    admin_alerts: bool = False
    admins: tuple[str, ...] = field(default=())
    digest_above: int = 20
    digest_time: str = "09:05"
    link_url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "admins": list(self.admins)}

    def digest_due(self, now_local: datetime) -> bool:
        """The digest time has passed on this (China) day."""
        hour, minute = (int(x) for x in self.digest_time.split(":"))
        return (now_local.hour, now_local.minute) >= (hour, minute)

    @classmethod
    def of(cls, d: Mapping[str, Any] | None) -> AlertSettings:
        """From stored values (missing ones take the defaults)."""
        d = {k: v for k, v in (d or {}).items() if k in FIELDS and v is not None}
        if "admins" in d:
            d["admins"] = tuple(d["admins"])
        if "digest_above" in d:
            d["digest_above"] = int(d["digest_above"])
        return cls(**d)


def parse_update(body: Mapping[str, Any], current: AlertSettings) -> AlertSettings:
    """Only the given fields change, from typed values: the admin API's model (functions/admin/schemas/
    alerts.py) checked each field's shape. Here: admins once each, at most 20, and admin alerts need one.
    Admins are checked against the directory by the service."""
    changes = dict(body)
    if "admins" in body:
        admins = tuple(dict.fromkeys(a.strip() for a in body["admins"]))
        if len(admins) > MAX_ADMINS:
            raise FieldError("admins", f"at most {MAX_ADMINS} admins")
        changes["admins"] = admins
    result = replace(current, **changes)
    if result.admin_alerts and not result.admins:
        raise FieldError("admins", "admin_alerts needs at least one admin")
    return result
