"""Moment tasks (客户朋友圈, issue 20): create once, then create in WeCom at most once, follow the job, cancel.

- **Create** checks the spec (spec.py: a 400 naming the field), that the senders and tags are ones our store
  holds and the materials exist with the right kind, then stores the task with its request key in one write:
  the same request (``request_id``, or the same body while the first is open) answers the first task.
- **The WeCom call** (a queue step, ``run``) uploads the task's materials with ``media/upload_attachment`` just
  before ``add_moment_task`` (a media_id lives 3 days; a task may wait longer for its schedule), under the
  task's ``calling`` mark written at its version first. A worker that died mid-call leaves a stale mark: the
  next looks for the moment the lost call may have made (``get_moment_list``, the corp's own moments since the
  mark, the same text) and adopts it; while none is found and the mark is younger than ``ADOPT_WAIT_S`` (the
  job may still be running) it waits rather than call again, so WeCom never gets the task twice.
- **The job** (``poll``) is asked until done: the moment_id and the senders and customers WeCom could not
  take, or WeCom's code when the job failed. A jobid answers for 24 h; past that the task fails in words.
- **Cancel** before the call stores the cancel; after the moment exists it calls ``cancel_moment_task``;
  while the job runs the cancel is kept and done by the poll that sees the moment.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from scrm.kernel import page_cursor
from scrm.kernel import wecom_errors as errcodes
from scrm.kernel.errors import Conflict, NotFound
from scrm.kernel.field_error import FieldError
from scrm.kernel.throttle import Throttled
from scrm.kernel.wecom_error import WeComError
from scrm.moments.model import CALLING, CANCELLED, CREATED, JOB, JOB_DONE, NEW, Moment
from scrm.moments.ports import Directory, Materials, MomentRepo, MomentWeCom
from scrm.moments.results import PROGRESS_FIGURES, RESULTS_EVERY_S, MomentResults, member_row
from scrm.moments.spec import IMAGE, VIDEO, MomentSpec, parse_spec, unknown_paths, wecom_body
from scrm.moments.video import VIDEO_BYTES_MAX, VIDEO_SECONDS_MAX, mp4_seconds

log = logging.getLogger("scrm.moments")
SENDER_CHUNK = 100  # a BatchGetItem's keys
ADOPT_WAIT_S = 600  # how long a lost call's job may take before we call again (WeCom names no bound)
FIND_SLACK_S = 120  # clock skew between us and WeCom when looking for the moment a lost call made
CORP_MOMENTS = 0  # get_moment_list filter_type: the corp's own (企业发表)
LIST_MAX = 50

# What one run or poll did (the queue step's outcome and the log's detail).
CALLED, BUSY, RETRY, WAIT, ADOPTED, REFUSED = "called", "busy", "retry", "wait", "adopted", "refused"
RUNNING, DONE, FAILED_JOB, NOT_DUE = "running", "done", "failed", "not_due"


def _fingerprint(spec: MomentSpec) -> str:
    raw = json.dumps(spec.as_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "body:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


# The minute job's WeCom work stops this long after it starts (its Lambda stops at 55 s: the member rows'
# writes and the summary come after the last call); what is left goes on at the next minute.
RUN_SECONDS = 30


@dataclass(eq=False)
class Moments:
    repo: MomentRepo
    wecom: Callable[[str], MomentWeCom]
    materials: Materials
    directory: Directory
    clock: Callable[[], float] = time.time
    results: MomentResults | None = None

    def _now(self) -> int:
        return int(self.clock())

    # the admin's side ---------------------------------------------------------------------------
    def create(self, corp_id: str, body: Mapping[str, Any], by: str) -> tuple[Moment, bool]:
        """(task, created): a new task, or the one this request already made."""
        spec = parse_spec(body, self._now())
        request_id = body.get("request_id")
        if request_id is not None and (not isinstance(request_id, str) or not 0 < len(request_id) <= 64):
            raise FieldError("request_id", "must be a string of 1 to 64 characters")
        self._check_refs(corp_id, spec)
        key = f"req:{request_id}" if request_id else _fingerprint(spec)
        for _ in range(3):
            earlier = self.repo.request(corp_id, key)
            if earlier is not None:
                found = self.repo.get(corp_id, earlier)
                if found is not None and (request_id or found.is_open):
                    return found, False
                key = f"{key}:{secrets.token_hex(4)}"  # the same body again after the first ended: a new task
            now = self._now()  # ids sort by creation time: the list reads the newest first by key
            stored = {**spec.as_dict(), "senders": [], "senders_count": len(spec.senders)}
            moment = Moment(f"mt{now:08x}{secrets.token_hex(4)}", stored, created_at=now, created_by=by)
            if self.repo.create(corp_id, moment, key, spec.senders):
                return moment, True
        raise Conflict("concurrent requests kept creating this task; try again", "request_id")

    def _check_refs(self, corp_id: str, spec: MomentSpec) -> None:
        # Senders a hundred at a time (one BatchGetItem each), stopping at the first chunk with a stranger:
        # a list of 100,000 ids that starts wrong is refused after one read, not a thousand.
        for start in range(0, len(spec.senders), SENDER_CHUNK):
            chunk = spec.senders[start : start + SENDER_CHUNK]
            known = self.directory.known_employees(corp_id, list(chunk))
            missing = next((i for i, s in enumerate(chunk) if s not in known), None)
            if missing is not None:
                raise FieldError(f"senders[{start + missing}]",
                                 "a member our directory does not hold (run `scrm sync start` if it is new)")  # fmt: skip
        unknown = unknown_paths(MomentSpec(spec.name, tags=spec.tags), set(), self.directory.known_tags(corp_id)
                                if spec.tags else set())  # fmt: skip
        if unknown:
            raise FieldError(unknown[0], "not a corp tag (run `scrm sync start` if it is new)")
        wanted = [(f"images[{i}]", m, IMAGE) for i, m in enumerate(spec.images)]
        if spec.video:
            wanted.append(("video", spec.video, VIDEO))
        if spec.link is not None and spec.link.cover:
            wanted.append(("link.cover", spec.link.cover, IMAGE))
        for path, material_id, kind in wanted:
            found = self.materials.media(corp_id, material_id)
            if found is None or found[0] != kind:
                article = "an" if kind == IMAGE else "a"
                raise FieldError(path, f"not {article} {kind} material of the corp's library")
            if kind == VIDEO:
                _check_video(path, found[2])

    def get(self, corp_id: str, moment_task_id: str) -> Moment:
        found = self.repo.get(corp_id, moment_task_id)
        if found is None:
            raise NotFound(f"no moment task {moment_task_id}", "moment_task_id")
        return found

    def list(self, corp_id: str, limit: int = 50) -> list[Moment]:
        return self.repo.recent(corp_id, max(1, min(limit, LIST_MAX)))

    def cancel(self, corp_id: str, moment_task_id: str) -> Moment:
        """Cancel: stored at once before the call; in WeCom (cancel_moment_task) once the moment exists."""
        while True:
            moment = self.get(corp_id, moment_task_id)
            if moment.state == CANCELLED:
                return moment
            if moment.call_live(self._now()):
                raise Conflict("the task is being created in WeCom right now; cancel it in a moment")
            if moment.state == CREATED:
                self.wecom(corp_id).cancel_moment_task(moment.moment_id)
            try:
                if moment.state == JOB:
                    moment.extra["cancel_pending"] = True  # the poll that sees the moment cancels it
                else:
                    moment.cancel(self._now())
            except ValueError as exc:
                raise Conflict(str(exc)) from None
            if self.repo.save(corp_id, moment):
                return moment

    def refresh(self, corp_id: str, moment_task_id: str) -> Moment:
        """Ask for a results pass at the scheduled job's next run (within a minute), from the first member."""
        moment = self.get(corp_id, moment_task_id)
        if self.results is not None and moment.state == CREATED and not self.results.following(moment, self._now()):
            raise Conflict("results are read for 7 days after the task was made; this one's are final")

        def due(m: Moment) -> None:
            try:
                m.results_due()
            except ValueError as exc:
                raise Conflict(str(exc)) from None

        return self._update(corp_id, moment_task_id, due)

    # the worker's side --------------------------------------------------------------------------
    def run(self, corp_id: str, moment_task_id: str) -> str:
        """Create the task in WeCom, at most once (the queue step; repeatable). Returns what it did."""
        moment = self.get(corp_id, moment_task_id)
        now = self._now()
        if moment.state == JOB:
            return self.poll(corp_id, moment_task_id)
        if moment.state not in (NEW, CALLING):
            return moment.state
        if moment.state == NEW and not moment.due(now):
            return NOT_DUE
        if moment.call_live(now):
            return BUSY
        spec = moment.parsed()
        if moment.senders_count:
            spec = replace(spec, senders=tuple(self.repo.senders(corp_id, moment_task_id)))
            if len(spec.senders) != moment.senders_count:  # never sends to "every member" by a lost chunk
                raise RuntimeError(f"moment task {moment_task_id}: {len(spec.senders)} of {moment.senders_count} senders")
        body_text = spec.text
        if moment.state == CALLING:  # a stale mark: the call may have made the moment
            adopted = self._adopt(corp_id, moment, body_text, now)
            if adopted is not None:
                return adopted
        try:
            media = self._upload(corp_id, spec)
        except WeComError as exc:
            return self._refused(corp_id, moment, exc, "media/upload_attachment")
        moment.begin_call(now)
        if not self.repo.save(corp_id, moment):
            return BUSY
        try:
            jobid = self.wecom(corp_id).add_moment_task(wecom_body(spec, media))
        except WeComError as exc:
            return self._refused(corp_id, moment, exc, "add_moment_task")
        except Throttled:
            self._update(corp_id, moment_task_id, Moment.end_call)
            raise
        done = self._now()
        self._update(corp_id, moment_task_id, lambda m: m.record_job(jobid, done))
        log.info("moment task created in WeCom", extra={"moment_task_id": moment_task_id, "jobid": jobid})
        return CALLED

    def _upload(self, corp_id: str, spec: MomentSpec) -> list[str]:
        gw = self.wecom(corp_id)
        out = []
        for material_id in spec.materials():
            found = self.materials.media(corp_id, material_id)
            if found is None:
                raise WeComError(None, f"material {material_id} is gone", "media/upload_attachment")
            kind, filename, content = found
            out.append(gw.upload_attachment(kind, filename, content))
        return out

    def _refused(self, corp_id: str, moment: Moment, exc: WeComError, api: str) -> str:
        """A code a retry may change (busy, a limit) ends the step for a later one; any other fails the task
        with WeCom's code. A material gone before the upload fails it too (errcode None)."""
        if exc.errcode is not None and errcodes.bulk_retries(exc.errcode):
            if moment.state == CALLING:
                self._update(corp_id, moment.moment_task_id, Moment.end_call)
            return RETRY
        now, code, reason = self._now(), exc.errcode, f"{api}: {exc.errmsg}"
        self._update(corp_id, moment.moment_task_id, lambda m: m.fail(code, reason, now))
        log.warning("moment task refused", extra={"moment_task_id": moment.moment_task_id, "errcode": code})
        return REFUSED

    def _adopt(self, corp_id: str, moment: Moment, text: str, now: int) -> str | None:
        start, end = int(moment.calling) - FIND_SLACK_S, now + FIND_SLACK_S
        try:
            found = next((m for m in self.wecom(corp_id).moment_list(start, end, CORP_MOMENTS)
                          if (m.get("text") or {}).get("content", "") == text and m.get("moment_id")), None)  # fmt: skip
        except WeComError as exc:
            if errcodes.bulk_retries(exc.errcode):
                return RETRY
            raise
        if found is not None:
            moment_id = str(found["moment_id"])
            self._update(corp_id, moment.moment_task_id, lambda m: m.job_done(moment_id, [], [], now))
            log.info("moment task adopted", extra={"moment_task_id": moment.moment_task_id, "moment_id": moment_id})
            return ADOPTED
        if now - int(moment.calling) < ADOPT_WAIT_S:
            return WAIT
        return None

    def poll(self, corp_id: str, moment_task_id: str) -> str:
        """Ask WeCom how the creation job stands (the queue step after ``run``; repeatable)."""
        moment = self.get(corp_id, moment_task_id)
        if moment.state != JOB:
            return moment.state
        now = self._now()
        if moment.job_expired(now):
            self._update(corp_id, moment_task_id, lambda m: m.fail(None, "job_expired", now))
            return FAILED_JOB
        try:
            answer = self.wecom(corp_id).moment_task_result(moment.jobid)
        except WeComError as exc:
            if errcodes.bulk_retries(exc.errcode):
                return RETRY
            code, why = exc.errcode, f"get_moment_task_result: {exc.errmsg}"
            self._update(corp_id, moment_task_id, lambda m: m.fail(code, why, now))
            return FAILED_JOB
        if int(answer.get("status") or 0) != JOB_DONE:
            return RUNNING
        result = answer.get("result") or {}
        code = int(result.get("errcode") or 0)
        if code or not result.get("moment_id"):
            why = str(result.get("errmsg") or "the job made no moment")
            self._update(corp_id, moment_task_id, lambda m: m.fail(code or None, why, now))
            return FAILED_JOB
        moment_id = str(result["moment_id"])
        senders = _ids(result.get("invalid_sender_list"), "user_list")
        customers = _ids(result.get("invalid_external_contact_list"), "tag_list")
        done = self._update(corp_id, moment_task_id, lambda m: m.job_done(moment_id, senders, customers, now))
        if done.extra.get("cancel_pending"):
            self.cancel(corp_id, moment_task_id)
        return DONE

    # the scheduled job's side -------------------------------------------------------------------
    def advance(self, corp_id: str, until: float = math.inf) -> dict[str, int]:
        """Every task with work left gets its step: a due or lost call, a job to ask, results to read
        (every RESULTS_EVERY_S, or at once when the last run stopped at its budget). A task with nothing
        left is closed and costs nothing afterwards. ``until`` (this clock's time): the run's end, after
        which tasks wait for the next minute ("deferred") and a results pass stops where it is. Counts of
        what each step did."""
        out: dict[str, int] = {}
        for moment_task_id in self.repo.open_ids(corp_id):
            did = "deferred" if self._now() >= until else self._advance_one(corp_id, moment_task_id, until)
            out[did] = out.get(did, 0) + 1
        return out

    def _advance_one(self, corp_id: str, moment_task_id: str, until: float = math.inf) -> str:
        moment = self.repo.get(corp_id, moment_task_id)
        now = self._now()
        if moment is None:
            self.repo.close(corp_id, moment_task_id)
            return "closed"
        if moment.is_open:
            return self.run(corp_id, moment_task_id)
        if self.results is None or not self.results.following(moment, now):
            self.repo.close(corp_id, moment_task_id)
            return "closed"
        position = int(moment.extra.get("results_position") or 0)
        if not position and now - int(moment.extra.get("results_at") or 0) < RESULTS_EVERY_S:
            return "waiting"
        got = self.results.collect(corp_id, moment, until=until)
        if not got["done"] and not got["position"] and not got["read"]:
            return "deferred"  # stopped before the first member: the pass is still due, from the start

        def note(m: Moment) -> None:
            m.extra["results_position"], m.extra["results_at"] = got["position"], now
            m.extra["results"] = {k: got[k] for k in ("members", "published")}

        self._update(corp_id, moment_task_id, note)
        return "results" if got["done"] else "results_partial"

    def progress(self, corp_id: str, moment_task_id: str) -> dict[str, Any]:
        """Who posted, per department (store) and overall, as the last results run saw it: one read of the
        summary that run wrote (the members' rows are paged by ``members``). Before any run: the senders
        asked by name, none posted."""
        moment = self.get(corp_id, moment_task_id)
        summary = self.results.repo.summary(corp_id, moment_task_id) if self.results is not None else None
        figures = summary or {"members": moment.senders_count, "posted": 0, "rate": 0.0, "visible": 0,
                              "reached": 0, "likes": 0, "comments": 0, "by_department": []}  # fmt: skip
        return {"moment_task_id": moment_task_id, "state": moment.state, "moment_id": moment.moment_id,
                "results_at": int(moment.extra.get("results_at") or 0),
                **{k: figures[k] for k in PROGRESS_FIGURES}}  # fmt: skip

    def members(self, corp_id: str, moment_task_id: str, cursor: str = "", limit: int = 50,
                published: bool | None = None) -> dict[str, Any]:  # fmt: skip
        """A page of the members' rows in userid order (only posters, or only the others, when asked):
        what each posted, reached, got as likes and comments, and whether they were reminded."""
        self.get(corp_id, moment_task_id)  # NotFound for another corp's or an unknown task
        scope = f"moment/{moment_task_id}/members/{published}"
        after = page_cursor.decode(cursor, corp_id, scope)
        rows = self.results.repo.members_after(corp_id, moment_task_id, after, limit + 1, published) \
            if self.results is not None else []  # fmt: skip
        items = [member_row(r) for r in rows[:limit]]
        more = len(rows) > limit
        return {"items": items, "next_cursor": page_cursor.encode(corp_id, scope, items[-1]["userid"]) if more else ""}

    def member_rows(self, corp_id: str, moment_task_id: str) -> list[dict[str, Any]]:
        """Every member's row (the CSV download), in userid order."""
        self.get(corp_id, moment_task_id)
        rows = self.results.repo.members(corp_id, moment_task_id) if self.results is not None else []
        return [member_row(r) for r in sorted(rows, key=lambda r: str(r["userid"]))]

    def _update(self, corp_id: str, moment_task_id: str, change: Callable[[Moment], None]) -> Moment:
        """Apply to the stored task and write under its version (again after another writer's)."""
        while True:
            current = self.get(corp_id, moment_task_id)
            change(current)
            if self.repo.save(corp_id, current):
                return current


def _ids(value: Any, key: str) -> list[str]:
    """WeCom's invalid lists: ``{"user_list": [...], "department_list": [...]}`` or ``{"tag_list": [...]}``
    (95094); a plain list is taken too."""
    if isinstance(value, Mapping):
        return [str(v) for k, vs in value.items() for v in (vs or []) if k in (key, "department_list")]
    return [str(v) for v in value or []]



def _check_video(path: str, content: bytes) -> None:
    """WeCom's limits of a moment's video (10 MB, 30 s), when its MP4 header tells its length."""
    if len(content) > VIDEO_BYTES_MAX:
        raise FieldError(path, f"a video of {len(content) / 1048576:.1f} MB: WeCom takes at most 10 MB")
    seconds = mp4_seconds(content)
    if seconds is not None and seconds > VIDEO_SECONDS_MAX:
        raise FieldError(path, f"a video of {seconds:.1f} s: a moment's video is at most {VIDEO_SECONDS_MAX} s")
