"""Builders for the plaintext field sets of WeCom callback events (92130 and 90970).

Each builder returns an ordered dict; xmlfmt.render turns it into the XML WeCom sends.  Field
order follows captured WeCom payloads (Event, ChangeType, then the event's own fields) — parsers
should not depend on order, but matching it keeps byte-level comparisons meaningful.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Fields = dict[str, Any]

COMMON_FIELDS = ("ToUserName", "FromUserName", "CreateTime", "MsgType")


def _base(corp_id: str, create_time: int, event: str) -> Fields:
    return {
        "ToUserName": corp_id,
        "FromUserName": "sys",
        "CreateTime": create_time,
        "MsgType": "event",
        "Event": event,
    }


def external_contact(
    corp_id: str,
    create_time: int,
    change_type: str,
    userid: str,
    external_userid: str,
    *,
    state: str | None = None,
    welcome_code: str | None = None,
    source: str | None = None,
    fail_reason: str | None = None,
) -> Fields:
    """change_external_contact: add/add_half/edit/del_external_contact, del_follow_user, transfer_fail."""
    fields = _base(corp_id, create_time, "change_external_contact")
    fields["ChangeType"] = change_type
    if fail_reason is not None:
        fields["FailReason"] = fail_reason
    fields["UserID"] = userid
    fields["ExternalUserID"] = external_userid
    if state is not None:
        fields["State"] = state
    if welcome_code is not None:
        fields["WelcomeCode"] = welcome_code
    if source is not None:
        fields["Source"] = source
    return fields


def external_chat(
    corp_id: str,
    create_time: int,
    change_type: str,
    chat_id: str,
    *,
    update_detail: str | None = None,
    join_scene: int | None = None,
    quit_scene: int | None = None,
    members: list[str] | None = None,
    last_mem_ver: str | None = None,
    cur_mem_ver: str | None = None,
) -> Fields:
    """change_external_chat: create, update (with member-change details), dismiss."""
    fields = _base(corp_id, create_time, "change_external_chat")
    fields["ChatId"] = chat_id
    fields["ChangeType"] = change_type
    if update_detail is not None:
        fields["UpdateDetail"] = update_detail
    if join_scene is not None:
        fields["JoinScene"] = join_scene
    if quit_scene is not None:
        fields["QuitScene"] = quit_scene
    if members is not None:
        fields["MemChangeCnt"] = len(members)
        fields["MemChangeList"] = list(members)
    if last_mem_ver is not None:
        fields["LastMemVer"] = last_mem_ver
    if cur_mem_ver is not None:
        fields["CurMemVer"] = cur_mem_ver
    return fields


def external_tag(
    corp_id: str,
    create_time: int,
    change_type: str,
    some_id: str,
    tag_type: str | None,
    strategy_id: int | None = None,
) -> Fields:
    """change_external_tag: create/update/delete carry TagType; shuffle does not."""
    fields = _base(corp_id, create_time, "change_external_tag")
    fields["ChangeType"] = change_type
    fields["Id"] = some_id
    if tag_type is not None:
        fields["TagType"] = tag_type
    if strategy_id is not None:
        fields["StrategyId"] = strategy_id
    return fields


def contact(
    corp_id: str, create_time: int, change_type: str, userid: str, extra: Mapping[str, Any] | None = None
) -> Fields:
    """change_contact: create_user / update_user (NewUserID and changed fields) / delete_user."""
    fields = _base(corp_id, create_time, "change_contact")
    fields["ChangeType"] = change_type
    fields["UserID"] = userid
    fields.update(extra or {})
    return fields


def raw(corp_id: str, create_time: int, given: Mapping[str, Any]) -> Fields:
    """Caller-chosen fields, with the common header filled in first when absent."""
    fields: Fields = {
        "ToUserName": given.get("ToUserName", corp_id),
        "FromUserName": given.get("FromUserName", "sys"),
        "CreateTime": given.get("CreateTime", create_time),
        "MsgType": given.get("MsgType", "event"),
    }
    for key, value in given.items():
        if key not in fields:
            fields[key] = value
    return fields
