"""A corp's churn-alert switches and digest rules, checked the way the admin API answers (a FieldError
naming the field)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from scrm.kernel.field_error import FieldError

FIELDS = ("employee_alerts", "admin_alerts", "admins", "digest_above", "digest_time", "link_url")
MAX_ADMINS = 20
MAX_DIGEST_ABOVE = 1000
TIME_RE = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
URL_RE = re.compile(r"https?://[^\s]+")
URL_MAX = 1024


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


def _bool(body: Mapping[str, Any], name: str) -> bool:
    value = body[name]
    if not isinstance(value, bool):
        raise FieldError(name, "must be true or false")
    return value


def parse_update(body: Mapping[str, Any], current: AlertSettings) -> AlertSettings:
    """Only the given fields change. Admins are checked against the directory by the service."""
    unknown = [k for k in body if k not in FIELDS]
    if unknown:
        raise FieldError(unknown[0], f"unknown field (known: {', '.join(FIELDS)})")
    changes: dict[str, Any] = {}
    for name in ("employee_alerts", "admin_alerts"):
        if name in body:
            changes[name] = _bool(body, name)
    if "admins" in body:
        admins = body["admins"]
        if not isinstance(admins, list) or not all(isinstance(a, str) and a.strip() for a in admins):
            raise FieldError("admins", "must be a list of userids")
        admins = list(dict.fromkeys(a.strip() for a in admins))
        if len(admins) > MAX_ADMINS:
            raise FieldError("admins", f"at most {MAX_ADMINS} admins")
        changes["admins"] = tuple(admins)
    if "digest_above" in body:
        n = body["digest_above"]
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_DIGEST_ABOVE:
            raise FieldError("digest_above", f"must be an integer from 0 to {MAX_DIGEST_ABOVE}")
        changes["digest_above"] = n
    if "digest_time" in body:
        t = body["digest_time"]
        if not isinstance(t, str) or not TIME_RE.fullmatch(t):
            raise FieldError("digest_time", "must be HH:MM (China time), e.g. 09:05")
        changes["digest_time"] = t
    if "link_url" in body:
        url = body["link_url"]
        if not isinstance(url, str) or len(url) > URL_MAX or (url and not URL_RE.fullmatch(url)):
            raise FieldError("link_url", f"must be empty or an http(s) URL of at most {URL_MAX} characters")
        changes["link_url"] = url
    result = replace(current, **changes)
    if result.admin_alerts and not result.admins:
        raise FieldError("admins", "admin_alerts needs at least one admin")
    return result
