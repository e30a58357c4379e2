"""Customers: search, detail, remark and tag edits (written to WeCom first)."""

from __future__ import annotations

from typing import Any

from admin.api import body_of, number_of, query_of, route


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.customer_admin()


@route("/admin/customers")
def search(principal: Any, request: Any) -> Any:
    return _service().search(principal.corp_id, query_of(request))


@route("/admin/customers/{external_userid}")
def detail(principal: Any, request: Any, external_userid: str) -> Any:
    limit = number_of(request, "timeline_limit", 20, 200)
    return _service().detail(principal.corp_id, external_userid, limit)


@route("/admin/customers/{external_userid}/remark", methods=("PUT",), write=True)
def remark(principal: Any, request: Any, external_userid: str) -> Any:
    return _service().edit_remark(principal.corp_id, external_userid, body_of(request))


@route("/admin/customers/{external_userid}/tags", methods=("POST",), write=True)
def mark_tags(principal: Any, request: Any, external_userid: str) -> Any:
    return _service().edit_tags(principal.corp_id, external_userid, body_of(request))
