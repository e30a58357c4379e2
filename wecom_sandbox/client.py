"""The stand-in for WeCom's client (issue 19): what a page inside WeCom's chat toolbar (聊天工具栏) gets from
``window.WeixinJSBridge``, played in an ordinary browser.

The script the sandbox serves (``wecom_client.js``, at ``/sandbox-client/wecom-client.js``) defines
``WeixinJSBridge.invoke(name, params, callback)`` / ``on`` and fires ``WeixinJSBridgeReady``, so that the real
``@wecom/jssdk`` runs against it; every ``invoke`` is posted to ``/sandbox-client/invoke`` and answered here, on
the server, where the corp's tickets are:

- ``preVerifyJSAPI`` (``wx.config``) and ``agentConfig`` (``wx.agentConfig``) are checked as WeCom documents
  them (96909 / 90506): the signature is sha1 of ``jsapi_ticket=T&noncestr=N&timestamp=TS&url=URL`` with the
  page's URL without ``#…`` (the script sends ``location.href``, as the client knows it, not what the page
  claims) and a ticket the sandbox issued — the corp's jsapi ticket for config, the app's agent_config ticket
  for agentConfig — that has not expired; the corp must be the session's and the agentid one of its apps, and
  the page's host one the app trusts (logins.trusts).
- ``getContext``, ``getCurExternalContact``, ``getCurExternalChat`` and ``sendChatMessage`` need agentConfig
  to have succeeded on that page load and to list them in its jsApiList ("…:fail no permission" otherwise, the
  wording of the jssdk's own tables); they answer for the chat the session names.
- ``sendChatMessage`` is validated (98539: msgtype text / image / video / file / news / miniprogram and their
  fields; a mediaid must be one the corp uploaded through media/upload and unexpired) and recorded.

A *session* (``POST /control/client-sessions``) is one member in one chat: the corp, the member, the entry
(``single_chat_tools``, ``group_chat_tools``, …) and the customer or the group. The page's URL carries its id
(``?wecom_session=ID`` or ``#wecom_session=ID``); the script keeps it in ``sessionStorage`` (per tab), so that
several pages at once each have their own chat and the id survives the page's own redirects (OAuth). Each page
load has its own config state (the script's random ``page`` id), as in WeCom a reload must configure again.

Every invoke is recorded on its session (``GET /control/client-sessions/{id}/calls``). Wording the WeCom pages
do not give is the sandbox's choice, listed in docs/sandbox.md ("The WeCom client stand-in").
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import js_tickets, logins

if TYPE_CHECKING:
    from .app import Sandbox
    from .world import Corp

SCRIPT_PATH = "/sandbox-client/wecom-client.js"
INVOKE_PATH = "/sandbox-client/invoke"
SCRIPT = Path(__file__).with_name("wecom_client.js")

ENTRIES = ("single_chat_tools", "group_chat_tools", "contact_profile", "chat_attachment", "single_kf_tools",
           "chain_single_chat_tools", "chain_group_chat_tools", "normal")  # fmt: skip
"""getContext's entries (98419; the jssdk's EntryType)."""
CONTACT_ENTRIES = ("single_chat_tools", "contact_profile", "single_kf_tools", "chain_single_chat_tools")
CHAT_ENTRIES = ("group_chat_tools", "chain_group_chat_tools")
SEND_ENTRIES = ("single_chat_tools", "group_chat_tools", "chat_attachment", "single_kf_tools")
"""Where sendChatMessage may be called (the jssdk's table for sendChatMessage)."""
NEEDS_AGENT = ("getContext", "getCurExternalContact", "getCurExternalChat", "sendChatMessage")
MSGTYPES = ("text", "image", "video", "file", "news", "miniprogram")
MAX_CALLS = 2000
MAX_PAGES = 200


@dataclass
class PageState:
    """One page load: which configs succeeded, with what."""

    url: str
    config_ok: bool = False
    agent_ok: bool = False
    agent_id: int | None = None
    js_api_list: list[str] = field(default_factory=list)


@dataclass
class Session:
    id: str
    corp_id: str
    userid: str
    entry: str
    external_userid: str = ""
    chat_id: str = ""
    created_at: float = 0.0
    pages: dict[str, PageState] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id, "corp_id": self.corp_id, "userid": self.userid, "entry": self.entry,
            "external_userid": self.external_userid or None, "chat_id": self.chat_id or None,
            "created_at": self.created_at, "url_param": f"wecom_session={self.id}",
            "pages": {pid: {"url": p.url, "config_ok": p.config_ok, "agent_config_ok": p.agent_ok,
                            "agent_id": p.agent_id} for pid, p in self.pages.items()},
            "calls": len(self.calls),
        }  # fmt: skip


class Sessions:
    """Every client session of the sandbox, by id (ids are unguessable: a page cannot read another's chat)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_id: dict[str, Session] = {}

    def add(self, session: Session) -> Session:
        with self.lock:
            self.by_id[session.id] = session
        return session

    def get(self, session_id: str) -> Session | None:
        with self.lock:
            return self.by_id.get(session_id)

    def remove(self, session_id: str) -> Session | None:
        with self.lock:
            return self.by_id.pop(session_id, None)

    def all(self) -> list[Session]:
        with self.lock:
            return list(self.by_id.values())


def new_id() -> str:
    return "cs_" + secrets.token_urlsafe(18)


# --- the media lookup: media/upload's records (wecom_sandbox/media.py, branch i19-content) ----------------
def media_status(corp: Corp, media_id: str, now: float) -> tuple[str, str]:
    """(status, type) of a mediaid for this corp: "ok", "expired" or "unknown" (media.py's uploads)."""
    found = corp.media.uploads.get(media_id)
    if found is None:
        return "unknown", ""
    return ("expired" if found.expired(now) else "ok"), found.type


# --- answers --------------------------------------------------------------------------------------------
class Refusal(Exception):
    """An invoke WeCom refuses: ``err_msg`` as the client answers, ``reason`` the sandbox's detail."""

    def __init__(self, err_msg: str, reason: str, err_code: int | None = None) -> None:
        super().__init__(err_msg)
        self.err_msg = err_msg
        self.reason = reason
        self.err_code = err_code


def signature(ticket: str, noncestr: str, timestamp: str, url: str) -> str:
    plain = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(plain.encode()).hexdigest()


def _host(url: str) -> str:
    try:
        return logins.redirect_host(url)
    except logins.LoginError:
        return ""


def _check_signature(corp: Corp, api: str, kind: str, agent_id: int | None, params: dict[str, Any],
                     url: str, now: float) -> None:
    """Raise Refusal unless the signature is of a ticket of ``kind`` the corp issued (to that app for
    agent_config) and unexpired. The names are agentConfig's (timestamp…); config's are mapped by the caller."""
    timestamp, nonce, sign = str(params.get("timestamp") or ""), str(params.get("nonceStr") or ""), \
        str(params.get("signature") or "")
    if not timestamp or not nonce or not sign:
        raise Refusal(f"{api}:invalid signature", "timestamp, nonceStr and signature are all required", 40093)
    matched: js_tickets.Ticket | None = None
    for ticket, info in list(corp.js_tickets.issued.items()):
        if info.kind != kind or signature(ticket, nonce, timestamp, url) != sign.lower():
            continue
        matched = info
        if kind == "agent_config" and info.agent_id != agent_id:
            raise Refusal(f"{api}:invalid signature", f"signed with app {info.agent_id}'s ticket, "
                          f"not app {agent_id}'s", 40093)  # fmt: skip
        if info.expires_at > now:
            return
    if matched is not None:
        raise Refusal(f"{api}:invalid signature", "signed with a ticket that has expired (7200 s)", 40093)
    which = "the corp's jsapi_ticket" if kind == "jsapi" else f"app {agent_id}'s agent_config ticket"
    raise Refusal(f"{api}:invalid signature", f"no {which} issued by this sandbox gives this signature of "
                  f"jsapi_ticket=…&noncestr={nonce}&timestamp={timestamp}&url={url}", 40093)  # fmt: skip


def _corp_for(sandbox: Sandbox, session: Session, api: str, corp_id: str) -> Corp:
    corp = sandbox.world.corp(corp_id) if corp_id else None
    if corp is None:
        raise Refusal(f"{api}:invalid corpId", f"no corp '{corp_id}' in this sandbox", 40013)
    if corp.corp_id != session.corp_id:
        raise Refusal(f"{api}:invalid corpId", f"the member is in corp '{session.corp_id}', the page "
                      f"configured '{corp_id}'", 40013)  # fmt: skip
    return corp


def _config(sandbox: Sandbox, session: Session, page: PageState, params: dict[str, Any], now: float) -> dict[str, Any]:
    corp = _corp_for(sandbox, session, "config", str(params.get("verifyAppId") or params.get("appId") or ""))
    host = _host(page.url)
    if not host or not any(logins.trusts(a, host) for a in logins.all_apps(corp)):
        raise Refusal("config:invalid url domain", f"no app of the corp trusts {host or page.url!r}")
    _check_signature(corp, "config", "jsapi", None, {"timestamp": params.get("verifyTimestamp"),
                     "nonceStr": params.get("verifyNonceStr"), "signature": params.get("verifySignature")},
                     page.url, now)  # fmt: skip
    page.config_ok = True
    return {"err_msg": "config:ok"}


def _agent_config(sandbox: Sandbox, session: Session, page: PageState, params: dict[str, Any],
                  now: float) -> dict[str, Any]:
    corp = _corp_for(sandbox, session, "agentConfig", str(params.get("corpid") or ""))
    raw = str(params.get("agentid") or "")
    app = logins.app(corp, int(raw)) if raw.isdigit() else None
    if app is None:
        raise Refusal("agentConfig:invalid agentid", f"corp '{corp.corp_id}' has no app {raw!r}", 40056)
    host = _host(page.url)
    if not host or not logins.trusts(app, host):
        raise Refusal("agentConfig:invalid url domain", f"app {app.agent_id} does not trust {host or page.url!r}")
    _check_signature(corp, "agentConfig", "agent_config", app.agent_id, params, page.url, now)
    listed = params.get("jsApiList")
    page.agent_ok, page.agent_id = True, app.agent_id
    page.js_api_list = [str(n) for n in listed] if isinstance(listed, list) else []
    return {"err_msg": "agentConfig:ok"}


def _https_url(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https") and bool(urlsplit(value).netloc)


def _text_field(body: Any, name: str, api: str, msgtype: str) -> str:
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise Refusal(f"{api}:fail invalid {name}", f"{msgtype}.{name} must be a non-empty string")
    return value


def _check_message(corp: Corp, params: dict[str, Any], now: float) -> dict[str, Any]:
    """The message as recorded, or Refusal (98539's fields; the failure wording is the sandbox's)."""
    api = "sendChatMessage"
    msgtype = params.get("msgtype")
    if msgtype not in MSGTYPES:
        raise Refusal(f"{api}:fail invalid msgtype", f"msgtype must be one of {', '.join(MSGTYPES)}, got {msgtype!r}")
    body = params.get(msgtype)
    if not isinstance(body, dict):
        raise Refusal(f"{api}:fail invalid {msgtype}", f"'{msgtype}' must be an object")
    note: dict[str, Any] = {}
    if msgtype == "text":
        _text_field(body, "content", api, msgtype)
    elif msgtype in ("image", "video", "file"):
        media_id = body.get("mediaid")
        if msgtype == "image" and not media_id and _https_url(body.get("imgUrl")):
            note["media"] = "imgUrl"
        else:
            media_id = _text_field(body, "mediaid", api, msgtype)
            status, media_type = media_status(corp, media_id, now)
            if status in ("unknown", "expired"):
                raise Refusal(f"{api}:fail invalid mediaid", f"{msgtype}.mediaid {media_id!r}: "
                              + ("not uploaded to this corp" if status == "unknown" else "expired (3 days)"))
            if status == "ok" and msgtype != "file" and media_type != msgtype:
                raise Refusal(f"{api}:fail invalid mediaid", f"{msgtype}.mediaid is a {media_type}")
            note["media"] = status
    elif msgtype == "news":
        if not _https_url(body.get("link")):
            raise Refusal(f"{api}:fail invalid link", "news.link must be an http(s) URL")
        _text_field(body, "title", api, msgtype)
        if body.get("imgUrl") not in (None, "") and not _https_url(body.get("imgUrl")):
            raise Refusal(f"{api}:fail invalid imgUrl", "news.imgUrl must be an http(s) URL")
    else:  # miniprogram
        for name in ("appid", "title", "page"):
            _text_field(body, name, api, msgtype)
        if not _https_url(body.get("imgUrl")):
            raise Refusal(f"{api}:fail invalid imgUrl", "miniprogram.imgUrl must be an http(s) URL (小程序消息封面图)")
        if not str(body["page"]).split("?", 1)[0].endswith(".html"):
            raise Refusal(f"{api}:fail invalid page", "miniprogram.page must end with .html (98539)")
    if "enterChat" in params and not isinstance(params["enterChat"], bool):
        raise Refusal(f"{api}:fail invalid enterChat", "enterChat must be a boolean")
    return note


def _chat_api(sandbox: Sandbox, session: Session, page: PageState, name: str, params: dict[str, Any],
              now: float) -> dict[str, Any]:
    if not page.agent_ok:
        raise Refusal(f"{name}:fail no permission", "agentConfig has not succeeded on this page load")
    if name not in page.js_api_list:
        raise Refusal(f"{name}:fail no permission", f"agentConfig's jsApiList does not list {name}")
    if name == "getContext":
        return {"err_msg": "getContext:ok", "entry": session.entry}
    if name == "getCurExternalContact":
        if session.entry not in CONTACT_ENTRIES or not session.external_userid:
            raise Refusal(f"{name}:fail without context of external contact", f"entry is {session.entry}")
        return {"err_msg": f"{name}:ok", "userId": session.external_userid}
    if name == "getCurExternalChat":
        if session.entry not in CHAT_ENTRIES or not session.chat_id:
            raise Refusal(f"{name}:fail without context of external contact", f"entry is {session.entry}")
        return {"err_msg": f"{name}:ok", "chatId": session.chat_id}
    # sendChatMessage
    if session.entry not in SEND_ENTRIES:
        raise Refusal(f"{name}:fail without context of external contact", f"entry is {session.entry}")
    corp = sandbox.world.corp(session.corp_id)
    if corp is None:
        raise Refusal(f"{name}:fail no permission", f"corp '{session.corp_id}' was deleted")
    note = _check_message(corp, params, now)
    return {"err_msg": f"{name}:ok", **({"_sandbox": note} if note else {})}


def _clean_params(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """What the page asked, without what the jssdk adds to every call (getVerifyParams: appId and the
    verify* copies of the config's signature)."""
    if not isinstance(params, dict):
        return {}
    added = "verifyAppId" in params and name != "preVerifyJSAPI"
    return {k: v for k, v in params.items()
            if not (str(k).startswith("verify") and k != "verifyJsApiList") and not (added and k == "appId")}


def invoke(sandbox: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    """Answer one ``WeixinJSBridge.invoke`` posted by the script: {session, page, url, name, params}."""
    name = str(body.get("name") or "")
    session_id = str(body.get("session") or "")
    page_id = str(body.get("page") or "")[:64]
    url = str(body.get("url") or "").split("#", 1)[0]
    params = body.get("params") if isinstance(body.get("params"), dict) else {}
    session = sandbox.client_sessions.get(session_id) if session_id else None
    if session is None:
        return {"err_msg": f"{name}:fail no sandbox session",
                "sandbox_reason": "the page's URL named no client session (?wecom_session=ID from "
                                  "POST /control/client-sessions), or it was deleted"}  # fmt: skip
    world = sandbox.world
    with world.lock:
        now = world.now()
        page = session.pages.get(page_id)
        if page is None or page.url != url:
            if len(session.pages) >= MAX_PAGES:
                session.pages.pop(next(iter(session.pages)))
            page = session.pages[page_id] = PageState(url)  # a new page load (or URL): configure again
        try:
            if name == "preVerifyJSAPI":
                answer = _config(sandbox, session, page, params, now)
            elif name == "agentConfig":
                answer = _agent_config(sandbox, session, page, params, now)
            elif name in NEEDS_AGENT:
                answer = _chat_api(sandbox, session, page, name, params, now)
            else:
                raise Refusal(f"{name}:function not exist", "the sandbox's client plays only config, agentConfig, "
                              + ", ".join(NEEDS_AGENT))
            reason = ""
        except Refusal as refusal:
            answer = {"err_msg": refusal.err_msg, **({"err_code": refusal.err_code} if refusal.err_code else {}),
                      "sandbox_reason": refusal.reason}  # fmt: skip
            reason = refusal.reason
        note = answer.pop("_sandbox", None)
        session.seq += 1
        record = {"seq": session.seq, "at": now, "page": page_id, "url": url, "name": name,
                  "params": _clean_params(name, params), "err_msg": answer["err_msg"],
                  "ok": answer["err_msg"].endswith(":ok"), "reason": reason or None,
                  **({"sandbox": note} if note else {})}  # fmt: skip
        session.calls.append(record)
        del session.calls[:-MAX_CALLS]
    return answer


def script() -> bytes:
    return SCRIPT.read_bytes()
