"""Customer mass sends (群发): count the recipients first (preview), create (planned on the mass-sends
queue), list, progress with per-member completion, cancel, remind, and the corp's receive-quota setting (WeCom has no API to read it)."""

from __future__ import annotations

from typing import Any

from admin.api import Doc, json_response, limit_of, route
from admin.paging import items_page, items_wanted
from admin.schemas import mass_sends as S
from admin.schemas.common import Items, Limit

SEND_ID = {"send_id": "from POST /admin/mass-sends"}


def _runner() -> Any:
    from scrm import bootstrap

    return bootstrap.mass_send_runner()


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.mass_sends()


@route("/admin/mass-sends", methods=("POST",), write=True, doc=Doc(
    "Start a mass send to customers or customer groups (客户群发): one text (and attachments) to a filter or a list",
    {202: ("a new send, planning", S.MassSendCreated),
     200: ("a repeat of an earlier request: that send, nothing new started", S.MassSendCreated)},
    description="Answers at once: the send is recorded and planned on the mass-sends queue. The same request "
    "again (same request_id; without one, the same fields while the send is open) returns that send with 200 "
    "and created false. " + S.FLOW,
    body=S.MassSendInput,
))  # fmt: skip
def create(principal: Any, request: Any, body: S.MassSendInput) -> Any:
    send, created = _runner().start(principal.corp_id, body.spec(), body.request_id or "")
    return json_response(202 if created else 200, {"created": created, "send": send})


@route("/admin/mass-sends/preview", methods=("POST",), write=True, doc=Doc(
    "Count who a mass send would reach, before sending: recipients, per member, and who the quota would skip",
    {200: ("the count, as the planner would plan it now", S.MassSendPreview)},
    description="Nothing is created or reserved: the planner's own resolution (one sender per customer, "
    "members still employed) and receive-quota check, read now. The store may change before a send is "
    "planned, so the send's own counts are the final word. A step of making a send, so it takes the role "
    "that sends (operator or admin), like every POST, and is audited.",
    body=S.MassSendPreviewInput,
))  # fmt: skip
def preview(principal: Any, request: Any, body: S.MassSendPreviewInput) -> Any:
    return _service().preview(principal.corp_id, body.spec())


@route("/admin/mass-sends", doc=Doc(
    "The corp's mass sends, newest first (a listed recipients array is shown as its count)",
    {200: ("sends", S.MassSendList)}, query=Limit,
))  # fmt: skip
def sends(principal: Any, request: Any) -> Any:
    return {"items": _runner().list(principal.corp_id, limit_of(request, 50))}


@route("/admin/mass-send-quota", doc=Doc(
    "The corp's receive quota per customer (its 群发助手 setting; WeCom has no API to read it)",
    {200: ("the setting", S.MassSendQuota)},
))  # fmt: skip
def quota(principal: Any, request: Any) -> Any:
    return {"msg_quota": _service().quota_setting(principal.corp_id)}


@route("/admin/mass-send-quota", methods=("PUT",), write=True, role="admin", doc=Doc(
    "Set the receive quota our planner enforces: month_days (as many a month as it has days, WeCom's "
    "default), week_7 or day_1",
    {200: ("the setting", S.MassSendQuota)}, body=S.MassSendQuota,
))  # fmt: skip
def set_quota(principal: Any, request: Any, body: S.MassSendQuota) -> Any:
    return {"msg_quota": _service().set_quota_setting(principal.corp_id, body.msg_quota)}


@route("/admin/mass-sends/{send_id}", doc=Doc(
    "A send's progress: outcomes, task states, skipped customers, completion per member",
    {200: ("progress", S.MassSendProgress)}, query=Items, params=SEND_ID, errors={404: None},
))  # fmt: skip
def send(principal: Any, request: Any, send_id: str) -> Any:
    svc = _service()
    progress = svc.progress(principal.corp_id, send_id)
    if items_wanted(request):
        rows = svc.outcome_rows(principal.corp_id, send_id)
        scope = f"mass-send/{send_id}"
        got = items_page(request, principal.corp_id, scope, rows, lambda r: r["external_userid"])
        got["items"] = svc.name_rows(principal.corp_id, progress["chat_type"], got["items"])
        progress.update(got)
    return progress


@route("/admin/mass-sends/{send_id}/cancel", methods=("POST",), write=True, doc=Doc(
    "Cancel what members have not sent yet (cancel_groupmsg_send; tasks not created are not created)",
    {200: ("the send, cancelled", S.MassSendCancelled)}, params=SEND_ID, errors={404: None, 502: None},
))  # fmt: skip
def cancel(principal: Any, request: Any, send_id: str) -> Any:
    return _service().cancel(principal.corp_id, send_id)


@route("/admin/mass-sends/{send_id}/remind", methods=("POST",), write=True, doc=Doc(
    "Remind members whose task is not sent (remind_groupmsg_send; WeCom allows 3 per 24 h)",
    {200: ("reminded tasks (and how many WeCom says were cancelled there, 41093)", S.MassSendReminded)},
    params=SEND_ID,
    errors={404: None, 502: None,
            409: "the send was cancelled, here or in WeCom (41093): nothing to remind",
            429: "WeCom's 3 reminders per 24 hours are used (41094)"},
))  # fmt: skip
def remind(principal: Any, request: Any, send_id: str) -> Any:
    return _service().remind(principal.corp_id, send_id)
