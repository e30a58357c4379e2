"""WeCom's login pages, served by the sandbox at WeCom's own paths (docs/sandbox.md "Staff login").

- ``/wwlogin/sso/login?login_type=CorpApp&appid=CORPID&agentid=AGENTID&redirect_uri=URI&state=S`` is the
  web login (企业微信Web登录, 98176 / 98171) of https://login.work.weixin.qq.com;
- ``/connect/oauth2/authorize?appid=CORPID&redirect_uri=URI&response_type=code&scope=…&state=S&agentid=…``
  is the OAuth link (构造网页授权链接, 91022) of https://open.weixin.qq.com that the WeCom client opens;
- ``/wwopen/uriconfirm?err_type=domain_err&uri=URI`` is where WeCom sends a browser whose redirect_uri is
  not a trusted domain: a page saying 「redirect_uri需使用应用可信域名」.

Instead of a QR code or the WeCom client, the sandbox shows the corp's active members; a tester picks
one and confirms (a form POST to the same URL), and the page answers 302 to ``redirect_uri?code=…&state=…``.
The OAuth link opened inside the stand-in WeCom client (a redirect_uri carrying ``wecom_session=ID`` of a
client session of the corp) confirms as that session's member at once, as the real client does silently.
「拒绝」 answers 302 to ``redirect_uri?state=…`` without a code (the older web-login page 91019: "若用户
禁止授权，则重定向后不会带上code参数，仅会带上state参数").  Member names are rendered as escaped text.
A request WeCom would refuse shows a page saying 「该链接无法访问」 (91019's wording for bad parameters);
the sandbox adds what was wrong, and an ``X-Wecom-Sandbox-Error`` header for tests.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

from . import logins
from .logins import LoginError

if TYPE_CHECKING:
    from .app import Sandbox
    from .world import Corp, World

SSO_PATH = "/wwlogin/sso/login"
OAUTH_PATH = "/connect/oauth2/authorize"
URICONFIRM_PATH = "/wwopen/uriconfirm"
PATHS = (SSO_PATH, OAUTH_PATH, URICONFIRM_PATH)
DOMAIN_ERROR = "redirect_uri需使用应用可信域名"
BAD_LINK = "该链接无法访问"
_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_STYLE = (
    "body{font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em}"
    "label{display:block;padding:.4em;border-bottom:1px solid #eee}"
    ".hint{color:#888;font-size:.85em}.err{color:#c00}button{margin:1em .5em 0 0;padding:.5em 1.5em}"
)


@dataclass
class Page:
    """An HTML answer (or a redirect) of the login pages; server.py sends it as is."""

    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class LoginRequest:
    corp: Corp
    app: logins.App | None
    redirect_uri: str
    host: str
    state: str
    scope: str


def handle(sandbox: Sandbox, method: str, path: str, query: dict[str, str], body: bytes) -> Page:
    if path == URICONFIRM_PATH:
        return _domain_error_page(query.get("uri", ""))
    if method not in ("GET", "POST"):
        return _page(405, BAD_LINK, [f"{method} is not a method of this page"], error="method")
    world = sandbox.world
    with world.lock:
        try:
            req = _parse_sso(world, query) if path == SSO_PATH else _parse_oauth(world, query)
        except LoginError as err:
            if err.kind == "domain":
                target = urlencode({"err_type": "domain_err", "uri": query.get("redirect_uri", "")})
                return _redirect(f"{URICONFIRM_PATH}?{target}", error="domain_err")
            return _page(200, BAD_LINK, [err.detail], error=err.kind)
        action = f"{path}?{urlencode(query)}"
        if method == "GET" and path == OAUTH_PATH:
            member = _client_member(sandbox, req)
            if member:  # inside the (stand-in) WeCom client: its member, never asked (91022)
                return _confirmed(world, req, member, via="client")
        if method == "GET":
            auto = req.app.auto_confirm_userid if req.app is not None else ""
            if auto and _active(req.corp, auto):
                return _confirmed(world, req, auto, via="auto")
            return _picker(req, action)
        return _submit(world, req, action, _form(body))


# --- parsing the two links ----------------------------------------------------------------------
def _corp_and_uri(world: World, query: dict[str, str]) -> tuple[Corp, str, str]:
    appid = query.get("appid", "")
    corp = world.corp(appid) if appid else None
    if corp is None:
        raise LoginError("bad_request", f"appid {appid!r} is not a corp of this sandbox")
    uri = query.get("redirect_uri", "")
    if not uri:
        raise LoginError("bad_request", "redirect_uri is missing")
    return corp, uri, logins.redirect_host(uri)


def _agent(corp: Corp, raw: str) -> logins.App:
    try:
        agent_id = int(raw)
    except ValueError:
        raise LoginError("bad_request", f"agentid {raw!r} is not an integer") from None
    found = logins.app(corp, agent_id)
    if found is None:
        raise LoginError("bad_request", f"agentid {agent_id} is not an app of corp {corp.corp_id}")
    return found


def _parse_sso(world: World, query: dict[str, str]) -> LoginRequest:
    """98176 / 98171: login_type CorpApp, appid = CorpID, agentid required, redirect_uri, state."""
    login_type = query.get("login_type", "")
    if login_type != "CorpApp":
        why = "ServiceApp (third-party) login is not simulated" if login_type == "ServiceApp" else ""
        raise LoginError("bad_request", why or f"login_type {login_type!r} is not CorpApp or ServiceApp")
    corp, uri, host = _corp_and_uri(world, query)
    if not query.get("agentid"):
        raise LoginError("bad_request", "agentid is required when login_type=CorpApp")
    app = _agent(corp, query["agentid"])
    if not logins.trusts(app, host):
        raise LoginError("domain", f"{host} is not a trusted domain of app {app.agent_id}")
    return LoginRequest(corp, app, uri, host, query.get("state", ""), "")


def _parse_oauth(world: World, query: dict[str, str]) -> LoginRequest:
    """91022: appid, redirect_uri, response_type=code, scope, state, agentid (required for privateinfo)."""
    corp, uri, host = _corp_and_uri(world, query)
    if query.get("response_type") != "code":
        raise LoginError("bad_request", "response_type must be code")
    scope = query.get("scope", "")
    if scope not in logins.SCOPES:
        raise LoginError("bad_request", f"scope {scope!r} is not one of {', '.join(logins.SCOPES)}")
    app = _agent(corp, query["agentid"]) if query.get("agentid") else None
    if app is None and scope in logins.TICKET_SCOPES:
        raise LoginError("bad_request", f"agentid is required with scope {scope}")
    candidates = [app] if app is not None else logins.all_apps(corp)
    if not any(logins.trusts(a, host) for a in candidates):
        raise LoginError("domain", f"{host} is not a trusted domain of the app")
    return LoginRequest(corp, app, uri, host, query.get("state", ""), scope)


def _client_member(sandbox: Sandbox, req: LoginRequest) -> str:
    """The member of the client session the page runs in, when the redirect_uri names one of this corp
    (``wecom_session=ID``, which the stand-in's pages carry): inside WeCom's client the OAuth link confirms
    as the client's member at once, with no page shown (91022: snsapi_base "静默授权")."""
    session_id = parse_qs(urlsplit(req.redirect_uri).query).get("wecom_session", [""])[0]
    session = sandbox.client_sessions.get(session_id) if session_id else None
    if session is None or session.corp_id != req.corp.corp_id or not _active(req.corp, session.userid):
        return ""
    return session.userid


# --- answers ---------------------------------------------------------------------------------
def _active(corp: Corp, userid: str) -> bool:
    employee = corp.employees.get(userid)
    return employee is not None and employee.status == 1


def _submit(world: World, req: LoginRequest, action: str, form: dict[str, str]) -> Page:
    if form.get("action") == "deny":
        return _redirect(logins.with_params(req.redirect_uri, {"state": req.state}))
    userid = form.get("userid", "")
    if not _active(req.corp, userid):
        return _picker(req, action, error=f"{userid!r} is not an active member of this corp", status=400)
    return _confirmed(world, req, userid, via="page")


def _confirmed(world: World, req: LoginRequest, userid: str, *, via: str) -> Page:
    record = logins.issue(
        req.corp,
        world.now(),
        agent_id=req.app.agent_id if req.app is not None else None,
        host=req.host,
        scope=req.scope,
        via=via,
        userid=userid,
    )
    return _redirect(logins.with_params(req.redirect_uri, {"code": record.code, "state": req.state}))


def _redirect(location: str, error: str = "") -> Page:
    headers = {"Location": location, "Cache-Control": "no-store"}
    if error:
        headers["X-Wecom-Sandbox-Error"] = error
    return Page(302, "", headers)


def _picker(req: LoginRequest, action: str, error: str = "", status: int = 200) -> Page:
    members = [e for e in req.corp.employees.values() if e.status == 1]
    rows = [
        f'<label><input type="radio" name="userid" value="{html.escape(e.userid)}" required> '
        f"{html.escape(e.name)} <span class=hint>({html.escape(e.userid)})</span></label>"
        for e in members
    ] or ["<p>这个企业没有可登录的成员 (no active member)</p>"]
    app = f"应用 {req.app.agent_id}" if req.app is not None else "(no agentid)"
    parts = [
        f"<h1>企业微信登录</h1><p class=hint>wecom_sandbox · 企业 {html.escape(req.corp.corp_id)} · {app}"
        f" · 登录到 {html.escape(req.host)}</p>",
        f"<p class=err>{html.escape(error)}</p>" if error else "",
        f'<form method="post" action="{html.escape(action)}">',
        *rows,
        '<button type="submit" name="action" value="confirm">确认登录</button>'
        '<button type="submit" name="action" value="deny" formnovalidate>拒绝</button></form>',
    ]
    return Page(status, _document("企业微信登录", "".join(parts)), _page_headers(error="bad_member" if error else ""))


def _domain_error_page(uri: str) -> Page:
    body = f"<h1>{DOMAIN_ERROR}</h1><p class=hint>{html.escape(uri)}</p>"
    return Page(200, _document(DOMAIN_ERROR, body), _page_headers(error="domain_err"))


def _page(status: int, title: str, lines: list[str], *, error: str) -> Page:
    body = f"<h1>{html.escape(title)}</h1>" + "".join(f"<p class=hint>{html.escape(x)}</p>" for x in lines)
    return Page(status, _document(title, body), _page_headers(error=error))


def _document(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width"><style>{_STYLE}</style></head>'
        f"<body>{body}</body></html>"
    )


def _page_headers(error: str = "") -> dict[str, str]:
    headers = {"Cache-Control": "no-store", "Content-Security-Policy": _CSP}
    if error:
        headers["X-Wecom-Sandbox-Error"] = error
    return headers


def _form(body: bytes) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
