"""Control endpoints that change employee↔customer relations and fire change_external_contact.

These model things that happen *outside* the app (a customer scans a QR code, an employee edits
a remark in the WeCom client, a customer blocks the employee), so unlike API writes they do send
callbacks.  The relation is changed first, then the event is emitted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import events, ids
from ..api.tags import apply_tags
from ..world import Customer, Relation, WelcomeCode
from .common import (
    ControlError,
    EmitOptions,
    Request,
    corp_or_404,
    customer_or_404,
    emit,
    employee_or_404,
    field_value,
    str_list,
)
from .corps import customer_json

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..world import Corp

FAIL_REASONS = ("customer_refused", "customer_limit_exceed")


def _relation_or_404(corp: Corp, userid: str, ext: str) -> Relation:
    rel = corp.relation(userid, ext)
    if rel is None:
        raise ControlError(404, f"no relation between employee '{userid}' and customer '{ext}'")
    return rel


def get(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        customer_or_404(corp, req.params["ext"])
        return customer_json(corp, req.params["ext"])


def add(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    userid = field_value(body, "userid", str, required=True)
    ext = field_value(body, "external_userid", str)
    if ext is not None and not ids.is_external_userid(ext):
        raise ControlError(400, "field 'external_userid' must look like 'wm' or 'wo' + 6..62 id characters")
    half = field_value(body, "half", bool, default=False)
    state = field_value(body, "state", str, default="")
    add_way = field_value(body, "add_way", int, default=1)
    with_welcome = field_value(body, "welcome_code", bool, default=True)
    remark = field_value(body, "remark", str, default="")
    description = field_value(body, "description", str, default="")
    tags = str_list(body, "tags")
    oper_userid = field_value(body, "oper_userid", str)
    for name, typ in (("name", str), ("type", int), ("gender", int), ("avatar", str), ("unionid", str)):
        field_value(body, name, typ)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        employee_or_404(corp, userid)
        unknown = [t for t in tags if t not in corp.tags]
        if unknown:
            raise ControlError(400, f"field 'tags': unknown tag id '{unknown[0]}'")
        customer = _get_or_create_customer(corp, ext, body)
        ext = customer.external_userid
        now = opts.time(app)
        rel = corp.relation(userid, ext)
        if rel is not None and not rel.one_way:
            raise ControlError(409, f"employee '{userid}' already follows customer '{ext}'")
        if rel is not None:  # the customer had deleted the employee and adds them again
            corp.remove_relation(userid, ext)
        corp.add_relation(
            Relation(
                userid=userid,
                external_userid=ext,
                createtime=now,
                seq=corp.next_seq(),
                remark=remark,
                description=description,
                tag_ids=list(tags),
                add_way=add_way,
                state=state,
                oper_userid=oper_userid or ext,
            )
        )
        code = ids.welcome_code(corp.rng) if with_welcome else None
        if code:
            corp.welcome_codes[code] = WelcomeCode(userid, ext, app.world.now())
        change = "add_half_external_contact" if half else "add_external_contact"
        event = events.external_contact(
            corp.corp_id, now, change, userid, ext, state=state or None, welcome_code=code
        )
    return {"external_userid": ext, "welcome_code": code, **emit(app, corp, [event], opts)}


def _get_or_create_customer(corp: Corp, ext: str | None, body: dict[str, Any]) -> Customer:
    if ext and ext in corp.customers:
        return corp.customers[ext]
    if not ext:
        ext = ids.external_userid(corp.rng)
        while ext in corp.customers:
            ext = ids.external_userid(corp.rng)
    customer = Customer(
        external_userid=ext,
        name=field_value(body, "name", str, default="新客户"),
        type=field_value(body, "type", int, default=1),
        gender=field_value(body, "gender", int, default=0),
        avatar=field_value(body, "avatar", str, default=""),
        unionid=field_value(body, "unionid", str, default=""),
    )
    corp.customers[ext] = customer
    return customer


def edit(app: Sandbox, req: Request) -> dict[str, Any]:
    """Edit remark/description/tags as an employee would in the client → edit_external_contact.

    WeCom does not fire the event when only remark_mobiles changes; neither does the sandbox.
    """
    body = req.body
    opts = EmitOptions.parse(body)
    userid = field_value(body, "userid", str, required=True)
    ext = field_value(body, "external_userid", str, required=True)
    add_tags = str_list(body, "add_tags")
    remove_tags = str_list(body, "remove_tags")
    mobiles = str_list(body, "remark_mobiles") if "remark_mobiles" in body else None
    texts = {name: field_value(body, name, str) for name in ("remark", "description", "remark_corp_name")}
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        rel = _relation_or_404(corp, userid, ext)
        unknown = [t for t in add_tags + remove_tags if t not in corp.tags]
        if unknown:
            raise ControlError(400, f"unknown tag id '{unknown[0]}'")
        notify = False
        for name, value in texts.items():
            if value is not None:
                setattr(rel, name, value)
                notify = True
        if add_tags or remove_tags:
            apply_tags(rel.tag_ids, add_tags, remove_tags)
            notify = True
        if mobiles is not None:
            rel.remark_mobiles = mobiles
        event = events.external_contact(corp.corp_id, opts.time(app), "edit_external_contact", userid, ext)
    if not notify:
        return {
            "callback_id": None,
            "callback_ids": [],
            "note": "remark_mobiles-only edits send no event (WeCom rule)",
        }
    return emit(app, corp, [event], opts)


def del_by_employee(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    userid = field_value(body, "userid", str, required=True)
    ext = field_value(body, "external_userid", str, required=True)
    source = field_value(body, "source", str)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        _relation_or_404(corp, userid, ext)
        corp.remove_relation(userid, ext)
        event = events.external_contact(
            corp.corp_id, opts.time(app), "del_external_contact", userid, ext, source=source
        )
    return emit(app, corp, [event], opts)


def del_by_customer(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    userid = field_value(body, "userid", str, required=True)
    ext = field_value(body, "external_userid", str, required=True)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        rel = _relation_or_404(corp, userid, ext)
        if rel.one_way:
            raise ControlError(409, f"customer '{ext}' already deleted employee '{userid}'")
        rel.one_way = True
        event = events.external_contact(corp.corp_id, opts.time(app), "del_follow_user", userid, ext)
    return emit(app, corp, [event], opts)


def transfer_fail(app: Sandbox, req: Request) -> dict[str, Any]:
    """A handover to `userid` (the takeover member) failed; the world is unchanged."""
    body = req.body
    opts = EmitOptions.parse(body)
    userid = field_value(body, "userid", str, required=True)
    ext = field_value(body, "external_userid", str, required=True)
    reason = field_value(body, "reason", str, required=True)
    if reason not in FAIL_REASONS:
        raise ControlError(400, f"field 'reason' must be one of {', '.join(FAIL_REASONS)}")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        employee_or_404(corp, userid)
        customer_or_404(corp, ext)
        event = events.external_contact(
            corp.corp_id, opts.time(app), "transfer_fail", userid, ext, fail_reason=reason
        )
    return emit(app, corp, [event], opts)
