"""Contacts (通讯录) read APIs: user/get, user/list, user/simplelist.

Departments are flat in the sandbox: department 1 is the root and every other department id that
appears on an employee is treated as a direct child of it.
"""

from __future__ import annotations

from typing import Any

from ..world import Corp, Employee
from .errors import ApiError
from .registry import ApiContext, route


@route("GET", "user/get")
def user_get(ctx: ApiContext) -> dict[str, Any]:
    userid = ctx.query_str("userid", 41009)
    employee = ctx.corp.employees.get(userid)
    if employee is None:
        raise ApiError(60111, f"userid {userid}")
    return employee.to_api()


def _members(ctx: ApiContext) -> list[Employee]:
    raw = ctx.query.get("department_id", "")
    try:
        dept = int(raw)
    except ValueError:
        raise ApiError(60123, f"department_id {raw!r}") from None
    if dept not in departments(ctx.corp):
        raise ApiError(60123, f"department_id {dept}")
    fetch_child = ctx.query.get("fetch_child") == "1"
    if dept == 1 and fetch_child:
        return list(ctx.corp.employees.values())
    return [e for e in ctx.corp.employees.values() if dept in e.department]


def departments(corp: Corp) -> set[int]:
    """Department ids that exist: the root and every id an employee belongs to."""
    depts = {1}
    for employee in corp.employees.values():
        depts.update(employee.department)
    return depts


@route("GET", "user/list")
def user_list(ctx: ApiContext) -> dict[str, Any]:
    return {"userlist": [e.to_api() for e in _members(ctx)]}


@route("GET", "user/simplelist")
def user_simplelist(ctx: ApiContext) -> dict[str, Any]:
    return {
        "userlist": [
            {"userid": e.userid, "name": e.name, "department": list(e.department)} for e in _members(ctx)
        ]
    }
