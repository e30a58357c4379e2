"""In-memory fakes for moment tasks (no I/O).

``FakeMomentRepo`` keeps DynamoMoments' contract: a task is created with its request item at once (False when
the key is taken), saved only at the version read, read back as a fresh aggregate through its item dict.
``FakeMomentWeCom`` plays WeCom's moment calls as 95094 / 93333 / 97612 describe them: ``add_moment_task``
answers a jobid and the job finishes after ``job_polls`` asks of ``get_moment_task_result`` (status 1 / 2,
then 3 with the moment_id and the invalid senders and tags); the corp's moments are listed once their job is
done; ``fail_next`` scripts a failing call; ``lose_answer_next`` creates the job and then raises (a worker
dying mid-call).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrm.kernel.wecom_error import WeComError
from scrm.moments.model import Moment

CORP = "wwcorp"
START = 1_800_000_000


class Clock:
    def __init__(self) -> None:
        self.t = float(START)

    def __call__(self) -> float:
        return self.t


def _copy(m: Moment) -> Moment:
    return Moment.from_item(json.loads(json.dumps(m.to_item(), ensure_ascii=False)), m.version)


class FakeMomentRepo:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Moment] = {}
        self.requests: dict[tuple[str, str], str] = {}
        self.opened: set[tuple[str, str]] = set()
        self.sender_lists: dict[tuple[str, str], list[str]] = {}
        self.summaries: dict[tuple[str, str], dict[str, Any]] = {}
        self.rows: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self.row_writes = 0
        self.saves = 0

    def create(self, corp_id: str, moment: Moment, request_key: str, senders: Sequence[str] = ()) -> bool:
        if (corp_id, request_key) in self.requests:
            return False
        self.sender_lists[(corp_id, moment.moment_task_id)] = list(senders)
        self.requests[(corp_id, request_key)] = moment.moment_task_id
        moment.version = 1
        self.items[(corp_id, moment.moment_task_id)] = _copy(moment)
        self.opened.add((corp_id, moment.moment_task_id))
        return True

    def senders(self, corp_id: str, moment_task_id: str) -> list[str]:
        return list(self.sender_lists.get((corp_id, moment_task_id), []))

    def open_ids(self, corp_id: str) -> list[str]:
        return sorted(m for c, m in self.opened if c == corp_id)

    def close(self, corp_id: str, moment_task_id: str) -> None:
        self.opened.discard((corp_id, moment_task_id))

    def put_members(self, corp_id: str, moment_task_id: str, rows: Sequence[Mapping[str, Any]]) -> None:
        for r in rows:
            self.rows.setdefault((corp_id, moment_task_id), {})[str(r["userid"])] = json.loads(json.dumps(dict(r)))
            self.row_writes += 1

    def members(self, corp_id: str, moment_task_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.rows.get((corp_id, moment_task_id), {}).values()]

    def members_after(self, corp_id: str, moment_task_id: str, after: str, limit: int,
                      published: bool | None = None) -> list[dict[str, Any]]:  # fmt: skip
        rows = sorted(self.members(corp_id, moment_task_id), key=lambda r: str(r["userid"]))
        return [r for r in rows if str(r["userid"]) > after
                and (published is None or bool(r.get("published")) == published)][:limit]  # fmt: skip

    def put_summary(self, corp_id: str, moment_task_id: str, summary: Mapping[str, Any]) -> None:
        self.summaries[(corp_id, moment_task_id)] = json.loads(json.dumps(dict(summary)))

    def summary(self, corp_id: str, moment_task_id: str) -> dict[str, Any] | None:
        got = self.summaries.get((corp_id, moment_task_id))
        return dict(got) if got is not None else None

    def request(self, corp_id: str, request_key: str) -> str | None:
        return self.requests.get((corp_id, request_key))

    def get(self, corp_id: str, moment_task_id: str) -> Moment | None:
        hit = self.items.get((corp_id, moment_task_id))
        return _copy(hit) if hit is not None else None

    def save(self, corp_id: str, moment: Moment) -> bool:
        cur = self.items.get((corp_id, moment.moment_task_id))
        if cur is None or cur.version != moment.version:
            return False
        moment.version += 1
        self.items[(corp_id, moment.moment_task_id)] = _copy(moment)
        self.saves += 1
        return True

    def recent(self, corp_id: str, limit: int) -> list[Moment]:
        mine = [m for (c, _), m in self.items.items() if c == corp_id]
        return [_copy(m) for m in sorted(mine, key=lambda m: (m.created_at, m.moment_task_id), reverse=True)[:limit]]


@dataclass
class Job:
    body: dict[str, Any]
    created_at: int
    polls: int = 0
    moment_id: str = ""
    cancelled: bool = False


@dataclass
class FakeMomentWeCom:
    clock: Clock
    members: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    job_polls: int = 1  # asks answered "running" before the job is done
    fail_next: list[Exception] = field(default_factory=list)
    lose_answer_next: int = 0
    jobs: dict[str, Job] = field(default_factory=dict)
    uploads: list[tuple[str, str, int]] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)

    def _count(self, api: str) -> None:
        self.calls[api] = self.calls.get(api, 0) + 1

    def upload_attachment(self, media_type: str, filename: str, content: bytes) -> str:
        self._count("upload_attachment")
        self.uploads.append((media_type, filename, len(content)))
        return f"media-{len(self.uploads)}"

    def add_moment_task(self, body: dict[str, Any]) -> str:
        self._count("add_moment_task")
        if self.fail_next:
            raise self.fail_next.pop(0)
        jobid = f"job{len(self.jobs) + 1}"
        self.jobs[jobid] = Job(body, int(self.clock()))
        if self.lose_answer_next:
            self.lose_answer_next -= 1
            raise TimeoutError("the answer was lost")
        return jobid

    def _finish(self, job: Job) -> None:
        if not job.moment_id:
            job.moment_id = f"mom{len([j for j in self.jobs.values() if j.moment_id]) + 1}"

    def moment_task_result(self, jobid: str) -> dict[str, Any]:
        self._count("get_moment_task_result")
        job = self.jobs.get(jobid)
        if job is None:
            raise WeComError(40009, "invalid jobid", "externalcontact/get_moment_task_result")
        job.polls += 1
        if job.polls <= self.job_polls:
            return {"status": 2, "type": "add_moment_task"}
        self._finish(job)
        visible = job.body.get("visible_range") or {}
        users = (visible.get("sender_list") or {}).get("user_list") or []
        tags = (visible.get("external_contact_list") or {}).get("tag_list") or []
        return {"status": 3, "type": "add_moment_task", "result": {
            "errcode": 0, "errmsg": "ok", "moment_id": job.moment_id,
            "invalid_sender_list": {"user_list": [u for u in users if u not in self.members]},
            "invalid_external_contact_list": {"tag_list": [t for t in tags if t not in self.tags]},
        }}  # fmt: skip

    def cancel_moment_task(self, moment_id: str) -> None:
        self._count("cancel_moment_task")
        job = next((j for j in self.jobs.values() if j.moment_id == moment_id), None)
        if job is None:
            raise WeComError(41059, "invalid moment id", "externalcontact/cancel_moment_task")
        job.cancelled = True

    def moment_list(self, start_time: int, end_time: int, filter_type: int) -> Iterable[dict[str, Any]]:
        self._count("get_moment_list")
        for job in self.jobs.values():
            if start_time <= job.created_at <= end_time and not job.cancelled:
                self._finish(job)  # a job whose answer was lost runs on: its moment is listed
                yield {"moment_id": job.moment_id, "create_type": 0, "create_time": job.created_at,
                       "text": job.body.get("text") or {}}  # fmt: skip


@dataclass
class Post:
    """One member's part of a moment: published or not, the customers it reached, likes and comments."""

    published: bool = False
    reached: list[str] = field(default_factory=list)
    visible: list[str] = field(default_factory=list)  # who could see it (defaults to those it reached)
    likes: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)


class FakeResults:
    """WeCom's moment result reads (93333) over posts the test sets: {moment_id: {userid: Post}}, paged as
    WeCom pages them; every page and comments read counted in ``calls``."""

    def __init__(self, posts: dict[str, dict[str, Post]] | None = None) -> None:
        self.posts = posts or {}
        self.calls: dict[str, int] = {}

    def _count(self, api: str) -> None:
        self.calls[api] = self.calls.get(api, 0) + 1

    @staticmethod
    def _page(items: list[Any], cursor: str, limit: int) -> tuple[list[Any], str]:
        start = int(cursor or 0)
        end = start + limit
        return items[start:end], (str(end) if end < len(items) else "")

    def moment_tasks(self, moment_id: str, cursor: str, limit: int) -> tuple[list[dict[str, Any]], str]:
        self._count("get_moment_task")
        rows = [{"userid": u, "publish_status": int(p.published)} for u, p in sorted(self.posts[moment_id].items())]
        return self._page(rows, cursor, limit)

    def moment_customer_list(self, moment_id: str, userid: str, cursor: str,
                             limit: int) -> tuple[list[dict[str, Any]], str]:  # fmt: skip
        self._count("get_moment_customer_list")
        post = self.posts[moment_id][userid]
        return self._page([{"userid": userid, "external_userid": e} for e in post.visible or post.reached], cursor, limit)

    def moment_send_result(self, moment_id: str, userid: str, cursor: str,
                           limit: int) -> tuple[list[dict[str, Any]], str]:  # fmt: skip
        self._count("get_moment_send_result")
        return self._page([{"external_userid": e} for e in self.posts[moment_id][userid].reached], cursor, limit)

    def moment_comments(self, moment_id: str, userid: str) -> dict[str, Any]:
        self._count("get_moment_comments")
        post = self.posts[moment_id][userid]
        return {"comment_list": list(post.comments), "like_list": list(post.likes)}


class FakeTimeline:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.writes = 0

    def add_timeline(self, corp_id: str, subject: str, create_time: int, event_id: str,
                     entry: dict[str, Any]) -> None:  # fmt: skip
        self.entries[(corp_id, subject, event_id)] = {**entry, "create_time": create_time}
        self.writes += 1


class FakeMaterials:
    def __init__(self, items: dict[str, tuple[str, str, bytes]] | None = None) -> None:
        self.items = items or {}

    def media(self, corp_id: str, material_id: str) -> tuple[str, str, bytes] | None:
        return self.items.get(material_id)


class FakeDirectory:
    def __init__(self, members: Sequence[str] = (), tags: Sequence[str] = ()) -> None:
        self.members, self.tags = set(members), set(tags)
        self.depts: dict[str, list[int]] = {}

    def known_employees(self, corp_id: str, userids: Sequence[str]) -> set[str]:
        return {u for u in userids if u in self.members}

    def known_tags(self, corp_id: str) -> set[str]:
        return set(self.tags)

    def departments(self, corp_id: str) -> dict[str, frozenset[int]]:
        return {m: frozenset(self.depts.get(m, ())) for m in self.members}
