"""Customer groups: one group as stored, and the SCRM's own labels on it (group SOPs target them)."""

from __future__ import annotations

from typing import Any

from admin.api import body_of, route


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.group_admin()


@route("/admin/groups/{chat_id}")
def show(principal: Any, request: Any, chat_id: str) -> Any:
    return _service().show(principal.corp_id, chat_id)


@route("/admin/groups/{chat_id}/tags", methods=("PUT",), write=True)
def set_tags(principal: Any, request: Any, chat_id: str) -> Any:
    return _service().set_tags(principal.corp_id, chat_id, body_of(request))
