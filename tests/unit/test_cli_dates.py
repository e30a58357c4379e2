"""``scrm customers search`` dates and filters, and the table layout (no I/O)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import pytest
from scrm.cli.common import day, table, text_width
from scrm.cli.customers import parse_when, search_params
from scrm.cli.main import build_parser

MAY_1 = int(datetime(2024, 5, 1, tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    "text, end, expected",
    [
        ("1714521600", False, 1714521600),
        ("0", False, 0),
        ("2024-05-01", False, MAY_1),
        ("2024-05-01", True, MAY_1 + 86_399),  # --added-to includes the whole day
        (" 2024-05-01 ", False, MAY_1),
        ("2024-05-01T08:30", False, MAY_1 + 8 * 3600 + 30 * 60),
        ("2024-05-01T08:00:00+08:00", False, MAY_1),  # an offset is honoured
        ("2024-05-01 08:00:00+08:00", True, MAY_1),  # a time is a moment, even for --added-to
    ],
)
def test_parse_when(text, end, expected):
    assert parse_when(text, end) == expected


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "2024-02-30", "-5", "1.5", "", "05/01/2024"])
def test_parse_when_refuses_what_is_not_a_date(text):
    with pytest.raises(argparse.ArgumentTypeError, match="not a date"):
        parse_when(text)


def test_search_options_become_the_search_parameters():
    args = build_parser().parse_args([
        "customers", "search", "wwx", "--tags-all", "et1,et2", "--tags-none", "et3", "--employee", "u1",
        "--added-from", "2024-05-01", "--added-to", "2024-05-01", "--status", "all", "--limit", "7",
        "--cursor", "abc",
    ])  # fmt: skip
    assert search_params(args) == {
        "tags_all": "et1,et2", "tags_none": "et3", "employee": "u1", "added_from": str(MAY_1),
        "added_to": str(MAY_1 + 86_399), "status": "all", "limit": "7", "cursor": "abc",
    }  # fmt: skip
    bare = build_parser().parse_args(["customers", "search", "wwx"])
    assert search_params(bare) == {}


@pytest.mark.parametrize(
    "argv",
    [
        ["customers", "search", "wwx", "--added-from", "soon"],
        ["customers", "search", "wwx", "--limit", "0"],
        ["customers", "search", "wwx", "--status", "happy"],
        ["keys", "create", "wwx", "--role", "boss"],
        ["keys", "create", "wwx"],
        ["tags", "create", "wwx", "--group-name", "g", "--group-id", "et1", "t"],
        ["sync", "start", "wwx", "--timeout", "-1"],
    ],
)
def test_bad_command_lines_are_one_line_and_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("scrm ")


def test_the_table_aligns_wide_characters():
    out = table(("NAME", "TAGS"), [("张三", "金卡"), ("Bob", "")]).splitlines()
    assert text_width("张三") == 4
    assert [text_width(x.split("  ")[0].rstrip()) for x in out] == [4, 4, 3]
    assert out[1].index("金卡") == out[0].index("TAGS") - 2  # two wide characters before it take four columns
    assert out[2] == "Bob"


def test_day_is_a_utc_date():
    assert day(MAY_1 + 86_399) == "2024-05-01" and day(0) == "" and day(None) == ""
