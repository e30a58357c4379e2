"""Customer groups: the corp's groups a page at a time, one group as stored, and the SCRM's own labels on it
(group SOPs target them)."""

from __future__ import annotations

from typing import Any

from admin.api import Doc, number_of, query_of, route
from admin.schemas import groups as S

CHAT_ID = {"chat_id": "the group's chat_id"}


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.group_admin()


@route("/admin/groups", doc=Doc(
    "The corp's customer groups, by owner then creation time: name, owner, member count, labels",
    {200: ("a page of groups", S.GroupPage)}, query=S.GroupQuery,
))  # fmt: skip
def groups(principal: Any, request: Any) -> Any:
    q = query_of(request)
    limit = number_of(request, "limit", 50, 200)
    chat_ids = [c.strip() for c in (q.get("chat_ids") or "").split(",") if c.strip()]
    return _service().list(principal.corp_id, q.get("cursor", ""), limit, q.get("owner", ""),
                           (q.get("name") or "").strip(), chat_ids)  # fmt: skip


@route("/admin/groups/{chat_id}", doc=Doc(
    "One customer group as stored, with its labels and its members (those who left too)",
    {200: ("the group", S.Group)}, params=CHAT_ID, errors={404: None},
))  # fmt: skip
def show(principal: Any, request: Any, chat_id: str) -> Any:
    return _service().show(principal.corp_id, chat_id)


@route("/admin/groups/{chat_id}/tags", methods=("PUT",), write=True, doc=Doc(
    "Replace the group's labels (the SCRM's own, which group SOPs' tags_any target)",
    {200: ("the group as stored after", S.Group)}, body=S.GroupTags, params=CHAT_ID, errors={404: None},
))  # fmt: skip
def set_tags(principal: Any, request: Any, chat_id: str, body: S.GroupTags) -> Any:
    return _service().set_tags(principal.corp_id, chat_id, {"tags": body.tags})
