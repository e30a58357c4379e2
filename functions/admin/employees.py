"""Employees, as the last sync and the change_contact callbacks left them."""

from __future__ import annotations

from typing import Any

from admin.api import query_of, route


@route("/admin/employees")
def employees(principal: Any, request: Any) -> Any:
    from scrm import bootstrap
    from scrm.services.customer_admin import AdminError

    q = query_of(request)
    limit = q.get("limit", "100")
    if not limit.isdigit():
        raise AdminError(400, "limit: must be an integer", "limit")
    return bootstrap.customer_admin().employees(principal.corp_id, q.get("cursor", ""), int(limit))


@route("/admin/whoami")
def whoami(principal: Any, request: Any) -> Any:
    """The key's corp and role: a cheap check that a key works."""
    return {"corp_id": principal.corp_id, "role": principal.role.value, "key_id": principal.key_id}
