"""The mass-message quota ledger: how many mass sends count against each customer in a quota period.

Cheap for 100,000 customers and exact under retries and concurrency:
- Not an item per customer per send: customers are spread over 1,024 buckets per (corp, period)
  (``model.bucket_of``); a bucket holds ``c`` (external_userid → count) and ``a`` (what was already
  applied to it). A send touching 100,000 customers is 1,024 reads and 1,024 conditional writes.
- One versioned read-modify-write per bucket touched; a conflict (another send, a release) re-reads the
  bucket and decides again, so two concurrent sends can never both take a customer's last slot.
- Every change carries a key (a reservation: ``r:<send>``; a release: ``x:<send>:<part>``). A bucket
  records the keys it applied, with a reservation's refusals, so a retried step gets the same answer and
  never counts twice. A reservation's ids must be the same on a retry (the send persists its resolved
  recipients before reserving).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from scrm.mass_sends.model import admit, bucket_of
from scrm.mass_sends.ports import BucketStore

BUCKETS = 1024


def _by_bucket(ids: Iterable[str], buckets: int) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for ext in ids:
        out.setdefault(bucket_of(ext, buckets), []).append(ext)
    return out


class QuotaLedger:
    def __init__(self, store: BucketStore, buckets: int = BUCKETS) -> None:
        self.store = store
        self.buckets = buckets

    def _apply(self, corp_id: str, period: str, bucket: int, change: Any) -> Any:
        while True:
            data, version = self.store.get_bucket(corp_id, period, bucket)
            data = {"c": dict(data.get("c") or {}), "a": dict(data.get("a") or {})}
            result, changed = change(data)
            if not changed or self.store.put_bucket(corp_id, period, bucket, data, version):
                return result

    def reserve(
        self, corp_id: str, period: str, key: str, ids: Sequence[str], limit: int
    ) -> tuple[list[str], list[str]]:
        """Count one send against each of ``ids`` that has room: (admitted, over quota). Same key, same answer."""
        admitted: list[str] = []
        over: list[str] = []
        for bucket, members in sorted(_by_bucket(ids, self.buckets).items()):

            def change(
                data: dict[str, Any], members: list[str] = members
            ) -> tuple[tuple[list[str], list[str]], bool]:
                if key in data["a"]:
                    refused = set(data["a"][key])
                    return (
                        [e for e in members if e not in refused],
                        [e for e in members if e in refused],
                    ), False
                ok, no = admit(members, data["c"], limit)
                for ext in ok:
                    data["c"][ext] = data["c"].get(ext, 0) + 1
                data["a"][key] = no
                return (ok, no), True

            ok, no = self._apply(corp_id, period, bucket, change)
            admitted += ok
            over += no
        return admitted, over

    def release(self, corp_id: str, period: str, key: str, ids: Sequence[str]) -> int:
        """Give back one count for each of ``ids`` (a send that did not reach them), once per key."""
        released = 0
        for bucket, members in sorted(_by_bucket(ids, self.buckets).items()):

            def change(data: dict[str, Any], members: list[str] = members) -> tuple[int, bool]:
                if key in data["a"]:
                    return 0, False
                n = 0
                for ext in members:
                    if data["c"].get(ext, 0) > 0:
                        data["c"][ext] -= 1
                        n += 1
                        if not data["c"][ext]:
                            del data["c"][ext]
                data["a"][key] = 1
                return n, True

            released += self._apply(corp_id, period, bucket, change)
        return released

    def counts(self, corp_id: str, period: str, ids: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for bucket, members in _by_bucket(ids, self.buckets).items():
            c = self.store.get_bucket(corp_id, period, bucket)[0].get("c") or {}
            out.update({e: int(c.get(e, 0)) for e in members})
        return out
