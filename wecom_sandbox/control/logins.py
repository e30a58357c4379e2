"""Control endpoints for staff login: a corp's apps and trusted domains, and login codes (the sandbox's own).

- ``GET  /control/corps/{corp}/apps``: every app (the main one first) with secret and trusted domains.
- ``POST /control/corps/{corp}/apps``: add an app {agent_id, secret?, trusted_domains?, auto_confirm_userid?};
  its secret gets its own access_token from gettoken.
- ``PATCH /control/corps/{corp}/apps/{agent_id}``: set trusted_domains (a list of host[:port], null for
  the sandbox's loopback default) and/or auto_confirm_userid ("" or null to clear).
- ``POST /control/corps/{corp}/login/codes``: issue a code as if a member confirmed on the login page
  {userid | external_userid | neither (a non-member), agent_id?, redirect_uri?, state?, scope?}.
- ``GET  /control/corps/{corp}/login/codes``: every code of the last day with its state (used, expiry).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import logins
from .common import ControlError, Request, corp_or_404, customer_or_404, field_value, str_list

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..world import Corp

_APP_FIELDS = ("trusted_domains", "auto_confirm_userid")
DEFAULT_REDIRECT = "http://localhost/"


def list_apps(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        return {"apps": [a.to_control(corp) for a in logins.all_apps(corp)]}


def create_app(app: Sandbox, req: Request) -> tuple[int, dict[str, Any]]:
    agent_id = field_value(req.body, "agent_id", int, required=True)
    secret = field_value(req.body, "secret", str)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        if logins.app(corp, agent_id) is not None:
            raise ControlError(409, f"app {agent_id} already exists in corp '{corp.corp_id}'")
        if secret and (secret == corp.secret or logins.extra_app_for_secret(corp, secret)):
            raise ControlError(409, "field 'secret' is already another app's secret")
        settings = _app_settings(corp, req.body)
        created = logins.add_app(corp, agent_id, secret)
        for name, value in settings.items():
            setattr(created, name, value)
        return 201, created.to_control(corp)


def patch_app(app: Sandbox, req: Request) -> dict[str, Any]:
    unknown = sorted(set(req.body) - set(_APP_FIELDS))
    if unknown:
        raise ControlError(400, f"field '{unknown[0]}' cannot be patched (allowed: {', '.join(_APP_FIELDS)})")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        found = _app_or_404(corp, req.params["agent_id"])
        for name, value in _app_settings(corp, req.body).items():
            setattr(found, name, value)
        return found.to_control(corp)


def _app_or_404(corp: Corp, raw: str) -> logins.App:
    try:
        agent_id = int(raw)
    except ValueError:
        raise ControlError(404, f"unknown app '{raw}' in corp '{corp.corp_id}'") from None
    found = logins.app(corp, agent_id)
    if found is None:
        raise ControlError(404, f"unknown app {agent_id} in corp '{corp.corp_id}'")
    return found


def _app_settings(corp: Corp, body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "trusted_domains" in body:
        if body["trusted_domains"] is None:
            out["trusted_domains"] = None
        else:
            try:
                domains = [logins.normalize_domain(d) for d in str_list(body, "trusted_domains")]
            except ValueError as exc:
                raise ControlError(400, f"field 'trusted_domains': {exc}") from None
            out["trusted_domains"] = list(dict.fromkeys(domains))
    if "auto_confirm_userid" in body:
        userid = field_value(body, "auto_confirm_userid", str) or ""
        if userid and userid not in corp.employees:
            raise ControlError(400, f"field 'auto_confirm_userid': unknown employee '{userid}'")
        out["auto_confirm_userid"] = userid
    return out


def issue_code(app: Sandbox, req: Request) -> tuple[int, dict[str, Any]]:
    body = req.body
    userid = field_value(body, "userid", str) or ""
    external_userid = field_value(body, "external_userid", str) or ""
    if userid and external_userid:
        raise ControlError(400, "give field 'userid' (a member) or 'external_userid' (a customer), not both")
    redirect_uri = field_value(body, "redirect_uri", str) or DEFAULT_REDIRECT
    scope = field_value(body, "scope", str) or "snsapi_base"
    if scope not in logins.SCOPES:
        raise ControlError(400, f"field 'scope' must be one of {', '.join(logins.SCOPES)}")
    state = field_value(body, "state", str) or ""
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        agent_id = field_value(body, "agent_id", int, default=corp.agent_id)
        login_app = _app_or_404(corp, str(agent_id))
        if userid:
            employee = corp.employees.get(userid)
            if employee is None or employee.status != 1:
                raise ControlError(400, f"field 'userid': '{userid}' is not an active member of the corp")
        elif external_userid:
            customer_or_404(corp, external_userid)
        try:
            host = logins.redirect_host(redirect_uri)
        except logins.LoginError as err:
            raise ControlError(400, f"field 'redirect_uri': {err.detail}") from None
        if not logins.trusts(login_app, host):
            raise ControlError(400, _domain_error(host, agent_id))
        record = logins.issue(
            corp, app.world.now(), agent_id=agent_id, host=host, scope=scope, via="control",
            userid=userid, external_userid=external_userid,
        )
        location = logins.with_params(redirect_uri, {"code": record.code, "state": state})
        return 201, {**record.to_control(), "expires_in": logins.CODE_TTL_S, "location": location}


def _domain_error(host: str, agent_id: int) -> str:
    return f"redirect_uri: {host} is not a trusted domain of app {agent_id} (WeCom: redirect_uri需使用应用可信域名)"


def list_codes(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        return {"codes": [r.to_control() for r in corp.login.codes.values()], "now": app.world.now()}
