"""Domain errors become HTTP answers in one place, the admin route wrapper: each error's status and its
JSON body, byte for byte as AdminError answered before issue 17."""

from __future__ import annotations

import json

import pytest
from admin.api import refusal
from scrm.corps.corp import InvalidCorp
from scrm.customers.query import QueryError
from scrm.kernel.errors import Conflict, DomainError, InvalidInput, LimitReached, NotFound, WeComRefused
from scrm.kernel.field_error import FieldError
from scrm.transfers.request import InvalidTransfer

DETAILS = [{"id": "wm1", "frees_on": "2027-01-02", "frees_at": 1}]


@pytest.mark.parametrize(("exc", "status", "body"), [
    (InvalidInput("limit", "limit: must be 1..1000"), 400, {"error": "limit: must be 1..1000", "field": "limit"}),
    (InvalidInput("", "the body is not valid JSON"), 400, {"error": "the body is not valid JSON"}),
    (FieldError("welcome.text", "too long"), 400, {"error": "welcome.text: too long", "field": "welcome.text"}),
    (QueryError("cursor", "is not a cursor"), 400, {"error": "cursor: is not a cursor", "field": "cursor"}),
    (InvalidTransfer("kind", "kind must be x"), 400, {"error": "kind must be x", "field": "kind"}),
    (InvalidCorp("token: bad"), 400, {"error": "token: bad"}),
    (NotFound("no SOP s1", "sop_id"), 404, {"error": "no SOP s1", "field": "sop_id"}),
    (NotFound("WeCom has no such relation (WeCom 84061)"), 404, {"error": "WeCom has no such relation (WeCom 84061)"}),
    (Conflict("the SOP changed while saving; try again"), 409, {"error": "the SOP changed while saving; try again"}),
    (Conflict("blocked", "customers", DETAILS), 409, {"error": "blocked", "field": "customers", "details": DETAILS}),
    (LimitReached("3 reminders (WeCom 41094)"), 429, {"error": "3 reminders (WeCom 41094)"}),
    (WeComRefused(-1, "system busy, hint: [x]"), 502, {"error": "WeCom refused the call: -1 system busy"}),
    (WeComRefused(None, ""), 502, {"error": "WeCom refused the call: 0"}),
    (DomainError("a new kind nobody mapped"), 500, {"error": "a new kind nobody mapped"}),
])  # fmt: skip
def test_each_error_has_its_status_and_body(exc, status, body):
    got_status, got_body = refusal(exc)
    assert (got_status, got_body) == (status, body)
    assert json.dumps(got_body, ensure_ascii=False) == json.dumps(body, ensure_ascii=False)  # key order too


def test_every_input_error_is_still_a_value_error():
    for exc in (InvalidInput("f", "x"), FieldError("f", "x"), QueryError("f", "x"), InvalidTransfer("f", "x")):
        assert isinstance(exc, ValueError)
