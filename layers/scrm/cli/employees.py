"""``scrm employees``: the corp's employees as last read from WeCom."""

from __future__ import annotations

import argparse
from typing import Any

from scrm.cli.actions import CORP_ID, action, area
from scrm.cli.client import connect
from scrm.cli.common import show_list, table

PAGE = 1000


def cmd_list(args: argparse.Namespace) -> None:
    """Every stored employee of the corp (read from WeCom by a full sync and kept up to date by events),
    by userid."""
    items = connect(args, args.corp_id).every("/admin/employees", PAGE)
    show_list(
        args.json,
        items,
        f"corp {args.corp_id} has no stored employees (a full sync reads them: scrm sync start {args.corp_id})",
        lambda es: table(("USERID", "NAME", "DEPARTMENTS", "POSITION", "STATUS"), [_row(e) for e in es]),
    )


def _row(e: dict[str, Any]) -> tuple[str, ...]:
    departments = ",".join(str(d) for d in e.get("departments") or [])
    return e["userid"], e.get("name", ""), departments, e.get("position", ""), e.get("status", "")


def register(sub: Any) -> None:
    action(area(sub, "employees", "the corp's employees"), "list", cmd_list, "every stored employee of the corp", CORP_ID)  # fmt: skip
