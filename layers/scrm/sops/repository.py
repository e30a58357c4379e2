"""SOPs, their due index and the planner's marks in the sops table (key shapes: scrm.resources).

The due index is what keeps a tick cheap: a relative step due for a customer is one item under the
partition of its China minute, so a tick asks "is anything of (SOP, step) due in this minute?" with a
one-item Query, and the mass-send plan step reads exactly that (SOP, step)'s items of that minute.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pynamodb.exceptions import DeleteError

from scrm.adapters.dynamo.conditional import (
    condition_failed,
    consistent_get,
    loaded,
    loaded_all,
    save_if,
    update_if,
)
from scrm.adapters.dynamo.models import SopItem
from scrm.sops.schedule import minute_start
from scrm.sops.sop import Sop

S = SopItem
DUE_PAGE = 1000  # due items a Query page
DUE_TTL_S = 7 * 24 * 3600  # a due item or minute mark outlives its minute by a week (catch-up, audits)


def _due_pk(corp_id: str, minute: str) -> str:
    return f"{corp_id}#due#{minute}"


class DynamoSops:
    def _get(self, pk: str, sk: str) -> SopItem | None:
        return consistent_get(S, pk, sk)

    def _put_if(self, item: SopItem, version: int) -> bool:
        item.version = version + 1
        return save_if(item, S.pk.does_not_exist() if version == 0 else S.version == version)

    # SOPs ---------------------------------------------------------------------------------------
    def get_sop(self, corp_id: str, sop_id: str) -> Sop | None:
        item = self._get(corp_id, f"sop#{sop_id}")
        return loaded(Sop.from_item, item)

    def put_sop(self, corp_id: str, sop: Sop) -> bool:
        """Create (version 0) or replace at the version read; the SOP moves to the new version."""
        if not self._put_if(S(corp_id, f"sop#{sop.sop_id}", data=sop.to_item()), sop.version):
            return False
        sop.version += 1
        return True

    def delete_sop(self, corp_id: str, sop: Sop) -> bool:
        try:
            S(corp_id, f"sop#{sop.sop_id}").delete(condition=S.version == sop.version)
            return True
        except DeleteError as exc:
            if condition_failed(exc):
                return False
            raise

    def list_sops(self, corp_id: str) -> list[Sop]:
        return loaded_all(Sop.from_item, S.query(corp_id, S.sk.startswith("sop#"), consistent_read=True))

    # the due index --------------------------------------------------------------------------------
    def put_due(self, corp_id: str, items: Iterable[tuple[str, str, str, str, int, int]]) -> int:
        """(minute, sop, step, target, member, anchor) items; rewriting one is harmless (same key, same
        anchor), so enrolment can run twice. Returns how many were written."""
        n = 0
        with S.batch_write() as batch:
            for minute, sop_id, step_id, target, member, anchor in items:
                batch.save(
                    S(_due_pk(corp_id, minute), f"{sop_id}#{step_id}#{target}#{member}",
                      data={"a": anchor}, expires_at=anchor_expiry(minute))
                )  # fmt: skip
                n += 1
        return n

    def has_due(self, corp_id: str, minute: str, sop_id: str, step_id: str) -> bool:
        q = S.query(_due_pk(corp_id, minute), S.sk.startswith(f"{sop_id}#{step_id}#"), limit=1,
                    attributes_to_get=["pk", "sk"])  # fmt: skip
        return next(iter(q), None) is not None

    def due(self, corp_id: str, minute: str, sop_id: str, step_id: str) -> Iterator[tuple[str, str, int]]:
        """(target, member, anchor) of one (SOP, step) in one minute: every page of ``due_page``."""
        cursor = ""
        while True:
            items, cursor = self.due_page(corp_id, minute, sop_id, step_id, cursor, DUE_PAGE)
            yield from items
            if not cursor:
                return

    def due_page(
        self, corp_id: str, minute: str, sop_id: str, step_id: str, cursor: str, limit: int
    ) -> tuple[list[tuple[str, str, int]], str]:
        """A page of ``due``: up to ``limit`` items after the one whose sort key is ``cursor``, and the
        sort key to continue after ("" after the last)."""
        pk, prefix = _due_pk(corp_id, minute), f"{sop_id}#{step_id}#"
        start = {"pk": {"S": pk}, "sk": {"S": cursor}} if cursor else None
        q = S.query(pk, S.sk.startswith(prefix), consistent_read=True, limit=limit, last_evaluated_key=start)
        out, last = [], ""
        for i in q:
            target, member = i.sk[len(prefix) :].split("#", 1)
            out.append((target, member, int((i.data or {}).get("a") or 0)))
            last = i.sk
        more = q.last_evaluated_key is not None and len(out) == limit
        return out, (last if more else "")

    # the planner's marks ------------------------------------------------------------------------------
    def cursor(self, corp_id: str) -> str:
        item = self._get(corp_id, "cursor")
        return str((item.data or {}).get("minute") or "") if item is not None else ""

    def set_cursor(self, corp_id: str, minute: str) -> None:
        """Only forward: a slow tick finishing late never moves the cursor back over a newer one. The
        item's ``version`` holds the minute's start (unix seconds), which the condition compares."""
        at = int(minute_start(minute).timestamp())
        update_if(S(corp_id, "cursor"), [S.data.set({"minute": minute}), S.version.set(at)],
                  S.pk.does_not_exist() | (S.version < at))  # fmt: skip

    def lease_minute(self, corp_id: str, minute: str, now: int, lease_s: int) -> str:
        """ "taken" (this tick plans the minute), "done" or "busy" (another tick holds a live lease)."""
        item = self._get(corp_id, f"tick#{minute}")
        if item is not None:
            data = dict(item.data or {})
            if data.get("state") == "done":
                return "done"
            if now - int(data.get("at") or 0) < lease_s:
                return "busy"
        fresh = S(
            corp_id, f"tick#{minute}", data={"state": "running", "at": now}, expires_at=anchor_expiry(minute)
        )
        return "taken" if self._put_if(fresh, int(item.version or 0) if item is not None else 0) else "busy"

    def finish_minute(self, corp_id: str, minute: str, summary: dict[str, Any]) -> None:
        S(corp_id, f"tick#{minute}").update(
            actions=[S.data.set({"state": "done", **summary}), S.version.add(1)]
        )

    def minute_mark(self, corp_id: str, minute: str) -> dict[str, Any] | None:
        item = self._get(corp_id, f"tick#{minute}")
        return dict(item.data or {}) if item is not None else None

    # runs: which mass send each due (SOP, step, minute) became -------------------------------------
    def put_run(self, corp_id: str, sop_id: str, minute: str, step_id: str, send_id: str) -> None:
        S(f"{corp_id}#sop#{sop_id}", f"run#{minute}#{step_id}", data={"send_id": send_id, "minute": minute,
                                                                       "step_id": step_id}).save()  # fmt: skip

    def runs(self, corp_id: str, sop_id: str, limit: int = 100) -> list[dict[str, Any]]:
        """Newest first."""
        return [
            dict(i.data or {})
            for i in S.query(
                f"{corp_id}#sop#{sop_id}", S.sk.startswith("run#"), scan_index_forward=False, limit=limit
            )  # fmt: skip
        ]


def anchor_expiry(minute: str) -> int:
    return int(minute_start(minute).timestamp()) + DUE_TTL_S
