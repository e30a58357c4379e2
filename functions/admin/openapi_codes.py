"""The live-code part of the admin API's OpenAPI document (merged into admin/openapi.py's SPEC)."""

from __future__ import annotations

from typing import Any

from admin import openapi_parts as parts
from admin.openapi_parts import NF, STR_LIST, body, path_param, query, ref, response

CODE_ID = path_param("code_id", "the code's id (= its state)")
R = {**parts.R, **NF}  # the code routes list 404 on every call, reads included
W = {**R, **parts.FORBIDDEN, **parts.CONFLICT, **parts.WECOM}


PATHS: dict[str, Any] = {
    "/admin/channel-codes": {
        "get": {
            "summary": "Channel live codes of the corp (filters: group, q in the name, status)",
            "parameters": [query("group", "only this group"), query("q", "text in the name (case-insensitive)"),
                           query("status", "active (default), deleted or all")],
            "responses": {**response("codes and the corp's code groups", ref("ChannelCodeList")), **R},
        },
        "post": {
            "summary": "Create a channel code: a WeCom contact way plus welcome, tags and templates",
            "requestBody": body(ref("ChannelCodeInput")),
            "responses": {**response("the code with its qr_code and config_id", ref("ChannelCode"), "201"), **W},
        },
    },
    "/admin/channel-codes/{code_id}": {
        "get": {"summary": "A channel code", "parameters": [CODE_ID],
                "responses": {**response("the code", ref("ChannelCode")), **R}},
        "put": {
            "summary": "Change a channel code (only the given fields; state and mode are fixed)",
            "parameters": [CODE_ID],
            "requestBody": body(ref("ChannelCodeInput")),
            "responses": {**response("the code as saved", ref("ChannelCode")), **W},
        },
        "delete": {
            "summary": "Delete the contact way; the code stays readable as deleted, with its statistics",
            "parameters": [CODE_ID],
            "responses": {**response("deleted", {"type": "object"}), **W},
        },
    },
    "/admin/channel-codes/{code_id}/stats": {
        "get": {
            "summary": "Adds per day and member, lost since (by customer / by employee), net, missed welcomes",
            "parameters": [CODE_ID, query("from", "first China day YYYY-MM-DD (default: 29 days before to)"),
                           query("to", "last China day YYYY-MM-DD (default: today)"),
                           query("format", "json (default) or csv"),
                           query("table", "with format=csv: by_day (default), by_staff or rows")],
            "responses": {
                "200": {"description": "the report (JSON) or one of its tables (CSV, UTF-8 with BOM)",
                        "content": {"application/json": {"schema": ref("ChannelStats")},
                                    "text/csv": {"schema": {"type": "string"}}}},
                **R,
            },
        }
    },
    "/admin/welcome-default": {
        "get": {"summary": "The corp's welcome for adds without a state or with an unknown one",
                "responses": {**response("the welcome or null", {"type": "object"}), **R}},
        "put": {
            "summary": "Set (or with welcome: null, clear) the corp's default welcome",
            "requestBody": body({"type": "object", "properties": {"welcome": ref("Welcome")}}),
            "responses": {**response("saved", {"type": "object"}), **W},
        },
    },
    "/admin/group-codes": {
        "get": {"summary": "Group live codes of the corp", "parameters": [query("q", "text in the name"),
                query("status", "active (default), deleted or all")],
                "responses": {**response("codes", {"type": "object"}), **R}},
        "post": {
            "summary": "Create a group code: a WeCom join way over 1..5 groups, plus a group welcome template",
            "requestBody": body(ref("GroupCodeInput")),
            "responses": {**response("the code with its qr_code", ref("GroupCode"), "201"), **W},
        },
    },
    "/admin/group-codes/{code_id}": {
        "get": {"summary": "A group code", "parameters": [CODE_ID],
                "responses": {**response("the code", ref("GroupCode")), **R}},
        "put": {"summary": "Change a group code", "parameters": [CODE_ID],
                "requestBody": body(ref("GroupCodeInput")),
                "responses": {**response("the code as saved", ref("GroupCode")), **W}},
        "delete": {"summary": "Delete the join way and its welcome template", "parameters": [CODE_ID],
                   "responses": {**response("deleted", {"type": "object"}), **W}},
    },
}  # fmt: skip

SLOT = {"type": "object", "required": ["start", "end", "staff"], "properties": {
    "days": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7},
             "description": "weekdays, 1 = Monday (default: every day)"},
    "start": {"type": "string", "description": "HH:MM, China time, inclusive"},
    "end": {"type": "string", "description": "HH:MM (24:00 allowed), exclusive; slots of a day may not overlap"},
    "staff": {**STR_LIST, "maxItems": 100}, "welcome": ref("Welcome")}}  # fmt: skip
SCHEMAS: dict[str, Any] = {
    "Welcome": {"type": ["object", "null"], "properties": {
        "text": {"type": "string", "description": "at most 4000 bytes; {name} becomes the customer's name"},
        "attachments": {"type": "array", "maxItems": 9, "items": {"type": "object", "description":
                        "{msgtype: image|link|miniprogram|video|file, <msgtype>: {...}} as send_welcome_msg"}}}},
    "ChannelCodeInput": {"type": "object", "properties": {
        "name": {"type": "string", "maxLength": 50}, "group": {"type": "string", "maxLength": 30},
        "state": {"type": "string", "maxLength": 30, "description": "optional; generated when absent"},
        "mode": {"type": "string", "enum": ["single", "multi"]},
        "staff": {**STR_LIST, "maxItems": 100}, "schedule": {"type": "array", "items": SLOT},
        "backup": {**STR_LIST, "maxItems": 100},
        "daily_cap": {"type": ["integer", "null"], "description": "adds per member per China day"},
        "skip_verify": {"type": "boolean"}, "tags": STR_LIST,
        "remark_template": {"type": "string", "maxLength": 20},
        "description_template": {"type": "string", "maxLength": 150}, "welcome": ref("Welcome")}},
    "ChannelCode": {"allOf": [ref("ChannelCodeInput"), {"type": "object", "properties": {
        "code_id": {"type": "string"}, "config_id": {"type": "string"}, "qr_code": {"type": "string"},
        "current_staff": STR_LIST, "status": {"type": "string"},
        "created_at_ms": {"type": "integer"}, "updated_at_ms": {"type": "integer"}}}]},
    "ChannelCodeList": {"type": "object", "properties": {
        "items": {"type": "array", "items": ref("ChannelCode")}, "groups": STR_LIST}},
    "ChannelStats": {"type": "object", "properties": {
        "code_id": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"},
        "totals": {"type": "object"}, "by_day": {"type": "array", "items": {"type": "object"}},
        "by_staff": {"type": "array", "items": {"type": "object"}},
        "rows": {"type": "array", "items": {"type": "object"}}}},
    "GroupCodeInput": {"type": "object", "properties": {
        "name": {"type": "string", "maxLength": 50}, "state": {"type": "string", "maxLength": 30},
        "chat_ids": {**STR_LIST, "minItems": 1, "maxItems": 5},
        "threshold": {"type": "integer", "description": "members at which to move on to the next group (190)"},
        "auto_create_room": {"type": "boolean"}, "room_base_name": {"type": "string"},
        "room_base_id": {"type": "integer"}, "welcome": ref("Welcome")}},
    "GroupCode": {"allOf": [ref("GroupCodeInput"), {"type": "object", "properties": {
        "code_id": {"type": "string"}, "config_id": {"type": "string"}, "qr_code": {"type": "string"},
        "active_chats": STR_LIST, "full_chats": STR_LIST, "welcome_template_id": {"type": "string"},
        "status": {"type": "string"}}}]},
}  # fmt: skip
