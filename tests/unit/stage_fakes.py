"""In-memory stand-ins for the stages feature's ports, with the DynamoDB adapter's conditional semantics
(a move or a config write that lost a race writes nothing)."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from scrm.stages.model import Move


class FakeStages:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cfg: tuple[dict[str, Any] | None, int] = (None, 0)
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.count: dict[tuple[str, str], int] = {}
        self.day_moves: dict[tuple[str, str], int] = {}
        self.fail_next_moves = 0  # a writer that wins first this many times

    def config(self, corp_id: str) -> tuple[dict[str, Any] | None, int]:
        return self.cfg

    def save_config(self, corp_id: str, data: dict[str, Any], version: int, merges: Mapping[str, str],
                    counts: Mapping[str, int]) -> bool:  # fmt: skip
        with self.lock:
            if self.cfg[1] != version - 1:
                return False
            if any(self.count.get((corp_id, gone), 0) != held for gone, held in counts.items()):
                return False
            for gone, held in counts.items():
                if held and gone in merges:
                    self.count[(corp_id, gone)] = 0
                    self.count[(corp_id, merges[gone])] = self.count.get((corp_id, merges[gone]), 0) + held
            self.cfg = (data, version)
            return True

    def record(self, corp_id: str, external_userid: str) -> dict[str, Any] | None:
        found = self.records.get((corp_id, external_userid))
        return dict(found) if found else None

    def config_and_record(
        self, corp_id: str, external_userid: str
    ) -> tuple[tuple[dict[str, Any] | None, int], dict[str, Any] | None]:
        return self.config(corp_id), self.record(corp_id, external_userid)

    def move(self, corp_id: str, move: Move) -> bool:
        with self.lock:
            if self.fail_next_moves:
                self.fail_next_moves -= 1
                return False
            seq = int((self.records.get((corp_id, move.external_userid)) or {}).get("seq") or 0)
            if seq != move.seq - 1 or self.cfg[1] != move.config_version:
                return False
            self.records[(corp_id, move.external_userid)] = {
                "stage": move.to_stage, "seq": move.seq, "from": move.from_stage, "by_userid": move.by_userid,
                "set_at": move.at, "event_id": move.event_id}  # fmt: skip
            if move.from_stage:
                self.count[(corp_id, move.from_stage)] = self.count.get((corp_id, move.from_stage), 0) - 1
            self.count[(corp_id, move.to_stage)] = self.count.get((corp_id, move.to_stage), 0) + 1
            key = (corp_id, f"{move.day}#{move.from_stage or '-'}#{move.to_stage}")
            self.day_moves[key] = self.day_moves.get(key, 0) + 1
            return True

    def counts(self, corp_id: str) -> dict[str, int]:
        return {s: n for (c, s), n in self.count.items() if c == corp_id}

    def moves(self, corp_id: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        rows = []
        for (c, sk), n in sorted(self.day_moves.items()):
            day, source, target = sk.split("#", 2)
            if c == corp_id and first_day <= day <= last_day:
                rows.append({"day": day, "from": None if source == "-" else source, "to": target, "count": n})
        return rows


class FakeNotes:
    def __init__(self) -> None:
        self.items: dict[str, list[dict[str, Any]]] = {}
        self.ids: dict[tuple[str, str, str], dict[str, Any]] = {}

    def add(self, corp_id: str, note: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        key = (corp_id, note["external_userid"], note["note_id"])
        if key in self.ids:
            return dict(self.ids[key]), False
        stored = {**note, "key": {"pk": f"{corp_id}#{note['external_userid']}",
                                  "sk": f"n#{note['created_ms']:013d}#{note['note_id']}"}}  # fmt: skip
        self.ids[key] = stored
        self.items.setdefault(corp_id, []).append(stored)
        return dict(stored), True

    def _newest(self, corp_id: str) -> list[dict[str, Any]]:
        return sorted(self.items.get(corp_id, []), key=lambda n: (n["key"]["sk"], n["key"]["pk"]), reverse=True)

    def of_customer(self, corp_id: str, external_userid: str, after: str, limit: int) -> list[dict[str, Any]]:
        rows = [n for n in self._newest(corp_id) if n["external_userid"] == external_userid]
        return [n for n in rows if not after or n["key"]["sk"] < after][:limit]

    def newest(self, corp_id: str, userid: str, after: Mapping[str, str] | None, limit: int) -> list[dict[str, Any]]:
        rows = [n for n in self._newest(corp_id) if not userid or n["by_userid"] == userid]
        if after:
            at = (after["sk"], after["pk"])
            rows = [n for n in rows if (n["key"]["sk"], n["key"]["pk"]) < at]
        return rows[:limit]


class FakeCustomers:
    def __init__(self, *held: str) -> None:
        self.held = set(held)

    def customer(self, corp_id: str, external_userid: str) -> dict[str, Any] | None:
        return {"external_userid": external_userid} if external_userid in self.held else None

    def follows(self, corp_id: str, external_userid: str) -> list[dict[str, Any]]:
        return []


class FakeTimeline:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str, int, str], dict[str, Any]] = {}
        self.puts = 0

    def add_timeline(
        self, corp_id: str, subject: str, create_time: int, event_id: str, entry: dict[str, Any]
    ) -> None:
        self.puts += 1
        self.entries.setdefault((corp_id, subject, create_time, event_id), entry)


class FakeTagging:
    """The customers' tag service: a tag library and the mark_tag calls made."""

    def __init__(self) -> None:
        self.groups: list[dict[str, Any]] = []
        self.marked: list[tuple[str, str, list[str], list[str]]] = []
        self.renamed: list[tuple[str, str]] = []
        self.next_id = 0

    def tags(self, corp_id: str) -> dict[str, Any]:
        return {"groups": self.groups}

    def edit_tags(
        self, corp_id: str, external_userid: str, userid: str, add: Sequence[str], remove: Sequence[str]
    ) -> dict[str, Any]:
        self.marked.append((external_userid, userid, list(add), list(remove)))
        return {}

    def create_tags(
        self, corp_id: str, names: Sequence[str], group_id: str = "", group_name: str = "", order: int | None = None
    ) -> dict[str, Any]:
        group = next((g for g in self.groups if g["group_id"] == group_id), None)
        if group is None:
            self.next_id += 1
            group = {"group_id": f"g{self.next_id}", "name": group_name, "tags": []}
            self.groups.append(group)
        for n in names:
            self.next_id += 1
            group["tags"].append({"tag_id": f"t{self.next_id}", "name": n})
        return {"group_id": group["group_id"], "tag_ids": [t["tag_id"] for t in group["tags"][-len(names):]]}

    def edit_tag(
        self, corp_id: str, tag_or_group_id: str, name: str | None = None, order: int | None = None
    ) -> dict[str, Any]:
        for g in self.groups:
            for t in g["tags"]:
                if t["tag_id"] == tag_or_group_id and name:
                    t["name"] = name
                    self.renamed.append((tag_or_group_id, name))
        return {"id": tag_or_group_id, "updated": True}
