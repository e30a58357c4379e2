"""In-memory fakes for the SOP services (no I/O).

``FakeSops`` keeps ``sops/repository.py`` DynamoSops' contract: SOPs are kept as ``Sop`` aggregates by
(corp, sop id), created only when absent (version 0) and replaced or deleted only at the version read
(False otherwise), every read a fresh copy; due items live under
their China minute's partition keyed ``sop#step#target#member`` (writing one twice writes it once) and
read back in key order; the cursor only moves forward; a minute's lease is "done" once finished, "busy"
while another tick's lease is younger than ``lease_s``, else taken under the mark's version; runs come
back newest first. Every read is a fresh copy (JSON round trip), as DynamoDB's would be.
``interfere`` plays other writers: one runs just before each ``put_sop`` or ``delete_sop``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from scrm.sops import model as S
from scrm.sops.sop import Sop

CORP = "wwcorp"
CN = timezone(timedelta(hours=8))


def cn(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=CN)


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False))


class FakeSops:
    def __init__(self) -> None:
        self.sops: dict[tuple[str, str], Sop] = {}  # (corp, sop_id) → the stored SOP
        self.items: dict[tuple[str, str], tuple[Any, int]] = {}  # (pk, sk) → (data, version): due items, marks, runs
        self.interfere: list[Callable[[], None]] = []
        self.put_due_calls = 0

    def _get(self, pk: str, sk: str) -> tuple[Any, int] | None:
        hit = self.items.get((pk, sk))
        return (_json(hit[0]), hit[1]) if hit is not None else None

    def _put_if(self, pk: str, sk: str, data: Any, version: int) -> bool:
        """As DynamoSops._put_if: version 0 means "must not exist", else the stored version must match."""
        cur = self.items.get((pk, sk))
        if (cur is not None) if version == 0 else (cur is None or cur[1] != version):
            return False
        self.items[(pk, sk)] = (_json(data), version + 1)
        return True

    def _query(self, pk: str, prefix: str) -> list[tuple[str, Any]]:
        return [
            (sk, _json(v[0]))
            for (p, sk), v in sorted(self.items.items())
            if p == pk and sk.startswith(prefix)
        ]

    # SOPs
    def get_sop(self, corp_id: str, sop_id: str) -> Sop | None:
        return copy.deepcopy(self.sops.get((corp_id, sop_id)))

    def _interfere(self) -> None:
        if self.interfere:
            self.interfere.pop(0)()

    def put_sop(self, corp_id: str, sop: Sop) -> bool:
        self._interfere()
        cur = self.sops.get((corp_id, sop.sop_id))
        if (cur is not None) if sop.version == 0 else (cur is None or cur.version != sop.version):
            return False
        sop.version += 1
        self.sops[(corp_id, sop.sop_id)] = Sop.from_item(_json(sop.to_item()), sop.version)
        return True

    def delete_sop(self, corp_id: str, sop: Sop) -> bool:
        self._interfere()
        cur = self.sops.get((corp_id, sop.sop_id))
        if cur is None or cur.version != sop.version:
            return False
        del self.sops[(corp_id, sop.sop_id)]
        return True

    def list_sops(self, corp_id: str) -> list[Sop]:
        return [copy.deepcopy(s) for (c, _), s in sorted(self.sops.items()) if c == corp_id]

    # the due index
    def put_due(self, corp_id: str, items: Iterable[tuple[str, str, str, str, int, int]]) -> int:
        self.put_due_calls += 1
        n = 0
        for minute, sop_id, step_id, target, member, anchor in items:
            self.items[(f"{corp_id}#due#{minute}", f"{sop_id}#{step_id}#{target}#{member}")] = (
                {"a": anchor},
                1,
            )
            n += 1
        return n

    def has_due(self, corp_id: str, minute: str, sop_id: str, step_id: str) -> bool:
        return bool(self._query(f"{corp_id}#due#{minute}", f"{sop_id}#{step_id}#"))

    def due(self, corp_id: str, minute: str, sop_id: str, step_id: str) -> Iterator[tuple[str, str, int]]:
        prefix = f"{sop_id}#{step_id}#"
        for sk, data in self._query(f"{corp_id}#due#{minute}", prefix):
            target, member = sk[len(prefix) :].split("#", 1)
            yield target, member, int(data.get("a") or 0)

    def due_page(self, corp_id: str, minute: str, sop_id: str, step_id: str, cursor: str,
                 limit: int) -> tuple[list[tuple[str, str, int]], str]:  # fmt: skip
        prefix = f"{sop_id}#{step_id}#"
        rows = [(sk, data) for sk, data in self._query(f"{corp_id}#due#{minute}", prefix) if sk > cursor]
        page = rows[:limit]
        out = [(*sk[len(prefix) :].split("#", 1), int(data.get("a") or 0)) for sk, data in page]
        return [(t, m, a) for t, m, a in out], (page[-1][0] if len(rows) > limit else "")

    def due_items(self, corp_id: str) -> list[tuple[str, str, str, str, str, int]]:
        """Every due item of the corp as (minute, sop, step, target, member, anchor), for assertions."""
        out = []
        for (pk, sk), (data, _) in sorted(self.items.items()):
            if pk.startswith(f"{corp_id}#due#"):
                sop_id, step_id, target, member = sk.split("#", 3)
                out.append((pk.rsplit("#", 1)[1], sop_id, step_id, target, member, int(data["a"])))
        return out

    # the planner's marks
    def cursor(self, corp_id: str) -> str:
        hit = self._get(corp_id, "cursor")
        return str(hit[0].get("minute") or "") if hit is not None else ""

    def set_cursor(self, corp_id: str, minute: str) -> None:
        at = int(S.minute_start(minute).timestamp())
        cur = self.items.get((corp_id, "cursor"))
        if cur is None or cur[1] < at:
            self.items[(corp_id, "cursor")] = ({"minute": minute}, at)

    def lease_minute(self, corp_id: str, minute: str, now: int, lease_s: int) -> str:
        hit = self._get(corp_id, f"tick#{minute}")
        if hit is not None:
            data, _ = hit
            if data.get("state") == "done":
                return "done"
            if now - int(data.get("at") or 0) < lease_s:
                return "busy"
        fresh = {"state": "running", "at": now}
        return "taken" if self._put_if(corp_id, f"tick#{minute}", fresh, hit[1] if hit else 0) else "busy"

    def finish_minute(self, corp_id: str, minute: str, summary: dict[str, Any]) -> None:
        cur = self.items.get((corp_id, f"tick#{minute}"))
        self.items[(corp_id, f"tick#{minute}")] = (
            _json({"state": "done", **summary}),
            (cur[1] if cur else 0) + 1,
        )

    def minute_mark(self, corp_id: str, minute: str) -> dict[str, Any] | None:
        hit = self._get(corp_id, f"tick#{minute}")
        return hit[0] if hit is not None else None

    # runs
    def put_run(self, corp_id: str, sop_id: str, minute: str, step_id: str, send_id: str) -> None:
        data = {"send_id": send_id, "minute": minute, "step_id": step_id}
        self.items[(f"{corp_id}#sop#{sop_id}", f"run#{minute}#{step_id}")] = (data, 1)

    def runs(self, corp_id: str, sop_id: str, limit: int = 100) -> list[dict[str, Any]]:
        return [d for _, d in reversed(self._query(f"{corp_id}#sop#{sop_id}", "run#"))][:limit]


def new_sop(sop_id: str, body: dict[str, Any], created_at: int = 0) -> Sop:
    """A SOP as SopAdmin makes it, from an admin body (kind "group" for a group SOP)."""
    parse = S.parse_group_sop if body.get("kind") == S.GROUP else S.parse_customer_sop
    return Sop.created(sop_id, parse(body), created_at)[0]


def add_sop(repo: FakeSops, sop_id: str, body: dict[str, Any], corp_id: str = CORP) -> S.SopSpec:
    sop = new_sop(sop_id, body)
    assert repo.put_sop(corp_id, sop)
    return sop.spec


class FakeGroups:
    """The store's customer groups (chat_id, owner, name, create_time, status, tag_ids), as DynamoGroups reads
    them."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def owned_by(self, corp_id: str, owners: Iterable[str]) -> list[dict[str, Any]]:
        wanted = set(owners)
        return [_json(g) for g in self.rows if not wanted or g["owner"] in wanted]

    def matching(self, corp_id: str, f: Any) -> list[dict[str, Any]]:
        return [g for g in self.owned_by(corp_id, f.owners) if f.matches(g)]

    def of(self, corp_id: str, chat_ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted = set(chat_ids)
        return [_json(g) for g in self.rows if g["chat_id"] in wanted]


def group(
    chat_id: str,
    owner: str,
    name: str = "",
    create_time: int = 0,
    status: str = "active",
    tag_ids: Iterable[str] = (),
) -> dict[str, Any]:
    """A group row as group_row reads it (``tag_ids``: the group's labels, sorted)."""
    return {"chat_id": chat_id, "owner": owner, "name": name or chat_id, "create_time": create_time,
            "status": status, "tag_ids": sorted(tag_ids)}  # fmt: skip
