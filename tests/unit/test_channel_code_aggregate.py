"""ChannelCode's transitions: each one's outcome and state, and the ones its state refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from scrm.kernel.errors import InvalidInput, NotFound
from scrm.kernel.fence import Contended, VersionedWrite
from scrm.live_codes.channel_code import (
    ChannelCode,
    ContactWay,
    Deleted,
    Drop,
    Restaff,
    live,
    parse_spec,
)

NINE = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)  # Monday 09:00 China time
EIGHT = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)  # Monday 08:00 China time
MORNING = {"days": [1], "start": "09:00", "end": "12:00", "staff": ["a", "b"]}


def spec(**kw: Any) -> Any:
    return parse_spec({"name": "地推", "state": "s1", "staff": ["d"], **kw})


def code(status: str = "active", config_id: str = "cfg1", current: tuple[str, ...] = ("d",), **kw: Any) -> ChannelCode:
    return ChannelCode(spec(**kw), config_id, "qr", current, status, 100, 100)


def test_a_new_code_is_made_from_wecoms_answer_to_its_first_way():
    way = ChannelCode.first_way(spec(mode="single", skip_verify=False), ["d"])
    assert way == ContactWay("", 1, {"remark": "地推", "skip_verify": False, "state": "s1", "user": ["d"]})
    c = ChannelCode.created(spec(mode="single"), way, "cfg9", "https://qr/9", 5000)
    assert (c.config_id, c.qr_code, c.current_staff, c.status) == ("cfg9", "https://qr/9", ("d",), "active")
    assert (c.created_at_ms, c.updated_at_ms, c.version) == (5000, 5000, 0)
    assert ChannelCode.first_way(spec(), ["d"]).wecom_type == 2


def test_an_edit_takes_the_spec_and_says_which_update_wecom_needs():
    c = code()
    new = parse_spec({"name": "新名字", "staff": ["d", "e"]}, c.spec)
    edited = c.edit(new, ["d", "e"], 7000)
    assert edited.update == ContactWay("cfg1", 2, {"remark": "新名字", "skip_verify": True, "state": "s1", "user": ["d", "e"]})
    assert (c.spec, c.current_staff, c.updated_at_ms, c.created_at_ms) == (new, ("d", "e"), 7000, 100)


@pytest.mark.parametrize(("change", "field"), [({"state": "s2"}, "state"), ({"mode": "single"}, "mode")])
def test_an_edit_cannot_change_the_state_or_the_mode(change, field):
    c = code()
    other = parse_spec({"name": "n", "staff": ["d"], "state": "s1", **change})
    with pytest.raises(InvalidInput) as err:
        c.edit(other, ["d"], 7000)
    assert err.value.field == field
    assert c == code()


def test_a_deleted_code_refuses_edits_restaffing_changes_and_a_second_delete():
    c = code(status="deleted")
    with pytest.raises(NotFound) as err:
        c.edit(spec(name="x"), ["d"], 1)
    assert err.value.field == "code_id"
    with pytest.raises(NotFound):
        c.drop_member("d")
    with pytest.raises(NotFound):
        c.delete(2)
    assert c == code(status="deleted")


def test_restaffing_switches_to_the_slots_staff_and_says_so():
    c = code(schedule=[MORNING])
    out = c.restaff(NINE, {}, 9000)
    assert (out.result, out.needed) == (Restaff.SWITCHED, True)
    assert out.update == ContactWay("cfg1", 2, {"user": ["a", "b"]})
    assert (c.current_staff, c.updated_at_ms) == (("a", "b"), 9000)


def test_restaffing_to_the_staff_wecom_has_changes_nothing():
    c = code(schedule=[MORNING])
    out = c.restaff(EIGHT, {}, 9000)
    assert (out.result, out.update, out.needed) == (Restaff.UNCHANGED, None, False)
    assert c == code(schedule=[MORNING])


def test_restaffing_drops_a_member_at_the_cap():
    c = code(staff=["d", "e"], current=("d", "e"), daily_cap=2)
    out = c.restaff(NINE, {"d": 2, "e": 1}, 9000)
    assert out.update == ContactWay("cfg1", 2, {"user": ["e"]})


@pytest.mark.parametrize(("status", "config_id"), [("deleted", "cfg1"), ("active", "")])
def test_a_deleted_or_unlinked_code_is_not_restaffed(status, config_id):
    c = code(status=status, config_id=config_id, schedule=[MORNING])
    out = c.restaff(NINE, {}, 9000)
    assert (out.result, out.update) == (Restaff.INACTIVE, None)
    assert c.current_staff == ("d",) and c.updated_at_ms == 100


def test_a_member_who_left_is_dropped_everywhere():
    c = code(staff=["d", "x"], schedule=[MORNING, {"days": [2], "start": "09:00", "end": "10:00", "staff": ["x"]}],
             backup=["x", "b"])  # fmt: skip
    out = c.drop_member("x")
    assert (out.result, out.changed) == (Drop.REMOVED, True)
    assert (c.spec.staff, c.spec.backup, [s.staff for s in c.spec.schedule]) == (("d",), ("b",), [("a", "b")])
    assert c.current_staff == ("d",)  # the next restaff's to change


def test_the_backups_take_over_when_the_last_default_member_leaves():
    c = code(staff=["x"], backup=["b"], schedule=[MORNING])
    assert c.drop_member("x").result == Drop.REMOVED
    assert (c.spec.staff, c.spec.backup) == (("b",), ("b",))


def test_a_code_keeps_its_last_member_and_ignores_strangers():
    c = code(staff=["x"])
    assert c.drop_member("x").result == Drop.LAST_MEMBER
    assert c.drop_member("nobody").result == Drop.NOT_STAFF
    assert not c.drop_member("nobody").changed
    assert c == code(staff=["x"])


def test_a_delete_marks_the_code_and_names_the_contact_way_to_remove():
    c = code()
    assert c.delete(8000) == Deleted("s1", "cfg1")
    assert (c.status, c.deleted, c.live, c.updated_at_ms) == ("deleted", True, False, 8000)


def test_the_stored_item_keeps_unknown_keys_and_carries_the_version():
    item = {**code().as_dict(), "from_a_newer_version": {"x": 1}}
    c = ChannelCode.from_item(item, 4)
    assert (c.version, c.extra) == (4, {"from_a_newer_version": {"x": 1}})
    assert c.to_item() == item
    assert "from_a_newer_version" not in c.as_dict()


def test_live_is_the_code_unless_missing_or_deleted():
    c = code()
    assert live(c, "s1") is c
    for gone in (None, code(status="deleted")):
        with pytest.raises(NotFound) as err:
            live(gone, "s1")
        assert (err.value.message, err.value.field) == ("no channel code s1", "code_id")


def test_a_versioned_write_with_tries_gives_up_after_that_many_lost_writes():
    saves: list[int] = []
    c = code()
    write = VersionedWrite(lambda x: saves.append(1) is not None, lambda x: code(), tries=3)
    with pytest.raises(Contended):
        write.write(c, lambda x: x.delete(1))
    assert len(saves) == 3
    c = code()
    landed = VersionedWrite(lambda x: len(saves) > 4 or saves.append(1) is not None, lambda x: code())
    assert landed.write(c, lambda x: x.delete(2)) == Deleted("s1", "cfg1")
    assert (len(saves), c.status) == (5, "deleted")
