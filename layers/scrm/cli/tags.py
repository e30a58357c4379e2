"""``scrm tags``: the corp's tag library (groups of tags), kept in WeCom first and then here."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from scrm.cli.actions import CORP_ID, action, area, arg
from scrm.cli.client import connect
from scrm.cli.common import print_json, show_list, table


def cmd_list(args: argparse.Namespace) -> None:
    """The corp's tag groups and their tags, in WeCom's order, as last read from WeCom (a full sync or a
    tag edit reads them)."""
    groups = connect(args, args.corp_id).get("/admin/tags")["groups"]
    show_list(args.json, groups, f"corp {args.corp_id} has no tags (a full sync reads them: scrm sync start "
              f"{args.corp_id})", _table)  # fmt: skip


def _table(groups: Sequence[dict[str, Any]]) -> str:
    rows: list[tuple[str, str, str]] = []
    for g in groups:
        rows.append((g["group_id"], g["name"], "group"))
        rows.extend((f"  {t['tag_id']}", f"  {t['name']}", "tag") for t in g["tags"])
    return table(("ID", "NAME", "KIND"), rows)


def cmd_create(args: argparse.Namespace) -> None:
    """Create tags in WeCom, then store the group as WeCom reads it back. --group-name names a group
    (WeCom creates it if the corp has none of that name); --group-id adds to an existing group."""
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
    """Rename a tag or a tag group (by id) in WeCom, then here."""
    api = connect(args, args.corp_id)
    body: dict[str, Any] = {"name": args.name}
    if args.order is not None:
        body["order"] = args.order
    api.put(f"/admin/tags/{args.id}", body)
    print(f"renamed {args.id} to {args.name}")


def cmd_delete(args: argparse.Namespace) -> None:
    """Delete a tag, or a group with all its tags, in WeCom, then here. WeCom drops a group with its last
    tag."""
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


def _group(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--group-name", metavar="G", help="the group's name")
    which.add_argument("--group-id", metavar="ID", help="an existing group's id")


TAG_OR_GROUP = arg("id", metavar="ID", help="a tag id or a group id")


def register(sub: Any) -> None:
    ts = area(sub, "tags", "the corp's tag library: list, create, rename, delete")
    action(ts, "list", cmd_list, "tag groups and their tags, with ids", CORP_ID)  # fmt: skip
    action(ts, "create", cmd_create, "create tags in an existing group (--group-id) or a new one (--group-name)",
           CORP_ID, _group, arg("tags", metavar="TAG", nargs="+", help="names of the tags to create (≤30 characters)"),
           arg("--order", type=_order, help="sort weight (larger first)"))  # fmt: skip
    action(ts, "rename", cmd_rename, "rename a tag or a group", CORP_ID, TAG_OR_GROUP,
           arg("name", metavar="NAME", help="the new name (≤30 characters)"),
           arg("--order", type=_order, help="also set the sort weight (larger first)"), json=False)  # fmt: skip
    action(ts, "delete", cmd_delete, "delete a tag or a whole group",
           CORP_ID, TAG_OR_GROUP, json=False)  # fmt: skip
