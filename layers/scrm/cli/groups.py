"""``scrm groups``: a customer group as stored with its members, and the SCRM's own labels on it (group
SOPs target them)."""

from __future__ import annotations

import argparse
from typing import Any

from scrm.cli.actions import CORP_ID, action, area, arg
from scrm.cli.client import connect
from scrm.cli.common import day, print_json, show_list, table

PAGE = 200  # GET /admin/groups' largest page


def _print(group: dict[str, Any]) -> None:
    print(f"{group['chat_id']}  {group.get('name', '')}")
    print(f"owner: {group.get('owner', '')}  status: {group.get('status', 'active')}  "
          f"members: {group.get('member_count', 0)}  created: {day(group.get('create_time'))}")  # fmt: skip
    print(f"labels: {', '.join(group['tags']) or '(none)'}")
    members = group.get("members") or []
    if members:
        print()
        print(members_table(members))


def members_table(members: list[dict[str, Any]]) -> str:
    """One row per member as stored (those who left too, with the day that was seen); the join scene is
    WeCom's number (1 invited directly, 2 by link, 3 by QR code)."""
    return table(("MEMBER", "TYPE", "STATUS", "JOINED", "SCENE", "INVITOR", "NICKNAME", "NAME"),
                 [(m["member_id"], m.get("type"), m.get("status", "member")
                   + (f" {day(m['left_seen_ms'] / 1000)}" if m.get("left_seen_ms") else ""),
                   day(m.get("join_time")), m.get("join_scene"), m.get("invitor"), m.get("group_nickname"),
                   m.get("name")) for m in members])  # fmt: skip


def cmd_list(args: argparse.Namespace) -> None:
    """The corp's customer groups as stored (every page read), by owner then creation time: chat_id, name,
    owner, member count, status and the SCRM's labels. --owner keeps one member's groups, --name those
    whose name contains the text."""
    params: dict[str, Any] = {"limit": PAGE, **({"owner": args.owner} if args.owner else {}),
                              **({"name": args.name} if args.name else {})}  # fmt: skip
    groups = [g for page in connect(args, args.corp_id).pages("/admin/groups", params) for g in page.get("items") or []]
    show_list(args.json, groups, f"corp {args.corp_id} has no stored customer groups"
              + (f" owned by {args.owner}" if args.owner else "") + (f" named like {args.name!r}" if args.name else "")
              + f" (a full sync reads them: scrm sync start {args.corp_id})",
              lambda gs: table(("CHAT_ID", "NAME", "OWNER", "MEMBERS", "STATUS", "CREATED", "LABELS"),
                               [(g["chat_id"], g.get("name", ""), g.get("owner", ""), g.get("member_count", 0),
                                 g.get("status", ""), day(g.get("create_time")), ",".join(g.get("tags") or []))
                                for g in gs]))  # fmt: skip


def cmd_show(args: argparse.Namespace) -> None:
    """One customer group as the last sync and the group events left it (name, owner, status, member
    count, creation day), with the labels admins gave it, then its members (type, member or left, join day
    and scene, invitor, nickname in the group, name)."""
    group = connect(args, args.corp_id).get(f"/admin/groups/{args.chat_id}")
    if args.json:
        print_json(group)
        return
    _print(group)


def cmd_tag(args: argparse.Namespace) -> None:
    """Replace the SCRM's own labels on a customer group (WeCom keeps no group tags): at most 20, each
    1..30 characters, trimmed and de-duplicated. --tags '' clears them. A group SOP reaches the groups
    carrying one of its targets.tags_any labels."""
    api = connect(args, args.corp_id)
    labels = args.tags.split(",") if args.tags else []
    group = api.put(f"/admin/groups/{args.chat_id}/tags", {"tags": labels})
    if args.json:
        print_json(group)
        return
    print(f"{group['chat_id']} labels: {', '.join(group['tags']) or '(none)'}")


CHAT_ID = arg("chat_id", metavar="CHAT_ID")


def register(sub: Any) -> None:
    gs = area(sub, "groups", "customer groups and their labels")
    action(gs, "list", cmd_list, "the corp's customer groups as stored, with their labels", CORP_ID,
           arg("--owner", metavar="USERID", help="only the groups this member owns"),
           arg("--name", metavar="TEXT", help="only the groups whose name contains TEXT (at most 50 characters)"))  # fmt: skip
    action(gs, "show", cmd_show, "one customer group as stored, with its members and labels", CORP_ID, CHAT_ID)  # fmt: skip
    action(gs, "tag", cmd_tag, "replace a group's labels (group SOPs target them)", CORP_ID, CHAT_ID,
           arg("--tags", required=True, metavar="T1,T2", help="the labels, comma-separated ('' clears)"))  # fmt: skip
