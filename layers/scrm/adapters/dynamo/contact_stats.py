"""Customer and group statistics on DynamoDB (table scrm-contact-stats): facts, guards and counter rows.

A counter moves only in the transaction that creates the fact justifying it (condition: the fact does not
exist), so a retried or duplicated event counts nothing twice. A relation's transactions also check and
bump its guard's ``version``: two events of one relation handled at once cannot both decide from the same
facts; the loser re-reads and decides again. Counter rows are partitioned by corp and month, so 90 days of
a corp are 3–4 partition queries, run in parallel.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from scrm.adapters.dynamo.conditional import transact_if
from scrm.adapters.dynamo.models import ContactStatItem
from scrm.domain.contact_stats import (
    CUSTOMER_COUNTERS,
    CUSTOMER_WECOM,
    GROUP_COUNTERS,
    GROUP_WECOM,
    days_between,
)
from scrm.domain.relation_facts import LOSS, Contributions, Fact

S = ContactStatItem
CUSTOMERS, GROUPS = "cust", "group"
ROW_FIELDS = {CUSTOMERS: CUSTOMER_COUNTERS + CUSTOMER_WECOM, GROUPS: GROUP_COUNTERS + GROUP_WECOM}
SEGMENT_DAYS = 7
BATCH_GET_MAX_KEYS = 1000  # above this, a filtered query reads less than key lookups would


def row_pk(corp_id: str, kind: str, day: str) -> str:
    return f"{corp_id}#{kind}#{day[:7]}"


def _rel_pk(corp_id: str, external_userid: str) -> str:
    return f"{corp_id}#rel#{external_userid}"


def _segments(days: list[str]) -> list[list[str]]:
    """Runs of at most SEGMENT_DAYS days within one month: one query each, in parallel (a week of 500
    employees is about one 1 MB page, so no query pages sequentially for long)."""
    out: list[list[str]] = []
    for d in days:
        if out and out[-1][0][:7] == d[:7] and len(out[-1]) < SEGMENT_DAYS:
            out[-1].append(d)
        else:
            out.append([d])
    return out


def _transact(build: Any) -> bool:
    """transact_if, where losing a race to a concurrent transaction on the same item (TransactionConflict)
    is also a False: the caller re-reads and decides again."""
    try:
        return transact_if(build)
    except TransactWriteError as exc:
        if any(getattr(r, "code", None) == "TransactionConflict" for r in exc.cancellation_reasons or [] if r):
            return False
        raise


def _moves(day: str, userid: str, counters: Mapping[str, int]) -> list[Any]:
    return [S.day.set(day), S.userid.set(userid), *(getattr(S, c).add(n) for c, n in sorted(counters.items()))]


def _row(item: ContactStatItem, kind: str) -> dict[str, Any]:
    day, userid = item.sk.split("#", 1)
    out: dict[str, Any] = {"day": day, "userid": userid}
    for name in ROW_FIELDS[kind]:
        value = getattr(item, name)
        out[name] = None if value is None else int(value)
    return out


class DynamoContactStats:
    # a relation's facts --------------------------------------------------------------------------
    def relation(self, corp_id: str, external_userid: str, userid: str) -> tuple[list[Fact], Contributions, int]:
        """The relation's facts, the contributions last applied for them, and the guard's version."""
        facts: list[Fact] = []
        applied: Contributions = {}
        version = 0
        for item in S.query(_rel_pk(corp_id, external_userid), S.sk.startswith(f"{userid}#"), consistent_read=True):
            rest = item.sk[len(userid) + 1:]
            if rest == "guard":
                version = int(item.version or 0)
                applied = json.loads(item.applied or "{}")
            else:
                facts.append(Fact(int(item.at or 0), str(item.kind), item.by or "", bool(item.half)))
        return facts, applied, version

    def record_fact(
        self,
        corp_id: str,
        external_userid: str,
        userid: str,
        fact: Fact,
        version: int,
        applied: Contributions,
        moves: Contributions,
    ) -> bool:
        """Store the fact, the relation's new contributions and the rows' moves, all or nothing. False when
        the fact is already stored or another writer moved the guard since ``version`` was read."""
        pk = _rel_pk(corp_id, external_userid)

        def build(tx: TransactWrite) -> None:
            tx.save(
                S(pk, f"{userid}#{fact.key}", kind=fact.kind, at=fact.at, by=fact.by if fact.kind == LOSS else None,
                  half=fact.half or None),
                condition=S.sk.does_not_exist(),
            )  # fmt: skip
            tx.update(
                S(pk, f"{userid}#guard"),
                actions=[S.version.set(version + 1), S.applied.set(json.dumps(applied, sort_keys=True))],
                condition=S.version.does_not_exist() if version == 0 else (S.version == version),
            )
            for day, counters in moves.items():
                tx.update(S(row_pk(corp_id, CUSTOMERS, day), f"{day}#{userid}"), actions=_moves(day, userid, counters))

        return _transact(build)

    # group member changes ------------------------------------------------------------------------
    def record_group_change(
        self, corp_id: str, chat_id: str, create_time: int, event_id: str, owner: str, day: str,
        counters: Mapping[str, int],
    ) -> bool:  # fmt: skip
        """Count one member change on the owner's row of that day, once per event. False if already counted."""

        def build(tx: TransactWrite) -> None:
            tx.save(
                S(f"{corp_id}#chat#{chat_id}", f"{create_time:010d}#{event_id}", kind="member", at=create_time,
                  event_id=event_id, userid=owner, day=day),
                condition=S.sk.does_not_exist(),
            )  # fmt: skip
            tx.update(S(row_pk(corp_id, GROUPS, day), f"{day}#{owner}"), actions=_moves(day, owner, counters))

        return _transact(build)

    # rows ----------------------------------------------------------------------------------------
    def rows(self, corp_id: str, kind: str, first: str, last: str, userids: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Counter rows of these China days (inclusive), of every employee or of ``userids`` only."""
        if userids and len(userids) * len(days_between(first, last)) <= BATCH_GET_MAX_KEYS:
            keys = [(row_pk(corp_id, kind, d), f"{d}#{u}") for d in days_between(first, last) for u in userids]
            return sorted((_row(i, kind) for i in S.batch_get(keys)), key=lambda r: (r["day"], r["userid"]))
        wanted = set(userids)

        def segment(days: list[str]) -> list[dict[str, Any]]:
            found = S.query(row_pk(corp_id, kind, days[0]), S.sk.between(f"{days[0]}#", f"{days[-1]}#\uffff"))
            return [r for r in (_row(i, kind) for i in found) if not wanted or r["userid"] in wanted]

        segments = _segments(days_between(first, last))
        with ThreadPoolExecutor(max_workers=min(len(segments), 8)) as pool:
            return [r for part in pool.map(segment, segments) for r in part]

    def set_wecom(self, corp_id: str, kind: str, day: str, userid: str, figures: Mapping[str, int], at: int) -> None:
        """WeCom's figures for a row, next to ours (the nightly reconcile); the latest reading wins."""
        S(row_pk(corp_id, kind, day), f"{day}#{userid}").update(
            actions=[S.day.set(day), S.userid.set(userid), S.wecom_at.set(at),
                     *(getattr(S, f).set(int(v)) for f, v in sorted(figures.items()))]  # fmt: skip
        )

    def put_rows(self, corp_id: str, kind: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Write whole counter rows (the benchmark's seed; an import). Not for counting: no facts."""
        n = 0
        with S.batch_write() as batch:
            for r in rows:
                day, userid = str(r["day"]), str(r["userid"])
                values = {f: int(r[f]) for f in ROW_FIELDS[kind] if r.get(f) is not None}
                batch.save(S(row_pk(corp_id, kind, day), f"{day}#{userid}", day=day, userid=userid, **values))
                n += 1
        return n


def group_owner(corp_id: str, chat_id: str) -> str | None:
    """The stored group's owner (the event consumer refreshed the group from WeCom just before)."""
    from pynamodb.exceptions import DoesNotExist

    from scrm.adapters.dynamo.models import GroupItem

    try:
        return GroupItem.get(f"{corp_id}#{chat_id}", consistent_read=True, attributes_to_get=["owner"]).owner
    except DoesNotExist:
        return None
