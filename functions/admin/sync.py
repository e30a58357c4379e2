"""Full sync: start one (idempotent while one runs) and read its progress."""

from __future__ import annotations

from typing import Any

from admin.api import json_response, limit_of, route


@route("/admin/sync", methods=("POST",), write=True)
def start(principal: Any, request: Any) -> Any:
    from scrm import bootstrap
    from scrm.services.full_sync import progress

    job, created = bootstrap.full_sync().start(principal.corp_id)
    return json_response(202 if created else 200, {"created": created, "job": progress(job)})


@route("/admin/sync")
def jobs(principal: Any, request: Any) -> Any:
    from scrm import bootstrap
    from scrm.services.full_sync import progress

    return {"items": [progress(j) for j in bootstrap.full_sync().jobs.list(principal.corp_id, limit_of(request, 20))]}


@route("/admin/sync/{job_id}")
def job(principal: Any, request: Any, job_id: str) -> Any:
    from scrm import bootstrap
    from scrm.kernel.errors import NotFound
    from scrm.services.full_sync import progress

    found = bootstrap.full_sync().jobs.get(principal.corp_id, job_id)
    if found is None:
        raise NotFound(f"no sync job {job_id}", "job_id")
    return progress(found)
