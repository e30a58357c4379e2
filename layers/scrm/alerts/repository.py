"""Churn alerts in DynamoDB: settings, one record per (event, recipient), the recipient's pacing and the
digest markers (see scrm.resources and models/alert.py for the keys).

Every state change is conditional on the state it leaves, and each step that must not half-happen is
one transaction: taking a pacing slot moves the record to ``sending`` with it (a crash leaves a record
that owns its slot and is simply sent again), deferring raises the recipient's pending marker with it
(a deferred alert is never out of the digest's sight), and starting a digest takes its slot with it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from scrm.adapters.dynamo.conditional import transactions, update_if
from scrm.adapters.dynamo.models import AlertItem
from scrm.alerts.pacing import Caps, Pace

A = AlertItem
RECORD_TTL_S = 35 * 86_400
PACE_TTL_S = 2 * 86_400
PACE_TRIES = 12
LOST_RACE = frozenset({"ConditionalCheckFailed", "TransactionConflict"})

SETTINGS_SK = "settings"
PACE_SK = "pace"


def _who(corp_id: str, recipient: str) -> str:
    return f"{corp_id}#{recipient}"


def _plain(item: AlertItem) -> dict[str, Any]:
    data = {k: v for k, v in item.attribute_values.items() if v is not None}
    for key in ("summary", "card"):
        if key in data:
            data[key] = json.loads(data[key])
    return data


def _transact(build: Callable[[TransactWrite], None]) -> bool:
    """One transaction; False if it lost (a condition failed, or a concurrent transaction on an item)."""
    try:
        with TransactWrite(connection=transactions()) as tx:
            build(tx)
        return True
    except TransactWriteError as exc:
        reasons = {getattr(r, "code", None) for r in exc.cancellation_reasons or [] if r}
        if reasons & LOST_RACE:
            return False
        raise


class DynamoAlerts:
    # settings -----------------------------------------------------------------------------------
    def settings(self, corp_id: str) -> dict[str, Any] | None:
        try:
            return _plain(A.get(corp_id, SETTINGS_SK, consistent_read=True))
        except DoesNotExist:
            return None

    def save_settings(self, corp_id: str, values: dict[str, Any]) -> None:
        A(corp_id, SETTINGS_SK, **values).save()

    # alert records -------------------------------------------------------------------------------
    def record(self, corp_id: str, recipient: str, sk: str) -> dict[str, Any] | None:
        try:
            return _plain(A.get(_who(corp_id, recipient), sk, consistent_read=True))
        except DoesNotExist:
            return None

    def create(self, corp_id: str, recipient: str, sk: str, fields: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        """(True, record) if this call created it in state ``new``, else (False, the record as stored)."""
        day, create_time, event_id = sk.split("#", 2)
        item = A(
            _who(corp_id, recipient),
            sk,
            state="new",
            recipient=recipient,
            day=day,
            event_id=event_id,
            create_time=int(create_time),
            kind=fields["kind"],
            external_userid=fields["external_userid"],
            userid=fields["userid"],
            summary=json.dumps(fields["summary"], ensure_ascii=False),
            card=json.dumps(fields["card"], ensure_ascii=False),
            day_pk=f"{corp_id}#{day}",
            day_sk=f"{create_time}#{event_id}#{recipient}",
            updated_at=int(fields["now"]),
            expires_at=int(create_time) + RECORD_TTL_S,
        )
        if _transact(lambda tx: tx.save(item, condition=A.pk.does_not_exist())):
            return True, _plain(item)
        found = self.record(corp_id, recipient, sk)
        assert found is not None
        return False, found

    def mark(self, corp_id: str, recipient: str, sk: str, state: str, was: str, now: float, **extra: str) -> bool:
        actions = [A.state.set(state), A.updated_at.set(int(now))]
        actions += [getattr(A, k).set(v) for k, v in extra.items() if v]
        return update_if(A(_who(corp_id, recipient), sk), actions, A.state == was)

    def take_slot(
        self, corp_id: str, recipient: str, sk: str, now: float, caps: Caps, day: str, day_cap: int
    ) -> str:
        """Take a send slot for a ``new`` record and move it to ``sending``, as one transaction.
        Returns "sending", "full" (no slot: caps reached, or still contended after many tries; never
        over a cap), or the record's state if another worker moved it first."""
        for _ in range(PACE_TRIES):
            pace, version = self._pace(corp_id, recipient)
            after = pace.take(now, caps, day, day_cap)
            if after is None:
                return "full"

            def build(tx: TransactWrite, after: Pace = after, version: int = version) -> None:
                self._save_pace(tx, corp_id, recipient, after, version, now)
                tx.update(
                    A(_who(corp_id, recipient), sk),
                    actions=[A.state.set("sending"), A.updated_at.set(int(now))],
                    condition=A.state == "new",
                )

            if _transact(build):
                return "sending"
            record = self.record(corp_id, recipient, sk)
            if record is None or record.get("state") != "new":
                return str((record or {}).get("state") or "gone")
        return "full"

    def claim(self, corp_id: str, recipient: str, sk: str, now: float, lease_s: int) -> bool:
        """Be the one caller that sends a ``sending`` record now: a compare-and-set of a fresh token over
        the one seen. A claim older than ``lease_s`` belongs to a caller that died and may be taken over
        (its send, if it happened, is then repeated under WeCom's duplicate check)."""
        record = self.record(corp_id, recipient, sk)
        if record is None or record.get("state") != "sending":
            return False
        seen = record.get("claim")
        if seen and now - int(record.get("claimed_at") or 0) < lease_s:
            return False
        held = A.claim == seen if seen else A.claim.does_not_exist()
        return update_if(A(_who(corp_id, recipient), sk), [A.claim.set(uuid.uuid4().hex), A.claimed_at.set(int(now))],
                         (A.state == "sending") & held)  # fmt: skip

    def defer(self, corp_id: str, recipient: str, sk: str, now: float) -> bool:
        """``new`` → ``deferred`` and the recipient's pending marker raised, together."""

        def build(tx: TransactWrite) -> None:
            tx.update(
                A(_who(corp_id, recipient), sk),
                actions=[A.state.set("deferred"), A.updated_at.set(int(now))],
                condition=A.state == "new",
            )
            tx.update(
                A(corp_id, f"pending#{recipient}"),
                actions=[A.version.add(1), A.recipient.set(recipient), A.expires_at.set(int(now) + RECORD_TTL_S)],
            )

        return _transact(build)

    # pacing --------------------------------------------------------------------------------------
    def _pace(self, corp_id: str, recipient: str) -> tuple[Pace, int]:
        try:
            item = A.get(_who(corp_id, recipient), PACE_SK, consistent_read=True)
        except DoesNotExist:
            return Pace(), 0
        return Pace.from_json(item.data), int(item.version or 0)

    def _save_pace(self, tx: TransactWrite, corp_id: str, recipient: str, pace: Pace, version: int, now: float) -> None:
        item = A(_who(corp_id, recipient), PACE_SK, data=pace.to_json(), version=version + 1,
                 expires_at=int(now) + PACE_TTL_S)  # fmt: skip
        tx.save(item, condition=A.pk.does_not_exist() if version == 0 else A.version == version)

    def pace(self, corp_id: str, recipient: str) -> Pace:
        return self._pace(corp_id, recipient)[0]

    # digests -------------------------------------------------------------------------------------
    def pending(self, corp_id: str) -> list[tuple[str, int]]:
        """Recipients with deferred alerts, and their marker's count (to clear it only if unchanged)."""
        return [
            (i.recipient or i.sk.split("#", 1)[1], int(i.version or 0))
            for i in A.query(corp_id, A.sk.startswith("pending#"), consistent_read=True)
        ]

    def clear_pending(self, corp_id: str, recipient: str, seen: int) -> bool:
        item = A(corp_id, f"pending#{recipient}")
        return _transact(lambda tx: tx.delete(item, condition=A.version == seen))

    def deferred(self, corp_id: str, recipient: str, first_day: str, last_day: str, limit: int) -> list[dict[str, Any]]:
        out = []
        for i in A.query(
            _who(corp_id, recipient),
            A.sk.between(f"{first_day}#", f"{last_day}#\uffff"),
            filter_condition=A.state == "deferred",
            consistent_read=True,
        ):
            out.append(_plain(i))
            if len(out) >= limit:
                break
        return out

    def digest_marker(self, corp_id: str, recipient: str, day: str) -> dict[str, Any] | None:
        return self.record(corp_id, recipient, f"digest#{day}")

    def start_digest(
        self, corp_id: str, recipient: str, day: str, now: float, caps: Caps, alert_sks: list[str], card: dict[str, Any]
    ) -> bool:
        """Take a slot and write the day's marker (state sending, its alerts and card), together. False:
        no slot now (or the marker exists: the caller re-reads it)."""
        for _ in range(PACE_TRIES):
            pace, version = self._pace(corp_id, recipient)
            after = pace.take(now, caps, day)
            if after is None:
                return False
            marker = A(_who(corp_id, recipient), f"digest#{day}", state="sending", recipient=recipient, day=day,
                       alert_sks=alert_sks, card=json.dumps(card, ensure_ascii=False), updated_at=int(now),
                       expires_at=int(now) + RECORD_TTL_S)  # fmt: skip

            def build(tx: TransactWrite, after: Pace = after, version: int = version, marker: A = marker) -> None:
                self._save_pace(tx, corp_id, recipient, after, version, now)
                tx.save(marker, condition=A.pk.does_not_exist())

            if _transact(build):
                return True
            if self.digest_marker(corp_id, recipient, day) is not None:
                return False
        return False

    # listing -------------------------------------------------------------------------------------
    def on_day(self, corp_id: str, day: str, recipient: str = "", limit: int = 100, after: str = "") -> list[dict[str, Any]]:
        """A day's alerts, oldest first: one recipient's (their partition) or the corp's (by_day); ``after``
        an alert's ``<create_time>#<event_id>#<recipient>`` (by_day's sort key): the ones after it."""
        start = None
        if after:
            create_time, event_id, who = after.split("#", 2)
            start = {"pk": {"S": _who(corp_id, who)}, "sk": {"S": f"{day}#{create_time}#{event_id}"}}
            if not recipient:
                start.update({"day_pk": {"S": f"{corp_id}#{day}"}, "day_sk": {"S": after}})
        if recipient:
            items = A.query(_who(corp_id, recipient), A.sk.startswith(f"{day}#"), limit=limit, last_evaluated_key=start)
        else:
            items = A.by_day.query(f"{corp_id}#{day}", limit=limit, last_evaluated_key=start)
        return [_plain(i) for i in items]
