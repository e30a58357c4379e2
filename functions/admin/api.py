"""The admin API's Chalice object: every route is authenticated, answers JSON, and fails with one line.

Keys arrive as ``Authorization: Bearer <key>`` (or ``X-Api-Key``). The key alone decides the corp, so a
request can name no other corp; a viewer key may only read. Without a key, the console's session cookie
(admin/sessions.py): its member's role decides, and writes must echo the session's CSRF token.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalice import Chalice, Response

admin = Chalice(app_name="wecom-scrm-admin")
# Bodies are read as JSON whatever the client calls them: `curl -d` says form-urlencoded, and Chalice would
# answer 415 in its own {"Code", "Message"} shape instead of ours (a bad body is then a 400 naming it).
BODY_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain", "application/octet-stream"]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def csv_response(body: str, filename: str) -> Response:
    """A CSV download (the body from ``to_csv``: formula-safe cells and a BOM, so Excel reads UTF-8)."""
    return Response(body=body, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip


def error(status: int, message: str, field: str = "") -> Response:
    return json_response(status, {"error": message, **({"field": field} if field else {})})


# The one place a domain error becomes an HTTP status; the first class an error is an instance of wins.
STATUS_OF: tuple[tuple[str, int], ...] = (
    ("InvalidInput", 400),
    ("Unauthenticated", 401),
    ("NotAllowed", 403),
    ("NotFound", 404),
    ("Conflict", 409),
    ("LimitReached", 429),
    ("WeComRefused", 502),
)


def refusal(exc: Any) -> tuple[int, dict[str, Any]]:
    """(status, body) of a service's ``DomainError``: ``{"error", "field"?, "details"?}``.
    Throttled is not handled here: it needs a Retry-After header (see ``_serve``)."""
    from scrm.kernel import errors

    status = next((code for name, code in STATUS_OF if isinstance(exc, getattr(errors, name))), 500)
    body: dict[str, Any] = {"error": exc.message, **({"field": exc.field} if exc.field else {})}
    if exc.details:
        body["details"] = exc.details
    return status, body


def _key(headers: Any) -> str:
    auth = headers.get("authorization") or ""
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return (headers.get("x-api-key") or "").strip()


@dataclass(frozen=True)
class Doc:
    """What the OpenAPI document says of one operation (admin/openapi.py builds the document from these and
    the models in admin/schemas), kept on the route so a route cannot exist undocumented.

    ``answers``: status → (description, model, or None for an untyped object); ``csv`` adds text/csv to the
    200; ``media`` (e.g. "image/png") makes the 200 that binary type instead of JSON. ``query``: a model whose
    fields are the query parameters. ``params``: path parameter → description.
    ``errors``: statuses beyond those every keyed route may answer (400, 401, 413, 429, 503; 403 on writes),
    each None (the shared response), a description, or (description, model)."""

    summary: str
    answers: Mapping[int, tuple[str, Any]]
    description: str = ""
    body: Any = None
    query: Any = None
    params: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[int, Any] = field(default_factory=dict)
    csv: bool = False
    media: str = ""


# (path, method, write, doc) of every route, in registration order: the route table the document is built from.
OPERATIONS: list[tuple[str, str, bool, Doc]] = []
# (path, method) → the least console role, for routes that need more than the default (admin/sessions.py).
LEAST_ROLE: dict[tuple[str, str], str] = {}


def route(
    path: str, methods: tuple[str, ...] = ("GET",), write: bool = False, *, doc: Doc, role: str | None = None
) -> Callable[..., Any]:
    """``admin.route`` plus authentication, the corp from the key, JSON bodies and errors as JSON.
    The view gets ``(principal, request, **path_params)``, and with a ``doc.body`` model also ``body`` (a
    view must take it then): the request body validated by that model, strictly; a pydantic error is a 400
    naming the field's path (``schedule[2].start``). It returns a JSON-able value or a Response.
    ``role``: the least console role the route needs ("admin"); else operator for a write, viewer for a read;
    "member" for the sidebar's routes (admin/sidebar.py): any member through the sidebar's session, no key."""
    OPERATIONS.extend((path, method.lower(), write, doc) for method in methods)
    LEAST_ROLE.update({(path, method.lower()): role for method in methods if role})

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        if (doc.body is not None) != ("body" in inspect.signature(view).parameters):
            raise TypeError(f"{path}: a view takes body exactly when its Doc names the body's model")
        model = doc.body

        @admin.route(path, methods=list(methods), content_types=BODY_TYPES)
        @functools.wraps(view)
        def handler(**params: Any) -> Response:
            principal, response = _serve(view, path, write, params, model)
            if write:
                from admin.guards import audit

                audit(principal, admin.current_request.method, path, params, response)
            return response

        return handler

    return wrap


def _serve(
    view: Callable[..., Any], path: str, write: bool, params: dict[str, Any], model: Any
) -> tuple[Any, Response]:
    """(the key's principal, or None before it is known; the answer)."""
    from pydantic import ValidationError
    from scrm import bootstrap
    from scrm.adapters.logs import bind, logger
    from scrm.kernel.errors import DomainError, Throttled
    from scrm.kernel.input_limits import BODY_MAX_BYTES, check_id
    from scrm.kernel.request_limit import RequestLimited

    from admin.guards import limited
    from admin.sessions import caller, permitted

    request = admin.current_request
    bind(request_id=request.context.get("requestId", ""))  # no corp of the last request on a refusal
    declared = LEAST_ROLE.get((path, request.method.lower()))
    # an API key, else the console's session cookie; the sidebar's routes, the sidebar's cookie alone
    principal, refused = caller(request, _key(request.headers), sidebar=declared == "member")
    if principal is None:
        return None, refused
    bind(corp_id=principal.corp_id, request_id=request.context.get("requestId", ""))
    try:
        bootstrap.key_limiter().hit(principal.key_id)  # refused writes count too
        refused = permitted(principal, request, path, write, declared)
        if refused is not None:
            return principal, refused
        if len(request.raw_body or b"") > BODY_MAX_BYTES:  # before parsing: 1 MB is ample for any route
            return principal, error(413, f"the body is larger than {BODY_MAX_BYTES} bytes", "body")
        for name, value in params.items():
            check_id(name, value)
        # the body goes to the view, not into params: those are the audit line's target
        body = {} if model is None else {"body": body_as(model, request)}
        result = view(principal, request, **params, **body)
    except ValidationError as exc:  # the body's model refused it: 400 naming the field's path
        from admin.schemas.base import refusal_of

        return principal, json_response(*refusal(refusal_of(model, exc)))
    except RequestLimited as exc:
        return principal, json_response(*limited(str(exc), exc.retry_after_s, 429))
    except Throttled as exc:
        message = "the corp's WeCom call budget is spent for now; retry later"
        return principal, json_response(*limited(message, exc.retry_after_s, 503))
    except DomainError as exc:  # bad input (an id over its cap too), not found, conflict, WeCom said no
        return principal, json_response(*refusal(exc))
    except Exception:  # one line to the caller; the details go to the log
        logger.exception("admin request failed", extra={"path": path})
        return principal, error(500, "internal error; the request id is in the server log")
    return principal, result if isinstance(result, Response) else json_response(200, result)


def body_as(model: Any, request: Any) -> Any:
    """The request's JSON body validated by ``model``, strictly (a pydantic ``ValidationError`` otherwise):
    the one way a route reads a body, so the document and the validation cannot differ."""
    return model.model_validate(body_of(request), strict=True)


def body_of(request: Any) -> dict[str, Any]:
    """The JSON object sent, its ids checked against their caps (scrm.kernel.input_limits)."""
    from scrm.kernel.errors import InvalidInput
    from scrm.kernel.input_limits import check_body_ids

    raw = request.raw_body or b""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("body", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("body", "the body must be a JSON object")
    where = _unencodable(body, "")
    if where is not None:  # "\ud800" is valid JSON but no text: it would fail later, at WeCom or in storage
        raise InvalidInput(where or "body", "not valid text: a lone UTF-16 surrogate (\\ud800-\\udfff)")
    check_body_ids(body)
    return body


def _unencodable(value: Any, path: str) -> str | None:
    """The path of the first string (or key) JSON gave us that UTF-8 cannot encode, None when all can."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            found = _unencodable(k, path) if isinstance(k, str) else None
            found = found if found is not None else _unencodable(v, f"{path}.{k}" if path else str(k))
            if found is not None:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _unencodable(v, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def query_of(request: Any) -> dict[str, str]:
    """The query parameters, each value and id in them within its cap (scrm.kernel.input_limits)."""
    from scrm.kernel.input_limits import check_query

    params = dict(request.query_params or {})
    check_query(params)
    return params


def number_of(request: Any, name: str, default: int, most: int, least: int = 1) -> int:
    """A whole-number query parameter, ``least``..``most`` (``default`` when absent); else a 400 naming it."""
    from scrm.kernel.input_limits import whole_number

    return whole_number(query_of(request).get(name), name, least, most, default)


def limit_of(request: Any, default: int, most: int = 200) -> int:
    """The ``limit`` query parameter, 1..``most`` (``default`` when absent); anything else is a 400."""
    return number_of(request, "limit", default, most)


# Route modules register themselves on import, in the order the document lists them; openapi last.
from admin import customers, tags, employees, sync, codes, stats, alerts, transfers  # noqa: E402, F401, I001
from admin import mass_sends, sops, groups, dashboard, stages  # noqa: E402, F401, I001
from admin import content  # noqa: E402, F401, I001
from admin import moments  # noqa: E402, F401, I001
from admin import fission  # noqa: E402, F401, I001
from admin import stores  # noqa: E402, F401, I001
from admin import sessions, roles, keys, sidebar  # noqa: E402, F401, I001
from admin import openapi  # noqa: E402, F401
