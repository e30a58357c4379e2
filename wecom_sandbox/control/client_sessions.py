"""Control endpoints of the WeCom client stand-in (client.py): which chat a page plays in, and what it invoked.

- ``POST /control/client-sessions`` {corp_id, userid, entry, external_userid | chat_id, unchecked?}: one
  member in one chat → 201 {id, url_param, …}. A page opened with ``?wecom_session=ID`` (or
  ``#wecom_session=ID``) plays that chat. The customer must be one the member serves and the group one
  the member is in, unless ``unchecked: true`` (a test of a page shown a chat that is not the member's).
- ``GET /control/client-sessions?corp_id=``: the sessions (of one corp).
- ``GET /control/client-sessions/{id}``: one, with its page loads' config state.
- ``PATCH /control/client-sessions/{id}`` {entry?, external_userid?, chat_id?, unchecked?}: the member
  moves to another chat (the page's next getContext answers it).
- ``DELETE /control/client-sessions/{id}``.
- ``GET /control/client-sessions/{id}/calls?name=&since=``: every invoke of its pages, oldest first:
  {seq, at, page, url, name, params, err_msg, ok, reason, sandbox?}.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import client
from .common import ControlError, Request, corp_or_404, employee_or_404, field_value

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..world import Corp


def _chat(corp: Corp, userid: str, entry: str, body: dict[str, Any], unchecked: bool) -> tuple[str, str]:
    """(external_userid, chat_id) for the entry, checked against the corp's world."""
    if entry not in client.ENTRIES:
        raise ControlError(400, f"field 'entry' must be one of {', '.join(client.ENTRIES)}")
    external_userid = field_value(body, "external_userid", str, default="")
    chat_id = field_value(body, "chat_id", str, default="")
    if entry in client.CONTACT_ENTRIES:
        if not external_userid:
            raise ControlError(400, f"missing field 'external_userid' (entry {entry})")
        if not unchecked:
            if external_userid not in corp.customers:
                raise ControlError(404, f"unknown customer '{external_userid}' in corp '{corp.corp_id}'")
            if external_userid not in corp.relations_by_user.get(userid, {}):
                raise ControlError(400, f"'{userid}' does not serve customer '{external_userid}' "
                                   "(unchecked: true to play such a chat anyway)")  # fmt: skip
        return external_userid, ""
    if entry in client.CHAT_ENTRIES:
        if not chat_id:
            raise ControlError(400, f"missing field 'chat_id' (entry {entry})")
        if not unchecked:
            group = corp.groups.get(chat_id)
            if group is None:
                raise ControlError(404, f"unknown group '{chat_id}' in corp '{corp.corp_id}'")
            if userid not in group.members and group.owner != userid:
                raise ControlError(400, f"'{userid}' is not in group '{chat_id}' (unchecked: true to play it anyway)")
        return "", chat_id
    return external_userid, chat_id


def create(app: Sandbox, req: Request) -> tuple[int, dict[str, Any]]:
    corp_id = field_value(req.body, "corp_id", str, required=True)
    userid = field_value(req.body, "userid", str, required=True)
    entry = field_value(req.body, "entry", str, default="single_chat_tools")
    unchecked = field_value(req.body, "unchecked", bool, default=False)
    with app.world.lock:
        corp = corp_or_404(app, corp_id)
        employee_or_404(corp, userid)
        external_userid, chat_id = _chat(corp, userid, entry, req.body, unchecked)
        now = app.world.now()
    session = app.client_sessions.add(client.Session(client.new_id(), corp_id, userid, entry, external_userid,
                                                     chat_id, now))  # fmt: skip
    return 201, session.view()


def _session_or_404(app: Sandbox, session_id: str) -> client.Session:
    session = app.client_sessions.get(session_id)
    if session is None:
        raise ControlError(404, f"unknown client session '{session_id}'")
    return session


def list_sessions(app: Sandbox, req: Request) -> dict[str, Any]:
    corp_id = req.query.get("corp_id", "")
    with app.world.lock:  # the pages' invokes change the sessions under it
        found = [s.view() for s in app.client_sessions.all() if not corp_id or s.corp_id == corp_id]
    return {"sessions": found}


def get(app: Sandbox, req: Request) -> dict[str, Any]:
    session = _session_or_404(app, req.params["id"])
    with app.world.lock:
        return session.view()


def patch(app: Sandbox, req: Request) -> dict[str, Any]:
    session = _session_or_404(app, req.params["id"])
    entry = field_value(req.body, "entry", str, default=session.entry)
    unchecked = field_value(req.body, "unchecked", bool, default=False)
    with app.world.lock:
        corp = corp_or_404(app, session.corp_id)
        body = {"external_userid": session.external_userid, "chat_id": session.chat_id, **req.body}
        session.external_userid, session.chat_id = _chat(corp, session.userid, entry, body, unchecked)
        session.entry = entry
        return session.view()


def delete(app: Sandbox, req: Request) -> dict[str, Any]:
    session = app.client_sessions.remove(req.params["id"])
    if session is None:
        raise ControlError(404, f"unknown client session '{req.params['id']}'")
    return {"deleted": session.id}


def calls(app: Sandbox, req: Request) -> dict[str, Any]:
    session = _session_or_404(app, req.params["id"])
    name = req.query.get("name", "")
    try:
        since = int(req.query.get("since", "0") or 0)
    except ValueError:
        raise ControlError(400, "query 'since' must be an integer") from None
    with app.world.lock:
        found = [dict(c) for c in session.calls if c["seq"] > since and (not name or c["name"] == name)]
        return {"calls": found, "last_seq": session.seq}
