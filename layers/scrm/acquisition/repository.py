"""Channel statistics: each counter moves in one transaction with the record that justifies it.

An add is counted when the relation's acquisition record is written for a newer add time; a loss when
that record is first marked lost; a missed welcome when its marker is first written. A retried or
duplicated event finds its record already there, its transaction fails on the condition, and nothing is
counted twice.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from scrm.acquisition.channel_stats import COUNTERS
from scrm.adapters.dynamo.conditional import transact_if
from scrm.adapters.dynamo.models import AcquisitionItem, ChannelStatItem

WELCOMED_TTL_S = 3 * 24 * 3600  # as the consumers' de-dup records: longer than any copy of an event lives


def _stat(corp_id: str, state: str, day: str, userid: str) -> ChannelStatItem:
    return ChannelStatItem(f"{corp_id}#{state}", f"{day}#{userid}")


def _bump(counter: str, day: str, userid: str) -> list[Any]:
    return [
        getattr(ChannelStatItem, counter).add(1),
        ChannelStatItem.day.set(day),
        ChannelStatItem.userid.set(userid),
    ]


class DynamoChannelStats:
    def record_add(self, corp_id: str, state: str, external_userid: str, userid: str, added_at: int, day: str) -> bool:
        acq = AcquisitionItem(f"{corp_id}#{external_userid}", userid)

        def build(tx: TransactWrite) -> None:
            tx.update(
                acq,
                actions=[
                    AcquisitionItem.state.set(state),
                    AcquisitionItem.day.set(day),
                    AcquisitionItem.added_at.set(added_at),
                    AcquisitionItem.lost_by.remove(),
                    AcquisitionItem.lost_at.remove(),
                ],
                condition=AcquisitionItem.pk.does_not_exist() | (AcquisitionItem.added_at < added_at),
            )
            tx.update(_stat(corp_id, state, day, userid), actions=_bump("adds", day, userid))

        return transact_if(build)

    def acquisition(self, corp_id: str, external_userid: str, userid: str) -> dict[str, Any] | None:
        try:
            item = AcquisitionItem.get(f"{corp_id}#{external_userid}", userid, consistent_read=True)
        except DoesNotExist:
            return None
        return {k: v for k, v in item.attribute_values.items() if v is not None}

    def record_loss(self, corp_id: str, external_userid: str, userid: str, by: str, at: int) -> bool:
        """``by`` is customer (they deleted the employee) or employee (the employee deleted them). A loss
        older than the latest add belongs to an earlier relation and is not counted."""
        acq = self.acquisition(corp_id, external_userid, userid)
        if acq is None or acq.get("lost_by") or int(acq.get("added_at") or 0) > at:
            return False
        counter = "lost_by_customer" if by == "customer" else "lost_by_employee"

        def build(tx: TransactWrite) -> None:
            tx.update(
                AcquisitionItem(f"{corp_id}#{external_userid}", userid),
                actions=[AcquisitionItem.lost_by.set(by), AcquisitionItem.lost_at.set(at)],
                condition=AcquisitionItem.lost_by.does_not_exist() & (AcquisitionItem.added_at == acq["added_at"]),
            )
            tx.update(_stat(corp_id, acq["state"], acq["day"], userid), actions=_bump(counter, acq["day"], userid))

        return transact_if(build)

    def record_missed_welcome(
        self, corp_id: str, state: str, external_userid: str, userid: str, day: str, marker: str
    ) -> bool:
        def build(tx: TransactWrite) -> None:
            tx.save(
                AcquisitionItem(f"{corp_id}#{external_userid}", f"missed#{marker}", state=state, day=day),
                condition=AcquisitionItem.pk.does_not_exist(),
            )
            tx.update(_stat(corp_id, state, day, userid), actions=_bump("welcomes_missed", day, userid))

        return transact_if(build)

    def record_welcomed(self, markers: Sequence[tuple[str, str, str]]) -> None:
        """Welcome codes WeCom took (or answered 41051 for): a late copy of their event is then no miss.
        One BatchWriteItem per 25, after the batch's sends (the welcome path's only write)."""
        expires_at = int(time.time()) + WELCOMED_TTL_S
        with AcquisitionItem.batch_write() as batch:
            for corp_id, external_userid, marker in markers:
                batch.save(AcquisitionItem(f"{corp_id}#{external_userid}", f"welcomed#{marker}", expires_at=expires_at))

    def welcomed(self, corp_id: str, external_userid: str, marker: str) -> bool:
        try:
            AcquisitionItem.get(f"{corp_id}#{external_userid}", f"welcomed#{marker}", consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def adds_on(self, corp_id: str, state: str, day: str) -> dict[str, int]:
        return {
            i.userid or i.sk.split("#", 1)[1]: int(i.adds or 0)
            for i in ChannelStatItem.query(
                f"{corp_id}#{state}", ChannelStatItem.sk.startswith(f"{day}#"), consistent_read=True
            )
        }

    def rows(self, corp_id: str, state: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        return [
            {"day": i.day, "userid": i.userid, **{c: int(getattr(i, c) or 0) for c in COUNTERS}}
            for i in ChannelStatItem.query(
                f"{corp_id}#{state}", ChannelStatItem.sk.between(f"{first_day}#", f"{last_day}#\uffff")
            )
        ]
