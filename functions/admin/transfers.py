"""Customer and group handovers (离职继承 / 在职继承): create, list, progress, cancel, check now, the
corp's policy for refusals, and departed members with customers waiting for a taker."""

from __future__ import annotations

from typing import Any

from admin.api import body_of, json_response, limit_of, query_of, route
from admin.paging import items_page, items_wanted


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.transfer_jobs()


@route("/admin/transfers", methods=("POST",), write=True)
def create(principal: Any, request: Any) -> Any:
    progress, created = _service().create(principal.corp_id, body_of(request))
    return json_response(202 if created else 200, {"created": created, "job": progress})


@route("/admin/transfers")
def jobs(principal: Any, request: Any) -> Any:
    return {"items": _service().list(principal.corp_id, limit_of(request, 50))}


@route("/admin/transfers/unassigned")
def unassigned(principal: Any, request: Any) -> Any:
    return _service().unassigned(principal.corp_id, query_of(request).get("handover_userid", ""))


@route("/admin/transfer-policy")
def policy(principal: Any, request: Any) -> Any:
    return _service().policy(principal.corp_id)


@route("/admin/transfer-policy", methods=("PUT",), write=True)
def set_policy(principal: Any, request: Any) -> Any:
    return _service().set_policy(principal.corp_id, body_of(request))


@route("/admin/transfers/{job_id}")
def job(principal: Any, request: Any, job_id: str) -> Any:
    if not items_wanted(request):
        return _service().progress(principal.corp_id, job_id)
    progress = _service().progress(principal.corp_id, job_id, with_entries=True)
    rows = progress.pop("items")
    scope = f"transfer/{job_id}"
    return {**progress, **items_page(request, principal.corp_id, scope, rows, lambda r: f"{r['type']}/{r['id']}")}


@route("/admin/transfers/{job_id}/cancel", methods=("POST",), write=True)
def cancel(principal: Any, request: Any, job_id: str) -> Any:
    return _service().cancel(principal.corp_id, job_id)


@route("/admin/transfers/{job_id}/refresh", methods=("POST",), write=True)
def refresh(principal: Any, request: Any, job_id: str) -> Any:
    return json_response(202, _service().refresh(principal.corp_id, job_id))
