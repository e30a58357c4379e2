"""scrm.kernel.events: typing WeCom callback events from the flat XML field dicts (facts §2)."""

from __future__ import annotations

import pytest
from scrm.adapters.wecom.xml import parse_xml
from scrm.kernel.events import (
    ContactEvent,
    ExternalChatEvent,
    ExternalContactEvent,
    ExternalTagEvent,
    WeComEvent,
    parse_event,
)

from tests.unit.fakes import event_xml

CORP = "wwcorp0001"
T = 1_700_000_000


def parsed(event: str, change_type: str | None, **extra: object) -> WeComEvent:
    """Build the decrypted XML WeCom would send and parse it the way the callback route does."""
    fields: dict[str, object] = {
        "ToUserName": CORP,
        "FromUserName": "sys",
        "CreateTime": T,
        "MsgType": "event",
        "Event": event,
    }
    if change_type is not None:
        fields["ChangeType"] = change_type
    fields.update(extra)
    return parse_event(parse_xml(event_xml(fields)))


# change_external_contact ------------------------------------------------------------------------


def test_add_external_contact() -> None:
    e = parsed(
        "change_external_contact",
        "add_external_contact",
        UserID="zhangsan",
        ExternalUserID="wmEXT1",
        State="poster_2024",
        WelcomeCode="WELCOME1",
    )
    assert type(e) is ExternalContactEvent
    assert e.kind == "external_contact"
    assert (e.corp_id, e.event, e.change_type, e.create_time) == (
        CORP,
        "change_external_contact",
        "add_external_contact",
        T,
    )
    assert (e.user_id, e.external_user_id, e.state, e.welcome_code) == (
        "zhangsan",
        "wmEXT1",
        "poster_2024",
        "WELCOME1",
    )
    assert (e.source, e.fail_reason) == ("", "")
    assert e.fields["WelcomeCode"] == "WELCOME1"  # the whole payload is kept
    assert "WELCOME1" not in repr(e)  # the one-time welcome code stays out of logs


def test_add_external_contact_without_welcome_code() -> None:
    e = parsed("change_external_contact", "add_external_contact", UserID="u1", ExternalUserID="wmE")
    assert isinstance(e, ExternalContactEvent)
    assert (e.welcome_code, e.state) == ("", "")


def test_add_half_external_contact() -> None:
    e = parsed(
        "change_external_contact",
        "add_half_external_contact",
        UserID="u1",
        ExternalUserID="wmE",
        State="s1",
        WelcomeCode="W",
    )
    assert type(e) is ExternalContactEvent
    assert (e.change_type, e.user_id, e.external_user_id, e.state, e.welcome_code) == (
        "add_half_external_contact",
        "u1",
        "wmE",
        "s1",
        "W",
    )


def test_edit_external_contact() -> None:
    e = parsed("change_external_contact", "edit_external_contact", UserID="u1", ExternalUserID="wmE")
    assert type(e) is ExternalContactEvent
    assert (e.change_type, e.user_id, e.external_user_id) == ("edit_external_contact", "u1", "wmE")


@pytest.mark.parametrize("source", ["DELETE_BY_TRANSFER", ""])
def test_del_external_contact(source: str) -> None:
    extra = {"Source": source} if source else {}
    e = parsed("change_external_contact", "del_external_contact", UserID="u1", ExternalUserID="wmE", **extra)
    assert type(e) is ExternalContactEvent
    assert (e.change_type, e.user_id, e.external_user_id, e.source) == (
        "del_external_contact",
        "u1",
        "wmE",
        source,
    )


def test_del_follow_user() -> None:
    e = parsed("change_external_contact", "del_follow_user", UserID="u1", ExternalUserID="wmE")
    assert type(e) is ExternalContactEvent
    assert (e.change_type, e.user_id, e.external_user_id) == ("del_follow_user", "u1", "wmE")


@pytest.mark.parametrize("reason", ["customer_refused", "customer_limit_exceed"])
def test_transfer_fail(reason: str) -> None:
    e = parsed(
        "change_external_contact", "transfer_fail", FailReason=reason, UserID="taker", ExternalUserID="wmE"
    )
    assert type(e) is ExternalContactEvent
    assert (e.change_type, e.fail_reason, e.user_id, e.external_user_id) == (
        "transfer_fail",
        reason,
        "taker",
        "wmE",
    )


def test_msg_audit_approved_is_not_typed() -> None:
    """Not among the change types we act on: it stays a plain event (kept raw by the handler)."""
    e = parsed(
        "change_external_contact", "msg_audit_approved", UserID="u1", ExternalUserID="wmE", WelcomeCode="W"
    )
    assert type(e) is WeComEvent
    assert e.kind == "unknown"
    assert (e.event, e.change_type) == ("change_external_contact", "msg_audit_approved")
    assert e.fields["ExternalUserID"] == "wmE"


# change_external_chat ---------------------------------------------------------------------------


@pytest.mark.parametrize("change", ["create", "dismiss"])
def test_chat_create_and_dismiss(change: str) -> None:
    e = parsed("change_external_chat", change, ChatId="wrCHAT1")
    assert type(e) is ExternalChatEvent
    assert e.kind == "external_chat"
    assert (e.change_type, e.chat_id, e.update_detail) == (change, "wrCHAT1", "")
    assert (e.join_scene, e.quit_scene, e.mem_change_cnt, e.mem_change_list) == (None, None, 0, ())
    assert (e.last_mem_ver, e.cur_mem_ver) == ("", "")


def test_chat_update_add_member_with_one_item() -> None:
    """xmltodict gives a str for one <Item>: it still becomes a one-element tuple."""
    e = parsed(
        "change_external_chat",
        "update",
        ChatId="wrCHAT1",
        UpdateDetail="add_member",
        JoinScene=3,
        MemChangeCnt=1,
        MemChangeList=["wmCUST1"],
        LastMemVer="v1",
        CurMemVer="v2",
    )
    assert type(e) is ExternalChatEvent
    assert e.update_detail == "add_member"
    assert e.join_scene == 3
    assert e.quit_scene is None
    assert e.mem_change_cnt == 1
    assert e.mem_change_list == ("wmCUST1",)
    assert (e.last_mem_ver, e.cur_mem_ver) == ("v1", "v2")


def test_chat_update_del_member_with_several_items() -> None:
    e = parsed(
        "change_external_chat",
        "update",
        ChatId="wrCHAT1",
        UpdateDetail="del_member",
        QuitScene=1,
        MemChangeCnt=3,
        MemChangeList=["wmA", "wmB", "employee1"],
        LastMemVer="v2",
        CurMemVer="v3",
    )
    assert type(e) is ExternalChatEvent
    assert e.mem_change_list == ("wmA", "wmB", "employee1")
    assert e.mem_change_cnt == 3
    assert (e.join_scene, e.quit_scene) == (None, 1)


def test_join_scene_zero_is_not_none() -> None:
    e = parsed(
        "change_external_chat", "update", ChatId="c", UpdateDetail="add_member", JoinScene=0, QuitScene=0
    )
    assert isinstance(e, ExternalChatEvent)
    assert (e.join_scene, e.quit_scene) == (0, 0)


def test_mem_change_list_as_raw_xmltodict_shapes() -> None:
    """Fields that did not go through parse_xml (raw xmltodict): {"Item": str} and {"Item": [...]}."""
    base = {"ToUserName": CORP, "CreateTime": str(T), "Event": "change_external_chat", "ChangeType": "update"}
    one = parse_event({**base, "MemChangeList": {"Item": "wmA"}})
    many = parse_event({**base, "MemChangeList": {"Item": ["wmA", "wmB"]}})
    bare = parse_event({**base, "MemChangeList": "wmA"})
    empty = parse_event({**base, "MemChangeList": ""})
    assert isinstance(one, ExternalChatEvent) and one.mem_change_list == ("wmA",)
    assert isinstance(many, ExternalChatEvent) and many.mem_change_list == ("wmA", "wmB")
    assert isinstance(bare, ExternalChatEvent) and bare.mem_change_list == ("wmA",)
    assert isinstance(empty, ExternalChatEvent) and empty.mem_change_list == ()


@pytest.mark.parametrize("detail", ["change_owner", "change_name", "change_notice"])
def test_chat_update_other_details(detail: str) -> None:
    e = parsed("change_external_chat", "update", ChatId="wrC", UpdateDetail=detail)
    assert isinstance(e, ExternalChatEvent)
    assert (e.update_detail, e.mem_change_list) == (detail, ())


# change_external_tag ----------------------------------------------------------------------------


@pytest.mark.parametrize("change", ["create", "update", "delete"])
@pytest.mark.parametrize("tag_type", ["tag", "tag_group"])
def test_tag_events(change: str, tag_type: str) -> None:
    e = parsed("change_external_tag", change, Id="etTAG1", TagType=tag_type)
    assert type(e) is ExternalTagEvent
    assert e.kind == "external_tag"
    assert (e.change_type, e.tag_id, e.tag_type, e.strategy_id) == (change, "etTAG1", tag_type, "")


def test_tag_event_with_strategy_id() -> None:
    e = parsed("change_external_tag", "create", Id="etTAG1", TagType="tag", StrategyId="7")
    assert isinstance(e, ExternalTagEvent)
    assert e.strategy_id == "7"


def test_tag_shuffle_with_and_without_id() -> None:
    with_id = parsed("change_external_tag", "shuffle", Id="etGROUP1")
    without = parsed("change_external_tag", "shuffle", Id="")
    assert type(with_id) is ExternalTagEvent and type(without) is ExternalTagEvent
    assert (with_id.tag_id, with_id.tag_type) == ("etGROUP1", "")
    assert (without.tag_id, without.tag_type) == ("", "")


# change_contact ---------------------------------------------------------------------------------


@pytest.mark.parametrize("change", ["create_user", "delete_user"])
def test_contact_create_and_delete(change: str) -> None:
    e = parsed("change_contact", change, UserID="lisi")
    assert type(e) is ContactEvent
    assert e.kind == "contact"
    assert (e.change_type, e.user_id, e.new_user_id) == (change, "lisi", "")


def test_contact_update_with_new_user_id() -> None:
    e = parsed("change_contact", "update_user", UserID="lisi", NewUserID="lisi2", Name="李四")
    assert type(e) is ContactEvent
    assert (e.user_id, e.new_user_id) == ("lisi", "lisi2")
    assert e.fields["Name"] == "李四"


# unknown ----------------------------------------------------------------------------------------


def test_unknown_event_stays_plain() -> None:
    e = parsed("msgaudit_notify", None, AgentID="1000002")
    assert type(e) is WeComEvent
    assert e.kind == "unknown"
    assert (e.corp_id, e.event, e.change_type, e.create_time) == (CORP, "msgaudit_notify", "", T)
    assert e.fields["AgentID"] == "1000002"


def test_batch_job_result_stays_plain_with_its_nested_fields() -> None:
    xml = (
        f"<xml><ToUserName>{CORP}</ToUserName><FromUserName>sys</FromUserName><CreateTime>{T}</CreateTime>"
        "<MsgType>event</MsgType><Event>batch_job_result</Event>"
        "<BatchJob><JobId>J1</JobId><JobType>sync_user</JobType><ErrCode>0</ErrCode><ErrMsg>ok</ErrMsg></BatchJob>"
        "</xml>"
    )
    e = parse_event(parse_xml(xml))
    assert type(e) is WeComEvent
    assert e.fields["BatchJob"]["JobId"] == "J1"


@pytest.mark.parametrize(
    "event",
    ["change_external_contact", "change_external_chat", "change_external_tag", "change_contact"],
)
def test_known_event_with_unknown_change_type_stays_plain(event: str) -> None:
    e = parsed(event, "brand_new_change", UserID="u1", ChatId="c1", Id="t1")
    assert type(e) is WeComEvent
    assert e.change_type == "brand_new_change"


def test_missing_or_bad_create_time_is_zero() -> None:
    assert parse_event({"ToUserName": CORP, "Event": "x"}).create_time == 0
    assert parse_event({"ToUserName": CORP, "Event": "x", "CreateTime": "soon"}).create_time == 0


def test_fields_are_a_copy() -> None:
    fields = {"ToUserName": CORP, "Event": "change_contact", "ChangeType": "create_user", "UserID": "u"}
    e = parse_event(fields)
    fields["UserID"] = "changed"
    assert e.fields["UserID"] == "u"


def test_events_compare_by_typed_fields_not_payload() -> None:
    a = parse_event(
        {"ToUserName": CORP, "Event": "change_contact", "ChangeType": "create_user", "UserID": "u"}
    )
    b = parse_event(
        {
            "ToUserName": CORP,
            "Event": "change_contact",
            "ChangeType": "create_user",
            "UserID": "u",
            "Name": "x",
        }
    )
    c = parse_event(
        {"ToUserName": CORP, "Event": "change_contact", "ChangeType": "create_user", "UserID": "v"}
    )
    assert a == b
    assert a != c


@pytest.mark.parametrize("value", ["abc", "", "-"])
def test_non_numeric_scene_is_none(value: str) -> None:
    e = parse_event(
        {"ToUserName": CORP, "Event": "change_external_chat", "ChangeType": "update", "JoinScene": value}
    )
    assert isinstance(e, ExternalChatEvent) and e.join_scene is None


@pytest.mark.parametrize("value", ["--3", "²"])
def test_odd_scene_values_do_not_raise(value: str) -> None:
    fields = {"ToUserName": CORP, "Event": "change_external_chat", "ChangeType": "update", "QuitScene": value}
    e = parse_event(fields)
    assert isinstance(e, ExternalChatEvent) and e.quit_scene is None
