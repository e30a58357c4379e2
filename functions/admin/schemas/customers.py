"""Customers, tags, employees, sync and the shared error answers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from admin.schemas.base import NULLABLE, Model


class Error(Model):
    error: str
    field: str | None = None


class RetryLater(Model):
    error: str
    retry_after_s: int


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
