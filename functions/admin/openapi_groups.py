"""The customer-group part of the admin API's OpenAPI document (merged into admin/openapi.py's SPEC)."""

from __future__ import annotations

from typing import Any

from admin.openapi_parts import NF, STR_LIST, R, W, body, path_param, ref, response

CHAT_ID = path_param("chat_id", "the group's chat_id")

PATHS: dict[str, Any] = {
    "/admin/groups/{chat_id}": {
        "get": {
            "summary": "One customer group as stored, with its labels and its members (those who left too)",
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
        "members": {"type": "array", "items": ref("GroupMember"),
                    "description": "every member stored (those who left too), by member_id"},
        "synced_at_ms": {"type": "integer"}}},
    "GroupMember": {"type": "object", "required": ["member_id", "type", "status"], "properties": {
        "member_id": {"type": "string", "description": "a userid (employee) or an external_userid (customer)"},
        "type": {"type": "string", "enum": ["employee", "customer"]},
        "status": {"type": "string", "enum": ["member", "left"]},
        "join_time": {"type": "integer", "description": "unix seconds"},
        "join_scene": {"type": "integer", "description": "WeCom's: 1 invited directly, 2 by link, 3 by QR code"},
        "invitor": {"type": "string", "description": "the userid who invited them"},
        "group_nickname": {"type": "string", "description": "their nickname in the group"},
        "name": {"type": "string", "description": "their name as WeCom gave it"},
        "left_seen_ms": {"type": "integer", "description": "when we saw them gone (epoch ms); status left only"}}},
}  # fmt: skip
