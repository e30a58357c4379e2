"""Console login (issue 18): WeCom's web login becomes a session cookie, and every admin route accepts that
cookie as well as an API key (``caller`` and ``permitted``, called by ``api.route``'s wrapper).

Cookies (all ``Secure; SameSite=Strict; Path=/``, the ``__Host-`` prefix pinning them to this host):
``__Host-scrm_session`` (HttpOnly: the session id, which only the server sees), ``__Host-scrm_csrf`` (readable
by the console: every write with the session cookie must send it back in ``X-CSRF-Token``), and
``__Host-scrm_login_state`` (HttpOnly, 10 minutes: the state of a login started with GET /admin/auth/login-url).
Chromium accepts Secure cookies from http://localhost and 127.0.0.1, so the local stack needs no exception.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from chalice import Response

from admin.api import (
    BODY_TYPES,
    OPERATIONS,
    Doc,
    admin,
    body_as,
    error,
    json_response,
    query_of,
    refusal,
    route,
)
from admin.schemas import staff as S

SESSION_COOKIE = "__Host-scrm_session"
CSRF_COOKIE = "__Host-scrm_csrf"
STATE_COOKIE = "__Host-scrm_login_state"
# The sidebar's session (issue 19): its own cookie, so a browser may hold both, and neither opens the other's
# routes. Its CSRF token is not a cookie: the page reads it from GET /admin/sidebar/me.
SIDEBAR_COOKIE = "__Host-scrm_sidebar"
MEMBER = "member"  # the declared least role of the sidebar's routes: any member, acting as themselves
CSRF_HEADER = "x-csrf-token"
STATE_MAX_AGE_S = 600
# (path, method) of the routes that take no key or session (login, logout, the login URL).
OPEN_ROUTES: set[tuple[str, str]] = set()
NO_CALLER = "missing API key: send Authorization: Bearer <key> (or log in to the console: POST /admin/auth/login)"


def _auth() -> Any:
    from scrm.staff_auth.wiring import staff_auth

    return staff_auth()


def cookies_of(headers: Any) -> dict[str, str]:
    """The request's cookies by name (the first of a repeated name); malformed pairs are skipped."""
    found: dict[str, str] = {}
    for pair in (headers.get("cookie") or "").split(";"):
        name, eq, value = pair.strip().partition("=")
        if eq and name and name not in found:
            found[name] = value.strip().strip('"')
    return found


def _cookie(name: str, value: str, max_age: int, http_only: bool = True) -> str:
    return f"{name}={value}; Path=/; Max-Age={max_age}; Secure; SameSite=Strict" + ("; HttpOnly" if http_only else "")


def _cleared(*names: str) -> list[str]:
    return [_cookie(n, "", 0, n != CSRF_COOKIE) for n in names or (SESSION_COOKIE, CSRF_COOKIE)]


def caller(request: Any, key: str, sidebar: bool = False) -> tuple[Any, Response | None]:
    """(the principal, None) of an API key or, without one, of the session cookie; else (None, a 401).
    A sidebar route reads the sidebar's cookie alone: it acts as a member, which a key is not."""
    from scrm import bootstrap
    from scrm.kernel.errors import Unauthenticated

    if sidebar:
        return _sidebar_caller(request, key)
    if key:
        principal = bootstrap.api_keys().authenticate(key)
        return (principal, None) if principal is not None else (None, error(401, "unknown or revoked API key"))
    session_id = cookies_of(request.headers).get(SESSION_COOKIE)
    if not session_id:
        return None, error(401, NO_CALLER)
    try:
        return _auth().authenticate(session_id), None
    except Unauthenticated as exc:
        refused = error(401, exc.message, "session")
        refused.headers["Set-Cookie"] = _cleared()  # type: ignore[assignment]
        return None, refused


def _sidebar_caller(request: Any, key: str) -> tuple[Any, Response | None]:
    """A key is authenticated (so that its refusal is audited under its id) and then refused by
    ``permitted``: the sidebar acts as a member, which a key is not."""
    from scrm import bootstrap
    from scrm.kernel.errors import Unauthenticated

    if key:
        principal = bootstrap.api_keys().authenticate(key)
        return (principal, None) if principal is not None else (None, error(401, "unknown or revoked API key"))
    session_id = cookies_of(request.headers).get(SIDEBAR_COOKIE)
    if not session_id:
        return None, error(401, "not logged in to the sidebar: open it from WeCom (POST /admin/sidebar/auth/login)", "session")
    try:
        return _auth().authenticate_member(session_id), None
    except Unauthenticated as exc:
        refused = error(401, exc.message, "session")
        refused.headers["Set-Cookie"] = _cookie(SIDEBAR_COOKIE, "", 0)
        return None, refused


def permitted(principal: Any, request: Any, path: str, write: bool, declared: str | None) -> Response | None:
    """None if the caller may call the route; else the 403 naming their role (and a session's write
    without its CSRF token, whatever the role)."""
    from scrm.staff_auth.model import MemberPrincipal, StaffPrincipal, StaffRole, allows, least_role

    if declared == MEMBER or isinstance(principal, MemberPrincipal):
        if not isinstance(principal, MemberPrincipal):  # a key on a sidebar route
            return error(403, "the sidebar's routes act as the member logged in through WeCom: send the "
                              f"{SIDEBAR_COOKIE} cookie (POST /admin/sidebar/auth/login), not an API key", "Authorization")  # fmt: skip
        if declared != MEMBER:  # caller() never pairs a sidebar session with another route; keep it so
            return error(403, f"a sidebar session may not {request.method} {path}")
        if write and not principal.session.csrf_matches(request.headers.get(CSRF_HEADER)):
            return error(403, "a sidebar write needs the X-CSRF-Token header equal to the session's token "
                              "(csrf_token in GET /admin/sidebar/me)", "X-CSRF-Token")  # fmt: skip
        return None
    least = least_role(write, StaffRole(declared) if declared else None)
    if isinstance(principal, StaffPrincipal):
        if write and not principal.session.csrf_matches(request.headers.get(CSRF_HEADER)):
            return error(403, "a console write needs the X-CSRF-Token header equal to the session's token "
                              f"(the {CSRF_COOKIE} cookie)", "X-CSRF-Token")  # fmt: skip
        if allows(principal.role, write, least):
            return None
        return error(403, f"your role ({principal.role.value}) may not {request.method} {path}: it needs {least.value}")
    if allows(StaffRole(principal.role.value), write, least):
        return None
    if write and declared is None:
        return error(403, f"this key's role ({principal.role.value}) may not change anything")
    return error(403, f"this key's role ({principal.role.value}) may not {request.method} {path}: it needs {least.value}")


def _open_route(path: str, method: str, doc: Doc) -> Callable[..., Any]:
    """A route without a key or session (login, logout, the login URL): documented like the others, its
    domain errors answered as JSON, anything else a one-line 500."""
    OPERATIONS.append((path, method.lower(), False, doc))
    OPEN_ROUTES.add((path, method))

    def wrap(view: Callable[..., Response]) -> Callable[..., Any]:
        @admin.route(path, methods=[method], content_types=BODY_TYPES)
        @functools.wraps(view)
        def handler() -> Response:
            from pydantic import ValidationError
            from scrm.adapters.logs import bind, logger
            from scrm.kernel.errors import DomainError
            from scrm.kernel.request_limit import RequestLimited

            from admin.guards import limited
            from admin.schemas.base import refusal_of

            request = admin.current_request
            bind(request_id=request.context.get("requestId", ""))
            try:
                if doc.body is None:
                    return view(request)
                # A form on another site cannot send JSON (that needs CORS's preflight, never granted): an
                # open route's body is JSON or nothing, so nobody is logged in through a form.
                if not (request.headers.get("content-type") or "").lower().startswith("application/json"):
                    return error(415, "send a JSON body (Content-Type: application/json)", "Content-Type")
                return view(request, body_as(doc.body, request))
            except ValidationError as exc:  # the body's model refused it: 400 naming the field's path
                return json_response(*refusal(refusal_of(doc.body, exc)))
            except RequestLimited as exc:
                return json_response(*limited(str(exc), exc.retry_after_s, 429))
            except DomainError as exc:
                return json_response(*refusal(exc))
            except Exception:
                logger.exception("admin request failed", extra={"path": path})
                return error(500, "internal error; the request id is in the server log")

        return handler

    return wrap


# The public routes' 429 in their documentation (the shared 429 speaks of keys).
PUBLIC_LIMITED = {429: "too many requests from this client address to this corp's public routes this minute "
                  "(SCRM_PUBLIC_REQUESTS_PER_MIN, 600 by default): the body's retry_after_s and the Retry-After "
                  "header say when to ask again; the error is worded in Chinese and English"}


def client_address(request: Any) -> str:
    """The customer's address. The landing pages call the API through the console's CloudFront distribution
    (/admin/* → API Gateway), so API Gateway's sourceIp is a CloudFront edge server, shared by every customer
    near it; CloudFront puts the viewer's own address in ``CloudFront-Viewer-Address`` (ip:port, the origin
    request policy forwards it). A caller of API Gateway's own URL could set that header itself, so it is
    believed only beside the distribution's origin header ``X-Scrm-Origin`` carrying ``SCRM_ORIGIN_SECRET``
    (set by the template; unset on the local stack, where the header is believed as is). Otherwise the
    address is sourceIp (requestContext.identity.sourceIp)."""
    from scrm import bootstrap
    from scrm.settings import ORIGIN_HEADER

    viewer = (request.headers.get("cloudfront-viewer-address") or "").strip()
    secret = bootstrap.settings().origin_secret
    if secret and not hmac.compare_digest((request.headers.get(ORIGIN_HEADER.lower()) or "").encode(), secret.encode()):
        viewer = ""  # not through our distribution: the header is the caller's own word
    if ":" in viewer:  # "198.51.100.10:46532", "2001:db8::8a2e:370:7334:46532": the port follows the last colon
        return viewer.rsplit(":", 1)[0][:64]
    return str(((request.context or {}).get("identity") or {}).get("sourceIp") or "unknown")[:64]


def limit_public(request: Any, corp_id: str) -> None:
    """Count one request of a public route (no key: the landing pages) for the client's address and the corp;
    past ``public_requests_per_min`` a 429 with Retry-After (``_open_route`` answers RequestLimited)."""
    from scrm import bootstrap
    from scrm.kernel.request_limit import RequestLimited, public_limited

    try:
        bootstrap.public_limiter().hit(f"open:{corp_id}:{client_address(request)}")
    except RequestLimited as exc:
        raise public_limited(exc.limit, exc.retry_after_s) from None


def login_start(request: Any, whose: str, opener: str) -> tuple[str, str, str, str]:
    """What both login links begin with (the console's web login, the sidebar's OAuth): (corp_id,
    redirect_uri, the corp's agentid, a new state), a 400 for a redirect_uri that is no absolute http(s) URL
    and a 404 for a corp not registered. ``whose`` / ``opener`` word the 400 (the console's … browser)."""
    from scrm import bootstrap
    from scrm.kernel.errors import InvalidInput, NotFound

    query = query_of(request)
    corp_id, redirect_uri = query.get("corp_id") or "", query.get("redirect_uri") or ""
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput("redirect_uri", f"redirect_uri: {whose} absolute http(s) URL WeCom sends the {opener} back to")
    try:
        corp = bootstrap.corp_registry().get(corp_id, cache_unknown=True)
    except LookupError:
        raise NotFound(f"no corp {corp_id} is registered", "corp_id") from None
    return corp_id, redirect_uri, corp.agent_id, secrets.token_urlsafe(16)


def attempt_login(request: Any, body: Any, state_cookie: str, action: str, started_by: str,
                  log_in: Callable[[str, str], tuple[str, Any]]) -> tuple[str | None, tuple[str, Any]]:
    """What both logins do with a code: the state checked against the cookie its link set (when set), the
    per-corp attempt limit (WeCom is asked per attempt: a flood stops here), ``log_in`` and one audit line
    either way. (the state cookie's value or None, (session id, session))."""
    from scrm import bootstrap
    from scrm.kernel.errors import InvalidInput

    from admin.guards import audit_login

    started = cookies_of(request.headers).get(state_cookie)
    if started and body.state != started:
        raise InvalidInput("state", f"state: not the state of the login {started_by}")
    bootstrap.key_limiter().hit(f"login:{body.corp_id}")
    try:
        session_id, session = log_in(body.corp_id, body.code)
    except Exception as exc:
        audit_login(body.corp_id, "", action, getattr(exc, "message", type(exc).__name__))
        raise
    audit_login(body.corp_id, session.userid, action, "ok")
    return started, (session_id, session)


@_open_route("/admin/auth/login-url", "GET", Doc(
    "Start a console login: WeCom's web login page for the corp's app, and a state to check on return",
    {200: ("where to send the browser", S.LoginUrl)}, query=S.LoginUrlQuery, errors={404: None},
    description="No key. Sets the __Host-scrm_login_state cookie (10 minutes); the redirect_uri must be a "
    "trusted domain of the corp's app in WeCom (port included).",
))  # fmt: skip
def login_url(request: Any) -> Response:
    from scrm import bootstrap

    corp_id, redirect_uri, agent_id, state = login_start(request, "the console's", "browser")
    params = {"login_type": "CorpApp", "appid": corp_id, "agentid": agent_id, "redirect_uri": redirect_uri,
              "state": state}  # fmt: skip
    url = f"{bootstrap.settings().wecom_login_base}wwlogin/sso/login?{urlencode(params)}"
    return json_response(200, {"url": url, "state": state},
                         {"Set-Cookie": _cookie(STATE_COOKIE, state, STATE_MAX_AGE_S)})  # type: ignore[dict-item]


@_open_route("/admin/auth/login", "POST", Doc(
    "Log a member in with the code WeCom's login page sent back; sets the session and CSRF cookies",
    {200: ("the member, their role and the CSRF token", S.Me)}, body=S.Login,
    errors={403: "not a member of the corp, or a member without a console role", 404: None,
            415: "the body must be sent as application/json", 502: None},
    description="No key. 401 for a code WeCom does not accept (unknown, used or expired: codes live 5 minutes "
    "and work once). The state, when the login began with /admin/auth/login-url, must match its cookie.",
))  # fmt: skip
def login(request: Any, body: S.Login) -> Response:
    started, (session_id, session) = attempt_login(request, body, STATE_COOKIE, "login", "this browser started; log in again",
                                                   _auth().login)  # fmt: skip
    cookies = [_cookie(SESSION_COOKIE, session_id, session.expires_at - session.created_at),
               _cookie(CSRF_COOKIE, session.csrf, session.expires_at - session.created_at, http_only=False),
               *([_cookie(STATE_COOKIE, "", 0)] if started else [])]  # fmt: skip
    return json_response(200, _me_of(session, session.role.value), {"Set-Cookie": cookies})  # type: ignore[dict-item]


@_open_route("/admin/auth/logout", "POST", Doc(
    "End the console session and clear its cookies (answered 200 also when there was none)",
    {200: ("done", S.LoggedOut)}, description="No key: the session cookie names what ends.",
))  # fmt: skip
def logout(request: Any) -> Response:
    from admin.guards import audit_login

    session_id = cookies_of(request.headers).get(SESSION_COOKIE)
    ended = _auth().logout(session_id) if session_id else None
    if ended is not None:
        audit_login(ended.corp_id, ended.userid, "logout", "ok")
    return json_response(200, {"logged_out": True}, {"Set-Cookie": _cleared()})  # type: ignore[dict-item]


def _me_of(session: Any, role: str) -> dict[str, Any]:
    return {"corp_id": session.corp_id, "userid": session.userid, "name": session.name, "role": role,
            "via": "session", "csrf_token": session.csrf, "expires_at": session.expires_at,
            "idle_expires_at": session.ends_at()}  # fmt: skip


@route("/admin/auth/me", doc=Doc(
    "Who is calling: the logged-in member with their role now (or an API key's corp and role)", {200: ("the caller", S.Me)}
))  # fmt: skip
def me(principal: Any, request: Any) -> Any:
    from scrm.staff_auth.model import StaffPrincipal

    if isinstance(principal, StaffPrincipal):
        return _me_of(principal.session, principal.role.value)
    return {"corp_id": principal.corp_id, "userid": "", "name": "", "role": principal.role.value, "via": "key"}
