"""Lifecycle stages and follow-up notes: the corp's stages (admins edit them), a customer's stage and
notes (set by a member), the corp's notes searched by admins, and the stage statistics."""

from __future__ import annotations

from typing import Any

from admin.api import Doc, json_response, number_of, query_of, route
from admin.schemas import stages as S

EXT = {"external_userid": "the customer"}


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.stages()


@route("/admin/stages", doc=Doc(
    "The corp's lifecycle stages in order, with their customers, and the tag mirror",
    {200: ("the stages", S.Stages)},
))  # fmt: skip
def stages(principal: Any, request: Any) -> Any:
    return _service().stages(principal.corp_id)


@route("/admin/stages", methods=("PUT",), write=True, role="admin", doc=Doc(
    "Edit the stages: add, rename, reorder, remove (a stage holding customers needs moves); the tag mirror",
    {200: ("the stages as saved", S.Stages)}, body=S.StagesEdit,
    errors={409: "a removed stage holds customers (field moves, details), or the stages changed meanwhile", 502: None},
))  # fmt: skip
def stages_set(principal: Any, request: Any, body: S.StagesEdit) -> Any:
    return _service().set_stages(principal.corp_id, body.rows(), body.moves, body.mirror, body.group_name, body.version)


@route("/admin/customers/{external_userid}/stage", doc=Doc(
    "A customer's stage, when and by whom it was last set",
    {200: ("the customer's stage", S.CustomerStage)}, params=EXT, errors={404: None},
))  # fmt: skip
def stage_of(principal: Any, request: Any, external_userid: str) -> Any:
    return _service().stage_of(principal.corp_id, external_userid)


@route("/admin/customers/{external_userid}/stage", methods=("PUT",), write=True, doc=Doc(
    "Move a customer to a stage as a member (counted, on the timeline; with the mirror: mark_tag first)",
    {200: ("the customer's stage after it", S.CustomerStage)}, body=S.StageSet, params=EXT,
    errors={404: None, 409: None, 502: None},
))  # fmt: skip
def stage_set(principal: Any, request: Any, external_userid: str, body: S.StageSet) -> Any:
    return _service().set_stage(principal.corp_id, external_userid, body.stage, body.userid)


@route("/admin/customers/{external_userid}/notes", doc=Doc(
    "A customer's follow-up notes, newest first, cursor-paged",
    {200: ("a page", S.NotePage)}, query=S.NotesQuery, params=EXT, errors={404: None},
))  # fmt: skip
def notes(principal: Any, request: Any, external_userid: str) -> Any:
    q = query_of(request)
    return _service().notes(principal.corp_id, external_userid, q.get("cursor") or "", number_of(request, "limit", 20, 100))


@route("/admin/customers/{external_userid}/notes", methods=("POST",), write=True, doc=Doc(
    "Write a follow-up note as a member (on the timeline; a retry with the same note_id stores nothing new)",
    {201: ("the note as stored", S.Note)}, body=S.NoteInput, params=EXT, errors={404: None},
))  # fmt: skip
def note_add(principal: Any, request: Any, external_userid: str, body: S.NoteInput) -> Any:
    note = _service().add_note(principal.corp_id, external_userid, body.userid, body.text, body.note_id or "")
    return json_response(201, note)


@route("/admin/notes", role="admin", doc=Doc(
    "Search the corp's notes by words and/or member, newest first",
    {200: ("a page (fewer rows than limit with a next_cursor: more may follow)", S.NoteSearchPage)},
    query=S.NoteSearchQuery,
    description="Each request reads at most 1,000 notes newest first (the corp's, or the member's) and keeps "
    "those holding every word; a rare word may answer an empty page with a next_cursor.",
))  # fmt: skip
def notes_search(principal: Any, request: Any) -> Any:
    q = query_of(request)
    return _service().search_notes(principal.corp_id, q.get("q") or "", q.get("userid") or "", q.get("cursor") or "",
                                   number_of(request, "limit", 20, 100))  # fmt: skip


@route("/admin/stats/stages", doc=Doc(
    "Customers per stage (exact) and stage moves per China day",
    {200: ("the counts and the days, oldest first", S.StageStats)}, query=S.StageStatsQuery,
))  # fmt: skip
def stage_stats(principal: Any, request: Any) -> Any:
    service = _service()
    return {**service.stage_counts(principal.corp_id), **service.stage_moves(principal.corp_id, number_of(request, "days", 30, 90))}
