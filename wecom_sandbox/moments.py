"""Customer moments (客户朋友圈) posted by the enterprise: add_moment_task's jobs, the moments they make, each
member's part (publish, who sees it, likes and comments).

WeCom's flow (95094 / 93333 / 97612):

- ``add_moment_task`` answers only a ``jobid`` (valid 24 h). The job runs asynchronously on the world clock:
  ``get_moment_task_result`` answers status 1 (started) for the first half of the corp's ``moment_job_s``, 2
  (running) for the second half, then 3 (done) with ``result``: the ``moment_id`` and the senders / tags that
  were not valid, or an ``errcode`` when the whole task failed. Until the job is done the moment exists
  nowhere else.
- Each sender gets a task (publish_status 0). The member publishes from the client (the control API stands in
  for the tap): publish_status 1 at that world time. The customers who can see the post (``get_moment_customer_list``)
  are then fixed: the member's customers carrying one of the moment's tags, or all of them without tags (the
  member may narrow them, ``select``); those the post reached (``get_moment_send_result``) are the ones still
  two-way friends (a customer who deleted the member is listed as visible but not reached).
- Customers who can see a post like it, un-like it and comment; members like and comment too.
  ``get_moment_comments`` lists both, each with create_time.
- ``cancel_moment_task`` stops the parts not yet published (97612: "停止尚未发送的…发送任务"; it cannot take back
  what was published). A cancelled moment nobody had published is gone, like a deleted moment (93333: deleted
  moments are never returned); one with published posts stays, and its unpublished parts can no longer publish.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JOB_STARTED, JOB_RUNNING, JOB_DONE = 1, 2, 3
JOB_TTL_S = 86_400
"""95094: "jobid … 24小时有效"."""
NOT_PUBLISHED, PUBLISHED = 0, 1


@dataclass(slots=True)
class Interaction:
    """A like or a comment: by a customer (external_userid) or a member (userid), never both (93333)."""

    create_time: int
    external_userid: str = ""
    userid: str = ""
    content: str = ""

    def to_api(self) -> dict[str, Any]:
        who = {"external_userid": self.external_userid} if self.external_userid else {"userid": self.userid}
        return {**who, "create_time": self.create_time}

    def to_control(self) -> dict[str, Any]:
        return {**self.to_api(), "content": self.content}


@dataclass(slots=True)
class MemberPost:
    """One sender's part of a moment."""

    userid: str
    publish_status: int = NOT_PUBLISHED
    publish_time: int = 0
    visible: list[str] = field(default_factory=list)
    """external_userids who can see the post, fixed when it is published (get_moment_customer_list)."""
    reached: list[str] = field(default_factory=list)
    """Those of them the post reached: still two-way friends at publish (get_moment_send_result)."""
    likes: list[Interaction] = field(default_factory=list)
    comments: list[Interaction] = field(default_factory=list)

    def to_control(self) -> dict[str, Any]:
        return {
            "userid": self.userid,
            "publish_status": self.publish_status,
            "publish_time": self.publish_time,
            "visible": list(self.visible),
            "reached": list(self.reached),
            "likes": [i.to_control() for i in self.likes],
            "comments": [i.to_control() for i in self.comments],
        }


@dataclass(slots=True)
class Moment:
    moment_id: str
    seq: int
    created_at: int
    ready_at: float
    """When its job is done: before that no API answers about it."""
    text: str
    attachments: list[dict[str, Any]]
    tag_ids: list[str]
    """Valid target tags (external_contact_list.tag_list); empty = every customer of the member."""
    tasks: dict[str, MemberPost] = field(default_factory=dict)
    cancelled_at: int = 0
    create_type: int = 0
    """0 enterprise (every moment of add_moment_task); personal moments are not simulated."""

    def gone(self) -> bool:
        """Cancelled before any member published: like a deleted moment, no API returns it."""
        return bool(self.cancelled_at) and not any(t.publish_status for t in self.tasks.values())

    def visible_to_api(self, now: float) -> bool:
        return now >= self.ready_at and not self.gone()

    def to_control(self, now: float) -> dict[str, Any]:
        return {
            "moment_id": self.moment_id,
            "create_time": self.created_at,
            "ready": now >= self.ready_at,
            "gone": self.gone(),
            "text": self.text,
            "attachments": self.attachments,
            "tag_ids": list(self.tag_ids),
            "cancelled_at": self.cancelled_at,
            "tasks": [t.to_control() for t in self.tasks.values()],
        }


@dataclass(slots=True)
class MomentJob:
    jobid: str
    created_at: float
    job_s: float
    moment_id: str = ""
    errcode: int = 0
    invalid_users: list[str] = field(default_factory=list)
    invalid_departments: list[int] = field(default_factory=list)
    invalid_tags: list[str] = field(default_factory=list)

    def status(self, now: float) -> int:
        elapsed = now - self.created_at
        if elapsed >= self.job_s:
            return JOB_DONE
        return JOB_STARTED if elapsed < self.job_s / 2 else JOB_RUNNING

    def expired(self, now: float) -> bool:
        return now >= self.created_at + JOB_TTL_S

    def to_control(self, now: float) -> dict[str, Any]:
        return {
            "jobid": self.jobid,
            "created_at": self.created_at,
            "status": self.status(now),
            "expired": self.expired(now),
            "moment_id": self.moment_id,
            "errcode": self.errcode,
            "invalid_sender_list": {"user_list": self.invalid_users, "department_list": self.invalid_departments},
            "invalid_external_contact_list": {"tag_list": self.invalid_tags},
        }


@dataclass(slots=True)
class MomentLog:
    jobs: dict[str, MomentJob] = field(default_factory=dict)
    moments: dict[str, Moment] = field(default_factory=dict)
