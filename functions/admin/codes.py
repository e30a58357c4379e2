"""Channel live codes, group live codes, their statistics and the corp's default welcome."""

from __future__ import annotations

from typing import Any

from admin.api import Doc, csv_response, json_response, query_of, route
from admin.schemas import codes as S

CODE_ID = {"code_id": "the code's id (= its state)"}
R = {404: None}  # the code routes list 404 on every call, reads included
W = {**R, 409: None, 502: None}


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.live_codes()


# channel codes (渠道活码) ------------------------------------------------------------------------
@route("/admin/channel-codes", doc=Doc(
    "Channel live codes of the corp (filters: group, q in the name, status)",
    {200: ("codes and the corp's code groups", S.ChannelCodeList)}, query=S.ChannelQuery, errors=R,
))  # fmt: skip
def channel_list(principal: Any, request: Any) -> Any:
    return _service().list_channel(principal.corp_id, query_of(request))


@route("/admin/channel-codes", methods=("POST",), write=True, doc=Doc(
    "Create a channel code: a WeCom contact way plus welcome, tags and templates",
    {201: ("the code with its qr_code and config_id", S.ChannelCode)}, body=S.ChannelCodeInput, errors=W,
))  # fmt: skip
def channel_create(principal: Any, request: Any, body: S.ChannelCodeInput) -> Any:
    return json_response(201, _service().create_channel(principal.corp_id, body.fields()))


@route("/admin/channel-codes/{code_id}", doc=Doc(
    "A channel code", {200: ("the code", S.ChannelCode)}, params=CODE_ID, errors=R
))
def channel_get(principal: Any, request: Any, code_id: str) -> Any:
    return _service().get_channel(principal.corp_id, code_id)


@route("/admin/channel-codes/{code_id}", methods=("PUT",), write=True, doc=Doc(
    "Change a channel code (only the given fields; state and mode are fixed)",
    {200: ("the code as saved", S.ChannelCode)}, body=S.ChannelCodeInput, params=CODE_ID, errors=W,
))  # fmt: skip
def channel_update(principal: Any, request: Any, code_id: str, body: S.ChannelCodeInput) -> Any:
    return _service().update_channel(principal.corp_id, code_id, body.fields())


@route("/admin/channel-codes/{code_id}", methods=("DELETE",), write=True, doc=Doc(
    "Delete the contact way; the code stays readable as deleted, with its statistics",
    {200: ("deleted", S.CodeDeleted)}, params=CODE_ID, errors=W,
))  # fmt: skip
def channel_delete(principal: Any, request: Any, code_id: str) -> Any:
    return _service().delete_channel(principal.corp_id, code_id)


@route("/admin/channel-codes/{code_id}/stats", doc=Doc(
    "Adds per day and member, lost since (by customer / by employee), net, missed welcomes",
    {200: ("the report (JSON) or one of its tables (CSV, UTF-8 with BOM)", S.ChannelStats)},
    query=S.ChannelStatsQuery, params=CODE_ID, errors=R, csv=True,
))  # fmt: skip
def channel_stats(principal: Any, request: Any, code_id: str) -> Any:
    result = _service().channel_stats(principal.corp_id, code_id, query_of(request))
    return csv_response(result, f"{code_id}-stats.csv") if isinstance(result, str) else result


# the corp's default welcome (adds without a known state) ------------------------------------------
@route("/admin/welcome-default", doc=Doc(
    "The corp's welcome for adds without a state or with an unknown one",
    {200: ("the welcome or null", S.DefaultWelcome)}, errors=R,
))  # fmt: skip
def welcome_default(principal: Any, request: Any) -> Any:
    return _service().default_welcome(principal.corp_id)


@route("/admin/welcome-default", methods=("PUT",), write=True, doc=Doc(
    "Set (or with welcome: null, clear) the corp's default welcome",
    {200: ("saved", S.DefaultWelcome)}, body=S.DefaultWelcome, errors=W,
))  # fmt: skip
def welcome_default_set(principal: Any, request: Any, body: S.DefaultWelcome) -> Any:
    return _service().set_default_welcome(principal.corp_id, body.model_dump()["welcome"])


# group codes (群活码) ---------------------------------------------------------------------------
@route("/admin/group-codes", doc=Doc(
    "Group live codes of the corp", {200: ("codes", S.GroupCodeList)}, query=S.GroupCodeQuery, errors=R
))
def group_list(principal: Any, request: Any) -> Any:
    return _service().list_group(principal.corp_id, query_of(request))


@route("/admin/group-codes", methods=("POST",), write=True, doc=Doc(
    "Create a group code: a WeCom join way over 1..5 groups, plus a group welcome template",
    {201: ("the code with its qr_code", S.GroupCode)}, body=S.GroupCodeInput, errors=W,
))  # fmt: skip
def group_create(principal: Any, request: Any, body: S.GroupCodeInput) -> Any:
    return json_response(201, _service().create_group(principal.corp_id, body.fields()))


@route("/admin/group-codes/{code_id}", doc=Doc(
    "A group code", {200: ("the code", S.GroupCode)}, params=CODE_ID, errors=R
))
def group_get(principal: Any, request: Any, code_id: str) -> Any:
    return _service().get_group(principal.corp_id, code_id)


@route("/admin/group-codes/{code_id}", methods=("PUT",), write=True, doc=Doc(
    "Change a group code",
    {200: ("the code as saved", S.GroupCode)}, body=S.GroupCodeInput, params=CODE_ID, errors=W,
))  # fmt: skip
def group_update(principal: Any, request: Any, code_id: str, body: S.GroupCodeInput) -> Any:
    return _service().update_group(principal.corp_id, code_id, body.fields())


@route("/admin/group-codes/{code_id}", methods=("DELETE",), write=True, doc=Doc(
    "Delete the join way and its welcome template", {200: ("deleted", S.CodeDeleted)}, params=CODE_ID,
    errors=W,
))
def group_delete(principal: Any, request: Any, code_id: str) -> Any:
    return _service().delete_group(principal.corp_id, code_id)
