"""Lifecycle stages and follow-up notes: what the admin API, the CLI and the sidebar's routes call.

Every method takes the corp from the caller, and the acting member (``by_userid``) explicitly: the
sidebar's routes pass the session's member after checking that the member serves the customer; the admin
API passes the member named in the body. A customer we do not hold is NotFound (404).

Idempotency: setting a stage is idempotent by its result (a customer already at the stage is not moved
again, and its last change's timeline entry is re-put under the same key, which writes nothing new); a
note is keyed by ``note_id``, given by the client or derived from (customer, member, text, 10-minute
window), and written with its marker in one conditional transaction, so a retried request stores it once.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from scrm.kernel import page_cursor
from scrm.kernel.china_time import CHINA
from scrm.kernel.errors import Conflict, InvalidInput
from scrm.kernel.input_limits import whole_number
from scrm.stages.errors import Contended, UnknownCustomer
from scrm.stages.model import GROUP_DEFAULT, NAME_MAX, Mirror, Move, StageConfig, note_text, plan_move
from scrm.stages.ports import Customers, NoteRepo, StageRepo, Tagging, Timeline

TRIES = 8  # a contended customer: re-read and decide again this many times, then Conflict
NOTE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DERIVED_WINDOW_S = 600  # a note without an id: the same text by the same member within 10 min is one note
SEARCH_BUDGET = 1000  # notes read per search request at most (each costs a read whether it matches or not)
SEARCH_BATCH = 200
WORDS_MAX, Q_MAX = 5, 100
DAYS_MAX = 90
PORTRAIT_NOTES = 5


def _day(at: float) -> str:
    return datetime.fromtimestamp(at, CHINA).strftime("%Y-%m-%d")


def _shown_note(note: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in note.items() if k != "key"}
    out["created_at"] = int(note["created_ms"]) // 1000
    return out


class StageService:
    def __init__(
        self,
        stages: StageRepo,
        notes: NoteRepo,
        customers: Customers,
        timeline: Timeline,
        tagging: Tagging,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.repo = stages
        self.notes_repo = notes
        self.customers = customers
        self.timeline = timeline
        self.tagging = tagging
        self.clock = clock

    # the corp's stages ------------------------------------------------------------------------------
    def _config(self, corp_id: str) -> StageConfig:
        data, version = self.repo.config(corp_id)
        return StageConfig.of(data, version)

    def stages(self, corp_id: str) -> dict[str, Any]:
        """The stages in order with their customers, and the mirror; ``version`` for set_stages."""
        return self._config(corp_id).shown(self.repo.counts(corp_id))

    def set_stages(
        self,
        corp_id: str,
        stages: Sequence[Mapping[str, Any]],
        moves: Mapping[str, str] | None = None,
        mirror: bool | None = None,
        group_name: str | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Admins: the new list (add: no id; rename; reorder: the list's order; remove: leave it out, and
        say in ``moves`` where a removed stage's customers go, else Conflict naming ``moves``). ``mirror``
        on: each stage gets a tag in the corp tag group ``group_name`` (created in WeCom when missing; a
        renamed stage renames its tag); off: tags stay in WeCom, stage changes stop marking them.
        ``version``: the version the editor read (a newer one stored is Conflict: reload)."""
        current = self._config(corp_id)
        if version is not None and version != current.version:
            raise Conflict(f"the stages changed meanwhile (version {current.version}); reload them", "version")
        counts = self.repo.counts(corp_id)
        new, merges = current.edited(stages, counts, dict(moves or {}))
        name = (group_name if group_name is not None else current.mirror.group_name).strip()
        if not 1 <= len(name) <= NAME_MAX:
            raise InvalidInput("group_name", f"group_name: 1..{NAME_MAX} characters")
        enabled = current.mirror.enabled if mirror is None else mirror
        if enabled:
            new = new.with_mirror(self._mirror_tags(corp_id, current, new, name))  # WeCom first
        else:
            new = new.with_mirror(Mirror(False, name, dict(current.mirror.tags)))
        removed = {i: int(counts.get(i, 0)) for i in current.ids() if i not in new.ids()}
        if not self.repo.save_config(corp_id, new.to_dict(), current.version + 1, merges, removed):
            raise Conflict("the stages or their counts changed meanwhile; reload and retry", "version")
        return self.stages(corp_id)

    def _mirror_tags(self, corp_id: str, before: StageConfig, after: StageConfig, group_name: str) -> Mirror:
        """Stage id → tag id in the group ``group_name``: a stage's tag kept (renamed with it), else the
        group's tag of the stage's name, else created (one add_corp_tag call for all the missing)."""
        group = self._group(corp_id, group_name)
        live = {t["tag_id"]: t["name"] for t in (group or {}).get("tags", [])}
        by_name = {n: t for t, n in live.items()}
        tags: dict[str, str] = {}
        missing = []
        for s in after.stages:
            kept = before.mirror.tags.get(s.id)
            if kept in live:
                if live[kept] != s.name:
                    self.tagging.edit_tag(corp_id, kept, name=s.name)
                tags[s.id] = kept
            elif s.name in by_name:
                tags[s.id] = by_name[s.name]
            else:
                missing.append(s)
        if missing:
            gid = (group or {}).get("group_id", "")
            self.tagging.create_tags(corp_id, [s.name for s in missing], group_id=gid, group_name="" if gid else group_name)
            made = {t["name"]: t["tag_id"] for t in (self._group(corp_id, group_name) or {}).get("tags", [])}
            tags.update({s.id: made[s.name] for s in missing if s.name in made})
        return Mirror(True, group_name, tags)

    def _group(self, corp_id: str, name: str) -> dict[str, Any] | None:
        return next((g for g in self.tagging.tags(corp_id)["groups"] if g["name"] == name), None)

    # a customer's stage -----------------------------------------------------------------------------
    def _hold(self, corp_id: str, external_userid: str) -> None:
        if self.customers.customer(corp_id, external_userid) is None and not self.customers.follows(corp_id, external_userid):
            raise UnknownCustomer(external_userid)

    def stage_of(self, corp_id: str, external_userid: str) -> dict[str, Any]:
        """The customer's stage (None before the first), when and by whom it was last set."""
        self._hold(corp_id, external_userid)
        return self._view(self._config(corp_id), external_userid, self.repo.record(corp_id, external_userid))

    @staticmethod
    def _view(config: StageConfig, external_userid: str, record: Mapping[str, Any] | None) -> dict[str, Any]:
        stage = config.resolve((record or {}).get("stage"))
        source = config.resolve((record or {}).get("from"))
        return {
            "external_userid": external_userid,
            "stage": {"id": stage, "name": config.name_of(stage)} if stage else None,
            "from": {"id": source, "name": config.name_of(source)} if source else None,
            "set_at": int((record or {}).get("set_at") or 0) or None,
            "by_userid": (record or {}).get("by_userid"),
        }

    def set_stage(self, corp_id: str, external_userid: str, stage_id: str, by_userid: str) -> dict[str, Any]:
        """Move the customer to ``stage_id`` as ``by_userid``; the customer's stage record after it. With
        the mirror on, the member's relation is re-tagged first (WeCom's mark_tag through the customers'
        tag service: the new stage's tag added, the old one's removed); then the record, both counts and
        the day's move counter change in one transaction; then the timeline gets the change."""
        if not isinstance(by_userid, str) or not by_userid.strip():
            raise InvalidInput("userid", "userid: the acting member's userid is required")
        self._hold(corp_id, external_userid)
        for _ in range(TRIES):
            config = self._config(corp_id)
            record = self.repo.record(corp_id, external_userid)
            now = int(self.clock())
            move = plan_move(config, record, external_userid, stage_id, by_userid, now, _day(now))
            if move is None:  # there already: a retry re-puts the last change's entry (a no-op when stored)
                if record and record.get("event_id"):
                    self._on_timeline(corp_id, config, external_userid, record)
                return self._view(config, external_userid, record)
            self._mirror(corp_id, config, move)
            if self.repo.move(corp_id, move):
                record = {"stage": move.to_stage, "from": move.from_stage, "by_userid": by_userid, "set_at": now,
                          "event_id": move.event_id, "seq": move.seq}  # fmt: skip
                self._on_timeline(corp_id, config, external_userid, record)
                return self._view(config, external_userid, record)
        raise Contended()

    def _mirror(self, corp_id: str, config: StageConfig, move: Move) -> None:
        add = config.mirror.tag_of(move.to_stage)
        if not add:
            return
        remove = config.mirror.tag_of(move.from_stage)
        self.tagging.edit_tags(corp_id, move.external_userid, move.by_userid, [add], [remove] if remove and remove != add else [])

    def _on_timeline(self, corp_id: str, config: StageConfig, external_userid: str, record: Mapping[str, Any]) -> None:
        entry = {
            "event": "stage",
            "change_type": "stage",
            "stage": record.get("stage"),
            "stage_name": config.name_of(record.get("stage")),
            "from": record.get("from"),
            "from_name": config.name_of(record.get("from")),
            "by_userid": record.get("by_userid"),
        }
        self.timeline.add_timeline(corp_id, f"customer:{external_userid}", int(record["set_at"]), str(record["event_id"]), entry)

    def portrait_part(self, corp_id: str, external_userid: str, userid: str) -> dict[str, Any]:
        """The sidebar portrait's part (a ``scrm.sidebar.portrait.Extra``: the portrait has checked that
        ``userid`` may see the customer): the customer's stage, the corp's stages to move it to, and the
        newest notes with the cursor to the next page of GET …/notes."""
        (data, version), record = self.repo.config_and_record(corp_id, external_userid)
        config = StageConfig.of(data, version)
        rows = self.notes_repo.of_customer(corp_id, external_userid, "", PORTRAIT_NOTES + 1)
        more, rows = len(rows) > PORTRAIT_NOTES, rows[:PORTRAIT_NOTES]
        cursor = page_cursor.encode(corp_id, f"notes/{external_userid}", rows[-1]["key"]["sk"]) if more else ""
        return {
            "stage": self._view(config, external_userid, record),
            "stages": [{"id": s.id, "name": s.name} for s in config.stages],
            "notes": {"items": [_shown_note(r) for r in rows], "next_cursor": cursor},
        }

    # statistics -------------------------------------------------------------------------------------
    def stage_counts(self, corp_id: str) -> dict[str, Any]:
        """Customers at each stage, exact (kept in the same transaction as every change)."""
        config, counts = self._config(corp_id), self.repo.counts(corp_id)
        rows = [{"id": s.id, "name": s.name, "customers": max(0, int(counts.get(s.id, 0)))} for s in config.stages]
        return {"stages": rows, "total": sum(r["customers"] for r in rows)}

    def stage_moves(self, corp_id: str, days: int = 30) -> dict[str, Any]:
        """Moves per China day of the last ``days`` (1..90, today included), oldest first; each day's moves
        by (from, to), with the stages' names as they are now."""
        days = whole_number(str(days), "days", 1, DAYS_MAX, 30)
        config = self._config(corp_id)
        today = datetime.fromtimestamp(self.clock(), CHINA)
        wanted = [(today - timedelta(days=d)).strftime("%Y-%m-%d") for d in range(days - 1, -1, -1)]
        by_day: dict[str, list[dict[str, Any]]] = {d: [] for d in wanted}
        for row in self.repo.moves(corp_id, wanted[0], wanted[-1]):
            if row["day"] in by_day:
                by_day[row["day"]].append({**row, "from_name": config.name_of(row["from"]), "to_name": config.name_of(row["to"])})
        return {"days": [{"day": d, "total": sum(m["count"] for m in by_day[d]), "moves": by_day[d]} for d in wanted]}

    # notes ------------------------------------------------------------------------------------------
    def add_note(self, corp_id: str, external_userid: str, by_userid: str, text: str, note_id: str = "") -> dict[str, Any]:
        """A follow-up note by ``by_userid`` (1..2000 characters); on the customer's timeline. ``note_id``
        (the client's, [A-Za-z0-9_-]{1,64}) makes a retry store nothing new; without it one is derived."""
        text = note_text(text)
        if not isinstance(by_userid, str) or not by_userid.strip():
            raise InvalidInput("userid", "userid: the acting member's userid is required")
        if note_id and not NOTE_ID.match(note_id):
            raise InvalidInput("note_id", "note_id: 1..64 letters, digits, _ or -")
        self._hold(corp_id, external_userid)
        now = self.clock()
        if not note_id:
            seed = f"{external_userid}\n{by_userid}\n{text}\n{int(now) // DERIVED_WINDOW_S}"
            note_id = "d" + hashlib.sha256(seed.encode()).hexdigest()[:31]
        note, _ = self.notes_repo.add(corp_id, {"external_userid": external_userid, "note_id": note_id,
                                                "by_userid": by_userid, "text": text, "created_ms": int(now * 1000)})  # fmt: skip
        entry = {"event": "note", "change_type": "note", "note_id": note["note_id"], "by_userid": note["by_userid"],
                 "text": note["text"]}  # fmt: skip
        self.timeline.add_timeline(corp_id, f"customer:{external_userid}", int(note["created_ms"]) // 1000,
                                   f"note-{note['note_id']}", entry)  # fmt: skip
        return _shown_note(note)

    def notes(self, corp_id: str, external_userid: str, cursor: str = "", limit: int = 20) -> dict[str, Any]:
        """The customer's notes, newest first, a page at a time (``next_cursor`` "" after the last)."""
        limit = whole_number(str(limit), "limit", 1, 100, 20)
        self._hold(corp_id, external_userid)
        scope = f"notes/{external_userid}"
        after = page_cursor.decode(cursor or "", corp_id, scope)
        if after and not after.startswith("n#"):
            raise InvalidInput("cursor", "cursor: is not a cursor this list returned; start without one")
        rows = self.notes_repo.of_customer(corp_id, external_userid, after, limit + 1)
        more, rows = len(rows) > limit, rows[:limit]
        next_cursor = page_cursor.encode(corp_id, scope, rows[-1]["key"]["sk"]) if more else ""
        return {"items": [_shown_note(r) for r in rows], "next_cursor": next_cursor}

    def search_notes(
        self, corp_id: str, q: str = "", userid: str = "", cursor: str = "", limit: int = 20
    ) -> dict[str, Any]:
        """Admins: the corp's notes (or one member's), newest first, whose text holds every word of ``q``
        (case-insensitive). Cost: notes are read newest first from the by_corp (by_member) index and
        matched here; one request reads at most 1,000 notes (~1,000 read units at worst), so a rare word
        may answer fewer than ``limit`` items with a ``next_cursor``: page on until it is ""."""
        limit = whole_number(str(limit), "limit", 1, 100, 20)
        q, userid = (q or "").strip(), (userid or "").strip()
        words = [w.lower() for w in q.split()]
        if len(q) > Q_MAX or len(words) > WORDS_MAX:
            raise InvalidInput("q", f"q: at most {WORDS_MAX} words, {Q_MAX} characters")
        scope = f"notes-search/{userid}/{' '.join(words)}"
        after = self._search_key(corp_id, page_cursor.decode(cursor or "", corp_id, scope))
        found: list[dict[str, Any]] = []
        examined, last, done = 0, after, False
        while examined < SEARCH_BUDGET and len(found) < limit:
            want = min(SEARCH_BATCH, SEARCH_BUDGET - examined)
            batch = self.notes_repo.newest(corp_id, userid, last, want)
            rest = 0
            for i, note in enumerate(batch):
                examined += 1
                last = note["key"]
                text = str(note.get("text") or "").lower()
                if all(w in text for w in words):
                    found.append(note)
                    if len(found) == limit:
                        rest = len(batch) - i - 1
                        break
            if len(batch) < want and rest == 0:  # the index has no more notes
                done = True
                break
        more = not done and last is not None and last != after
        next_cursor = page_cursor.encode(corp_id, scope, json.dumps(last, separators=(",", ":"))) if more else ""
        return {"items": [_shown_note(n) for n in found], "next_cursor": next_cursor, "examined": examined}

    @staticmethod
    def _search_key(corp_id: str, after: str) -> dict[str, str] | None:
        if not after:
            return None
        bad = InvalidInput("cursor", "cursor: is not a cursor this list returned; start without one")
        try:
            key = json.loads(after)
        except ValueError:
            raise bad from None
        if not isinstance(key, dict) or set(key) != {"pk", "sk"} or not str(key["pk"]).startswith(f"{corp_id}#") \
                or not str(key["sk"]).startswith("n#"):  # fmt: skip
            raise bad
        return {"pk": str(key["pk"]), "sk": str(key["sk"])}


__all__ = ["GROUP_DEFAULT", "StageService"]
