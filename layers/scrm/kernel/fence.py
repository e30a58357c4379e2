"""The fenced, versioned write shared by aggregates that call WeCom under a mark (transfer chunks today;
mass-send parts can use the same).

An aggregate carries its item's ``version``; the repository writes it only at that version (and moves it
on). ``write`` applies a change and, on a conflict, re-reads and applies the same change again, so an
answer from WeCom is never dropped because another writer got in first. ``mark`` writes a fence
transition (such as "a call begins") once, without retrying: losing that race means another worker
holds the aggregate, and the caller stands back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

A = TypeVar("A")
R = TypeVar("R")


class Vanished(RuntimeError):
    """The aggregate was deleted while it was being written (nothing to apply the change to)."""


class Contended(RuntimeError):
    """Every one of the write's ``tries`` lost to another writer (only when a number of tries was given)."""


class VersionedWrite(Generic[A]):
    def __init__(self, save: Callable[[A], bool], reload: Callable[[A], A | None], tries: int = 0) -> None:
        self.save = save  # write at the aggregate's version (and move it on); False if another writer won
        self.reload = reload  # the stored aggregate now, None if gone
        self.tries = tries  # 0: until it lands; else give up (Contended) after this many lost writes

    def write(self, aggregate: A, change: Callable[[A], R]) -> R:
        """Apply ``change`` and write; on a version conflict re-read and apply it again. The caller's object
        ends up as stored; the answer is the last application's outcome."""
        current = aggregate
        lost = 0
        while True:
            outcome = change(current)
            if self.save(current):
                if current is not aggregate:
                    aggregate.__dict__.update(current.__dict__)
                return outcome
            lost += 1
            if self.tries and lost >= self.tries:
                raise Contended(f"{aggregate!r:.120} kept changing: {lost} writes lost")
            fresh = self.reload(aggregate)
            if fresh is None:
                raise Vanished(f"{aggregate!r:.120} vanished while being written")
            current = fresh

    def mark(self, aggregate: A, transition: Callable[[A], R | None]) -> R | None:
        """Apply a fence transition and write it once: None if the transition refuses or the write loses."""
        outcome = transition(aggregate)
        if outcome is None or not self.save(aggregate):
            return None
        return outcome
