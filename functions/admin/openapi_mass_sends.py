"""The mass-send part of the admin API's OpenAPI document (客户群发; merged into admin/openapi.py's SPEC).
The routes are admin/mass_sends.py; the request is scrm.mass_sends.spec.parse_mass_send and the progress
is scrm.mass_sends.service.MassSends.progress, so a change there is a change here."""

from __future__ import annotations

from typing import Any

from admin.openapi_parts import ITEMS_PAGING, NF, STR_LIST, R, W, body, path_param, query, ref, response

SEND_ID = path_param("send_id", "from POST /admin/mass-sends")
OUTCOMES = ["pending", "not_sent", "sent", "not_a_friend", "over_quota"]
QUOTA = {"type": "string", "enum": ["month_days", "week_7", "day_1"]}

FLOW = (
    "A send is `new` until the mass-sends queue plans it: its customers are resolved from our store (one "
    "per customer, from the member who added them most recently), customers over the corp's receive quota "
    "are skipped with the reason, and each member's customers are cut into the fewest add_msg_template "
    "tasks (10,000 customers each); then `planned`, and each task is created once, for the member to "
    "confirm in WeCom. Outcomes per customer come from WeCom's results, read every 10 minutes: pending "
    "until the member sends (or the send is cancelled), then sent, not_sent, not_a_friend or over_quota "
    "(WeCom's own count). `cancelled` after a cancel."
)

PATHS: dict[str, Any] = {
    "/admin/mass-sends": {
        "post": {
            "summary": "Start a mass send to customers or customer groups (客户群发): one text (and attachments) "
            "to a filter or a list",
            "description": "Answers at once: the send is recorded and planned on the mass-sends queue. The same "
            "request again (same request_id; without one, the same fields while the send is open) returns "
            "that send with 200 and created false. " + FLOW,
            "requestBody": body(ref("MassSendInput")),
            "responses": {
                **response("a new send, planning", ref("MassSendCreated"), "202"),
                **response(
                    "a repeat of an earlier request: that send, nothing new started", ref("MassSendCreated")
                ),
                **W,
            },
        },
        "get": {
            "summary": "The corp's mass sends, newest first (a listed recipients array is shown as its count)",
            "parameters": [query("limit", "1..200 (default 50)", {"type": "integer"})],
            "responses": {
                **response(
                    "sends",
                    {"type": "object", "properties": {"items": {"type": "array", "items": ref("MassSend")}}},
                ),
                **R,
            },
        },
    },
    "/admin/mass-sends/{send_id}": {
        "get": {
            "summary": "A send's progress: outcomes, task states, skipped customers, completion per member",
            "parameters": [SEND_ID, query("items", "1: also a page of customers with their outcome"), *ITEMS_PAGING],
            "responses": {**response("progress", ref("MassSendProgress")), **R, **NF},
        },
    },
    "/admin/mass-sends/{send_id}/cancel": {
        "post": {
            "summary": "Cancel what members have not sent yet (cancel_groupmsg_send; tasks not created are "
            "not created)",
            "parameters": [SEND_ID],
            "responses": {
                **response(
                    "the send, cancelled",
                    {
                        "type": "object",
                        "properties": {
                            "send_id": {"type": "string"},
                            "state": {"type": "string"},
                            "cancelled_tasks": {"type": "integer"},
                        },
                    },
                ),
                **W,
                **NF,
                "502": {"$ref": "#/components/responses/WeComRefused"},
            },
        },
    },
    "/admin/mass-sends/{send_id}/remind": {
        "post": {
            "summary": "Remind members whose task is not sent (remind_groupmsg_send; WeCom allows 3 per 24 h)",
            "parameters": [SEND_ID],
            "responses": {
                **response(
                    "reminded tasks (and how many WeCom says were cancelled there, 41093)",
                    {
                        "type": "object",
                        "properties": {
                            "send_id": {"type": "string"},
                            "reminded": {"type": "integer"},
                            "cancelled_in_wecom": {"type": "integer"},
                        },
                    },
                ),
                **W,
                **NF,
                "409": {
                    "description": "the send was cancelled, here or in WeCom (41093): nothing to remind",
                    "content": {"application/json": {"schema": ref("Error")}},
                },
                "429": {
                    "description": "WeCom's 3 reminders per 24 hours are used (41094)",
                    "content": {"application/json": {"schema": ref("Error")}},
                },
                "502": {"$ref": "#/components/responses/WeComRefused"},
            },
        },
    },
    "/admin/mass-send-quota": {
        "get": {
            "summary": "The corp's receive quota per customer (its 群发助手 setting; WeCom has no API to read it)",
            "responses": {**response("the setting", ref("MassSendQuota")), **R},
        },
        "put": {
            "summary": "Set the receive quota our planner enforces: month_days (as many a month as it has "
            "days, WeCom's default), week_7 or day_1",
            "requestBody": body(ref("MassSendQuota")),
            "responses": {**response("the setting", ref("MassSendQuota")), **W},
        },
    },
}

SCHEMAS: dict[str, Any] = {
    "MassSendInput": {
        "type": "object",
        "required": ["name", "recipients"],
        "properties": {
            "name": {"type": "string", "description": "1..50 characters"},
            "text": {
                "type": "string",
                "description": "the message (≤ 4000 bytes); {name} is not supported: one "
                "text for every recipient",
            },
            "attachments": {
                "type": "array",
                "items": {"type": "object"},
                "description": "≤ 9, in WeCom's add_msg_template shape (image, link, miniprogram, …)",
            },
            "recipients": {
                "type": "object",
                "description": "exactly one of filter, external_userids (customers: chat_type single), "
                "groups, chat_ids (customer groups: chat_type group, each owner's groups in tasks of at "
                "most 2,000; each group counts against the receive quota as a customer does)",
                "properties": {
                    "filter": {
                        "type": "object",
                        "description": "every condition must hold; {} is every customer",
                        "properties": {
                            "tags_all": STR_LIST,
                            "tags_any": STR_LIST,
                            "tags_none": STR_LIST,
                            "employees": {**STR_LIST, "description": "only relations of these members"},
                            "states": {
                                **STR_LIST,
                                "description": "channel codes (state) the customer came through",
                            },
                            "added_from": {"type": "integer", "description": "unix seconds, inclusive"},
                            "added_to": {"type": "integer", "description": "unix seconds, inclusive"},
                        },
                    },
                    "external_userids": {**STR_LIST, "description": "≤ 100,000 customers"},
                    "groups": {
                        "type": "object",
                        "description": "customer groups from our store, each sent by its owner; {} is every "
                        "active group",
                        "properties": {
                            "owners": {**STR_LIST, "description": "only groups these members own (≤ 1000)"},
                            "name_contains": {
                                "type": "string",
                                "maxLength": 50,
                                "description": "the group name contains this (case-insensitive)",
                            },
                        },
                    },
                    "chat_ids": {**STR_LIST, "description": "≤ 20,000 customer groups, by chat id"},
                },
            },
            "request_id": {
                "type": "string",
                "description": "1..64 characters: the same id always returns the same send",
            },
        },
    },
    "MassSend": {
        "type": "object",
        "properties": {
            "send_id": {"type": "string"},
            "state": {"type": "string", "enum": ["new", "planned", "cancelled"]},
            "spec": {"type": "object"},
            "created_at": {"type": "integer"},
            "planned_at": {"type": "integer"},
            "period": {"type": "string", "description": "the quota period"},
            "quota_setting": QUOTA,
            "counts": {
                "type": "object",
                "properties": {
                    "recipients": {"type": "integer"},
                    "parts": {"type": "integer"},
                    "skipped": {"type": "object", "additionalProperties": {"type": "integer"}},
                },
            },
        },
    },
    "MassSendCreated": {
        "type": "object",
        "properties": {"created": {"type": "boolean"}, "send": ref("MassSend")},
    },
    "MassSendProgress": {
        "type": "object",
        "properties": {
            "send_id": {"type": "string"},
            "state": {"type": "string"},
            "parts": {
                "type": "object",
                "description": "tasks by state: requested, created, failed, cancelled",
                "additionalProperties": {"type": "integer"},
            },
            "outcomes": {
                "type": "object",
                "description": "customers by outcome: " + ", ".join(OUTCOMES),
                "additionalProperties": {"type": "integer"},
            },
            "skipped": {
                "type": "object",
                "description": "customers left out before any task: over_quota (our "
                "ledger), no_active_relation (a listed customer nobody active follows)",
                "additionalProperties": {"type": "integer"},
            },
            "recipients": {"type": "integer"},
            "completion_rate": {"type": "number"},
            "members": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "userid": {"type": "string"},
                        "customers": {"type": "integer"},
                        "sent": {"type": "integer"},
                        "parts": {"type": "integer"},
                        "completion_rate": {"type": "number"},
                    },
                },
            },
            "next_cursor": {"type": "string", "description": "with items=1: the next page's cursor, \"\" after the last"},
            "items": {
                "type": "array",
                "description": "with items=1: a page of customers, by external_userid",
                "items": {
                    "type": "object",
                    "properties": {
                        "external_userid": {"type": "string"},
                        "outcome": {"type": "string", "enum": OUTCOMES},
                    },
                },
            },
        },
    },
    "MassSendQuota": {"type": "object", "required": ["msg_quota"], "properties": {"msg_quota": QUOTA}},
}
