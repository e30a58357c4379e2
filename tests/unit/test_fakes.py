"""The fakes themselves: same surface as the ports and the DynamoDB store, same conditional semantics."""

from __future__ import annotations

import inspect

import pytest
from scrm.customers.customer import CustomerProfile, FollowInfo
from scrm.customers.employee import Employee, EmployeeStatus
from scrm.customers.follow import FollowStatus
from scrm.customers.group import GroupChat, GroupMember, GroupStatus, MemberType
from scrm.customers.ports import Store, WeCom, WeComDirectory
from scrm.customers.repository import DynamoStore
from scrm.customers.tags import Tag, TagGroup

from tests.unit.fakes import FakeDirectory, FakeStore, FakeWeCom, StepClock

C = "wwc"


def protocol_methods(proto: type) -> list[str]:
    return [n for n, v in vars(proto).items() if inspect.isfunction(v) and not n.startswith("_")]


@pytest.mark.parametrize(
    ("proto", "fake"), [(Store, FakeStore), (WeCom, FakeWeCom), (WeComDirectory, FakeDirectory)]
)
def test_fakes_implement_every_port_method_with_the_same_signature(proto: type, fake: type) -> None:
    names = protocol_methods(proto)
    assert names
    for name in names:
        want = inspect.signature(getattr(proto, name))
        got = inspect.signature(getattr(fake, name))
        assert list(got.parameters) == list(want.parameters), name
        assert [p.default for p in got.parameters.values()] == [
            p.default for p in want.parameters.values()
        ], name


def test_dynamo_store_has_the_same_surface() -> None:
    for name in protocol_methods(Store):
        assert list(inspect.signature(getattr(DynamoStore, name)).parameters) == list(
            inspect.signature(getattr(FakeStore, name)).parameters
        ), name


def test_refreshed_data_written_only_when_strictly_newer() -> None:
    s = FakeStore()
    s.save_customer(C, CustomerProfile("wm1", name="new"), 200)
    s.save_customer(C, CustomerProfile("wm1", name="old"), 100)
    s.save_customer(C, CustomerProfile("wm1", name="same"), 200)
    assert s.customer(C, "wm1")["name"] == "new"  # type: ignore[index]
    s.save_customer(C, CustomerProfile("wm1", name=""), 300)
    assert s.customer(C, "wm1")["name"] is None  # type: ignore[index]  # '' is written as NULL


def test_status_written_when_not_older() -> None:
    s = FakeStore()
    assert s.set_follow_status(C, "wm1", "u", FollowStatus.DELETED_BY_CUSTOMER, 50, {})
    assert not s.set_follow_status(C, "wm1", "u", FollowStatus.ACTIVE, 49, {})
    assert s.set_follow_status(C, "wm1", "u", FollowStatus.DELETED_BY_CUSTOMER, 50, {})
    assert s.follow(C, "wm1", "u")["status"] == "deleted_by_customer"  # type: ignore[index]


def test_sync_follow_keeps_status_and_creates_active() -> None:
    s = FakeStore()
    s.sync_follow(C, "wm1", FollowInfo("u", add_time=5), 1)
    rel = s.follow(C, "wm1", "u")
    assert rel is not None and (rel["status"], rel["status_version"], rel["add_sk"]) == (
        "active",
        0,
        f"{5:010d}#wm1",
    )
    s.set_follow_status(C, "wm1", "u", FollowStatus.DELETED_BY_EMPLOYEE, 10, {})
    s.sync_follow(C, "wm1", FollowInfo("u", remark="r"), 2)
    rel = s.follow(C, "wm1", "u")
    assert rel is not None and (rel["status"], rel["status_version"], rel["remark"]) == (
        "deleted_by_employee",
        10,
        "r",
    )


def test_set_follow_status_state_only_if_absent() -> None:
    s = FakeStore()
    s.set_follow_status(C, "wm1", "u", FollowStatus.ACTIVE, 10, {"half_added": True, "state": "first"})
    s.set_follow_status(C, "wm1", "u", FollowStatus.ACTIVE, 20, {"half_added": False, "state": "second"})
    rel = s.follow(C, "wm1", "u")
    assert rel is not None and (rel["state"], rel["half_added"], rel["status_at"]) == ("first", False, 2)


def test_timeline_repeat_overwrites() -> None:
    s = FakeStore()
    s.add_timeline(C, "corp", 5, "e1", {"event": "x", "n": 1})
    s.add_timeline(C, "corp", 5, "e1", {"event": "x", "n": 2})
    s.add_timeline(C, "corp", 5, "e0", {"event": "y"})
    assert [(e["event_id"], e["entry"].get("n")) for e in s.timeline_of(C, "corp")] == [
        ("e0", None),
        ("e1", 2),
    ]


def test_timeline_entry_must_be_json() -> None:
    with pytest.raises(TypeError):
        FakeStore().add_timeline(C, "corp", 5, "e1", {"event": "x", "bad": {1, 2}})


def test_delete_tag_group_marks_tags_and_respects_versions() -> None:
    s = FakeStore()
    s.save_tag_groups(C, [TagGroup("g1", "G", tags=(Tag("t1", "a"), Tag("t2", "b"))), TagGroup("g2", "H")], 1)
    assert s.delete_tag(C, "g1", True, 100)
    assert all(s.tags[(C, k)]["deleted"] for k in ("group#g1", "tag#t1", "tag#t2"))
    assert "deleted" not in s.tags[(C, "group#g2")]
    assert not s.delete_tag(C, "t1", False, 99)
    assert s.tag(C, "t1")["deleted_version"] == 100  # type: ignore[index]


def test_save_group_marks_missing_members_left_and_ignores_old_reads() -> None:
    s = FakeStore()
    a, b = GroupMember("wmA", MemberType.CUSTOMER), GroupMember("u1", MemberType.EMPLOYEE)
    s.save_group(C, GroupChat("c1", members=(a, b)), 10)
    s.save_group(C, GroupChat("c1", members=(a,)), 20)
    assert s.member(C, "c1", "u1") == {**s.member(C, "c1", "u1"), "status": "left", "left_seen_ms": 20}  # type: ignore[dict-item]
    s.save_group(C, GroupChat("c1", name="stale", members=(a, b)), 15)
    assert s.member(C, "c1", "u1")["status"] == "left"  # type: ignore[index]
    assert s.group(C, "c1")["name"] is None  # type: ignore[index]
    s.set_group_status(C, "c1", GroupStatus.DISMISSED, 50)
    s.save_group(C, GroupChat("c1", members=(a, b)), 30)
    assert s.group(C, "c1")["status"] == "dismissed"  # type: ignore[index]
    assert s.member(C, "c1", "u1")["status"] == "member"  # type: ignore[index]


def test_employee_status_and_rename() -> None:
    s = FakeStore()
    s.save_employee(C, Employee("u1", name="A"), 1)
    assert s.employee(C, "u1")["status"] == "active"  # type: ignore[index]
    assert s.set_employee_status(C, "u1", EmployeeStatus.RENAMED, 10, renamed_to="u2")
    assert s.employee(C, "u1")["renamed_to"] == "u2"  # type: ignore[index]
    assert s.set_employee_status(C, "u1", EmployeeStatus.ACTIVE, 11)
    assert "renamed_to" not in s.employee(C, "u1")  # type: ignore[operator]
    assert not s.set_employee_status(C, "u1", EmployeeStatus.DELETED, 9)


def test_fake_wecom_returns_none_for_unknown_and_records_calls() -> None:
    d = FakeDirectory()
    w = d.for_corp(C)
    assert w is d.corp(C) and d.calls == [C]
    assert w.get_customer("nope") is None
    assert w.get_group_chat("nope") is None
    assert w.get_user("nope") is None
    assert w.get_tag_groups() == []
    w.add_tag_group(TagGroup("g1", "G", tags=(Tag("t1", "a"), Tag("t2", "b"))))
    assert [t.tag_id for g in w.get_tag_groups(tag_ids=["t2"]) for t in g.tags] == ["t2"]
    assert [g.group_id for g in w.get_tag_groups(tag_ids=["t2"], group_ids=["g1"])] == ["g1"]
    assert [n for n, _ in w.calls] == [
        "get_customer",
        "get_group_chat",
        "get_user",
        "get_tag_groups",
        "get_tag_groups",
        "get_tag_groups",
    ]
    assert d.for_corp("other") is not w


def test_step_clock() -> None:
    clock = StepClock(10.0)
    assert [clock(), clock(), clock()] == [10.0, 11.0, 12.0]
