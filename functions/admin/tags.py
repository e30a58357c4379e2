"""The corp tag library, kept in step with WeCom (WeCom first, then our copy)."""

from __future__ import annotations

from typing import Any

from admin.api import Doc, route
from admin.customers import WRITE_ERRORS
from admin.schemas import customers as S

TAG_ID = {"tag_id": "a tag id or a group id"}


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.customer_admin()


@route("/admin/tags", doc=Doc("The corp tag library", {200: ("groups with tags", S.TagLibrary)}))
def library(principal: Any, request: Any) -> Any:
    return _service().tags(principal.corp_id)


@route("/admin/tags", methods=("POST",), write=True, doc=Doc(
    "Create tags in a new group (group_name) or an existing one (group_id)",
    {200: ("the ids WeCom gave", S.TagsCreated)}, body=S.TagCreate, errors=WRITE_ERRORS,
))  # fmt: skip
def create(principal: Any, request: Any, body: S.TagCreate) -> Any:
    return _service().create_tags(
        principal.corp_id, body.tags, body.group_id or "", body.group_name or "", body.order
    )


@route("/admin/tags/{tag_id}", methods=("PUT",), write=True, doc=Doc(
    "Rename or reorder a tag or a group",
    {200: ("updated", S.TagUpdated)}, body=S.TagUpdate, params=TAG_ID, errors=WRITE_ERRORS,
))  # fmt: skip
def edit(principal: Any, request: Any, tag_id: str, body: S.TagUpdate) -> Any:
    return _service().edit_tag(principal.corp_id, tag_id, body.name, body.order)


@route("/admin/tags/{tag_id}", methods=("DELETE",), write=True, doc=Doc(
    "Delete a tag or a whole group (a group goes with its last tag)",
    {200: ("deleted", S.TagDeleted)}, params=TAG_ID, errors=WRITE_ERRORS,
))  # fmt: skip
def delete(principal: Any, request: Any, tag_id: str) -> Any:
    return _service().delete_tag(principal.corp_id, tag_id)
