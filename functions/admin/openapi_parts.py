"""The pieces every part of the admin API's OpenAPI document is built from (openapi_alerts, openapi_codes,
…): schema references, parameters, JSON responses and bodies, and the shared error responses.

One copy, so the parts cannot drift apart in how they spell a query parameter or which errors a read or
a write answers with. The error responses name components/responses in admin/openapi.py's SPEC.
"""

from __future__ import annotations

from typing import Any

STR_LIST = {"type": "array", "items": {"type": "string"}}

R = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
}  # what any call may answer: bad input, no or a bad key
NF = {"404": {"$ref": "#/components/responses/NotFound"}}
FORBIDDEN = {"403": {"$ref": "#/components/responses/Forbidden"}}
W = {**R, **FORBIDDEN}  # what a write may answer: a viewer key is refused too
CONFLICT = {"409": {"$ref": "#/components/responses/Conflict"}}
WECOM = {"502": {"$ref": "#/components/responses/WeComRefused"}}


# ?items=1 pages (admin/paging.py): the page size and the cursor of the page before.
ITEMS_PAGING = [
    {"name": "limit", "in": "query", "required": False, "description": "with items=1: items per page, 1..1000 "
     "(default 500)", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
    {"name": "cursor", "in": "query", "required": False, "description": "with items=1: next_cursor of the page "
     "before", "schema": {"type": "string"}},
]  # fmt: skip


def ref(name: str) -> dict[str, str]:
    """A reference to one of components/schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """An optional query parameter (a string unless ``schema`` says otherwise)."""
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}  # fmt: skip


def path_param(name: str, description: str) -> dict[str, Any]:
    """A path parameter (``{job_id}``, …): always a string."""
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string"}}  # fmt: skip


def response(description: str, schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    """``{status: …}``: a JSON response, to merge into an operation's responses."""
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}


def body(schema: dict[str, Any]) -> dict[str, Any]:
    """A required JSON request body."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}
