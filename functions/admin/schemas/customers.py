"""Customers, tags, employees and sync (admin/customers.py, tags.py, employees.py, sync.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from admin.schemas.base import NULLABLE, Model


class RelationTagsItem(Model):
    tag_id: str | None = None
    name: str | None = None


class Relation(Model):
    external_userid: str | None = None
    userid: str | None = None
    name: str | None = None
    remark: str | None = None
    description: str | None = None
    add_time: int | None = None
    add_way: int | None = None
    state: str | None = None
    status: str | None = None
    tag_ids: list[str] | None = None
    tags: list[RelationTagsItem] | None = None


class CustomerPage(Model):
    items: list[Relation] | None = None
    next_cursor: str | None = None
    driver: str | None = Field(None, description="the index that served the search")


class CustomerDetail(Model):
    profile: dict[str, Any] | None = Field(None, json_schema_extra=NULLABLE)
    follows: list[Relation] | None = None
    timeline: list[dict[str, Any]] | None = None


class RemarkEdit(Model):
    userid: str
    remark: str | None = Field(None, max_length=20)
    description: str | None = Field(None, max_length=150)
    remark_company: str | None = Field(None, max_length=20)
    remark_mobiles: list[str] | None = Field(None, max_length=5)


class TagEdit(Model):
    userid: str
    add: list[str] | None = None
    remove: list[str] | None = None


class TagCreate(Model):
    group_id: str | None = None
    group_name: str | None = Field(None, max_length=30)
    order: int | None = None
    tags: list[Annotated[str, Field(max_length=30)]]


class TagLibrary(Model):
    groups: list[dict[str, Any]] | None = None


class SyncJob(Model):
    job_id: str | None = None
    kind: str | None = None
    state: Literal["running", "done", "failed"] | None = None
    percent: float | None = None
    employees: int | None = None
    relations: int | None = None
    groups_listed: int | None = None
    groups: int | None = None
    tags: int | None = None
    wecom_calls: int | None = None
    drift_removed: int | None = None
    started_at_ms: int | None = None
    finished_at_ms: int | None = None


class SyncStart(Model):
    created: bool | None = None
    job: SyncJob | None = None


class SyncJobs(Model):
    items: list[SyncJob] | None = None


TAG_IDS = "comma-separated tag ids (at most 20)"


class CustomerQuery(Model):
    tags_all: str | None = Field(
        None, description="AND: relations carrying every one of these tags; " + TAG_IDS
    )
    tags_any: str | None = Field(
        None, description="OR: relations carrying at least one of these tags; " + TAG_IDS
    )
    tags_none: str | None = Field(None, description="NOT: relations carrying none of these tags; " + TAG_IDS)
    employee: str | None = Field(None, description="userid of the employee who follows the customer")
    added_from: int | None = Field(None, description="added at or after (unix seconds)")
    added_to: int | None = Field(None, description="added at or before (unix seconds)")
    state: str | None = Field(None, description="source channel state (the channel code's state)")
    status: str | None = Field(
        None,
        description="active (default), deleted_by_customer, deleted_by_employee, transferred, gone, or all",
    )
    name_prefix: str | None = Field(None, description="customer name starts with")
    limit: int | None = Field(None, description="rows per page, 1..200 (default 50)")
    cursor: str | None = Field(None, description="next_cursor of the previous page, with the same filters")


class DetailQuery(Model):
    timeline_limit: int | None = Field(None, description="1..200 (default 20)")


class EmployeeQuery(Model):
    limit: int | None = Field(None, description="1..1000 (default 100)")
    cursor: str | None = Field(None, description="next_cursor of the previous page")


class TagUpdate(Model):
    name: str | None = Field(None, max_length=30)
    order: int | None = None


class WhoAmI(Model):
    """The key's corp and role: a cheap check that a key works."""

    corp_id: str
    role: Literal["admin", "operator", "viewer"] = Field(description="operator only for a console session")
    key_id: str = Field(description="the key's id; staff:<corp>:<userid> for a console session")
