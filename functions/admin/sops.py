"""SOPs (timed message plans to customers or customer groups): create, list, read, edit, pause, resume,
delete, and progress (the mass sends the due steps became, with completion by member).

The models (admin/schemas/sops.py) check the body's shape, the service (scrm.sops.service) the rules and the names in it; pause and resume are the same
partial update as PATCH with only ``status``, so they cannot differ from it.
"""

from __future__ import annotations

from typing import Any

from admin.api import Doc, json_response, limit_of, query_of, route
from admin.schemas import sops as S
from admin.schemas.base import validated

SOP_ID = {"sop_id": "from POST /admin/sops"}
CONFLICT = {404: None, 409: "the corp has 200 SOPs already (create), or the SOP changed while saving (try again)"}

KIND_WORDING = {"kind": "kind must be customer or group"}
MAX_RUNS = 100  # the runs progress reads, newest first; each costs a mass send's progress read


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.sop_admin()


@route("/admin/sops", methods=("POST",), write=True, doc=Doc(
    "Create a SOP: who it is for (targets) and when to send what (steps)",
    {201: ("the SOP as saved", S.Sop)}, description=S.FLOW, body=S.SopInput, errors={409: CONFLICT[409]},
))  # fmt: skip
def create(principal: Any, request: Any, body: S.SopInput) -> Any:
    return json_response(201, _service().create(principal.corp_id, body.fields()))


@route("/admin/sops", doc=Doc("The corp's SOPs, newest first", {200: ("SOPs", S.SopList)}, query=S.SopQuery))
def sops(principal: Any, request: Any) -> Any:
    query = validated(S.SopQuery, {k: v for k, v in query_of(request).items() if k == "kind" and v}, KIND_WORDING)
    return {"items": _service().list(principal.corp_id, query.kind or "")}


@route("/admin/sops/{sop_id}", doc=Doc("A SOP", {200: ("the SOP", S.Sop)}, params=SOP_ID, errors={404: None}))
def sop(principal: Any, request: Any, sop_id: str) -> Any:
    return _service().get(principal.corp_id, sop_id)


@route("/admin/sops/{sop_id}", methods=("PATCH",), write=True, doc=Doc(
    "Change some of a SOP's fields (name, status, targets, steps); the kind cannot change",
    {200: ("the SOP as saved", S.Sop)},
    description="Only the fields given change. Steps keep their ids; a step without an id gets a new one, "
    "never an id the SOP used before the edit, so its due customers are not another step's. A change to the "
    "steps or targets of an active SOP enrols its targets again. " + S.FLOW,
    body=S.SopPatch, params=SOP_ID, errors=CONFLICT,
))  # fmt: skip
def update(principal: Any, request: Any, sop_id: str, body: S.SopPatch) -> Any:
    return _service().update(principal.corp_id, sop_id, body.fields())


@route("/admin/sops/{sop_id}", methods=("DELETE",), write=True, doc=Doc(
    "Delete a SOP: nothing more is sent for it (tasks already handed to members stay: cancel those sends to "
    "withdraw them)",
    {200: ("deleted", S.SopDeleted)}, params=SOP_ID, errors=CONFLICT,
))  # fmt: skip
def delete(principal: Any, request: Any, sop_id: str) -> Any:
    return _service().delete(principal.corp_id, sop_id)


@route("/admin/sops/{sop_id}/pause", methods=("POST",), write=True, doc=Doc(
    "Pause a SOP (PATCH with status paused): steps that fall due while paused are skipped",
    {200: ("the SOP, paused", S.Sop)}, params=SOP_ID, errors=CONFLICT,
))  # fmt: skip
def pause(principal: Any, request: Any, sop_id: str) -> Any:
    return _service().update(principal.corp_id, sop_id, {"status": "paused"})


@route("/admin/sops/{sop_id}/resume", methods=("POST",), write=True, doc=Doc(
    "Resume a paused SOP (PATCH with status active): from the next due step on",
    {200: ("the SOP, active", S.Sop)}, params=SOP_ID, errors=CONFLICT,
))  # fmt: skip
def resume(principal: Any, request: Any, sop_id: str) -> Any:
    return _service().update(principal.corp_id, sop_id, {"status": "active"})


@route("/admin/sops/{sop_id}/progress", doc=Doc(
    "What a SOP has sent: its latest runs (one mass send per due step and minute) with their outcomes, and "
    "completion per member over those runs",
    {200: ("progress", S.SopProgress)}, query=S.RunsQuery, params=SOP_ID, errors={404: None},
))  # fmt: skip
def progress(principal: Any, request: Any, sop_id: str) -> Any:
    return _service().progress(principal.corp_id, sop_id, limit_of(request, 20, MAX_RUNS))
