"""The corp tag library, kept in step with WeCom (WeCom first, then our copy)."""

from __future__ import annotations

from typing import Any

from admin.api import body_of, route


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.customer_admin()


@route("/admin/tags")
def library(principal: Any, request: Any) -> Any:
    return _service().tags(principal.corp_id)


@route("/admin/tags", methods=("POST",), write=True)
def create(principal: Any, request: Any) -> Any:
    return _service().create_tags(principal.corp_id, body_of(request))


@route("/admin/tags/{tag_id}", methods=("PUT",), write=True)
def edit(principal: Any, request: Any, tag_id: str) -> Any:
    return _service().edit_tag(principal.corp_id, tag_id, body_of(request))


@route("/admin/tags/{tag_id}", methods=("DELETE",), write=True)
def delete(principal: Any, request: Any, tag_id: str) -> Any:
    return _service().delete_tag(principal.corp_id, tag_id)
