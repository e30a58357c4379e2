"""The WeCom error registry: every caller's retry policy pinned to the exact codes it had before issue 17,
so that a change to the table shows up here as a deliberate edit."""

from __future__ import annotations

import pytest
from scrm.kernel import wecom_errors as W
from scrm.kernel.wecom_errors import Kind

# code -> kind, for every code the table holds: editing the table means editing this line too.
PINNED = {
    -1: Kind.BUSY, 6000: Kind.VERSION_CONFLICT, 45009: Kind.THROTTLE, 45033: Kind.THROTTLE,
    40014: Kind.TOKEN, 42001: Kind.TOKEN, 41001: Kind.TOKEN_MISSING, 41063: Kind.DISPATCHING,
    41096: Kind.SENDING_ELSEWHERE, 41051: Kind.ALREADY_DONE,
    84061: Kind.GONE, 40096: Kind.GONE, 60111: Kind.GONE, 90500: Kind.GONE, 40050: Kind.GONE,
    40068: Kind.GONE, 60011: Kind.GONE, 40003: Kind.GONE, 41044: Kind.DELETED, 40037: Kind.DELETED,
    **{c: Kind.PERMANENT for c in (40001, 40058, 40071, 40126, 41041, 41054, 41093, 41094, 48002, 81013, 84074,
                                   40097, 40099, 40100, 40128, 40129, 40130, 40131, 50001, 50002,
                                   90501, 90502, 90503, 90504, 90507, 90508)},
}  # fmt: skip
SAMPLE = [None, *PINNED, 0, 12345, 60020, 301002]  # plus codes the table does not know


def test_the_table_is_pinned_and_every_code_has_a_reason():
    assert {c: e.kind for c, e in W.CODES.items()} == PINNED
    assert all(e.reason for e in W.CODES.values())
    assert W.kind(None) is Kind.NO_ANSWER and W.kind(12345) is Kind.PERMANENT and W.reason(12345) == ""


def chosen(query) -> set[int | None]:
    return {c for c in SAMPLE if query(c)}


@pytest.mark.parametrize(("query", "before"), [
    # the sets each caller kept before issue 17, verbatim
    (W.client_retries, {-1, 45009, 45033, 6000, None}),  # adapters/wecom/client.py RETRIABLE_ERRORS + None
    (W.is_token, {40014, 42001}),  # client.py TOKEN_ERRORS
    (W.bulk_retries, {-1, 45009, 45033, 50001, 50002}),  # mass_sends/calls.py and transfers/model.py
    (W.welcome_retries, {41096, -1, 45009, 45033, None}),  # welcome/sender.py
    (W.alert_passing, {-1, 45009, 45033, 6000, 50001, 50002, 40014, 42001, 41001, None}),  # alert_delivery
    (W.is_gone, {84061, 40096, 60111, 90500, 40050, 40068, 60011, 40003}),  # adapters/wecom/gateway.py GONE
    (W.is_throttle, {45009, 45033}),  # gateway.py LIMITED
    (W.is_deleted, {41044, 40037}),  # live_codes/service.py ALREADY_GONE
    (W.is_dispatching, {41063}),
    (W.is_already_done, {41051}),
    (W.is_busy, {-1}),
])  # fmt: skip
def test_each_caller_keeps_exactly_its_codes(query, before):
    assert chosen(query) == before
