"""``scrm stages`` and ``scrm notes``: the corp's lifecycle stages (edit, mirror to a tag group, move a
customer) and follow-up notes (a customer's, write one, search the corp's). The same service as the admin
API (/admin/stages, /admin/customers/{id}/stage, /admin/customers/{id}/notes, /admin/notes): bad input
is one line naming the field."""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from scrm.cli.actions import CORP_ID, action, area, arg
from scrm.cli.client import connect
from scrm.cli.common import CliError, moment, print_json, table

EXT = arg("external_userid", metavar="EXTERNAL_USERID")


def _on_off(text: str) -> bool:
    if text not in ("on", "off"):
        raise argparse.ArgumentTypeError("on or off")
    return text == "on"


def _print_stages(result: dict[str, Any]) -> None:
    mirror = result.get("mirror") or {}
    print(f"version {result.get('version', 0)}; tag mirror: "
          + (f"on (group {mirror.get('group_name')})" if mirror.get("enabled") else "off"))  # fmt: skip
    print(table(("ID", "NAME", "CUSTOMERS", "TAG"),
                [(s["id"], s["name"], s.get("customers", 0), s.get("tag_id", "")) for s in result["stages"]]))  # fmt: skip


def cmd_list(args: argparse.Namespace) -> None:
    """The corp's stages in order, with the customers at each (exact) and the tag mirror."""
    result = connect(args, args.corp_id).get("/admin/stages")
    if args.json:
        print_json(result)
        return
    _print_stages(result)


def cmd_set_config(args: argparse.Namespace) -> None:
    """Edit the stages (admins): --rename ID=NAME, --add NAME, --remove ID or ID:TARGET (where its customers
    go; a stage holding customers cannot go without one), --order ID,ID,… (the order; unnamed ones follow),
    --mirror on|off (each stage a tag of the corp tag group --group-name, default 客户阶段; a stage change
    then calls mark_tag on the acting member's relation). Reads the stages, applies the edits, saves them
    against the version read (someone else's edit meanwhile is refused: run it again)."""
    api = connect(args, args.corp_id)
    current = api.get("/admin/stages")
    rows = [{"id": s["id"], "name": s["name"]} for s in current["stages"]]
    ids = {r["id"] for r in rows}
    for item in args.rename or []:
        sid, _, name = item.partition("=")
        if sid not in ids or not name:
            raise CliError(f"--rename {item}: give ID=NAME with a stage id of scrm stages list")
        next(r for r in rows if r["id"] == sid)["name"] = name
    moves: dict[str, str] = {}
    for item in args.remove or []:
        sid, _, target = item.partition(":")
        if sid not in ids:
            raise CliError(f"--remove {item}: unknown stage id {sid!r} (scrm stages list)")
        rows = [r for r in rows if r["id"] != sid]
        if target:
            moves[sid] = target
    if args.order:
        wanted = [x.strip() for x in args.order.split(",") if x.strip()]
        rows.sort(key=lambda r: wanted.index(r["id"]) if r["id"] in wanted else len(wanted))
    rows += [{"name": name} for name in args.add or []]
    body: dict[str, Any] = {"stages": rows, "version": current["version"]}
    if moves:
        body["moves"] = moves
    if args.mirror is not None:
        body["mirror"] = args.mirror
    if args.group_name:
        body["group_name"] = args.group_name
    result = api.put("/admin/stages", body)
    if args.json:
        print_json(result)
        return
    _print_stages(result)


def _shown_stage(result: dict[str, Any]) -> str:
    stage, source = result.get("stage") or {}, result.get("from") or {}
    return (f"{result['external_userid']}: {stage.get('name') or '(none)'} ({stage.get('id') or '-'})"
            + (f", from {source.get('name')}" if source else "")
            + (f", by {result.get('by_userid')} at {moment((result.get('set_at') or 0) * 1000)}" if result.get("set_at") else ""))  # fmt: skip


def cmd_set(args: argparse.Namespace) -> None:
    """Move a customer to a stage (its id or its name) as the member --userid: counted, on the customer's
    timeline; with the tag mirror on, WeCom first (mark_tag on that member's relation). Setting the stage
    the customer is at changes nothing. Without a stage: show the customer's stage."""
    api = connect(args, args.corp_id)
    if not args.stage:
        result = api.get(f"/admin/customers/{args.external_userid}/stage")
    else:
        if not args.userid:
            raise CliError("--userid: required (the acting member) to set a stage")
        stages = api.get("/admin/stages")["stages"]
        stage = next((s["id"] for s in stages if args.stage in (s["id"], s["name"])), args.stage)
        result = api.put(f"/admin/customers/{args.external_userid}/stage", {"stage": stage, "userid": args.userid})
    if args.json:
        print_json(result)
        return
    print(_shown_stage(result))


def _notes_table(items: list[dict[str, Any]], customer: bool) -> str:
    head = ("AT", "BY", *(() if customer else ("CUSTOMER",)), "NOTE_ID", "TEXT")
    return table(head, [(moment(n.get("created_ms")), n.get("by_userid", ""),
                         *(() if customer else (n.get("external_userid", ""),)), n.get("note_id", ""),
                         n.get("text", "")) for n in items])  # fmt: skip


def _paged(api: Any, path: str, params: dict[str, Any], every: bool) -> dict[str, Any]:
    result = api.get(path, params)
    while every and result.get("next_cursor"):
        more = api.get(path, {**params, "cursor": result["next_cursor"]})
        result = {**more, "items": [*result["items"], *more["items"]],
                  "examined": result.get("examined", 0) + more.get("examined", 0)}  # fmt: skip
    return result


def cmd_notes_list(args: argparse.Namespace) -> None:
    """A customer's follow-up notes, newest first."""
    result = _paged(connect(args, args.corp_id), f"/admin/customers/{args.external_userid}/notes",
                    {"limit": args.limit}, args.all)  # fmt: skip
    if args.json:
        print_json(result)
        return
    print(f"{args.external_userid}: {len(result['items'])} note(s)")
    if result["items"]:
        print(_notes_table(result["items"], True))
    if result.get("next_cursor"):
        print(f"older notes: --all reads every page (--limit {args.limit} a page)")


def cmd_notes_add(args: argparse.Namespace) -> None:
    """Write a follow-up note (1..2000 characters) as the member --userid, on the customer's timeline. A
    retry with the same --note-id stores nothing new (one is made up when not given and printed)."""
    note_id = args.note_id or uuid.uuid4().hex
    note = connect(args, args.corp_id).post(f"/admin/customers/{args.external_userid}/notes",
                                            {"text": args.text, "userid": args.userid, "note_id": note_id})  # fmt: skip
    if args.json:
        print_json(note)
        return
    print(f"note {note['note_id']} on {note['external_userid']} by {note['by_userid']} at {moment(note['created_ms'])}")


def cmd_notes_search(args: argparse.Namespace) -> None:
    """Admins: the corp's notes holding every word of --q (case-insensitive) and/or written by --userid,
    newest first. Each request reads at most 1,000 notes: a rare word may need several pages (--all)."""
    params = {"limit": args.limit, **({"q": args.q} if args.q else {}), **({"userid": args.userid} if args.userid else {})}
    result = _paged(connect(args, args.corp_id), "/admin/notes", params, args.all)
    if args.json:
        print_json(result)
        return
    print(f"{len(result['items'])} note(s) found, {result.get('examined', 0)} read")
    if result["items"]:
        print(_notes_table(result["items"], False))
    if result.get("next_cursor"):
        print("more notes may match: --all reads on to the oldest")


def register(sub: Any) -> None:
    st = area(sub, "stages", "lifecycle stages: the corp's list, its tag mirror, a customer's stage")
    action(st, "list", cmd_list, "the stages in order with their customers and the tag mirror", CORP_ID)
    action(st, "set-config", cmd_set_config, "edit the stages (admins): rename, add, remove, order, mirror", CORP_ID,
           arg("--rename", action="append", metavar="ID=NAME", help="a stage's new name (repeatable)"),
           arg("--add", action="append", metavar="NAME", help="a new stage at the end (repeatable)"),
           arg("--remove", action="append", metavar="ID[:TARGET]", help="remove a stage; TARGET: where its customers go"),
           arg("--order", metavar="ID,ID,...", help="the stages' order by id"),
           arg("--mirror", type=_on_off, metavar="on|off", help="mirror stages to a corp tag group"),
           arg("--group-name", metavar="NAME", help="the tag group of the mirror (default 客户阶段)"))  # fmt: skip
    action(st, "set", cmd_set, "move a customer to a stage as a member (or show its stage)", CORP_ID, EXT,
           arg("stage", nargs="?", metavar="STAGE", help="a stage id or name; absent: show the customer's stage"),
           arg("--userid", metavar="USERID", help="the acting member (with the mirror: whose relation is tagged)"))  # fmt: skip
    ns = area(sub, "notes", "follow-up notes (跟进记录): a customer's, write one, search the corp's")
    action(ns, "list", cmd_notes_list, "a customer's notes, newest first", CORP_ID, EXT,
           arg("--limit", type=int, default=20, help="notes a page (1-100, default 20)"),
           arg("--all", action="store_true", help="every page, not only the first"))  # fmt: skip
    action(ns, "add", cmd_notes_add, "write a note on a customer as a member", CORP_ID, EXT,
           arg("--userid", required=True, metavar="USERID", help="the member writing it"),
           arg("--text", required=True, metavar="TEXT", help="1..2000 characters"),
           arg("--note-id", metavar="ID", help="the request's id: a retry with it stores nothing new"))  # fmt: skip
    action(ns, "search", cmd_notes_search, "search the corp's notes by words and/or member (admins)", CORP_ID,
           arg("--q", metavar="WORDS", help="words the note must all hold (at most 5)"),
           arg("--userid", metavar="USERID", help="only this member's notes"),
           arg("--limit", type=int, default=20, help="notes a page (1-100, default 20)"),
           arg("--all", action="store_true", help="read on to the oldest note"))  # fmt: skip
