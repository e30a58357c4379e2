"""``scrm sops`` and ``scrm sends create --groups`` as an admin uses them against the session's stack and
sandbox: a customer SOP is created from a plan file, listed, shown step by step, updated from stdin,
paused, resumed and deleted; a group SOP's fixed-date step is planned by the tick (with its clock a few
minutes ahead, as tests/integration/test_sops.py does), confirmed by the owners in the sandbox and read
back by ``progress`` per run and member; a group mass send goes to the groups an owner keeps. A plan file
that cannot be read, and a plan the service refuses, are one line naming the file or the field.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from scrm import bootstrap
from scrm.kernel.china_time import CHINA

from tests.conftest import new_corp
from tests.integration.cli_api import as_corp
from tests.integration.test_cli import run
from tests.integration.test_sops import _hhmm, _parts, _planner
from tests.support.syncing import sync_and_wait
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def shop(stack, sandbox) -> Iterator[dict[str, Any]]:
    """A synced corp of three members and four customer groups; group sends' results answer at once;
    ``scrm`` holds its key."""
    corp = new_corp(stack, sandbox, seed={"employees": 3, "customers_per_employee": 2, "groups": 4})
    cid = corp["corp_id"]
    sync_and_wait(cid)
    sandbox.set_groupmsg_dispatch(cid, 0)
    world = sandbox.corp(cid)
    with as_corp(stack, cid):
        yield {"cid": cid, "staff": [e["userid"] for e in world["employees"]],
               "groups": {g["chat_id"]: g["owner"] for g in world["groups"]}}  # fmt: skip


def _write(tmp_path, name: str, body: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_create_list_show_update_pause_resume_delete(shop, capsys, tmp_path, monkeypatch):
    cid, member = shop["cid"], shop["staff"][0]
    plan = {"name": "新客培育", "targets": {"employees": [member], "days_since_added": {"max": 30}},
            "steps": [{"id": "d3", "after_added_days": 3, "at": "10:00", "text": "{name}，欢迎！这是新人礼包"},
                      {"weekly": [5, 1], "at": "03:00", "text": "周末见",
                       "attachments": [{"msgtype": "link", "link": {"title": "活动", "url": "https://example.com/a"}}]}]}  # fmt: skip
    code, out, err = run(capsys, "sops", "create", cid, "--file", _write(tmp_path, "plan.json", plan))
    assert code == 0, err
    first, *shown = out.splitlines()
    sop_id = re.fullmatch(r"created SOP (\w+) \(active\)", first).group(1)
    assert shown[:4] == [
        f"sop:        {sop_id}",
        "name:       新客培育",
        "kind:       customer",
        "status:     active",
    ]
    assert f"targets:    employees {member}; days since added ≤ 30" in shown

    code, out, err = run(capsys, "sops", "list", cid)
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split() == ["SOP", "NAME", "KIND", "STATUS", "STEPS", "UPDATED"]
    assert [r.split()[:5] for r in rows if r.startswith(sop_id)] == [
        [sop_id, "新客培育", "customer", "active", "2"]
    ]
    code, out, _ = run(capsys, "sops", "list", cid, "--kind", "group")
    assert code == 0 and sop_id not in out

    code, out, err = run(capsys, "sops", "show", cid, sop_id)
    assert code == 0, err
    steps = out.split("\n\n")[1].splitlines()
    assert steps[0].split() == ["STEP", "WHEN", "MESSAGE"]
    assert steps[1].split() == ["d3", "day", "3", "at", "10:00", "{name}，欢迎！这是新人礼包"]
    assert steps[2].split() == [
        "s1",
        "Mon,Fri",
        "03:00",
        "周末见",
        "(+",
        "link)",
    ]  # an id given by the service
    assert out.rstrip().endswith("day 0 is the day the customer was added")

    # An update from stdin changes only what it names; the steps keep their ids.
    monkeypatch.setattr("sys.stdin", io.StringIO('{"name": "新客培育v2"}'))
    code, out, err = run(capsys, "sops", "update", cid, sop_id, "--file", "-")
    assert code == 0 and out.startswith(f"updated SOP {sop_id}\n") and "name:       新客培育v2" in out, err
    assert "\nd3  " in out and "\ns1  " in out

    code, out, err = run(capsys, "sops", "pause", cid, sop_id)
    assert code == 0 and out.startswith(f"paused SOP {sop_id} (新客培育v2): steps that fall due"), err
    assert bootstrap.sop_admin().get(cid, sop_id)["status"] == "paused"
    code, out, _ = run(capsys, "sops", "pause", cid, sop_id)
    assert code == 0 and out == f"SOP {sop_id} (新客培育v2) is already paused\n"
    code, out, _ = run(capsys, "sops", "show", cid, sop_id, "--json")
    assert json.loads(out)["status"] == "paused"
    code, out, err = run(capsys, "sops", "resume", cid, sop_id)
    assert code == 0 and out.startswith(f"resumed SOP {sop_id}"), err
    assert bootstrap.sop_admin().get(cid, sop_id)["status"] == "active"

    code, out, err = run(capsys, "sops", "progress", cid, sop_id)
    assert code == 0, err
    assert "runs:       0" in out and "customers:  0 (sent 0)" in out and "no runs yet" in out

    code, out, err = run(capsys, "sops", "delete", cid, sop_id)
    assert code == 0 and out.startswith(f"deleted SOP {sop_id}: nothing more is sent"), err
    code, _, err = run(capsys, "sops", "show", cid, sop_id)
    assert code == 1 and err == f"scrm: no SOP {sop_id} (field: sop_id)\n"


def test_a_group_sop_run_shows_in_progress_per_member(shop, sandbox, capsys, monkeypatch):
    cid, groups = shop["cid"], shop["groups"]
    owners = sorted(set(groups.values()))
    today = (datetime.now(CHINA) + timedelta(seconds=120)).strftime("%Y-%m-%d")
    plan = {"kind": "group", "name": "本周优惠", "targets": {},
            "steps": [{"id": "offer", "date": today, "at": _hhmm(120), "text": "本周优惠，群内专享"}]}  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(plan, ensure_ascii=False)))
    code, out, err = run(capsys, "sops", "create", cid, "--file", "-", "--json")
    assert code == 0, err
    sop_id = json.loads(out)["sop_id"]
    code, out, _ = run(capsys, "sops", "list", cid, "--kind", "group")
    assert sop_id in out

    _planner(240, cid).tick_corp(cid)
    runs = bootstrap.sop_repo().runs(cid, sop_id)
    assert len(runs) == 1
    send_id = runs[0]["send_id"]
    wait_for(lambda: {p.sender for p in _parts(cid, send_id) if p.state == "created"} == set(owners),
             timeout_s=60, what="group tasks")  # fmt: skip
    first = _parts(cid, send_id)[0]
    sandbox.confirm_groupmsg(cid, first.msgid, first.sender)  # one owner sends; the others not yet
    bootstrap.mass_sends().results(cid, send_id)

    code, out, err = run(capsys, "sops", "progress", cid, sop_id)
    assert code == 0, err
    head, run_table, member_table = out.strip().split("\n\n")
    sent = sum(1 for o in groups.values() if o == first.sender)
    assert head.splitlines()[1:] == ["runs:       1", f"groups:     {len(groups)} (sent {sent})",
                                     f"completion: {100 * sent / len(groups):.1f}%"]  # fmt: skip
    assert run_table.splitlines()[0].split() == [
        "RUN",
        "(CHINA)",
        "STEP",
        "SEND",
        "STATE",
        "GROUPS",
        "COMPLETION",
    ]
    row = run_table.splitlines()[1].split()
    assert row[0] == today and row[2:4] == ["offer", send_id] and row[5] == str(len(groups))
    members = {cols[0]: cols[1:] for cols in (ln.split() for ln in member_table.splitlines()[1:])}
    assert sorted(members) == owners
    for owner, (total, done, rate) in members.items():
        mine = sum(1 for o in groups.values() if o == owner)
        assert (int(total), int(done)) == (mine, mine if owner == first.sender else 0)
        assert rate == ("100.0%" if owner == first.sender else "0.0%")
    code, out, _ = run(capsys, "sops", "progress", cid, sop_id, "--json")
    assert json.loads(out)["runs"][0]["send_id"] == send_id
    run(capsys, "sops", "delete", cid, sop_id)


def test_groups_list_and_a_send_previewed_before_it_is_made(shop, sandbox, capsys):
    """`scrm groups list` (every page of GET /admin/groups) and `scrm sends preview`: the count of a group
    send and of a customer send, per member, with nothing created and nothing asked of WeCom."""
    cid, groups = shop["cid"], shop["groups"]
    owner = sorted(groups.values())[0]
    mine = sorted(c for c, o in groups.items() if o == owner)
    code, out, err = run(capsys, "groups", "list", cid, "--json")
    assert code == 0, err
    assert {g["chat_id"]: g["owner"] for g in json.loads(out)} == groups
    code, out, err = run(capsys, "groups", "list", cid, "--owner", owner)
    assert code == 0, err
    assert sorted(ln.split()[0] for ln in out.splitlines()[1:]) == mine
    named = {g["chat_id"]: g["name"] for g in sandbox.corp(cid)["groups"]}
    some = next(n for n in named.values() if n)
    code, out, err = run(capsys, "groups", "list", cid, "--name", some, "--json")
    assert code == 0, err
    assert sorted(g["chat_id"] for g in json.loads(out)) == sorted(c for c, n in named.items() if some in n and c in groups)
    code, out, _ = run(capsys, "groups", "list", cid, "--name", "没有这样的群名")
    assert code == 0 and "named like" in out
    sends_before = len(bootstrap.mass_send_runner().list(cid, 200))
    calls_before = sandbox.call_counts(cid)["last_seq"]
    code, out, err = run(capsys, "sends", "preview", cid, "--groups", "--owners", owner)
    assert code == 0, err
    assert out.startswith(f"would reach {len(mine)} groups in 1 WeCom tasks"), out
    assert re.search(rf"^{owner}\s+{len(mine)}\s+1$", out, re.M), out
    code, out, err = run(capsys, "sends", "preview", cid, "--json")  # no flag: every customer
    assert code == 0, err
    counted = json.loads(out)
    assert counted["chat_type"] == "single" and counted["recipients"] == sum(m["recipients"] for m in counted["members"])
    assert len(bootstrap.mass_send_runner().list(cid, 200)) == sends_before
    assert sandbox.call_counts(cid, since=calls_before)["total"] == 0


def test_a_group_mass_send_from_the_command_line(shop, sandbox, capsys):
    cid, groups = shop["cid"], shop["groups"]
    owner = sorted(groups.values())[0]
    mine = sorted(c for c, o in groups.items() if o == owner)
    code, out, err = run(capsys, "sends", "create", cid, "--name", "群发", "--text", "今晚八点直播", "--groups",
                         "--owners", owner, "--wait", "--timeout", "60", "--interval", "0.3")  # fmt: skip
    assert code == 0, err
    send_id = out.split()[3]
    assert re.search(r"^tasks:\s+1/1 created", out, re.M) and re.search(
        rf"^groups:\s+{len(mine)} ", out, re.M
    )
    assert re.search(r"^MEMBER\s+GROUPS\s+SENT", out, re.M) and re.search(
        rf"^{owner}\s+{len(mine)}\s", out, re.M
    )
    part = _parts(cid, send_id)[0]
    assert bootstrap.mass_sends().repo.part_ids(cid, send_id, part.sender, part.number) == mine
    assert any(m["text"] == "今晚八点直播" for m in sandbox.groupmsgs(cid, "group")["groupmsgs"])

    code, out, err = run(capsys, "sends", "create", cid, "--name", "一个群", "--text", "只发这个群",
                         "--chat-ids", mine[0], "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["send"]["spec"]["recipients"] == {"chat_ids": [mine[0]]}


@pytest.mark.parametrize(
    ("argv", "exit_code", "message"),
    [
        (["sops", "create", "CORP", "--file", "TMP/nope.json"], 1,
         "scrm: cannot read TMP/nope.json: No such file or directory"),
        (["sops", "create", "CORP", "--file", "TMP/bad.json"], 1,
         "scrm: TMP/bad.json: not valid JSON: Expecting ',' delimiter (line 1, column 14)"),
        (["sops", "create", "CORP", "--file", "TMP/late.json"], 1,
         "scrm: steps[0].at: required: HH:MM China time, 00:00 .. 23:59 (field: steps[0].at)"),
        (["sops", "create", "CORP", "--file", "TMP/stranger.json"], 1,
         "scrm: targets.employees: unknown employee nobody (field: targets.employees)"),
        # a well-formed change of a SOP that does not exist (a malformed body is refused before the lookup)
        (["sops", "update", "CORP", "nope", "--file", "TMP/rename.json"], 1, "scrm: no SOP nope (field: sop_id)"),
        (["sops", "update", "CORP", "nope", "--file", "TMP/late.json"], 1,
         "scrm: steps[0].at: required: HH:MM China time, 00:00 .. 23:59 (field: steps[0].at)"),
        (["sops", "progress", "CORP", "nope"], 1, "scrm: no SOP nope (field: sop_id)"),
        (["sops", "create", "CORP"], 2, "the following arguments are required: --file"),
        (["sops", "list", "wwnosuchcorp0001"], 1, "scrm: no corp wwnosuchcorp0001"),
        (["sends", "create", "CORP", "--name", "x", "--text", "x", "--owners", "u1"], 1,
         "scrm: --owners and --name-contains narrow --groups: add --groups for a send to customer groups "
         "(field: recipients.groups)"),
        (["sends", "create", "CORP", "--name", "x", "--text", "x", "--groups", "--customers", "wm1"], 1,
         "(field: recipients)"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line(shop, capsys, tmp_path, argv, exit_code, message):
    (tmp_path / "bad.json").write_text('{"name": "x" "steps": []}')
    step = {"after_added_days": 1, "at": "25:00", "text": "x"}
    _write(tmp_path, "late.json", {"name": "x", "steps": [step]})
    _write(tmp_path, "rename.json", {"name": "y"})
    _write(tmp_path, "stranger.json", {"name": "x", "targets": {"employees": ["nobody"]},
                                       "steps": [{**step, "at": "10:00"}]})  # fmt: skip

    def fill(text: str) -> str:
        return text.replace("CORP", shop["cid"]).replace("TMP", str(tmp_path))

    code, out, err = run(capsys, *[fill(a) for a in argv])
    assert code == exit_code, err
    assert (
        out == "" and len(err.strip().splitlines()) == 1 and fill(message) in err and "Traceback" not in err
    )
