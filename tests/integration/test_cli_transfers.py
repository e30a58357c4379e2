"""``scrm transfers`` as an admin uses it against the session's stack and sandbox: a member leaves, their
customers and groups show up as unassigned, a resigned handover is created and followed with ``--wait``
until WeCom has everything, then listed, shown item by item, checked again and cancelled; bad input is one
line naming the field.

WeCom completes a customer transfer 24 h after it starts; the session's sandbox clock is shared, so this
module does not move it: its jobs stop at "everything sent" (customers waiting, groups done).
tests/integration/test_transfers.py follows jobs to their end on a stack of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import new_corp
from tests.integration.cli_api import as_corp
from tests.integration.test_cli import run
from tests.integration.test_transfers import _customers_of, _leave
from tests.support.syncing import sync_and_wait

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def office(stack, sandbox) -> Iterator[dict[str, Any]]:
    """A synced corp of four; the first one leaves, owning two customer groups; ``scrm`` holds its key."""
    corp = new_corp(stack, sandbox, seed={"employees": 4, "customers_per_employee": 3, "groups": 0})
    cid = corp["corp_id"]
    sync_and_wait(cid)
    staff = [e["userid"] for e in sandbox.corp(cid)["employees"]]
    leaver = staff[0]
    chats = [sandbox.do(cid, "groups/create", {"owner": leaver, "members": [staff[3]], "name": f"客户群{i}"})["chat_id"]
             for i in range(2)]  # fmt: skip
    customers = _customers_of(sandbox, cid, leaver)
    _leave(sandbox, cid, leaver)
    with as_corp(stack, cid):
        yield {"cid": cid, "staff": staff, "leaver": leaver, "chats": chats, "customers": customers}


def test_unassigned_create_wait_list_show_refresh_cancel(sandbox, office, capsys):
    cid, leaver, staff = office["cid"], office["leaver"], office["staff"]
    a, b = staff[1], staff[2]
    assert len(office["customers"]) == 3

    code, out, err = run(capsys, "transfers", "unassigned", cid)
    assert code == 0, err
    header, *rows = out.strip().splitlines()
    assert header.split() == ["HANDOVER", "LEFT", "CUSTOMERS", "GROUPS"]
    mine = [r.split() for r in rows if r.startswith(leaver + " ")]
    assert len(mine) == 1 and mine[0][-2:] == ["3", "2"]
    code, out, err = run(capsys, "transfers", "unassigned", cid, "--from", leaver)
    assert code == 0, err
    listed = dict(re.findall(rf"^(customers|groups) of {leaver}: (.*)$", out, re.M))
    assert sorted(listed["customers"].split(", ")) == office["customers"]
    assert sorted(listed["groups"].split(", ")) == sorted(office["chats"])

    calls_before = len(sandbox.calls(cid))
    create = ("transfers", "create", cid, "--kind", "resigned", "--from", leaver, "--to", a, "--to", b)
    code, out, err = run(capsys, *create, "--wait", "--until", "requested", "--interval", "0.2", "--timeout", "60")
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith("started transfer job ") and first.endswith(f"(resigned: {leaver} → {a}, {b})")
    job_id = first.split()[3]
    # The bar went to stderr (not a TTY here: a line per step) and ended with everything sent.
    bar_lines = [ln for ln in err.splitlines() if ln.startswith("[")]
    assert bar_lines and "settling" in bar_lines[-1] and "customers 3 (waiting 3)" in bar_lines[-1]
    assert "groups 2 (done 2)" in bar_lines[-1]
    assert "state:      running (settling)" in out and "sent:       100.0%" in out
    assert re.search(rf"^{a}\s+\d", out, re.M) and re.search(rf"^{b}\s+\d", out, re.M)  # one row per taker
    # WeCom got one customer call per taker and the groups moved at once.
    calls = sandbox.calls(cid)[calls_before:]
    assert sum(1 for c in calls if c["path"].endswith("resigned/transfer_customer")) == 2
    # WeCom accepted the resigned groups: 离职继承中 (status 2) there until the sandbox's INHERIT_S passes.
    owners = {g["chat_id"]: g["new_owner"] for g in sandbox.transfers(cid)["group_inherits"]}
    assert sorted(owners[c] for c in office["chats"]) == sorted([a, b])

    # The same command again: the same job, nothing new.
    code, out, err = run(capsys, *create)
    assert code == 0, err
    assert out.startswith(f"the same request again, so the same transfer job {job_id} ")

    code, out, err = run(capsys, "transfers", "list", cid)
    assert code == 0, err
    assert out.splitlines()[0].split()[:4] == ["JOB", "KIND", "STATE", "HANDOVER"]
    row = next(r.split() for r in out.splitlines() if r.startswith(job_id))
    assert row[1:5] == ["resigned", "running", leaver, f"{a},{b}"] and row[5:7] == ["3", "2"]

    code, out, err = run(capsys, "transfers", "show", cid, job_id, "--items")
    assert code == 0, err
    items = {cols[1]: cols for ln in out.splitlines() if (cols := ln.split()) and cols[0] in ("customer", "group")}
    assert sorted(i for i, c in items.items() if c[0] == "customer") == office["customers"]
    assert all(items[i][3] == "waiting" and items[i][2] in (a, b) for i in office["customers"])
    assert all(items[c][3] == "done" for c in office["chats"])

    # --wait on a job whose customers sit in WeCom's 24 h window: stop at the timeout, exit 0, say so.
    code, out, err = run(capsys, "transfers", "show", cid, job_id, "--wait", "--timeout", "0.5",
                         "--interval", "0.2")  # fmt: skip
    assert code == 0, err
    assert "scrm: stopped waiting (after 0.5 s): every customer and group is with WeCom" in err

    code, out, err = run(capsys, "transfers", "refresh", cid, job_id)
    assert code == 0 and out.startswith(f"asked for a check of transfer job {job_id} now"), err

    # One open job per handover: another request for the leaver names the open job and the field.
    code, out, err = run(capsys, "transfers", "create", cid, "--kind", "resigned", "--from", leaver,
                         "--to", staff[3])  # fmt: skip
    assert code == 1 and err.strip().splitlines() == [
        f"scrm: {leaver} already has transfer job {job_id} in progress; wait for it or cancel it "
        "(field: handover_userid)"
    ]  # fmt: skip

    code, out, err = run(capsys, "transfers", "cancel", cid, job_id)
    assert code == 0, err
    assert "3 customer(s) in WeCom's 24 h window end as WeCom decides" in out
    assert "state:      cancelling (settling)" in out


def test_policy_show_and_set(office, capsys):
    cid = office["cid"]
    code, out, _ = run(capsys, "transfers", "policy", cid)
    assert code == 0 and out.startswith("on_refused: leave — customers who refuse")
    code, out, _ = run(capsys, "transfers", "policy", cid, "--set", "reassign")
    assert code == 0 and out.startswith("on_refused: reassign — ")
    code, out, _ = run(capsys, "transfers", "policy", cid, "--json")
    assert out.strip().replace(" ", "").replace("\n", "") == '{"on_refused":"reassign"}'
    run(capsys, "transfers", "policy", cid, "--set", "leave")


@pytest.mark.parametrize(
    ("argv", "exit_code", "message"),
    [
        (["create", "CORP", "--kind", "onjob", "--from", "LEAVER", "--to", "S1"], 1,
         "scrm: LEAVER is not an active employee: use kind resigned (离职继承) (field: handover_userid)"),
        (["create", "CORP", "--kind", "resigned", "--from", "S1", "--to", "S2"], 1,
         "scrm: S1 has not left: use kind onjob (在职继承), or wait for WeCom's delete_user (field: handover_userid)"),
        (["create", "CORP", "--kind", "onjob", "--from", "S1", "--to", "nobody"], 1,
         "(field: takeover_userids)"),
        (["create", "CORP", "--kind", "onjob", "--from", "S1", "--to", "S1"], 1,
         "scrm: S1 cannot take over their own customers (field: takeover_userids)"),
        (["create", "CORP", "--kind", "resigned", "--from", "LEAVER", "--to", "S1", "--message", "hi"], 1,
         "transfer_success_msg applies to onjob transfers only (field: transfer_success_msg)"),
        (["create", "CORP", "--kind", "onjob", "--from", "S1", "--to", "S2", "--customers", "none",
          "--groups", "none"], 1, "nothing to transfer: customers and groups are both empty (field: customers)"),
        (["create", "CORP", "--kind", "later", "--from", "S1", "--to", "S2"], 2, "--kind"),
        (["create", "CORP", "--kind", "onjob", "--from", "S1"], 2, "--to"),
        (["create", "--kind", "onjob", "--from", "S1", "--to", "S2"], 2, "the following arguments are required"),
        (["show", "CORP", "tnope"], 1, "scrm: no transfer job tnope (field: job_id)"),
        (["cancel", "CORP", "tnope"], 1, "scrm: no transfer job tnope (field: job_id)"),
        (["list", "CORP", "--limit", "0"], 2, "--limit"),
        (["policy", "CORP", "--set", "sometimes"], 2, "--set"),
        (["list", "wwnosuchcorp0001"], 1, "scrm: no corp wwnosuchcorp0001"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line(office, capsys, argv, exit_code, message):
    names = {"CORP": office["cid"], "LEAVER": office["leaver"], "S1": office["staff"][1], "S2": office["staff"][2]}

    def fill(text: str) -> str:
        for k, v in names.items():
            text = text.replace(k, v)
        return text

    got, out, err = run(capsys, "transfers", *[fill(a) for a in argv])
    assert got == exit_code, err
    assert len(err.strip().splitlines()) == 1 and fill(message) in err and "Traceback" not in err


def test_help_of_every_transfer_command(capsys):
    for action in ("", "create", "list", "show", "cancel", "refresh", "unassigned", "policy"):
        code, out, _ = run(capsys, "transfers", *([action] if action else []), "--help")
        assert code == 0 and out.startswith("usage: scrm transfers") and len(out.splitlines()) > 4, action
