"""Sealed months (contact_stats/seal.py) on the real adapter over moto's in-process DynamoDB: a report by
employee from seals answers exactly what the member-day rows answer, also after counts land in a sealed month
(from that day on the month is read live) and after a backfill; what a seal is made of round-trips whatever
its number of parts; a part of another build is never mixed in."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.test_stats_rollups import CORP, TODAY, _assert_same, _count, _events, make_stats, stats_table


@pytest.fixture
def dynamo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from stats_table(monkeypatch)


@pytest.fixture
def stats(dynamo: None) -> Any:
    return make_stats()


SPAN = {"from": "2026-09-06", "to": "2026-12-04", "by": "employee"}


def _read_wecom(stats, day: str, userid: str, new_contact: int) -> None:
    stats.repo.set_wecom(CORP, "cust", day, userid, {"wecom_new_contact": new_contact, "wecom_negative_feedback": 0,
                                                     "wecom_new_apply": 1}, 1)  # fmt: skip


def _seal_all(stats) -> dict[str, dict]:
    return {kind: stats.rollups.seals.refresh(CORP, kind, TODAY) for kind in ("cust", "group")}


def _calls(stats, params=SPAN) -> dict[str, int]:
    from devstack import aws_calls

    aws_calls.install()
    before = aws_calls.snapshot()
    stats.customers(CORP, params)
    return aws_calls.delta(before, aws_calls.snapshot())


def test_reports_from_sealed_months_equal_the_member_day_rows_before_and_after_late_counts(stats):
    rng = random.Random(21)
    _count(stats, _events(rng, 150), rng)
    _read_wecom(stats, "2026-12-03", "emp1", 99)
    _read_wecom(stats, "2026-11-02", "emp9", 0)  # WeCom's reading alone makes a row
    stats.repo.set_wecom(CORP, "group", "2026-12-01", "emp2", {"wecom_new_member": 3}, 1)
    done = _seal_all(stats)
    assert done["cust"]["sealed"] == ["2026-09", "2026-10", "2026-11", "2026-12"] and not done["cust"]["busy"]
    assert _seal_all(stats)["cust"] == {"months": 4, "fresh": 4, "sealed": [], "busy": []}  # nothing moved since
    _assert_same(stats)
    # Two calls: the corp's days (readings and stamps) and the seals, with WeCom's rows in them; no month
    # read live, no member-day row read.
    assert _calls(stats) == {"dynamodb:Query:scrm-contact-stats": 1, "dynamodb:BatchGetItem:": 1}
    report = stats.customers(CORP, SPAN)
    assert any(d["userid"] == "emp1" and d["wecom"] == 99 for d in report["drift"])
    assert "emp9" in {i["userid"] for i in report["items"]}
    # By day or corp: the corp's days, then the seals of the months WeCom read (its rows), nothing else.
    for by in ("day", "corp"):
        assert _calls(stats, {**SPAN, "by": by}) == {"dynamodb:Query:scrm-contact-stats": 1, "dynamodb:BatchGetItem:": 1}
    assert _calls(stats, {"from": "2026-09-06", "to": "2026-10-30", "by": "day"}) == {"dynamodb:Query:scrm-contact-stats": 1}

    # WeCom's figures stored after the seal (the night's reconcile before the 03:20 seal): read live.
    _read_wecom(stats, "2026-12-02", "emp4", 55)
    assert _calls(stats)["dynamodb:Query:scrm-contact-stats"] == 2  # December
    assert _calls(stats, {**SPAN, "by": "day"})["dynamodb:BatchGetItem:"] == 2  # the seals, emp4's row
    assert any(d["userid"] == "emp4" and d["wecom"] == 55 for d in stats.customers(CORP, SPAN)["drift"])
    _assert_same(stats)

    # Counts land today and late, in sealed months: the answers stay the rows' answers.
    _count(stats, _events(random.Random(22), 60), rng)
    _assert_same(stats)
    late = _calls(stats)
    # the seals, and the member-day rows of readings on days that moved since (one BatchGetItem)
    assert late["dynamodb:BatchGetItem:"] == 2 and 1 < late["dynamodb:Query:scrm-contact-stats"] <= 5
    assert _seal_all(stats)["cust"]["sealed"]  # the moved months sealed again
    _assert_same(stats)
    assert _calls(stats) == {"dynamodb:Query:scrm-contact-stats": 1, "dynamodb:BatchGetItem:": 1}


def test_a_count_today_leaves_yesterdays_sums_sealed(stats):
    from scrm.contact_stats.relation_facts import ADD, Fact

    rng = random.Random(23)
    _count(stats, _events(rng, 50), rng)
    _seal_all(stats)
    before = stats.customers(CORP, SPAN)
    stats.count_fact(CORP, "wmtoday", "emp1", Fact(int(stats.clock()), ADD))  # 2026-12-05, after the range
    assert _calls(stats) == {"dynamodb:Query:scrm-contact-stats": 1, "dynamodb:BatchGetItem:": 1}
    assert stats.customers(CORP, SPAN) == before
    # A range up to today reads December live (its 5th moved since the seal), the other months sealed.
    assert _calls(stats, {**SPAN, "to": "2026-12-05"}) == {"dynamodb:Query:scrm-contact-stats": 2, "dynamodb:BatchGetItem:": 1}
    _assert_same(stats)


def test_a_backfill_unseals_the_months_it_rebuilds(stats):
    rng = random.Random(24)
    _count(stats, _events(rng, 80), rng)
    _seal_all(stats)
    stats.rollups.rebuild(CORP, "cust", ["2026-10", "2026-11"])
    assert _calls(stats)["dynamodb:Query:scrm-contact-stats"] == 1 + 2  # October and November read live
    _assert_same(stats)
    assert _seal_all(stats)["cust"]["sealed"] == ["2026-10", "2026-11"]


def test_a_seal_with_a_part_of_another_build_is_not_used(stats, monkeypatch):
    import boto3
    from scrm.contact_stats import seal
    from scrm.contact_stats.repository import S, seal_pk

    rng = random.Random(25)
    _count(stats, _events(rng, 120), rng)
    monkeypatch.setattr(seal, "MAX_PART_BYTES", 120)  # every month in several parts
    _seal_all(stats)
    seals = stats.rollups.seals.read(CORP, "cust", ["2026-11"])
    assert len(seals["2026-11"].blobs) > 1
    _assert_same(stats)
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.update_item(TableName=S.Meta.table_name, Key={"pk": {"S": seal_pk(CORP, "cust")}, "sk": {"S": "2026-11#1"}},
                    UpdateExpression="SET #b = :b", ExpressionAttributeNames={"#b": "build"},
                    ExpressionAttributeValues={":b": {"S": "another"}})  # fmt: skip
    assert "2026-11" not in stats.rollups.seals.read(CORP, "cust", ["2026-11"])
    _assert_same(stats)


def test_pack_and_unpack_round_trip_in_any_number_of_parts(monkeypatch):
    from scrm.contact_stats import seal
    from scrm.contact_stats.rollup import running_moves

    rng = random.Random(26)
    members: dict[str, dict[str, int]] = {}
    for u in range(40):
        item: dict[str, int] = {}
        for _ in range(rng.randint(1, 12)):
            moves = {f"2026-11-{rng.randint(1, 30):02d}": {rng.choice(("adds", "lost_in_7")): rng.choice((-1, 1, 3))}}
            for name, n in running_moves("2026-11", moves).items():
                item[name] = item.get(name, 0) + n
        members[f"emp{u}"] = item
    names = [f"{c}_{dd:02d}" for c in ("a", "l7", "n", "lc") for dd in range(1, 31)]
    want = {u: {n: v for n, v in item.items() if n in names and v} for u, item in members.items()}
    counters = ("adds", "lost_by_customer", "lost_by_employee", "lost_in_7", "lost_in_30")
    fields = (*counters, "wecom_new_contact")
    read = [{"day": f"2026-11-{d:02d}", "userid": f"emp{u}", **dict.fromkeys(counters, 0), "adds": d,
             "wecom_new_contact": None if u == 3 else u} for u in (1, 3, 77) for d in (2, 30)]  # fmt: skip
    key = lambda r: (r["day"], r["userid"])  # noqa: E731
    one = seal.pack("2026-11", counters, members, read, fields)
    sums, rows = seal.unpack("2026-11", one, names)
    assert len(one) == 1 and sums == want and sorted(rows, key=key) == sorted(read, key=key)
    monkeypatch.setattr(seal, "MAX_PART_BYTES", 400)
    many = seal.pack("2026-11", counters, members, read, fields)
    sums, rows = seal.unpack("2026-11", many, names)
    assert len(many) > 2 and all(len(b) <= 400 for b in many)
    assert sums == want and sorted(rows, key=key) == sorted(read, key=key)  # emp77: WeCom's row alone
    assert seal.unpack("2026-11", seal.pack("2026-11", counters, {}), names) == ({}, [])


def test_a_seal_answers_below_the_first_day_whose_stamp_moved():
    from scrm.contact_stats.seal import stamps, valid_below

    sealed = stamps([("2026-11-03", 2), ("2026-11-03", None), ("2026-11-20", 0)])
    assert sealed == {"2026-11-03": 4, "2026-11-20": 1}
    assert valid_below("2026-11", sealed, dict(sealed)) == 31
    assert valid_below("2026-11", sealed, {**sealed, "2026-11-20": 2}) == 20
    assert valid_below("2026-11", sealed, {**sealed, "2026-11-01": 1}) == 1
    assert valid_below("2026-11", {}, {"2026-11-07": 1}) == 7  # no seal: nothing counted before the 7th


def test_the_backfill_command_seals_what_it_rebuilt(stats, capsys):
    from datetime import datetime

    from scrm.cli.main import main
    from scrm.kernel.china_time import CHINA

    rng = random.Random(27)
    _count(stats, _events(rng, 40), rng)
    assert main(["stats", "rollups", CORP, "--from", "2026-09", "--to", "2026-12"]) == 0
    out = capsys.readouterr().out
    assert "cust: 4 months," in out and "group: 4 months," in out
    if datetime.now(CHINA).date() < TODAY.replace(year=2027, month=8):  # the months are within the last 13
        assert "cust: 4 months sealed, 0 already sealed" in out, out
        assert _calls(stats) == {"dynamodb:Query:scrm-contact-stats": 1, "dynamodb:BatchGetItem:": 1}
    _assert_same(stats)
