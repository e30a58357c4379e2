"""``scrm codes`` and ``scrm group-codes``: channel live codes, group live codes, their statistics and the
corp's default welcome. The same service as the admin API: WeCom first, then stored; bad input is one line
naming the field. Schedules and attachments are easiest as JSON (``--from-file``, the API's body)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from scrm.cli.actions import CORP_ID, action, area, arg
from scrm.cli.client import connect
from scrm.cli.common import (
    CliError,
    add_json,
    moment,
    positive_int,
    print_json,
    show_list,
    table,
)


def _csv_list(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _body(args: argparse.Namespace, flags: dict[str, str]) -> dict[str, Any]:
    """The request body: the file's JSON (if any), then each flag given on the command line over it."""
    body: dict[str, Any] = {}
    if getattr(args, "from_file", None):
        try:
            with open(args.from_file, encoding="utf-8") as f:
                body = json.load(f)
        except json.JSONDecodeError as exc:
            raise CliError(f"{args.from_file} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
        if not isinstance(body, dict):
            raise CliError(f"{args.from_file} must hold a JSON object")
    for attr, key in flags.items():
        value = getattr(args, attr, None)
        if value is not None:
            body[key] = value
    if getattr(args, "welcome_text", None) is not None:
        body["welcome"] = {**(body.get("welcome") or {}), "text": args.welcome_text}
    return body


CHANNEL_FLAGS = {
    "name": "name", "group": "group", "state": "state", "mode": "mode", "staff": "staff", "backup": "backup",
    "daily_cap": "daily_cap", "skip_verify": "skip_verify", "tags": "tags", "remark_template": "remark_template",
    "description_template": "description_template",
}
GROUP_FLAGS = {"name": "name", "state": "state", "chats": "chat_ids", "threshold": "threshold",
               "auto_create_room": "auto_create_room", "room_base_name": "room_base_name"}


def _show_code(code: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(code)
        return
    print(f"{code.get('code_id') or code.get('state')}  {code.get('name')}  ({code.get('status')})")
    print(f"  qr_code:  {code.get('qr_code')}")
    print(f"  config_id: {code.get('config_id')}")
    for key in ("group", "staff", "current_staff", "backup", "daily_cap", "tags", "remark_template",
                "chat_ids", "active_chats", "full_chats", "threshold"):
        if code.get(key) not in (None, "", []):
            value = code[key]
            print(f"  {key}: {', '.join(value) if isinstance(value, list) else value}")
    for i, slot in enumerate(code.get("schedule") or []):
        print(f"  schedule[{i}]: days {slot['days']} {slot['start']}-{slot['end']} → {', '.join(slot['staff'])}")
    if code.get("welcome"):
        print(f"  welcome: {code['welcome'].get('text', '')!r} + {len(code['welcome'].get('attachments') or [])} attachment(s)")


# channel codes ----------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> None:
    """Channel codes, by group and name."""
    api = connect(args, args.corp_id)
    params = {"group": args.group, "q": args.q, "status": args.status}
    result = api.get("/admin/channel-codes", {k: v for k, v in params.items() if v is not None})
    show_list(args.json, result["items"], f"corp {args.corp_id} has no channel codes"
              f"{' matching' if args.q or args.group else ''}", _channel_table, result)  # fmt: skip


def _channel_table(codes: Sequence[dict[str, Any]]) -> str:
    rows = [(c["code_id"], c.get("group", ""), c["name"], ",".join(c.get("current_staff") or []), c["status"],
             moment(c.get("created_at_ms"))) for c in codes]  # fmt: skip
    return table(("CODE", "GROUP", "NAME", "STAFF NOW", "STATUS", "CREATED"), rows)


def cmd_create(args: argparse.Namespace) -> None:
    """Create a channel code: WeCom's contact way first, then our record. Staff and tags are checked
    against the corp's synced employees and tags."""
    api = connect(args, args.corp_id)
    code = api.post("/admin/channel-codes", _body(args, CHANNEL_FLAGS))
    _show_code(code, args.json)


class _Code:
    """``update``, ``show`` and ``delete`` of one kind of code, which differ only in the API's path, the
    flags the body takes and what a deletion leaves behind."""

    def __init__(self, path: str, flags: dict[str, str], deleted: str) -> None:
        self.path, self.flags, self.deleted = path, flags, deleted

    def update(self, args: argparse.Namespace) -> None:
        api = connect(args, args.corp_id)
        body = _body(args, self.flags)
        if not body:
            raise CliError("nothing to change: give a flag or --from-file")
        _show_code(api.put(f"{self.path}/{args.code_id}", body), args.json)

    def show(self, args: argparse.Namespace) -> None:
        _show_code(connect(args, args.corp_id).get(f"{self.path}/{args.code_id}"), args.json)

    def delete(self, args: argparse.Namespace) -> None:
        connect(args, args.corp_id).delete(f"{self.path}/{args.code_id}")
        print(f"deleted {args.code_id}{self.deleted}")


CHANNEL = _Code("/admin/channel-codes", CHANNEL_FLAGS, " (its statistics stay readable)")
GROUP = _Code("/admin/group-codes", GROUP_FLAGS, "")


def cmd_stats(args: argparse.Namespace) -> None:
    """A code's statistics over China days (default: the last 30)."""
    api = connect(args, args.corp_id)
    params = {"from": args.date_from, "to": args.date_to}
    if args.csv:
        params.update({"format": "csv", "table": args.csv})
    result = api.get(f"/admin/channel-codes/{args.code_id}/stats", {k: v for k, v in params.items() if v})
    if isinstance(result, str):
        sys.stdout.write(result.lstrip("\ufeff"))
        return
    if args.json:
        print_json(result)
        return
    t = result["totals"]
    print(f"{args.code_id}  {result['from']} .. {result['to']}: adds {t['adds']}, lost {t['lost']} "
          f"(by customer {t['lost_by_customer']}, by employee {t['lost_by_employee']}), net {t['net']}, "
          f"welcomes missed {t['welcomes_missed']}")
    cols = ("adds", "lost_by_customer", "lost_by_employee", "net")
    if result["by_day"]:
        print(table(("DAY", *(c.upper() for c in cols)), [(d["day"], *(d[c] for c in cols)) for d in result["by_day"]]))
        print()
        print(table(("MEMBER", *(c.upper() for c in cols)), [(d["userid"], *(d[c] for c in cols)) for d in result["by_staff"]]))


def cmd_welcome_default(args: argparse.Namespace) -> None:
    """The welcome for adds without a state (or with an unknown one)."""
    api = connect(args, args.corp_id)
    if args.clear or args.text is not None or args.from_file:
        welcome = None if args.clear else (_body(args, {}).get("welcome") if args.from_file else None)
        if args.text is not None:
            welcome = {**(welcome or {}), "text": args.text}
        api.put("/admin/welcome-default", {"welcome": welcome})
    current = api.get("/admin/welcome-default")
    if args.json:
        print_json(current)
    else:
        w = current["welcome"]
        print("no default welcome" if not w else f"default welcome: {w.get('text', '')!r} + "
              f"{len(w.get('attachments') or [])} attachment(s)")


# group codes ------------------------------------------------------------------------------------
def cmd_group_list(args: argparse.Namespace) -> None:
    """Group codes by name."""
    api = connect(args, args.corp_id)
    params = {k: v for k, v in {"q": args.q, "status": args.status}.items() if v is not None}
    result = api.get("/admin/group-codes", params)
    show_list(args.json, result["items"], f"corp {args.corp_id} has no group codes", _group_table, result)


def _group_table(codes: Sequence[dict[str, Any]]) -> str:
    rows = [(c["code_id"], c["name"], ",".join(c.get("active_chats") or []), c.get("threshold"), c["status"])
            for c in codes]  # fmt: skip
    return table(("CODE", "NAME", "OPEN GROUPS", "THRESHOLD", "STATUS"), rows)


def cmd_group_create(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    _show_code(api.post("/admin/group-codes", _body(args, GROUP_FLAGS)), args.json)


def _bool(text: str) -> bool:
    if text.lower() in ("true", "yes", "1", "on"):
        return True
    if text.lower() in ("false", "no", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"not true/false: {text!r}")


def _channel_flags(p: argparse.ArgumentParser, create: bool) -> None:
    p.add_argument("--from-file", metavar="FILE", help="a JSON body as the admin API takes it (schedule, "
                   "attachments…); flags given as well override its fields")
    p.add_argument("--name", required=False, help="the code's name (≤50)" + (" (required)" if create else ""))
    p.add_argument("--group", help="a group to file the code under (≤30)")
    if create:
        p.add_argument("--state", help="the state WeCom reports back (≤30 of A-Z a-z 0-9 _ -); generated if absent")
        p.add_argument("--mode", choices=("single", "multi"), help="single: one member, fixed (default multi)")
    p.add_argument("--staff", type=_csv_list, metavar="U1,U2", help="members the QR code leads to (≤100)")
    p.add_argument("--backup", type=_csv_list, metavar="U1,U2", help="used outside every slot and when all are capped")
    p.add_argument("--daily-cap", type=positive_int, metavar="N", help="adds per member per China day")
    p.add_argument("--skip-verify", type=_bool, metavar="true|false", help="add without the member confirming")
    p.add_argument("--tags", type=_csv_list, metavar="T1,T2", help="tag ids given to every customer of the code")
    p.add_argument("--remark-template", metavar="T", help="remark for new customers; {name} is their name")
    p.add_argument("--description-template", metavar="T", help="description for new customers")
    p.add_argument("--welcome-text", metavar="T", help="welcome text; {name} is the customer's name")
    add_json(p)


CODE_ID = arg("code_id", metavar="CODE")
STATUS = (arg("--q", help="text in the name"), arg("--status", choices=("active", "deleted", "all")))


def _show_delete(cs: Any, code: _Code, what: str, deleting: str) -> None:
    """``show`` and ``delete`` of one kind of code (``what``: "code"; ``deleting``: what goes in WeCom)."""
    for name, fn, helptext in (("show", code.show, f"one {what}"), ("delete", code.delete, f"delete a {deleting}")):
        action(cs, name, fn, helptext, CORP_ID, CODE_ID, description=helptext[0].upper() + helptext[1:] + ".")


def _register_channel(cs: Any) -> None:
    action(cs, "list", cmd_list, "the corp's channel codes", CORP_ID,
           arg("--group", help="only this group"), *STATUS)  # fmt: skip
    action(cs, "create", cmd_create, "create a code (a WeCom contact way) and print its QR code URL", CORP_ID,
           lambda p: _channel_flags(p, create=True), json=False)  # fmt: skip
    action(cs, "update", CHANNEL.update, "change a code (only what you give)", CORP_ID, CODE_ID,
           lambda p: _channel_flags(p, create=False), json=False,
           description="Change a code: WeCom's contact way first, then our record.")  # fmt: skip
    _show_delete(cs, CHANNEL, "code", "code's contact way")
    action(cs, "stats", cmd_stats, "adds, losses and net per day and member", CORP_ID, CODE_ID,
           arg("--from", dest="date_from", metavar="YYYY-MM-DD"), arg("--to", dest="date_to", metavar="YYYY-MM-DD"),
           arg("--csv", choices=("by_day", "by_staff", "rows"), help="print that table as CSV"))  # fmt: skip


def _welcome_flags(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group()
    which.add_argument("--text", help="set it to this text ({name} is the customer's name)")
    which.add_argument("--from-file", metavar="FILE", help='a JSON object {"welcome": {"text", "attachments"}}')
    which.add_argument("--clear", action="store_true", help="no default welcome")


def _group_flags(p: argparse.ArgumentParser, create: bool) -> None:
    if not create:
        p.add_argument("code_id", metavar="CODE")
    p.add_argument("--from-file", metavar="FILE", help="a JSON body as the admin API takes it")
    p.add_argument("--name", help="the code's name")
    if create:
        p.add_argument("--state", help="the state (≤30); generated if absent")
    p.add_argument("--chats", type=_csv_list, metavar="C1,C2", help="1..5 group chat ids, in order")
    p.add_argument("--threshold", type=positive_int, help="members at which to move on (default 190)")
    p.add_argument("--auto-create-room", type=_bool, metavar="true|false", help="new groups when all are full")
    p.add_argument("--room-base-name", help="name of groups WeCom creates")
    p.add_argument("--welcome-text", metavar="T", help="group welcome; {name} is the member's nickname")


def _register_group(gs: Any) -> None:
    action(gs, "list", cmd_group_list, "the corp's group codes", CORP_ID, *STATUS)
    for name, fn, create in (("create", cmd_group_create, True), ("update", GROUP.update, False)):
        action(gs, name, fn, f"{name} a group code (a WeCom join way over 1..5 groups)", CORP_ID,
               lambda p, create=create: _group_flags(p, create),
               description="WeCom's join way (and group welcome template) first, then our record.")  # fmt: skip
    _show_delete(gs, GROUP, "group code", "group code's join way")


def register(sub: Any) -> None:
    cs = area(sub, "codes", "channel live codes (渠道活码): create, list, show, update, delete, stats")
    _register_channel(cs)
    action(cs, "welcome-default", cmd_welcome_default, "show or set the corp's default welcome", CORP_ID, _welcome_flags)  # fmt: skip

    _register_group(area(sub, "group-codes", "group live codes (群活码): create, list, show, update, delete"))
