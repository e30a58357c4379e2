"""A chat for the employee sidebar on the local stack (`make dev`, `make demo`): the sandbox's WeCom client
stand-in plays a member in a chat with one of the customers they serve (docs/sandbox.md "The WeCom client
stand-in"); opening the printed URL in any browser shows the sidebar as WeCom's chat toolbar would."""

from __future__ import annotations

from typing import Any

from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack


def open_sidebar_chat(stack: Stack, corp_id: str, userid: str = "", external_userid: str = "",
                      chat_id: str = "") -> dict[str, Any]:
    """A client session for ``userid`` (default: the first member who serves a customer) in a chat with
    ``external_userid`` (default: one they serve) or in the group ``chat_id``. Returns {session_id, userid,
    external_userid, chat_id, url}; the url carries the session (?wecom_session=…)."""
    sandbox = SandboxClient(stack.sandbox_url)
    if not chat_id and not (userid and external_userid):
        world = sandbox.corp(corp_id)
        pairs = [(f["userid"], c["external_userid"]) for c in world["customers"] for f in c["follow_users"]
                 if (not userid or f["userid"] == userid)
                 and (not external_userid or c["external_userid"] == external_userid)]  # fmt: skip
        if not pairs:
            raise RuntimeError(f"corp {corp_id} has no customer served by {userid or 'any member'}")
        userid, external_userid = pairs[0]
    session = sandbox.client_session(corp_id, userid, external_userid=external_userid, chat_id=chat_id)
    return {"session_id": session["id"], "userid": userid, "external_userid": session["external_userid"],
            "chat_id": session["chat_id"], "url": f"{stack.sidebar_url}?{session['url_param']}"}  # fmt: skip


def describe(chat: dict[str, Any]) -> str:
    who = f"customer {chat['external_userid']}" if chat["external_userid"] else f"group {chat['chat_id']}"
    return (f"sidebar (as {chat['userid']} in a chat with {who}; the sandbox plays WeCom's client): {chat['url']}\n"
            f"  (what the page sent: GET /control/client-sessions/{chat['session_id']}/calls on the sandbox)")
