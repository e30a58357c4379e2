"""``scrm`` against the admin API's real routes in this process (Chalice's test client, no HTTP server and
no stack): the route wrapper, validation and error answers are the deployed ones; tests give the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from scrm import bootstrap
from scrm.cli import client
from scrm.corps.api_key import Principal, Role

KEY = "scrm_test_key"


class _Limiter:
    def hit(self, key_id: str) -> None:
        return None


class _Keys:
    def __init__(self, corp_id: str, role: Role) -> None:
        self.principal = Principal(corp_id=corp_id, role=role, key_id="k1")

    def authenticate(self, key: str) -> Principal | None:
        return self.principal if key == KEY else None


def in_process(monkeypatch: pytest.MonkeyPatch, corp_id: str, services: dict[str, Callable[[], Any]],
               role: Role = Role.ADMIN) -> None:  # fmt: skip
    """``scrm`` commands call the admin app in this process as an ``role`` key of ``corp_id``;
    ``services`` replace bootstrap's factories (``{"sop_admin": lambda: admin}``)."""
    from admin.api import admin
    from admin.guards import audit_log
    from chalice.test import Client

    monkeypatch.setattr(audit_log, "disabled", True)  # it writes JSON lines to stdout, where the CLI prints

    test_client = Client(admin)

    class InProcess(client.Api):
        def send(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> tuple[int, Any, bytes]:
            path = url.removeprefix(self.profile.url)
            answer = test_client.http.request(method, path, headers=headers, body=data or b"")
            return answer.status_code, answer.headers, answer.body

    client._whoami.clear()
    monkeypatch.setattr(client, "API_CLASS", InProcess)
    monkeypatch.setenv("SCRM_API_URL", "http://admin.test")
    monkeypatch.setenv("SCRM_API_KEY", KEY)
    monkeypatch.setattr(bootstrap, "api_keys", lambda: _Keys(corp_id, role))
    monkeypatch.setattr(bootstrap, "key_limiter", lambda: _Limiter())
    for name, factory in services.items():
        monkeypatch.setattr(bootstrap, name, factory)
