"""WeCom's counting rules for handovers, as pure functions: how a job's ids are shared out and cut into
chunks, the new owner's 300 groups in 24 h, and the two transfers in 90 days.

They hold no state of their own: the plan step and the group step pass in what the table holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from scrm.transfers.model import (
    CHUNK,
    DAY_S,
    GROUPS_PER_OWNER_PER_DAY,
    MAX_PER_90_DAYS,
    WINDOW_90_DAYS_S,
)


def split(ids: Sequence[str], takers: Sequence[str]) -> dict[str, list[str]]:
    """An even split, in turn (counts differ by at most one); one taker takes all."""
    out: dict[str, list[str]] = {t: [] for t in takers}
    for i, ext in enumerate(ids):
        out[takers[i % len(takers)]].append(ext)
    return out


def chunked(ids: Sequence[str], size: int = CHUNK) -> list[list[str]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def next_taker(takers: Sequence[str], tried: Sequence[str]) -> str | None:
    for t in takers:
        if t not in tried:
            return t
    return None



# --- groups: the new owner's daily allowance -----------------------------------------------------------
def allowance(taken: Sequence[Sequence[int]], now: int) -> tuple[int, int]:
    """(groups the owner may still take now, when the oldest of the last 24 h frees up) from the
    ``[time, count]`` takes of the last 24 h."""
    recent = [(int(t), int(n)) for t, n in taken if now - int(t) < DAY_S]
    left = GROUPS_PER_OWNER_PER_DAY - sum(n for _, n in recent)
    frees = min((t for t, _ in recent), default=now) + DAY_S
    return max(0, left), frees


def prune(taken: Sequence[Sequence[int]], now: int) -> list[list[int]]:
    return [[int(t), int(n)] for t, n in taken if now - int(t) < DAY_S]


# --- the 90-day rule ---------------------------------------------------------------------------------
def frees_at(transfer_times: Iterable[int], now: int) -> int | None:
    """None if one more transfer is allowed now, else when it will be (the oldest counted + 90 days)."""
    recent = sorted(t for t in transfer_times if now - t < WINDOW_90_DAYS_S)
    if len(recent) < MAX_PER_90_DAYS:
        return None
    return recent[-MAX_PER_90_DAYS] + WINDOW_90_DAYS_S
