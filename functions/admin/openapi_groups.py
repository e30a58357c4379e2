"""The customer-group part of the admin API's OpenAPI document (merged into admin/openapi.py's SPEC)."""

from __future__ import annotations

from typing import Any

from admin.openapi_parts import NF, STR_LIST, R, W, body, path_param, ref, response

CHAT_ID = path_param("chat_id", "the group's chat_id")

PATHS: dict[str, Any] = {
    "/admin/groups/{chat_id}": {
        "get": {
            "summary": "One customer group as stored, with its labels and member count",
            "parameters": [CHAT_ID],
            "responses": {**response("the group", ref("Group")), **R, **NF},
        }
    },
    "/admin/groups/{chat_id}/tags": {
        "put": {
            "summary": "Replace the group's labels (the SCRM's own, which group SOPs' tags_any target)",
            "parameters": [CHAT_ID],
            "requestBody": body(ref("GroupTags")),
            "responses": {**response("the group as stored after", ref("Group")), **W, **NF},
        }
    },
}

SCHEMAS: dict[str, Any] = {
    "GroupTags": {"type": "object", "required": ["tags"], "properties": {
        "tags": {"type": "array", "maxItems": 20,
                 "items": {"type": "string", "minLength": 1, "maxLength": 30},
                 "description": "labels, trimmed and de-duplicated; [] clears them"}}},
    "Group": {"type": "object", "properties": {
        "corp_id": {"type": "string"}, "chat_id": {"type": "string"}, "name": {"type": "string"},
        "owner": {"type": "string"}, "create_time": {"type": "integer"}, "notice": {"type": "string"},
        "member_count": {"type": "integer"}, "admins": STR_LIST,
        "status": {"type": "string", "enum": ["active", "dismissed"]},
        "tags": {**STR_LIST, "description": "the SCRM's own labels, sorted"},
        "synced_at_ms": {"type": "integer"}}},
}  # fmt: skip
