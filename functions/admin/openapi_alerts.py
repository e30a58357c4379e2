"""The churn-alert part of the admin API's OpenAPI document (merged into admin/openapi.py's SPEC)."""

from __future__ import annotations

from typing import Any

from admin.openapi_parts import R, W, body, query, ref, response

PATHS: dict[str, Any] = {
    "/admin/alert-settings": {
        "get": {
            "summary": "The corp's churn-alert switches and digest rules (defaults until first set)",
            "responses": {**response("the settings", ref("AlertSettings")), **R},
        },
        "put": {
            "summary": "Change churn-alert settings (only the given fields; admins must be synced employees)",
            "requestBody": body(ref("AlertSettings")),
            "responses": {**response("the settings as saved", ref("AlertSettings")), **W},
        },
    },
    "/admin/alerts": {
        "get": {
            "summary": "Churn alerts of one China day, oldest first, with their state",
            "parameters": [
                query("day", "China day YYYY-MM-DD (default: today)"),
                query("recipient", "only alerts to this userid"),
                query("limit", "rows, 1..500 (default 100)", {"type": "integer"}),
            ],
            "responses": {**response("the day's alerts", ref("AlertList")), **R},
        }
    },
}

SCHEMAS: dict[str, Any] = {
    "AlertSettings": {"type": "object", "properties": {
        "employee_alerts": {"type": "boolean", "description": "del_follow_user → the employee (default true)"},
        "admin_alerts": {"type": "boolean",
                         "description": "del_external_contact (not a handover) → the admins (default false)"},
        "admins": {"type": "array", "maxItems": 20, "items": {"type": "string"}, "description": "userids"},
        "digest_above": {"type": "integer", "minimum": 0, "maximum": 1000,
                         "description": "single alerts per recipient per China day; the rest wait for the digest"},
        "digest_time": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
                        "description": "China time the daily digest is due (default 09:05)"},
        "link_url": {"type": "string", "maxLength": 1024, "description": "the cards' link (default WeCom's site)"},
    }},  # fmt: skip
    "AlertList": {"type": "object", "properties": {
        "day": {"type": "string"},
        "alerts": {"type": "array", "items": {"type": "object", "properties": {
            "recipient": {"type": "string"},
            "state": {"type": "string", "enum": ["new", "sending", "sent", "deferred", "digested", "failed"]},
            "kind": {"type": "string", "enum": ["lost_by_customer", "deleted_by_employee"]},
            "external_userid": {"type": "string"}, "userid": {"type": "string"},
            "create_time": {"type": "integer"}, "event_id": {"type": "string"},
            "summary": {"type": "object", "description": "name, remark, tags, channel, days, at"},
            "reason": {"type": "string"}, "msgid": {"type": "string"}, "updated_at": {"type": "integer"}}}}}},
}  # fmt: skip
