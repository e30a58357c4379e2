"""SOPs (timed message plans to customers or customer groups): create, list, read, edit, pause, resume,
delete, and progress (the mass sends the due steps became, with completion by member).

The service (scrm.services.sop_admin) checks the body and the names in it; pause and resume are the same
partial update as PATCH with only ``status``, so they cannot differ from it.
"""

from __future__ import annotations

from typing import Any

from admin.api import body_of, json_response, limit_of, query_of, route

KINDS = ("customer", "group")
MAX_RUNS = 100  # the runs progress reads, newest first; each costs a mass send's progress read


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.sop_admin()


@route("/admin/sops", methods=("POST",), write=True)
def create(principal: Any, request: Any) -> Any:
    return json_response(201, _service().create(principal.corp_id, body_of(request)))


@route("/admin/sops")
def sops(principal: Any, request: Any) -> Any:
    from scrm.kernel.errors import InvalidInput

    kind = query_of(request).get("kind", "")
    if kind and kind not in KINDS:
        raise InvalidInput("kind", "kind must be customer or group")
    return {"items": _service().list(principal.corp_id, kind)}


@route("/admin/sops/{sop_id}")
def sop(principal: Any, request: Any, sop_id: str) -> Any:
    return _service().get(principal.corp_id, sop_id)


@route("/admin/sops/{sop_id}", methods=("PATCH",), write=True)
def update(principal: Any, request: Any, sop_id: str) -> Any:
    return _service().update(principal.corp_id, sop_id, body_of(request))


@route("/admin/sops/{sop_id}", methods=("DELETE",), write=True)
def delete(principal: Any, request: Any, sop_id: str) -> Any:
    return _service().delete(principal.corp_id, sop_id)


@route("/admin/sops/{sop_id}/pause", methods=("POST",), write=True)
def pause(principal: Any, request: Any, sop_id: str) -> Any:
    return _service().update(principal.corp_id, sop_id, {"status": "paused"})


@route("/admin/sops/{sop_id}/resume", methods=("POST",), write=True)
def resume(principal: Any, request: Any, sop_id: str) -> Any:
    return _service().update(principal.corp_id, sop_id, {"status": "active"})


@route("/admin/sops/{sop_id}/progress")
def progress(principal: Any, request: Any, sop_id: str) -> Any:
    return _service().progress(principal.corp_id, sop_id, limit_of(request, 20, MAX_RUNS))
