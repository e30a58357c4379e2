"""``scrm sends create`` to customer groups: the body's ``recipients`` from --groups (--owners,
--name-contains) or --chat-ids, never mixed with customers, and a group send's progress, --wait bar and
``sends list`` column counting groups."""

from __future__ import annotations

from typing import Any

import pytest
from scrm.cli.common import CliError
from scrm.cli.main import build_parser
from scrm.cli.sends import describe, is_group_send, list_table, request_body

from tests.unit.cli_inprocess import in_process

GROUP_SEND = {"send_id": "sg", "spec": {"name": "群发", "recipients": {"groups": {}}}, "state": "planned",
              "counts": {"recipients": 3, "parts": 1, "skipped": {}}, "created_at": 0}  # fmt: skip
CUSTOMER_SEND = {"send_id": "sc", "spec": {"name": "客户", "recipients": {"filter": {}}}, "state": "planned",
                 "counts": {"recipients": 40, "parts": 2, "skipped": {"over_quota": 1}}, "created_at": 0}  # fmt: skip


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


def test_the_list_names_its_recipients_column_for_what_the_sends_count() -> None:
    planned_group = {**GROUP_SEND, "send_id": "sp",
                     "spec": {"name": "SOP", "recipients": {"planned": {}}, "chat_type": "group"}}  # fmt: skip
    header, *rows = list_table([GROUP_SEND, planned_group]).splitlines()
    assert header.split()[3] == "GROUPS" and "CUSTOMERS" not in header
    assert [r.split()[3] for r in rows] == ["3", "3"]
    header, row = list_table([CUSTOMER_SEND]).splitlines()
    assert header.split()[3] == "CUSTOMERS" and row.split()[3] == "40"
    # Mixed: a neutral header, and each count says what it counts.
    header, *rows = list_table(
        [CUSTOMER_SEND, GROUP_SEND, {**GROUP_SEND, "send_id": "sn", "counts": {}}]
    ).splitlines()
    assert header.split()[3] == "RECIPIENTS"
    assert "40 customers" in rows[0] and "3 groups" in rows[1] and "groups" not in rows[2]


def test_waiting_on_a_group_send_shows_groups_on_the_bar(monkeypatch, capsys) -> None:
    progress = {"send_id": "sg", "state": "planned", "parts": {"created": 1}, "recipients": 3,
                "outcomes": {"pending": 0, "sent": 3}, "skipped": {}, "completion_rate": 1.0,
                "members": [{"userid": "u1", "customers": 3, "sent": 3, "parts": 1, "completion_rate": 1.0}]}  # fmt: skip

    class Svc:  # the services behind GET /admin/mass-sends and /admin/mass-sends/{id}
        def __init__(self, send: dict[str, Any]) -> None:
            self.send = send

        def list(self, corp_id: str, limit: int) -> list[dict[str, Any]]:
            return [{**self.send, "send_id": "sg"}]

        def progress(self, corp_id: str, send_id: str) -> dict[str, Any]:  # names the send, as the service does
            chat_type = "group" if self.send is GROUP_SEND else "single"
            return {**progress, "name": self.send["spec"].get("name", ""), "chat_type": chat_type}

    argv = ["sends", "show", "wwcorp", "sg", "--wait", "--until", "finished"]
    for send, unit in ((GROUP_SEND, "groups"), (CUSTOMER_SEND, "customers")):
        svc = Svc(send)
        in_process(monkeypatch, "wwcorp", {"mass_sends": lambda svc=svc: svc, "mass_send_runner": lambda svc=svc: svc})
        args = build_parser().parse_args(argv)
        args.func(args)
        out, err = capsys.readouterr()
        assert f"tasks 1/1  {unit} 3 (sent 3)" in err and f"\n{unit + ':':<12}3 (sent 3)\n" in out
        assert ({"groups", "customers"} - {unit}).pop() not in err


def test_show_names_a_send_however_old_from_its_progress_alone(monkeypatch, capsys) -> None:
    """The progress answer names the send and its kind: a send past the list's newest 200 is shown as it is."""

    class Svc:
        def list(self, corp_id: str, limit: int) -> list[dict[str, Any]]:
            return []  # the send is not among the newest

        def progress(self, corp_id: str, send_id: str) -> dict[str, Any]:
            return {"send_id": "old", "name": "老客户回访", "chat_type": "group", "state": "finished",
                    "parts": {"created": 1}, "recipients": 2, "outcomes": {"sent": 2}, "skipped": {},
                    "completion_rate": 1.0, "members": []}  # fmt: skip

    in_process(monkeypatch, "wwcorp", {"mass_sends": Svc, "mass_send_runner": Svc})
    args = build_parser().parse_args(["sends", "show", "wwcorp", "old"])
    args.func(args)
    out = capsys.readouterr().out
    assert "老客户回访" in out and "groups" in out and "customers" not in out
