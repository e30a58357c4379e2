"""``scrm employees``: the corp's employees as last read from WeCom."""

from __future__ import annotations

import argparse
from typing import Any

from scrm.cli.client import connect
from scrm.cli.common import add_json, print_json, subcommands, table

PAGE = 1000


def cmd_list(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    items: list[dict[str, Any]] = []
    after = ""
    while True:
        page = api.get("/admin/employees", {"cursor": after, "limit": PAGE})
        items.extend(page["items"])
        after = page["next_cursor"]
        if not after:
            break
    if args.json:
        print_json(items)
        return
    if not items:
        print(
            f"corp {args.corp_id} has no stored employees (a full sync reads them: scrm sync start {args.corp_id})"
        )
        return
    rows = [
        (
            e["userid"],
            e.get("name", ""),
            ",".join(str(d) for d in e.get("departments") or []),
            e.get("position", ""),
            e.get("status", ""),
        )
        for e in items
    ]
    print(table(("USERID", "NAME", "DEPARTMENTS", "POSITION", "STATUS"), rows))


def register(sub: Any) -> None:
    emp = sub.add_parser("employees", help="the corp's employees")
    es = subcommands(emp)
    ls = es.add_parser(
        "list",
        help="every stored employee of the corp",
        description="Every stored employee of the corp (read from WeCom by a full sync and kept "
        "up to date by events), by userid.",
    )
    ls.add_argument("corp_id", metavar="CORP")
    add_json(ls)
    ls.set_defaults(func=cmd_list)
