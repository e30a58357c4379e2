"""Stages and notes on DynamoDB (key shapes: scrm.resources, tables ``stages`` and ``notes``).

A customer's change of stage is one transaction: the customer's record (conditional on the change number
read), the count of the stage left (-1) and of the stage entered (+1), the day's move counter, and a check
that the stages' config is still the version the change was decided with. Two writers at once: one wins,
the other re-reads and decides again, so the counts equal the records whatever the interleaving.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pynamodb.transactions import TransactWrite

from scrm.adapters.dynamo.conditional import consistent_get, transact_if
from scrm.adapters.dynamo.models import NoteItem, StageItem
from scrm.stages.model import Move

S, N = StageItem, NoteItem
CONFIG = "config"


def _customer_pk(corp_id: str, external_userid: str) -> str:
    return f"{corp_id}#c#{external_userid}"


def _version_is(version: int) -> Any:
    """The item is at ``version`` (0: not yet written)."""
    return S.version.does_not_exist() if version == 0 else S.version == version


def _config(item: Any) -> tuple[dict[str, Any] | None, int]:
    return (None, 0) if item is None else (dict(item.data or {}), int(item.version or 0))


def _record(item: Any) -> dict[str, Any] | None:
    return None if item is None else {**(item.data or {}), "stage": item.stage, "seq": int(item.version or 0)}


class DynamoStages:
    # the config ------------------------------------------------------------------------------------
    def config(self, corp_id: str) -> tuple[dict[str, Any] | None, int]:
        return _config(consistent_get(S, corp_id, CONFIG))

    def config_and_record(
        self, corp_id: str, external_userid: str
    ) -> tuple[tuple[dict[str, Any] | None, int], dict[str, Any] | None]:
        """``config`` and ``record`` in one consistent BatchGetItem (the sidebar portrait's part reads both)."""
        pk = _customer_pk(corp_id, external_userid)
        found = {(i.pk, i.sk): i for i in S.batch_get([(corp_id, CONFIG), (pk, "stage")], consistent_read=True)}
        return _config(found.get((corp_id, CONFIG))), _record(found.get((pk, "stage")))

    def save_config(self, corp_id: str, data: dict[str, Any], version: int, merges: Mapping[str, str],
                    counts: Mapping[str, int]) -> bool:  # fmt: skip
        """The config at ``version`` (the one read + 1), with every removed stage's count (``counts``: each
        removed id → the count read) moved to its merge target or checked to be still 0, together.
        False: the config or a count changed meanwhile (nothing written)."""

        def build(tx: TransactWrite) -> None:
            tx.save(S(corp_id, CONFIG, data=data, version=version), condition=_version_is(version - 1))
            for gone, held in counts.items():
                unchanged = (S.n.does_not_exist() | (S.n == 0)) if held == 0 else (S.n == held)
                if held and gone in merges:
                    tx.update(S(corp_id, f"count#{gone}"), actions=[S.n.add(-held)], condition=unchanged)
                    tx.update(S(corp_id, f"count#{merges[gone]}"), actions=[S.n.add(held)])
                else:
                    tx.condition_check(S, corp_id, f"count#{gone}", condition=unchanged)

        return transact_if(build)

    # a customer's stage ----------------------------------------------------------------------------
    def record(self, corp_id: str, external_userid: str) -> dict[str, Any] | None:
        return _record(consistent_get(S, _customer_pk(corp_id, external_userid), "stage"))

    def move(self, corp_id: str, move: Move) -> bool:
        """The move, whole or not at all; False when the record, the config or a count moved first."""
        data = {"from": move.from_stage, "by_userid": move.by_userid, "set_at": move.at, "event_id": move.event_id}

        def build(tx: TransactWrite) -> None:
            tx.update(
                S(_customer_pk(corp_id, move.external_userid), "stage"),
                actions=[S.stage.set(move.to_stage), S.data.set(data), S.version.set(move.seq)],
                condition=_version_is(move.seq - 1),
            )
            config_is = S.pk.does_not_exist() if move.config_version == 0 else S.version == move.config_version
            tx.condition_check(S, corp_id, CONFIG, condition=config_is)
            if move.from_stage:
                tx.update(S(corp_id, f"count#{move.from_stage}"), actions=[S.n.add(-1)])
            tx.update(S(corp_id, f"count#{move.to_stage}"), actions=[S.n.add(1)])
            tx.update(S(f"{corp_id}#moves", f"{move.day}#{move.from_stage or '-'}#{move.to_stage}"), actions=[S.n.add(1)])

        return transact_if(build)

    # statistics ------------------------------------------------------------------------------------
    def counts(self, corp_id: str) -> dict[str, int]:
        return {i.sk[6:]: int(i.n or 0) for i in S.query(corp_id, S.sk.startswith("count#"), consistent_read=True)}

    def moves(self, corp_id: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        rows = []
        for i in S.query(f"{corp_id}#moves", S.sk.between(f"{first_day}#", f"{last_day}#\uffff")):
            day, source, target = i.sk.split("#", 2)
            rows.append({"day": day, "from": None if source == "-" else source, "to": target, "count": int(i.n or 0)})
        return rows


def _note(item: NoteItem) -> dict[str, Any]:
    return {
        "note_id": item.note_id,
        "external_userid": item.external_userid,
        "by_userid": item.by_userid,
        "text": item.text,
        "created_ms": int(item.created_ms or 0),
        "key": {"pk": item.pk, "sk": item.sk},
    }


class DynamoNotes:
    def add(self, corp_id: str, note: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """The note and its request's marker, together; a repeat of the request writes nothing and answers
        the note first stored. Returns (note, created)."""
        ext, note_id = note["external_userid"], note["note_id"]
        pk, sk = f"{corp_id}#{ext}", f"n#{note['created_ms']:013d}#{note_id}"
        item = N(pk, sk, corp_id=corp_id, note_sk=sk[2:], member_pk=f"{corp_id}#{note['by_userid']}", note_id=note_id,
                 external_userid=ext, by_userid=note["by_userid"], text=note["text"], created_ms=note["created_ms"])  # fmt: skip

        def build(tx: TransactWrite) -> None:
            tx.save(N(pk, f"id#{note_id}", ref=sk), condition=N.pk.does_not_exist())
            tx.save(item, condition=N.pk.does_not_exist())

        if transact_if(build):
            return _note(item), True
        marker = consistent_get(N, pk, f"id#{note_id}")
        found = consistent_get(N, pk, marker.ref) if marker is not None else None
        if found is None:  # cannot be: marker and note are written together
            raise RuntimeError(f"note {note_id} has a marker without its note")
        return _note(found), False

    def of_customer(self, corp_id: str, external_userid: str, after: str, limit: int) -> list[dict[str, Any]]:
        """Newest first; ``after``: the sort key of the last note of the page before."""
        condition = N.sk.between("n#", after) if after else N.sk.startswith("n#")
        rows = N.query(f"{corp_id}#{external_userid}", condition, scan_index_forward=False, limit=limit + 1)
        return [_note(i) for i in rows if i.sk != after][:limit]

    def newest(self, corp_id: str, userid: str, after: Mapping[str, str] | None, limit: int) -> list[dict[str, Any]]:
        """The corp's notes (or one member's), newest first, ``limit`` of them read after the note
        ``after`` (its key): every note read costs a read, whether the caller keeps it or not."""
        start = None
        if after:
            start = {"pk": {"S": after["pk"]}, "sk": {"S": after["sk"]}, "note_sk": {"S": after["sk"][2:]}}
            start.update({"member_pk": {"S": f"{corp_id}#{userid}"}} if userid else {"corp_id": {"S": corp_id}})
        index = N.by_member if userid else N.by_corp
        key = f"{corp_id}#{userid}" if userid else corp_id
        rows = index.query(key, scan_index_forward=False, limit=limit, page_size=min(limit, 500), last_evaluated_key=start)
        return [_note(i) for i in rows]
