"""The mass send's pure domain (spec, senders, planning into the fewest calls) and the quota ledger."""

from __future__ import annotations

import math

import pytest
from scrm.kernel.errors import InvalidInput
from scrm.mass_sends import model as M
from scrm.mass_sends import spec as D
from scrm.mass_sends.ledger import QuotaLedger

from tests.unit.mass_send_fakes import CORP, FakeMassSendRepo, relation, send_of


def parse_mass_send(body: dict) -> D.MassSendSpec:
    """An admin's body through the API's model, then the domain's rules."""
    return send_of(body)[0]


def test_spec_parses_and_round_trips():
    spec = parse_mass_send(
        {
            "name": "双十一",
            "text": "活动开始",
            "recipients": {
                "filter": {
                    "tags_all": ["t1"],
                    "tags_none": ["t2"],
                    "employees": ["zhang"],
                    "added_from": 10,
                    "added_to": 20,
                }
            },
        }
    )
    assert spec.filter is not None and spec.filter.tags_all == ("t1",) and spec.filter.employees == ("zhang",)
    assert D.spec_from_dict(spec.as_dict()) == spec
    listed = parse_mass_send(
        {"name": "n", "text": "t", "recipients": {"external_userids": ["a", "b", "a"]}}
    )
    assert listed.external_userids == ("a", "b")
    assert listed.fingerprint() != spec.fingerprint()


@pytest.mark.parametrize(("body", "field"), [
    ({"text": "t", "recipients": {"external_userids": ["a"]}}, "name"),
    ({"name": "n", "text": "hi {name}", "recipients": {"external_userids": ["a"]}}, "text"),
    ({"name": "n", "recipients": {"external_userids": ["a"]}}, "content"),
    ({"name": "n", "text": "t", "recipients": {}}, "recipients"),
    ({"name": "n", "text": "t", "recipients": {"external_userids": []}}, "recipients.external_userids"),
    ({"name": "n", "text": "t", "recipients": {"external_userids": ["a", 3]}}, "recipients.external_userids[1]"),
    ({"name": "n", "text": "t", "recipients": {"filter": {"tags_all": ["x"], "tags_none": ["x"]}}},
     "recipients.filter.tags_none"),
    ({"name": "n", "text": "t", "recipients": {"filter": {"added_from": 5, "added_to": 4}}}, "recipients.filter.added_from"),
    ({"name": "n", "text": "t", "recipients": {"filter": {"color": "red"}}}, "recipients.filter.color"),
    ({"name": "n", "text": "t", "attachments": [{"msgtype": "link", "link": {"title": "x"}}],
      "recipients": {"external_userids": ["a"]}}, "content.attachments[0].link.url"),
    ({"name": "n", "text": "t", "recipients": {"external_userids": None}}, "recipients"),
    ({"name": "n", "text": "t", "recipients": {"filter": {}, "chat_ids": ["c"]}}, "recipients"),
    ({"name": "n", "text": "t", "recipients": {"planned": {"sop": "s"}}}, "recipients.planned"),
    ({"name": "n", "text": "t", "chat_type": "group", "recipients": {"chat_ids": ["c"]}}, "chat_type"),
    ({"name": "n", "text": "t", "recipients": {"external_userids": [f"e{i}" for i in range(100_001)]}},
     "recipients.external_userids"),
])  # fmt: skip
def test_bad_specs_name_the_field(body, field):
    with pytest.raises(InvalidInput) as err:
        parse_mass_send(body)
    assert err.value.field == field


@pytest.mark.parametrize("name", ["", " ", "\u3000\t"])
def test_a_blank_name_is_refused(name):
    with pytest.raises(InvalidInput) as err:
        parse_mass_send({"name": name, "text": "t", "recipients": {"external_userids": ["a"]}})
    assert err.value.field == "name"


def test_filter_add_times_are_non_negative_unix_seconds():
    def parse(**f: int) -> D.MassSendSpec:
        return parse_mass_send({"name": "n", "text": "t", "recipients": {"filter": f}})

    spec = parse(added_from=0, added_to=0)
    assert spec.filter is not None and (spec.filter.added_from, spec.filter.added_to) == (0, 0)
    for name, f in [("added_from", {"added_from": -1}), ("added_to", {"added_to": -1}),
                    ("added_from", {"added_from": -5, "added_to": 4})]:  # fmt: skip
        with pytest.raises(InvalidInput) as err:
            parse(**f)
        assert err.value.field == f"recipients.filter.{name}"


def test_filter_matches_and_drives_queries():
    f = D.RecipientFilter(tags_any=("a", "b"), tags_none=("c",), states=("s1",), added_from=100)
    assert f.matches(relation("x", "u", 150, ["a"], state="s1"))
    assert not f.matches(relation("x", "u", 150, ["a", "c"], state="s1"))
    assert not f.matches(relation("x", "u", 50, ["a"], state="s1"))
    assert not f.matches(relation("x", "u", 150, ["a"], state="s1", status="deleted_by_customer"))
    assert len(f.queries()) == 1 and f.queries()[0]["tags_any"] == ("a", "b")
    by_employee = D.RecipientFilter(employees=("u1", "u2"))
    assert [q["employee"] for q in by_employee.queries()] == ["u1", "u2"]


def test_one_sender_per_customer_the_latest_added_active_relation():
    rows = [relation("c1", "old", 10), relation("c1", "new", 20), relation("c1", "gone", 30, status="deleted_by_customer"),
            relation("c2", "b", 5), relation("c2", "a", 5)]  # fmt: skip
    assert M.choose_senders(rows) == {"c1": "new", "c2": "a"}


@pytest.mark.parametrize(
    ("per_sender", "size"), [(25_000, 10_000), (10_000, 10_000), (10_001, 10_000), (7, 3)]
)
def test_planning_uses_the_fewest_calls(per_sender, size):
    rows = [relation(f"{s}-{i:06d}", s) for s in ("u1", "u2") for i in range(per_sender)]
    plan = M.plan(M.choose_senders(rows), (), M.counted({}, 31), size=size)
    assert len(plan.parts) == 2 * math.ceil(per_sender / size)
    assert all(len(p.external_userids) <= size for p in plan.parts)
    got = [(p.sender, e) for p in plan.parts for e in p.external_userids]
    assert sorted(got) == sorted((r["userid"], r["external_userid"]) for r in rows)


def test_planning_skips_with_reasons():
    rows = [relation("c1", "u1"), relation("c2", "u1"), relation("c3", "u2", status="deleted_by_employee")]
    plan = M.plan(M.choose_senders(rows), ["c1", "c2", "c3", "c4"], M.counted({"c2": 1}, 1))
    assert plan.skipped == {M.NO_ACTIVE_RELATION: ["c3", "c4"], M.OVER_QUOTA: ["c2"]}
    assert [(p.sender, p.external_userids) for p in plan.parts] == [("u1", ("c1",))]


# the quota ledger -------------------------------------------------------------------------------
def test_reserve_admits_until_the_limit_and_a_retry_answers_the_same():
    repo = FakeMassSendRepo()
    ledger = QuotaLedger(repo, buckets=8)
    ids = [f"c{i}" for i in range(50)]
    touched = len({M.bucket_of(e, 8) for e in ids})
    first = ledger.reserve(CORP, "2027-01", "r:s1", ids, limit=1)
    assert sorted(first[0]) == sorted(ids) and first[1] == []
    assert repo.bucket_writes == touched  # one write per bucket, not per customer
    again = ledger.reserve(CORP, "2027-01", "r:s1", ids, limit=1)  # the same step, retried
    assert sorted(again[0]) == sorted(ids) and again[1] == []
    assert repo.bucket_writes == touched  # a repeat writes nothing
    assert set(ledger.counts(CORP, "2027-01", ids).values()) == {1}
    second = ledger.reserve(CORP, "2027-01", "r:s2", ids, limit=1)
    assert second[0] == [] and sorted(second[1]) == sorted(ids)
    assert set(ledger.counts(CORP, "2027-01", ids).values()) == {1}


def test_reserve_is_exact_when_another_send_writes_first():
    """Two sends race for customers with one slot left: each customer goes to exactly one of them."""
    repo = FakeMassSendRepo()
    ledger = QuotaLedger(repo, buckets=4)
    ids = [f"c{i}" for i in range(20)]
    other: dict[str, tuple[list[str], list[str]]] = {}
    repo.interfere.append(lambda: other.update(r=ledger.reserve(CORP, "p", "r:other", ids, limit=1)))
    mine = ledger.reserve(CORP, "p", "r:mine", ids, limit=1)
    assert sorted(mine[0] + other["r"][0]) == sorted(ids)
    assert not set(mine[0]) & set(other["r"][0])
    assert set(ledger.counts(CORP, "p", ids).values()) == {1}


def test_release_gives_back_once_per_key():
    repo = FakeMassSendRepo()
    ledger = QuotaLedger(repo, buckets=4)
    ledger.reserve(CORP, "p", "r:a", ["c1", "c2"], limit=2)
    ledger.reserve(CORP, "p", "r:b", ["c1"], limit=2)
    assert ledger.release(CORP, "p", "x:a", ["c1", "c2"]) == 2
    assert ledger.release(CORP, "p", "x:a", ["c1", "c2"]) == 0
    assert ledger.counts(CORP, "p", ["c1", "c2"]) == {"c1": 1, "c2": 0}
