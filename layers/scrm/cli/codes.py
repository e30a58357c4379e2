"""``scrm codes`` and ``scrm group-codes``: channel live codes, group live codes, their statistics and the
corp's default welcome. The same service as the admin API: WeCom first, then stored; bad input is one line
naming the field. Schedules and attachments are easiest as JSON (``--from-file``, the API's body)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from scrm.cli.client import connect
from scrm.cli.common import CliError, add_json, moment, positive_int, print_json, subcommands, table


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
    api = connect(args, args.corp_id)
    params = {"group": args.group, "q": args.q, "status": args.status}
    result = api.get("/admin/channel-codes", {k: v for k, v in params.items() if v is not None})
    if args.json:
        print_json(result)
        return
    if not result["items"]:
        print(f"corp {args.corp_id} has no channel codes{' matching' if args.q or args.group else ''}")
        return
    rows = [(c["code_id"], c.get("group", ""), c["name"], ",".join(c.get("current_staff") or []), c["status"],
             moment(c.get("created_at_ms"))) for c in result["items"]]
    print(table(("CODE", "GROUP", "NAME", "STAFF NOW", "STATUS", "CREATED"), rows))


def cmd_create(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    code = api.post("/admin/channel-codes", _body(args, CHANNEL_FLAGS))
    _show_code(code, args.json)


def cmd_update(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    body = _body(args, CHANNEL_FLAGS)
    if not body:
        raise CliError("nothing to change: give a flag or --from-file")
    _show_code(api.put(f"/admin/channel-codes/{args.code_id}", body), args.json)


def cmd_show(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    _show_code(api.get(f"/admin/channel-codes/{args.code_id}"), args.json)


def cmd_delete(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    api.delete(f"/admin/channel-codes/{args.code_id}")
    print(f"deleted {args.code_id} (its statistics stay readable)")


def cmd_stats(args: argparse.Namespace) -> None:
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
    api = connect(args, args.corp_id)
    params = {k: v for k, v in {"q": args.q, "status": args.status}.items() if v is not None}
    result = api.get("/admin/group-codes", params)
    if args.json:
        print_json(result)
        return
    if not result["items"]:
        print(f"corp {args.corp_id} has no group codes")
        return
    rows = [(c["code_id"], c["name"], ",".join(c.get("active_chats") or []), c.get("threshold"), c["status"])
            for c in result["items"]]
    print(table(("CODE", "NAME", "OPEN GROUPS", "THRESHOLD", "STATUS"), rows))


def cmd_group_create(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    _show_code(api.post("/admin/group-codes", _body(args, GROUP_FLAGS)), args.json)


def cmd_group_update(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    body = _body(args, GROUP_FLAGS)
    if not body:
        raise CliError("nothing to change: give a flag or --from-file")
    _show_code(api.put(f"/admin/group-codes/{args.code_id}", body), args.json)


def cmd_group_show(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    _show_code(api.get(f"/admin/group-codes/{args.code_id}"), args.json)


def cmd_group_delete(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    api.delete(f"/admin/group-codes/{args.code_id}")
    print(f"deleted {args.code_id}")


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


def _register_list(cs: Any) -> None:
    ls = cs.add_parser("list", help="the corp's channel codes", description="Channel codes, by group and name.")
    ls.add_argument("corp_id", metavar="CORP")
    ls.add_argument("--group", help="only this group")
    ls.add_argument("--q", help="text in the name")
    ls.add_argument("--status", choices=("active", "deleted", "all"))
    add_json(ls)
    ls.set_defaults(func=cmd_list)


def _register_create(cs: Any) -> None:
    cr = cs.add_parser("create", help="create a code (a WeCom contact way) and print its QR code URL",
                       description="Create a channel code: WeCom's contact way first, then our record. "
                       "Staff and tags are checked against the corp's synced employees and tags.")
    cr.add_argument("corp_id", metavar="CORP")
    _channel_flags(cr, create=True)
    cr.set_defaults(func=cmd_create)


def _register_update(cs: Any) -> None:
    up = cs.add_parser("update", help="change a code (only what you give)",
                       description="Change a code: WeCom's contact way first, then our record.")
    up.add_argument("corp_id", metavar="CORP")
    up.add_argument("code_id", metavar="CODE")
    _channel_flags(up, create=False)
    up.set_defaults(func=cmd_update)


def _register_show_delete(cs: Any) -> None:
    for name, fn, helptext in (("show", cmd_show, "one code"), ("delete", cmd_delete, "delete a code's contact way")):
        p = cs.add_parser(name, help=helptext, description=helptext[0].upper() + helptext[1:] + ".")
        p.add_argument("corp_id", metavar="CORP")
        p.add_argument("code_id", metavar="CODE")
        add_json(p)
        p.set_defaults(func=fn)


def _register_stats(cs: Any) -> None:
    st = cs.add_parser("stats", help="adds, losses and net per day and member",
                       description="A code's statistics over China days (default: the last 30).")
    st.add_argument("corp_id", metavar="CORP")
    st.add_argument("code_id", metavar="CODE")
    st.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    st.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    st.add_argument("--csv", choices=("by_day", "by_staff", "rows"), help="print that table as CSV")
    add_json(st)
    st.set_defaults(func=cmd_stats)


def _register_welcome_default(cs: Any) -> None:
    wd = cs.add_parser("welcome-default", help="show or set the corp's default welcome",
                       description="The welcome for adds without a state (or with an unknown one).")
    wd.add_argument("corp_id", metavar="CORP")
    which = wd.add_mutually_exclusive_group()
    which.add_argument("--text", help="set it to this text ({name} is the customer's name)")
    which.add_argument("--from-file", metavar="FILE", help='a JSON object {"welcome": {"text", "attachments"}}')
    which.add_argument("--clear", action="store_true", help="no default welcome")
    add_json(wd)
    wd.set_defaults(func=cmd_welcome_default)


def _register_group_list(gs: Any) -> None:
    gl = gs.add_parser("list", help="the corp's group codes", description="Group codes by name.")
    gl.add_argument("corp_id", metavar="CORP")
    gl.add_argument("--q", help="text in the name")
    gl.add_argument("--status", choices=("active", "deleted", "all"))
    add_json(gl)
    gl.set_defaults(func=cmd_group_list)


def _register_group_create_update(gs: Any) -> None:
    for name, fn, create in (("create", cmd_group_create, True), ("update", cmd_group_update, False)):
        p = gs.add_parser(name, help=f"{name} a group code (a WeCom join way over 1..5 groups)",
                          description="WeCom's join way (and group welcome template) first, then our record.")
        p.add_argument("corp_id", metavar="CORP")
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
        add_json(p)
        p.set_defaults(func=fn)


def _register_group_show_delete(gs: Any) -> None:
    for name, fn, helptext in (("show", cmd_group_show, "one group code"),
                               ("delete", cmd_group_delete, "delete a group code's join way")):
        p = gs.add_parser(name, help=helptext, description=helptext[0].upper() + helptext[1:] + ".")
        p.add_argument("corp_id", metavar="CORP")
        p.add_argument("code_id", metavar="CODE")
        add_json(p)
        p.set_defaults(func=fn)


def register(sub: Any) -> None:
    codes = sub.add_parser("codes", help="channel live codes (渠道活码): create, list, show, update, delete, stats")
    cs = subcommands(codes)
    _register_list(cs)
    _register_create(cs)
    _register_update(cs)
    _register_show_delete(cs)
    _register_stats(cs)
    _register_welcome_default(cs)

    groups = sub.add_parser("group-codes", help="group live codes (群活码): create, list, show, update, delete")
    gs = subcommands(groups)
    _register_group_list(gs)
    _register_group_create_update(gs)
    _register_group_show_delete(gs)
