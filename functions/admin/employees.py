"""Employees, as the last sync and the change_contact callbacks left them."""

from __future__ import annotations

from typing import Any

from admin.api import Doc, number_of, query_of, route
from admin.schemas import customers as S


@route("/admin/employees", doc=Doc(
    "Employees, by userid", {200: ("a page of employees", S.EmployeePage)}, query=S.EmployeeQuery
))
def employees(principal: Any, request: Any) -> Any:
    from scrm import bootstrap

    limit = number_of(request, "limit", 100, 1000)
    return bootstrap.customer_admin().employees(principal.corp_id, query_of(request).get("cursor", ""), limit)


@route("/admin/whoami", doc=Doc("The key's corp, role and id", {200: ("the caller", S.WhoAmI)}))
def whoami(principal: Any, request: Any) -> Any:
    """The key's corp and role: a cheap check that a key works."""
    return {"corp_id": principal.corp_id, "role": principal.role.value, "key_id": principal.key_id}
