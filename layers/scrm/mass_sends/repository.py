"""Mass sends, their parts and sub-items, and the quota ledger's buckets, in one table (key shapes:
scrm.resources). Sends and parts load and save as the model's aggregates; their ``data`` is the
aggregate's item dict, as it always was, guarded by ``version``. A part's 10,000 customer ids (~350 KB) would come near DynamoDB's 400 KB item limit, so
they live in sub-items of 2,000; its outcomes are one character per customer (10 KB) in one item. Each
customer of a part to customers also gets a pointer item in a partition of theirs (``put_received``), so the
sidebar reads what a customer received with one Query and one BatchGetItem."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.transactions import TransactWrite

from scrm.adapters.dynamo.conditional import (
    condition_failed,
    consistent_get,
    created,
    loaded,
    loaded_all,
    save_if,
    transact_if,
)
from scrm.adapters.dynamo.models import MassSendItem
from scrm.adapters.dynamo.parallel import write_in_parts
from scrm.mass_sends.model import MassSend, Part, Pointer

M = MassSendItem
IDS_PER_ITEM = 2000
POINTERS_PER_WRITER = 1000  # a part's pointers: 10,000 ids are ten writers' BatchWrites, four at a time
WRITERS = 4


def _part_key(sender: str, number: int) -> str:
    return f"{sender}#{number:04d}"


class DynamoMassSends:
    def _get(self, pk: str, sk: str) -> MassSendItem | None:
        return consistent_get(M, pk, sk)

    def _put_if(self, pk: str, sk: str, data: dict[str, Any], version: int) -> bool:
        item = M(pk, sk, data=data, version=version + 1)
        return save_if(item, M.pk.does_not_exist() if version == 0 else M.version == version)

    # sends -----------------------------------------------------------------------------------
    def create_send(self, corp_id: str, send: MassSend, request_key: str, replaces: int = 0) -> bool:
        """The send and its request item in one transaction; ``replaces``: the request item's version when
        it points at an ended send (0: it must not exist). False when another request won."""
        send_id = send.send_id

        def build(tx: TransactWrite) -> None:
            condition = M.pk.does_not_exist() if replaces == 0 else M.version == replaces
            tx.save(
                M(corp_id, f"req#{request_key}", data={"send_id": send_id}, version=replaces + 1),
                condition=condition,
            )
            tx.save(M(corp_id, f"send#{send_id}", data=send.to_item(), version=1), condition=M.pk.does_not_exist())

        return created(send, transact_if(build))

    def request(self, corp_id: str, request_key: str) -> tuple[str, int] | None:
        item = self._get(corp_id, f"req#{request_key}")
        return (str(item.data["send_id"]), int(item.version or 0)) if item is not None else None

    def get_send(self, corp_id: str, send_id: str) -> MassSend | None:
        item = self._get(corp_id, f"send#{send_id}")
        return loaded(MassSend.from_item, item)

    def save_send(self, corp_id: str, send: MassSend) -> bool:
        if not self._update_if(corp_id, f"send#{send.send_id}", send.to_item(), send.version):
            return False
        send.version += 1
        return True

    def _update_if(self, pk: str, sk: str, data: dict[str, Any], version: int) -> bool:
        try:
            M(pk, sk).update(actions=[M.data.set(data), M.version.set(version + 1)], condition=M.version == version)
            return True
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise

    def list_sends(self, corp_id: str, limit: int = 50) -> list[MassSend]:
        return loaded_all(MassSend.from_item, M.query(corp_id, M.sk.startswith("send#"), scan_index_forward=False, limit=limit))

    def mark_open(self, corp_id: str, send_id: str) -> None:
        """A send whose tasks or results may still need work: what the scheduled results job reads (one
        small partition range per corp, not every send the corp ever made)."""
        M(corp_id, f"open#{send_id}", data={"send_id": send_id}, version=1).save()

    def open_sends(self, corp_id: str) -> list[str]:
        return [str((i.data or {}).get("send_id")) for i in M.query(corp_id, M.sk.startswith("open#"))]

    def close(self, corp_id: str, send_id: str) -> None:
        M(corp_id, f"open#{send_id}").delete()

    def setting(self, corp_id: str) -> dict[str, Any]:
        item = self._get(corp_id, "settings")
        return dict(item.data or {}) if item is not None else {}

    def put_setting(self, corp_id: str, data: dict[str, Any]) -> None:
        M(corp_id, "settings", data=data, version=1).save()

    # resolved recipients and skipped customers --------------------------------------------------
    def put_recipients(self, corp_id: str, send_id: str, senders: dict[str, str]) -> None:
        """external_userid → sender, in items of 2,000; "rcp#done" (written last) says how many items."""
        pairs = sorted(senders.items())
        pk = f"{corp_id}#send#{send_id}"
        chunks = [pairs[i : i + IDS_PER_ITEM] for i in range(0, len(pairs), IDS_PER_ITEM)]
        with M.batch_write() as batch:
            for k, chunk in enumerate(chunks):
                batch.save(M(pk, f"rcp#{k:05d}", data={"pairs": chunk}))
        M(pk, "rcp#done", data={"items": len(chunks)}).save()

    def recipients(self, corp_id: str, send_id: str) -> dict[str, str] | None:
        pk = f"{corp_id}#send#{send_id}"
        done = self._get(pk, "rcp#done")
        if done is None:
            return None
        n = int(done.data["items"])
        out: dict[str, str] = {}
        if n:
            for i in M.query(pk, M.sk.between("rcp#00000", f"rcp#{n - 1:05d}"), consistent_read=True):
                out.update({e: u for e, u in i.data["pairs"]})
        return out

    def resolve_state(self, corp_id: str, send_id: str) -> dict[str, Any] | None:
        item = self._get(f"{corp_id}#send#{send_id}", "res#state")
        return dict(item.data or {}) if item is not None else None

    def put_resolved(
        self, corp_id: str, send_id: str, chunk: int, rows: list[list[Any]], state: dict[str, Any]
    ) -> None:
        """One search page's (customer, member, add time) rows, then the cursor after it: a retry of the
        page rewrites the same chunk."""
        pk = f"{corp_id}#send#{send_id}"
        M(pk, f"res#{chunk:05d}", data={"rows": rows}).save()
        M(pk, "res#state", data=state).save()

    def resolved(self, corp_id: str, send_id: str, chunks: int) -> list[list[Any]]:
        if not chunks:
            return []
        pk = f"{corp_id}#send#{send_id}"
        out: list[list[Any]] = []
        for i in M.query(pk, M.sk.between("res#00000", f"res#{chunks - 1:05d}"), consistent_read=True):
            out += i.data["rows"]
        return out

    def put_skipped(self, corp_id: str, send_id: str, reason: str, ids: Sequence[str]) -> None:
        pk = f"{corp_id}#send#{send_id}"
        with M.batch_write() as batch:
            for k, start in enumerate(range(0, len(ids), IDS_PER_ITEM)):
                batch.save(
                    M(pk, f"skip#{reason}#{k:05d}", data={"ids": list(ids[start : start + IDS_PER_ITEM])})
                )

    def skipped(self, corp_id: str, send_id: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for i in M.query(f"{corp_id}#send#{send_id}", M.sk.startswith("skip#"), consistent_read=True):
            out.setdefault(i.sk.split("#")[1], []).extend(i.data["ids"])
        return out

    # parts -----------------------------------------------------------------------------------
    def create_part(self, corp_id: str, part: Part, ids: Sequence[str]) -> bool:
        """Ids first, then the part only if absent: a re-plan never resets a part that already ran."""
        pk, key = f"{corp_id}#send#{part.send_id}", _part_key(part.sender, part.number)
        with M.batch_write() as batch:
            for k, start in enumerate(range(0, len(ids), IDS_PER_ITEM)):
                batch.save(M(pk, f"ids#{key}#{k:02d}", data={"ids": list(ids[start : start + IDS_PER_ITEM])}))
        return created(part, self._put_if(pk, f"p#{key}", part.to_item(), 0))

    def parts(self, corp_id: str, send_id: str) -> list[Part]:
        return loaded_all(Part.from_item, M.query(f"{corp_id}#send#{send_id}", M.sk.startswith("p#"), consistent_read=True))

    def get_part(self, corp_id: str, send_id: str, sender: str, number: int) -> Part | None:
        item = self._get(f"{corp_id}#send#{send_id}", f"p#{_part_key(sender, number)}")
        return loaded(Part.from_item, item)

    def save_part(self, corp_id: str, part: Part) -> bool:
        pk, sk = f"{corp_id}#send#{part.send_id}", f"p#{_part_key(part.sender, part.number)}"
        if not self._update_if(pk, sk, part.to_item(), part.version):
            return False
        part.version += 1
        return True

    def part_ids(self, corp_id: str, send_id: str, sender: str, number: int) -> list[str]:
        out: list[str] = []
        key = _part_key(sender, number)
        for i in M.query(f"{corp_id}#send#{send_id}", M.sk.startswith(f"ids#{key}#"), consistent_read=True):
            out += i.data["ids"]
        return out

    def put_outcomes(self, corp_id: str, send_id: str, sender: str, number: int, outcomes: str) -> None:
        M(f"{corp_id}#send#{send_id}", f"out#{_part_key(sender, number)}", data={"o": outcomes}).save()

    def outcomes(self, corp_id: str, send_id: str, sender: str, number: int) -> str:
        item = self._get(f"{corp_id}#send#{send_id}", f"out#{_part_key(sender, number)}")
        return str(item.data["o"]) if item is not None else ""

    # what each customer received (the sidebar's portrait) -------------------------------------
    def put_received(self, corp_id: str, send_id: str, at: int, sender: str, number: int,
                     ids: Sequence[str]) -> None:  # fmt: skip
        """pk = corp#to#<customer>, sk = <at, 10 digits>#<send_id>: a customer is in one part of a send, so
        the key is theirs alone and a repeat writes the same items."""

        def write(part: Sequence[tuple[int, str]]) -> None:
            with M.batch_write() as batch:
                for k, ext in part:
                    batch.save(M(f"{corp_id}#to#{ext}", f"{int(at):010d}#{send_id}",
                                 data={"s": sender, "n": number, "i": k}))  # fmt: skip

        write_in_parts(list(enumerate(ids)), POINTERS_PER_WRITER, WRITERS, write)

    def received(self, corp_id: str, external_userid: str, limit: int) -> list[Pointer]:
        out: list[Pointer] = []
        for i in M.query(f"{corp_id}#to#{external_userid}", scan_index_forward=False, limit=limit):
            at, send_id = i.sk.split("#", 1)
            data = i.data or {}
            out.append(Pointer(int(at), send_id, str(data["s"]), int(data["n"]), int(data["i"])))
        return out

    def details(
        self, corp_id: str, keys: Sequence[tuple[str, str, int]]
    ) -> tuple[dict[str, MassSend], dict[tuple[str, str, int], Part], dict[tuple[str, str, int], str]]:
        """The sends, parts and outcome items of ``keys`` in BatchGetItems of 100 keys (one for the
        portrait's 20 pointers: at most 20 sends, 20 parts, 20 outcome strings of up to 10 KB)."""
        wanted: dict[tuple[str, str], tuple[str, Any]] = {}
        for send_id, sender, number in keys:
            pk, part_key = f"{corp_id}#send#{send_id}", _part_key(sender, number)
            wanted[(corp_id, f"send#{send_id}")] = ("send", send_id)
            wanted[(pk, f"p#{part_key}")] = ("part", (send_id, sender, number))
            wanted[(pk, f"out#{part_key}")] = ("out", (send_id, sender, number))
        sends: dict[str, MassSend] = {}
        parts: dict[tuple[str, str, int], Part] = {}
        outcomes: dict[tuple[str, str, int], str] = {}
        listed = list(wanted)
        for start in range(0, len(listed), 100):
            for item in M.batch_get(listed[start : start + 100]):
                what, key = wanted[(item.pk, item.sk)]
                if what == "send":
                    sends[key] = MassSend.from_item(item.data or {}, int(item.version or 0))
                elif what == "part":
                    parts[key] = Part.from_item(item.data or {}, int(item.version or 0))
                else:
                    outcomes[key] = str((item.data or {}).get("o") or "")
        return sends, parts, outcomes

    # the quota ledger's buckets ----------------------------------------------------------------
    def get_bucket(self, corp_id: str, period: str, bucket: int) -> tuple[dict[str, Any], int]:
        item = self._get(f"{corp_id}#quota#{period}", f"{bucket:04d}")
        return (dict(item.data or {}), int(item.version or 0)) if item is not None else ({}, 0)

    def put_bucket(self, corp_id: str, period: str, bucket: int, data: dict[str, Any], version: int) -> bool:
        return self._put_if(f"{corp_id}#quota#{period}", f"{bucket:04d}", data, version)
