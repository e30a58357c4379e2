"""``scrm sends create`` to customer groups: the body's ``recipients`` from --groups (--owners,
--name-contains) or --chat-ids, never mixed with customers, and a group send's progress counting groups."""

from __future__ import annotations

import pytest
from scrm.cli.common import CliError
from scrm.cli.main import build_parser
from scrm.cli.sends import describe, is_group_send, request_body


def _args(*argv: str):
    return build_parser().parse_args(["sends", "create", "wwcorp", "--name", "n", "--text", "hi", *argv])


def test_group_recipients() -> None:
    assert request_body(_args("--groups"))["recipients"] == {"groups": {}}
    assert request_body(_args("--groups", "--owners", "u1, u2", "--name-contains", "VIP"))["recipients"] == {
        "groups": {"owners": ["u1", "u2"], "name_contains": "VIP"}
    }
    assert request_body(_args("--chat-ids", "wr1,wr2"))["recipients"] == {"chat_ids": ["wr1", "wr2"]}
    # The customer forms are unchanged.
    assert request_body(_args())["recipients"] == {"filter": {}}
    assert request_body(_args("--customers", "wm1"))["recipients"] == {"external_userids": ["wm1"]}


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (("--groups", "--customers", "wm1"), "recipients"),
        (("--chat-ids", "wr1", "--employees", "u1"), "recipients"),
        (("--groups", "--tags-any", "et1"), "recipients"),
        (("--groups", "--chat-ids", "wr1"), "recipients"),
        (("--chat-ids", "wr1", "--owners", "u1"), "recipients"),
        (("--owners", "u1"), "recipients.groups"),
        (("--name-contains", "VIP"), "recipients.groups"),
    ],
)
def test_groups_and_customers_do_not_mix(argv, field) -> None:
    with pytest.raises(CliError, match=rf"\(field: {field}\)$"):
        request_body(_args(*argv))


def test_a_group_send_counts_groups() -> None:
    group = {"spec": {"recipients": {"groups": {"owners": ["u1"]}}}}
    assert is_group_send(group) and is_group_send({"spec": {"recipients": {"chat_ids": 2}}})
    assert is_group_send({"spec": {"recipients": {"planned": {}}, "chat_type": "group"}})
    assert not is_group_send({"spec": {"recipients": {"filter": {}}}}) and not is_group_send(None)
    p = {"send_id": "s1", "state": "planned", "parts": {"created": 1}, "outcomes": {"pending": 3},
         "recipients": 3, "skipped": {}, "completion_rate": 0.0,
         "members": [{"userid": "u1", "customers": 3, "sent": 0, "parts": 1, "completion_rate": 0.0}]}  # fmt: skip
    text = describe(p, group)
    assert "\ngroups:     3 (pending 3)\n" in text and "MEMBER  GROUPS  SENT" in text
    assert "\ncustomers:  3 (pending 3)\n" in describe(p, {"spec": {"recipients": {"filter": {}}}})
