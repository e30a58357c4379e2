"""The statistics' roll-ups (issue 18 "Fast to open") on the real adapter over moto's in-process DynamoDB:
counted in the transaction of the member-day counters (a redelivered event and a replay move nothing), the
reports over every member read from them answer exactly what the member-day rows answer (random events over
three months, every range shape and grouping), and the backfill rebuilds them, again and again the same."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from scrm.contact_stats.relation_facts import ADD, END, LOSS, Fact
from scrm.contact_stats.rollup import names_to_read, segments, spans
from scrm.kernel.china_time import CHINA

moto = pytest.importorskip("moto")
COUNTERS = {"cust": ("adds", "lost_by_customer", "lost_by_employee", "lost_in_7", "lost_in_30"),
            "group": ("joins", "quits", "customer_joins", "customer_quits")}

CORP = "wwroll"
TODAY = date(2026, 12, 5)
NOW = datetime(2026, 12, 5, 10, tzinfo=CHINA).timestamp()


def _at(day: date, rng: random.Random) -> int:
    return int(datetime(day.year, day.month, day.day, rng.randint(0, 23), rng.randint(0, 59), tzinfo=CHINA).timestamp())


@pytest.fixture
def dynamo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from stats_table(monkeypatch)


def stats_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's in-process DynamoDB with the statistics table, every pynamodb connection dropped around it."""
    for k, v in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_REGION": "us-east-1",
                 "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    from devstack.moto_server import patch_dynamodb_models

    patch_dynamodb_models()  # the local stack's moto: the same answers without its whole-table copies
    with moto.mock_aws():
        import boto3
        from scrm import bootstrap
        from scrm.resources import table

        from devstack.resources import _table_spec

        # Every pynamodb connection (the models' and the transactions') may still point at a stack's moto
        # server from an earlier test: drop them all, before and after.
        bootstrap.reset()
        boto3.client("dynamodb", region_name="us-east-1").create_table(**_table_spec(table("contact_stats")))
        yield
        bootstrap.reset()


@pytest.fixture
def stats(dynamo: None) -> Any:
    return make_stats()


def make_stats() -> Any:
    from scrm.contact_stats.repository import DynamoContactStats
    from scrm.contact_stats.rollup_repository import DynamoStatsRollups
    from scrm.contact_stats.service import ContactStats

    return ContactStats(DynamoContactStats(), lambda *_: "boss", clock=lambda: NOW, rollups=DynamoStatsRollups())


def _plain(stats: Any) -> Any:
    """The same service without roll-ups: the member-day rows' answer."""
    from scrm.contact_stats.service import ContactStats

    return ContactStats(stats.repo, stats.group_owner, clock=stats.clock)


def _events(rng: random.Random, n: int) -> list[tuple[str, str, Fact]]:
    """Random facts of a few members' relations over Sep–Dec (adds, half adds, losses both ways, ends)."""
    out = []
    for _ in range(n):
        day = TODAY - timedelta(days=rng.randint(0, 95))
        kind = rng.choice([ADD, ADD, ADD, LOSS, LOSS, END])
        by = rng.choice(["customer", "employee"]) if kind == LOSS else ""
        fact = Fact(_at(day, rng), kind, by, half=kind == ADD and rng.random() < 0.2)
        out.append((f"wm{rng.randint(0, 40)}", f"emp{rng.randint(0, 5)}", fact))
    return out


def _count(stats: Any, events: list[tuple[str, str, Fact]], rng: random.Random) -> None:
    from scrm.contact_stats.relation_facts import day_of

    for i, (ext, uid, fact) in enumerate(events):
        for _ in range(2 if rng.random() < 0.2 else 1):  # redelivered
            stats.count_fact(CORP, ext, uid, fact)
        if i % 7 == 0:
            day = day_of(fact.at)
            counters = {"joins": 2, "customer_joins": 1} if i % 2 else {"quits": 1}
            for _ in range(2):  # the same member change twice: counted once
                stats.repo.record_group_change(CORP, "wrC", fact.at, f"ev{i}", uid, day, counters)


RANGES = [("2026-09-06", "2026-12-04"), ("2026-11-05", "2026-12-04"), ("2026-10-01", "2026-10-31"),
          ("2026-11-28", "2026-12-05"), ("2026-09-01", "2026-09-01"), ("2026-08-20", "2026-12-05"),
          ("2026-10-13", "2026-11-17")]  # fmt: skip


def _assert_same(stats: Any) -> None:
    plain = _plain(stats)
    for first, last in RANGES:
        for by in ("day", "employee", "corp"):
            params = {"from": first, "to": last, "by": by}
            assert stats.customers(CORP, params) == plain.customers(CORP, params), (first, last, by)
            params = {**params, "by": "owner" if by == "employee" else by}
            assert stats.groups(CORP, params) == plain.groups(CORP, params), (first, last, by)


def test_reports_from_rollups_equal_the_member_day_rows(stats):
    rng = random.Random(18)
    _count(stats, _events(rng, 160), rng)
    stats.repo.set_wecom(CORP, "cust", "2026-12-03", "emp1", {"wecom_new_contact": 99, "wecom_negative_feedback": 0,
                                                               "wecom_new_apply": 1}, 1)  # fmt: skip
    stats.repo.set_wecom(CORP, "cust", "2026-11-02", "emp9", {"wecom_new_contact": 0, "wecom_negative_feedback": 0,
                                                               "wecom_new_apply": 0}, 1)  # fmt: skip
    stats.repo.set_wecom(CORP, "group", "2026-12-01", "emp2", {"wecom_new_member": 3}, 1)
    _assert_same(stats)
    report = stats.customers(CORP, {"from": "2026-11-01", "to": "2026-12-04", "by": "employee"})
    assert any(d["userid"] == "emp1" and d["wecom"] == 99 for d in report["drift"])
    assert "emp9" in {i["userid"] for i in report["items"]}  # WeCom's reading alone makes a row
    for first, last in (("2026-09-01", "2026-12-05"), ("2026-09-20", "2026-10-05"), ("2026-12-03", "2026-12-03")):
        every = stats.repo.rows(CORP, "cust", first, last)  # the month partitions, whole items
        some = stats.repo.rows(CORP, "cust", first, last, ["emp1", "emp9", "emp3"])  # by key, projected on the days
        assert some == [r for r in every if r["userid"] in ("emp1", "emp9", "emp3")] and some, (first, last)


def test_a_redelivered_event_and_a_replay_move_no_rollup(stats):
    rng = random.Random(5)
    events = _events(rng, 60)
    _count(stats, events, rng)
    first = stats.customers(CORP, {"from": "2026-09-01", "to": "2026-12-05", "by": "employee"})
    days = stats.rollups.day_totals(CORP, "cust", "2026-09-01", "2026-12-05")
    shuffled = events[:]
    rng.shuffle(shuffled)
    _count(stats, shuffled, rng)  # the whole stream again, in another order
    assert stats.rollups.day_totals(CORP, "cust", "2026-09-01", "2026-12-05") == days
    assert stats.customers(CORP, {"from": "2026-09-01", "to": "2026-12-05", "by": "employee"}) == first
    assert first["totals"]["adds"] > 0
    _assert_same(stats)


def test_the_backfill_builds_the_rollups_of_seeded_rows_and_is_idempotent(stats):
    from scrm.contact_stats.repository import CUSTOMERS

    rng = random.Random(3)
    rows = [{"day": f"2026-{m:02d}-{d:02d}", "userid": f"emp{u}", "adds": rng.randint(0, 4),
             "lost_by_customer": rng.randint(0, 1), "lost_by_employee": 0, "lost_in_7": 0,
             "lost_in_30": rng.randint(0, 1), "wecom_new_contact": rng.choice([None, 2])}
            for m in (10, 11) for d in range(1, 31) for u in range(4) if rng.random() < 0.6]  # fmt: skip
    stats.repo.put_rows(CORP, CUSTOMERS, rows)
    assert stats.rollups.day_totals(CORP, CUSTOMERS, "2026-10-01", "2026-11-30") == ([], [])  # not yet
    for _ in range(2):
        done = stats.rollups.rebuild(CORP, CUSTOMERS, ["2026-10", "2026-11"])
        assert done["members"] == 8
        day_rows, readings = stats.rollups.day_totals(CORP, CUSTOMERS, "2026-10-01", "2026-11-30")
        assert sum(r["adds"] for r in day_rows) == sum(r["adds"] for r in rows)
        assert len(readings) == sum(1 for r in rows if r["wecom_new_contact"] is not None)
        _assert_same(stats)


def test_a_counted_month_rebuilt_stays_the_same(stats):
    rng = random.Random(11)
    _count(stats, _events(rng, 80), rng)
    before = stats.rollups.day_totals(CORP, "cust", "2026-08-01", "2026-12-31")
    wanted = names_to_read(spans("2026-09-06", "2026-12-04", TODAY, COUNTERS["cust"]))
    counted = stats.rollups.running(CORP, "cust", wanted)
    assert counted
    stats.rollups.rebuild(CORP, "cust", ["2026-08", "2026-09", "2026-10", "2026-11", "2026-12"])
    assert stats.rollups.day_totals(CORP, "cust", "2026-08-01", "2026-12-31") == before
    rebuilt = stats.rollups.running(CORP, "cust", wanted)
    # the same sums (the rebuild counts a member's days with a row once; counting, each time one moved)
    assert {k: {n: v for n, v in sums.items() if not n.startswith("n_")} for k, sums in rebuilt.items()} == {
        k: {n: v for n, v in sums.items() if not n.startswith("n_")} for k, sums in counted.items()}
    assert {k: {n for n, v in sums.items() if n.startswith("n_") and v > 0} for k, sums in rebuilt.items()} == {
        k: {n for n, v in sums.items() if n.startswith("n_") and v > 0} for k, sums in counted.items()}


def test_ranges_are_cut_where_cohorts_mature_and_each_counter_read_where_its_own_maturity_changes():
    assert segments("2026-09-06", "2026-12-04", TODAY) == [
        ("2026-09-06", "2026-11-04"), ("2026-11-05", "2026-11-27"), ("2026-11-28", "2026-12-04")]
    wanted = names_to_read(spans("2026-09-06", "2026-12-04", TODAY, COUNTERS["cust"]))
    # September's 5th and 30th, October's 31st, November's 30th and December's 4th of every sum; November's
    # 4th (where 30-day cohorts mature) of adds and lost_in_30, its 27th (7-day cohorts) of adds and lost_in_7
    assert wanted == {
        "2026-09": sorted(f"{c}_{d}" for c in ("a", "lc", "le", "l7", "l30", "n") for d in ("05", "30")),
        "2026-10": sorted(f"{c}_31" for c in ("a", "lc", "le", "l7", "l30", "n")),
        "2026-11": sorted(["a_04", "l30_04", "a_27", "l7_27", *(f"{c}_30" for c in ("a", "lc", "le", "l7", "l30", "n"))]),
        "2026-12": sorted(f"{c}_04" for c in ("a", "lc", "le", "l7", "l30", "n")),
    }
    assert sum(len(n) for n in wanted.values()) == 34  # numbers per member, against 9 figures it answers
    groups = names_to_read(spans("2026-09-06", "2026-12-04", TODAY, COUNTERS["group"]))
    assert groups["2026-11"] == ["cj_30", "cq_30", "j_30", "n_30", "q_30"]  # no cohorts: the range's ends only
    assert datetime.fromtimestamp(NOW, UTC).astimezone(CHINA).date() == TODAY


def test_the_fake_rollups_answer_as_the_rows_too():
    from scrm.contact_stats.service import ContactStats

    from tests.unit.contact_stats_fakes import FakeContactStats, FakeStatsRollups

    repo = FakeContactStats()
    stats = ContactStats(repo, lambda *_: "boss", clock=lambda: NOW, rollups=FakeStatsRollups(repo))
    rng = random.Random(2)
    _count(stats, _events(rng, 120), rng)
    repo.set_wecom(CORP, "cust", "2026-12-02", "emp3", {"wecom_new_contact": 7}, 1)
    _assert_same(stats)


def test_running_moves_add_up_to_the_running_sums_of_the_days():
    """What the transactions add to a member's month item (each move to its day and every later one) is
    what the backfill computes from the day rows: the same sums on every day, whatever the order."""
    from scrm.contact_stats.rollup import running_moves, running_sums

    rng = random.Random(7)
    counters = COUNTERS["cust"]
    item: dict[str, int] = {}
    days: dict[str, dict[str, int | None]] = {}
    for _ in range(200):
        moves = {f"2026-11-{rng.randint(1, 30):02d}": {rng.choice(counters): rng.choice([-1, 1, 2])}
                 for _ in range(rng.randint(1, 2))}  # fmt: skip
        for name, n in running_moves("2026-11", moves).items():
            item[name] = item.get(name, 0) + n
        for day, moved in moves.items():
            row = days.setdefault(day, dict.fromkeys(counters))
            for c, n in moved.items():
                row[c] = (row[c] or 0) + n
    rebuilt = running_sums(days, counters)
    for c in ("a", "lc", "le", "l7", "l30"):
        for dd in range(1, 31):
            assert item.get(f"{c}_{dd:02d}", 0) == rebuilt.get(f"{c}_{dd:02d}", 0), (c, dd)
    first = min(int(d[8:10]) for d in days)
    for dd in range(1, 31):  # the presence counts differ (moves vs days) but are > 0 from the same day on
        assert (item.get(f"n_{dd:02d}", 0) > 0) == (rebuilt.get(f"n_{dd:02d}", 0) > 0) == (dd >= first)
    # the most one update of a member's month item can hold: every counter and the presence, every day
    assert len(running_moves("2026-10", {"2026-10-01": dict.fromkeys(counters, 1)})) == 6 * 31


def test_a_report_by_employee_reads_one_query_a_month_and_the_corp_days(stats):
    """Without seals (test_stats_seals): the members' running sums of each month the range touches (one
    projected Query each), the corp's days (WeCom's readings) and the one BatchGetItem that found no seal;
    no per-member read."""
    from devstack import aws_calls

    rng = random.Random(4)
    _count(stats, _events(rng, 40), rng)
    aws_calls.install()
    before = aws_calls.snapshot()
    stats.customers(CORP, {"from": "2026-09-06", "to": "2026-12-04", "by": "employee"})
    calls = aws_calls.delta(before, aws_calls.snapshot())
    assert calls == {"dynamodb:Query:scrm-contact-stats": 4 + 1, "dynamodb:BatchGetItem:": 1}


def test_the_backfill_deletes_the_first_layouts_member_rollups(stats):
    import boto3
    from scrm.contact_stats.repository import S, legacy_rollup_pks

    ddb = boto3.client("dynamodb", region_name="us-east-1")
    for pk in legacy_rollup_pks(CORP, "cust", "2026-11"):
        for sk in ("0", "1", "03#2"):
            ddb.put_item(TableName=S.Meta.table_name, Item={"pk": {"S": pk}, "sk": {"S": sk}, "adds@emp1": {"N": "1"}})
    stats.rollups.rebuild(CORP, "cust", ["2026-11"])
    for pk in legacy_rollup_pks(CORP, "cust", "2026-11"):
        got = ddb.query(TableName=S.Meta.table_name, KeyConditionExpression="pk = :p",
                        ExpressionAttributeValues={":p": {"S": pk}})["Items"]  # fmt: skip
        assert got == []
