"""Route table of the control API (/control/...) and its error handling.

Routes are (method, pattern) pairs with {name} placeholders; handlers return a dict (HTTP 200)
or (status, dict).  Every failure becomes {"error": "<one line>"} — never a traceback.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import transfers as handovers
from . import (
    client_sessions,
    clock,
    contact_ways,
    corps,
    customers,
    deliveries,
    groupmsgs,
    groups,
    join_ways,
    logins,
    media,
    message_summary,
    moments,
    observe,
    scans,
    stats,
    tags,
    transfers,
    users,
)
from .common import ControlError, Request

if TYPE_CHECKING:
    from ..app import Sandbox

Handler = Callable[["Sandbox", Request], Any]

_C = "/control/corps/{corp}"
_TABLE: list[tuple[str, str, Handler]] = [
    ("POST", "/control/corps", corps.create),
    ("GET", "/control/corps", corps.list_corps),
    ("GET", "/control/calls", observe.calls),
    ("GET", "/control/calls/count", observe.call_counts),
    ("GET", "/control/clock", clock.get),
    ("POST", "/control/clock/advance", clock.advance),
    ("POST", "/control/client-sessions", client_sessions.create),
    ("GET", "/control/client-sessions", client_sessions.list_sessions),
    ("GET", "/control/client-sessions/{id}", client_sessions.get),
    ("PATCH", "/control/client-sessions/{id}", client_sessions.patch),
    ("DELETE", "/control/client-sessions/{id}", client_sessions.delete),
    ("GET", "/control/client-sessions/{id}/calls", client_sessions.calls),
    ("GET", _C, corps.get),
    ("PATCH", _C, corps.patch),
    ("DELETE", _C, corps.delete),
    ("POST", _C + "/customers/add", customers.add),
    ("POST", _C + "/customers/edit", customers.edit),
    ("POST", _C + "/customers/del_by_employee", customers.del_by_employee),
    ("POST", _C + "/customers/del_by_customer", customers.del_by_customer),
    ("POST", _C + "/customers/transfer_fail", customers.transfer_fail),
    ("GET", _C + "/customers/{ext}", customers.get),
    ("POST", _C + "/contact_ways/{config_id}/scan", contact_ways.scan),
    ("POST", _C + "/contact_ways/{config_id}/scans", scans.schedule),
    ("GET", _C + "/scans", scans.totals),
    ("POST", _C + "/join_ways/{config_id}/scan", join_ways.scan),
    ("POST", _C + "/tags/create", tags.create),
    ("POST", _C + "/tags/update", tags.update),
    ("POST", _C + "/tags/delete", tags.delete),
    ("POST", _C + "/tags/shuffle", tags.shuffle),
    ("POST", _C + "/groups/create", groups.create),
    ("POST", _C + "/groups/{chat_id}/update", groups.update),
    ("POST", _C + "/groups/{chat_id}/dismiss", groups.dismiss),
    ("GET", _C + "/transfers", transfers.list_transfers),
    ("POST", _C + "/transfers/refuse", transfers.refuse),
    ("POST", _C + "/transfers/limit", transfers.limit),
    ("GET", _C + "/groupmsgs", groupmsgs.list_msgs),
    ("POST", _C + "/groupmsgs/interact", groupmsgs.interact),
    ("GET", _C + "/groupmsgs/{msgid}", groupmsgs.get_msg),
    ("POST", _C + "/groupmsgs/{msgid}/confirm", groupmsgs.confirm),
    ("GET", _C + "/moments", moments.list_moments),
    ("GET", _C + "/moments/{moment_id}", moments.get_moment),
    ("POST", _C + "/moments/{moment_id}/publish", moments.publish),
    ("POST", _C + "/moments/{moment_id}/like", moments.like),
    ("POST", _C + "/moments/{moment_id}/unlike", moments.unlike),
    ("POST", _C + "/moments/{moment_id}/comment", moments.comment),
    ("POST", _C + "/users/create", users.create),
    ("POST", _C + "/users/update", users.update),
    ("POST", _C + "/users/delete", users.delete),
    ("POST", _C + "/users/license", users.license),
    ("POST", _C + "/events/raw", deliveries.raw_event),
    ("GET", _C + "/callbacks", deliveries.list_callbacks),
    ("GET", _C + "/callbacks/{id}", deliveries.get_callback),
    ("POST", _C + "/callbacks/{id}/resend", deliveries.resend),
    ("POST", _C + "/verify_url", deliveries.verify_url),
    ("GET", _C + "/calls", observe.calls),
    ("GET", _C + "/calls/count", observe.call_counts),
    ("GET", _C + "/messages", observe.messages),
    ("GET", _C + "/messages/summary", message_summary.summary),
    ("GET", _C + "/stats/day", stats.day),
    ("POST", _C + "/stats/activity", stats.activity),
    ("GET", _C + "/welcomes", observe.welcomes),
    ("POST", _C + "/faults", observe.add_fault),
    ("GET", _C + "/faults", observe.list_faults),
    ("DELETE", _C + "/faults", observe.clear_faults),
    ("POST", _C + "/tokens/expire", observe.expire_tokens),
    ("POST", _C + "/tokens/invalidate", observe.invalidate_tokens),
    ("GET", _C + "/apps", logins.list_apps),
    ("POST", _C + "/apps", logins.create_app),
    ("PATCH", _C + "/apps/{agent_id}", logins.patch_app),
    ("POST", _C + "/login/codes", logins.issue_code),
    ("GET", _C + "/login/codes", logins.list_codes),
    ("GET", _C + "/media", media.list_media),
    ("GET", _C + "/media/{media_id}", media.get_media),
]


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "/?$")


ROUTES = [(method, _compile(pattern), pattern, fn) for method, pattern, fn in _TABLE]


def endpoints() -> list[str]:
    """'METHOD /path' for every endpoint (used by --help text and the root page)."""
    return [f"{method} {pattern}" for method, pattern, _ in _TABLE]


def handle(app: Sandbox, method: str, path: str, query: dict[str, str], raw_body: bytes) -> tuple[int, Any]:
    allowed: list[str] = []
    for route_method, regex, _pattern, fn in ROUTES:
        match = regex.match(path)
        if not match:
            continue
        if route_method != method:
            allowed.append(route_method)
            continue
        try:
            body = _parse_body(raw_body)
            handovers.settle_all(app)
            result = fn(app, Request(method, path, match.groupdict(), query, body))
        except ControlError as err:
            return err.status, {"error": err.message}
        except Exception as exc:  # never leak a traceback to the client
            traceback.print_exc(file=sys.stderr)
            return 500, {"error": f"internal sandbox error: {type(exc).__name__}: {exc}".splitlines()[0]}
        if isinstance(result, tuple):
            return result
        return 200, result
    if allowed:
        return 405, {"error": f"{method} not allowed on {path}; use {', '.join(sorted(set(allowed)))}"}
    return 404, {"error": f"no control endpoint {method} {path}"}


def _parse_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ControlError(400, f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ControlError(400, "request body must be a JSON object")
    return body
