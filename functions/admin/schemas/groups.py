"""Customer groups and their labels (admin/groups.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from admin.schemas.base import Model


class GroupTags(Model):
    tags: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]] = Field(
        description="at most 20 labels of 1..30 characters, trimmed and de-duplicated; [] clears them"
    )

    wording: ClassVar[Mapping[str, str]] = {
        "tags:string_too_short": "tags: each label must be 1..30 characters (trimmed)",
        "tags:string_too_long": "tags: each label must be 1..30 characters (trimmed)",
        "tags": "tags: must be a list of label strings",
    }
    whole: ClassVar[frozenset[str]] = frozenset({"tags"})


class GroupQuery(Model):
    owner: str | None = Field(None, description="only the groups this employee (userid) owns")
    limit: int | None = Field(None, description="rows per page, 1..200 (default 50)")
    cursor: str | None = Field(None, description="next_cursor of the previous page, with the same owner and name")
    name: str | None = Field(None, description="only groups whose name contains this (at most 50 characters)")
    chat_ids: str | None = Field(
        None, description="comma-separated group ids (at most 200): those groups, in that order, without paging; "
        "not with owner, name or cursor",
    )


class GroupRow(Model):
    chat_id: str
    name: str = Field(description="as the group's members typed it ('' when unnamed)")
    owner: str = Field(description="the owner's userid")
    member_count: int = Field(description="members at the last sync or group event")
    create_time: int = Field(description="unix seconds")
    status: Literal["active", "dismissed"]
    tags: list[str] = Field(description="the SCRM's own labels, sorted")


class GroupPage(Model):
    items: list[GroupRow] = Field(description="by owner (userid), then creation time")
    next_cursor: str = Field(description='the next page\'s cursor, "" after the last')


class Group(Model):
    corp_id: str | None = None
    chat_id: str | None = None
    name: str | None = None
    owner: str | None = None
    create_time: int | None = None
    notice: str | None = None
    member_count: int | None = None
    admins: list[str] | None = None
    status: Literal["active", "dismissed"] | None = None
    tags: list[str] | None = Field(None, description="the SCRM's own labels, sorted")
    members: list[GroupMember] | None = Field(
        None, description="every member stored (those who left too), by member_id"
    )
    synced_at_ms: int | None = None


class GroupMember(Model):
    member_id: str = Field(description="a userid (employee) or an external_userid (customer)")
    type: Literal["employee", "customer"]
    status: Literal["member", "left"]
    join_time: int | None = Field(None, description="unix seconds")
    join_scene: int | None = Field(None, description="WeCom's: 1 invited directly, 2 by link, 3 by QR code")
    invitor: str | None = Field(None, description="the userid who invited them")
    group_nickname: str | None = Field(None, description="their nickname in the group")
    name: str | None = Field(None, description="their name as WeCom gave it")
    left_seen_ms: int | None = Field(None, description="when we saw them gone (epoch ms); status left only")
