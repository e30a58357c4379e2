"""What the churn-alert services need from the outside world (DynamoAlerts, the store's read views,
WeCom's message/send); unit tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from scrm.alerts.pacing import Caps, Pace


class AlertRepo(Protocol):
    def settings(self, corp_id: str) -> dict[str, Any] | None: ...

    def save_settings(self, corp_id: str, values: dict[str, Any]) -> None: ...

    def record(self, corp_id: str, recipient: str, sk: str) -> dict[str, Any] | None: ...

    def create(self, corp_id: str, recipient: str, sk: str, fields: dict[str, Any]) -> tuple[bool, dict[str, Any]]: ...

    def mark(self, corp_id: str, recipient: str, sk: str, state: str, was: str, now: float, **extra: str) -> bool: ...

    def take_slot(
        self, corp_id: str, recipient: str, sk: str, now: float, caps: Caps, day: str, day_cap: int
    ) -> str: ...

    def defer(self, corp_id: str, recipient: str, sk: str, now: float) -> bool: ...

    def claim(self, corp_id: str, recipient: str, sk: str, now: float, lease_s: int) -> bool: ...

    def pace(self, corp_id: str, recipient: str) -> Pace: ...

    def pending(self, corp_id: str) -> list[tuple[str, int]]: ...

    def clear_pending(self, corp_id: str, recipient: str, seen: int) -> bool: ...

    def deferred(
        self, corp_id: str, recipient: str, first_day: str, last_day: str, limit: int
    ) -> list[dict[str, Any]]: ...

    def digest_marker(self, corp_id: str, recipient: str, day: str) -> dict[str, Any] | None: ...

    def start_digest(
        self, corp_id: str, recipient: str, day: str, now: float, caps: Caps, alert_sks: list[str],
        card: dict[str, Any],
    ) -> bool: ...

    def on_day(self, corp_id: str, day: str, recipient: str = "", limit: int = 100, after: str = "") -> list[dict[str, Any]]: ...


class AlertReads(Protocol):
    """The store's read views (adapters/dynamo/reads.py)."""

    def follow(self, corp_id: str, external_userid: str, userid: str) -> dict[str, Any] | None: ...

    def customer(self, corp_id: str, external_userid: str) -> dict[str, Any] | None: ...

    def employee(self, corp_id: str, userid: str) -> dict[str, Any] | None: ...

    def tag_library(self, corp_id: str) -> list[dict[str, Any]]: ...


class CodeNames(Protocol):
    def cached(self, corp_id: str, sk: str) -> dict[str, Any] | None: ...


class MessageWeCom(Protocol):
    def send_app_message(
        self, agent_id: str, touser: Sequence[str], msgtype: str, content: dict[str, Any]
    ) -> dict[str, Any]: ...
