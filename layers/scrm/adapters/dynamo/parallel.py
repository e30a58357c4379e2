"""Bulk writes split across threads: a BatchWriteItem carries 25 items, so 26,000 rows are 1,040 round trips,
too many one after another inside a Lambda's time. Shared by the repositories that write thousands of items
in one call (a mass-send part's pointers, a moment's member rows)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def write_in_parts(items: Sequence[T], per_part: int, threads: int, write: Callable[[Sequence[T]], None]) -> None:
    """``write`` each run of ``per_part`` items, ``threads`` at a time; one part is written on this thread."""
    parts = [items[i : i + per_part] for i in range(0, len(items), per_part)]
    if len(parts) <= 1:
        for part in parts:
            write(part)
        return
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(write, parts))
