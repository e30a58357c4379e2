"""The transfer part of the admin API's OpenAPI document (离职继承 / 在职继承; merged into admin/openapi.py's
SPEC). The routes are admin/transfers.py; the progress shape is scrm.transfers.progress.summarize and the
request is scrm.transfers.request.parse_request, so a change there is a change here."""

from __future__ import annotations

from typing import Any

from admin.openapi_parts import ITEMS_PAGING, NF, STR_LIST, R, W, body, path_param, query, ref, response

JOB_ID = path_param("job_id", "from POST /admin/transfers")
IDS = {"oneOf": [{"type": "string", "enum": ["all"]}, {**STR_LIST, "description": "ids; [] for none"}]}

STATE_MACHINE = (
    "A job is `planning` (its customers and groups are being listed and split across the takers), then "
    "`running`, then `finished`; after a cancel, `cancelling` (customers already in WeCom's 24 h window "
    "cannot be called back) and then `cancelled`. Customers: requested → waiting (WeCom's 24 h acceptance "
    "window) → done / refused / taker_limit / failed; requested → cancelled; refused or taker_limit → "
    "reassigned (to the next taker, when on_refused is reassign). Groups take effect at once: requested → "
    "done / failed, or queued (the new owner's 300-groups-a-day limit) → requested on a later day. "
    "requested_percent reaches 100 when every customer and group has been sent to WeCom; settled_percent "
    "when every one has its outcome."
)

PATHS: dict[str, Any] = {
    "/admin/transfers": {
        "post": {
            "summary": "Start a handover of a member's customers and groups to one or more takers "
            "(resigned: 离职继承, onjob: 在职继承)",
            "description": "Answers at once: the job is recorded and planned on the transfers queue. The same "
            "request again (same request_id, or without one the same fields) returns the existing job with "
            "200 and created false instead of starting another. " + STATE_MACHINE,
            "requestBody": body(ref("TransferInput")),
            "responses": {
                **response("a new job, planning", ref("TransferCreated"), "202"),
                **response("a repeat of an earlier request: that job, nothing new started", ref("TransferCreated")),
                **W,
                "409": {
                    "description": "the handover already has a job in progress (field handover_userid; the "
                    "message names the job: wait for it or cancel it), or an onjob transfer names customers or "
                    "groups WeCom already transferred twice in the last 90 days (field customers or groups; "
                    "details lists each one and the day it frees up)",
                    "content": {"application/json": {"schema": ref("TransferConflict")}},
                },
            },
        },
        "get": {
            "summary": "The corp's transfer jobs, newest first",
            "parameters": [query("limit", "1..200 (default 50)", {"type": "integer"})],
            "responses": {**response("jobs", {"type": "object", "properties": {
                "items": {"type": "array", "items": ref("TransferBrief")}}}), **R},
        },
    },
    "/admin/transfers/unassigned": {
        "get": {
            "summary": "Departed members whose customers wait for a taker (get_unassigned_list), with "
            "their groups (离职待继承); members who left only groups come from the delete_user events we stored",
            "parameters": [query("handover_userid", "only this member, with the ids of their customers and groups")],
            "responses": {**response("one row per departed member", ref("TransferUnassigned")), **R,
                          "502": {"$ref": "#/components/responses/WeComRefused"}},
        }
    },
    "/admin/transfer-policy": {
        "get": {
            "summary": "What the corp's jobs do with customers who refuse or whose taker is full (default leave)",
            "responses": {**response("the policy", ref("TransferPolicy")), **R},
        },
        "put": {
            "summary": "Set the corp's default on_refused (a job's own on_refused wins)",
            "requestBody": body(ref("TransferPolicy")),
            "responses": {**response("the policy as saved", ref("TransferPolicy")), **W},
        },
    },
    "/admin/transfers/{job_id}": {
        "get": {
            "summary": "A transfer job's progress: counts per state, per taker, percentages, next check",
            "description": STATE_MACHINE,
            "parameters": [JOB_ID, query("items", "1 (or true): also a page of the customers and groups with their "
                                         "state"), *ITEMS_PAGING],
            "responses": {**response("the job", ref("TransferProgress")), **R, **NF},
        }
    },
    "/admin/transfers/{job_id}/cancel": {
        "post": {
            "summary": "Cancel what has not reached WeCom yet (requested customers, queued groups)",
            "description": "Customers already in WeCom's 24 h window stay waiting and end as WeCom decides "
            "(WeCom cannot call a started transfer back): the job is cancelling until they have, then cancelled.",
            "parameters": [JOB_ID],
            "responses": {**response("the job after the cancel", ref("TransferProgress")), **W, **NF,
                          "409": {"description": "the job is already finished or cancelled (field job_id)",
                                  "content": {"application/json": {"schema": ref("Error")}}}},
        }
    },
    "/admin/transfers/{job_id}/refresh": {
        "post": {
            "summary": "Check now: poll WeCom's results and retry what is due, instead of at the next scheduled check",
            "parameters": [JOB_ID],
            "responses": {**response("the check is queued; the job as it is now", ref("TransferProgress"), "202"),
                          **W, **NF},
        }
    },
}  # fmt: skip


def _counts(states: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "object", "properties": {"total": {"type": "integer"},
                                             **{s: {"type": "integer"} for s in states}}}  # fmt: skip


CUSTOMER_STATES = ("requested", "waiting", "done", "refused", "taker_limit", "failed", "cancelled", "reassigned")  # fmt: skip
GROUP_STATES = ("requested", "queued", "done", "failed", "cancelled")
JOB_STATES = ["planning", "running", "cancelling", "finished", "cancelled"]

SCHEMAS: dict[str, Any] = {
    "TransferInput": {"type": "object", "required": ["handover_userid"], "properties": {
        "kind": {"type": "string", "enum": ["resigned", "onjob"], "description": "resigned (default): the "
                 "member has left (WeCom's delete_user reached us); onjob: the member is still employed"},
        "handover_userid": {"type": "string", "description": "whose customers and groups move"},
        "takeover_userid": {"type": "string", "description": "one taker (or takeover_userids)"},
        "takeover_userids": {**STR_LIST, "minItems": 1, "maxItems": 100,
                             "description": "active employees, not the handover; customers and groups are split "
                             "evenly, in turn"},
        "customers": {**IDS, "description": "\"all\" (default: every customer of the handover) or at most "
                      "100000 external_userids"},
        "groups": {**IDS, "description": "\"all\" (default: the handover's groups) or at most 10000 chat ids; "
                   "[] for none (customers and groups may not both be empty)"},
        "transfer_success_msg": {"type": "string", "maxLength": 200,
                                 "description": "onjob only: what WeCom sends the customer (WeCom's default when empty)"},
        "on_refused": {"type": "string", "enum": ["leave", "reassign"],
                       "description": "refused / taker at limit: leave them, or give them to the next taker "
                       "(default: the corp's policy)"},
        "request_id": {"type": "string", "maxLength": 64,
                       "description": "makes a retry return the same job; without it, the same fields do"},
    }},
    "TransferProgress": {"type": "object", "properties": {
        "job_id": {"type": "string"}, "kind": {"type": "string", "enum": ["resigned", "onjob"]},
        "state": {"type": "string", "enum": JOB_STATES},
        "handover_userid": {"type": "string"}, "takeover_userids": STR_LIST,
        "on_refused": {"type": "string", "enum": ["leave", "reassign"]},
        "created_at": {"type": "integer", "description": "unix seconds"},
        "error": {"type": ["string", "null"]},
        "customers": _counts(CUSTOMER_STATES), "groups": _counts(GROUP_STATES),
        "by_taker": {"type": "object", "description": "taker → {customer state: count}",
                     "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}}},
        "requested_percent": {"type": "number", "description": "customers and groups sent to WeCom (0 while planning)"},
        "settled_percent": {"type": "number", "description": "customers and groups with their outcome"},
        "next_check_at": {"type": ["integer", "null"], "description": "unix seconds of the next scheduled check"},
        "next_cursor": {"type": "string", "description": "with ?items=1: the next page's cursor, \"\" after the last"},
        "items": {"type": "array", "description": "with ?items=1 only: a page, by type then id", "items": {
            "type": "object", "properties": {
            "type": {"type": "string", "enum": ["customer", "group"]}, "id": {"type": "string"},
            "taker": {"type": "string"}, "state": {"type": "string"},
            "reason": {"type": ["string", "null"], "description": "why it failed, was refused or cancelled"},
            "at": {"type": "integer", "description": "when the state was set (takeover_time for done)"}}}},
    }},
    "TransferCreated": {"type": "object", "properties": {
        "created": {"type": "boolean", "description": "false: a repeat of an earlier request"},
        "job": ref("TransferProgress")}},
    "TransferBrief": {"type": "object", "properties": {
        "job_id": {"type": "string"}, "kind": {"type": "string"},
        "state": {"type": "string", "enum": JOB_STATES},
        "handover_userid": {"type": "string"}, "takers": STR_LIST,
        "created_at": {"type": "integer"}, "finished_at": {"type": ["integer", "null"]},
        "customers_planned": {"type": ["integer", "null"]}, "groups_planned": {"type": ["integer", "null"]},
        "on_refused": {"type": "string"}}},
    "TransferConflict": {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string"}, "field": {"type": "string"},
        "details": {"type": "array", "description": "the 90-day rule: each blocked customer or group",
                    "items": {"type": "object", "properties": {
                        "id": {"type": "string"},
                        "frees_on": {"type": "string", "description": "YYYY-MM-DD, the first day WeCom allows it"},
                        "frees_at": {"type": "integer", "description": "unix seconds"}}}}}},
    "TransferPolicy": {"type": "object", "required": ["on_refused"], "properties": {
        "on_refused": {"type": "string", "enum": ["leave", "reassign"],
                       "description": "leave: the admin decides; reassign: the next taker of the job"}}},
    "TransferUnassigned": {"type": "object", "properties": {"items": {"type": "array", "items": {
        "type": "object", "properties": {
            "handover_userid": {"type": "string"},
            "dimission_time": {"type": ["integer", "null"], "description": "unix seconds, as WeCom gives it"},
            "customers": {"type": "integer"}, "groups": {"type": "integer"},
            "customer_ids": {**STR_LIST, "description": "with handover_userid only"},
            "group_ids": {**STR_LIST, "description": "with handover_userid only"}}}}}},
}  # fmt: skip
