"""``scrm`` as an admin uses it: corps, API keys, full sync, customer search and edits, the tag library;
errors in one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from scrm.adapters.dynamo import reads
from scrm.adapters.dynamo.api_keys import DynamoApiKeys
from scrm.cli.main import main
from scrm.corps.api_key import Role

from tests.conftest import new_corp
from tests.integration.cli_api import as_corp
from tests.integration.test_dead_letters import scrm_cli

pytestmark = pytest.mark.stack

CORP = {"corp_id": "wwclitest0001", "token": "Tok3n", "aes_key": "b" * 43, "secret": "s3cr3t-value-xyz",
        "agent_id": "1000002"}


def test_register_list_show_remove(stack):
    out = scrm_cli("corps", "register", "--from-json", "-", stdin=json.dumps(CORP))
    assert out.returncode == 0, out.stderr
    assert "registered corp wwclitest0001" in out.stdout
    assert CORP["secret"] not in out.stdout + out.stderr

    again = scrm_cli("corps", "register", "--from-json", "-", stdin=json.dumps(CORP))
    assert "updated corp" in again.stdout

    listed = scrm_cli("corps", "list", "--json")
    assert "wwclitest0001" in json.loads(listed.stdout)

    shown = scrm_cli("corps", "show", "wwclitest0001")
    assert json.loads(shown.stdout)["secret"] == "set"
    assert CORP["secret"] not in shown.stdout and CORP["token"] not in shown.stdout

    assert scrm_cli("corps", "remove", "wwclitest0001").returncode == 0
    gone = scrm_cli("corps", "show", "wwclitest0001")
    assert gone.returncode == 1 and gone.stderr.strip() == "scrm: no corp wwclitest0001"


@pytest.mark.parametrize(
    "doc, message",
    [
        ({**CORP, "aes_key": "short"}, "EncodingAESKey"),
        ({**CORP, "token": "has space"}, "token"),
        ({**CORP, "corp_id": "bad/id"}, "corp id"),
        ({**CORP, "secret": ""}, "secret"),
    ],
)
def test_bad_corp_input_is_one_clear_line(stack, doc, message):
    out = scrm_cli("corps", "register", "--from-json", "-", stdin=json.dumps(doc))
    assert out.returncode == 1
    assert len(out.stderr.strip().splitlines()) == 1 and message in out.stderr
    assert "Traceback" not in out.stderr


def test_not_json_and_bad_arguments(stack):
    out = scrm_cli("corps", "register", "--from-json", "-", stdin="{nope")
    assert out.returncode == 1 and "not JSON" in out.stderr and "Traceback" not in out.stderr
    usage = scrm_cli("dlq", "list", "--limit", "many")
    assert usage.returncode == 2 and len(usage.stderr.strip().splitlines()) == 1
    unknown = scrm_cli("dlq", "list", "--queue", "nosuch")
    assert unknown.returncode == 1 and "unknown queue nosuch" in unknown.stderr


def test_help_everywhere(stack):
    for args in (["--help"], ["corps", "--help"], ["corps", "register", "--help"], ["dlq", "redrive", "--help"],
                 ["customers", "show", "--help"]):
        out = scrm_cli(*args)
        assert out.returncode == 0 and "usage:" in out.stdout


# The commands over the admin services: keys, sync, search, edits, tags --------------------------------------
NO_CORP = "wwnosuchcorp0001"


def run(capsys, *args: str) -> tuple[int, str, str]:
    """``scrm`` in this process (the test process already points at the stack): exit code, stdout, stderr."""
    try:
        code = main(list(args))
    except SystemExit as stop:  # argparse: --help, or a bad command line
        code = int(stop.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def _relations(world: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(c["external_userid"], f["userid"], f) for c in world["customers"] for f in c["follow_users"]]


@pytest.fixture(scope="module")
def synced(stack, sandbox) -> Iterator[dict[str, Any]]:
    """A small sandbox corp synced by ``scrm sync start --wait`` in a subprocess (stderr is not a TTY);
    ``scrm`` holds an admin key of the corp (through the environment) for the module's tests."""
    corp = new_corp(stack, sandbox, seed={"employees": 3, "customers_per_employee": 8, "tags": 4, "tag_groups": 2})
    with as_corp(stack, corp["corp_id"]):
        out = scrm_cli("sync", "start", corp["corp_id"], "--wait", "--timeout", "60", "--interval", "0.2", "--json")
        yield {"corp": corp, "cid": corp["corp_id"], "sync": out}


def test_keys_create_list_revoke(capsys, synced):
    cid = synced["cid"]
    fresh = DynamoApiKeys(cache_ttl_s=0)  # the shared one caches for 30 s
    code, out, err = run(capsys, "keys", "create", cid, "--role", "viewer", "--name", "dashboards")
    assert code == 0, err
    key = out.splitlines()[1]
    assert out.startswith("created viewer key ") and "(dashboards)" in out
    assert "shown this once" in err and key not in err
    principal = fresh.authenticate(key)
    assert principal is not None and principal.corp_id == cid and principal.role is Role.VIEWER
    key_id = principal.key_id

    code, out, _ = run(capsys, "keys", "create", cid, "--role", "admin", "--json")
    admin_key = json.loads(out)
    assert code == 0 and admin_key["role"] == "admin" and fresh.authenticate(admin_key["key"]).can_write

    code, out, _ = run(capsys, "keys", "list", cid, "--json")
    listed = {k["key_id"]: k for k in json.loads(out)}
    assert listed[key_id] == {**listed[key_id], "role": "viewer", "name": "dashboards", "revoked": False}
    assert admin_key["key_id"] in listed and key not in out and admin_key["key"] not in out
    code, out, _ = run(capsys, "keys", "list", cid)
    assert out.splitlines()[0].split() == ["KEY_ID", "ROLE", "NAME", "CREATED", "STATE"] and key_id in out

    code, out, err = run(capsys, "keys", "revoke", cid, key_id)
    assert code == 0 and f"revoked key {key_id}" in out, err
    assert fresh.authenticate(key) is None
    assert fresh.authenticate(admin_key["key"]) is not None
    code, out, _ = run(capsys, "keys", "list", cid, "--json")
    assert {k["key_id"]: k["revoked"] for k in json.loads(out)}[key_id] is True

    # Another corp's key id is unknown here; so is a made-up one.
    code, _, err = run(capsys, "keys", "revoke", cid, "000000000000")
    assert code == 1 and err == f"scrm: no key 000000000000 in corp {cid}\n"


def test_sync_start_wait_ends_done_with_counts(sandbox, synced, capsys):
    out, cid = synced["sync"], synced["cid"]
    assert out.returncode == 0, out.stderr
    world = sandbox.corp(cid)
    result = json.loads(out.stdout)
    job = result["job"]
    assert result["created"] is True and job["state"] == "done" and job["percent"] == 100.0
    assert job["relations"] == len(_relations(world)) > 0
    assert job["employees"] == len(world["employees"])
    # Not a TTY: a line per 5 % step at most, the last one at 100 %; no carriage returns, no traceback.
    bar_lines = out.stderr.splitlines()
    assert bar_lines and "100.0%" in bar_lines[-1] and "done" in bar_lines[-1]
    assert "\r" not in out.stderr and "Traceback" not in out.stderr and len(bar_lines) <= 22

    code, text, _ = run(capsys, "sync", "status", cid)
    assert code == 0 and job["job_id"] in text and "done (100.0%)" in text
    assert f"relations:     {job['relations']}" in text
    code, text, _ = run(capsys, "sync", "status", cid, job["job_id"], "--json")
    assert json.loads(text)["relations"] == job["relations"]
    code, text, _ = run(capsys, "sync", "list", cid, "--json")
    assert job["job_id"] in [j["job_id"] for j in json.loads(text)]
    code, text, _ = run(capsys, "sync", "list", cid)
    assert text.splitlines()[0].startswith("JOB_ID") and job["job_id"] in text
    code, _, err = run(capsys, "sync", "status", cid, "0000000000000-nosuch00")
    assert code == 1 and err == f"scrm: no sync job 0000000000000-nosuch00 in corp {cid}\n"


def test_sync_start_text_reports_the_running_job(stack, sandbox, capsys):
    cid = new_corp(stack, sandbox)["corp_id"]
    with as_corp(stack, cid):
        _start_then_wait(capsys, cid)


def _start_then_wait(capsys, cid: str) -> None:
    code, out, err = run(capsys, "sync", "start", cid)
    assert code == 0, err
    job_id = out.split()[3]
    assert out.startswith(f"started sync job {job_id} of corp {cid}")
    code, out, err = run(capsys, "sync", "start", cid, "--wait", "--interval", "0.2", "--timeout", "60")
    # Either the same job, still running, or (if it already ended) a second one; either way it ends done.
    assert code == 0, err
    assert "state:         done (100.0%)" in out
    assert "100.0%" in err.splitlines()[-1]


def test_customers_search_by_tags_dates_and_pages(sandbox, synced, capsys):
    cid = synced["cid"]
    world = sandbox.corp(cid)
    relations = _relations(world)
    names = {t["id"]: t["name"] for g in world["tag_groups"] for t in g["tag"]}
    counts = {t: sum(t in f["tag_ids"] for _, _, f in relations) for t in names}
    t1, t2 = sorted(names, key=lambda t: -counts[t])[:2]
    assert counts[t1] > 0

    def found(*options: str) -> set[tuple[str, str]]:
        code, out, err = run(capsys, "customers", "search", cid, *options, "--all", "--json")
        assert code == 0, err
        return {(r["external_userid"], r["userid"]) for r in json.loads(out)["items"]}

    assert found("--tags-all", t1) == {(e, u) for e, u, f in relations if t1 in f["tag_ids"]}
    assert found("--tags-any", f"{t1},{t2}") == {(e, u) for e, u, f in relations if {t1, t2} & set(f["tag_ids"])}
    assert found("--tags-all", t1, "--tags-none", t2) == {
        (e, u) for e, u, f in relations if t1 in f["tag_ids"] and t2 not in f["tag_ids"]}
    # Dates are UTC days: --added-from is the day's first second, --added-to its last.
    mid = sorted(f["createtime"] for _, _, f in relations)[len(relations) // 2]
    d = datetime.fromtimestamp(mid, UTC).date()
    start = int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())
    assert found("--added-to", d.isoformat()) == {(e, u) for e, u, f in relations if f["createtime"] < start + 86_400}
    assert found("--added-from", d.isoformat()) == {(e, u) for e, u, f in relations if f["createtime"] >= start}
    assert found("--added-from", str(start)) == found("--added-from", d.isoformat())

    # The table: a header, a row per relation, tag names, and how to get the next page.
    code, out, _ = run(capsys, "customers", "search", cid, "--tags-all", t1, "--limit", "2")
    lines = out.splitlines()
    assert lines[0].split() == ["EXTERNAL_USERID", "USERID", "NAME", "REMARK", "ADDED", "STATUS", "TAGS"]
    assert names[t1] in lines[1] and "active" in lines[1]
    assert lines[3] == "2 relation(s)"
    cursor = lines[4].split("--cursor ")[1].split()[0] if counts[t1] > 2 else ""
    if cursor:
        code, out, _ = run(capsys, "customers", "search", cid, "--tags-all", t1, "--limit", "2", "--cursor", cursor,
                           "--json")
        first = {tuple(x.split()[:2]) for x in lines[1:3]}
        page = {(r["external_userid"], r["userid"]) for r in json.loads(out)["items"]}
        assert page and page.isdisjoint(first)
    code, out, _ = run(capsys, "customers", "search", cid, "--name-prefix", "no one is called this")
    assert code == 0 and out == "no customer relations match\n"


def test_customers_remark_and_tag_edit_wecom_then_the_store(sandbox, synced, capsys):
    cid = synced["cid"]
    world = sandbox.corp(cid)
    ext, uid, f = _relations(world)[0]
    code, out, err = run(capsys, "customers", "remark", cid, ext, "--userid", uid, "--remark", "老客户",
                         "--description", "来自CLI")
    assert code == 0, err
    assert "remark:      老客户" in out
    assert reads.follow(cid, ext, uid)["remark"] == "老客户"
    tag = next(t["id"] for g in world["tag_groups"] for t in g["tag"] if t["id"] not in f["tag_ids"])
    code, out, err = run(capsys, "customers", "tag", cid, ext, "--userid", uid, "--add", tag, "--json")
    assert code == 0, err
    assert tag in json.loads(out)["tag_ids"] and tag in reads.follow(cid, ext, uid)["tag_ids"]
    code, out, _ = run(capsys, "customers", "search", cid, "--tags-all", tag, "--all", "--json")
    assert (ext, uid) in {(r["external_userid"], r["userid"]) for r in json.loads(out)["items"]}
    code, out, _ = run(capsys, "customers", "tag", cid, ext, "--userid", uid, "--remove", tag)
    assert code == 0 and tag not in (reads.follow(cid, ext, uid).get("tag_ids") or [])
    code, _, err = run(capsys, "customers", "remark", cid, ext, "--userid", uid)
    assert code == 1 and err.startswith("scrm: nothing to change")


def test_tags_create_list_rename_delete(sandbox, synced, capsys):
    cid = synced["cid"]
    code, out, err = run(capsys, "tags", "create", cid, "--group-name", "会员等级", "金卡", "银卡", "--json")
    assert code == 0, err
    created = json.loads(out)
    group_id, (gold, silver) = created["group_id"], created["tag_ids"]
    code, out, _ = run(capsys, "tags", "list", cid, "--json")
    groups = {g["group_id"]: g for g in json.loads(out)}
    assert {t["name"] for t in groups[group_id]["tags"]} == {"金卡", "银卡"}
    code, out, _ = run(capsys, "tags", "list", cid)
    assert out.splitlines()[0].split() == ["ID", "NAME", "KIND"] and f"  {gold}" in out and "会员等级" in out

    code, out, _ = run(capsys, "tags", "create", cid, "--group-id", group_id, "铜卡")
    assert code == 0 and out.startswith(f"group {group_id}:") and "铜卡" in out
    bronze = out.splitlines()[-1].split()[0]
    code, _, err = run(capsys, "tags", "create", cid, "--group-id", group_id, "银卡")
    assert code == 1 and "exists" in err and len(err.splitlines()) == 1

    code, out, err = run(capsys, "tags", "rename", cid, gold, "白金卡")
    assert code == 0 and out == f"renamed {gold} to 白金卡\n", err
    assert "白金卡" in {t["name"] for g in sandbox.corp(cid)["tag_groups"] for t in g["tag"]}

    for tag in (gold, silver, bronze):
        code, out, err = run(capsys, "tags", "delete", cid, tag)
        assert code == 0 and out == f"deleted {tag}\n", err
    code, out, _ = run(capsys, "tags", "list", cid, "--json")
    assert group_id not in {g["group_id"] for g in json.loads(out)}  # WeCom dropped the emptied group
    assert group_id not in {g["group_id"] for g in sandbox.corp(cid)["tag_groups"]}
    code, _, err = run(capsys, "tags", "delete", cid, gold)
    assert code == 1 and err == f"scrm: no tag or group {gold}\n"


def test_employees_list(sandbox, synced, capsys):
    code, out, _ = run(capsys, "employees", "list", synced["cid"], "--json")
    assert code == 0
    assert {e["userid"] for e in json.loads(out)} == {e["userid"] for e in sandbox.corp(synced["cid"])["employees"]}


@pytest.mark.parametrize(
    "argv, code, message",
    [
        (["keys", "list", NO_CORP], 1, f"scrm: no corp {NO_CORP}"),
        (["keys", "create", NO_CORP, "--role", "admin"], 1, f"scrm: no corp {NO_CORP}"),
        (["sync", "start", NO_CORP, "--wait"], 1, f"scrm: no corp {NO_CORP}"),
        (["sync", "status", NO_CORP], 1, f"scrm: no corp {NO_CORP}"),
        (["customers", "search", NO_CORP], 1, f"scrm: no corp {NO_CORP}"),
        (["tags", "list", NO_CORP], 1, f"scrm: no corp {NO_CORP}"),
        (["employees", "list", "not a corp!"], 1, "scrm: no corp not a corp!"),
        (["keys", "create", "CORP", "--role", "owner"], 2, "argument --role: invalid choice: 'owner'"),
        (["customers", "search", "CORP", "--added-from", "2024-02-30"], 2, "argument --added-from: not a date"),
        (["customers", "search", "CORP", "--added-to", "tomorrow"], 2, "argument --added-to: not a date"),
        (["customers", "search", "CORP", "--added-from", "2024-05-02", "--added-to", "2024-05-01"], 1,
         "scrm: added_from: is after added_to"),
        (["customers", "search", "CORP", "--tags-all", "et1", "--tags-none", "et1"], 1, "scrm: tags_none:"),
        (["customers", "search", "CORP", "--limit", "500"], 1, "scrm: limit: must be 1..200"),
        (["customers", "search", "CORP", "--cursor", "not-a-cursor!"], 1, "scrm: cursor:"),
        # A real relation (EXT followed by FOLLOWER): the relation is checked before the tags (issue 16).
        (["customers", "tag", "CORP", "EXT", "--userid", "FOLLOWER", "--add", "etnotatag"], 1,
         "scrm: add: unknown tag etnotatag"),
        (["customers", "tag", "CORP", "wmnosuch", "--userid", "u1", "--add", "etnotatag"], 1,
         "scrm: u1 does not follow wmnosuch"),
        (["customers", "remark", "CORP", "wmnosuch", "--userid", "u1", "--remark", "x"], 1,
         "scrm: u1 does not follow wmnosuch"),
        (["tags", "create", "CORP", "--group-name", "g", "x" * 31], 1, "longer than 30"),
        (["tags", "rename", "CORP", "etnosuch", "x"], 1, "scrm: no tag or group etnosuch"),
        (["sync", "start", "CORP", "--timeout", "soon"], 2, "argument --timeout: not a number"),
    ],
)
def test_bad_input_is_one_line_and_no_traceback(capsys, sandbox, synced, argv, code, message):
    customer = sandbox.corp(synced["cid"])["customers"][0]
    names = {"CORP": synced["cid"], "EXT": customer["external_userid"],
             "FOLLOWER": customer["follow_users"][0]["userid"]}
    argv = [names.get(a, a) for a in argv]
    got, out, err = run(capsys, *argv)
    assert got == code, err
    assert len(err.strip().splitlines()) == 1 and message in err and out == ""
    assert err.startswith("scrm")


def test_bad_input_as_a_process(synced):
    for args, code in ((["keys", "list", NO_CORP], 1),
                       (["customers", "search", synced["cid"], "--added-from", "yesterday"], 2),
                       (["keys", "create", synced["cid"], "--role", "root"], 2)):
        out = scrm_cli(*args)
        assert out.returncode == code and len(out.stderr.strip().splitlines()) == 1
        assert "Traceback" not in out.stderr and out.stdout == ""


def test_help_of_every_new_command(capsys):
    for args in (["keys", "--help"], ["keys", "create", "--help"], ["keys", "list", "--help"],
                 ["keys", "revoke", "--help"], ["sync", "--help"], ["sync", "start", "--help"],
                 ["sync", "status", "--help"], ["sync", "list", "--help"], ["customers", "search", "--help"],
                 ["customers", "remark", "--help"], ["customers", "tag", "--help"], ["tags", "--help"],
                 ["tags", "list", "--help"], ["tags", "create", "--help"], ["tags", "rename", "--help"],
                 ["tags", "delete", "--help"], ["employees", "list", "--help"]):
        code, out, _ = run(capsys, *args)
        assert code == 0 and out.startswith("usage: scrm ") and len(out.splitlines()) > 4, args
