"""What one follow relation contributes to the customer statistics, as a pure function of its facts.

A fact is one event of the relation that matters to the counters: an add (full or half), a loss (by the
customer or by the employee) or an end that is not a loss (a transfer). The counters are the sum, over
relations, of ``contributions(facts)``. The adapter stores each relation's facts and the contributions
it last applied; a new fact moves the rows by ``after - before`` in the same transaction that stores the
fact. So:

- a duplicate (the same fact again, whatever its event id) finds its fact stored and changes nothing;
- the result depends on the *set* of facts, not on their arrival order: a loss delivered before its add
  counts the loss at once and its cohort (lost within 7 / 30 days) when the add arrives.

Episodes: a relation's history is a sequence of episodes, each opened by the first add after the previous
episode ended. Only that opening add counts (a half add followed by the full add is one new customer); only
the first loss of an episode counts (a customer who deleted the employee, then the employee deleting the
one-way contact, is one loss). A loss with no known add before it (a relation older than our facts) counts
as a loss, without a cohort. Within one second an ending sorts after a start (as kernel.versions ranks them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from scrm.kernel.china_time import local_day

ADD, LOSS, END = "add", "loss", "end"
KINDS = (ADD, LOSS, END)
COHORT_DAYS = (7, 30)
DAY_S = 86400

Contributions = dict[str, dict[str, int]]  # China day → counter → amount


@dataclass(frozen=True, order=True)
class Fact:
    """``at`` is the event's CreateTime (seconds); ``by`` is customer or employee for a loss."""

    at: int
    kind: str
    by: str = ""
    half: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fact kind {self.kind!r}")
        if self.kind == LOSS and self.by not in ("customer", "employee"):
            raise ValueError(f"a loss is by customer or employee, not {self.by!r}")

    @property
    def key(self) -> str:
        """The fact's identity within its relation: the same event resent maps to the same key (two losses
        in one second, one by each side, are two facts)."""
        return f"{self.kind}#{self.at:010d}" + (f"#{self.by}" if self.kind == LOSS else "")


def day_of(at: int) -> str:
    return local_day(datetime.fromtimestamp(at, UTC))


def _order(f: Fact) -> tuple[int, int, str]:
    return (f.at, 0 if f.kind == ADD else 1, f.by)


def _bump(out: Contributions, day: str, counter: str) -> None:
    row = out.setdefault(day, {})
    row[counter] = row.get(counter, 0) + 1


def contributions(facts: Iterable[Fact]) -> Contributions:
    """Counters this relation adds to its employee's rows, by China day."""
    out: Contributions = {}
    opened: Fact | None = None  # the add that opened the current (or last) episode
    is_open = False
    history_ended = False  # a loss or an end before any add we know: the relation predates our facts
    for f in sorted(set(facts), key=_order):
        if f.kind == ADD:
            if not is_open:
                opened, is_open = f, True
                _bump(out, day_of(f.at), "adds")
        elif is_open:
            is_open = False
            if f.kind == LOSS and opened is not None:
                _bump(out, day_of(f.at), f"lost_by_{f.by}")
                for n in COHORT_DAYS:
                    if f.at - opened.at < n * DAY_S:
                        _bump(out, day_of(opened.at), f"lost_in_{n}")
        elif opened is None and not history_ended:
            history_ended = True
            if f.kind == LOSS:  # its first loss counts, without a cohort (we never saw the add)
                _bump(out, day_of(f.at), f"lost_by_{f.by}")
    return out


def delta(before: Mapping[str, Mapping[str, int]], after: Mapping[str, Mapping[str, int]]) -> Contributions:
    """``after - before`` per day and counter, without zeros: what a transaction must add to the rows."""
    out: Contributions = {}
    for day in sorted(set(before) | set(after)):
        counters = set(before.get(day, {})) | set(after.get(day, {}))
        moves = {c: after.get(day, {}).get(c, 0) - before.get(day, {}).get(c, 0) for c in sorted(counters)}
        moves = {c: v for c, v in moves.items() if v}
        if moves:
            out[day] = moves
    return out
