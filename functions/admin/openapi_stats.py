"""The statistics part of the admin API's OpenAPI document (merged into admin/openapi.py's SPEC)."""

from __future__ import annotations

from typing import Any

from admin.openapi_parts import R, query, ref

RANGE = [query("from", "first China day YYYY-MM-DD (default: 29 days before to)"),
         query("to", "last China day YYYY-MM-DD (default: today); at most 366 days from from"),
         query("format", "json (default) or csv (the items, UTF-8 with BOM)")]  # fmt: skip


def _get(summary: str, by: str, who: str, schema: str) -> dict[str, Any]:
    return {"get": {
        "summary": summary,
        "parameters": [*RANGE, query("by", by), query("userid", f"comma-separated {who} (at most 100; default: all)")],
        "responses": {"200": {"description": "the report (JSON) or its items (CSV)",
                              "content": {"application/json": {"schema": ref(schema)},
                                          "text/csv": {"schema": {"type": "string"}}}}, **R},
    }}  # fmt: skip


PATHS: dict[str, Any] = {
    "/admin/stats/customers": _get(
        "New customers, lost by customer / by employee, net, retention after 7 and 30 days (per channel code: "
        "/admin/channel-codes/{code_id}/stats)",
        "day (default), employee or corp", "employees", "CustomerStats"),
    "/admin/stats/groups": _get("Group members: joins, quits, net, customers and employees apart, by owner",
                                "day (default), owner or corp", "group owners", "GroupStats"),
}  # fmt: skip

INT = {"type": "integer"}
NINT = {"type": ["integer", "null"]}
RATE = {"type": ["number", "null"], "description": "(adds - lost_in_N) / adds over cohorts at least N days old; "
        "null when none is"}  # fmt: skip
DRIFT = {"type": "array", "description": "rows where WeCom's figure (nightly reconcile) differs from ours",
         "items": {"type": "object", "properties": {"day": {"type": "string"}, "userid": {"type": "string"},
                   "field": {"type": "string"}, "ours": INT, "wecom": INT}}}  # fmt: skip
CUSTOMER_FIGURES = {"type": "object", "properties": {
    "day": {"type": "string"}, "userid": {"type": "string"},
    "adds": INT, "lost_by_customer": INT, "lost_by_employee": INT, "lost": INT, "net": INT,
    "lost_in_7": {**INT, "description": "of the adds, lost within 7 days of their add"},
    "lost_in_30": {**INT, "description": "of the adds, lost within 30 days of their add"},
    "retention_7": RATE, "retention_30": RATE,
    "wecom_new_contact": NINT, "wecom_negative_feedback": NINT, "wecom_new_apply": NINT}}  # fmt: skip
GROUP_FIGURES = {"type": "object", "properties": {
    "day": {"type": "string"}, "userid": {"type": "string", "description": "the owner"},
    "joins": INT, "quits": INT, "net": INT, "customer_joins": INT, "customer_quits": INT,
    "employee_joins": INT, "employee_quits": INT, "wecom_new_member": NINT}}  # fmt: skip


def _report(figures: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {
        "from": {"type": "string"}, "to": {"type": "string"}, "by": {"type": "string"},
        "userids": {"type": "array", "items": {"type": "string"}},
        "totals": figures, "items": {"type": "array", "items": figures}, "drift": DRIFT}}  # fmt: skip


SCHEMAS: dict[str, Any] = {"CustomerStats": _report(CUSTOMER_FIGURES), "GroupStats": _report(GROUP_FIGURES)}
