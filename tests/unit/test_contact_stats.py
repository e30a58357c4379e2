"""The statistics service with an in-memory repo: counting from events (idempotent, order-free, safe under
a concurrent writer) and the reports (by day / employee / corp, retention, drift, CSV, 400s)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from scrm.contact_stats.model import StatsQuery, customer_figures, report
from scrm.contact_stats.service import ContactStats, StatsBusy
from scrm.kernel.china_time import CHINA
from scrm.kernel.errors import DomainError
from scrm.kernel.events import parse_event

from tests.unit.contact_stats_fakes import FakeContactStats
from tests.unit.refusals import status

CORP = "wwstats"


def t(day: str, hh: int = 12, mm: int = 0) -> int:
    return int(datetime.fromisoformat(f"{day}T{hh:02d}:{mm:02d}:00").replace(tzinfo=CHINA).timestamp())


def contact(change: str, at: int, uid: str = "u1", ext: str = "wmA", **extra: str):
    return parse_event({"ToUserName": CORP, "FromUserName": "sys", "CreateTime": str(at), "MsgType": "event",
                        "Event": "change_external_contact", "ChangeType": change, "UserID": uid,
                        "ExternalUserID": ext, **extra})


def chat(detail: str, at: int, members: list[str], chat_id: str = "wrC1"):
    return parse_event({"ToUserName": CORP, "FromUserName": "sys", "CreateTime": str(at), "MsgType": "event",
                        "Event": "change_external_chat", "ChangeType": "update", "ChatId": chat_id,
                        "UpdateDetail": detail, "MemChangeCnt": str(len(members)), "MemChangeList": members})


NOW = t("2026-05-20", 9)


@pytest.fixture
def repo() -> FakeContactStats:
    return FakeContactStats()


@pytest.fixture
def stats(repo: FakeContactStats) -> ContactStats:
    owners = {"wrC1": "boss", "wrC2": "boss2"}
    return ContactStats(repo, lambda corp, chat_id: owners.get(chat_id), clock=lambda: NOW)


def test_an_add_and_a_loss_move_the_rows_and_a_duplicate_moves_nothing(stats, repo):
    assert stats.observe(contact("add_external_contact", t("2026-05-01")), "e1") == ["stats:add:adds+1"]
    assert stats.observe(contact("add_external_contact", t("2026-05-01")), "e1") == ["stats:duplicate"]
    # the same event resent with another id (its key differs, e.g. by a welcome code) is still one fact
    assert stats.observe(contact("add_external_contact", t("2026-05-01"), WelcomeCode="W2"), "e9") == [
        "stats:duplicate"]
    stats.observe(contact("del_follow_user", t("2026-05-03")), "e2")
    stats.observe(contact("del_external_contact", t("2026-05-04")), "e3")  # the one-way contact removed
    assert repo.row(CORP, "2026-05-01", "u1") == {"adds": 1, "lost_in_7": 1, "lost_in_30": 1}
    assert repo.row(CORP, "2026-05-03", "u1") == {"lost_by_customer": 1}
    assert repo.row(CORP, "2026-05-04", "u1") == {}


def test_a_loss_before_its_add_counts_the_loss_then_settles_the_cohort(stats, repo):
    stats.observe(contact("del_external_contact", t("2026-05-10")), "e2")
    assert repo.row(CORP, "2026-05-10", "u1") == {"lost_by_employee": 1}
    assert stats.observe(contact("add_external_contact", t("2026-05-08")), "e1") == [
        "stats:add:adds+1,lost_in_30+1,lost_in_7+1"]
    assert repo.row(CORP, "2026-05-08", "u1") == {"adds": 1, "lost_in_7": 1, "lost_in_30": 1}
    assert repo.row(CORP, "2026-05-10", "u1") == {"lost_by_employee": 1}


def test_a_full_add_after_a_half_add_counts_once_in_either_order(stats, repo):
    stats.observe(contact("add_external_contact", t("2026-05-01", 10, 1), ext="wmB"), "f")
    stats.observe(contact("add_half_external_contact", t("2026-05-01", 10, 0), ext="wmB"), "h")
    stats.observe(contact("add_half_external_contact", t("2026-05-01", 11), ext="wmC"), "h2")
    stats.observe(contact("add_external_contact", t("2026-05-01", 11, 2), ext="wmC"), "f2")
    assert repo.row(CORP, "2026-05-01", "u1") == {"adds": 2}


def test_a_transfer_is_not_a_loss_and_edits_are_ignored(stats, repo):
    stats.observe(contact("add_external_contact", t("2026-05-01")), "e1")
    assert stats.observe(contact("edit_external_contact", t("2026-05-02")), "e2") == []
    assert stats.observe(contact("del_external_contact", t("2026-05-03"), Source="DELETE_BY_TRANSFER"), "e3") == [
        "stats:end"]
    assert repo.row(CORP, "2026-05-03", "u1") == {}
    assert stats.observe(contact("transfer_fail", t("2026-05-04"), FailReason="customer_refused"), "e4") == []


def test_a_concurrent_writer_makes_the_observer_decide_again(stats, repo):
    """Between our read and our write another consumer stores the half add of the same relation: our
    transaction fails on the guard, we re-read, and the full add is then a continuation (not counted)."""
    half = contact("add_half_external_contact", t("2026-05-01", 10, 0))
    repo.interleave.append(lambda: ContactStats(repo, lambda *_: None).observe(half, "h"))
    assert stats.observe(contact("add_external_contact", t("2026-05-01", 10, 1)), "f") == ["stats:add"]
    assert repo.row(CORP, "2026-05-01", "u1") == {"adds": 1}


def test_a_relation_that_never_settles_fails_the_event_for_a_retry(repo):
    class Racing(FakeContactStats):
        def record_fact(self, *args, **kwargs):
            return False

    with pytest.raises(StatsBusy):
        ContactStats(Racing(), lambda *_: None, max_tries=3).observe(contact("del_follow_user", NOW), "e")


def test_group_joins_and_quits_count_on_the_owner_once(stats, repo):
    at = t("2026-05-02")
    assert stats.observe(chat("add_member", at, ["wmA", "wmB", "emp1"]), "g1") == ["stats:joins:3"]
    assert stats.observe(chat("add_member", at, ["wmA", "wmB", "emp1"]), "g1") == ["stats:duplicate"]
    stats.observe(chat("del_member", at + 60, ["wmA"]), "g2")
    assert repo.row(CORP, "2026-05-02", "boss", "group") == {"joins": 3, "customer_joins": 2, "quits": 1,
                                                             "customer_quits": 1}
    assert stats.observe(chat("add_member", at, ["wmZ"], chat_id="wrGone"), "g3") == ["stats:group_owner_unknown"]
    assert stats.observe(parse_event({"ToUserName": CORP, "Event": "change_external_chat", "ChangeType": "update",
                                      "ChatId": "wrC1", "UpdateDetail": "change_name", "CreateTime": str(at)}),
                         "g4") == []


def _seed(stats: ContactStats) -> None:
    # u1: 2 adds on 05-01 (one lost 05-03 by the customer), 1 add on 05-19; u2: 1 add on 05-10 lost by the
    # employee on 05-12.
    stats.observe(contact("add_external_contact", t("2026-05-01"), ext="wm1"), "a1")
    stats.observe(contact("add_external_contact", t("2026-05-01", 13), ext="wm2"), "a2")
    stats.observe(contact("del_follow_user", t("2026-05-03"), ext="wm1"), "l1")
    stats.observe(contact("add_external_contact", t("2026-05-19"), ext="wm3"), "a3")
    stats.observe(contact("add_external_contact", t("2026-05-10"), uid="u2", ext="wm4"), "a4")
    stats.observe(contact("del_external_contact", t("2026-05-12"), uid="u2", ext="wm4"), "l4")


def test_report_by_employee_with_retention_of_mature_cohorts_only(stats):
    _seed(stats)
    r = stats.customers(CORP, {"from": "2026-05-01", "to": "2026-05-20", "by": "employee"})
    assert r["from"] == "2026-05-01" and r["by"] == "employee"
    u1, u2 = r["items"]
    assert u1 == {"userid": "u1", "adds": 3, "lost_by_customer": 1, "lost_by_employee": 0, "lost_in_7": 1,
                  "lost_in_30": 1, "lost": 1, "net": 2,
                  # 7 days: the 05-01 cohort (2 adds, 1 lost in 7 days) only; 05-19 is too young.
                  "retention_7": 0.5, "retention_30": None,
                  "wecom_new_contact": None, "wecom_negative_feedback": None, "wecom_new_apply": None}
    assert u2["retention_7"] == 0.0 and u2["lost_by_employee"] == 1 and u2["net"] == 0
    assert r["totals"]["adds"] == 4 and r["totals"]["net"] == 2 and r["totals"]["retention_7"] == pytest.approx(1 / 3,
                                                                                                                 abs=1e-4)
    assert r["drift"] == []


def test_a_cohort_counts_for_retention_only_the_day_after_its_window_closes():
    """An add at 23:59 on 05-13 is watched until 05-20 23:59 (7 days) and 06-12 23:59 (30 days): on those
    last days the cohort is still open, so retention stays null until the next day."""
    rows = [{"day": "2026-05-13", "userid": "u1", "adds": 4, "lost_in_7": 1, "lost_in_30": 2}]
    assert customer_figures(rows, date(2026, 5, 20))["retention_7"] is None
    assert customer_figures(rows, date(2026, 5, 21))["retention_7"] == 0.75
    assert customer_figures(rows, date(2026, 6, 12))["retention_30"] is None
    assert customer_figures(rows, date(2026, 6, 13))["retention_30"] == 0.5


def test_report_by_day_lists_every_day_and_by_corp_one_item(stats):
    _seed(stats)
    r = stats.customers(CORP, {"from": "2026-05-01", "to": "2026-05-04"})
    assert [i["day"] for i in r["items"]] == ["2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04"]
    assert [i["adds"] for i in r["items"]] == [2, 0, 0, 0]
    assert [i["lost_by_customer"] for i in r["items"]] == [0, 0, 1, 0]
    corp = stats.customers(CORP, {"from": "2026-05-01", "to": "2026-05-31", "by": "corp"})
    assert corp["items"] == [{"from": "2026-05-01", "to": "2026-05-31", **corp["totals"]}]
    only = stats.customers(CORP, {"from": "2026-05-01", "to": "2026-05-31", "by": "employee", "userid": "u2,nobody"})
    assert [(i["userid"], i["adds"]) for i in only["items"]] == [("nobody", 0), ("u2", 1)]


def test_default_range_is_the_last_30_china_days(stats):
    r = stats.customers(CORP, {})
    assert (r["from"], r["to"]) == ("2026-04-21", "2026-05-20")


def test_csv_is_the_items_with_a_bom(stats):
    _seed(stats)
    text = stats.customers(CORP, {"from": "2026-05-01", "to": "2026-05-20", "by": "employee", "format": "csv"})
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [(r["userid"], r["adds"], r["retention_30"]) for r in rows] == [("u1", "3", ""), ("u2", "1", "")]


def test_csv_neutralises_a_userid_a_spreadsheet_would_run(stats):
    evil = '=HYPERLINK("http://x")'  # userids arrive in WeCom's events; the store keeps them as sent
    stats.observe(contact("add_external_contact", t("2026-05-01"), uid=evil, ext="wm9"), "e1")
    text = stats.customers(CORP, {"from": "2026-05-01", "to": "2026-05-20", "by": "employee", "format": "csv"})
    assert [r["userid"] for r in csv.DictReader(io.StringIO(text[1:]))] == ["'" + evil]


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-13-01"}, "from"), ({"to": "yesterday"}, "to"), ({"from": "2025-01-01", "to": "2026-05-01"}, "from"),
    ({"from": "2026-05-02", "to": "2026-05-01"}, "from"), ({"by": "owner"}, "by"), ({"format": "xml"}, "format"),
    ({"userid": ",".join(f"u{i}" for i in range(101))}, "userid"), ({"userid": "a#b"}, "userid"),
])
def test_bad_parameters_are_400s_naming_the_field(stats, params, field):
    with pytest.raises(DomainError) as exc:
        stats.customers(CORP, params)
    assert status(exc.value) == 400 and exc.value.field == field


def test_group_report_by_owner(stats):
    stats.observe(chat("add_member", t("2026-05-02"), ["wmA", "emp1"]), "g1")
    stats.observe(chat("del_member", t("2026-05-03"), ["wmA"], chat_id="wrC2"), "g2")
    r = stats.groups(CORP, {"from": "2026-05-01", "to": "2026-05-20", "by": "owner"})
    assert r["items"] == [
        {"userid": "boss", "joins": 2, "quits": 0, "customer_joins": 1, "customer_quits": 0, "net": 2,
         "employee_joins": 1, "employee_quits": 0, "wecom_new_member": None},
        {"userid": "boss2", "joins": 0, "quits": 1, "customer_joins": 0, "customer_quits": 1, "net": -1,
         "employee_joins": 0, "employee_quits": 0, "wecom_new_member": None},
    ]
    with pytest.raises(DomainError) as exc:
        stats.groups(CORP, {"by": "employee"})
    assert exc.value.field == "by"


def test_drift_lists_rows_where_wecom_differs():
    rows = [{"day": "2026-05-01", "userid": "u1", "adds": 2, "lost_by_customer": 1, "wecom_new_contact": 3,
             "wecom_negative_feedback": 1},
            {"day": "2026-05-01", "userid": "u2", "adds": 1}]
    q = StatsQuery("2026-05-01", "2026-05-01", "corp", (), "json")
    r = report(rows, q, datetime(2026, 5, 20).date())
    assert r["drift"] == [{"day": "2026-05-01", "userid": "u1", "field": "adds", "ours": 2, "wecom": 3}]
    assert r["totals"]["wecom_new_contact"] == 3 and r["totals"]["wecom_new_apply"] is None


def test_a_packed_month_item_unpacks_into_the_day_rows_asked_for():
    from scrm.contact_stats.repository import CUSTOMERS, packed_name, unpack

    assert packed_name("lost_in_7", "2026-05-05") == "lost_in_7_05"
    item = {"pk": {"S": f"{CORP}#cust#2026-05"}, "sk": {"S": "u1"}, "adds_05": {"N": "3"}, "lost_in_7_05": {"N": "1"},
            "lost_in_30_06": {"N": "0"}, "wecom_at_07": {"N": "99"}, "wecom_new_contact_07": {"N": "2"},
            "adds_31": {"N": "4"}}  # fmt: skip
    rows = unpack(item, CUSTOMERS, ["2026-05-05", "2026-05-06", "2026-05-07", "2026-05-08"])
    empty = dict.fromkeys(("adds", "lost_by_customer", "lost_by_employee", "lost_in_7", "lost_in_30",
                           "wecom_new_contact", "wecom_negative_feedback", "wecom_new_apply"))  # fmt: skip
    assert rows == [
        {"day": "2026-05-05", "userid": "u1", **empty, "adds": 3, "lost_in_7": 1},
        {"day": "2026-05-06", "userid": "u1", **empty, "lost_in_30": 0},  # a counter moved back to 0: still a row
        {"day": "2026-05-07", "userid": "u1", **empty, "wecom_new_contact": 2},
    ]  # the 8th holds nothing, the 31st was not asked for
