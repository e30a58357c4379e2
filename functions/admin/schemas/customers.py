"""Customers, tags, employees and sync (admin/customers.py, tags.py, employees.py, sync.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

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


USERID = "userid: required (the employee whose view of the customer to edit)"
ORDER = "order: must be an integer in [0, 2^32)"
Order = Annotated[int, Field(ge=0, lt=2**32, description="WeCom's order: larger first")]


class RemarkEdit(Model):
    """At least one of remark, description, remark_company, remark_mobiles."""

    userid: str = Field(min_length=1, description="the employee whose view of the customer to edit")
    # absent: unchanged; null is refused, as it always was
    remark: str = Field(None, max_length=20)
    description: str = Field(None, max_length=150)
    remark_company: str = Field(None, max_length=20)
    remark_mobiles: list[str] = Field(None, max_length=5)

    wording: ClassVar[Mapping[str, str]] = {
        "userid": USERID,
        "remark": "remark: must be a string of at most 20 characters",
        "description": "description: must be a string of at most 150 characters",
        "remark_company": "remark_company: must be a string of at most 20 characters",
        "remark_mobiles": "remark_mobiles: must be a list of at most 5 strings",
    }
    whole: ClassVar[frozenset[str]] = frozenset({"remark_mobiles"})

    def fields(self) -> dict[str, Any]:
        """The fields given, as typed values (the service takes them)."""
        return self.model_dump(exclude_unset=True, exclude={"userid"})


class TagEdit(Model):
    """At least one of add, remove; a tag cannot be in both."""

    userid: str = Field(min_length=1, description="the employee whose relation to tag")
    add: list[Annotated[str, Field(min_length=1)]] | None = Field([], max_length=100, description="tag ids")
    remove: list[Annotated[str, Field(min_length=1)]] | None = Field([], max_length=100, description="tag ids")

    wording: ClassVar[Mapping[str, str]] = {
        "userid": USERID,
        "add": "add: must be a list of at most 100 tag ids",
        "remove": "remove: must be a list of at most 100 tag ids",
    }
    whole: ClassVar[frozenset[str]] = frozenset({"add", "remove"})


class TagCreate(Model):
    """Exactly one of group_id (an existing group) or group_name (a new one); names at most 30 characters."""

    group_id: str | None = None
    group_name: str | None = None
    order: Order | None = None
    tags: list[Annotated[str, Field(pattern=r"\S")]] = Field(min_length=1)

    wording: ClassVar[Mapping[str, str]] = {
        "group_id": "group_id: must be a string",
        "group_name": "group_name: must be a string",
        "order": ORDER,
        "tags": "tags: must be a non-empty list of tag names",
    }
    whole: ClassVar[frozenset[str]] = frozenset({"tags"})


class TagsCreated(Model):
    group_id: str = Field(description="the group's id (new, or the one given)")
    tag_ids: list[str] = Field(description="the new tags' ids, in the order of the names")


class TagUpdated(Model):
    id: str
    updated: bool


class TagDeleted(Model):
    id: str
    deleted: bool


class Employee(Model):
    userid: str
    name: str | None = None
    departments: list[int] | None = None
    position: str | None = None
    wecom_status: int | None = Field(None, description="WeCom's: 1 active, 2 disabled, 4 not activated, 5 left")
    status: str | None = None
    renamed_to: str | None = None


class EmployeePage(Model):
    items: list[Employee]
    next_cursor: str = Field(description='the next page\'s cursor, "" after the last')


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
    """At least one of name, order."""

    name: str | None = Field(None, pattern=r"\S", max_length=30)
    order: Order | None = None

    wording: ClassVar[Mapping[str, str]] = {"name": "name: must be 1..30 characters", "order": ORDER}


class WhoAmI(Model):
    """The key's corp and role: a cheap check that a key works."""

    corp_id: str
    role: Literal["admin", "operator", "viewer"] = Field(description="operator only for a console session")
    key_id: str = Field(description="the key's id; staff:<corp>:<userid> for a console session")
