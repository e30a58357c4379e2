"""The SOP part of the admin API's OpenAPI document (SOP: timed message plans; merged into admin/openapi.py's
SPEC). The routes are admin/sops.py; the body is scrm.domain.sop_spec (steps) and scrm.domain.sop_targets
(targets), the view is scrm.services.sop_admin._view and the progress SopAdmin.progress, so a change there
is a change here."""

from __future__ import annotations

from typing import Any

from admin.openapi_parts import NF, STR_LIST, R, W, body, path_param, query, ref, response

SOP_ID = path_param("sop_id", "from POST /admin/sops")
KIND = {"type": "string", "enum": ["customer", "group"]}
STATUS = {"type": "string", "enum": ["active", "paused"]}
CONFLICT = {
    "409": {
        "description": "the corp has 200 SOPs already (create), or the SOP changed while saving (try again)",
        "content": {"application/json": {"schema": ref("Error")}},
    }
}

FLOW = (
    "A save stores the plan; nothing is sent at once. Relative steps (after_added_days, after_created_days) "
    "are due per customer or group from its own day (China days; day 0 is the day of the add), so saving "
    "an active SOP queues enrolment of the customers and groups it already targets, and new ones are "
    "enrolled as they arrive. Date and weekly steps are due for every target at one moment. Every minute "
    "the planner turns what fell due into one mass send per (SOP, step, minute), checked against the SOP "
    "and the targets as they are then: one add_msg_template task per member, which the member confirms in "
    "WeCom. Times are China wall-clock HH:MM (UTC+8). A paused SOP's steps are skipped as they pass, not "
    "sent later."
)

PATHS: dict[str, Any] = {
    "/admin/sops": {
        "post": {
            "summary": "Create a SOP: who it is for (targets) and when to send what (steps)",
            "description": FLOW,
            "requestBody": body(ref("SopInput")),
            "responses": {**response("the SOP as saved", ref("Sop"), "201"), **W, **CONFLICT},
        },
        "get": {
            "summary": "The corp's SOPs, newest first",
            "parameters": [query("kind", "customer or group: only SOPs of that kind", KIND)],
            "responses": {
                **response(
                    "SOPs",
                    {"type": "object", "properties": {"items": {"type": "array", "items": ref("Sop")}}},
                ),
                **R,
            },
        },
    },
    "/admin/sops/{sop_id}": {
        "get": {
            "summary": "A SOP",
            "parameters": [SOP_ID],
            "responses": {**response("the SOP", ref("Sop")), **R, **NF},
        },
        "patch": {
            "summary": "Change some of a SOP's fields (name, status, targets, steps); the kind cannot change",
            "description": "Only the fields given change. Steps keep their ids; a step without an id gets a "
            "new one, never an id the SOP used before the edit, so its due customers are not another step's. "
            "A change to the steps or targets of an active SOP enrols its targets again. " + FLOW,
            "parameters": [SOP_ID],
            "requestBody": body(ref("SopPatch")),
            "responses": {**response("the SOP as saved", ref("Sop")), **W, **NF, **CONFLICT},
        },
        "delete": {
            "summary": "Delete a SOP: nothing more is sent for it (tasks already handed to members stay: "
            "cancel those sends to withdraw them)",
            "parameters": [SOP_ID],
            "responses": {
                **response(
                    "deleted",
                    {
                        "type": "object",
                        "properties": {"sop_id": {"type": "string"}, "deleted": {"type": "boolean"}},
                    },
                ),
                **W,
                **NF,
                **CONFLICT,
            },
        },
    },
    "/admin/sops/{sop_id}/pause": {
        "post": {
            "summary": "Pause a SOP (PATCH with status paused): steps that fall due while paused are skipped",
            "parameters": [SOP_ID],
            "responses": {**response("the SOP, paused", ref("Sop")), **W, **NF, **CONFLICT},
        },
    },
    "/admin/sops/{sop_id}/resume": {
        "post": {
            "summary": "Resume a paused SOP (PATCH with status active): from the next due step on",
            "parameters": [SOP_ID],
            "responses": {**response("the SOP, active", ref("Sop")), **W, **NF, **CONFLICT},
        },
    },
    "/admin/sops/{sop_id}/progress": {
        "get": {
            "summary": "What a SOP has sent: its latest runs (one mass send per due step and minute) with "
            "their outcomes, and completion per member over those runs",
            "parameters": [
                SOP_ID,
                query("limit", "runs to read, newest first: 1..100 (default 20)", {"type": "integer"}),
            ],
            "responses": {**response("progress", ref("SopProgress")), **R, **NF},
        },
    },
}

AT = {"type": "string", "description": "HH:MM China time (00:00 .. 23:59); required in every step"}
ATTACHMENTS = {
    "type": "array",
    "maxItems": 9,
    "items": {"type": "object"},
    "description": "in WeCom's add_msg_template shape (image, link, miniprogram, video, file)",
}

SCHEMAS: dict[str, Any] = {
    "SopStep": {
        "type": "object",
        "required": ["at"],
        "description": "exactly one trigger (after_added_days: customer SOPs; after_created_days: group SOPs; "
        "date, weekly: both), at, and text and/or attachments",
        "properties": {
            "id": {
                "type": "string",
                "description": "1..20 of A-Z a-z 0-9 _ -; keep it to edit a step, leave it out for a new "
                "step (s1, s2, …)",
            },
            "after_added_days": {
                "type": "integer",
                "minimum": 0,
                "maximum": 365,
                "description": "customer SOPs: days after the customer was added (0: the day of the add; "
                "a time already past that day moves to the next day)",
            },
            "after_created_days": {
                "type": "integer",
                "minimum": 0,
                "maximum": 365,
                "description": "group SOPs: days after the group was created",
            },
            "date": {"type": "string", "description": "YYYY-MM-DD (China date): once, to every target"},
            "weekly": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": 7},
                "description": "weekdays, 1 (Monday) .. 7 (Sunday)",
            },
            "at": AT,
            "text": {
                "type": "string",
                "description": "≤ 4000 bytes; {name} (the customer's name) only in customer SOPs, where such a "
                "step becomes one task per customer",
            },
            "attachments": ATTACHMENTS,
        },
    },
    "SopCustomerTargets": {
        "type": "object",
        "description": "customer SOPs: every non-empty condition must hold, checked when a step falls due; "
        "{} is every customer",
        "properties": {
            "tags_all": {**STR_LIST, "description": "tag ids, ≤ 100"},
            "tags_any": {**STR_LIST, "description": "tag ids, ≤ 100"},
            "tags_none": {**STR_LIST, "description": "tag ids, ≤ 100"},
            "states": {**STR_LIST, "description": "channel codes (state) the customer came through"},
            "employees": {
                **STR_LIST,
                "description": "userids (≤ 1000); with departments one condition: the relation's member is "
                "listed or in a listed department",
            },
            "departments": {"type": "array", "items": {"type": "integer", "minimum": 1}},
            "days_since_added": {
                "type": "object",
                "description": "China days since the add, inclusive bounds (null: open)",
                "properties": {"min": {"type": ["integer", "null"]}, "max": {"type": ["integer", "null"]}},
            },
        },
    },
    "SopGroupTargets": {
        "type": "object",
        "description": "group SOPs: {} is every customer group",
        "properties": {
            "owners": {**STR_LIST, "description": "owner userids (≤ 1000)"},
            "name_contains": {"type": "string", "maxLength": 50, "description": "case-insensitive"},
            "tags_any": {**STR_LIST, "description": "group labels admins set (any one matches)"},
        },
    },
    "SopInput": {
        "type": "object",
        "required": ["name", "steps"],
        "properties": {
            "kind": {**KIND, "description": "customer (default) or group"},
            "name": {"type": "string", "maxLength": 50},
            "status": {**STATUS, "description": "active (default) or paused"},
            "targets": {
                "oneOf": [ref("SopCustomerTargets"), ref("SopGroupTargets")],
                "description": "as the kind; unknown employees or tags are refused (field names them)",
            },
            "steps": {"type": "array", "minItems": 1, "maxItems": 20, "items": ref("SopStep")},
        },
    },
    "SopPatch": {
        "type": "object",
        "description": "any of SopInput's fields; kind, if given, must be the SOP's kind",
        "properties": {
            "kind": KIND,
            "name": {"type": "string", "maxLength": 50},
            "status": STATUS,
            "targets": {"oneOf": [ref("SopCustomerTargets"), ref("SopGroupTargets")]},
            "steps": {
                "type": "array",
                "minItems": 1,
                "maxItems": 20,
                "items": ref("SopStep"),
                "description": "the whole list: steps left out are removed",
            },
        },
    },
    "Sop": {
        "type": "object",
        "properties": {
            "sop_id": {"type": "string"},
            "kind": KIND,
            "name": {"type": "string"},
            "status": STATUS,
            "targets": {"oneOf": [ref("SopCustomerTargets"), ref("SopGroupTargets")]},
            "steps": {"type": "array", "items": ref("SopStep"), "description": "each with its id"},
            "created_at": {"type": "integer", "description": "unix seconds"},
            "updated_at": {"type": "integer", "description": "unix seconds"},
            "notes": {"type": "array", "items": {"type": "string"},
                      "description": "what to know before a step falls due (a {name} step makes one task per "
                                     "customer)"},  # fmt: skip
        },
    },
    "SopProgress": {
        "type": "object",
        "properties": {
            "sop_id": {"type": "string"},
            "name": {"type": "string"},
            "runs": {
                "type": "array",
                "description": "newest first; each one mass send (GET /admin/mass-sends/{send_id} for more)",
                "items": {
                    "type": "object",
                    "properties": {
                        "send_id": {"type": "string"},
                        "step_id": {"type": "string"},
                        "minute": {
                            "type": "string",
                            "description": "the China minute it fell due, YYYY-MM-DDTHH:MM",
                        },
                        "state": {"type": ["string", "null"], "description": "the mass send's state"},
                        "recipients": {"type": "integer"},
                        "outcomes": {"type": "object", "additionalProperties": {"type": "integer"}},
                        "skipped": {"type": "object", "additionalProperties": {"type": "integer"}},
                        "completion_rate": {"type": "number"},
                    },
                },
            },
            "recipients": {"type": "integer", "description": "customers (or groups) handed to members"},
            "sent": {"type": "integer"},
            "completion_rate": {"type": "number"},
            "members": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "userid": {"type": "string"},
                        "recipients": {"type": "integer"},
                        "sent": {"type": "integer"},
                        "completion_rate": {"type": "number"},
                    },
                },
            },
        },
    },
}
