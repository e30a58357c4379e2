"""``scrm codes`` and ``scrm group-codes`` as an admin uses them, against the local stack and the sandbox."""

from __future__ import annotations

import json

import pytest
from scrm.adapters.dynamo import reads

from tests.integration.test_cli import run, synced  # noqa: F401 (the module fixture)
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


def test_create_scan_stats_and_delete_a_channel_code(sandbox, synced, capsys, tmp_path):  # noqa: F811
    cid = synced["cid"]
    world = sandbox.corp(cid)
    staff = [e["userid"] for e in world["employees"]]
    tag = world["tag_groups"][0]["tag"][0]["id"]
    code, out, err = run(capsys, "codes", "create", cid, "--name", "门店海报", "--group", "线下",
                         "--staff", ",".join(staff[:2]), "--tags", tag, "--remark-template", "海报-{name}",
                         "--welcome-text", "你好 {name}", "--json")
    assert code == 0, err
    created = json.loads(out)
    assert created["qr_code"].startswith("https://") and created["current_staff"] == staff[:2]

    code, out, _ = run(capsys, "codes", "list", cid, "--group", "线下")
    assert out.splitlines()[0].split()[:3] == ["CODE", "GROUP", "NAME"] and created["code_id"] in out

    ext = sandbox.scan(cid, created["config_id"], name="韩梅梅")["external_userid"]
    wait_for(lambda: any(w["external_userid"] == ext and w.get("sent_at") for w in sandbox.welcomes(cid)),
             what="the welcome")

    def adds() -> int:
        _, text, _ = run(capsys, "codes", "stats", cid, created["code_id"], "--json")
        return json.loads(text)["totals"]["adds"]

    wait_for(lambda: adds() == 1, what="the add counted")
    code, out, _ = run(capsys, "codes", "stats", cid, created["code_id"])
    assert code == 0 and "adds 1" in out and "net 1" in out
    code, out, _ = run(capsys, "codes", "stats", cid, created["code_id"], "--csv", "by_staff")
    lines = out.strip().splitlines()
    assert lines[0] == "userid,adds,lost_by_customer,lost_by_employee,welcomes_missed,lost,net"
    assert len(lines) == 2 and lines[1].endswith(",1,0,0,0,0,1")

    # A schedule from a file, with a flag on top of it.
    spec = tmp_path / "code.json"
    spec.write_text(json.dumps({"name": "前台", "staff": [staff[0]], "backup": [staff[1]], "schedule": [
        {"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "24:00", "staff": [staff[2]]}]}), encoding="utf-8")
    code, out, err = run(capsys, "codes", "create", cid, "--from-file", str(spec), "--daily-cap", "5", "--json")
    assert code == 0, err
    scheduled = json.loads(out)
    assert scheduled["current_staff"] == [staff[2]] and scheduled["daily_cap"] == 5

    code, out, err = run(capsys, "codes", "update", cid, created["code_id"], "--name", "门店海报二")
    assert code == 0 and "门店海报二" in out, err
    code, out, _ = run(capsys, "codes", "delete", cid, created["code_id"])
    assert code == 0 and out.startswith(f"deleted {created['code_id']}")
    code, out, _ = run(capsys, "codes", "list", cid, "--status", "deleted", "--json")
    assert [c["code_id"] for c in json.loads(out)["items"]] == [created["code_id"]]


def test_default_welcome_and_group_codes(sandbox, synced, capsys):  # noqa: F811
    cid = synced["cid"]
    code, out, _ = run(capsys, "codes", "welcome-default", cid, "--text", "欢迎 {name}")
    assert code == 0 and out.strip() == "default welcome: '欢迎 {name}' + 0 attachment(s)"
    code, out, _ = run(capsys, "codes", "welcome-default", cid, "--clear")
    assert out.strip() == "no default welcome"

    chat = sandbox.do(cid, "groups/create", {"owner": sandbox.corp(cid)["employees"][0]["userid"], "wait": True})
    wait_for(lambda: reads.group(cid, chat["chat_id"]), what="the group stored")
    code, out, err = run(capsys, "group-codes", "create", cid, "--name", "VIP群", "--chats", chat["chat_id"],
                         "--threshold", "150", "--welcome-text", "欢迎 {name}", "--json")
    assert code == 0, err
    group_code = json.loads(out)
    assert group_code["active_chats"] == [chat["chat_id"]] and group_code["welcome_template_id"]
    code, out, _ = run(capsys, "group-codes", "list", cid)
    assert group_code["code_id"] in out and "150" in out
    code, out, _ = run(capsys, "group-codes", "delete", cid, group_code["code_id"])
    assert code == 0


@pytest.mark.parametrize(
    ("argv", "exit_code", "message"),
    [
        (["codes", "create", "CORP", "--name", "x", "--staff", "nobody"], 1, "scrm: unknown member 'nobody'"),
        (["codes", "create", "CORP", "--name", "x", "--staff", "S0", "--state", "s" * 31], 1, "scrm: state: at most 30"),
        (["codes", "create", "CORP", "--staff", "S0"], 1, "scrm: name: required"),
        (["codes", "create", "CORP", "--name", "x", "--staff", "S0", "--daily-cap", "0"], 2, "--daily-cap"),
        (["codes", "create", "CORP", "--name", "x", "--staff", "S0", "--skip-verify", "maybe"], 2, "--skip-verify"),
        (["codes", "create", "CORP", "--from-file", "/nonexistent.json"], 1, "no such file"),
        (["codes", "stats", "CORP", "nosuchcode"], 1, "scrm: no channel code nosuchcode"),
        (["codes", "stats", "CORP", "nosuchcode", "--csv", "pie"], 2, "--csv"),
        (["codes", "update", "CORP", "nosuchcode"], 1, "scrm: nothing to change"),
        (["group-codes", "create", "CORP", "--name", "x", "--chats", "wrNOPE"], 1, "scrm: unknown group 'wrNOPE'"),
        (["codes", "list", "wwnosuchcorp0001"], 1, "scrm: no corp wwnosuchcorp0001"),
    ],
)
def test_bad_input_is_one_line(sandbox, synced, capsys, argv, exit_code, message):  # noqa: F811
    s0 = sandbox.corp(synced["cid"])["employees"][0]["userid"]
    argv = [synced["cid"] if a == "CORP" else s0 if a == "S0" else a for a in argv]
    got, out, err = run(capsys, *argv)
    assert got == exit_code, err
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err


def test_help_of_every_code_command(capsys):
    for args in (["codes", "--help"], ["codes", "create", "--help"], ["codes", "update", "--help"],
                 ["codes", "list", "--help"], ["codes", "show", "--help"], ["codes", "delete", "--help"],
                 ["codes", "stats", "--help"], ["codes", "welcome-default", "--help"], ["group-codes", "--help"],
                 ["group-codes", "create", "--help"], ["group-codes", "update", "--help"],
                 ["group-codes", "list", "--help"], ["group-codes", "show", "--help"],
                 ["group-codes", "delete", "--help"]):
        code, out, _ = run(capsys, *args)
        assert code == 0 and out.startswith("usage: scrm ") and len(out.splitlines()) > 4, args
