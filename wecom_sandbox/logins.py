"""Staff login on WeCom's side: a corp's apps, their trusted domains, and the login codes they issue.

WeCom's rules (docs/sandbox.md "Staff login" cites each page):
- A code comes back on ``redirect_uri?code=CODE&state=STATE`` after a member confirms on the web-login
  page (98176 for a self-built app) or opens an OAuth link in the WeCom client (91022).  It is at most
  512 bytes, different every time, **usable once** and **expires 5 minutes** after it was issued
  (91023 / 96442 / 98177).  A used or expired code answers 40029 (90313: "code只能消费一次…过期会自动失效").
- ``redirect_uri``'s domain must be a trusted domain (可信域名) of the app, matched **exactly, port
  included**; no scheme and no wildcard may be configured (98173's table).  getuserinfo answers 50001
  when the redirect domain is not a trusted domain of the access_token's app (96442, 98177), and 90313's
  50001 entry adds: the token must be of the app the code was issued in.
- Each app has its own secret and so its own access_token (91039); a corp's main app is the one the
  sandbox always had (Corp.agent_id / Corp.secret); extra apps are added through the control API.

Sandbox choices, where the docs are silent: an app whose trusted domains were never set trusts every
loopback host (localhost, 127.0.0.1, ::1) on any port, so the devstack's console logs in out of the
box; a 50001 does not use the code up; codes are kept a day after issue so the control API can show
them.  The clock is the world clock, so tests expire codes with /control/clock/advance.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from . import ids

if TYPE_CHECKING:
    from .world import Corp

CODE_TTL_S = 300
"""91023: "code只能使用一次，5分钟未被使用自动过期"."""
USER_TICKET_TTL_S = 1800
"""96442: user_ticket "有效期为1800s"."""
KEEP_CODES_S = 86_400
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SCOPES = ("snsapi_base", "snsapi_privateinfo", "snsapi_userinfo")
TICKET_SCOPES = ("snsapi_privateinfo", "snsapi_userinfo")
_SYSTEM_RNG = random.SystemRandom()


class LoginError(Exception):
    """A login request WeCom refuses; ``kind`` says which of WeCom's pages or codes answers it."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass(slots=True)
class App:
    """One app (应用) of a corp as far as login is concerned.

    secret is "" for the main app (its secret is Corp.secret); trusted_domains None means "never set"
    (the sandbox's loopback default), [] means none (every redirect refused)."""

    agent_id: int
    secret: str = ""
    trusted_domains: list[str] | None = None
    auto_confirm_userid: str = ""
    """Sandbox knob: a GET of the login page confirms as this member at once (no picker)."""
    current_token: str = ""
    """The token a repeated gettoken with this app's secret hands out again (extra apps only)."""

    def to_control(self, corp: Corp) -> dict[str, Any]:
        main = self.agent_id == corp.agent_id
        return {
            "agent_id": self.agent_id,
            "main": main,
            "secret": corp.secret if main else self.secret,
            "trusted_domains": self.trusted_domains,
            "trusts": "loopback hosts on any port (sandbox default)"
            if self.trusted_domains is None
            else "exactly these host[:port]",
            "auto_confirm_userid": self.auto_confirm_userid or None,
        }


@dataclass(slots=True)
class LoginCode:
    code: str
    agent_id: int | None
    """The app the login page was opened for; None for an OAuth link without agentid."""
    redirect_host: str
    scope: str
    issued_at: float
    via: str
    """"page" (a member confirmed), "auto" (auto_confirm_userid) or "control" (the control API)."""
    userid: str = ""
    external_userid: str = ""
    openid: str = ""
    used_at: float | None = None

    @property
    def expires_at(self) -> float:
        return self.issued_at + CODE_TTL_S

    def to_control(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "agent_id": self.agent_id,
            "userid": self.userid or None,
            "external_userid": self.external_userid or None,
            "openid": self.openid or None,
            "redirect_host": self.redirect_host,
            "scope": self.scope,
            "via": self.via,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
            "used_at": self.used_at,
        }


@dataclass
class LoginState:
    """Per corp: its apps (the main one added lazily), which app each extra token belongs to, codes."""

    apps: dict[int, App] = field(default_factory=dict)
    token_agents: dict[str, int] = field(default_factory=dict)
    codes: dict[str, LoginCode] = field(default_factory=dict)


# --- apps ------------------------------------------------------------------------------------
def app(corp: Corp, agent_id: int) -> App | None:
    """The corp's app with this agentid (the main app always exists), else None."""
    if agent_id == corp.agent_id:
        return corp.login.apps.setdefault(agent_id, App(agent_id))
    return corp.login.apps.get(agent_id)


def all_apps(corp: Corp) -> list[App]:
    app(corp, corp.agent_id)
    return sorted(corp.login.apps.values(), key=lambda a: (a.agent_id != corp.agent_id, a.agent_id))


def add_app(corp: Corp, agent_id: int, secret: str | None) -> App:
    """Register an extra app; the caller checks that the agentid is free."""
    created = App(agent_id, secret or ids.secret(_SYSTEM_RNG))
    corp.login.apps[agent_id] = created
    return created


def extra_app_for_secret(corp: Corp, secret: str | None) -> App | None:
    """The extra app whose secret this is (gettoken with it issues that app's token)."""
    if not secret:
        return None
    return next((a for a in corp.login.apps.values() if a.secret and a.secret == secret), None)


def token_agent(corp: Corp, token: str) -> int:
    """Which app an access_token belongs to: an extra app's, else the main app's."""
    return corp.login.token_agents.get(token, corp.agent_id)


def normalize_domain(value: str) -> str:
    """A trusted domain as WeCom accepts it (98173): host[:port], no scheme, no path, no wildcard.

    Raises ValueError naming what is wrong."""
    domain = value.strip().lower()
    if not domain:
        raise ValueError("a trusted domain must not be empty")
    if "://" in domain:
        raise ValueError(f"{value!r}: a trusted domain has no scheme (98173: 不包括协议头)")
    if "*" in domain:
        raise ValueError(f"{value!r}: wildcards are not supported (98173: 不支持泛域名设置)")
    if "/" in domain or "?" in domain or "#" in domain or "@" in domain or " " in domain:
        raise ValueError(f"{value!r}: a trusted domain is host[:port] only")
    return domain


# --- redirect domains --------------------------------------------------------------------------
def redirect_host(redirect_uri: str) -> str:
    """host[:port] of an absolute http(s) redirect_uri, lower-cased; raises LoginError("bad_request")."""
    try:
        parts = urlsplit(redirect_uri)
        port = parts.port
    except ValueError:
        raise LoginError("bad_request", f"redirect_uri {redirect_uri!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoginError("bad_request", f"redirect_uri {redirect_uri!r} is not an http(s) URL")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}" if port is not None else host


def with_params(uri: str, params: dict[str, str]) -> str:
    """``uri`` with ``params`` appended to its query (before any #fragment), as WeCom's redirect does."""
    parts = urlsplit(uri)
    extra = urlencode(params)
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def trusts(login_app: App, host: str) -> bool:
    """Does the app trust this redirect host[:port]?  Exact match, port included (98173, 90313/50001)."""
    if login_app.trusted_domains is None:
        bare = host[1 : host.index("]")] if host.startswith("[") else host.split(":", 1)[0]
        return bare in LOOPBACK_HOSTS
    return host in login_app.trusted_domains


# --- codes --------------------------------------------------------------------------------------
def issue(
    corp: Corp,
    now: float,
    *,
    agent_id: int | None,
    host: str,
    scope: str,
    via: str,
    userid: str = "",
    external_userid: str = "",
) -> LoginCode:
    """Issue a fresh single-use code for a member (userid) or a non-member (external_userid or none)."""
    _prune(corp, now)
    openid = "" if userid else _openid(corp, external_userid)
    record = LoginCode(
        code=ids.rand_str(_SYSTEM_RNG, 43, ids.ID_ALPHABET),
        agent_id=agent_id,
        redirect_host=host,
        scope=scope,
        issued_at=now,
        via=via,
        userid=userid,
        external_userid=external_userid,
        openid=openid,
    )
    corp.login.codes[record.code] = record
    return record


def redeem(corp: Corp, token: str, code: str, now: float) -> LoginCode:
    """Use a code up for the app of ``token``; raises LoginError("40029"/"50001") as WeCom answers."""
    record = corp.login.codes.get(code)
    if record is None:
        raise LoginError("40029", "no such code in this corp")
    if record.used_at is not None:
        raise LoginError("40029", "code has been used (a code is usable once)")
    if now >= record.expires_at:
        raise LoginError("40029", f"code expired ({CODE_TTL_S} s after it was issued)")
    agent = token_agent(corp, token)
    if record.agent_id is not None and agent != record.agent_id:
        raise LoginError(
            "50001", f"the code was issued in app {record.agent_id}; this access_token is app {agent}'s"
        )
    token_app = app(corp, agent)
    if token_app is None or not trusts(token_app, record.redirect_host):
        raise LoginError("50001", f"{record.redirect_host} is not a trusted domain of app {agent}")
    record.used_at = now
    return record


def identity(corp: Corp, record: LoginCode, *, legacy: bool) -> dict[str, Any]:
    """getuserinfo's answer for a redeemed code; legacy=True uses user/getuserinfo's old key names."""
    if record.userid:
        out: dict[str, Any] = {"UserId" if legacy else "userid": record.userid}
        if record.scope in TICKET_SCOPES:
            out["user_ticket"] = ids.rand_str(_SYSTEM_RNG, 64, ids.ID_ALPHABET)
            if legacy:
                out["expires_in"] = USER_TICKET_TTL_S
        return out
    out = {"OpenId" if legacy else "openid": record.openid}
    if record.external_userid and corp.relations_by_customer.get(record.external_userid):
        out["external_userid"] = record.external_userid
    return out


def _openid(corp: Corp, external_userid: str) -> str:
    """A non-member's openid, "unique within the corp" (91023): stable per corp and customer."""
    seed = f"{corp.corp_id}/{external_userid or _SYSTEM_RNG.random()}".encode()
    return "o" + hashlib.sha256(seed).hexdigest()[:27]


def _prune(corp: Corp, now: float) -> None:
    stale = [c for c, r in corp.login.codes.items() if r.issued_at < now - KEEP_CODES_S]
    for code in stale:
        del corp.login.codes[code]
