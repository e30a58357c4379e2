"""Customers: search, detail, remark and tag edits (written to WeCom first)."""

from __future__ import annotations

from typing import Any

from admin.api import Doc, number_of, query_of, route
from admin.schemas import customers as S

EXT = {"external_userid": "the customer"}
WRITE_ERRORS = {404: None, 409: None, 502: None}  # no such relation; WeCom refused


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.customer_admin()


@route("/admin/customers", doc=Doc(
    "Search customers (follow relations), served by an index, cursor-paged",
    {200: ("a page; fewer rows than limit with a next_cursor means more may follow", S.CustomerPage)},
    query=S.CustomerQuery,
))  # fmt: skip
def search(principal: Any, request: Any) -> Any:
    return _service().search(principal.corp_id, query_of(request))


@route("/admin/customers/{external_userid}", doc=Doc(
    "A customer: profile, follow relations with tags, timeline (newest first)",
    {200: ("the customer", S.CustomerDetail)}, query=S.DetailQuery, params=EXT, errors={404: None},
))  # fmt: skip
def detail(principal: Any, request: Any, external_userid: str) -> Any:
    limit = number_of(request, "timeline_limit", 20, 200)
    return _service().detail(principal.corp_id, external_userid, limit)


@route("/admin/customers/{external_userid}/remark", methods=("PUT",), write=True, doc=Doc(
    "Edit an employee's remark / description of the customer (WeCom first, then stored)",
    {200: ("the relation as WeCom now has it", S.Relation)}, body=S.RemarkEdit, params=EXT, errors=WRITE_ERRORS,
))  # fmt: skip
def remark(principal: Any, request: Any, external_userid: str, body: S.RemarkEdit) -> Any:
    return _service().edit_remark(principal.corp_id, external_userid, body.userid, body.fields())


@route("/admin/customers/{external_userid}/tags", methods=("POST",), write=True, doc=Doc(
    "Add / remove corp tags on an employee's relation (mark_tag; WeCom first, then stored)",
    {200: ("the relation as WeCom now has it", S.Relation)}, body=S.TagEdit, params=EXT, errors=WRITE_ERRORS,
))  # fmt: skip
def mark_tags(principal: Any, request: Any, external_userid: str, body: S.TagEdit) -> Any:
    return _service().edit_tags(principal.corp_id, external_userid, body.userid, body.add or [], body.remove or [])
