"""A customer scans a 「联系我」 contact way: how tests and benchmarks make customers arrive.

A scan is customers/add with the employee and state taken from the way (add_way 1, QR code):
type 1 goes to its one user; type 2 deals scans round-robin over the way's current `user` list,
or, when that is empty, over the employees of its `party` departments.  Deleted or inactive
employees are skipped.  A temporary way (is_temp) works once, within expires_in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..api.contact_ways import party_members
from .common import ControlError, EmitOptions, Request, corp_or_404
from .customers import Added, NewContact, add_contact, send_added

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..ways import ContactWay
    from ..world import Corp


def way_or_404(corp: Corp, config_id: str) -> ContactWay:
    way = corp.contact_ways.get(config_id)
    if way is None:
        raise ControlError(404, f"unknown contact way '{config_id}' in corp '{corp.corp_id}'")
    return way


def _employees(corp: Corp, way: ContactWay) -> list[str]:
    if way.type == 1:
        candidates = way.user[:1]
    else:
        candidates = list(dict.fromkeys(way.user)) or party_members(corp, way.party)
    active = []
    for userid in candidates:
        employee = corp.employees.get(userid)
        if employee is not None and employee.status == 1:
            active.append(userid)
    return active


def scan_once(app: Sandbox, corp: Corp, config_id: str, new: NewContact, now: int) -> Added:
    """Perform one scan under the world lock: pick the employee, add the relation, advance the dealer."""
    way = way_or_404(corp, config_id)
    if way.is_temp and way.scans:
        raise ControlError(
            409, f"temporary contact way '{config_id}' was already used (its QR code is one-time)"
        )
    if way.is_temp and app.world.now() > way.create_time + way.expires_in:
        raise ControlError(409, f"temporary contact way '{config_id}' expired")
    employees = _employees(corp, way)
    if not employees:
        raise ControlError(409, f"contact way '{config_id}' has no active employee to add")
    new.userid = employees[way.rr % len(employees)]
    new.state = way.state
    new.add_way = 1
    added = add_contact(app, corp, new, now)
    way.rr += 1
    way.scans += 1
    return added


def scan(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    new = NewContact.parse(body, userid="")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        added = scan_once(app, corp, req.params["config_id"], new, opts.time(app))
        userid, state = new.userid, new.state
    return {"userid": userid, "state": state, **send_added(app, corp, added, opts)}
