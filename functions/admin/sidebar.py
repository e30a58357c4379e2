"""The sidebar's routes (issue 19): a member inside WeCom's chat window logs in through WeCom's OAuth
(91022) and then acts as themselves: the JS-SDK configuration for the page, the portrait of the customer
or group in the chat, tag edits on their own relation. Every route but the login takes only the sidebar's
session cookie (admin/sessions.py ``SIDEBAR_COOKIE``), never an API key, and every write its CSRF token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from chalice import Response

from admin.api import Doc, json_response, limit_of, number_of, query_of, route
from admin.schemas import content as CT
from admin.schemas import sidebar as S
from admin.schemas import stages as ST
from admin.sessions import (
    MEMBER,
    SIDEBAR_COOKIE,
    STATE_MAX_AGE_S,
    _auth,
    _cookie,
    _open_route,
    attempt_login,
    cookies_of,
    login_start,
)

SIDEBAR_STATE_COOKIE = "__Host-scrm_sidebar_state"
EXT = {"external_userid": "the customer in the chat (getCurExternalContact's userId)"}
CHAT = {"chat_id": "the group in the chat (getCurExternalChat's chatId)"}
NOT_YOURS = {404: "not a customer (or group) the member serves; an id that does not exist answers the same"}


def _me(principal: Any) -> dict[str, Any]:
    from scrm import bootstrap

    session = principal.session
    return {"corp_id": principal.corp_id, "userid": principal.userid, "name": principal.name,
            "role": principal.role.value if principal.role else None, "corp_wide": principal.corp_wide,
            "agent_id": str(bootstrap.corp_registry().get(principal.corp_id).agent_id),
            "csrf_token": session.csrf, "expires_at": session.expires_at}  # fmt: skip


@_open_route("/admin/sidebar/auth/login-url", "GET", Doc(
    "Start a sidebar login: WeCom's OAuth link (91022) for the corp's app, and a state to check on return",
    {200: ("where to send the page", S.SidebarLoginUrl)}, query=S.SidebarLoginUrlQuery, errors={404: None},
    description="No key. Sets the __Host-scrm_sidebar_state cookie (10 minutes); the redirect_uri must be a "
    "trusted domain of the corp's app in WeCom. Inside the WeCom client the member is not asked anything.",
))  # fmt: skip
def login_url(request: Any) -> Response:
    from scrm import bootstrap

    corp_id, redirect_uri, agent_id, state = login_start(request, "the sidebar's", "page")
    params = {"appid": corp_id, "redirect_uri": redirect_uri, "response_type": "code", "scope": "snsapi_base",
              "state": state, "agentid": agent_id}  # fmt: skip
    url = f"{bootstrap.settings().wecom_oauth_base}connect/oauth2/authorize?{urlencode(params)}#wechat_redirect"
    return json_response(200, {"url": url, "state": state},
                         {"Set-Cookie": _cookie(SIDEBAR_STATE_COOKIE, state, STATE_MAX_AGE_S)})  # type: ignore[dict-item]


@_open_route("/admin/sidebar/auth/login", "POST", Doc(
    "Log a member in to the sidebar with the code WeCom's OAuth sent back; sets the sidebar's session cookie",
    {200: ("the member and the CSRF token", S.SidebarMe)}, body=S.SidebarLogin,
    errors={403: "not a member of the corp, or not an active member as of the last directory sync", 404: None,
            415: "the body must be sent as application/json", 502: None},
    description="No key. 401 for a code WeCom does not accept (unknown, used or expired: codes live 5 minutes "
    "and work once). Any active member may log in; a console role only widens what they may read.",
))  # fmt: skip
def login(request: Any, body: S.SidebarLogin) -> Response:
    from scrm.staff_auth.model import MemberPrincipal

    started, (session_id, session) = attempt_login(request, body, SIDEBAR_STATE_COOKIE, "sidebar login",
                                                   "this page started; open the sidebar again", _auth().member_login)
    principal = MemberPrincipal(session.corp_id, session.userid, session.name, session.role, session)
    cookies = [_cookie(SIDEBAR_COOKIE, session_id, session.expires_at - session.created_at),
               *([_cookie(SIDEBAR_STATE_COOKIE, "", 0)] if started else [])]  # fmt: skip
    return json_response(200, _me(principal), {"Set-Cookie": cookies})  # type: ignore[dict-item]


@_open_route("/admin/sidebar/auth/logout", "POST", Doc(
    "End the sidebar session and clear its cookie (answered 200 also when there was none)",
    {200: ("done", S.SidebarLoggedOut)}, description="No key: the sidebar's session cookie names what ends.",
))  # fmt: skip
def logout(request: Any) -> Response:
    from admin.guards import audit_login

    session_id = cookies_of(request.headers).get(SIDEBAR_COOKIE)
    ended = _auth().logout(session_id) if session_id else None
    if ended is not None:
        audit_login(ended.corp_id, ended.userid, "sidebar logout", "ok")
    return json_response(200, {"logged_out": True}, {"Set-Cookie": _cookie(SIDEBAR_COOKIE, "", 0)})


@route("/admin/sidebar/me", role=MEMBER, doc=Doc(
    "The member the sidebar acts as, their reach (corp-wide for an admin) and the CSRF token for writes",
    {200: ("the member", S.SidebarMe)},
))  # fmt: skip
def me(principal: Any, request: Any) -> Any:
    return _me(principal)


@route("/admin/sidebar/js-config", role=MEMBER, doc=Doc(
    "What the page passes to wx.config and wx.agentConfig (ww.register's signature callbacks) for its URL",
    {200: ("both signatures", S.SidebarJsConfig)}, query=S.SidebarJsConfigQuery, errors={502: None},
    description="Signed with the corp's jsapi_ticket and the app's agent_config ticket, each fetched from WeCom "
    "at most once per 2 hours and shared by every instance (400 / 100 fetches an hour are WeCom's caps).",
))  # fmt: skip
def js_config(principal: Any, request: Any) -> Any:
    from scrm import bootstrap

    return bootstrap.sidebar_js_config().config(principal.corp_id, query_of(request).get("url") or "")


@route("/admin/sidebar/customers/{external_userid}", role=MEMBER, doc=Doc(
    "The portrait of the customer in the chat, as the member sees it",
    {200: ("the portrait", S.SidebarPortrait)}, params=EXT, errors=NOT_YOURS,
))  # fmt: skip
def customer(principal: Any, request: Any, external_userid: str) -> Any:
    from scrm import bootstrap

    return bootstrap.sidebar_portraits().customer(
        principal.corp_id, external_userid, principal.userid, principal.corp_wide
    )


@route("/admin/sidebar/customers/{external_userid}/tags", methods=("POST",), write=True, role=MEMBER, doc=Doc(
    "Add / remove corp tags on the member's own relation with the customer (mark_tag; WeCom first, then stored)",
    {200: ("the relation as WeCom now has it", S.SidebarPortraitRelation)}, body=S.SidebarTagEdit, params=EXT,
    errors={**NOT_YOURS, 409: None, 502: None},
))  # fmt: skip
def mark_tags(principal: Any, request: Any, external_userid: str, body: S.SidebarTagEdit) -> Any:
    from scrm import bootstrap

    portrait = bootstrap.sidebar_portraits().customer(principal.corp_id, external_userid, principal.userid)
    bootstrap.customer_admin().edit_tags(principal.corp_id, external_userid, principal.userid, body.add, body.remove)
    relation = bootstrap.sidebar_portraits().customer(principal.corp_id, external_userid, principal.userid)["relation"]
    return relation or portrait["relation"]


def _mine(principal: Any, external_userid: str) -> str:
    """The portrait's rule for a write or read another feature serves: the customer's name, or NotFound
    unless the member may see the customer (an admin: the corp's)."""
    from scrm import bootstrap

    return bootstrap.sidebar_portraits().check_customer(principal.corp_id, external_userid, principal.userid,
                                                        principal.corp_wide)  # fmt: skip


@route("/admin/sidebar/customers/{external_userid}/stage", methods=("PUT",), write=True, role=MEMBER, doc=Doc(
    "Move the customer to a stage, as the member (counted, on the timeline; with the tag mirror: mark_tag first)",
    {200: ("the customer's stage after it", ST.CustomerStage)}, body=S.SidebarStageSet, params=EXT,
    errors={**NOT_YOURS, 409: None, 502: None},
))  # fmt: skip
def set_stage(principal: Any, request: Any, external_userid: str, body: S.SidebarStageSet) -> Any:
    from scrm import bootstrap

    _mine(principal, external_userid)
    return bootstrap.stages().set_stage(principal.corp_id, external_userid, body.stage, principal.userid)


@route("/admin/sidebar/customers/{external_userid}/notes", role=MEMBER, doc=Doc(
    "The customer's follow-up notes, newest first, cursor-paged (every member's)",
    {200: ("a page", ST.NotePage)}, query=ST.NotesQuery, params=EXT, errors=NOT_YOURS,
))  # fmt: skip
def notes(principal: Any, request: Any, external_userid: str) -> Any:
    from scrm import bootstrap

    _mine(principal, external_userid)
    return bootstrap.stages().notes(principal.corp_id, external_userid, query_of(request).get("cursor") or "",
                                    number_of(request, "limit", 20, 100))  # fmt: skip


@route("/admin/sidebar/customers/{external_userid}/notes", methods=("POST",), write=True, role=MEMBER, doc=Doc(
    "Write a follow-up note as the member (on the timeline; a retry with the same note_id stores nothing new)",
    {201: ("the note as stored", ST.Note)}, body=S.SidebarNoteInput, params=EXT, errors=NOT_YOURS,
))  # fmt: skip
def add_note(principal: Any, request: Any, external_userid: str, body: S.SidebarNoteInput) -> Any:
    from scrm import bootstrap

    _mine(principal, external_userid)
    note = bootstrap.stages().add_note(principal.corp_id, external_userid, principal.userid, body.text,
                                       body.note_id or "")  # fmt: skip
    return json_response(201, note)


@route("/admin/sidebar/groups/{chat_id}", role=MEMBER, doc=Doc(
    "The portrait of the group in the chat: owner, members now (customers and staff), labels",
    {200: ("the group", S.SidebarGroupPortrait)}, params=CHAT, errors=NOT_YOURS,
))  # fmt: skip
def group(principal: Any, request: Any, chat_id: str) -> Any:
    from scrm import bootstrap

    return bootstrap.sidebar_portraits().group(principal.corp_id, chat_id, principal.userid, principal.corp_wide)


@route("/admin/sidebar/tags", role=MEMBER, doc=Doc(
    "The corp's tag library, to pick tags from (groups with their tags, in WeCom's order)", {200: ("the library", None)},
))  # fmt: skip
def tags(principal: Any, request: Any) -> Any:
    from scrm import bootstrap

    return bootstrap.customer_admin().tags(principal.corp_id)


# scripts and materials: the corp's and the member's own, sent in one tap ------------------------------
def _content() -> Any:
    from scrm import bootstrap

    return bootstrap.content()


@route("/admin/sidebar/scripts", role=MEMBER, doc=Doc(
    "Scripts the member may send: the corp's and their own, by group and title; q searches title and text",
    {200: ("a page of scripts", CT.ScriptList)}, query=CT.ScriptQuery,
))  # fmt: skip
def scripts(principal: Any, request: Any) -> Any:
    q = query_of(request)
    return _content().list_scripts(principal.corp_id, principal.userid, q.get("q", ""), q.get("group", ""),
                                   q.get("cursor", ""), limit_of(request, 50))  # fmt: skip


@route("/admin/sidebar/scripts", methods=("POST",), write=True, role=MEMBER, doc=Doc(
    "Save a script of the member's own (personal: only they see and send it)",
    {201: ("the script", CT.Script)}, body=CT.ScriptInput, errors={409: "the member has 200 scripts already"},
))  # fmt: skip
def script_create(principal: Any, request: Any, body: CT.ScriptInput) -> Any:
    made = _content().create_script(principal.corp_id, principal.userid, body.fields(), personal=True)
    return json_response(201, made)


@route("/admin/sidebar/scripts/{script_id}", methods=("DELETE",), write=True, role=MEMBER, doc=Doc(
    "Delete a script of the member's own", {200: ("deleted", CT.Deleted)},
    params={"script_id": "one of the member's own scripts"}, errors={404: "not one of the member's own scripts"},
))  # fmt: skip
def script_delete(principal: Any, request: Any, script_id: str) -> Any:
    return _content().delete_script(principal.corp_id, script_id, principal.userid, personal=True)


@route("/admin/sidebar/scripts/{script_id}", methods=("PATCH",), write=True, role=MEMBER, doc=Doc(
    "Change a script of the member's own: its title, group or text (only the fields given)",
    {200: ("the script", CT.Script)}, body=CT.ScriptPatch, params={"script_id": "one of the member's own scripts"},
    errors={404: "not one of the member's own scripts (a corp-wide or another member's id answers the same)"},
))  # fmt: skip
def script_update(principal: Any, request: Any, script_id: str, body: CT.ScriptPatch) -> Any:
    return _content().update_script(principal.corp_id, script_id, principal.userid, body.fields(), personal=True)


@route("/admin/sidebar/materials", role=MEMBER, doc=Doc(
    "Materials the member may send: the corp's and their own; q searches title, text, description and file name",
    {200: ("a page of materials (without their bytes)", CT.MaterialList)}, query=CT.MaterialQuery,
))  # fmt: skip
def materials(principal: Any, request: Any) -> Any:
    q = query_of(request)
    return _content().list_materials(principal.corp_id, principal.userid, q.get("q", ""), q.get("kind", ""),
                                     q.get("group", ""), q.get("cursor", ""), limit_of(request, 50))  # fmt: skip


@route("/admin/sidebar/materials", methods=("POST",), write=True, role=MEMBER, doc=Doc(
    "Save a material of the member's own (personal: only they see and send it): any kind the corp's library takes",
    {201: ("the material (without its bytes)", CT.Material)}, body=CT.MaterialInput,
    errors={409: "the member has 200 materials already"},
    description="The corp's POST /admin/materials body and limits (the page offers text, link, image and file): "
    "an image's or file's bytes in `content` (base64, at most 700 KiB; an image JPG or PNG). Uploaded to WeCom (media/upload) on its first send and "
    "again when the media_id is 2.5 days old, never once per send.",
))  # fmt: skip
def material_create(principal: Any, request: Any, body: CT.MaterialInput) -> Any:
    made = _content().create_material(principal.corp_id, principal.userid, body.fields(), personal=True)
    return json_response(201, made)


@route("/admin/sidebar/materials/{material_id}", methods=("DELETE",), write=True, role=MEMBER, doc=Doc(
    "Delete a material of the member's own and its bytes (its send counts stay)", {200: ("deleted", CT.Deleted)},
    params={"material_id": "one of the member's own materials"},
    errors={404: "not one of the member's own materials (a corp-wide or another member's id answers the same)"},
))  # fmt: skip
def material_delete(principal: Any, request: Any, material_id: str) -> Any:
    return _content().delete_material(principal.corp_id, material_id, principal.userid, personal=True)


@route("/admin/sidebar/send", methods=("POST",), write=True, role=MEMBER, doc=Doc(
    "What to pass to sendChatMessage for a script or material in this chat ({name} filled with the customer's "
    "name; images, files and videos by a media_id uploaded at most once per 2.5 days for the corp)",
    {200: ("the message", S.SidebarSendable)}, body=S.SidebarSend,
    errors={**NOT_YOURS, 409: "the material is being uploaded to WeCom: retry in a moment", 502: None},
    description="Nothing is counted here: the page calls POST /admin/sidebar/sent once WeCom's client has sent it.",
))  # fmt: skip
def send(principal: Any, request: Any, body: S.SidebarSend) -> Any:
    from scrm import bootstrap
    from scrm.kernel.errors import InvalidInput

    if bool(body.script_id) == bool(body.material_id):
        raise InvalidInput("script_id", "script_id or material_id: name exactly one")
    if bool(body.external_userid) == bool(body.chat_id):
        raise InvalidInput("external_userid", "external_userid or chat_id: name exactly one (the chat it goes to)")
    name = ""  # in a group, {name} has nobody to name
    if body.external_userid:
        name = _mine(principal, body.external_userid)
    else:
        bootstrap.sidebar_portraits().group(principal.corp_id, body.chat_id, principal.userid, principal.corp_wide)
    message = _content().payload_for_send(principal.corp_id, principal.userid, script_id=body.script_id or "",
                                          material_id=body.material_id or "", customer_name=name)  # fmt: skip
    kind, item_id = ("script", body.script_id) if body.script_id else ("material", body.material_id)
    return {"kind": kind, "item_id": item_id, "message": message}


@route("/admin/sidebar/sent", methods=("POST",), write=True, role=MEMBER, doc=Doc(
    "Count one send of a script or material by the member (after WeCom's client answered sendChatMessage:ok)",
    {200: ("counted", S.SidebarCounted)}, body=S.SidebarSent, errors={404: "not an item the member may send"},
))  # fmt: skip
def sent(principal: Any, request: Any, body: S.SidebarSent) -> Any:
    counted = _content().record_send(principal.corp_id, body.kind, body.item_id, principal.userid)
    return {"counted": counted["counted"], "kind": counted["kind"], "item_id": counted["item_id"]}
