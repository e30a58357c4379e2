"""Full sync: start one (idempotent while one runs) and read its progress."""

from __future__ import annotations

from typing import Any

from admin.api import Doc, json_response, limit_of, route
from admin.schemas import customers as S
from admin.schemas.common import Limit20


@route("/admin/sync", methods=("POST",), write=True, doc=Doc(
    "Start a full sync of the key's corp (returns the running one if there is one)",
    {200: ("a job already running", S.SyncStart), 202: ("a new job", S.SyncStart)},
    errors={404: None, 409: None, 502: None},
))  # fmt: skip
def start(principal: Any, request: Any) -> Any:
    from scrm import bootstrap
    from scrm.sync.full_sync import progress

    job, created = bootstrap.full_sync().start(principal.corp_id)
    return json_response(202 if created else 200, {"created": created, "job": progress(job)})


@route("/admin/sync", doc=Doc(
    "Recent sync jobs, newest first", {200: ("jobs", S.SyncJobs)}, query=Limit20
))
def jobs(principal: Any, request: Any) -> Any:
    from scrm import bootstrap
    from scrm.sync.full_sync import progress

    return {"items": [progress(j) for j in bootstrap.full_sync().jobs.list(principal.corp_id, limit_of(request, 20))]}


@route("/admin/sync/{job_id}", doc=Doc(
    "A sync job's progress", {200: ("the job", S.SyncJob)}, params={"job_id": "from POST /admin/sync"},
    errors={404: None},
))  # fmt: skip
def job(principal: Any, request: Any, job_id: str) -> Any:
    from scrm import bootstrap
    from scrm.kernel.errors import NotFound
    from scrm.sync.full_sync import progress

    found = bootstrap.full_sync().jobs.get(principal.corp_id, job_id)
    if found is None:
        raise NotFound(f"no sync job {job_id}", "job_id")
    return progress(found)
