"""The progress bar of ``--wait`` (sync, transfers, sends): rich's live bar on a terminal, else a plain
line per 5 % step, which logs, CI jobs and tests read (``[#####-----]  42.0%  state …``).

No clock and no I/O but the stream it is given, so that it is tested alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, TextIO

WIDTH = 30
BAR = re.compile(r"^\[[#-]*\]\s*\d+(\.\d+)?%\s*")  # our text bar and percentage, which rich draws itself on a TTY


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
    """Shows successive progress dicts. On a TTY a rich bar with the job's line beside it; elsewhere a new
    line when the percentage crosses a ``step`` boundary or the stage changes."""

    def __init__(
        self,
        stream: TextIO,
        tty: bool | None = None,
        step: float = 5.0,
        render: Callable[[dict[str, Any]], str] | None = None,
        measure: Callable[[dict[str, Any]], tuple[float, Any]] | None = None,
    ) -> None:
        """``render`` and ``measure`` (the percentage and the stage a new log line is due on) default to a
        sync job's; other jobs (transfers, sends) give theirs."""
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.step = step
        self.render = render or line
        self.measure = measure or (lambda p: (float(p.get("percent") or 0), p.get("state")))
        self._bucket: int | None = None
        self._state: Any = None
        self._live: Any = None  # rich's Progress and its task, once a TTY bar is shown

    def update(self, p: dict[str, Any]) -> None:
        text = self.render(p)
        percent, stage = self.measure(p)
        if self.tty:
            self._show_live(BAR.sub("", text, count=1), percent)
        else:
            bucket = math.floor(percent / self.step)
            if bucket != self._bucket or stage != self._state:
                self.stream.write(text + "\n")
                self.stream.flush()
            self._bucket = bucket
        self._state = stage

    def _show_live(self, text: str, percent: float) -> None:
        from rich.console import Console
        from rich.markup import escape
        from rich.progress import BarColumn, Progress, TextColumn

        if self._live is None:
            bar_ = Progress(BarColumn(bar_width=WIDTH), TextColumn("{task.percentage:5.1f}%"),
                            TextColumn("{task.description}"), console=Console(file=self.stream))  # fmt: skip
            bar_.start()
            self._live = (bar_, bar_.add_task("", total=100))
        bar_, task = self._live
        bar_.update(task, completed=max(0.0, min(100.0, percent)), description=escape(text))

    def close(self) -> None:
        """Ends the TTY bar (also when waiting is interrupted), so that what follows starts on its own line."""
        if self._live is not None:
            self._live[0].stop()
            self._live = None
