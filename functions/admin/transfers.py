"""Customer and group handovers (离职继承 / 在职继承): create, list, progress, cancel, check now, the
corp's policy for refusals, and departed members with customers waiting for a taker."""

from __future__ import annotations

from typing import Any

from admin.api import Doc, json_response, limit_of, query_of, route
from admin.paging import items_page, items_wanted
from admin.schemas import transfers as S
from admin.schemas.common import Items, Limit

JOB_ID = {"job_id": "from POST /admin/transfers"}


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.transfer_jobs()


@route("/admin/transfers", methods=("POST",), write=True, doc=Doc(
    "Start a handover of a member's customers and groups to one or more takers (resigned: 离职继承, onjob: 在职继承)",
    {202: ("a new job, planning", S.TransferCreated),
     200: ("a repeat of an earlier request: that job, nothing new started", S.TransferCreated)},
    description="Answers at once: the job is recorded and planned on the transfers queue. The same request "
    "again (same request_id, or without one the same fields) returns the existing job with 200 and created "
    "false instead of starting another. " + S.STATE_MACHINE,
    body=S.TransferInput,
    errors={409: ("the handover already has a job in progress (field handover_userid; the message names the "
                  "job: wait for it or cancel it), or an onjob transfer names customers or groups WeCom already "
                  "transferred twice in the last 90 days (field customers or groups; details lists each one and "
                  "the day it frees up)", S.TransferConflict)},
))  # fmt: skip
def create(principal: Any, request: Any, body: S.TransferInput) -> Any:
    progress, created = _service().create(principal.corp_id, body.request())
    return json_response(202 if created else 200, {"created": created, "job": progress})


@route("/admin/transfers", doc=Doc(
    "The corp's transfer jobs, newest first", {200: ("jobs", S.TransferList)}, query=Limit
))
def jobs(principal: Any, request: Any) -> Any:
    return {"items": _service().list(principal.corp_id, limit_of(request, 50))}


@route("/admin/transfers/unassigned", doc=Doc(
    "Departed members whose customers wait for a taker (get_unassigned_list), with their groups (离职待继承); "
    "members who left only groups come from the delete_user events we stored",
    {200: ("one row per departed member", S.TransferUnassigned)}, query=S.UnassignedQuery, errors={502: None},
))  # fmt: skip
def unassigned(principal: Any, request: Any) -> Any:
    return _service().unassigned(principal.corp_id, query_of(request).get("handover_userid", ""))


@route("/admin/transfer-policy", doc=Doc(
    "What the corp's jobs do with customers who refuse or whose taker is full (default leave)",
    {200: ("the policy", S.TransferPolicy)},
))  # fmt: skip
def policy(principal: Any, request: Any) -> Any:
    return _service().policy(principal.corp_id)


@route("/admin/transfer-policy", methods=("PUT",), write=True, role="admin", doc=Doc(
    "Set the corp's default on_refused (a job's own on_refused wins)",
    {200: ("the policy as saved", S.TransferPolicy)}, body=S.TransferPolicy,
))  # fmt: skip
def set_policy(principal: Any, request: Any, body: S.TransferPolicy) -> Any:
    return _service().set_policy(principal.corp_id, body.on_refused)


@route("/admin/transfers/{job_id}", doc=Doc(
    "A transfer job's progress: counts per state, per taker, percentages, next check",
    {200: ("the job", S.TransferProgress)}, description=S.STATE_MACHINE, query=Items, params=JOB_ID,
    errors={404: None},
))  # fmt: skip
def job(principal: Any, request: Any, job_id: str) -> Any:
    if not items_wanted(request):
        return _service().progress(principal.corp_id, job_id)
    progress = _service().progress(principal.corp_id, job_id, with_entries=True)
    rows = progress.pop("items")
    scope = f"transfer/{job_id}"
    return {**progress, **items_page(request, principal.corp_id, scope, rows, lambda r: f"{r['type']}/{r['id']}")}


@route("/admin/transfers/{job_id}/cancel", methods=("POST",), write=True, doc=Doc(
    "Cancel what has not reached WeCom yet (requested customers, queued groups)",
    {200: ("the job after the cancel", S.TransferProgress)},
    description="Customers already in WeCom's 24 h window stay waiting and end as WeCom decides (WeCom cannot "
    "call a started transfer back): the job is cancelling until they have, then cancelled.",
    params=JOB_ID, errors={404: None, 409: "the job is already finished or cancelled (field job_id)"},
))  # fmt: skip
def cancel(principal: Any, request: Any, job_id: str) -> Any:
    return _service().cancel(principal.corp_id, job_id)


@route("/admin/transfers/{job_id}/refresh", methods=("POST",), write=True, doc=Doc(
    "Check now: poll WeCom's results and retry what is due, instead of at the next scheduled check",
    {202: ("the check is queued; the job as it is now", S.TransferProgress)}, params=JOB_ID, errors={404: None},
))  # fmt: skip
def refresh(principal: Any, request: Any, job_id: str) -> Any:
    return json_response(202, _service().refresh(principal.corp_id, job_id))
