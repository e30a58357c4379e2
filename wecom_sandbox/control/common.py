"""Shared plumbing of the control API: errors, request fields, lookups and callback emission.

Control endpoints speak plain JSON with HTTP status codes (400 for a bad field, 404 for an
unknown corp/customer), unlike the WeCom API which always answers 200.  Every world-mutating
endpoint accepts "create_time", "callback", "wait" and "deliver_after_s"; EmitOptions parses them once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import xmlfmt

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..world import Corp, Customer, Employee


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class Request:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)


_TYPES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    list: "an array",
    dict: "an object",
}


def field_value(
    body: dict[str, Any], name: str, typ: type, *, required: bool = False, default: Any = None
) -> Any:
    """Read body[name] checking its JSON type; raise 400 naming the field when missing or wrong."""
    if name not in body or body[name] is None:
        if required:
            raise ControlError(400, f"missing field '{name}'")
        return default
    value = body[name]
    ok = isinstance(value, typ) and not (typ in (int, float) and isinstance(value, bool))
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        raise ControlError(400, f"field '{name}' must be {_TYPES.get(typ, typ.__name__)}")
    if typ is str and required and not value:
        raise ControlError(400, f"field '{name}' must not be empty")
    return value


def str_list(body: dict[str, Any], name: str, *, required: bool = False) -> list[str]:
    values = field_value(body, name, list, required=required, default=[])
    if not all(isinstance(v, str) for v in values):
        raise ControlError(400, f"field '{name}' must be an array of strings")
    return values


def corp_or_404(app: Sandbox, corp_id: str) -> Corp:
    corp = app.world.corp(corp_id)
    if corp is None:
        raise ControlError(404, f"unknown corp '{corp_id}'")
    return corp


def employee_or_404(corp: Corp, userid: str) -> Employee:
    employee = corp.employees.get(userid)
    if employee is None:
        raise ControlError(404, f"unknown employee '{userid}' in corp '{corp.corp_id}'")
    return employee


def customer_or_404(corp: Corp, external_userid: str) -> Customer:
    customer = corp.customers.get(external_userid)
    if customer is None:
        raise ControlError(404, f"unknown customer '{external_userid}' in corp '{corp.corp_id}'")
    return customer


@dataclass(frozen=True, slots=True)
class EmitOptions:
    """Per-request callback options: callback=false changes the world silently; wait blocks until delivered;
    deliver_after_s holds the first delivery attempt that long, so that the callbacks of later changes
    overtake it (WeCom does not promise order)."""

    callback: bool = True
    wait: bool = False
    create_time: int | None = None
    deliver_after_s: float = 0.0

    @classmethod
    def parse(cls, body: dict[str, Any]) -> EmitOptions:
        delay = field_value(body, "deliver_after_s", float, default=0.0)
        if not 0 <= delay <= 600:
            raise ControlError(400, "field 'deliver_after_s' must be in [0, 600] seconds")
        return cls(
            callback=field_value(body, "callback", bool, default=True),
            wait=field_value(body, "wait", bool, default=False),
            create_time=field_value(body, "create_time", int),
            deliver_after_s=float(delay),
        )

    def time(self, app: Sandbox) -> int:
        return self.create_time if self.create_time is not None else app.world.now_int()


def emit(
    app: Sandbox,
    corp: Corp,
    events: list[dict[str, Any]],
    opts: EmitOptions,
    on_first_attempt: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Send the callbacks for a world change that has already been applied.

    Must be called without holding the world lock: with wait=true we block until delivery ends,
    and the receiving app may call back into the WeCom API meanwhile.  on_first_attempt is
    called with the world time at which the first event's first delivery attempt starts.
    """
    if not opts.callback or not events:
        return {"callback_id": None, "callback_ids": []}
    records = [
        app.callbacks.send(corp, xmlfmt.render(fields), on_first_attempt=on_first_attempt if i == 0 else None,
                           delay_s=opts.deliver_after_s)
        for i, fields in enumerate(events)
    ]
    result: dict[str, Any] = {"callback_id": records[0].id, "callback_ids": [r.id for r in records]}
    if opts.wait:
        app.callbacks.wait(records, corp, opts.deliver_after_s)
        result["callback"] = records[0].detail()
        result["callbacks"] = [r.detail() for r in records]
    return result
