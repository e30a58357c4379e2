"""The local stack's JSON log lines, read back by tests (not a test module).

The app server answers requests on threads, and two of them may write to app.log at once: a metrics record
(Powertools' EMF, printed) and a log record can land on one line, one after the other ("{…}{…}\\n\\n"). On Lambda
an invocation has its own stream; here every whole JSON object on a line is one record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

_DECODER = json.JSONDecoder()


def records(text: str) -> Iterator[dict[str, Any]]:
    """Every JSON object in ``text``, in order; anything else on a line (werkzeug's access lines) is skipped."""
    for line in text.splitlines():
        at = line.find("{")
        while at != -1:
            try:
                found, end = _DECODER.raw_decode(line, at)
            except json.JSONDecodeError:
                break
            if isinstance(found, dict):
                yield found
            at = line.find("{", end)


def log_records(folder: Path, names: Iterable[str] = ("app.log",)) -> list[dict[str, Any]]:
    text = "".join((folder / name).read_text(encoding="utf-8", errors="replace") for name in names)
    return list(records(text))
