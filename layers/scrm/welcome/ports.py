"""What the welcome sender needs from WeCom."""

from __future__ import annotations

from typing import Any, Protocol

from scrm.customers.customer import CustomerProfile, FollowInfo


class WelcomeWeCom(Protocol):
    def get_customer(self, external_userid: str) -> tuple[CustomerProfile, list[FollowInfo]] | None: ...

    def send_welcome(self, welcome_code: str, payload: dict[str, Any]) -> None: ...
