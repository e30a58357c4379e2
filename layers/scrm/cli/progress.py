"""The progress bar of ``scrm sync start --wait``: one updating line on a terminal, else a line per step.

Pure rendering and pacing (no clock, no I/O but the stream it is given), so that it is tested alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TextIO

WIDTH = 30


def bar(percent: float, width: int = WIDTH) -> str:
    """``[#######-------]``: full only at 100 %, so 99.6 % does not look finished."""
    p = max(0.0, min(100.0, float(percent)))
    filled = width if p >= 100 else min(width - 1, math.floor(width * p / 100))
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def line(p: dict[str, Any], width: int = WIDTH) -> str:
    """One line of a job's progress (a ``full_sync.progress`` dict)."""
    percent = float(p.get("percent") or 0)
    groups = f"groups {p.get('groups') or 0}/{p.get('groups_listed') or 0}"
    return (
        f"{bar(percent, width)} {percent:5.1f}%  {p.get('state', '?')}  employees {p.get('employees') or 0}  "
        f"relations {p.get('relations') or 0}  {groups}  WeCom calls {p.get('wecom_calls') or 0}"
    )


class ProgressBar:
    """Shows successive progress dicts. On a TTY it rewrites one line (``\\r``); elsewhere (a log, a CI
    job) it writes a new line when the percentage crosses a ``step`` boundary or the state changes."""

    def __init__(
        self,
        stream: TextIO,
        tty: bool | None = None,
        step: float = 5.0,
        render: Callable[[dict[str, Any]], str] | None = None,
        measure: Callable[[dict[str, Any]], tuple[float, Any]] | None = None,
    ) -> None:
        """``render`` and ``measure`` (the percentage and the stage a new log line is due on) default to a
        sync job's; other jobs (transfers) give theirs."""
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.step = step
        self.render = render or line
        self.measure = measure or (lambda p: (float(p.get("percent") or 0), p.get("state")))
        self._last = ""
        self._bucket: int | None = None
        self._state: Any = None
        self._open = False  # a TTY line without its newline yet

    def update(self, p: dict[str, Any]) -> None:
        text = self.render(p)
        percent, stage = self.measure(p)
        if self.tty:
            if text != self._last:
                pad = " " * max(0, len(self._last) - len(text))
                self.stream.write("\r" + text + pad)
                self.stream.flush()
                self._open = True
        else:
            bucket = math.floor(percent / self.step)
            if bucket != self._bucket or stage != self._state:
                self.stream.write(text + "\n")
                self.stream.flush()
            self._bucket = bucket
        self._state = stage
        self._last = text

    def close(self) -> None:
        """Ends the TTY line (also when waiting is interrupted), so that what follows starts on its own."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
