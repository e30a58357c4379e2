"""Control endpoints that change employee↔customer relations and fire change_external_contact.

These model things that happen *outside* the app (a customer scans a QR code, an employee edits
a remark in the WeCom client, a customer blocks the employee), so unlike API writes they do send
callbacks.  The relation is changed first, then the event is emitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import events, ids
from ..api.tags import apply_tags
from ..welcomes import WelcomeRecord
from ..world import Customer, Relation
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


@dataclass(slots=True)
class NewContact:
    """One customer adding one employee: what customers/add reads from its body and a scan builds."""

    userid: str
    external_userid: str | None = None
    half: bool = False
    state: str = ""
    add_way: int = 1
    welcome_code: bool = True
    remark: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    oper_userid: str | None = None
    profile: dict[str, Any] = field(default_factory=dict)
    """name, type, gender, avatar, unionid of a customer that does not exist yet."""

    @classmethod
    def parse(cls, body: dict[str, Any], *, userid: str | None = None) -> NewContact:
        """Validate body's fields (400 naming the field); `userid` given = the caller picks the employee."""
        ext = field_value(body, "external_userid", str)
        if ext is not None and not ids.is_external_userid(ext):
            raise ControlError(
                400, "field 'external_userid' must look like 'wm' or 'wo' + 6..62 id characters"
            )
        return cls(
            userid=userid if userid is not None else field_value(body, "userid", str, required=True),
            external_userid=ext,
            half=field_value(body, "half", bool, default=False),
            state=field_value(body, "state", str, default=""),
            add_way=field_value(body, "add_way", int, default=1),
            welcome_code=field_value(body, "welcome_code", bool, default=True),
            remark=field_value(body, "remark", str, default=""),
            description=field_value(body, "description", str, default=""),
            tags=str_list(body, "tags"),
            oper_userid=field_value(body, "oper_userid", str),
            profile=customer_profile(body),
        )


def customer_profile(body: dict[str, Any]) -> dict[str, Any]:
    """The customer fields of a body that were given, type-checked."""
    profile = {}
    for name, typ in (("name", str), ("type", int), ("gender", int), ("avatar", str), ("unionid", str)):
        value = field_value(body, name, typ)
        if value is not None:
            profile[name] = value
    return profile


@dataclass(slots=True)
class Added:
    """A relation that was just created, and the event that announces it (not sent yet)."""

    external_userid: str
    welcome: WelcomeRecord | None
    event: dict[str, Any]


def add_contact(app: Sandbox, corp: Corp, new: NewContact, now: int) -> Added:
    """Create (or reuse) the customer and the relation, issue the welcome code; hold the world lock.

    Shared by customers/add and the contact-way scans so both produce exactly the same world
    change and event.  A two-way relation that already exists is a 409; a one-way one (the
    customer had deleted the employee) becomes two-way again.
    """
    employee_or_404(corp, new.userid)
    unknown = [t for t in new.tags if t not in corp.tags]
    if unknown:
        raise ControlError(400, f"field 'tags': unknown tag id '{unknown[0]}'")
    customer = get_or_create_customer(corp, new.external_userid, new.profile)
    ext = customer.external_userid
    rel = corp.relation(new.userid, ext)
    if rel is not None and not rel.one_way:
        raise ControlError(409, f"employee '{new.userid}' already follows customer '{ext}'")
    if rel is not None:  # the customer had deleted the employee and adds them again
        corp.remove_relation(new.userid, ext)
    corp.add_relation(
        Relation(
            userid=new.userid,
            external_userid=ext,
            createtime=now,
            seq=corp.next_seq(),
            remark=new.remark,
            description=new.description,
            tag_ids=list(new.tags),
            add_way=new.add_way,
            state=new.state,
            oper_userid=new.oper_userid or ext,
        )
    )
    corp.contact_history.gained(new.userid, now, applied=new.oper_userid == new.userid)
    record = None
    if new.welcome_code:
        code = ids.welcome_code(corp.rng)
        record = corp.welcomes.issue(code, new.userid, ext, new.state, app.world.now())
    change = "add_half_external_contact" if new.half else "add_external_contact"
    event = events.external_contact(
        corp.corp_id,
        now,
        change,
        new.userid,
        ext,
        state=new.state or None,
        welcome_code=record.code if record else None,
    )
    return Added(ext, record, event)


def send_added(app: Sandbox, corp: Corp, added: Added, opts: EmitOptions) -> dict[str, Any]:
    """Emit the add event (without the world lock); its first attempt stamps the welcome log."""
    hook = added.welcome.callback_sent if added.welcome else None
    return {
        "external_userid": added.external_userid,
        "welcome_code": added.welcome.code if added.welcome else None,
        **emit(app, corp, [added.event], opts, on_first_attempt=hook),
    }


def add(app: Sandbox, req: Request) -> dict[str, Any]:
    opts = EmitOptions.parse(req.body)
    new = NewContact.parse(req.body)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        added = add_contact(app, corp, new, opts.time(app))
    return send_added(app, corp, added, opts)


def get_or_create_customer(corp: Corp, ext: str | None, profile: dict[str, Any]) -> Customer:
    if ext and ext in corp.customers:
        return corp.customers[ext]
    if not ext:
        ext = ids.external_userid(corp.rng)
        while ext in corp.customers:
            ext = ids.external_userid(corp.rng)
    customer = Customer(
        external_userid=ext,
        name=profile.get("name", "新客户"),
        type=profile.get("type", 1),
        gender=profile.get("gender", 0),
        avatar=profile.get("avatar", ""),
        unionid=profile.get("unionid", ""),
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
        corp.contact_history.bump(userid, opts.time(app), "deleted_by_employee")
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
        corp.contact_history.bump(userid, opts.time(app), "negative_feedback")
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
