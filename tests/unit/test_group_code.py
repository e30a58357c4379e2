from __future__ import annotations

import re
from typing import Any

import pytest
from scrm.kernel.errors import InvalidInput
from scrm.live_codes.group_code import (
    GroupCodeSpec,
    group_spec_from_dict,
    join_way_body,
    parse_group_spec,
    welcome_template_body,
)
from scrm.welcome.message import Welcome, parse_welcome

from tests.unit.live_code_fakes import group_fields


def body(**kw: Any) -> dict[str, Any]:
    return {"name": "粉丝群", "chat_ids": ["wrA", "wrB"], **kw}


def field_of(b: dict[str, Any], existing: GroupCodeSpec | None = None) -> str:
    """The field a body is refused for: by the admin API's model (its shape), else by the domain's rules."""
    with pytest.raises(InvalidInput) as err:
        parse_group_spec(group_fields(b), existing)
    return err.value.field


def test_create_with_the_minimum():
    spec = parse_group_spec(body(chat_ids=["wrA", "wrB", "wrA"]))
    assert re.fullmatch(r"g[0-9a-f]{12}", spec.state)
    assert spec == GroupCodeSpec(
        name="粉丝群",
        state=spec.state,
        chat_ids=("wrA", "wrB"),
        threshold=190,
        auto_create_room=True,
        room_base_name="粉丝群",  # the name, when rooms are created and no base name is given
        room_base_id=1,
        welcome=None,
    )


def test_create_with_every_field():
    spec = parse_group_spec(
        body(
            state="grp_1",
            threshold=150,
            auto_create_room=False,
            room_base_name="",
            room_base_id=7,
            welcome={"text": "欢迎 {name}", "attachments": [{"msgtype": "image", "image": {"media_id": "m"}}]},
        )
    )
    assert spec == GroupCodeSpec(
        name="粉丝群",
        state="grp_1",
        chat_ids=("wrA", "wrB"),
        threshold=150,
        auto_create_room=False,
        room_base_name="",  # no rooms created: no base name needed
        room_base_id=7,
        welcome=Welcome("欢迎 {name}", ({"msgtype": "image", "image": {"media_id": "m"}},)),
    )


def test_the_base_name_is_cut_to_40():
    assert parse_group_spec(body(name="n" * 50)).room_base_name == "n" * 40


def test_limits_are_inclusive():
    spec = parse_group_spec(
        body(name="n" * 50, state="s" * 30, chat_ids=[f"wr{i}" for i in range(5)], threshold=200, room_base_name="r" * 40, room_base_id=10_000)
    )
    assert (len(spec.chat_ids), spec.threshold, spec.room_base_name, spec.room_base_id) == (5, 200, "r" * 40, 10_000)
    assert parse_group_spec(body(threshold=1)).threshold == 1


@pytest.mark.parametrize(
    "b, field",
    [
        (body(colour="red"), "colour"),
        ({"chat_ids": ["wrA"]}, "name"),
        (body(name=""), "name"),
        (body(name="  "), "name"),
        (body(name="n" * 51), "name"),
        (body(name=3), "name"),
        (body(state="a" * 31), "state"),
        (body(state="a b"), "state"),
        (body(state=""), "state"),
        (body(state=7), "state"),
        ({"name": "n"}, "chat_ids"),
        (body(chat_ids=[]), "chat_ids"),
        (body(chat_ids="wrA"), "chat_ids"),
        (body(chat_ids=["wr A"]), "chat_ids[0]"),
        (body(chat_ids=["w" * 65]), "chat_ids[0]"),
        (body(chat_ids=[f"wr{i}" for i in range(6)]), "chat_ids"),
        (body(threshold=0), "threshold"),
        (body(threshold=201), "threshold"),
        (body(threshold=True), "threshold"),
        (body(threshold="190"), "threshold"),
        (body(auto_create_room=1), "auto_create_room"),
        (body(room_base_name="r" * 41), "room_base_name"),
        (body(room_base_name=None), "room_base_name"),
        (body(room_base_id=0), "room_base_id"),
        (body(room_base_id=10_001), "room_base_id"),
        (body(room_base_id=False), "room_base_id"),
        (body(welcome={}), "welcome"),
        (body(welcome={"text": "x" * 4001}), "welcome.text"),
        (
            body(welcome={"attachments": [{"msgtype": "link", "link": {"title": "t", "url": "u"}}] * 2}),
            "welcome.attachments",
        ),
    ],
)
def test_create_errors_name_the_field(b, field):
    assert field_of(b) == field


def test_six_ids_with_duplicates_are_five_groups():
    assert parse_group_spec(body(chat_ids=["a", "b", "c", "d", "e", "a"])).chat_ids == ("a", "b", "c", "d", "e")


@pytest.fixture
def existing() -> GroupCodeSpec:
    return parse_group_spec(body(state="g1", threshold=180, welcome={"text": "hi"}))


def test_an_update_changes_only_the_given_fields(existing):
    updated = parse_group_spec({"chat_ids": ["wrC"], "state": "g1"}, existing)
    assert updated == GroupCodeSpec("粉丝群", "g1", ("wrC",), 180, True, "粉丝群", 1, Welcome("hi"))
    assert parse_group_spec({}, existing) == existing
    assert parse_group_spec({"welcome": None}, existing).welcome is None


@pytest.mark.parametrize(
    "b, field",
    [
        ({"state": "g2"}, "state"),
        ({"name": None}, "name"),
        ({"chat_ids": []}, "chat_ids"),
        ({"threshold": 500}, "threshold"),
        ({"owner": "u1"}, "owner"),
    ],
)
def test_update_errors_name_the_field(existing, b, field):
    assert field_of(b, existing) == field


def test_stored_form_round_trips(existing):
    assert group_spec_from_dict(existing.as_dict()) == existing
    off = parse_group_spec(body(state="g2", auto_create_room=False))
    assert group_spec_from_dict(off.as_dict()) == off


# open_chats ----------------------------------------------------------------------------------------


def test_open_chats_drops_groups_at_the_threshold():
    spec = parse_group_spec(body(chat_ids=["a", "b", "c"], threshold=100))
    assert spec.open_chats({"a": 99, "b": 100, "c": 150}) == ["a"]
    assert spec.open_chats({"a": 100, "b": 3}) == ["b", "c"]  # an unknown count is 0
    assert spec.open_chats({}) == ["a", "b", "c"]


def test_open_chats_keeps_all_when_all_are_full():
    spec = parse_group_spec(body(chat_ids=["a", "b"], threshold=100))
    assert spec.open_chats({"a": 100, "b": 200}) == ["a", "b"]


def test_open_chats_default_threshold_is_190():
    spec = parse_group_spec(body(chat_ids=["a", "b"]))
    assert spec.open_chats({"a": 189, "b": 190}) == ["a"]


# WeCom bodies --------------------------------------------------------------------------------------


def test_join_way_body_with_rooms_created():
    spec = parse_group_spec(body(name="n" * 40, state="g1", room_base_name="base", room_base_id=3))
    assert join_way_body(spec, ["wrB"]) == {
        "scene": 2,
        "remark": "n" * 30,
        "auto_create_room": 1,
        "chat_id_list": ["wrB"],
        "state": "g1",
        "room_base_name": "base",
        "room_base_id": 3,
    }


def test_join_way_body_without_rooms_created():
    spec = parse_group_spec(body(state="g1", auto_create_room=False))
    assert join_way_body(spec, ["wrA", "wrB"]) == {
        "scene": 2,
        "remark": "粉丝群",
        "auto_create_room": 0,
        "chat_id_list": ["wrA", "wrB"],
        "state": "g1",
    }


def test_welcome_template_body_uses_wecom_nickname_placeholder():
    w = parse_welcome(
        {"text": "欢迎 {name}！{name}", "attachments": [{"msgtype": "link", "link": {"title": "t", "url": "https://x"}}]}
    )
    assert welcome_template_body(w) == {
        "text": {"content": "欢迎 %NICKNAME%！%NICKNAME%"},
        "link": {"title": "t", "url": "https://x"},
    }


def test_welcome_template_body_parts():
    assert welcome_template_body(Welcome("hi")) == {"text": {"content": "hi"}}
    image = {"msgtype": "image", "image": {"media_id": "m"}}
    video = {"msgtype": "video", "video": {"media_id": "v"}}
    assert welcome_template_body(Welcome("", (image, video))) == {"image": {"media_id": "m"}}
