"""Customer and group statistics on DynamoDB (table scrm-contact-stats): facts, guards and counter items.

A counter moves only in the transaction that creates the fact justifying it (condition: the fact does not
exist), so a retried or duplicated event counts nothing twice. A relation's transactions also check and
bump its guard's ``version``: two events of one relation handled at once cannot both decide from the same
facts; the loser re-reads and decides again.

Counters are packed: one item per (corp, kind, month, employee), pk = ``corp#cust#<yyyy-mm>`` (or
``corp#group#<yyyy-mm>``), sk = ``<userid>``, each day's figures a top-level number named
``<counter>_<dd>`` (``adds_05``, ``lost_in_7_05``, ``wecom_new_contact_05``; dd = day of month). A 90-day
report of 500 employees reads ~1,500–2,000 items instead of 45,000 day rows, and each item is a few KB
(8 figures × 31 days at most for customers), far from DynamoDB's 400 KB. Our counters move with ADD, which
DynamoDB applies atomically to whatever the item holds: concurrent writers (other days, other relations
of the employee) never lose an increment and a day's numbers do not depend on the order they arrive.
WeCom's figures and their reading time are SET (the latest reading wins).

Why no declared attributes: pynamodb can only name declared attributes and a model with 13 × 31 of them
would deserialise all of them for every item. Updates name each day's attribute with an unbound
``NumberAttribute(attr_name="adds_05")`` (``_attr``), so they stay pynamodb actions inside the same
TransactWrite as the fact and the guard; reads go through the model's low-level connection and unpack the
raw items into the same day rows as before (``_unpack``: only the days asked for, every figure of the
kind, None where absent). The same transactions move the roll-ups (rollup_repository.py: the corp's day,
the member's month as running sums). A transaction touches one counter item per month it moves (a loss can move the
add's cohort day and its own day: one update when both are in one month — DynamoDB refuses two
operations on one item in one transaction).
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache, lru_cache
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeSetAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from scrm.adapters.dynamo.conditional import transact_if
from scrm.adapters.dynamo.models import ContactStatItem
from scrm.contact_stats.model import (
    CUSTOMER_COUNTERS,
    CUSTOMER_WECOM,
    GROUP_COUNTERS,
    GROUP_WECOM,
    days_between,
)
from scrm.contact_stats.relation_facts import LOSS, Contributions, Fact
from scrm.contact_stats.rollup import running_moves
from scrm.contact_stats.seal import VERSION

S = ContactStatItem
CUSTOMERS, GROUPS = "cust", "group"
ROW_FIELDS = {CUSTOMERS: CUSTOMER_COUNTERS + CUSTOMER_WECOM, GROUPS: GROUP_COUNTERS + GROUP_WECOM}
COUNTERS = {CUSTOMERS: CUSTOMER_COUNTERS, GROUPS: GROUP_COUNTERS}
WECOM_AT = "wecom_at"  # when the reconcile read WeCom's figures of that day
BATCH_GET_KEYS, BATCH_WRITE_ITEMS = 100, 25  # DynamoDB's limits per BatchGetItem / BatchWriteItem
READINGS = "wecom_uids"  # a day roll-up's members with WeCom's figures for that day (a string set)
DAY_SHARDS = 8


def month_pk(corp_id: str, kind: str, month: str) -> str:
    return f"{corp_id}#{kind}#{month}"


def days_pk(corp_id: str, kind: str) -> str:
    """The partition of the corp's day roll-ups of a kind: sk = ``<yyyy-mm-dd>#<shard>``."""
    return f"{corp_id}#{kind}#days"


def shard(userid: str) -> int:
    """Which of a day's roll-up items a member counts on: concurrent transactions of different members
    rarely meet on one item (DynamoDB cancels a transaction that meets another on an item)."""
    return zlib.crc32(userid.encode()) % DAY_SHARDS


def day_sk(day: str, userid: str) -> str:
    return f"{day}#{shard(userid)}"


def running_pk(corp_id: str, kind: str, month: str) -> str:
    """The members' month roll-ups of a kind and month, as running sums: sk = ``<userid>``, attributes
    ``<code>_<dd>`` (rollup.running_name): a report by employee reads a few days of each with one Query."""
    return f"{corp_id}#{kind}#run#{month}"


def seal_pk(corp_id: str, kind: str) -> str:
    """The partition of the corp's sealed months of a kind (seal.py): sk = ``<yyyy-mm>#<part>``."""
    return f"{corp_id}#{kind}#seal"


def legacy_rollup_pks(corp_id: str, kind: str, month: str) -> tuple[str, str]:
    """The partitions of the members' month and day roll-ups of the first roll-up layout (per month and
    shard, ``<counter>@<userid>``), which the backfill deletes."""
    return f"{corp_id}#{kind}#mo#{month}", f"{corp_id}#{kind}#md#{month}"


def _rel_pk(corp_id: str, external_userid: str) -> str:
    return f"{corp_id}#rel#{external_userid}"


def packed_name(field: str, day: str) -> str:
    """The item attribute holding ``field`` of that China day (yyyy-mm-dd): ``adds_05``."""
    return f"{field}_{day[8:10]}"


@cache
def _attr(name: str) -> NumberAttribute:
    """A number attribute the model does not declare, for update actions (ADD / SET by name)."""
    return NumberAttribute(attr_name=name)


def _by_month(days: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for d in days:
        out.setdefault(d[:7], []).append(d)
    return out


def _add_actions(moves: Mapping[str, Mapping[str, int]]) -> list[Any]:
    """ADD of every counter of these days (all of one month: one item)."""
    return [_attr(packed_name(c, day)).add(n) for day, counters in sorted(moves.items()) for c, n in sorted(counters.items())]


def _count_moves(tx: TransactWrite, corp_id: str, kind: str, userid: str, moves: Mapping[str, Mapping[str, int]]) -> None:
    """The updates of one transaction that move a member's day counters: per month its counter item and its
    month's running sums (rollup.running_moves); per day its shard of the corp's day roll-up
    (rollup_repository), whose version ``v`` counts the transactions that moved the day (seal.py)."""
    for month, days in _by_month(moves).items():
        tx.update(S(month_pk(corp_id, kind, month), userid), actions=_add_actions({d: moves[d] for d in days}))
        running = running_moves(month, {d: moves[d] for d in days})
        if running:
            tx.update(S(running_pk(corp_id, kind, month), userid), actions=[_attr(n).add(v) for n, v in running.items()])
    for day, counters in sorted(moves.items()):  # the version too: a seal of the month is stale from that day on
        tx.update(S(days_pk(corp_id, kind), day_sk(day, userid)),
                  actions=[*(_attr(c).add(n) for c, n in sorted(counters.items())), _attr(VERSION).add(1)])


@cache
def _readings() -> UnicodeSetAttribute:
    return UnicodeSetAttribute(attr_name=READINGS)


@lru_cache(maxsize=64)  # the months' day sets of recent queries
def _names(kind: str, days: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """Attribute name → (day, figure) for these days of one month; a day's ``wecom_at`` marks it as held."""
    return {packed_name(f, d): (d, f) for d in days for f in (*ROW_FIELDS[kind], WECOM_AT)}


def unpack(item: Mapping[str, Any], kind: str, days: Sequence[str]) -> list[dict[str, Any]]:
    """The day rows of one raw counter item (DynamoDB's ``{"N": "3"}`` values) for these days of its month:
    ``{"day", "userid", <every figure of the kind>: int | None}``, only days the item holds something for.
    One pass over the item's attributes (a month item holds up to 8 × 31 of them)."""
    names = _names(kind, tuple(days))
    found: dict[str, dict[str, Any]] = {}
    for name, value in item.items():
        hit = names.get(name)
        if hit is not None:
            found.setdefault(hit[0], {})[hit[1]] = int(value["N"])
    userid, empty = item["sk"]["S"], dict.fromkeys(ROW_FIELDS[kind])
    out = []
    for day in sorted(found):
        values = found[day]
        values.pop(WECOM_AT, None)
        out.append({"day": day, "userid": userid, **empty, **values})
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
            _count_moves(tx, corp_id, CUSTOMERS, userid, moves)

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
            _count_moves(tx, corp_id, GROUPS, owner, {day: counters})

        return transact_if(build)  # a conflict with another member's count fails the event: it comes back

    # rows ----------------------------------------------------------------------------------------
    def rows(
        self, corp_id: str, kind: str, first: str, last: str, userids: Sequence[str] = (), consistent: bool = False,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Day rows of these China days (inclusive), of every employee or of ``userids`` only: each month
        partition queried in parallel, or the (month, employee) items of ``userids`` read by key (strongly
        consistent when asked: a seal's build)."""
        months = _by_month(days_between(first, last))
        if userids:
            keys = [(m, u) for m in months for u in dict.fromkeys(userids)]
            chunks = [keys[i:i + BATCH_GET_KEYS] for i in range(0, len(keys), BATCH_GET_KEYS)]
            with ThreadPoolExecutor(max_workers=min(len(chunks), 8)) as pool:
                items = [i for part in pool.map(lambda c: _batch_get(corp_id, kind, c, _day_names(kind, months, c), consistent),
                                                chunks) for i in part]  # fmt: skip
        else:
            with ThreadPoolExecutor(max_workers=min(len(months), 8)) as pool:
                items = [i for part in pool.map(lambda m: _query(month_pk(corp_id, kind, m)), months) for i in part]
        rows = [r for i in items for r in unpack(i, kind, months[i["pk"]["S"].rsplit("#", 1)[1]])]
        return sorted(rows, key=lambda r: (r["day"], r["userid"]))

    def set_wecom(self, corp_id: str, kind: str, day: str, userid: str, figures: Mapping[str, int], at: int) -> None:
        """WeCom's figures for a day row, next to ours (the nightly reconcile); the latest reading wins. The
        day's roll-up names the member first (the reports read the rows WeCom read; a member named whose
        figures a crash left unwritten reads as a row without them, as before). The day's version moves
        last: a month sealed before the figures landed is stale from that day on (seal.py)."""
        day_item = S(days_pk(corp_id, kind), day_sk(day, userid))
        day_item.update(actions=[_readings().add({userid})])
        S(month_pk(corp_id, kind, day[:7]), userid).update(
            actions=[_attr(packed_name(WECOM_AT, day)).set(at),
                     *(_attr(packed_name(f, day)).set(int(v)) for f, v in sorted(figures.items()))]  # fmt: skip
        )
        day_item.update(actions=[_attr(VERSION).add(1)])

    def put_rows(self, corp_id: str, kind: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Write whole day rows (the benchmark's seed; an import), not for counting: no facts. Each (month,
        employee) item is written whole (BatchWriteItem, 25 a call), so the rows of one month and employee
        must come in one call: an item written again replaces the days it held. The roll-ups are the
        backfill's (rollup_repository.rebuild). Returns the rows written."""
        items: dict[tuple[str, str], dict[str, Any]] = {}
        n = 0
        for r in rows:
            day, userid = str(r["day"]), str(r["userid"])
            key = {"pk": {"S": month_pk(corp_id, kind, day[:7])}, "sk": {"S": userid}}
            item = items.setdefault((day[:7], userid), key)
            item.update((packed_name(f, day), {"N": str(int(r[f]))}) for f in ROW_FIELDS[kind] if _kept(f, r.get(f)))
            n += 1
        puts = list(items.values())
        for i in range(0, len(puts), BATCH_WRITE_ITEMS):
            _batch_write(puts[i:i + BATCH_WRITE_ITEMS])
        return n


def _kept(field: str, value: Any) -> bool:
    """What put_rows stores: WeCom's figures when given (0 is a reading), ours when not 0 (counting only ever
    ADDs non-zero moves, and an absent counter reads as 0), so a seeded item is the one counting makes."""
    return value is not None and (field.startswith("wecom_") or int(value) != 0)


def _query(pk: str, condition: Any = None, names: Sequence[str] | None = None, consistent: bool = False) -> list[dict[str, Any]]:
    """Every raw item of one partition (within a range of sort keys, only ``names`` when given), page after
    page (the model would drop undeclared attributes)."""
    conn, out, start = S._get_connection(), [], None
    while True:
        page = conn.query(pk, range_key_condition=condition, attributes_to_get=names, exclusive_start_key=start,
                          consistent_read=consistent)  # fmt: skip
        out += page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return out


def _batch_write(items: list[dict[str, Any]]) -> None:
    """Put at most 25 raw items; items DynamoDB left unprocessed are written again."""
    _batch(items, delete=False)


def _batch_delete(keys: list[dict[str, Any]]) -> None:
    """Delete at most 25 items by key; keys DynamoDB left unprocessed are deleted again."""
    _batch(keys, delete=True)


def _batch(pending: list[dict[str, Any]], delete: bool) -> None:
    conn, table_name = S._get_connection(), S.Meta.table_name
    request, part = ("DeleteRequest", "Key") if delete else ("PutRequest", "Item")
    for tries in range(1000):
        if not pending:
            return
        time.sleep(min(0.05 * tries, 1.0))  # a throttled table: back off before writing again
        page = conn.batch_write_item(**{"delete_items" if delete else "put_items": pending})
        pending = [w[request][part] for w in page.get("UnprocessedItems", {}).get(table_name, [])]
    raise RuntimeError(f"{len(pending)} counter items stayed {'undeleted' if delete else 'unprocessed'}")


def _day_names(kind: str, months: Mapping[str, Sequence[str]], keys: Sequence[tuple[str, str]]) -> list[str]:
    """The keys and the figures of the days asked for of these (month, userid) keys' months: one projection
    for the whole BatchGetItem (a day of the month is the same name in every month)."""
    dds = sorted({d[8:10] for m in {m for m, _ in keys} for d in months[m]})
    return ["pk", "sk", *(f"{f}_{dd}" for dd in dds for f in (*ROW_FIELDS[kind], WECOM_AT))]


def _batch_get(
    corp_id: str, kind: str, keys: Sequence[tuple[str, str]], names: Sequence[str] | None = None, consistent: bool = False,
) -> list[dict[str, Any]]:  # fmt: skip
    """Raw items of at most 100 (month, userid) keys, only ``names`` when given; keys DynamoDB left
    unprocessed are asked again."""
    conn, out, table_name = S._get_connection(), [], S.Meta.table_name
    pending = [{"pk": {"S": month_pk(corp_id, kind, m)}, "sk": {"S": u}} for m, u in keys]
    for tries in range(1000):
        if not pending:
            return out
        time.sleep(min(0.05 * tries, 1.0))  # a throttled table: back off before asking again
        page = conn.batch_get_item(pending, attributes_to_get=names, consistent_read=consistent or None)
        out += page.get("Responses", {}).get(table_name, [])
        pending = page.get("UnprocessedKeys", {}).get(table_name, {}).get("Keys", [])
    raise RuntimeError(f"{len(pending)} counter items stayed unprocessed")


def group_owner(corp_id: str, chat_id: str) -> str | None:
    """The stored group's owner (the event consumer refreshed the group from WeCom just before)."""
    from pynamodb.exceptions import DoesNotExist

    from scrm.adapters.dynamo.models import GroupItem

    try:
        return GroupItem.get(f"{corp_id}#{chat_id}", consistent_read=True, attributes_to_get=["owner"]).owner
    except DoesNotExist:
        return None
