"""The admin API's OpenAPI 3.1 document, served at /admin/openapi.json without a key, built from the route
table (``admin.api.OPERATIONS``: each route's ``Doc``) and the pydantic models in admin/schemas.

Nothing here is written by hand but the shared error answers: a route added without its ``Doc`` does not
register, a field added to a model is in the document. tests/unit/test_openapi.py checks the document
against the routes and docs/api.md (``python -m devstack.api_docs`` rewrites it); tests/integration/
test_admin_answers.py checks real answers of every route against it.
"""

from __future__ import annotations

import functools
from typing import Any

from admin.api import LEAST_ROLE, OPERATIONS, Doc, admin, json_response

ERRORS: dict[int, tuple[str, str]] = {  # status → (component name, description): shared error answers
    400: ("BadRequest", "bad input; field names it"),
    401: ("Unauthorized", "missing, unknown or revoked key, or no live console session"),
    403: ("Forbidden", "a viewer key tried to write; a console role below the route's; a console write without X-CSRF-Token"),
    404: ("NotFound", "no such thing in the key's corp (field names the id)"),
    409: ("Conflict", "the change conflicts with the current state, here or in WeCom"),
    413: ("TooLarge", "the body is larger than the limit (field body), refused before it is parsed"),
    429: ("TooManyRequests", "this key made more requests this minute than its limit; retry after"),
    502: ("WeComRefused", "WeCom refused the call"),
    503: ("BudgetSpent", "the corp's shared WeCom call budget is spent for now; retry after"),
}
RETRY_LATER = (429, 503)  # these carry Retry-After and a RetryLater body
INFO = {
    "title": "WeCom SCRM admin API",
    "version": "1",
    "description": "Per-corp API keys (Authorization: Bearer <key>); the key decides the corp. Viewer keys "
    "read, admin keys also write. Or the console's session cookie (POST /admin/auth/login): the member's role "
    "decides (viewer reads; operator also runs codes, sends, SOPs, transfers, sync and edits; admin also the "
    "corp's settings and roles), and every write sends X-CSRF-Token. Errors are {error, field?, details?} "
    "with one line.",
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _tidy(node: Any) -> Any:
    """pydantic's JSON Schema as this document says it: no generated titles or null defaults, and an
    optional field (``T | None = None``) is "may be absent", not "may be null", unless marked NULLABLE."""
    if isinstance(node, list):
        return [_tidy(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _tidy(v) for k, v in node.items() if not (k == "title" and isinstance(v, str))}
    if "default" in out and out["default"] is None:
        del out["default"]
        nullable = out.pop("x-nullable", False)
        branches = out.get("anyOf", [])
        if not nullable and {"type": "null"} in branches:
            rest = [b for b in branches if b != {"type": "null"}]
            del out["anyOf"]
            out = {**rest[0], **out} if len(rest) == 1 else {"anyOf": rest, **out}
    out.pop("x-nullable", None)
    return out


def _schemas(docs: list[Doc]) -> tuple[dict[str, Any], dict[Any, dict[str, Any]]]:
    """(components/schemas, model → its reference) for every model the operations name."""
    from pydantic.json_schema import models_json_schema

    from admin.schemas.common import Error, RetryLater

    models = {Error, RetryLater}
    for doc in docs:
        models |= {m for _, m in doc.answers.values() if m is not None} | ({doc.body} - {None})
        models |= {e[1] for e in doc.errors.values() if isinstance(e, tuple)}
    refs, top = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    return _tidy(top.get("$defs", {})), {m: r for (m, _), r in refs.items()}


def _parameters(path: str, doc: Doc) -> list[dict[str, Any]]:
    from scrm.kernel.input_limits import ID_MAX

    params = [
        {"name": name, "in": "path", "required": True, "description": text,
         "schema": {"type": "string", **({"maxLength": ID_MAX[name]} if name in ID_MAX else {})}}
        for name, text in doc.params.items()
    ]  # fmt: skip
    if doc.query is not None:
        schema = _tidy(doc.query.model_json_schema(ref_template="#/components/schemas/{model}"))
        for name, prop in schema["properties"].items():
            text = prop.pop("description", "")
            params.append({"name": name, "in": "query", "required": name in schema.get("required", []),
                           "description": text, "schema": prop})  # fmt: skip
    return params


def _operation(path: str, write: bool, doc: Doc, refs: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, (text, model) in sorted(doc.answers.items()):
        responses[str(status)] = _json(text, refs[model] if model is not None else {"type": "object"})
        if doc.csv and status == 200:
            responses["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}
        if doc.media and status == 200:
            responses["200"]["content"] = {doc.media: {"schema": {"type": "string", "format": "binary"}}}
    shared = {400: None, 401: None, 413: None, 429: None, 503: None, **({403: None} if write else {})}
    for status, how in sorted({**shared, **doc.errors}.items()):
        if how is None:
            responses[str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
        else:
            text, model = how if isinstance(how, tuple) else (how, None)
            responses[str(status)] = _json(text, refs[model] if model is not None else ref("Error"))
    op: dict[str, Any] = {"summary": doc.summary}
    if doc.description:
        op["description"] = doc.description
    if params := _parameters(path, doc):
        op["parameters"] = params
    if doc.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": refs[doc.body]}}}
    op["responses"] = responses
    return op


def _responses() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status, (name, text) in ERRORS.items():
        out[name] = _json(text, ref("RetryLater" if status in RETRY_LATER else "Error"))
        if status in RETRY_LATER:
            out[name]["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
    return out


@functools.cache
def spec() -> dict[str, Any]:
    """The document, built once per process (on the first request for it, not at cold start)."""
    schemas, refs = _schemas([doc for *_, doc in OPERATIONS])
    paths: dict[str, Any] = {}
    for path, method, write, doc in OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(path, write, doc, refs)
        if LEAST_ROLE.get((path, method)) == "member":  # the sidebar's routes: its cookie alone, no key
            paths[path][method]["security"] = [{"sidebar": []}]
            paths[path][method]["responses"].setdefault("403", _json(
                "an API key (the sidebar acts as a member, which a key is not), or a write without X-CSRF-Token",
                ref("Error")))  # fmt: skip
    paths["/admin/openapi.json"] = {
        "get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.1"}}}
    }
    security = {"apiKey": {"type": "http", "scheme": "bearer", "description": "scrm_<id>_<secret>, from `scrm keys create`"},
                "session": {"type": "apiKey", "in": "cookie", "name": "__Host-scrm_session",
                            "description": "the console's session (POST /admin/auth/login); writes also send X-CSRF-Token"},
                "sidebar": {"type": "apiKey", "in": "cookie", "name": "__Host-scrm_sidebar",
                            "description": "the sidebar's session (POST /admin/sidebar/auth/login), a member acting "
                                           "as themselves; writes also send X-CSRF-Token"}}
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "security": [{"apiKey": []}, {"session": []}],
        "paths": paths,
        "components": {"securitySchemes": security, "responses": _responses(), "schemas": schemas},
    }


def __getattr__(name: str) -> Any:
    """``SPEC``: the document (tests and devstack.api_docs read it under this name)."""
    if name == "SPEC":
        return spec()
    raise AttributeError(name)


@admin.route("/admin/openapi.json", methods=["GET"])
def openapi() -> object:
    return json_response(200, spec())
