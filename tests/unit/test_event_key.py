"""scrm.kernel.event_key: one key per real event, the same key for every delivery of it (facts §1)."""

from __future__ import annotations

import re

from scrm.adapters.wecom.xml import parse_xml
from scrm.kernel.event_key import KEY_FIELDS, event_id, event_key

from tests.unit.fakes import event_fields, event_xml

CORP = "wwcorp0001"
T = 1_700_000_000


def contact(**extra: object) -> dict[str, object]:
    base = {"UserID": "zhangsan", "ExternalUserID": "wmEXT1"}
    base.update(extra)
    return event_fields(CORP, "change_external_contact", "add_external_contact", T, **base)


def test_redelivery_gives_the_same_key() -> None:
    a = contact(State="s", WelcomeCode="W1")
    b = dict(contact(State="s", WelcomeCode="W1"))
    assert event_key(a) == event_key(b)


def test_key_ignores_field_order() -> None:
    a = contact(State="s")
    b = dict(reversed(list(a.items())))
    assert list(a) != list(b)
    assert event_key(a) == event_key(b)


def test_key_is_the_same_from_xml_and_from_the_queue_dict() -> None:
    """The callback route keys parse_xml's dict; a str CreateTime and an int one must agree."""
    fields = event_fields(
        CORP,
        "change_external_chat",
        "update",
        T,
        ChatId="wrC",
        UpdateDetail="add_member",
        MemChangeList=["wmA"],
    )
    from_xml = parse_xml(event_xml(fields))
    as_int = {**fields, "CreateTime": T}
    assert event_key(from_xml) == event_key(fields) == event_key(as_int)


def test_key_holds_the_identifying_fields_in_order() -> None:
    key = event_key(contact())
    parts = key.split("|")
    assert len(parts) == len(KEY_FIELDS)
    assert parts[:6] == [
        CORP,
        "change_external_contact",
        "add_external_contact",
        str(T),
        "zhangsan",
        "wmEXT1",
    ]


def test_same_second_different_external_user() -> None:
    """WxJava PR #3002: same second, same UserID, only ExternalUserID differs."""
    assert event_key(contact(ExternalUserID="wmA")) != event_key(contact(ExternalUserID="wmB"))


def test_same_second_different_user() -> None:
    assert event_key(contact(UserID="u1")) != event_key(contact(UserID="u2"))


def test_same_second_different_change_type() -> None:
    """WxJava PR #1288: create_user and update_user at the same time."""
    a = event_fields(CORP, "change_contact", "create_user", T, UserID="u1")
    b = event_fields(CORP, "change_contact", "update_user", T, UserID="u1")
    assert event_key(a) != event_key(b)


def test_same_second_different_tag_id() -> None:
    """WxJava #2314: tag-group events in the same second."""
    a = event_fields(CORP, "change_external_tag", "create", T, Id="etA", TagType="tag")
    b = event_fields(CORP, "change_external_tag", "create", T, Id="etB", TagType="tag")
    assert event_key(a) != event_key(b)


def test_same_second_tag_vs_tag_group() -> None:
    a = event_fields(CORP, "change_external_tag", "delete", T, Id="et1", TagType="tag")
    b = event_fields(CORP, "change_external_tag", "delete", T, Id="et1", TagType="tag_group")
    assert event_key(a) != event_key(b)


def chat(**extra: object) -> dict[str, object]:
    base = {"ChatId": "wrC", "UpdateDetail": "add_member", "CurMemVer": "v2", "MemChangeList": ["wmA"]}
    base.update(extra)
    return event_fields(CORP, "change_external_chat", "update", T, **base)


def test_same_second_different_update_detail() -> None:
    assert event_key(chat(UpdateDetail="add_member")) != event_key(chat(UpdateDetail="change_name"))


def test_same_second_different_member_version() -> None:
    assert event_key(chat(CurMemVer="v2")) != event_key(chat(CurMemVer="v3"))


def test_same_second_different_members() -> None:
    assert event_key(chat(MemChangeList=["wmA"])) != event_key(chat(MemChangeList=["wmB"]))


def test_member_list_order_and_shape_do_not_matter() -> None:
    assert event_key(chat(MemChangeList=["wmA", "wmB"])) == event_key(chat(MemChangeList=["wmB", "wmA"]))
    assert event_key(chat(MemChangeList=["wmA"])) == event_key(chat(MemChangeList={"Item": "wmA"}))
    assert event_key(chat(MemChangeList=["wmA", "wmB"])) == event_key(
        chat(MemChangeList={"Item": ["wmB", "wmA"]})
    )


def test_different_corp_gives_a_different_key() -> None:
    a = contact()
    b = {**a, "ToUserName": "wwother"}
    assert event_key(a) != event_key(b)


def test_known_event_ignores_non_key_fields() -> None:
    """A redelivery may differ in fields that identify nothing (e.g. a re-issued WelcomeCode)."""
    assert event_key(contact(WelcomeCode="W1", State="s")) == event_key(contact(WelcomeCode="W2", State="s"))


def test_unknown_events_differing_in_a_non_key_field_differ() -> None:
    a = event_fields(CORP, "msgaudit_notify", None, T, AgentID="1000002")
    b = event_fields(CORP, "msgaudit_notify", None, T, AgentID="1000003")
    assert event_key(a) != event_key(b)
    assert event_key(a) == event_key(dict(reversed(list(a.items()))))


def test_known_event_with_unknown_change_type_hashes_the_rest() -> None:
    a = event_fields(CORP, "change_external_contact", "brand_new_change", T, UserID="u1", Detail="one")
    b = event_fields(CORP, "change_external_contact", "brand_new_change", T, UserID="u1", Detail="two")
    assert event_key(a) != event_key(b)


def test_unknown_event_key_has_a_hash_of_the_rest() -> None:
    key = event_key(event_fields(CORP, "msgaudit_notify", None, T, AgentID="1"))
    parts = key.split("|")
    assert len(parts) == len(KEY_FIELDS) + 1
    assert re.fullmatch(r"[0-9a-f]{16}", parts[-1])


def test_unknown_events_differing_inside_a_nested_element_differ() -> None:
    xml = (
        f"<xml><ToUserName>{CORP}</ToUserName><FromUserName>sys</FromUserName><CreateTime>{T}</CreateTime>"
        "<MsgType>event</MsgType><Event>batch_job_result</Event>"
        "<BatchJob><JobId>{job}</JobId><JobType>sync_user</JobType><ErrCode>0</ErrCode><ErrMsg>ok</ErrMsg></BatchJob>"
        "</xml>"
    )
    a = parse_xml(xml.replace("{job}", "JOB_ONE"))
    b = parse_xml(xml.replace("{job}", "JOB_TWO"))
    assert a["BatchJob"]["JobId"] != b["BatchJob"]["JobId"]
    assert event_key(a) != event_key(b)


def test_event_id_is_short_stable_and_hex() -> None:
    key = event_key(contact())
    eid = event_id(key)
    assert re.fullmatch(r"[0-9a-f]{24}", eid)
    assert event_id(key) == eid
    assert event_id(event_key(dict(contact()))) == eid
    assert event_id(event_key(contact(ExternalUserID="wmOTHER"))) != eid
    # it is a hash, not the key: user ids do not leak into logs
    assert "zhangsan" not in eid and "wmEXT1" not in eid


def test_event_id_known_value() -> None:
    """Stable across processes and releases (sort keys and de-dup records depend on it): sha256, 24 hex."""
    assert event_id("a|b") == "0eab8a0a3380abf4c7d1fb0b"
