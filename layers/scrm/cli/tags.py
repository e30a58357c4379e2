"""``scrm tags``: the corp's tag library (groups of tags), kept in WeCom first and then here."""

from __future__ import annotations

import argparse
from typing import Any

from scrm.cli.client import connect
from scrm.cli.common import add_json, print_json, subcommands, table


def cmd_list(args: argparse.Namespace) -> None:
    groups = connect(args, args.corp_id).get("/admin/tags")["groups"]
    if args.json:
        print_json(groups)
        return
    if not groups:
        print(f"corp {args.corp_id} has no tags (a full sync reads them: scrm sync start {args.corp_id})")
        return
    rows: list[tuple[str, str, str]] = []
    for g in groups:
        rows.append((g["group_id"], g["name"], "group"))
        rows.extend((f"  {t['tag_id']}", f"  {t['name']}", "tag") for t in g["tags"])
    print(table(("ID", "NAME", "KIND"), rows))


def cmd_create(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    body: dict[str, Any] = {"tags": args.tags}
    body["group_id" if args.group_id else "group_name"] = args.group_id or args.group_name
    if args.order is not None:
        body["order"] = args.order
    created = api.post("/admin/tags", body)
    if args.json:
        print_json(created)
        return
    print(f"group {created['group_id']}:")
    print(table(("TAG_ID", "NAME"), list(zip(created["tag_ids"], args.tags, strict=False))))


def cmd_rename(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    body: dict[str, Any] = {"name": args.name}
    if args.order is not None:
        body["order"] = args.order
    api.put(f"/admin/tags/{args.id}", body)
    print(f"renamed {args.id} to {args.name}")


def cmd_delete(args: argparse.Namespace) -> None:
    connect(args, args.corp_id).delete(f"/admin/tags/{args.id}")
    print(f"deleted {args.id}")


def _order(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError("must be in [0, 2^32)")
    return value


def register(sub: Any) -> None:
    tags = sub.add_parser("tags", help="the corp's tag library: list, create, rename, delete")
    ts = subcommands(tags)
    ls = ts.add_parser(
        "list",
        help="tag groups and their tags, with ids",
        description="The corp's tag groups and their tags, in WeCom's order, as last read from "
        "WeCom (a full sync or a tag edit reads them).",
    )
    ls.add_argument("corp_id", metavar="CORP")
    add_json(ls)
    ls.set_defaults(func=cmd_list)
    create = ts.add_parser(
        "create",
        help="create tags in an existing group (--group-id) or a new one (--group-name)",
        description="Create tags in WeCom, then store the group as WeCom reads it back. --group-name names a "
        "group (WeCom creates it if the corp has none of that name); --group-id adds to an existing group.",
    )
    create.add_argument("corp_id", metavar="CORP")
    which = create.add_mutually_exclusive_group(required=True)
    which.add_argument("--group-name", metavar="G", help="the group's name")
    which.add_argument("--group-id", metavar="ID", help="an existing group's id")
    create.add_argument("tags", metavar="TAG", nargs="+", help="names of the tags to create (≤30 characters)")
    create.add_argument("--order", type=_order, help="sort weight (larger first)")
    add_json(create)
    create.set_defaults(func=cmd_create)
    rn = ts.add_parser(
        "rename",
        help="rename a tag or a group",
        description="Rename a tag or a tag group (by id) in WeCom, then here.",
    )
    rn.add_argument("corp_id", metavar="CORP")
    rn.add_argument("id", metavar="ID", help="a tag id or a group id")
    rn.add_argument("name", metavar="NAME", help="the new name (≤30 characters)")
    rn.add_argument("--order", type=_order, help="also set the sort weight (larger first)")
    rn.set_defaults(func=cmd_rename)
    rm = ts.add_parser(
        "delete",
        help="delete a tag or a whole group",
        description="Delete a tag, or a group with all its tags, in WeCom, then here. WeCom drops "
        "a group with its last tag.",
    )
    rm.add_argument("corp_id", metavar="CORP")
    rm.add_argument("id", metavar="ID", help="a tag id or a group id")
    rm.set_defaults(func=cmd_delete)
