"""scrm.adapters.wecom.xml: callback XML to flat field dicts."""

from __future__ import annotations

import pytest
from scrm.adapters.wecom.xml import XmlError, parse_xml


def test_flat_fields_and_cdata() -> None:
    fields = parse_xml(
        "<xml><ToUserName><![CDATA[ww1]]></ToUserName><CreateTime>1700000000</CreateTime>"
        "<Event><![CDATA[change_contact]]></Event><Empty></Empty></xml>"
    )
    assert fields == {"ToUserName": "ww1", "CreateTime": "1700000000", "Event": "change_contact", "Empty": ""}


def test_bytes_and_chinese() -> None:
    assert parse_xml("<xml><Name>张三</Name></xml>".encode()) == {"Name": "张三"}


def test_one_item_becomes_a_list() -> None:
    fields = parse_xml("<xml><MemChangeList><Item><![CDATA[wmA]]></Item></MemChangeList></xml>")
    assert fields == {"MemChangeList": ["wmA"]}


def test_several_items_stay_a_list_in_order() -> None:
    fields = parse_xml(
        "<xml><MemChangeList><Item>wmB</Item><Item>wmA</Item><Item>u1</Item></MemChangeList></xml>"
    )
    assert fields == {"MemChangeList": ["wmB", "wmA", "u1"]}


def test_empty_item_among_others_is_dropped() -> None:
    assert parse_xml("<xml><L><Item>a</Item><Item/></L></xml>") == {"L": ["a"]}


def test_single_empty_item() -> None:
    try:
        fields = parse_xml("<xml><MemChangeList><Item/></MemChangeList></xml>")
    except XmlError:
        return
    assert fields == {"MemChangeList": []}


def test_nested_element_kept_as_dict() -> None:
    fields = parse_xml("<xml><BatchJob><JobId>J1</JobId><ErrCode>0</ErrCode></BatchJob></xml>")
    assert fields == {"BatchJob": {"JobId": "J1", "ErrCode": "0"}}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not xml",
        "<xml><a></xml>",
        "<other><a>1</a></other>",
        "<xml/>",
        "<xml>text</xml>",
        b"\xff\xfe<xml/>",
    ],
)
def test_malformed_or_wrong_root(text: str | bytes) -> None:
    with pytest.raises(XmlError):
        parse_xml(text)


def test_entities_are_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        "<xml><Encrypt>&b;</Encrypt></xml>"
    )
    with pytest.raises(XmlError):
        parse_xml(bomb)


@pytest.mark.parametrize("as_bytes", [True, False], ids=["bytes", "str"])
def test_a_declared_unknown_encoding_is_malformed_input(as_bytes: bool) -> None:
    """Not a LookupError (the route held such a body and answered 503): a body WeCom never sends."""
    text = '<?xml version="1.0" encoding="x-unknown"?><xml><A>1</A></xml>'
    with pytest.raises(XmlError, match="unknown encoding"):
        parse_xml(text.encode() if as_bytes else text)


def test_a_declared_known_encoding_is_read() -> None:
    assert parse_xml(b"<?xml version='1.0' encoding='UTF-8'?><xml><A>1</A></xml>") == {"A": "1"}
