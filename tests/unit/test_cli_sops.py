"""``scrm sops``: how steps, targets and progress read as text (pure), what a plan file that cannot be read
says, and the commands against the real SopAdmin over the in-memory SOP store (no stack): pause and resume,
refusals as one line naming the field, ``--file -``, and an example in every command's help."""

from __future__ import annotations

import io
import json

import pytest
from scrm.cli import sops
from scrm.cli.common import CliError
from scrm.cli.main import main
from scrm.sops.service import SopAdmin

from tests.unit.cli_inprocess import in_process
from tests.unit.sop_fakes import FakeSops

PLAN = {"name": "onboarding", "targets": {"employees": ["u1"], "days_since_added": {"min": None, "max": 30}},
        "steps": [{"id": "d0", "after_added_days": 0, "at": "10:00", "text": "{name}，欢迎！"},
                  {"id": "fri", "weekly": [5, 1], "at": "18:00", "text": "周末见",
                   "attachments": [{"msgtype": "link", "link": {"title": "t", "url": "https://example.com"}}]}]}  # fmt: skip


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ({"after_added_days": 3, "at": "10:00"}, "day 3 at 10:00"),
        ({"after_created_days": 0, "at": "09:05"}, "day 0 at 09:05"),
        ({"date": "2026-12-01", "at": "18:00"}, "2026-12-01 18:00"),
        ({"weekly": [1, 5], "at": "18:00"}, "Mon,Fri 18:00"),
        ({"weekly": [7], "at": "08:00"}, "Sun 08:00"),
        ({"weekly": [1, 2, 3, 4, 5, 6, 7], "at": "12:30"}, "every day 12:30"),
        ({"at": "12:30"}, "12:30"),
    ],
)
def test_when_a_step_falls_due(step, expected) -> None:
    assert sops.when(step) == expected


def test_a_message_preview_is_one_short_line_with_its_attachments() -> None:
    assert sops.preview({"text": "hello\n  world"}) == "hello world"
    long = sops.preview({"text": "新" * 40}, width=10)
    assert long == "新" * 4 + "…"  # 8 columns of Chinese + the ellipsis: never wider than asked
    assert sops.shorten("abcdefghij", 5) == "abcd…" and sops.shorten("abcde", 5) == "abcde"
    image = {"msgtype": "image", "image": {"media_id": "m"}}
    assert sops.preview({"text": "hi", "attachments": [image, {"msgtype": "link"}]}) == "hi (+ image, link)"
    assert sops.preview({"attachments": [image]}) == "(image)"


def test_targets_read_as_their_non_empty_conditions() -> None:
    assert sops.targets_text("customer", {"tags_all": [], "employees": [], "days_since_added": {"min": None,
                                                                                                 "max": None}}) == (
        "every customer"
    )  # fmt: skip
    assert sops.targets_text("group", {"owners": [], "name_contains": ""}) == "every group"
    got = sops.targets_text("customer", {"tags_all": ["etA", "etB"], "states": ["s1"],
                                         "days_since_added": {"min": 3, "max": None}})  # fmt: skip
    assert got == "tags_all etA,etB; states s1; days since added ≥ 3"
    assert (
        sops.targets_text("group", {"owners": ["u1"], "name_contains": "VIP"})
        == "owners u1; name_contains 'VIP'"
    )


def test_describe_shows_the_steps_as_a_table() -> None:
    sop = {"sop_id": "abc", "kind": "customer", "status": "active", **PLAN, "created_at": 0, "updated_at": 0}
    lines = sops.describe(sop).splitlines()
    assert lines[:4] == [
        "sop:        abc",
        "name:       onboarding",
        "kind:       customer",
        "status:     active",
    ]
    assert "targets:    employees u1; days since added ≤ 30" in lines
    table = lines[lines.index("") + 1 :]
    assert table[0].split() == ["STEP", "WHEN", "MESSAGE"]
    assert table[1].split() == ["d0", "day", "0", "at", "10:00", "{name}，欢迎！"]
    assert table[2].split() == [
        "fri",
        "Fri,Mon",
        "18:00",
        "周末见",
        "(+",
        "link)",
    ]  # as stored: the service sorts
    assert lines[-1] == "times are China time (UTC+8); day 0 is the day the customer was added"
    dated = {
        **sop,
        "kind": "group",
        "steps": [{"id": "s1", "date": "2026-12-01", "at": "18:00", "text": "x"}],
    }
    assert sops.describe(dated).splitlines()[-1] == "times are China time (UTC+8)"


def test_progress_reads_runs_and_members() -> None:
    p = {"sop_id": "abc", "name": "weekly", "recipients": 4, "sent": 3, "completion_rate": 0.75,
         "runs": [{"minute": "2026-05-01T18:00", "step_id": "fri", "send_id": "snd1", "state": "planned",
                   "recipients": 4, "completion_rate": 0.75}],
         "members": [{"userid": "u1", "recipients": 3, "sent": 3, "completion_rate": 1.0},
                     {"userid": "u2", "recipients": 1, "sent": 0, "completion_rate": 0.0}]}  # fmt: skip
    lines = sops.describe_progress(p, "group").splitlines()
    assert lines[:4] == [
        "sop:        abc (weekly)",
        "runs:       1",
        "groups:     4 (sent 3)",
        "completion: 75.0%",
    ]
    assert lines[5].split() == ["RUN", "(CHINA)", "STEP", "SEND", "STATE", "GROUPS", "COMPLETION"]
    assert lines[6].split() == ["2026-05-01", "18:00", "fri", "snd1", "planned", "4", "75.0%"]
    assert [ln.split() for ln in lines[8:]] == [["MEMBER", "GROUPS", "SENT", "COMPLETION"],
                                                 ["u1", "3", "3", "100.0%"], ["u2", "1", "0", "0.0%"]]  # fmt: skip
    empty = sops.describe_progress({"sop_id": "abc", "name": "n", "runs": []})
    assert "customers:  0 (sent 0)" in empty and empty.endswith("no runs yet: no step has fallen due (or the SOP "
                                                                "was paused when one did)")  # fmt: skip


def test_a_plan_file_that_cannot_be_read_is_one_line_naming_it(tmp_path, monkeypatch) -> None:
    good = tmp_path / "plan.json"
    good.write_text(json.dumps(PLAN, ensure_ascii=False), encoding="utf-8")
    assert sops.read_body(str(good)) == PLAN
    with pytest.raises(CliError, match=r"^cannot read .*nope\.json: No such file or directory$"):
        sops.read_body(str(tmp_path / "nope.json"))
    with pytest.raises(CliError, match=r"^cannot read .*: Is a directory$"):
        sops.read_body(str(tmp_path))
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x",\n "steps": [}\n')
    with pytest.raises(CliError, match=r"bad\.json: not valid JSON: .* \(line 2, column 12\)$"):
        sops.read_body(str(bad))
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"name": "caf\xe9"}')
    with pytest.raises(CliError, match=r"latin\.json: not UTF-8 text$"):
        sops.read_body(str(latin))
    monkeypatch.setattr("sys.stdin", io.StringIO("[1, 2"))
    with pytest.raises(CliError, match=r"^stdin: not valid JSON"):
        sops.read_body("-")


CORP = "wwcorp"


@pytest.fixture
def store(monkeypatch) -> FakeSops:
    """The commands, through the admin API's routes in this process, against SopAdmin over the in-memory
    store; the key is an admin key of CORP."""
    repo = FakeSops()  # as DynamoSops behaves: versioned writes, fresh copies
    admin = SopAdmin(repo, lambda corp, sop_id: None, clock=lambda: 1_714_534_800)
    in_process(monkeypatch, CORP, {"sop_admin": lambda: admin})
    return repo


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as stop:
        code = int(stop.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_create_from_stdin_pause_resume_delete(store, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(PLAN)))
    code, out, err = _run(capsys, "sops", "create", CORP, "--file", "-", "--json")
    assert code == 0, err
    sop_id = json.loads(out)["sop_id"]
    code, out, _ = _run(capsys, "sops", "pause", CORP, sop_id)
    assert code == 0 and out.startswith(f"paused SOP {sop_id} (onboarding): steps that fall due while")
    code, out, _ = _run(capsys, "sops", "pause", CORP, sop_id)
    assert code == 0 and out == f"SOP {sop_id} (onboarding) is already paused\n"
    code, out, _ = _run(capsys, "sops", "list", CORP)
    assert out.splitlines()[1].split()[:5] == [sop_id, "onboarding", "customer", "paused", "2"]
    code, out, _ = _run(capsys, "sops", "resume", CORP, sop_id, "--json")
    assert code == 0 and json.loads(out)["status"] == "active"
    code, out, _ = _run(capsys, "sops", "list", CORP, "--kind", "group")
    assert out == f"corp {CORP} has no group SOPs\n"
    code, out, _ = _run(capsys, "sops", "delete", CORP, sop_id)
    assert code == 0 and out.startswith(f"deleted SOP {sop_id}: nothing more is sent")
    code, _, err = _run(capsys, "sops", "show", CORP, sop_id)
    assert code == 1 and err == f"scrm: no SOP {sop_id} (field: sop_id)\n"


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ({**PLAN, "steps": [{"after_added_days": 1, "at": "25:00", "text": "x"}]},
         "scrm: steps[0].at: required: HH:MM China time, 00:00 .. 23:59 (field: steps[0].at)"),
        ({**PLAN, "kind": "group", "targets": {"employees": ["u1"]}},
         "scrm: targets.employees: unknown field (field: targets.employees)"),
        ({**PLAN, "kind": "group", "targets": {}},
         "scrm: steps[0].after_added_days: a group SOP steps by after_created_days, date, weekly "
         "(field: steps[0].after_added_days)"),
        ({**PLAN, "colour": "red"}, "scrm: colour: unknown field (field: colour)"),
        ([PLAN], "scrm: body: must be an object (field: body)"),
    ],
)  # fmt: skip
def test_a_refused_plan_is_one_line_naming_the_field(store, capsys, tmp_path, body, line) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(body))
    code, out, err = _run(capsys, "sops", "create", CORP, "--file", str(plan))
    assert code == 1 and out == "" and err.count("\n") == 1 and line in err and "Traceback" not in err


def test_a_missing_plan_file_is_one_line(store, capsys, tmp_path) -> None:
    code, _, err = _run(capsys, "sops", "update", CORP, "abc", "--file", str(tmp_path / "patch.json"))
    assert code == 1 and err == f"scrm: cannot read {tmp_path / 'patch.json'}: No such file or directory\n"


def test_every_command_has_help_with_an_example(capsys) -> None:
    for action in ("", "create", "list", "show", "update", "pause", "resume", "delete", "progress"):
        code, out, _ = _run(capsys, "sops", *([action] if action else []), "--help")
        assert code == 0 and out.startswith("usage: scrm sops") and "\nexample:\n  scrm sops " in out, action
    code, _, err = _run(capsys, "sops", "list", CORP, "--kind", "both")
    assert code == 2 and "--kind" in err and err.count("\n") == 1
