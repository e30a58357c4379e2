"""The tests' reader of the local stack's JSON log lines (tests/support/logs.py): two records written by
two threads onto one line are both read, and access lines are skipped."""

from __future__ import annotations

from tests.support.logs import records


def test_two_records_joined_on_one_line_are_both_read():
    text = ('{"_aws": {"Timestamp": 1}, "callbacks": 1}{"message": "callback accepted", "corp_id": "ww1"}\n\n'
            '127.0.0.1 - - [05/Dec/2026 14:58:41] "POST /wecom/callback/ww1 HTTP/1.1" 200 -\n'
            '{"message": "callback accepted", "corp_id": "ww2"}\n'
            '{"message": "cut off", \n')  # fmt: skip
    assert [r.get("corp_id") for r in records(text)] == [None, "ww1", "ww2"]
