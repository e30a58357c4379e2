"""A corp's lifecycle stages (the aggregate) and the rules of changing them; pure, no I/O.

Stage ids are stable (the defaults' are words, new ones ``s`` + hex): names are display only and may change.
A stage removed while customers are at it is *merged* into another: its id becomes an alias of the target
and its count moves over in one transaction, so removing a stage costs O(1) writes however many
customers it held (their records keep the old id; every read resolves it through ``aliases``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from scrm.kernel.errors import Conflict, InvalidInput

DEFAULT_STAGES: tuple[tuple[str, str], ...] = (
    ("new", "新客"),
    ("intent", "意向"),
    ("deal", "成交"),
    ("repeat", "复购"),
    ("lost", "流失"),
)
NAME_MAX = 30  # a WeCom tag name's limit: a stage's name may become a tag (the mirror)
STAGES_MAX = 20
GROUP_DEFAULT = "客户阶段"
NOTE_MAX = 2000


@dataclass(frozen=True)
class Stage:
    id: str
    name: str


@dataclass(frozen=True)
class Mirror:
    """The corp tag group the stages are mirrored to (``tags``: stage id → tag id), when ``enabled``."""

    enabled: bool = False
    group_name: str = GROUP_DEFAULT
    tags: Mapping[str, str] = field(default_factory=dict)

    def tag_of(self, stage_id: str | None) -> str:
        return str(self.tags.get(stage_id or "", "")) if self.enabled else ""


@dataclass(frozen=True)
class StageConfig:
    stages: tuple[Stage, ...]
    aliases: Mapping[str, str] = field(default_factory=dict)  # removed stage id → the stage it merged into
    mirror: Mirror = field(default_factory=Mirror)
    version: int = 0  # 0: the defaults, never stored

    @classmethod
    def default(cls) -> StageConfig:
        return cls(tuple(Stage(i, n) for i, n in DEFAULT_STAGES))

    # reading --------------------------------------------------------------------------------------
    def ids(self) -> list[str]:
        return [s.id for s in self.stages]

    def name_of(self, stage_id: str | None) -> str:
        resolved = self.resolve(stage_id)
        return next((s.name for s in self.stages if s.id == resolved), "")

    def resolve(self, stage_id: str | None) -> str | None:
        """The live stage a stored id means now (a merged stage's customers are at its target)."""
        seen = 0
        while stage_id and stage_id in self.aliases and seen < STAGES_MAX * 4:
            stage_id, seen = self.aliases[stage_id], seen + 1
        return stage_id if stage_id in self.ids() else None

    def stage(self, stage_id: str, field_name: str = "stage") -> Stage:
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise InvalidInput(field_name, f"{field_name}: unknown stage {stage_id!r} (known: {', '.join(self.ids())})")

    # changing ---------------------------------------------------------------------------------------
    def edited(
        self, stages: Sequence[Mapping[str, Any]], counts: Mapping[str, int], moves: Mapping[str, str]
    ) -> tuple[StageConfig, dict[str, str]]:
        """The config after an admin's edit, and the merges it needs (removed id → target id).

        ``stages``: the new list in order, each ``{"id"?, "name"}`` (no id: a new stage). A removed stage
        holding customers (``counts``) must be merged: ``moves`` names where its customers go, else
        Conflict (409, field ``moves``); a move must name a removed stage and a kept target."""
        if not 1 <= len(stages) <= STAGES_MAX:
            raise InvalidInput("stages", f"stages: give 1..{STAGES_MAX} stages")
        known, new, names = set(self.ids()), [], set()
        for i, item in enumerate(stages):
            name = str(item.get("name") or "").strip()
            if not 1 <= len(name) <= NAME_MAX:
                raise InvalidInput(f"stages[{i}].name", f"stages[{i}].name: 1..{NAME_MAX} characters")
            if name in names:
                raise InvalidInput(f"stages[{i}].name", f"stages[{i}].name: {name!r} is given twice")
            names.add(name)
            sid = str(item.get("id") or "")
            if sid and sid not in known:
                raise InvalidInput(f"stages[{i}].id", f"stages[{i}].id: unknown stage {sid!r} (leave it out for a new stage)")
            if sid and sid in {s.id for s in new}:
                raise InvalidInput(f"stages[{i}].id", f"stages[{i}].id: {sid!r} is given twice")
            new.append(Stage(sid or new_stage_id(known), name))
        kept = {s.id for s in new}
        removed = [i for i in self.ids() if i not in kept]
        for gone, target in moves.items():
            if gone not in removed:
                raise InvalidInput("moves", f"moves: {gone!r} is not a stage being removed")
            if target not in kept:
                raise InvalidInput("moves", f"moves: {gone!r} → {target!r}: the target must be a kept stage")
        held = [{"stage": i, "customers": int(counts.get(i, 0))} for i in removed if counts.get(i, 0) and i not in moves]
        if held:
            raise Conflict(
                f"stage {held[0]['stage']!r} holds {held[0]['customers']} customer(s): say where they go (moves)",
                "moves",
                held,
            )
        merges = {gone: moves[gone] for gone in removed if gone in moves}
        aliases = {k: merges.get(v, v) for k, v in self.aliases.items()}
        aliases.update(merges)
        return replace(self, stages=tuple(new), aliases=aliases), merges

    def with_mirror(self, mirror: Mirror) -> StageConfig:
        return replace(self, mirror=mirror)

    # storing ----------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "stages": [{"id": s.id, "name": s.name} for s in self.stages],
            "aliases": dict(self.aliases),
            "mirror": {"enabled": self.mirror.enabled, "group_name": self.mirror.group_name, "tags": dict(self.mirror.tags)},
        }

    @classmethod
    def of(cls, data: Mapping[str, Any] | None, version: int) -> StageConfig:
        if not data or not version:
            return cls.default()
        m = data.get("mirror") or {}
        mirror = Mirror(bool(m.get("enabled")), str(m.get("group_name") or GROUP_DEFAULT), dict(m.get("tags") or {}))
        stages = tuple(Stage(str(s["id"]), str(s["name"])) for s in data.get("stages") or ())
        return cls(stages, dict(data.get("aliases") or {}), mirror, version)

    def shown(self, counts: Mapping[str, int] | None = None) -> dict[str, Any]:
        """As the API answers it: the stages in order (with their customers when counted) and the mirror."""
        rows = []
        for order, s in enumerate(self.stages):
            row: dict[str, Any] = {"id": s.id, "name": s.name, "order": order}
            if self.mirror.enabled and s.id in self.mirror.tags:
                row["tag_id"] = self.mirror.tags[s.id]
            if counts is not None:
                row["customers"] = int(counts.get(s.id, 0))
            rows.append(row)
        return {"stages": rows, "mirror": {"enabled": self.mirror.enabled, "group_name": self.mirror.group_name},
                "version": self.version}  # fmt: skip


def new_stage_id(taken: set[str]) -> str:
    while True:
        sid = "s" + secrets.token_hex(4)
        if sid not in taken:
            return sid


@dataclass(frozen=True)
class Move:
    """One customer's change of stage: what the store writes in one transaction (the record, both counts,
    the day's move counter), checked against the config version it was decided with."""

    external_userid: str
    stored_from: str | None  # the id the customer's record holds now (maybe an alias), for the condition
    from_stage: str | None  # what that id resolves to now (whose count goes down)
    to_stage: str
    by_userid: str
    at: int  # unix seconds
    day: str  # China day
    seq: int  # the record's change number after this move (1 for the first)
    config_version: int

    @property
    def event_id(self) -> str:
        """The timeline's key for this change: the same for a retry of it, different for the next change."""
        return f"stage-{self.seq}"


def plan_move(
    config: StageConfig, record: Mapping[str, Any] | None, external_userid: str, to_stage: str, by_userid: str,
    at: int, day: str,
) -> Move | None:  # fmt: skip
    """The move from the customer's stored record to ``to_stage``; None when the customer is there already
    (a retried request then writes nothing: setting a stage is idempotent by its result)."""
    config.stage(to_stage)
    stored = (record or {}).get("stage") or None
    current = config.resolve(stored)
    if current == to_stage:
        return None
    seq = int((record or {}).get("seq") or 0) + 1
    return Move(external_userid, stored, current, to_stage, by_userid, at, day, seq, config.version)


def note_text(text: Any) -> str:
    """A note's text, 1..2000 characters once trimmed (InvalidInput naming ``text``)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("text", "text: write the note (1..2000 characters)")
    text = text.strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput("text", f"text: at most {NOTE_MAX} characters (got {len(text)})")
    return text
