"""The progress bar of ``scrm sync start --wait``: one updating line on a terminal, else a line per step.

Pure rendering and pacing (no clock, no I/O but the stream it is given), so that it is tested alone.
"""

from __future__ import annotations

import math
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

    def __init__(self, stream: TextIO, tty: bool | None = None, step: float = 5.0) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.step = step
        self._last = ""
        self._bucket: int | None = None
        self._state: str | None = None
        self._open = False  # a TTY line without its newline yet

    def update(self, p: dict[str, Any]) -> None:
        text = line(p)
        if self.tty:
            if text != self._last:
                pad = " " * max(0, len(self._last) - len(text))
                self.stream.write("\r" + text + pad)
                self.stream.flush()
                self._open = True
        else:
            bucket = math.floor(float(p.get("percent") or 0) / self.step)
            if bucket != self._bucket or p.get("state") != self._state:
                self.stream.write(text + "\n")
                self.stream.flush()
            self._bucket = bucket
        self._state = p.get("state")
        self._last = text

    def close(self) -> None:
        """Ends the TTY line (also when waiting is interrupted), so that what follows starts on its own."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
