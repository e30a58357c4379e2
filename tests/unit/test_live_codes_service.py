from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from scrm.kernel.errors import DomainError
from scrm.kernel.wecom_error import WeComError
from scrm.live_codes.channel_code import ChannelCode, parse_spec
from scrm.live_codes.service import LiveCodes

from tests.unit.live_code_fakes import (
    FakeChannelStats,
    FakeClock,
    FakeCodeDirectory,
    FakeGateways,
    FakeLiveCodeRepo,
)
from tests.unit.refusals import status

CORP = "wwcorp0001"
NOW = datetime(2024, 1, 1, 2, 0, tzinfo=UTC)  # Monday 10:00 China time
ADD_PATH = "/cgi-bin/externalcontact/add_contact_way"


class World:
    def __init__(self, now: datetime = NOW) -> None:
        self.repo = FakeLiveCodeRepo()
        self.stats = FakeChannelStats()
        self.directory = FakeCodeDirectory(employees=["u1", "u2", "u3", "b1"], tags=["t1", "t2"])
        self.gateways = FakeGateways()
        self.wecom = self.gateways.corp(CORP)
        self.clock = FakeClock(now)
        self.codes = LiveCodes(self.repo, self.stats, self.directory, self.gateways, clock=self.clock)

    def admin_error(self, body: dict[str, Any]) -> DomainError:
        with pytest.raises(DomainError) as err:
            self.codes.create_channel(CORP, body)
        return err.value


@pytest.fixture
def w() -> World:
    return World()


def body(**kw: Any) -> dict[str, Any]:
    return {"name": "地推", "state": "s1", "staff": ["u1", "u2"], **kw}


def test_create_calls_wecom_then_stores(w):
    out = w.codes.create_channel(CORP, body(tags=["t1"], skip_verify=False))
    assert w.wecom.calls == [
        ("add_contact_way", (2, {"remark": "地推", "skip_verify": False, "state": "s1", "user": ["u1", "u2"]}))
    ]
    assert out["config_id"] == "cfg1"
    assert out["current_staff"] == ["u1", "u2"]
    assert out["created_at_ms"] == out["updated_at_ms"] == int(NOW.timestamp() * 1000)
    assert w.repo.data(CORP, "c#s1") == out
    assert w.repo.code(CORP, "s1") == ChannelCode.from_item(out, 1)


def test_create_offers_the_staff_of_the_slot_it_is_created_in(w):
    w.codes.create_channel(
        CORP, body(backup=["b1"], schedule=[{"days": [1], "start": "09:00", "end": "12:00", "staff": ["u3"]}])
    )
    assert w.wecom.calls_to("add_contact_way")[0][1]["user"] == ["u3"]
    assert w.repo.code(CORP, "s1").current_staff == ("u3",)


def test_a_single_code_is_wecom_type_1(w):
    w.codes.create_channel(CORP, body(mode="single", staff=["u1"]))
    assert w.wecom.calls_to("add_contact_way")[0][0] == 1


def test_an_unknown_member_wecom_refuses_is_a_400_on_staff_and_nothing_is_stored(w):
    w.wecom.fail("add_contact_way", WeComError(60111, "invalid userid, hint: [x]", ADD_PATH))
    e = w.admin_error(body())
    assert (status(e), e.field) == (400, "staff")
    assert e.message == "WeCom does not know a member: invalid userid (WeCom 60111)"
    assert w.repo.calls_to("add_channel") == []
    assert w.repo.stored() == []
    assert w.wecom.calls_to("del_contact_way") == []


def test_a_wecom_failure_is_a_502_and_nothing_is_stored(w):
    w.wecom.fail("add_contact_way", WeComError(-1, "system busy, hint: [y]", ADD_PATH))
    e = w.admin_error(body())
    assert (status(e), e.field, e.message) == (502, "", "WeCom refused the call: -1 system busy")
    assert w.repo.calls_to("add_channel") == []
    assert w.repo.stored() == []


def test_when_storing_fails_the_contact_way_is_deleted_and_the_error_goes_up(w):
    boom = RuntimeError("table unavailable")
    w.repo.create_error = boom
    with pytest.raises(RuntimeError) as err:
        w.codes.create_channel(CORP, body())
    assert err.value is boom
    assert [name for name, _ in w.wecom.calls] == ["add_contact_way", "del_contact_way"]
    assert w.wecom.calls_to("del_contact_way") == [("cfg1",)]
    assert w.repo.stored() == []


def test_a_failing_compensation_does_not_hide_the_storing_error(w):
    w.repo.create_error = RuntimeError("table unavailable")
    w.wecom.fail("del_contact_way", WeComError(-1, "system busy", "/cgi-bin/externalcontact/del_contact_way"))
    with pytest.raises(RuntimeError, match="table unavailable"):
        w.codes.create_channel(CORP, body())
    assert w.wecom.calls_to("del_contact_way") == [("cfg1",)]


def test_a_state_taken_meanwhile_is_a_409_and_the_contact_way_is_deleted(w):
    theirs = ChannelCode(parse_spec(body(name="theirs")), "cfgX", "qr", ("u1",), "active", 1, 1)
    w.repo.before_write.append(lambda: w.repo.put_channel(CORP, theirs))
    e = w.admin_error(body())
    assert (status(e), e.field) == (409, "state")
    assert w.wecom.calls_to("del_contact_way") == [("cfg1",)]
    assert w.repo.code(CORP, "s1").spec.name == "theirs"


@pytest.mark.parametrize("existing", ["active", "deleted"])
def test_an_existing_state_is_a_409_before_any_wecom_call(w, existing):
    w.repo.put_channel(CORP, ChannelCode(parse_spec(body()), "cfgX", "qr", ("u1",), existing, 1, 1))
    e = w.admin_error(body())
    assert (status(e), e.field) == (409, "state")
    assert w.gateways.asked == []


@pytest.mark.parametrize(
    "b, field, message",
    [
        (body(staff=["u1", "ghost"]), "staff", "unknown member 'ghost'"),
        (body(backup=["ghost"]), "backup", "unknown member 'ghost'"),
        (
            body(schedule=[{"start": "09:00", "end": "10:00", "staff": ["ghost"]}]),
            "schedule[0].staff",
            "unknown member 'ghost'",
        ),
        (body(tags=["t1", "nope"]), "tags", "unknown tag 'nope'"),
    ],
)
def test_unknown_staff_and_tags_are_a_400_before_any_wecom_call(w, b, field, message):
    e = w.admin_error(b)
    assert (status(e), e.field) == (400, field)
    assert e.message.startswith(message)
    assert w.gateways.asked == []
    assert w.repo.calls_to("create") == []


def test_bad_input_is_a_400_naming_the_field_before_anything_else(w):
    e = w.admin_error(
        body(schedule=[{"start": "09:00", "end": "12:00", "staff": ["u1"]}, {"start": "11:00", "end": "13:00", "staff": ["u2"]}])
    )
    assert (status(e), e.field) == (400, "schedule[1]")
    assert e.message.startswith("schedule[1]: overlaps schedule[0]")
    assert (w.directory.calls, w.repo.calls, w.gateways.asked) == ([], [], [])


def test_tags_are_not_looked_up_when_there_are_none(w):
    w.codes.create_channel(CORP, body())
    assert [name for name, _ in w.directory.calls] == ["known_employees"]


def test_the_default_stats_range_ends_on_the_china_today():
    w = World(datetime(2024, 1, 1, 17, 0, tzinfo=UTC))  # 2024-01-02 01:00 China time
    w.repo.put_channel(CORP, ChannelCode(parse_spec(body()), "cfg1", "qr", ("u1",), "active", 1, 1))
    w.stats.stat_rows[(CORP, "s1")] = [{"day": "2024-01-02", "userid": "u1", "adds": 3}]
    out = w.codes.channel_stats(CORP, "s1", {})
    assert (out["from"], out["to"]) == ("2023-12-04", "2024-01-02")
    assert out["totals"]["adds"] == 3


def test_a_delete_racing_a_concurrent_write_still_marks_the_code_deleted(w):
    """The code's own consumer may write it (a group code moving on) between our read and our mark: the
    contact way is already gone from WeCom, so the mark goes onto the newer version, not a 500 (found by the
    full suite under load)."""
    code_id = w.codes.create_channel(CORP, body())["code_id"]
    newer = dataclasses.replace(w.repo.code(CORP, code_id), current_staff=("u2",))
    w.repo.before_write.append(lambda: w.repo.put_channel(CORP, newer, newer.version + 1))
    assert w.codes.delete_channel(CORP, code_id) == {"deleted": code_id}
    stored = w.repo.code(CORP, code_id)
    assert stored.status == "deleted" and stored.current_staff == ("u2",) and stored.version == 3
    assert len(w.wecom.calls_to("del_contact_way")) == 1


def test_a_delete_that_never_settles_is_a_409(w):
    code_id = w.codes.create_channel(CORP, body())["code_id"]
    bump = lambda: w.repo.put_channel(CORP, w.repo.code(CORP, code_id), w.repo.code(CORP, code_id).version + 1)  # noqa: E731
    w.repo.before_write.extend([bump] * 10)
    with pytest.raises(DomainError) as err:
        w.codes.delete_channel(CORP, code_id)
    assert status(err.value) == 409
    assert w.repo.code(CORP, code_id).status == "active"


def test_a_group_code_edit_keeps_the_full_groups_out_of_the_join_way(w):
    """A group at the code's threshold stays off WeCom's list through an edit (update_join_way replaces the
    whole list); a group dropped from the code leaves the full list; if every group is full the list keeps
    them all, since a join way cannot be empty."""
    w.directory.groups = {"wrA", "wrB", "wrC"}
    w.codes.create_group(CORP, {"name": "VIP", "state": "g1", "chat_ids": ["wrA", "wrB"], "threshold": 3})
    moved_on = {**w.repo.data(CORP, "g#g1"), "full_chats": ["wrA"], "active_chats": ["wrB"]}  # wrA reached 3
    w.repo.put(CORP, "g#g1", moved_on, w.repo.version(CORP, "g#g1") + 1)

    def edit(**b: Any) -> tuple[list[str], list[str], list[str]]:
        new = w.codes.update_group(CORP, "g1", b)
        stored = w.repo.data(CORP, "g#g1")
        assert (stored["full_chats"], stored["active_chats"]) == (new["full_chats"], new["active_chats"])
        return w.wecom.calls_to("update_join_way")[-1][1]["chat_id_list"], new["full_chats"], new["active_chats"]

    assert edit(name="VIP 2") == (["wrB"], ["wrA"], ["wrB"])
    assert edit(chat_ids=["wrA", "wrC"]) == (["wrC"], ["wrA"], ["wrC"])
    assert edit(chat_ids=["wrA"]) == (["wrA"], ["wrA"], ["wrA"])
    assert edit(chat_ids=["wrB", "wrC"]) == (["wrB", "wrC"], [], ["wrB", "wrC"])


def test_a_deleted_code_restored_gets_a_new_contact_way_and_keeps_its_state(w):
    """A store deleted and imported again: its state comes back on a new way; the old way is not reused."""
    code_id = w.codes.create_channel(CORP, body())["code_id"]
    first = w.repo.code(CORP, code_id).config_id
    w.codes.delete_channel(CORP, code_id)
    out = w.codes.restore_channel(CORP, code_id, {"name": "回来了", "staff": ["u3"], "tags": ["t1"]})
    assert out["status"] == "active" and out["code_id"] == "s1" and out["config_id"] != first
    assert out["name"] == "回来了" and out["current_staff"] == ["u3"] and out["tags"] == ["t1"]
    stored = w.repo.code(CORP, code_id)
    assert stored.status == "active" and stored.config_id == out["config_id"]
    assert len(w.wecom.calls_to("add_contact_way")) == 2 and len(w.wecom.calls_to("del_contact_way")) == 1


def test_restore_is_refused_for_a_live_or_unknown_code_and_for_bad_fields(w):
    code_id = w.codes.create_channel(CORP, body())["code_id"]
    with pytest.raises(DomainError) as live_code:
        w.codes.restore_channel(CORP, code_id, body())
    assert status(live_code.value) == 409
    with pytest.raises(DomainError) as unknown:
        w.codes.restore_channel(CORP, "nope", body())
    assert status(unknown.value) == 404
    w.codes.delete_channel(CORP, code_id)
    with pytest.raises(DomainError) as bad:
        w.codes.restore_channel(CORP, code_id, {"name": "x", "staff": ["nobody"]})
    assert status(bad.value) == 400
    assert len(w.wecom.calls_to("add_contact_way")) == 1  # nothing made for the refusals
    assert w.repo.code(CORP, code_id).status == "deleted"


def test_a_restore_that_loses_the_race_deletes_its_new_way(w):
    """Two restores at once: the one whose conditional write fails takes its contact way back out of WeCom,
    so one way stays for the code, not two."""
    code_id = w.codes.create_channel(CORP, body())["code_id"]
    w.codes.delete_channel(CORP, code_id)
    bump = lambda: w.repo.put_channel(CORP, w.repo.code(CORP, code_id), w.repo.code(CORP, code_id).version + 1)  # noqa: E731
    w.repo.before_write.append(bump)
    with pytest.raises(DomainError) as lost:
        w.codes.restore_channel(CORP, code_id, body())
    assert status(lost.value) == 409
    made = w.wecom.calls_to("add_contact_way")
    assert len(made) == 2 and len(w.wecom.calls_to("del_contact_way")) == 2
    assert w.repo.code(CORP, code_id).status == "deleted"
