"""Customer-contact (客户联系) read APIs, plus remark (send_welcome_msg is in welcome.py).

Rules simulated from WeCom: a relation deleted by the employee is gone; one deleted by the
customer (one-way) is still returned; a malformed external_userid gives 40096, a well-formed one
with no relation 84061; follow_user is paged at 500; batch/get_by_user pages with an opaque cursor,
and takes a limit over 100 as 100 (93010: "超过最大值时取最大值").
"""

from __future__ import annotations

from typing import Any

from .. import ids
from ..world import Corp, Relation
from . import cursor
from .errors import ApiError
from .registry import ApiContext, route

FOLLOW_USER_PAGE = 500
BATCH_LIMIT_DEFAULT, BATCH_LIMIT_MAX = 50, 100


def _tags(corp: Corp, rel: Relation) -> list[dict[str, Any]]:
    out = []
    for tag_id in rel.tag_ids:
        tag = corp.tags.get(tag_id)
        if tag is None:
            continue
        group = corp.tag_groups.get(tag.group_id)
        out.append(
            {
                "group_name": group.group_name if group else "",
                "tag_name": tag.name,
                "type": 1,
                "tag_id": tag.id,
            }
        )
    return out


def follow_user(corp: Corp, rel: Relation) -> dict[str, Any]:
    """One entry of externalcontact/get's follow_user."""
    return {
        "userid": rel.userid,
        "remark": rel.remark,
        "description": rel.description,
        "createtime": rel.createtime,
        "tags": _tags(corp, rel),
        "remark_corp_name": rel.remark_corp_name,
        "remark_mobiles": list(rel.remark_mobiles),
        "oper_userid": rel.oper_userid,
        "add_way": rel.add_way,
        "state": rel.state,
    }


def follow_info(corp: Corp, rel: Relation) -> dict[str, Any]:
    """batch/get_by_user's follow_info: like follow_user but with tag_id instead of tags."""
    return {
        "userid": rel.userid,
        "remark": rel.remark,
        "description": rel.description,
        "createtime": rel.createtime,
        "tag_id": [t for t in rel.tag_ids if t in corp.tags],
        "remark_corp_name": rel.remark_corp_name,
        "remark_mobiles": list(rel.remark_mobiles),
        "oper_userid": rel.oper_userid,
        "add_way": rel.add_way,
        "state": rel.state,
    }


@route("GET", "externalcontact/get_follow_user_list")
def get_follow_user_list(ctx: ApiContext) -> dict[str, Any]:
    corp = ctx.corp
    return {"follow_user": [u for u in corp.employees if corp.relations_by_user.get(u)]}


@route("GET", "externalcontact/list")
def list_contacts(ctx: ApiContext) -> dict[str, Any]:
    userid = ctx.query_str("userid", 41009)
    if userid not in ctx.corp.employees:
        raise ApiError(60111, f"userid {userid}")
    rels = ctx.corp.relations_by_user.get(userid)
    if not rels:
        raise ApiError(84061)
    return {"external_userid": list(rels)}


@route("GET", "externalcontact/get")
def get_contact(ctx: ApiContext) -> dict[str, Any]:
    ext = ctx.query_str("external_userid")
    if not ids.is_external_userid(ext):
        raise ApiError(40096, f"external_userid {ext}")
    corp = ctx.corp
    customer = corp.customers.get(ext)
    rels = corp.customer_relations(ext) if customer else []
    if customer is None or not rels:
        raise ApiError(84061)
    start = 0
    if ctx.query.get("cursor"):
        (start,) = cursor.decode(ctx.query["cursor"], 1)
    page = rels[start : start + FOLLOW_USER_PAGE]
    more = start + FOLLOW_USER_PAGE < len(rels)
    return {
        "external_contact": customer.to_api(),
        "follow_user": [follow_user(corp, r) for r in page],
        "next_cursor": cursor.encode(start + FOLLOW_USER_PAGE) if more else "",
    }


@route("POST", "externalcontact/batch/get_by_user")
def batch_get_by_user(ctx: ApiContext) -> dict[str, Any]:
    userids = ctx.body_list("userid_list")
    if not 1 <= len(userids) <= 100 or not all(isinstance(u, str) for u in userids):
        raise ApiError(40058, "userid_list must hold 1..100 userids")
    limit = ctx.body_int("limit", BATCH_LIMIT_DEFAULT)
    assert limit is not None
    if limit < 1:  # WeCom documents only the maximum; refusing 0 or less is the sandbox's choice
        raise ApiError(40058, "limit must be at least 1")
    limit = min(limit, BATCH_LIMIT_MAX)  # 93010: "超过最大值时取最大值"
    userids = list(dict.fromkeys(userids))
    user_idx, last_seq = 0, 0
    if ctx.body.get("cursor"):
        user_idx, last_seq = cursor.decode(str(ctx.body["cursor"]), 2)
        if user_idx >= len(userids):
            raise ApiError(40058, "invalid cursor")
    corp = ctx.corp
    out: list[dict[str, Any]] = []
    last = (0, 0)
    more = False
    for i in range(user_idx, len(userids)):
        floor = last_seq if i == user_idx else 0
        for rel in corp.user_relations(userids[i]):
            customer = corp.customers.get(rel.external_userid)
            if rel.seq <= floor or customer is None:
                continue
            if len(out) == limit:
                more = True
                break
            out.append({"external_contact": customer.to_api(), "follow_info": follow_info(corp, rel)})
            last = (i, rel.seq)
        if more:
            break
    next_cursor = cursor.encode(*last) if more else ""
    return {"external_contact_list": out, "next_cursor": next_cursor}


@route("POST", "externalcontact/remark")
def remark(ctx: ApiContext) -> dict[str, Any]:
    userid = ctx.body_str("userid")
    ext = ctx.body_str("external_userid")
    rel = ctx.corp.relation(userid, ext)
    if rel is None:
        raise ApiError(84061)
    for name, limit in (("remark", 20), ("description", 150), ("remark_company", 20)):
        value = ctx.body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise ApiError(40058, f"{name} must be a string of at most {limit} characters")
    if "remark" in ctx.body:
        rel.remark = ctx.body["remark"]
    if "description" in ctx.body:
        rel.description = ctx.body["description"]
    if "remark_company" in ctx.body:
        rel.remark_corp_name = ctx.body["remark_company"]
    if "remark_mobiles" in ctx.body:
        rel.remark_mobiles = [str(m) for m in ctx.body_list("remark_mobiles")]
    return {}
