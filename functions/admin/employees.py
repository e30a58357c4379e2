"""Employees, as the last sync and the change_contact callbacks left them."""

from __future__ import annotations

from typing import Any

from admin.api import number_of, query_of, route


@route("/admin/employees")
def employees(principal: Any, request: Any) -> Any:
    from scrm import bootstrap

    limit = number_of(request, "limit", 100, 1000)
    return bootstrap.customer_admin().employees(principal.corp_id, query_of(request).get("cursor", ""), limit)


@route("/admin/whoami")
def whoami(principal: Any, request: Any) -> Any:
    """The key's corp and role: a cheap check that a key works."""
    return {"corp_id": principal.corp_id, "role": principal.role.value, "key_id": principal.key_id}
