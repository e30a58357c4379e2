"""Customer mass sends (群发): create (planned on the mass-sends queue), list, progress with per-member
completion, cancel, remind, and the corp's receive-quota setting (WeCom has no API to read it)."""

from __future__ import annotations

from typing import Any

from admin.api import body_of, json_response, limit_of, route
from admin.paging import items_page, items_wanted


def _runner() -> Any:
    from scrm import bootstrap

    return bootstrap.mass_send_runner()


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.mass_sends()


@route("/admin/mass-sends", methods=("POST",), write=True)
def create(principal: Any, request: Any) -> Any:
    send, created = _runner().start(principal.corp_id, body_of(request))
    return json_response(202 if created else 200, {"created": created, "send": send})


@route("/admin/mass-sends")
def sends(principal: Any, request: Any) -> Any:
    return {"items": _runner().list(principal.corp_id, limit_of(request, 50))}


@route("/admin/mass-send-quota")
def quota(principal: Any, request: Any) -> Any:
    return {"msg_quota": _service().quota_setting(principal.corp_id)}


@route("/admin/mass-send-quota", methods=("PUT",), write=True)
def set_quota(principal: Any, request: Any) -> Any:
    from scrm.kernel.errors import InvalidInput

    body = body_of(request)
    if "msg_quota" not in body:
        raise InvalidInput("msg_quota", "msg_quota: required (month_days, week_7 or day_1)")
    return {"msg_quota": _service().set_quota_setting(principal.corp_id, body["msg_quota"])}


@route("/admin/mass-sends/{send_id}")
def send(principal: Any, request: Any, send_id: str) -> Any:
    svc = _service()
    progress = svc.progress(principal.corp_id, send_id)
    if items_wanted(request):
        outcomes = svc.outcome_of(principal.corp_id, send_id)
        rows = [{"external_userid": e, "outcome": o} for e, o in outcomes.items()]
        scope = f"mass-send/{send_id}"
        progress.update(items_page(request, principal.corp_id, scope, rows, lambda r: r["external_userid"]))
    return progress


@route("/admin/mass-sends/{send_id}/cancel", methods=("POST",), write=True)
def cancel(principal: Any, request: Any, send_id: str) -> Any:
    return _service().cancel(principal.corp_id, send_id)


@route("/admin/mass-sends/{send_id}/remind", methods=("POST",), write=True)
def remind(principal: Any, request: Any, send_id: str) -> Any:
    return _service().remind(principal.corp_id, send_id)
