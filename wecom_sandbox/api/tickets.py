"""``get_jsapi_ticket`` and ``ticket/get?type=agent_config`` (96909): js_tickets.py has the rules. The app
is the one the access_token belongs to (each app has its own token, 91039)."""

from __future__ import annotations

from typing import Any

from .. import js_tickets, logins
from .errors import ApiError
from .registry import ApiContext, route


def _issue(ctx: ApiContext, kind: str) -> dict[str, Any]:
    corp = ctx.corp
    agent_id = logins.token_agent(corp, ctx.query.get("access_token", ""))
    try:
        ticket, expires_in = js_tickets.issue(corp.js_tickets, kind, agent_id, ctx.app.world.now())
    except js_tickets.OverLimit as exc:
        raise ApiError(45009, str(exc)) from None
    return {"ticket": ticket, "expires_in": expires_in}


@route("GET", "get_jsapi_ticket")
def get_jsapi_ticket(ctx: ApiContext) -> dict[str, Any]:
    return _issue(ctx, "jsapi")


@route("GET", "ticket/get")
def ticket_get(ctx: ApiContext) -> dict[str, Any]:
    if ctx.query.get("type", "") != "agent_config":
        raise ApiError(40058, "type: only agent_config")
    return _issue(ctx, "agent_config")
