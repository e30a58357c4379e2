"""How live codes are keyed within a corp, and the one way a write to them can lose."""

from __future__ import annotations

CHANNEL = "c"
GROUP = "g"
DEFAULT_WELCOME = "default#welcome"


def sort_key(kind: str, state: str) -> str:
    return f"{kind}#{state}"


class Conflict(Exception):
    """The code changed (or already exists) since the caller read it: re-read and decide again."""
