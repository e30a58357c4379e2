"""How live codes are keyed within a corp, and the one way a write to them can lose."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

CHANNEL = "c"
GROUP = "g"
DEFAULT_WELCOME = "default#welcome"


def sort_key(kind: str, state: str) -> str:
    return f"{kind}#{state}"


class WriteLost(Exception):
    """The code changed (or already exists) since the caller read it: re-read and decide again."""


def retry_on_conflict(attempt: Callable[[], T], otherwise: T, tries: int = 3) -> T:
    """Run ``attempt`` (which re-reads the code) again when another writer got in first; ``otherwise``
    when every try lost."""
    for _ in range(tries):
        try:
            return attempt()
        except WriteLost:
            continue
    return otherwise
