"""Moment tasks (客户朋友圈; admin/moments.py). The request's shape is checked here; the domain's rules
(scrm.moments.spec: one kind of attachment, the materials' kinds, the senders and tags our store holds) take
the typed values and name the field they refuse."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from admin.schemas.base import NULLABLE, Body, Model

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]


class MomentLinkInput(Body):
    title: str = Field(min_length=1, max_length=64, description="at most 64 bytes in WeCom")
    url: str = Field(min_length=1, max_length=1024, description="an http(s) URL")
    cover: Id = Field(description="an image material of the library: the link's cover (WeCom requires one)")


class MomentInput(Body):
    name: str = Field(min_length=1, max_length=64, description="ours, for the console and the reports")
    text: str = Field("", max_length=2000, description="at most 2,000 characters")
    images: list[Id] = Field([], max_length=9, description="image materials of the library, in order (up to 9)")
    video: Id | None = Field(None, description="a video material of the library (WeCom allows 30 s at most)")
    link: MomentLinkInput | None = None
    senders: list[Id] = Field([], max_length=100_000, description=(
        "members who get the task; with departments empty as well, every member the app can see"))
    departments: list[int] = Field([], max_length=1000, description="departments whose members get the task")
    tags: list[Id] = Field([], max_length=1000, description=(
        "corp tags: only customers carrying one of them see the post; empty: every customer of each sender"))
    schedule_at: int | None = Field(None, ge=0, description=(
        "unix seconds: made in WeCom by the every-minute job once due (at most 30 days ahead); absent or past: "
        "made at once"))
    remind_after_hours: int = Field(24, ge=0, le=168, description=(
        "members who have not posted this many hours after the moment exists get an app message; 0: never"))
    request_id: str | None = Field(None, min_length=1, max_length=64, description=(
        "the same request_id again returns the task it made"))

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class Moment(Model):
    moment_task_id: str
    state: str = Field(description="new, calling, job (WeCom is creating it), created, failed, cancelled")
    spec: dict[str, Any] = Field(description="what was asked (senders as their count in lists)")
    created_at: int
    created_by: str
    jobid: str = Field("", description="WeCom's creation job (answers for 24 h)")
    moment_id: str = Field("", description="WeCom's moment, once the job is done")
    invalid_senders: Any = Field(description="members and departments WeCom could not give the task")
    invalid_customers: Any = Field(description="tags WeCom could not use")
    error: int | None = Field(None, description="WeCom's code when it refused the task",
                              json_schema_extra=NULLABLE)
    reason: str = ""
    cancelled_at: int = 0


class MomentDetail(Moment):
    invalid_sender_list: list[str] = Field(description="the userids and department ids WeCom refused (first 1,000)")
    invalid_customer_list: list[str] = Field(description="the tag ids WeCom refused (first 1,000)")


class MomentCreated(Model):
    created: bool
    moment: MomentDetail


class MomentList(Model):
    items: list[Moment]


class MomentProgressQuery(Model):
    format: Literal["json", "csv"] | None = Field(None, description="json (default) or csv (UTF-8 with BOM)")
    by: Literal["member", "department"] | None = Field(None, description="the CSV's rows (default member)")


class MomentDepartment(Model):
    department: int = Field(description="a department id (a store); 0: members without one")
    name: str
    members: int
    posted: int
    rate: float


class MomentMember(Model):
    userid: str
    published: bool
    visible: int = Field(description="customers who could see the post (get_moment_customer_list)")
    reached: int = Field(description="customers the post reached")
    likes: int
    comments: int
    reminded: str = Field(description="'' (not reminded), sent, failed, or the reminder record's state")


class MomentMembersQuery(Model):
    posted: Literal["yes", "no"] | None = Field(None, description="only the members who posted (yes) or not (no)")
    limit: int | None = Field(None, description="rows, 1..200 (default 50)")
    cursor: str | None = Field(None, description="next_cursor of the page before (same filter)")


class MomentMembers(Model):
    items: list[MomentMember]
    next_cursor: str = Field(description='the next page\'s cursor, "" after the last')


class MomentProgress(Model):
    moment_task_id: str
    state: str
    moment_id: str
    results_at: int = Field(description="when WeCom's results were last read (unix seconds; 0: not yet)")
    members: int
    posted: int
    rate: float = Field(description="posted / members")
    visible: int
    reached: int
    likes: int
    comments: int
    by_department: list[MomentDepartment]
