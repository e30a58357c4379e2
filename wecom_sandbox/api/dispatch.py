"""Entry point for /cgi-bin/ requests: auth, faults, routing, recording.

Order of checks mirrors what an app sees from WeCom: unknown path, then token (41001 missing,
40014 invalid, 42001 expired), then method, then the corp's opt-in rate limit (45009), then
injected faults, then the handler.  Every call, failed or not, is recorded (without secrets).  Injected delays sleep outside the world lock so
one slow call does not stall the rest of the sandbox.

Two request faults follow what WeCom answers, not the WeChat Official Account codes (43001/43002/
47001) the sandbox used to return:
- a GET to a POST API answers 40058 (invalid parameter).  WeCom's pages do not say what a POST to a
  GET API answers; the sandbox answers 40058 too (its choice).
- a body that is not a JSON object is handled as if there were no body, and the answer's errmsg
  ends with WRONG_JSON ("Warning: wrong json format."), whatever the errcode: that is how WeCom
  reports it, so an app sees the code a missing field gets rather than a format error.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from typing import TYPE_CHECKING, Any

from .. import faults, logins, ratelimit, tokens, transfers
from . import auth as _auth_apis  # noqa: F401 - registers auth/getuserinfo and user/getuserinfo
from . import behavior as _behavior_apis  # noqa: F401 - registers get_user_behavior_data
from . import (  # noqa: F401 - importing registers the routes
    contact_ways,
    contacts,
    groupchats,
    join_ways,
    messages,
    tags,
    users,
    welcome,
    welcome_templates,
)
from . import group_statistic as _group_statistic_apis  # noqa: F401 - registers groupchat/statistic*
from . import group_transfers as _group_transfer_apis  # noqa: F401 - registers the routes
from . import groupmsgs as _groupmsg_apis  # noqa: F401 - registers the mass-send routes
from . import media as _media_apis  # noqa: F401 - registers media/upload
from . import moments as _moment_apis  # noqa: F401 - registers the customer-moments routes
from . import tickets as _ticket_apis  # noqa: F401 - registers the JS-SDK ticket routes
from . import transfers as _transfer_apis  # noqa: F401 - registers the handover routes
from .errors import ApiError, errmsg
from .registry import ROUTES, ApiContext

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..world import Corp


WRONG_JSON = "Warning: wrong json format."


class RawAnswer:
    """An injected transport fault: this HTTP status with a body that is not JSON (server.py sends it as
    is). Recorded with errcode -1, the code WeCom gives for "system busy"."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body

    def get(self, key: str, default: Any = None) -> Any:
        return default


def _raw(struck: faults.Struck) -> RawAnswer | None:
    if struck.http_status is not None:
        page = f"<html><body><h1>{struck.http_status}</h1>wecom_sandbox injected fault</body></html>"
        return RawAnswer(struck.http_status, page.encode())
    if struck.garbage:
        return RawAnswer(200, b"<html>not json: wecom_sandbox injected fault")
    return None


def _reply(code: int, detail: str | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"errcode": code, "errmsg": errmsg(code, detail)}
    payload.update(extra or {})
    return payload


def _parse_body(raw: bytes) -> tuple[Any, bool]:
    if not raw.strip():
        return None, True
    try:
        return json.loads(raw.decode("utf-8")), True
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"_unparsed": raw[:1000].decode("utf-8", "replace")}, False


def _multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    """The parts of a multipart/form-data body by field name: {filename, content_type, data} (media/upload)."""
    import email.parser
    import email.policy

    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    parts: dict[str, Any] = {}
    if not message.is_multipart():
        return parts
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str) and name:
            parts[name] = {"filename": part.get_filename() or "", "content_type": part.get_content_type(),
                           "data": part.get_payload(decode=True) or b""}  # fmt: skip
    return parts


def _recorded(body: Any) -> Any:
    """A multipart body as the call log keeps it: each file's name and size, never its bytes."""
    if isinstance(body, dict) and any(isinstance(v, dict) and "data" in v for v in body.values()):
        return {k: {"filename": v.get("filename", ""), "size": len(v.get("data") or b"")} for k, v in body.items()
                if isinstance(v, dict)}  # fmt: skip
    return body


def handle(
    app: Sandbox, method: str, path: str, query: dict[str, str], raw_body: bytes, content_type: str = ""
) -> tuple[int, dict[str, Any] | RawAnswer]:
    """Answer one WeCom API call; path is relative to /cgi-bin/. Returns (http_status, json), or the
    status and a ``RawAnswer`` when an injected transport fault strikes. A multipart/form-data body (file
    uploads) is handed to the handler as its parts."""
    if content_type.lower().startswith("multipart/form-data"):
        body, body_ok = _multipart(content_type, raw_body), True
    else:
        body, body_ok = _parse_body(raw_body)
    wrong_json = not body_ok or (body is not None and not isinstance(body, dict))
    corp_id: str | None = None
    status = 200
    try:
        corp, payload = _answer(app, method, path, query, None if wrong_json else body)
        corp_id = corp.corp_id if corp else None
        if isinstance(payload, RawAnswer):
            status = payload.status
        elif wrong_json:
            payload["errmsg"] = f"{payload.get('errmsg', '')} {WRONG_JSON}"
    except _NotFound as nf:
        status, payload, corp_id = 404, nf.payload, nf.corp_id
    app.recorder.record(
        ts=app.world.now(),
        corp_id=corp_id,
        method=method,
        path=path,
        query=query,
        body=_recorded(body),
        errcode=payload.get("errcode", -1),
    )
    return status, payload


class _NotFound(Exception):
    def __init__(self, payload: dict[str, Any], corp_id: str | None) -> None:
        super().__init__()
        self.payload = payload
        self.corp_id = corp_id


def _answer(
    app: Sandbox, method: str, path: str, query: dict[str, str], body: dict[str, Any] | None
) -> tuple[Corp | None, dict[str, Any] | RawAnswer]:
    world = app.world
    if path == "gettoken":
        return _gettoken(app, query)
    with world.lock:
        corp, code = tokens.resolve(world, query.get("access_token"))
    route = ROUTES.get(path)
    if route is None:
        raise _NotFound(
            _reply(404, f"api {path!r} is not simulated by wecom_sandbox"), corp.corp_id if corp else None
        )
    if code:
        return corp, _reply(code)
    assert corp is not None
    if method != route.method:
        return corp, _reply(40058, f"{path} requires the {route.method} method")
    with world.lock:
        refused = ratelimit.admit(corp, path, world.now())
    if refused is not None:
        return corp, _reply(45009, refused)
    injected = _inject(app, corp, path)
    if isinstance(injected, RawAnswer):
        return corp, injected
    if injected is not None:
        if route.on_fault is not None and body is not None:
            with world.lock:
                route.on_fault(ApiContext(app, corp, query, body), injected["errcode"])
        return corp, injected
    transfers.settle(app, corp)
    with world.lock:
        if world.corp(corp.corp_id) is not corp:
            return corp, _reply(40014)
        try:
            result = route.handler(ApiContext(app, corp, query, body or {}))
        except ApiError as err:
            return corp, _reply(err.errcode, err.detail, err.extra)
        except Exception as exc:  # a sandbox bug must still answer in WeCom's shape, without a traceback
            traceback.print_exc(file=sys.stderr)
            return corp, _reply(-1, f"internal wecom_sandbox error {type(exc).__name__}")
    return corp, {"errcode": 0, "errmsg": "ok", **result}


def _inject(app: Sandbox, corp: Corp, path: str) -> dict[str, Any] | RawAnswer | None:
    with app.world.lock:
        struck = faults.take(corp, path)
    if struck.delay_ms:
        time.sleep(struck.delay_ms / 1000)
    raw = _raw(struck)
    if raw is not None:
        return raw
    return _reply(struck.errcode) if struck.errcode is not None else None


def _gettoken(app: Sandbox, query: dict[str, str]) -> tuple[Corp | None, dict[str, Any] | RawAnswer]:
    world = app.world
    with world.lock:
        corp = world.corp(query.get("corpid", ""))
    if corp is None:
        return None, _reply(40013)
    injected = _inject(app, corp, "gettoken")
    if injected is not None:
        return corp, injected
    with world.lock:
        secret = query.get("corpsecret")
        extra_app = None if secret == corp.secret else logins.extra_app_for_secret(corp, secret)
        if secret != corp.secret and extra_app is None:
            return corp, _reply(40001)
        token, expires_in = tokens.issue(world, corp, extra_app)
    return corp, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": expires_in}
