"""The admin API's OpenAPI 3.1 document, served at /admin/openapi.json without a key.

It is written by hand next to the routes; tests/unit/test_openapi.py fails when a route and the document
disagree, and when docs/api.md does not hold this exact document (``python -m devstack.api_docs``
rewrites it).
"""

from __future__ import annotations

from typing import Any

from admin import (
    openapi_alerts,
    openapi_codes,
    openapi_groups,
    openapi_mass_sends,
    openapi_sops,
    openapi_stats,
    openapi_transfers,
)
from admin.api import admin, json_response
from admin.openapi_limits import declare_limits


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _q(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}  # fmt: skip


def _p(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def _ok(description: str, schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {
        status: {"description": description, "content": {"application/json": {"schema": schema}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
    }


def _writes(responses: dict[str, Any]) -> dict[str, Any]:
    return {**responses, "403": {"$ref": "#/components/responses/Forbidden"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "409": {"$ref": "#/components/responses/Conflict"},
            "502": {"$ref": "#/components/responses/WeComRefused"}}  # fmt: skip


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


TAG_IDS = {"type": "string", "description": "comma-separated tag ids (at most 20)"}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "WeCom SCRM admin API",
        "version": "1",
        "description": "Per-corp API keys (Authorization: Bearer <key>); the key decides the corp. "
        "Viewer keys read, admin keys also write. Errors are {error, field?} with one line.",
    },
    "security": [{"apiKey": []}],
    "paths": {
        "/admin/customers": {
            "get": {
                "summary": "Search customers (follow relations), served by an index, cursor-paged",
                "parameters": [
                    _q("tags_all", "AND: relations carrying every one of these tags", TAG_IDS),
                    _q("tags_any", "OR: relations carrying at least one of these tags", TAG_IDS),
                    _q("tags_none", "NOT: relations carrying none of these tags", TAG_IDS),
                    _q("employee", "userid of the employee who follows the customer"),
                    _q("added_from", "added at or after (unix seconds)", {"type": "integer"}),
                    _q("added_to", "added at or before (unix seconds)", {"type": "integer"}),
                    _q("state", "source channel state (the channel code's state)"),
                    _q("status", "active (default), deleted_by_customer, deleted_by_employee, transferred, "
                       "gone, or all"),
                    _q("name_prefix", "customer name starts with"),
                    _q("limit", "rows per page, 1..200 (default 50)", {"type": "integer"}),
                    _q("cursor", "next_cursor of the previous page, with the same filters"),
                ],
                "responses": _ok("a page; fewer rows than limit with a next_cursor means more may follow",
                                 _ref("CustomerPage")),
            }
        },
        "/admin/customers/{external_userid}": {
            "get": {
                "summary": "A customer: profile, follow relations with tags, timeline (newest first)",
                "parameters": [_p("external_userid", "the customer"),
                               _q("timeline_limit", "1..200 (default 20)", {"type": "integer"})],
                "responses": {**_ok("the customer", _ref("CustomerDetail")),
                              "404": {"$ref": "#/components/responses/NotFound"}},
            }
        },
        "/admin/customers/{external_userid}/remark": {
            "put": {
                "summary": "Edit an employee's remark / description of the customer (WeCom first, then stored)",
                "parameters": [_p("external_userid", "the customer")],
                "requestBody": _body(_ref("RemarkEdit")),
                "responses": _writes(_ok("the relation as WeCom now has it", _ref("Relation"))),
            }
        },
        "/admin/customers/{external_userid}/tags": {
            "post": {
                "summary": "Add / remove corp tags on an employee's relation (mark_tag; WeCom first, then stored)",
                "parameters": [_p("external_userid", "the customer")],
                "requestBody": _body(_ref("TagEdit")),
                "responses": _writes(_ok("the relation as WeCom now has it", _ref("Relation"))),
            }
        },
        "/admin/tags": {
            "get": {"summary": "The corp tag library", "responses": _ok("groups with tags", _ref("TagLibrary"))},
            "post": {
                "summary": "Create tags in a new group (group_name) or an existing one (group_id)",
                "requestBody": _body(_ref("TagCreate")),
                "responses": _writes(_ok("the ids WeCom gave", {"type": "object"})),
            },
        },
        "/admin/tags/{tag_id}": {
            "put": {
                "summary": "Rename or reorder a tag or a group",
                "parameters": [_p("tag_id", "a tag id or a group id")],
                "requestBody": _body({"type": "object", "properties": {"name": {"type": "string", "maxLength": 30},
                                                                      "order": {"type": "integer"}}}),
                "responses": _writes(_ok("updated", {"type": "object"})),
            },
            "delete": {
                "summary": "Delete a tag or a whole group (a group goes with its last tag)",
                "parameters": [_p("tag_id", "a tag id or a group id")],
                "responses": _writes(_ok("deleted", {"type": "object"})),
            },
        },
        "/admin/employees": {
            "get": {
                "summary": "Employees, by userid",
                "parameters": [_q("limit", "1..1000 (default 100)", {"type": "integer"}),
                               _q("cursor", "next_cursor of the previous page")],
                "responses": _ok("a page of employees", {"type": "object"}),
            }
        },
        "/admin/sync": {
            "post": {
                "summary": "Start a full sync of the key's corp (returns the running one if there is one)",
                "responses": _writes({**_ok("a job already running", _ref("SyncStart")),
                                      "202": {"description": "a new job",
                                              "content": {"application/json": {"schema": _ref("SyncStart")}}}}),
            },
            "get": {"summary": "Recent sync jobs, newest first",
                    "parameters": [_q("limit", "1..200 (default 20)", {"type": "integer"})],
                    "responses": _ok("jobs", {"type": "object", "properties": {
                        "items": {"type": "array", "items": _ref("SyncJob")}}})},
        },
        "/admin/sync/{job_id}": {
            "get": {
                "summary": "A sync job's progress",
                "parameters": [_p("job_id", "from POST /admin/sync")],
                "responses": {**_ok("the job", _ref("SyncJob")), "404": {"$ref": "#/components/responses/NotFound"}},
            }
        },
        "/admin/whoami": {
            "get": {"summary": "The key's corp, role and id",
                    "responses": _ok("the caller", {"type": "object"})}
        },
        "/admin/openapi.json": {
            "get": {"summary": "This document", "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1"}}}
        },
    },
    "components": {
        "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                       "description": "scrm_<id>_<secret>, from `scrm keys create`"}},
        "responses": {
            name: {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
            for name, text in (
                ("BadRequest", "bad input; field names it"),
                ("Unauthorized", "missing, unknown or revoked key"),
                ("Forbidden", "a viewer key tried to write"),
                ("NotFound", "no such customer, relation, tag or job in the key's corp"),
                ("Conflict", "WeCom refused: duplicate tag name or the 3000-tag cap"),
                ("WeComRefused", "WeCom refused the call for another reason"),
            )
        }
        | {
            name: {"description": text, "headers": {"Retry-After": {"description": "seconds to wait",
                                                                       "schema": {"type": "integer"}}},
                   "content": {"application/json": {"schema": _ref("RetryLater")}}}
            for name, text in (
                ("TooManyRequests", "this key made more requests this minute than its limit; retry after"),
                ("BudgetSpent", "the corp's shared WeCom call budget is spent for now; retry after"),
            )
        },
        "schemas": {
            "Error": {"type": "object", "required": ["error"],
                      "properties": {"error": {"type": "string"}, "field": {"type": "string"}}},
            "RetryLater": {"type": "object", "required": ["error", "retry_after_s"],
                           "properties": {"error": {"type": "string"}, "retry_after_s": {"type": "integer"}}},
            "Relation": {"type": "object", "properties": {
                "external_userid": {"type": "string"}, "userid": {"type": "string"}, "name": {"type": "string"},
                "remark": {"type": "string"}, "description": {"type": "string"}, "add_time": {"type": "integer"},
                "add_way": {"type": "integer"}, "state": {"type": "string"}, "status": {"type": "string"},
                "tag_ids": {"type": "array", "items": {"type": "string"}},
                "tags": {"type": "array", "items": {"type": "object", "properties": {
                    "tag_id": {"type": "string"}, "name": {"type": "string"}}}}}},
            "CustomerPage": {"type": "object", "properties": {
                "items": {"type": "array", "items": _ref("Relation")}, "next_cursor": {"type": "string"},
                "driver": {"type": "string", "description": "the index that served the search"}}},
            "CustomerDetail": {"type": "object", "properties": {
                "profile": {"type": ["object", "null"]}, "follows": {"type": "array", "items": _ref("Relation")},
                "timeline": {"type": "array", "items": {"type": "object"}}}},
            "RemarkEdit": {"type": "object", "required": ["userid"], "properties": {
                "userid": {"type": "string"}, "remark": {"type": "string", "maxLength": 20},
                "description": {"type": "string", "maxLength": 150},
                "remark_company": {"type": "string", "maxLength": 20},
                "remark_mobiles": {"type": "array", "items": {"type": "string"}, "maxItems": 5}}},
            "TagEdit": {"type": "object", "required": ["userid"], "properties": {
                "userid": {"type": "string"}, "add": {"type": "array", "items": {"type": "string"}},
                "remove": {"type": "array", "items": {"type": "string"}}}},
            "TagCreate": {"type": "object", "required": ["tags"], "properties": {
                "group_id": {"type": "string"}, "group_name": {"type": "string", "maxLength": 30},
                "order": {"type": "integer"},
                "tags": {"type": "array", "items": {"type": "string", "maxLength": 30}}}},
            "TagLibrary": {"type": "object", "properties": {"groups": {"type": "array", "items": {"type": "object"}}}},
            "SyncJob": {"type": "object", "properties": {
                "job_id": {"type": "string"}, "kind": {"type": "string"},
                "state": {"type": "string", "enum": ["running", "done", "failed"]},
                "percent": {"type": "number"}, "employees": {"type": "integer"}, "relations": {"type": "integer"},
                "groups_listed": {"type": "integer"}, "groups": {"type": "integer"}, "tags": {"type": "integer"},
                "wecom_calls": {"type": "integer"}, "drift_removed": {"type": "integer"},
                "started_at_ms": {"type": "integer"}, "finished_at_ms": {"type": "integer"}}},
            "SyncStart": {"type": "object", "properties": {"created": {"type": "boolean"}, "job": _ref("SyncJob")}},
        },
    },
}


for _part in (openapi_codes, openapi_stats, openapi_alerts, openapi_transfers, openapi_mass_sends, openapi_sops,
              openapi_groups):  # fmt: skip
    SPEC["paths"].update(_part.PATHS)
    SPEC["components"]["schemas"].update(_part.SCHEMAS)
declare_limits(SPEC)

# Every keyed operation may meet the key's request limit (429) and, when it reaches WeCom, the corp's shared
# WeCom budget (503); both come from the route decorator, so they are declared here once for all.
for _path, _item in SPEC["paths"].items():
    if _path == "/admin/openapi.json":
        continue
    for _op in _item.values():
        _op["responses"].setdefault("429", {"$ref": "#/components/responses/TooManyRequests"})
        _op["responses"].setdefault("503", {"$ref": "#/components/responses/BudgetSpent"})


@admin.route("/admin/openapi.json", methods=["GET"])
def openapi() -> object:
    return json_response(200, SPEC)
