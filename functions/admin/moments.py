"""Moment tasks (客户朋友圈, issue 20): create (then made in WeCom at once: the materials uploaded with
media/upload_attachment, add_moment_task called once), list, show (a task whose WeCom job is running is asked
again when shown) and cancel."""

from __future__ import annotations

from typing import Any

from admin.api import Doc, csv_response, json_response, limit_of, query_of, route
from admin.schemas import moments as S
from admin.schemas.common import Limit

MOMENT_TASK_ID = {"moment_task_id": "from POST /admin/moments"}


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.moments()


def _by(principal: Any) -> str:
    return getattr(principal, "userid", "") or f"key:{principal.key_id}"


@route("/admin/moments", methods=("POST",), write=True, doc=Doc(
    "Create a moment task (客户朋友圈): members get a task to post a text with images, a video or a link",
    {201: ("a new task, made in WeCom", S.MomentCreated),
     200: ("a repeat of an earlier request: that task, nothing new made", S.MomentCreated)},
    description="Checked first (a 400 names the field: text over 2,000 characters, more than 9 images, kinds "
    "mixed, a material of the wrong kind, a member or tag our store does not hold), so WeCom is never asked "
    "for a task it would refuse. Then the materials are uploaded (media/upload_attachment) and the task is "
    "created once (add_moment_task); WeCom makes it asynchronously, so the task's state is `job` until a "
    "read (GET …/{moment_task_id}) finds the job done. The same request again (same request_id; without "
    "one, the same fields while the task is open) returns that task. With `schedule_at` the task waits: the "
    "every-minute job makes it in WeCom once due (its materials uploaded then, so a media_id never expires "
    "before the call).",
    body=S.MomentInput,
))  # fmt: skip
def create(principal: Any, request: Any, body: S.MomentInput) -> Any:
    service = _service()
    moment, created = service.create(principal.corp_id, body.fields(), _by(principal))
    if created:
        service.run(principal.corp_id, moment.moment_task_id)
        moment = service.get(principal.corp_id, moment.moment_task_id)
    return json_response(201 if created else 200, {"created": created, "moment": moment.shown()})


@route("/admin/moments", doc=Doc(
    "The corp's moment tasks, newest first", {200: ("tasks", S.MomentList)}, query=Limit,
))  # fmt: skip
def moments(principal: Any, request: Any) -> Any:
    return {"items": [m.listed() for m in _service().list(principal.corp_id, limit_of(request, 50))]}


@route("/admin/moments/{moment_task_id}", doc=Doc(
    "A moment task; while WeCom's creation job runs, it is asked how it stands",
    {200: ("the task", S.MomentDetail)}, params=MOMENT_TASK_ID, errors={404: None},
))  # fmt: skip
def moment(principal: Any, request: Any, moment_task_id: str) -> Any:
    service = _service()
    found = service.get(principal.corp_id, moment_task_id)
    if found.state in ("new", "calling", "job"):
        service.run(principal.corp_id, moment_task_id)
        found = service.get(principal.corp_id, moment_task_id)
    return found.shown()


@route("/admin/moments/{moment_task_id}/cancel", methods=("POST",), write=True, doc=Doc(
    "Cancel a moment task: before WeCom made it, nothing is made; after, cancel_moment_task (members who "
    "already posted keep their post: WeCom cannot withdraw it)",
    {200: ("the task", S.MomentDetail)}, params=MOMENT_TASK_ID, errors={404: None, 409: "being made in WeCom right now"},
))  # fmt: skip
def cancel(principal: Any, request: Any, moment_task_id: str) -> Any:
    return _service().cancel(principal.corp_id, moment_task_id).shown()


@route("/admin/moments/{moment_task_id}/refresh", methods=("POST",), write=True, doc=Doc(
    "Read WeCom's results again now: the scheduled job's next run (within a minute) reads who posted, "
    "reached, liked and commented from the first member, instead of waiting for its 10-minute round",
    {202: ("the task", S.MomentDetail)}, params=MOMENT_TASK_ID,
    errors={404: None, 409: "not made in WeCom yet, cancelled, or older than the 7 days results are read"},
))  # fmt: skip
def refresh(principal: Any, request: Any, moment_task_id: str) -> Any:
    return json_response(202, _service().refresh(principal.corp_id, moment_task_id).shown())


@route("/admin/moments/{moment_task_id}/progress", doc=Doc(
    "Who posted the moment: per department (a store) and overall, as WeCom's results were last read (every "
    "10 minutes for 7 days after creation; one read however many members); CSV: every member's row, or the "
    "departments' (the members page by page: /admin/moments/{moment_task_id}/members)",
    {200: ("the completion (JSON) or its rows (CSV, UTF-8 with BOM)", S.MomentProgress)},
    query=S.MomentProgressQuery, params=MOMENT_TASK_ID, errors={404: None}, csv=True,
))  # fmt: skip
def progress(principal: Any, request: Any, moment_task_id: str) -> Any:
    q = query_of(request)
    service = _service()
    if q.get("format") != "csv":
        return service.progress(principal.corp_id, moment_task_id)
    from scrm.acquisition.channel_stats import to_csv  # formula-safe cells, a BOM for Excel

    if q.get("by") == "department":
        rows = service.progress(principal.corp_id, moment_task_id)["by_department"]
    else:
        rows = [{**m, "published": int(m["published"])} for m in service.member_rows(principal.corp_id, moment_task_id)]
    return csv_response(to_csv(rows), f"{moment_task_id}-progress.csv")


@route("/admin/moments/{moment_task_id}/members", doc=Doc(
    "The members' rows a page at a time, in userid order: whether each posted, the customers it could see "
    "and reached, likes, comments, and the reminder; ``posted=no`` for the members to chase",
    {200: ("a page of members", S.MomentMembers)}, query=S.MomentMembersQuery, params=MOMENT_TASK_ID,
    errors={404: None},
))  # fmt: skip
def members(principal: Any, request: Any, moment_task_id: str) -> Any:
    q = query_of(request)
    posted = q.get("posted")
    if posted not in (None, "", "yes", "no"):
        from scrm.kernel.errors import InvalidInput

        raise InvalidInput("posted", "must be yes or no")
    published = None if not posted else posted == "yes"
    return _service().members(principal.corp_id, moment_task_id, q.get("cursor") or "", limit_of(request, 50),
                              published)  # fmt: skip
