"""What every ``scrm`` command shares: the one-line-error parser, the error type, output helpers and the
corp check."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

EXIT_USAGE = 2
EXIT_FAIL = 1

T = TypeVar("T")


class CliError(Exception):
    """A failure to report as one line."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage + message; we keep it to one line
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def subcommands(parser: argparse.ArgumentParser) -> Any:
    """The actions of an area (``scrm keys create``, …): each one a ``Parser``, one of them required."""
    return parser.add_subparsers(dest="action", required=True, parser_class=Parser)


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def show_list(
    as_json: bool, items: Sequence[T], empty: str, render: Callable[[Sequence[T]], str], json_value: Any = None
) -> None:
    """What a list command prints: JSON (the items, unless ``json_value`` is given), ``empty`` when there
    are none, else ``render(items)`` (its table)."""
    if as_json:
        print_json(items if json_value is None else json_value)
    elif not items:
        print(empty)
    else:
        print(render(items))


def warn(message: str) -> None:
    """A note on stderr that is not a failure (the exit code stays 0)."""
    print(f"scrm: warning: {message}", file=sys.stderr)


def require_corp(corp_id: str) -> None:
    """Every corp command first checks that the corp is registered with us."""
    from scrm import bootstrap
    from scrm.adapters.corp_registry import CorpNotFound

    try:
        bootstrap.corp_registry().get(corp_id)
    except CorpNotFound:
        raise CliError(f"no corp {corp_id}") from None


def day(seconds: int | float | None) -> str:
    """Unix seconds as a UTC date; '' for none."""
    if not seconds:
        return ""
    return datetime.fromtimestamp(float(seconds), UTC).strftime("%Y-%m-%d")


def moment(ms: int | float | None) -> str:
    """Epoch milliseconds as UTC time to the second; '' for none."""
    if not ms:
        return ""
    return datetime.fromtimestamp(float(ms) / 1000, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def text_width(text: str) -> int:
    """Columns a terminal gives ``text``: Chinese characters take two."""
    from rich.cells import cell_len

    return cell_len(text)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Left-aligned columns, two spaces apart, aligned for wide characters too (rich measures them).
    Rendered as plain text at any width, so a pipe, a test or a narrow terminal gets every cell whole."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    grid = Table(box=None, pad_edge=False, show_edge=False, header_style="", padding=(0, 1))
    for h in headers:
        grid.add_column(Text(str(h)), no_wrap=True, overflow="ignore")
    for r in rows:
        grid.add_row(*(Text("" if v is None else str(v)) for v in r))
    console = Console(file=io.StringIO(), width=100_000, color_system=None, highlight=False, emoji=False)
    with console.capture() as captured:
        console.print(grid)
    return "\n".join(line.rstrip() for line in captured.get().splitlines())


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def seconds(text: str) -> float:
    """An argparse type: a positive number of seconds (``--timeout``, ``--interval``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value
