"""Lifecycle stages and follow-up notes (admin/stages.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field

from admin.schemas.base import NULLABLE, Body, Model


class StageInput(Body):
    id: str | None = Field(None, max_length=64, description="a stage's id; absent for a new stage")
    name: str = Field(min_length=1, max_length=30, description="1..30 characters, unique")


class StagesEdit(Body):
    """The whole list, in order: add (no id), rename, reorder; leave a stage out to remove it."""

    stages: list[StageInput] = Field(min_length=1, max_length=20, description="1..20 stages, in order")
    moves: dict[str, str] | None = Field(
        None, description="removed stage id → kept stage id: where a removed stage's customers go"
    )
    mirror: bool | None = Field(None, description="mirror stages to a corp tag group (mark_tag on each change)")
    group_name: str | None = Field(None, min_length=1, max_length=30, description="the tag group (default 客户阶段)")
    version: int | None = Field(None, ge=0, description="the version read; a newer one stored answers 409")

    wording: ClassVar[Mapping[str, str]] = {
        "stages": "stages: give 1..20 stages, each {id?, name}",
        "stages.name": "{field}: 1..30 characters",
        "stages.id": "{field}: a stage id (at most 64 characters), or absent for a new stage",
        "moves": "moves: an object of removed stage id → kept stage id",
        "mirror": "mirror: must be true or false",
        "group_name": "group_name: 1..30 characters",
        "version": "version: the version read (an integer)",
    }
    unknown: ClassVar[str] = "{field}: unknown field (known: stages, moves, mirror, group_name, version)"

    def rows(self) -> list[dict[str, Any]]:
        return [s.model_dump(exclude_none=True) for s in self.stages]


class StageRow(Model):
    id: str | None = None
    name: str | None = None
    order: int | None = None
    customers: int | None = None
    tag_id: str | None = Field(None, description="the mirror's tag, when the mirror is on")


class StageMirror(Model):
    enabled: bool | None = None
    group_name: str | None = None


class Stages(Model):
    stages: list[StageRow] | None = None
    mirror: StageMirror | None = None
    version: int | None = Field(None, description="send it back with PUT (0: the defaults, never edited)")


class StageSet(Body):
    stage: str = Field(min_length=1, max_length=64, description="a stage id (GET /admin/stages)")
    userid: str = Field(min_length=1, description="the acting member (with the mirror on: whose relation is tagged)")

    wording: ClassVar[Mapping[str, str]] = {
        "stage": "stage: required, a stage id (GET /admin/stages)",
        "userid": "userid: required (the acting member)",
    }
    unknown: ClassVar[str] = "{field}: unknown field (known: stage, userid)"


class StageRef(Model):
    id: str | None = None
    name: str | None = None


class CustomerStage(Model):
    external_userid: str | None = None
    stage: StageRef | None = Field(None, json_schema_extra=NULLABLE, description="null before the first")
    from_: StageRef | None = Field(None, alias="from", json_schema_extra=NULLABLE, description="the stage before")
    set_at: int | None = Field(None, json_schema_extra=NULLABLE)
    by_userid: str | None = Field(None, json_schema_extra=NULLABLE)


class NoteInput(Body):
    text: str = Field(min_length=1, max_length=2000, description="1..2000 characters")
    userid: str = Field(min_length=1, description="the member writing it")
    note_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="the client's id: a retry with it stores nothing new"
    )

    wording: ClassVar[Mapping[str, str]] = {
        "text": "text: 1..2000 characters",
        "userid": "userid: required (the member writing the note)",
        "note_id": "note_id: 1..64 letters, digits, _ or -",
    }
    unknown: ClassVar[str] = "{field}: unknown field (known: text, userid, note_id)"


class Note(Model):
    note_id: str | None = None
    external_userid: str | None = None
    by_userid: str | None = None
    text: str | None = None
    created_ms: int | None = None
    created_at: int | None = None


class NotePage(Model):
    items: list[Note] | None = None
    next_cursor: str | None = Field(None, description="the next page's cursor; empty after the last page")


class NoteSearchPage(NotePage):
    examined: int | None = Field(None, description="notes read for this page (at most 1,000 a request)")


class NotesQuery(Model):
    limit: int | None = Field(None, description="rows, 1..100 (default 20)")
    cursor: str | None = Field(None, description="next_cursor of the page before")


class NoteSearchQuery(NotesQuery):
    q: str | None = Field(None, description="words the note must all hold (at most 5, case-insensitive)")
    userid: str | None = Field(None, description="only this member's notes")


class StageMove(Model):
    from_: str | None = Field(None, alias="from", json_schema_extra=NULLABLE, description="null: a first stage")
    to: str | None = None
    from_name: str | None = None
    to_name: str | None = None
    count: int | None = None


class StageDay(Model):
    day: str | None = None
    total: int | None = None
    moves: list[StageMove] | None = None


class StageStats(Model):
    stages: list[StageRow] | None = None
    total: int | None = None
    days: list[StageDay] | None = None


class StageStatsQuery(Model):
    days: int | None = Field(None, description="China days back, today included, 1..90 (default 30)")
