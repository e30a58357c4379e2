from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from scrm.kernel.china_time import local_day
from scrm.kernel.errors import InvalidInput
from scrm.kernel.field_error import FieldError
from scrm.live_codes.channel_code import (
    ChannelCode,
    ChannelCodeSpec,
    code_from_dict,
    contact_way_body,
    parse_spec,
    spec_from_dict,
)
from scrm.live_codes.channel_spec import Slot
from scrm.welcome.message import Welcome

from tests.unit.live_code_fakes import channel_fields

MONDAY = datetime(2024, 1, 1, tzinfo=UTC)  # 2024-01-01 was a Monday


def china(day_offset: int, hh: int, mm: int = 0) -> datetime:
    """Monday 2024-01-01 + day_offset, hh:mm China time, as a UTC datetime."""
    return MONDAY + timedelta(days=day_offset, hours=hh - 8, minutes=mm)


def body(**kw: Any) -> dict[str, Any]:
    return {"name": "地推", "staff": ["u1"], **kw}


def field_of(b: dict[str, Any], existing: ChannelCodeSpec | None = None) -> str:
    """The field a body is refused for: by the admin API's model (its shape), else by the domain's rules."""
    with pytest.raises(InvalidInput) as err:
        parse_spec(channel_fields(b), existing)
    return err.value.field


def slot(start: str, end: str, staff: list[str], days: list[int] | None = None, **kw: Any) -> dict[str, Any]:
    return {"start": start, "end": end, "staff": staff, **({"days": days} if days is not None else {}), **kw}


# parse_spec: create --------------------------------------------------------------------------------


def test_create_with_the_minimum_takes_the_defaults_and_generates_a_state():
    spec = parse_spec({"name": "地推", "staff": ["u1", "u2", "u1"]})
    assert re.fullmatch(r"c[0-9a-f]{12}", spec.state)
    assert spec == ChannelCodeSpec(name="地推", state=spec.state, mode="multi", staff=("u1", "u2"))
    assert spec.wecom_type == 2
    assert parse_spec(body()).state != spec.state  # a fresh one each time


def test_create_with_every_field():
    spec = parse_spec(
        {
            "name": "门店",
            "state": "store_01-A",
            "mode": "multi",
            "group": "线下",
            "staff": ["u1"],
            "schedule": [slot("09:00", "12:00", ["u2", "u3"], days=[3, 1, 1])],
            "backup": ["u9"],
            "daily_cap": 50,
            "skip_verify": False,
            "tags": ["t1", "t2", "t1"],
            "remark_template": "{name}-门店",
            "description_template": "来自门店",
            "welcome": {"text": "你好 {name}"},
        }
    )
    assert spec == ChannelCodeSpec(
        name="门店",
        state="store_01-A",
        mode="multi",
        group="线下",
        staff=("u1",),
        schedule=(Slot((1, 3), 540, 720, ("u2", "u3")),),
        backup=("u9",),
        daily_cap=50,
        skip_verify=False,
        tags=("t1", "t2"),
        remark_template="{name}-门店",
        description_template="来自门店",
        welcome=Welcome("你好 {name}"),
    )
    assert spec.all_staff() == ["u1", "u2", "u3", "u9"]


def test_a_single_code_has_one_member():
    spec = parse_spec(body(mode="single"))
    assert (spec.mode, spec.wecom_type) == ("single", 1)


def test_a_custom_state_of_30_characters_is_kept():
    assert parse_spec(body(state="a" * 30)).state == "a" * 30


@pytest.mark.parametrize(
    "b, field",
    [
        (body(colour="red"), "colour"),
        (body(zeta=1, alpha=2), "alpha"),  # the first unknown, alphabetically
        ({"staff": ["u1"]}, "name"),
        (body(name=""), "name"),
        (body(name="   "), "name"),
        (body(name=5), "name"),
        (body(name="x" * 51), "name"),
        (body(group="g" * 31), "group"),
        (body(group=3), "group"),
        (body(state="a" * 31), "state"),
        (body(state="bad state"), "state"),
        (body(state="中文"), "state"),
        (body(state=""), "state"),
        (body(state=12), "state"),
        (body(mode="both"), "mode"),
        ({"name": "x"}, "staff"),
        (body(staff=[]), "staff"),
        (body(staff="u1"), "staff"),
        (body(staff=["u1", ""]), "staff[1]"),
        (body(staff=["u" * 65]), "staff[0]"),
        (body(staff=[f"u{i}" for i in range(101)]), "staff"),
        (body(backup=[f"b{i}" for i in range(101)]), "backup"),
        (body(backup="b1"), "backup"),
        (body(mode="single", staff=["u1", "u2"]), "mode"),
        (body(mode="single", backup=["u2"]), "mode"),
        (body(mode="single", schedule=[slot("09:00", "12:00", ["u2"])]), "mode"),
        (body(daily_cap=0), "daily_cap"),
        (body(daily_cap=10_001), "daily_cap"),
        (body(daily_cap=True), "daily_cap"),
        (body(daily_cap="5"), "daily_cap"),
        (body(daily_cap=2.5), "daily_cap"),
        (body(skip_verify="yes"), "skip_verify"),
        (body(tags="t1"), "tags"),
        (body(tags=["t1", ""]), "tags[1]"),
        (body(tags=["t1", 2]), "tags[1]"),
        (body(tags=[f"t{i}" for i in range(101)]), "tags"),
        (body(remark_template="r" * 21), "remark_template"),
        (body(remark_template=1), "remark_template"),
        (body(description_template="d" * 151), "description_template"),
        (body(welcome={}), "welcome"),
        (body(welcome={"text": 1}), "welcome.text"),
    ],
)
def test_create_errors_name_the_field(b, field):
    assert field_of(b) == field


def test_limits_are_inclusive():
    spec = parse_spec(
        body(
            name="x" * 50,
            group="g" * 30,
            staff=[f"u{i}" for i in range(100)] + ["u0"],
            backup=[f"b{i}" for i in range(100)],
            daily_cap=10_000,
            tags=[f"t{i}" for i in range(100)],
            remark_template="r" * 20,
            description_template="d" * 150,
        )
    )
    assert (len(spec.staff), len(spec.backup), len(spec.tags), spec.daily_cap) == (100, 100, 100, 10_000)
    assert parse_spec(body(daily_cap=1)).daily_cap == 1
    assert parse_spec(body(daily_cap=None)).daily_cap is None


def test_null_templates_and_group_become_empty():
    spec = parse_spec(body(group=None, remark_template=None, description_template=None, welcome=None))
    assert (spec.group, spec.remark_template, spec.description_template, spec.welcome) == ("", "", "", None)


# parse_spec: schedule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schedule, field",
    [
        ("09:00-12:00", "schedule"),
        (["x"], "schedule[0]"),
        ([slot("09:00", "12:00", ["u1"], colour=1)], "schedule[0].colour"),
        ([slot("09:00", "12:00", ["u1"], days=[])], "schedule[0].days"),
        ([slot("09:00", "12:00", ["u1"], days=[0])], "schedule[0].days[0]"),
        ([slot("09:00", "12:00", ["u1"], days=[8])], "schedule[0].days[0]"),
        ([slot("09:00", "12:00", ["u1"], days=[True])], "schedule[0].days[0]"),
        ([slot("09:00", "12:00", ["u1"], days="1")], "schedule[0].days"),
        ([slot("9:00", "12:00", ["u1"])], "schedule[0].start"),
        ([slot("25:00", "26:00", ["u1"])], "schedule[0].start"),
        ([slot("24:00", "24:00", ["u1"])], "schedule[0].end"),
        ([{"end": "12:00", "staff": ["u1"]}], "schedule[0].start"),
        ([slot("09:00", "24:01", ["u1"])], "schedule[0].end"),
        ([slot("09:00", "12:60", ["u1"])], "schedule[0].end"),
        ([slot("09:00", "09:00", ["u1"])], "schedule[0].end"),
        ([slot("12:00", "09:00", ["u1"])], "schedule[0].end"),
        ([slot("09:00", "12:00", [])], "schedule[0].staff"),
        ([{"start": "09:00", "end": "12:00"}], "schedule[0].staff"),
        ([slot("09:00", "12:00", [f"u{i}" for i in range(101)])], "schedule[0].staff"),
        ([slot("09:00", "12:00", ["u1"], welcome={"text": ""})], "schedule[0].welcome"),
        (
            [slot("09:00", "12:00", ["u1"], welcome={"attachments": [{"msgtype": "link", "link": {"title": "t"}}]})],
            "schedule[0].welcome.attachments[0].link.url",
        ),
        ([slot("08:00", "09:00", ["u1"]), slot("09:00", "10:00", ["u1"], days=[9])], "schedule[1].days[0]"),
    ],
)
def test_schedule_errors_name_the_slot_and_field(schedule, field):
    assert field_of(body(schedule=schedule)) == field


@pytest.mark.parametrize(
    "schedule, field",
    [
        # the later slot in the list is named, whichever starts first
        ([slot("09:00", "12:00", ["a"]), slot("11:00", "13:00", ["b"])], "schedule[1]"),
        ([slot("10:00", "12:00", ["a"]), slot("09:00", "11:00", ["b"])], "schedule[1]"),
        ([slot("09:00", "18:00", ["a"], days=[1]), slot("07:00", "08:00", ["b"]), slot("10:00", "11:00", ["c"])], "schedule[2]"),
        ([slot("06:00", "07:00", ["a"]), slot("09:00", "18:00", ["b"], days=[5]), slot("17:00", "19:00", ["c"], days=[4, 5])], "schedule[2]"),
        ([slot("09:00", "12:00", ["a"]), slot("09:00", "12:00", ["b"])], "schedule[1]"),
    ],
)
def test_overlapping_slots_name_the_later_one(schedule, field):
    assert field_of(body(schedule=schedule)) == field


def test_slots_sharing_a_single_minute_overlap():
    """A slot ends before its end minute, so 09:00-12:00 and 11:59-13:00 both hold 11:59: an overlap."""
    with pytest.raises(FieldError) as err:
        parse_spec(body(schedule=[slot("09:00", "12:00", ["a"], days=[3]), slot("11:59", "13:00", ["b"], days=[3])]))
    assert (err.value.field, err.value.why) == ("schedule[1]", "overlaps schedule[0] on weekday 3")


def test_overlap_message_names_both_slots_and_the_day():
    with pytest.raises(FieldError) as err:
        parse_spec(body(schedule=[slot("10:00", "12:00", ["a"], days=[2]), slot("09:00", "11:00", ["b"], days=[2])]))
    assert err.value.why == "overlaps schedule[0] on weekday 2"


def test_touching_slots_and_the_same_hours_on_other_days_do_not_overlap():
    spec = parse_spec(
        body(
            schedule=[
                slot("09:00", "12:00", ["a"], days=[1, 2]),
                slot("12:00", "24:00", ["b"], days=[1, 2]),
                slot("00:00", "09:00", ["c"], days=[1]),
                slot("09:00", "12:00", ["d"], days=[3]),
            ]
        )
    )
    assert [(s.days, s.start, s.end, s.staff) for s in spec.schedule] == [
        ((1, 2), 540, 720, ("a",)),
        ((1, 2), 720, 1440, ("b",)),
        ((1,), 0, 540, ("c",)),
        ((3,), 540, 720, ("d",)),
    ]


def test_days_default_to_every_day():
    spec = parse_spec(body(schedule=[{"start": "00:00", "end": "24:00", "staff": ["a"]}]))
    assert spec.schedule[0].days == (1, 2, 3, 4, 5, 6, 7)


# parse_spec: update --------------------------------------------------------------------------------


@pytest.fixture
def existing() -> ChannelCodeSpec:
    return parse_spec(
        body(state="s1", staff=["u1", "u2"], backup=["b1"], daily_cap=5, tags=["t1"], welcome={"text": "hi"})
    )


def test_an_update_changes_only_the_given_fields(existing):
    updated = parse_spec({"daily_cap": None, "group": "线上"}, existing)
    assert updated == ChannelCodeSpec(
        name="地推",
        state="s1",
        group="线上",
        staff=("u1", "u2"),
        backup=("b1",),
        daily_cap=None,
        tags=("t1",),
        welcome=Welcome("hi"),
    )
    assert parse_spec({}, existing) == existing


def test_an_update_may_repeat_the_state_and_mode(existing):
    assert parse_spec({"state": "s1", "mode": "multi", "name": "新"}, existing).name == "新"


def test_an_update_can_remove_the_welcome(existing):
    assert parse_spec({"welcome": None}, existing).welcome is None


@pytest.mark.parametrize(
    "b, field",
    [
        ({"state": "s2"}, "state"),
        ({"state": None}, "state"),
        ({"mode": "single"}, "mode"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"staff": []}, "staff"),
        ({"colour": "red"}, "colour"),
        ({"backup": [f"b{i}" for i in range(101)]}, "backup"),
    ],
)
def test_update_errors_name_the_field(existing, b, field):
    assert field_of(b, existing) == field


def test_an_update_of_a_single_code_keeps_its_rules():
    single = parse_spec(body(mode="single", state="one"))
    assert field_of({"staff": ["u1", "u2"]}, single) == "mode"
    assert field_of({"schedule": [slot("09:00", "10:00", ["u1"])]}, single) == "mode"
    assert parse_spec({"staff": ["u7"]}, single).staff == ("u7",)


# staff_at ------------------------------------------------------------------------------------------


def scheduled(**kw: Any) -> ChannelCodeSpec:
    return parse_spec(
        body(
            staff=["d1", "d2"],
            schedule=[
                slot("09:00", "12:00", ["a1", "a2"], days=[1, 2, 3, 4, 5]),
                slot("14:00", "18:00", ["p1"], days=[1]),
            ],
            **kw,
        )
    )


def test_in_a_slot_its_staff():
    spec = scheduled(backup=["b1"])
    assert spec.staff_at(china(0, 10), {}) == ["a1", "a2"]
    assert spec.staff_at(china(0, 15), {}) == ["p1"]
    assert spec.staff_at(china(4, 11, 59), {}) == ["a1", "a2"]  # Friday


def test_outside_every_slot_the_backups():
    spec = scheduled(backup=["b1", "b2"])
    assert spec.staff_at(china(0, 13), {}) == ["b1", "b2"]
    assert spec.staff_at(china(5, 10), {}) == ["b1", "b2"]  # Saturday: no slot


def test_outside_every_slot_without_backups_the_default_staff():
    spec = scheduled()
    assert spec.staff_at(china(0, 13), {}) == ["d1", "d2"]
    assert spec.staff_at(china(6, 10), {}) == ["d1", "d2"]


def test_without_schedule_the_default_staff_and_never_the_backups():
    spec = parse_spec(body(staff=["d1", "d2"], backup=["b1"]))
    assert spec.staff_at(china(0, 3), {}) == ["d1", "d2"]
    assert spec.active_slot(china(0, 3)) is None


def test_members_at_the_cap_drop_out():
    spec = scheduled(backup=["b1"], daily_cap=3)
    assert spec.staff_at(china(0, 10), {"a1": 3, "a2": 2}) == ["a2"]
    assert spec.staff_at(china(0, 10), {"a1": 4}) == ["a2"]
    assert spec.staff_at(china(0, 10), {"a1": 2, "a2": 2, "zz": 9}) == ["a1", "a2"]


def test_when_all_reach_the_cap_the_backups_take_over():
    spec = scheduled(backup=["b1", "b2"], daily_cap=3)
    assert spec.staff_at(china(0, 10), {"a1": 3, "a2": 3}) == ["b1", "b2"]
    # outside the slots the backups are on duty and have no cap
    assert spec.staff_at(china(0, 13), {"b1": 3, "b2": 7}) == ["b1", "b2"]


def test_when_all_reach_the_cap_without_backups_the_list_stays():
    spec = scheduled(daily_cap=3)
    assert spec.staff_at(china(0, 10), {"a1": 3, "a2": 5}) == ["a1", "a2"]
    plain = parse_spec(body(staff=["d1", "d2"], daily_cap=1))
    assert plain.staff_at(china(0, 10), {"d1": 1}) == ["d2"]
    assert plain.staff_at(china(0, 10), {"d1": 1, "d2": 1}) == ["d1", "d2"]


def test_no_cap_ignores_the_counts():
    assert scheduled().staff_at(china(0, 10), {"a1": 10_000, "a2": 10_000}) == ["a1", "a2"]


def test_slot_boundaries_are_china_time():
    spec = parse_spec(body(staff=["d"], schedule=[slot("09:00", "12:00", ["s"], days=[1])]))
    assert spec.staff_at(datetime(2024, 1, 1, 0, 59, tzinfo=UTC), {}) == ["d"]  # 08:59 China
    assert spec.staff_at(datetime(2024, 1, 1, 1, 0, tzinfo=UTC), {}) == ["s"]  # 09:00 China
    assert spec.staff_at(datetime(2024, 1, 1, 3, 59, tzinfo=UTC), {}) == ["s"]  # 11:59 China
    assert spec.staff_at(datetime(2024, 1, 1, 4, 0, tzinfo=UTC), {}) == ["d"]  # 12:00 China: end excluded
    assert spec.staff_at(datetime(2024, 1, 8, 1, 0, tzinfo=UTC), {}) == ["s"]  # next Monday
    assert spec.staff_at(datetime(2024, 1, 2, 1, 0, tzinfo=UTC), {}) == ["d"]  # Tuesday


def test_the_china_weekday_wins_over_the_utc_one():
    spec = parse_spec(body(staff=["d"], schedule=[slot("00:00", "01:00", ["mon"], days=[1])]))
    # Sunday 16:30 UTC is Monday 00:30 in China
    assert spec.staff_at(datetime(2023, 12, 31, 16, 30, tzinfo=UTC), {}) == ["mon"]
    # Monday 00:30 UTC is Monday 08:30 in China: after the slot
    assert spec.staff_at(datetime(2024, 1, 1, 0, 30, tzinfo=UTC), {}) == ["d"]


def test_a_slot_ending_at_24_00_covers_the_last_minute():
    spec = parse_spec(body(staff=["d"], schedule=[slot("18:00", "24:00", ["late"], days=[1])]))
    assert spec.staff_at(china(0, 23, 59), {}) == ["late"]
    assert spec.staff_at(china(1, 0, 0), {}) == ["d"]


def test_local_day_is_the_china_day():
    assert local_day(datetime(2024, 1, 1, 15, 59, tzinfo=UTC)) == "2024-01-01"
    assert local_day(datetime(2024, 1, 1, 16, 0, tzinfo=UTC)) == "2024-01-02"


# welcome_at ----------------------------------------------------------------------------------------


def test_welcome_at_prefers_the_slot_welcome():
    spec = parse_spec(
        body(
            welcome={"text": "code"},
            schedule=[
                slot("09:00", "12:00", ["a"], days=[1], welcome={"text": "morning"}),
                slot("14:00", "18:00", ["b"], days=[1]),
            ],
        )
    )
    assert spec.welcome_at(china(0, 10)) == Welcome("morning")
    assert spec.welcome_at(china(0, 15)) == Welcome("code")  # a slot without its own
    assert spec.welcome_at(china(0, 13)) == Welcome("code")  # outside every slot
    assert spec.welcome_at(datetime(2024, 1, 1, 0, 59, tzinfo=UTC)) == Welcome("code")  # 08:59 China
    assert spec.welcome_at(datetime(2024, 1, 1, 1, 0, tzinfo=UTC)) == Welcome("morning")  # 09:00 China


def test_welcome_at_without_any_welcome_is_none():
    spec = parse_spec(body(schedule=[slot("09:00", "12:00", ["a"])]))
    assert spec.welcome_at(china(0, 10)) is None
    assert parse_spec(body(welcome={"text": "w"})).welcome_at(china(0, 10)) == Welcome("w")


# stored form ---------------------------------------------------------------------------------------

FULL = {
    "name": "门店",
    "state": "store_01",
    "mode": "multi",
    "group": "线下",
    "staff": ["u1", "u2"],
    "schedule": [
        slot("09:00", "12:00", ["u2", "u3"], days=[1, 2], welcome={"text": "早 {name}"}),
        slot("18:00", "24:00", ["u4"], days=[6, 7]),
    ],
    "backup": ["u9"],
    "daily_cap": 20,
    "skip_verify": False,
    "tags": ["t1", "t2"],
    "remark_template": "{name}-店",
    "description_template": "门店",
    "welcome": {
        "text": "你好",
        "attachments": [
            {"msgtype": "image", "image": {"pic_url": "https://p/1.png"}},
            {"msgtype": "link", "link": {"title": "t", "url": "https://x"}},
        ],
    },
}


def test_spec_round_trips_through_its_stored_form():
    spec = parse_spec(FULL)
    stored = spec.as_dict()
    assert stored["schedule"][1] == {"days": [6, 7], "start": "18:00", "end": "24:00", "staff": ["u4"]}
    assert stored["schedule"][0]["welcome"] == {"text": "早 {name}", "attachments": []}
    assert spec_from_dict(stored) == spec
    minimal = parse_spec(body(state="m"))
    assert minimal.as_dict()["welcome"] is None
    assert spec_from_dict(minimal.as_dict()) == minimal


def test_spec_from_dict_fills_defaults_of_an_old_record():
    spec = spec_from_dict({"name": "n", "state": "s", "staff": ["u1"], "daily_cap": "7"})
    assert spec == ChannelCodeSpec(name="n", state="s", staff=("u1",), daily_cap=7)


def test_code_round_trips_through_its_stored_form():
    code = ChannelCode(parse_spec(FULL), "cfg1", "https://qr/1", ("u2", "u3"), "deleted", 1000, 2000)
    stored = code.as_dict()
    assert stored["code_id"] == "store_01"
    assert {k: stored[k] for k in ("config_id", "qr_code", "current_staff", "status", "created_at_ms", "updated_at_ms")} == {
        "config_id": "cfg1",
        "qr_code": "https://qr/1",
        "current_staff": ["u2", "u3"],
        "status": "deleted",
        "created_at_ms": 1000,
        "updated_at_ms": 2000,
    }
    assert code_from_dict(stored) == code
    assert code_from_dict(stored).state == "store_01"


def test_contact_way_body():
    spec = parse_spec(body(name="n" * 40, state="s1", skip_verify=False))
    assert contact_way_body(spec, ["a", "b"]) == {
        "remark": "n" * 30,
        "skip_verify": False,
        "state": "s1",
        "user": ["a", "b"],
    }
