"""``scrm`` as an admin uses it: register, list, show and remove corps; errors in one line."""

from __future__ import annotations

import json

import pytest

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
