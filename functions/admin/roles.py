"""The corp's console role table (admin only): who may use the console, and as what."""

from __future__ import annotations

from typing import Any

from admin.api import Doc, route
from admin.schemas import staff as S

USERID = {"userid": "the member's WeCom userid"}


def _auth() -> Any:
    from scrm.staff_auth.wiring import staff_auth

    return staff_auth()


def _by(principal: Any) -> str:
    """Who granted: the member of a console session, else the API key."""
    return getattr(principal, "userid", None) or f"key:{principal.key_id}"


@route("/admin/roles", role="admin", doc=Doc(
    "The corp's console roles (admin: everything; operator: codes, sends, SOPs, transfers, sync, edits; viewer: read)",
    {200: ("every member with a role, by userid", S.RoleList)}, errors={403: None},
))  # fmt: skip
def list_roles(principal: Any, request: Any) -> Any:
    return {"roles": _auth().list_roles(principal.corp_id)}


@route("/admin/roles/{userid}", methods=("PUT",), write=True, role="admin", doc=Doc(
    "Give a member a console role (replacing theirs); their sessions follow on their next request",
    {200: ("the grant", S.RoleGrant)}, body=S.SetRole, params=USERID,
    errors={404: "no such member in the corp's last sync", 409: "the corp's last admin cannot be demoted"},
))  # fmt: skip
def set_role(principal: Any, request: Any, userid: str, body: S.SetRole) -> Any:
    return _auth().grant(principal.corp_id, userid, body.role, _by(principal))


@route("/admin/roles/{userid}", methods=("DELETE",), write=True, role="admin", doc=Doc(
    "Take a member's console role away; their sessions end on their next request",
    {200: ("done", S.Revoked)}, params=USERID,
    errors={404: "the member has no console role", 409: "the corp's last admin cannot be removed"},
))  # fmt: skip
def revoke_role(principal: Any, request: Any, userid: str) -> Any:
    _auth().revoke(principal.corp_id, userid)
    return {"revoked": userid}
