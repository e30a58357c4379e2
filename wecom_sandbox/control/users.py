"""Control endpoints for employees → change_contact (create_user / update_user / delete_user), and the
employee's API license (users/license, no event).

A deleted employee disappears from user/get and user/list, but their customer relations and
groups are kept, as WeCom keeps them for 离职继承 (resigned handover) until transferred.
Renaming (new_userid) moves relations, group ownership and membership to the new id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import events
from ..world import Employee
from .common import ControlError, EmitOptions, Request, corp_or_404, emit, employee_or_404, field_value

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..world import Corp


def _departments(body: dict[str, Any]) -> list[int] | None:
    depts = field_value(body, "department", list)
    if depts is None:
        return None
    if not depts or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in depts):
        raise ControlError(400, "field 'department' must be a non-empty array of positive integers")
    return depts


STATUSES = (1, 2, 4, 5)
"""user/get's status: 1 active, 2 disabled, 4 not activated, 5 left; contact ways need 1 (41054)."""


def _status(body: dict[str, Any]) -> int | None:
    status = field_value(body, "status", int)
    if status is not None and status not in STATUSES:
        raise ControlError(
            400, "field 'status' must be 1 (active), 2 (disabled), 4 (not activated) or 5 (left)"
        )
    return status


def create(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    userid = field_value(body, "userid", str, required=True)
    employee = Employee(
        userid=userid,
        name=field_value(body, "name", str, required=True),
        department=_departments(body) or [1],
        position=field_value(body, "position", str, default=""),
        mobile=field_value(body, "mobile", str, default=""),
        gender=field_value(body, "gender", int, default=1),
        status=_status(body) or 1,
    )
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        if userid in corp.employees:
            raise ControlError(409, f"employee '{userid}' already exists")
        corp.employees[userid] = employee
        corp.departed.pop(userid, None)
        evt = events.contact(
            corp.corp_id,
            opts.time(app),
            "create_user",
            userid,
            {
                "Name": employee.name,
                "Department": ",".join(str(d) for d in employee.department),
                "MainDepartment": employee.department[0],
                "IsLeaderInDept": ",".join("0" for _ in employee.department),
                "Position": employee.position,
                "Mobile": employee.mobile,
                "Gender": employee.gender,
                "Status": employee.status,
            },
        )
    return {"userid": userid, **emit(app, corp, [evt], opts)}


def update(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    userid = field_value(body, "userid", str, required=True)
    new_userid = field_value(body, "new_userid", str)
    name = field_value(body, "name", str)
    position = field_value(body, "position", str)
    mobile = field_value(body, "mobile", str)
    departments = _departments(body)
    status = _status(body)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        employee = employee_or_404(corp, userid)
        extra: dict[str, Any] = {}
        if new_userid and new_userid != userid:
            if new_userid in corp.employees:
                raise ControlError(409, f"employee '{new_userid}' already exists")
            _rename(corp, userid, new_userid)
            extra["NewUserID"] = new_userid
        if name is not None:
            employee.name = name
            extra["Name"] = name
        if departments is not None:
            employee.department = departments
            extra["Department"] = ",".join(str(d) for d in departments)
        if position is not None:
            employee.position = position
            extra["Position"] = position
        if mobile is not None:
            employee.mobile = mobile
            extra["Mobile"] = mobile
        if status is not None:
            employee.status = status
            extra["Status"] = status
        evt = events.contact(corp.corp_id, opts.time(app), "update_user", userid, extra)
    return {"userid": employee.userid, **emit(app, corp, [evt], opts)}


def _rename(corp: Corp, old: str, new: str) -> None:
    employee = corp.employees.pop(old)
    employee.userid = new
    corp.employees[new] = employee
    rels = corp.relations_by_user.pop(old, {})
    if rels:
        corp.relations_by_user[new] = rels
    for rel in rels.values():
        rel.userid = new
        by_customer = corp.relations_by_customer[rel.external_userid]
        by_customer[new] = by_customer.pop(old)
    for by_user in corp.relations_by_user.values():
        for rel in by_user.values():
            if rel.oper_userid == old:
                rel.oper_userid = new
    for chat in corp.groups.values():
        if chat.owner == old:
            chat.owner = new
        if old in chat.members:
            member = chat.members.pop(old)
            member.userid = new
            chat.members[new] = member
        for member in chat.members.values():
            if member.invitor == old:
                member.invitor = new
        chat.admin_list = [new if a == old else a for a in chat.admin_list]


def delete(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    userid = field_value(body, "userid", str, required=True)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        employee_or_404(corp, userid)
        del corp.employees[userid]
        corp.departed[userid] = opts.time(app)
        for chat in corp.groups.values():
            if chat.owner == userid and chat.status in (0, 3):
                # groupchat/list: 离职待继承 (owner left), waiting for groupchat/transfer; a group inherited
                # earlier (status 3) whose new owner leaves in turn waits again.
                chat.status = 1
        evt = events.contact(corp.corp_id, opts.time(app), "delete_user", userid)
    return emit(app, corp, [evt], opts)


def license(app: Sandbox, req: Request) -> dict[str, Any]:
    """Mark an employee licensed or not (接口许可). Not a contact change: no callback. message/send then
    lists an unlicensed member in unlicenseduser and delivers nothing to them (90236)."""
    userid = field_value(req.body, "userid", str, required=True)
    licensed = field_value(req.body, "licensed", bool, default=False)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        employee_or_404(corp, userid).licensed = licensed
    return {"userid": userid, "licensed": licensed}
