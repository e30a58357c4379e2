"""The portrait's one BatchGetItem across tables (scrm.sidebar.portrait_repository): every purpose's keys in
one request, each table's projection, and keys DynamoDB leaves unprocessed asked again (no I/O: the
connection's dispatch is a fake)."""

from __future__ import annotations

from typing import Any

import pytest
from scrm.adapters.dynamo.models import CustomerItem, EmployeeItem, GroupItem, LiveCodeItem, TagItem
from scrm.sidebar import portrait_repository as repo
from scrm.sidebar.portrait import Keys

C = "wwcorp"


class _Dispatch:
    """Answers a BatchGetItem from ``items`` (table → key → item), leaving the first ``hold`` keys of each
    first request unprocessed."""

    def __init__(self, items: dict[str, dict[tuple[str, str], dict[str, Any]]], hold: int = 0) -> None:
        self.items, self.hold, self.requests = items, hold, []

    def __call__(self, operation: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        assert operation == "BatchGetItem"
        self.requests.append(kwargs["RequestItems"])
        responses: dict[str, list[Any]] = {}
        unprocessed: dict[str, Any] = {}
        for table, entry in kwargs["RequestItems"].items():
            keys = entry["Keys"]
            held, keys = (keys[: self.hold], keys[self.hold :]) if len(self.requests) == 1 else ([], keys)
            if held:
                unprocessed[table] = {**entry, "Keys": held}
            for k in keys:
                found = self.items.get(table, {}).get((k["pk"]["S"], k.get("sk", {}).get("S", "")))
                if found is not None:
                    responses.setdefault(table, []).append(found)
        return {"Responses": responses, "UnprocessedKeys": unprocessed}


def _s(v: str) -> dict[str, str]:
    return {"S": v}


@pytest.fixture
def dispatch(monkeypatch):
    t = lambda m: m.Meta.table_name  # noqa: E731
    items = {
        t(CustomerItem): {(f"{C}#wmA", ""): {"pk": _s(f"{C}#wmA"), "name": _s("王小明"), "gender": {"N": "1"}}},
        t(TagItem): {(C, "tag#t1"): {"id": _s("t1"), "name": _s("VIP")},
                     (C, "tag#t2"): {"id": _s("t2"), "name": _s("旧"), "deleted": {"BOOL": True}}},
        t(LiveCodeItem): {(C, "c#door"): {"sk": _s("c#door"), "data": {"S": '{"name": "门口"}'}},
                          (C, "c#gone"): {"sk": _s("c#gone"), "status": _s("deleted"), "data": {"S": '{"name": "x"}'}}},
        t(EmployeeItem): {(C, "zhang"): {"sk": _s("zhang"), "name": _s("张三")}},
        t(GroupItem): {(f"{C}#g1", ""): {"chat_id": _s("g1"), "name": _s("会员群"), "owner": _s("li"),
                                         "member_count": {"N": "3"}, "tags": {"SS": ["b", "a"]}},
                       (f"{C}#g2", ""): {"chat_id": _s("g2"), "name": _s("二群")}},
    }  # fmt: skip
    fake = _Dispatch(items, hold=1)

    class _Connection:
        connection = type("C", (), {"dispatch": staticmethod(fake)})()

    for model in (CustomerItem, TagItem, LiveCodeItem, EmployeeItem, GroupItem):
        monkeypatch.setattr(model, "_get_connection", classmethod(lambda cls: _Connection()))
    monkeypatch.setattr(repo.time, "sleep", lambda s: None)
    return fake


def test_one_request_reads_every_purpose_and_unprocessed_keys_are_asked_again(dispatch):
    keys = Keys(profile="wmA", tag_ids=("t1", "t2", "t9"), states=("door", "gone"), userids=("zhang", "nobody"),
                chat_ids=("g2", "g-none", "g1"))  # fmt: skip
    named = repo.DynamoPortraitReads().by_keys(C, keys)
    assert named.profile == {"name": "王小明", "gender": 1}
    assert named.tags == {"t1": "VIP"}  # t2 deleted in WeCom, t9 not held
    assert named.codes == {"door": "门口"}  # a deleted code shows no name
    assert named.members == {"zhang": "张三"}
    assert [g["chat_id"] for g in named.groups] == ["g2", "g1"]  # in the order asked, those held
    assert named.groups[1] == {"chat_id": "g1", "name": "会员群", "owner": "li", "member_count": 3, "tags": ["a", "b"]}
    first = dispatch.requests[0]
    assert len(first) == 5  # one request, five tables
    assert "ProjectionExpression" not in first[CustomerItem.Meta.table_name]  # the whole profile
    assert "ProjectionExpression" in first[TagItem.Meta.table_name]
    assert len(dispatch.requests) == 2 and all(len(e["Keys"]) == 1 for e in dispatch.requests[1].values())


def test_more_than_a_hundred_keys_take_a_request_per_hundred(dispatch):
    dispatch.hold = 0
    named = repo.DynamoPortraitReads().by_keys(C, Keys(userids=tuple(f"u{i}" for i in range(150)) + ("zhang",)))
    assert named.members == {"zhang": "张三"} and len(dispatch.requests) == 2
    assert repo.DynamoPortraitReads().member_names(C, ["zhang", "li"]) == {"zhang": "张三"}


def test_nothing_asked_reads_nothing(dispatch):
    assert repo.DynamoPortraitReads().by_keys(C, Keys()).groups == [] and dispatch.requests == []
