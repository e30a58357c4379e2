"""「联系我」 contact ways (92572): add / get / update / del / list_contact_way.

A contact way is what an SCRM's channel QR code is made of: a type (1 one employee, 2 several),
a scene (1 mini-program button, 2 QR code, which gets a qr_code URL), the employees (`user`) and
departments (`party`) a scan is dealt to, and a `state` that comes back in the
add_external_contact callback and in the relation's follow_user.  Customers arrive through the
control API's scan endpoints (control/contact_ways.py).

Error codes are WeCom's (global code list 90313): missing/invalid type 41037/41039, missing/
invalid scene 41038/41040, invalid style 41042, missing/unknown config_id 41043/41044, more than
100 employees (departments expanded) 41041, an employee who is not active 41054, more than
500,000 ways 41045; unknown userid 60111 and department 60123 as in the contacts APIs; other bad
fields (remark or state over 30 characters, type 1 without exactly one user, no user nor party)
40058 with the field named in errmsg.

Temporary ways (``is_temp``, 临时会话; 92572 / 96348): for medical-industry corps only (the corp
setting ``medical_industry``), at most TEMP_WAYS_PER_DAY (100,000) a China day, and not counted in
the 500,000 cap.  The pages name no code for either refusal: 48002 ("api forbidden") for a corp
outside the medical industry and 41045 for the daily cap are the sandbox's choices.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .. import ids
from ..days import day_start
from ..ways import TEMP_CHAT_EXPIRES_IN_DEFAULT, TEMP_EXPIRES_IN_DEFAULT, ContactWay
from ..world import Corp
from . import cursor
from .errors import ApiError
from .fields import configured, opt_bool, opt_int, opt_list, opt_str
from .registry import ApiContext, route
from .users import departments
from .welcome import check_content_object, check_text

MAX_USERS = 100
MAX_WAYS = 500_000
"""Contact and join ways a corp may hold through the API (temporary ways not counted)."""
TEMP_WAYS_PER_DAY = 100_000
NOT_MEDICAL = 48002
TEXT_MAX_CHARS = 30
MAX_EXPIRES_IN = 14 * 86_400
LIST_DEFAULT_WINDOW_S = 90 * 86_400
CONCLUSION_KINDS = ("image", "link", "miniprogram")


def api_ways(corp: Corp) -> int:
    """Ways that count towards the 500,000 cap: contact ways other than temporary ones, and join ways."""
    return len(corp.contact_ways) - corp.live_temp_ways + len(corp.join_ways)


def party_members(corp: Corp, parties: list[int]) -> list[str]:
    """Employees of the given departments, in the corp's order; department 1 is everyone (the root)."""
    if not parties:
        return []
    if 1 in parties:
        return list(corp.employees)
    wanted = set(parties)
    return [e.userid for e in corp.employees.values() if wanted.intersection(e.department)]


def _conclusions(value: Any) -> dict[str, Any] | None:
    """The temporary-chat closing message: text plus at most one image / link / miniprogram."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ApiError(40058, "conclusions must be an object")
    for name, item in value.items():
        if name == "text":
            check_text(item)
        elif name in CONCLUSION_KINDS:
            check_content_object(name, item, f"conclusions.{name}")
        else:
            raise ApiError(40058, f"conclusions.{name} is not text, image, link or miniprogram")
    return value


def _changes(body: dict[str, Any]) -> dict[str, Any]:
    """The ContactWay fields present in body, validated one by one (shared by add and update)."""
    users = body.get("user")
    if isinstance(users, str):  # several SDKs send a lone userid as a string
        body = {**body, "user": [users]}
    values: dict[str, Any] = {
        "remark": opt_str(body, "remark", TEXT_MAX_CHARS),
        "state": opt_str(body, "state", TEXT_MAX_CHARS),
        "skip_verify": opt_bool(body, "skip_verify"),
        "style": opt_int(body, "style", 1, 1000, errcode=41042),
        "user": opt_list(body, "user", str),
        "party": opt_list(body, "party", int),
        "expires_in": opt_int(body, "expires_in", 1, MAX_EXPIRES_IN),
        "chat_expires_in": opt_int(body, "chat_expires_in", 1, MAX_EXPIRES_IN),
        "unionid": opt_str(body, "unionid"),
        "is_exclusive": opt_bool(body, "is_exclusive"),
        "conclusions": _conclusions(body.get("conclusions")),
    }
    opt_bool(body, "mark_source")  # accepted, not simulated
    return {k: v for k, v in values.items() if v is not None}


def _check_people(corp: Corp, way: ContactWay) -> None:
    users = list(dict.fromkeys(way.user))
    if way.type == 1 and len(users) != 1:
        raise ApiError(40058, "user must hold exactly one userid when type is 1 (single)")
    if not users and not way.party:
        raise ApiError(40058, "user and party are both empty")
    if len(users) > MAX_USERS:
        raise ApiError(41041, f"user holds {len(users)} userids, at most {MAX_USERS}")
    for userid in users:
        employee = corp.employees.get(userid)
        if employee is None:
            raise ApiError(60111, f"userid {userid}")
        if employee.status != 1:
            raise ApiError(41054, f"userid {userid} is not active (status {employee.status})")
    known = departments(corp)
    for party in way.party:
        if party not in known:
            raise ApiError(60123, f"party {party}")
    if way.type == 2 and len(set(users).union(party_members(corp, way.party))) > MAX_USERS:
        raise ApiError(41041, f"more than {MAX_USERS} employees once departments are expanded")


def _choice(body: dict[str, Any], name: str, missing: int, invalid: int) -> int:
    value = body.get(name)
    if value is None:
        raise ApiError(missing, f"missing {name}")
    if isinstance(value, bool) or value not in (1, 2):
        raise ApiError(invalid, f"{name} must be 1 or 2")
    return int(value)


@route("POST", "externalcontact/add_contact_way")
def add_contact_way(ctx: ApiContext) -> dict[str, Any]:
    corp = ctx.corp
    type_ = _choice(ctx.body, "type", 41037, 41039)
    scene = _choice(ctx.body, "scene", 41038, 41040)
    changes = _changes(ctx.body)
    is_temp = bool(opt_bool(ctx.body, "is_temp"))
    now = ctx.app.world.now_int()
    today = day_start(now)
    if is_temp:
        if not corp.medical_industry:
            raise ApiError(NOT_MEDICAL, "is_temp (temporary chat) is for medical-industry corps only")
        if type_ != 1:
            raise ApiError(40058, "is_temp supports type 1 (single) only")
        if corp.temp_ways_by_day.get(today, 0) >= TEMP_WAYS_PER_DAY:
            raise ApiError(41045, f"at most {TEMP_WAYS_PER_DAY} temporary contact ways a day")
        changes.setdefault("expires_in", TEMP_EXPIRES_IN_DEFAULT)
        changes.setdefault("chat_expires_in", TEMP_CHAT_EXPIRES_IN_DEFAULT)
    elif api_ways(corp) >= MAX_WAYS:
        raise ApiError(41045, f"a corp can create at most {MAX_WAYS} contact and join ways through the API")
    config_id = ids.config_id(corp.rng)
    way = ContactWay(config_id, type_, scene, now, corp.next_seq(), is_temp=is_temp, **changes)
    _check_people(corp, way)
    if scene == 2:
        way.qr_code = ids.qr_code(corp.rng)
    corp.contact_ways[config_id] = way
    if is_temp:
        corp.live_temp_ways += 1
        corp.temp_ways_by_day = {d: n for d, n in corp.temp_ways_by_day.items() if d == today}
        corp.temp_ways_by_day[today] = corp.temp_ways_by_day.get(today, 0) + 1
    result = {"config_id": config_id}
    if way.qr_code:
        result["qr_code"] = way.qr_code
    return result


@route("POST", "externalcontact/get_contact_way")
def get_contact_way(ctx: ApiContext) -> dict[str, Any]:
    return {"contact_way": configured(ctx.corp.contact_ways, ctx.body).to_api()}


@route("POST", "externalcontact/update_contact_way")
def update_contact_way(ctx: ApiContext) -> dict[str, Any]:
    """Only the given fields change; the result must pass add's checks (type and scene are fixed)."""
    way = configured(ctx.corp.contact_ways, ctx.body)
    updated = dataclasses.replace(way, **_changes(ctx.body))
    _check_people(ctx.corp, updated)
    ctx.corp.contact_ways[way.config_id] = updated
    return {}


@route("POST", "externalcontact/del_contact_way")
def del_contact_way(ctx: ApiContext) -> dict[str, Any]:
    way = configured(ctx.corp.contact_ways, ctx.body)
    del ctx.corp.contact_ways[way.config_id]
    if way.is_temp:
        ctx.corp.live_temp_ways -= 1
    return {}


@route("POST", "externalcontact/list_contact_way")
def list_contact_way(ctx: ApiContext) -> dict[str, Any]:
    """Ways created in [start_time, end_time] (default: the last 90 days), oldest first, paged by seq."""
    now = ctx.app.world.now_int()
    end = opt_int(ctx.body, "end_time", 0)
    end = now if end is None else end
    start = opt_int(ctx.body, "start_time", 0)
    start = end - LIST_DEFAULT_WINDOW_S if start is None else start
    if start > end:
        raise ApiError(40058, "start_time is after end_time")
    limit = opt_int(ctx.body, "limit", 1, 1000)
    limit = 100 if limit is None else limit
    after = 0
    if ctx.body.get("cursor"):
        (after,) = cursor.decode(str(ctx.body["cursor"]), 1)
    out: list[ContactWay] = []
    more = False
    for way in ctx.corp.contact_ways.values():
        if way.seq <= after or not start <= way.create_time <= end:
            continue
        if len(out) == limit:
            more = True
            break
        out.append(way)
    return {
        "contact_way": [{"config_id": w.config_id} for w in out],
        "next_cursor": cursor.encode(out[-1].seq) if more else "",
    }
