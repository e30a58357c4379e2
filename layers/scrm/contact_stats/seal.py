"""Sealed months: the members' running sums of a month frozen in a few compressed items, with the proof of
what they were built from (issue 18 "Fast to open").

A report by employee needs, per month its range touches, a few running sums of every member
(rollup.names_to_read). Read live, that is one item per member and month (500 members × 4 months: 2,000
items, whose cost on DynamoDB and on the client follows the items, not the few numbers kept). A seal holds
every running sum of every member of one month as 32-bit integers behind a small JSON header, compressed
(~100 KB for 500 members), cut into parts below DynamoDB's 400 KB item limit for larger corps; with it the
member-day rows WeCom read that month (its figures and the drift are per member and day).

Why a seal can be trusted: every transaction that moves a member's running sums of day ``d`` also ADDs 1 to
the version ``v`` of its shard of the corp's day ``d`` (repository._count_moves; the backfill raises it too).
A day's stamp is the sum over its shard items of ``v + 1`` (an item of the layout before versions counts 1),
so it only ever grows while the day's sums change. A seal stores the stamps of its month's days as it read
them (before and after reading the sums, equal). A running sum at day ``dd`` depends on days 1..dd only, so
the seal answers for every ``dd`` below the first day whose stamp differs now (``valid_below``): a count
landing today leaves yesterday's sums sealed; a late event of the 3rd unseals the 3rd onwards only, and that
month is read live until the next seal. A report reads the stamps with the corp's days it already reads
(WeCom's readings), so a seal costs no extra round trip to check.
"""

from __future__ import annotations

import json
import zlib
from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scrm.contact_stats.rollup import CODES, PRESENT, month_days

VERSION = "v"  # a day roll-up item's count of transactions that moved sums of that day
MAX_PART_BYTES = 350_000  # DynamoDB's item limit is 400 KB: the rest is the key and the stamps


def stamps(items: Iterable[tuple[str, int | None]]) -> dict[str, int]:
    """Day → its stamp, from (day, ``v`` of one of its shard items, None where absent)."""
    out: dict[str, int] = {}
    for day, v in items:
        out[day] = out.get(day, 0) + int(v or 0) + 1
    return out


def valid_below(month: str, sealed: Mapping[str, int], now: Mapping[str, int]) -> int:
    """The first day of the month (1..31) whose stamp differs from the seal's; one past the month's end when
    none does: the seal's running sums at every earlier day are the month's running sums now."""
    for day in month_days(month):
        if sealed.get(day, 0) != now.get(day, 0):
            return int(day[8:10])
    return len(month_days(month)) + 1


def codes_of(counters: Sequence[str]) -> list[str]:
    return [CODES[c] for c in (*counters, PRESENT)]


def _sums(item: Mapping[str, int], codes: Sequence[str], days: int) -> array:
    """A member's running sums of one month (``a_05`` …, absent = 0): each code's, day 1 to the month's end."""
    return array("i", (int(item.get(f"{code}_{dd:02d}", 0)) for code in codes for dd in range(1, days + 1)))


def _blob(header: Mapping[str, Any], body: array) -> bytes:
    head = json.dumps(header, separators=(",", ":")).encode()
    return zlib.compress(len(head).to_bytes(4, "little") + head + body.tobytes(), 6)


def pack(
    month: str, counters: Sequence[str], members: Mapping[str, Mapping[str, int]],
    read: Sequence[Mapping[str, Any]] = (), fields: Sequence[str] = (),
) -> list[bytes]:  # fmt: skip
    """The month's members (userid → running sums) and the member-day rows WeCom read (``fields`` of each,
    None where absent) as compressed parts, each under MAX_PART_BYTES; a member's rows go with its sums.
    A part is a JSON header (codes, members, rows read) and the sums as 32-bit integers, member after
    member, code after code, day after day: a reader picks the few it needs by offset, parsing none."""
    codes, days = codes_of(counters), len(month_days(month))
    sums = {u: _sums(members[u], codes, days) for u in members}
    rows: dict[str, list[list[Any]]] = {}
    for r in read:
        rows.setdefault(str(r["userid"]), []).append([int(str(r["day"])[8:10]), *(r.get(f) for f in fields)])
    userids = sorted({*sums, *rows})
    parts = 1
    while True:
        size = -(-len(userids) // parts) if userids else 0
        chunks = [userids[i:i + size] for i in range(0, len(userids), size)] if userids else [[]]
        blobs = []
        for chunk in chunks:
            with_sums = [u for u in chunk if u in sums]
            body = array("i", (v for u in with_sums for v in sums[u]))
            blobs.append(_blob({"codes": codes, "days": days, "members": with_sums, "fields": list(fields),
                                "read": {u: rows[u] for u in chunk if u in rows}}, body))  # fmt: skip
        if all(len(b) <= MAX_PART_BYTES for b in blobs) or size <= 1:
            return blobs
        parts *= 2


def unpack(month: str, blobs: Sequence[bytes], wanted: Sequence[str]) -> tuple[dict[str, dict[str, int]], list[dict[str, Any]]]:
    """userid → the running sums named in ``wanted`` (rollup.running_name) of every member sealed, absent
    where 0 (as an item without the attribute reads); and the member-day rows WeCom read, as sealed."""
    out: dict[str, dict[str, int]] = {}
    read: list[dict[str, Any]] = []
    for blob in blobs:
        raw = zlib.decompress(blob)
        n = int.from_bytes(raw[:4], "little")
        doc: dict[str, Any] = json.loads(raw[4:4 + n])
        body = array("i")
        body.frombytes(raw[4 + n:])
        index, days = {code: i for i, code in enumerate(doc["codes"])}, doc["days"]
        offsets = [(name, index[code] * days + int(dd) - 1) for name in wanted
                   for code, dd in [name.rsplit("_", 1)] if code in index and 1 <= int(dd) <= days]  # fmt: skip
        width = len(index) * days
        for i, userid in enumerate(doc["members"]):
            base = i * width
            out[userid] = {name: v for name, at in offsets if (v := body[base + at])}
        for userid, rows in doc["read"].items():
            read += [{"day": f"{month}-{r[0]:02d}", "userid": userid, **dict(zip(doc["fields"], r[1:], strict=True))}
                     for r in rows]  # fmt: skip
    return out, read


def wanted_days(names: Iterable[str]) -> int:
    """The last day of the month the names read (``a_05`` → 5)."""
    return max((int(n.rsplit("_", 1)[1]) for n in names), default=0)

