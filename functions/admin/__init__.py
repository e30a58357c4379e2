"""The admin API: JSON routes for admins' tools, authenticated by per-corp API keys.

It is its own Lambda function (``admin_api``) behind its own API Gateway API, apart from the callback
route: the callback function keeps a role that can only de-duplicate and enqueue, and admin traffic never
competes with WeCom's 5-second deadline. The routes live on a second Chalice object (``api.admin``) that
this function hands each API Gateway event to; infra/template.py declares one API Gateway method per route.

- api.py        the Chalice object, authentication and error handling
- customers.py  search, detail, remark and tag edits
- tags.py       the corp tag library
- employees.py  employees
- sync.py       full sync start and progress
- openapi.py    the OpenAPI document, built from the route table and the models in schemas/ (served at
                /admin/openapi.json, copied into docs/api.md)
- schemas/      the request and answer bodies as pydantic models
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

bp = Blueprint(__name__)


@bp.lambda_function(name="admin_api")
def admin_api(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from admin.api import admin

    return admin(event, context)
