"""What ``scrm transfers`` and ``scrm sends`` share: following a job with ``--wait`` (the read-show-sleep
loop and its progress bar), their flags and argparse types, and the admin API's refusals as one line
naming the field (``error_line``, applied by ``client.connect(..., detailed=True)``).

Both run long jobs through the admin API, so they wait, time out, take Ctrl-C and
report errors the same way; what differs (when a job has gone far enough, what to say when waiting stops)
stays in each command's module.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from scrm.cli.actions import arg
from scrm.cli.common import seconds
from scrm.cli.progress import ProgressBar

T = TypeVar("T")
Progress = dict[str, Any]
Stop = tuple[str, Callable[[Progress], bool]]  # (why waiting stopped, whether a progress says so)
DETAILS_SHOWN = 5  # blocked customers / groups named on the error line; the rest are counted


# errors ----------------------------------------------------------------------------------------------
def error_line(message: str, field: str = "", details: list[Any] | None = None) -> str:
    """An AdminError as one line: the message, the field at fault, and what the 90-day rule blocks."""
    text = " ".join(message.split())
    if field:
        text += f" (field: {field})"
    blocked = [d for d in details or [] if isinstance(d, dict) and d.get("id")]
    if blocked:
        shown = ", ".join(f"{d['id']} frees on {d.get('frees_on')}" for d in blocked[:DETAILS_SHOWN])
        more = f", and {len(blocked) - DETAILS_SHOWN} more" if len(blocked) > DETAILS_SHOWN else ""
        text += f"; blocked: {shown}{more}"
    return text


# following a job -------------------------------------------------------------------------------------
def follow(
    get: Callable[[], Progress],
    show: Callable[[Progress], None],
    stops: Sequence[Stop],
    timeout_s: float | None,
    interval_s: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Progress, str]:
    """Reads and shows the job until the first of ``stops`` holds (its reason), ``timeout_s`` passed
    ("timeout") or Ctrl-C ("interrupted"); returns its last progress and why it stopped. Ctrl-C before
    the first read is raised: there is nothing to report."""
    deadline = None if timeout_s is None else clock() + timeout_s
    last: Progress | None = None
    try:
        while True:
            last = get()
            show(last)
            for why, holds in stops:
                if holds(last):
                    return last, why
            if deadline is not None and clock() >= deadline:
                return last, "timeout"
            sleep(interval_s if deadline is None else max(0.0, min(interval_s, deadline - clock())))
    except KeyboardInterrupt:
        if last is None:
            raise
        return last, "interrupted"


def watch(
    get: Callable[[], Progress],
    render: Callable[[Progress], str],
    measure: Callable[[Progress], tuple[float, Any]],
    stops: Sequence[Stop],
    args: argparse.Namespace,
) -> tuple[Progress, str]:
    """``follow`` with a progress bar on stderr, paced by the ``--timeout`` and ``--interval`` flags; the
    bar's line is ended however waiting stops."""
    shown = ProgressBar(sys.stderr, render=render, measure=measure)
    try:
        return follow(get, shown.update, stops, args.timeout, args.interval)
    finally:
        shown.close()


def stopped(why: str, timeout_s: float | None) -> str:
    """How waiting stopped short, for the message that says so: "interrupted" or "after 30 s"."""
    return "interrupted" if why == "interrupted" else f"after {timeout_s:g} s"


# flags and argparse types ----------------------------------------------------------------------------
CORP = arg("corp", metavar="CORP", help="the CorpID")


def add_wait_flags(
    p: argparse.ArgumentParser,
    *,
    wait_help: str,
    until: tuple[str, ...],
    default: str,
    until_help: str,
    timeout_help: str,
) -> None:
    """``--wait``, ``--until`` (its choices), ``--timeout`` and ``--interval``; the help says what waiting
    means for the job."""
    p.add_argument("--wait", action="store_true", help=wait_help)
    p.add_argument("--until", choices=until, default=default, help=until_help)
    p.add_argument("--timeout", type=seconds, metavar="S", help=timeout_help)
    p.add_argument("--interval", type=seconds, default=1.0, metavar="S",
                   help="with --wait: seconds between progress reads (default: 1)")  # fmt: skip


def limit(text: str) -> int:
    """An argparse type: a page size, 1..200."""
    if not text.isdigit() or not 1 <= int(text) <= 200:
        raise argparse.ArgumentTypeError(f"must be 1..200: {text!r}")
    return int(text)


LIMIT = arg("--limit", type=limit, default=50, help="1..200 (default: 50)")


def split_ids(text: str) -> list[str]:
    """``a, b,,c`` as ``["a", "b", "c"]`` (order and repeats kept)."""
    return [p.strip() for p in text.split(",") if p.strip()]


def ids(text: str) -> list[str]:
    """An argparse type: comma-separated ids, at least one."""
    found = split_ids(text)
    if not found:
        raise argparse.ArgumentTypeError(f"comma-separated ids: {text!r}")
    return found
