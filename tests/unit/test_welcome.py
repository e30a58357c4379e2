from __future__ import annotations

from typing import Any

import pytest
from scrm.kernel.field_error import FieldError
from scrm.welcome.message import Welcome, parse_welcome, render


def field_of(value: Any, path: str = "welcome") -> str:
    with pytest.raises(FieldError) as err:
        parse_welcome(value, path)
    return err.value.field


def att(kind: str, **fields: Any) -> dict[str, Any]:
    return {"msgtype": kind, kind: fields}


VALID = {
    "image": att("image", media_id="m1"),
    "image_url": att("image", pic_url="https://p/1.png"),
    "link": att("link", title="t", url="https://x"),
    "miniprogram": att("miniprogram", title="t", pic_media_id="m", appid="wx1", page="pages/index"),
    "video": att("video", media_id="v1"),
    "file": att("file", media_id="f1"),
}


def test_none_is_no_welcome():
    assert parse_welcome(None) is None


def test_text_only():
    assert parse_welcome({"text": "你好"}) == Welcome("你好", ())


@pytest.mark.parametrize("name", sorted(VALID))
def test_every_msgtype_with_its_required_fields(name):
    w = parse_welcome({"attachments": [VALID[name]]})
    assert w == Welcome("", (VALID[name],))


def test_an_attachment_keeps_only_its_kind():
    w = parse_welcome({"attachments": [{**att("video", media_id="v1"), "link": {"title": "x"}}]})
    assert w.attachments == ({"msgtype": "video", "video": {"media_id": "v1"}},)


def test_text_limit_is_in_bytes():
    assert parse_welcome({"text": "a" * 4000}).text == "a" * 4000
    assert field_of({"text": "a" * 4001}) == "welcome.text"
    assert parse_welcome({"text": "中" * 1333}).text == "中" * 1333  # 3999 bytes
    assert field_of({"text": "中" * 1334}) == "welcome.text"  # 1334 characters, 4002 bytes
    assert parse_welcome({"text": "中" * 1333 + "a"}).text.encode().__len__() == 4000
    assert field_of({"text": "中" * 1333 + "ab"}) == "welcome.text"


def test_at_most_nine_attachments():
    nine = [VALID["image"]] * 9
    assert len(parse_welcome({"attachments": nine}).attachments) == 9
    with pytest.raises(FieldError) as err:
        parse_welcome({"attachments": nine + [VALID["file"]]})
    assert err.value.field == "welcome.attachments"
    assert err.value.why == "at most 9 attachments (WeCom's limit), got 10"


@pytest.mark.parametrize(
    "attachment, field",
    [
        (att("image"), "welcome.attachments[0].image.media_id"),
        (att("image", media_id="", pic_url=""), "welcome.attachments[0].image.media_id"),
        (att("link", url="https://x"), "welcome.attachments[0].link.title"),
        (att("link", title="t"), "welcome.attachments[0].link.url"),
        (att("link", title="t", url=5), "welcome.attachments[0].link.url"),
        (att("miniprogram", pic_media_id="m", appid="a", page="p"), "welcome.attachments[0].miniprogram.title"),
        (att("miniprogram", title="t", appid="a", page="p"), "welcome.attachments[0].miniprogram.pic_media_id"),
        (att("miniprogram", title="t", pic_media_id="m", page="p"), "welcome.attachments[0].miniprogram.appid"),
        (att("miniprogram", title="t", pic_media_id="m", appid="a"), "welcome.attachments[0].miniprogram.page"),
        (att("video"), "welcome.attachments[0].video.media_id"),
        (att("video", pic_url="https://p"), "welcome.attachments[0].video.media_id"),
        (att("file"), "welcome.attachments[0].file.media_id"),
        ({"msgtype": "link", "link": "https://x"}, "welcome.attachments[0].link"),
        ({"msgtype": "link"}, "welcome.attachments[0].link"),
        ({"msgtype": "text", "text": {"content": "x"}}, "welcome.attachments[0].msgtype"),
        ({"image": {"media_id": "m"}}, "welcome.attachments[0].msgtype"),
        ("image", "welcome.attachments[0]"),
    ],
)
def test_attachment_errors_name_the_exact_field(attachment, field):
    assert field_of({"text": "hi", "attachments": [attachment]}) == field


def test_the_index_of_the_bad_attachment_is_named():
    assert field_of({"attachments": [VALID["image"], VALID["link"], att("file")]}) == "welcome.attachments[2].file.media_id"


def test_required_error_message_lists_the_alternatives():
    with pytest.raises(FieldError) as err:
        parse_welcome({"attachments": [att("image")]})
    assert err.value.why == "required: media_id or pic_url"


@pytest.mark.parametrize(
    "value, field",
    [
        ({}, "welcome"),
        ({"text": ""}, "welcome"),
        ({"text": "  \n "}, "welcome"),
        ({"text": "", "attachments": []}, "welcome"),
        ("hello", "welcome"),
        ([], "welcome"),
        ({"text": "hi", "colour": "red"}, "welcome.colour"),
        ({"text": 5}, "welcome.text"),
        ({"text": None}, "welcome.text"),
        ({"text": "hi", "attachments": {}}, "welcome.attachments"),
    ],
)
def test_welcome_errors_name_the_field(value, field):
    assert field_of(value) == field


def test_the_path_prefix_is_the_callers():
    assert field_of({"attachments": [att("link", title="t")]}, "schedule[2].welcome") == (
        "schedule[2].welcome.attachments[0].link.url"
    )


def test_payload_fills_the_name():
    w = parse_welcome({"text": "{name}，你好！{name}", "attachments": [VALID["link"]]})
    assert w.needs_name
    assert w.payload("张三") == {
        "text": {"content": "张三，你好！张三"},
        "attachments": [{"msgtype": "link", "link": {"title": "t", "url": "https://x"}}],
    }
    assert w.payload() == {
        "text": {"content": "，你好！"},
        "attachments": [{"msgtype": "link", "link": {"title": "t", "url": "https://x"}}],
    }


def test_payload_leaves_out_empty_parts():
    assert parse_welcome({"text": "hi"}).payload("x") == {"text": {"content": "hi"}}
    assert not parse_welcome({"text": "hi"}).needs_name
    assert parse_welcome({"attachments": [VALID["video"]]}).payload("x") == {
        "attachments": [{"msgtype": "video", "video": {"media_id": "v1"}}]
    }


def test_payload_is_a_copy():
    w = parse_welcome({"attachments": [VALID["file"]]})
    w.payload()["attachments"].append("x")
    w.payload()["attachments"][0]["msgtype"] = "changed"
    assert w.payload()["attachments"] == [{"msgtype": "file", "file": {"media_id": "f1"}}]


def test_as_dict_round_trips():
    w = parse_welcome({"text": "hi {name}", "attachments": [VALID["image_url"], VALID["miniprogram"]]})
    assert w.as_dict() == {"text": "hi {name}", "attachments": [VALID["image_url"], VALID["miniprogram"]]}
    assert parse_welcome(w.as_dict()) == w


def test_render_fills_the_name_and_cuts_to_the_limit():
    assert render("{name}-门店", "张三", 20) == "张三-门店"
    assert render("{name}-门店", "欧阳娜娜的好朋友", 6) == "欧阳娜娜的好"
    assert render("来自{name}", "", 20) == "来自"
    assert render("x" * 25, "n", 20) == "x" * 20
    assert render("", "n", 20) == ""
