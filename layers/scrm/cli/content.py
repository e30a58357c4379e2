"""``scrm scripts`` and ``scrm materials``: the corp-wide script library (话术库) and material library (素材库),
and how often the sidebar sent each item. The same admin API routes as the console (/admin/scripts,
/admin/materials, /admin/content/usage): bad input is one line naming the field. A material's file is read
from a path and sent base64 (at most 700 KiB: the API's 1 MB body holds that)."""

from __future__ import annotations

import argparse
import base64
import os
from pathlib import Path
from typing import Any

from scrm.cli.actions import CORP_ID, action, area, arg
from scrm.cli.client import Api, connect
from scrm.cli.common import CliError, moment, print_json, table

KINDS = ("text", "image", "link", "miniprogram", "file", "video")
MATERIAL_FIELDS = ("title", "group", "text", "url", "desc", "cover_url", "appid", "page")


def _limit(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a whole number 1..200") from None
    if not 1 <= n <= 200:
        raise argparse.ArgumentTypeError("a whole number 1..200")
    return n


def _pages(api: Api, path: str, params: dict[str, Any], every: bool) -> dict[str, Any]:
    result = api.get(path, params)
    while every and result.get("next_cursor"):
        more = api.get(path, {**params, "cursor": result["next_cursor"]})
        result = {**more, "items": [*result["items"], *more["items"]]}
    return result


def _one_line(text: str, width: int = 40) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _more(result: dict[str, Any]) -> None:
    if result.get("next_cursor"):
        print("more: --all reads every page")


# scripts ---------------------------------------------------------------------------------------------
def cmd_scripts_list(args: argparse.Namespace) -> None:
    """The corp-wide scripts, by group and title; --q searches title and text."""
    api = connect(args, args.corp_id)
    result = _pages(api, "/admin/scripts", {"q": args.q or "", "group": args.group or "", "limit": args.limit}, args.all)
    if args.json:
        print_json(result)
        return
    if not result["items"]:
        print(f"corp {args.corp_id} has no matching scripts")
        return
    print(table(("SCRIPT", "GROUP", "TITLE", "TEXT"),
                [(s["script_id"], s["group"], s["title"], _one_line(s["text"])) for s in result["items"]]))  # fmt: skip
    _more(result)


def cmd_scripts_show(args: argparse.Namespace) -> None:
    """One corp-wide script, its whole text."""
    script = connect(args, args.corp_id).get(f"/admin/scripts/{args.script_id}")
    if args.json:
        print_json(script)
        return
    for key in ("script_id", "group", "title", "created_by"):
        print(f"{key:11} {script[key] or '-'}")
    print(f"{'updated':11} {moment(script['updated_at'] * 1000)}\n\n{script['text']}")


def _script_body(args: argparse.Namespace) -> dict[str, Any]:
    return {k: getattr(args, k) for k in ("title", "group", "text") if getattr(args, k) is not None}


def cmd_scripts_add(args: argparse.Namespace) -> None:
    """Add a corp-wide script. {name} in the text becomes the customer's name when a member sends it."""
    script = connect(args, args.corp_id).post("/admin/scripts", _script_body(args))
    print_json(script) if args.json else print(f"added script {script['script_id']}")


def cmd_scripts_edit(args: argparse.Namespace) -> None:
    """Change a corp-wide script's title, group or text (only the options given)."""
    body = _script_body(args)
    if not body:
        raise CliError("nothing to change: give --title, --group or --text")
    script = connect(args, args.corp_id).patch(f"/admin/scripts/{args.script_id}", body)
    print_json(script) if args.json else print(f"saved script {script['script_id']}")


def cmd_scripts_delete(args: argparse.Namespace) -> None:
    """Delete a corp-wide script (its send counts stay)."""
    result = connect(args, args.corp_id).delete(f"/admin/scripts/{args.script_id}")
    print_json(result) if args.json else print(f"deleted script {args.script_id}")


# materials -------------------------------------------------------------------------------------------
def _material_body(args: argparse.Namespace) -> dict[str, Any]:
    body = {k: getattr(args, k) for k in MATERIAL_FIELDS if getattr(args, k, None) is not None}
    if args.file:
        path = Path(args.file)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CliError(f"cannot read {args.file}: {exc.strerror or exc}") from None
        body["content"] = base64.b64encode(raw).decode()
        body.setdefault("filename", args.filename or os.path.basename(args.file))
    if args.filename is not None:
        body["filename"] = args.filename
    return body


def cmd_materials_list(args: argparse.Namespace) -> None:
    """The corp-wide materials (without their bytes), by group and title; --q searches title, text,
    description and file name."""
    api = connect(args, args.corp_id)
    params = {"q": args.q or "", "kind": args.kind or "", "group": args.group or "", "limit": args.limit}
    result = _pages(api, "/admin/materials", params, args.all)
    if args.json:
        print_json(result)
        return
    if not result["items"]:
        print(f"corp {args.corp_id} has no matching materials")
        return
    rows = [(m["material_id"], m["kind"], m["group"], m["title"],
             _one_line(m.get("text") or m.get("url") or m.get("page") or m.get("filename") or "", 32),
             m.get("size", "") or "") for m in result["items"]]  # fmt: skip
    print(table(("MATERIAL", "KIND", "GROUP", "TITLE", "CONTENT", "BYTES"), rows))
    _more(result)


def cmd_materials_show(args: argparse.Namespace) -> None:
    """One corp-wide material's fields (and, for images, files and videos, when WeCom last got it)."""
    material = connect(args, args.corp_id).get(f"/admin/materials/{args.material_id}")
    if args.json:
        print_json(material)
        return
    for key, value in material.items():
        shown = moment(value * 1000) if key.endswith("_at") and value else value
        print(f"{key:18} {shown if shown not in ('', None) else '-'}")


def cmd_materials_add(args: argparse.Namespace) -> None:
    """Add a corp-wide material. text: --text; link: --url (--desc, --cover-url); miniprogram: --appid,
    --page (ending .html), --cover-url; image (JPG/PNG), file, video (MP4): --file PATH, at most 700 KiB.
    Images, files and videos go to WeCom on their first send, and again every 2.5 days they are sent."""
    material = connect(args, args.corp_id).post("/admin/materials", {"kind": args.kind, **_material_body(args)})
    print_json(material) if args.json else print(f"added {material['kind']} material {material['material_id']}")


def cmd_materials_edit(args: argparse.Namespace) -> None:
    """Change a corp-wide material's fields (only the options given; the kind stays). --file replaces the
    content: the next send uploads it to WeCom."""
    body = _material_body(args)
    if not body:
        raise CliError("nothing to change: give a field option or --file")
    material = connect(args, args.corp_id).patch(f"/admin/materials/{args.material_id}", body)
    print_json(material) if args.json else print(f"saved material {material['material_id']}")


def cmd_materials_delete(args: argparse.Namespace) -> None:
    """Delete a corp-wide material and its file (its send counts stay)."""
    result = connect(args, args.corp_id).delete(f"/admin/materials/{args.material_id}")
    print_json(result) if args.json else print(f"deleted material {args.material_id}")


# usage -----------------------------------------------------------------------------------------------
def cmd_usage(args: argparse.Namespace) -> None:
    """Sends from the sidebar, most first: per item (default), per member (--by member), or one member's
    per item (--by member --userid U). Scripts and materials together."""
    api = connect(args, args.corp_id)
    params = {"by": args.by, "userid": args.userid or "", "limit": args.limit}
    result = _pages(api, "/admin/content/usage", params, args.all)
    if args.json:
        print_json(result)
        return
    if args.by == "member" and not args.userid:
        rows = [(r["userid"], r["sends"], moment(r["last_at"] * 1000)) for r in result["items"]]
        heads: tuple[str, ...] = ("MEMBER", "SENDS", "LAST")
    else:
        rows = [(r["kind"], r["item_id"], r.get("title") or "-", r["sends"], moment(r["last_at"] * 1000))
                for r in result["items"]]  # fmt: skip
        heads = ("KIND", "ITEM", "TITLE", "SENDS", "LAST")
    print(f"{result['total_sends']} send(s) counted")
    if rows:
        print(table(heads, rows))
    _more(result)


def _paging(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=_limit, default=50, help="rows a page, 1..200 (default 50)")
    parser.add_argument("--all", action="store_true", help="every page, not only the first")


def _usage(acts: Any) -> None:
    action(acts, "usage", cmd_usage, "sends of scripts and materials, per item or per member", CORP_ID,
           arg("--by", choices=("item", "member"), default="item", help="item (default) or member"),
           arg("--userid", metavar="USERID", help="with --by member: that member's sends per item"), _paging)  # fmt: skip


def register(sub: Any) -> None:
    sid = arg("script_id", metavar="SCRIPT_ID", help="the script's id (scrm scripts list)")
    acts = area(sub, "scripts", "the corp-wide script library (话术库): list, show, add, edit, delete, usage")
    action(acts, "list", cmd_scripts_list, "corp-wide scripts by group and title", CORP_ID,
           arg("--q", metavar="WORDS", help="words in the title or text"),
           arg("--group", metavar="GROUP", help="only this group"), _paging,
           epilog="example:\n  scrm scripts list ww0123456789abcdef --q 退货", formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    action(acts, "show", cmd_scripts_show, "one script with its whole text", CORP_ID, sid)
    action(acts, "add", cmd_scripts_add, "add a corp-wide script", CORP_ID,
           arg("--title", required=True, help="≤ 64 characters"),
           arg("--text", required=True, help="≤ 2,000 characters; {name} is the customer's name"),
           arg("--group", help="≤ 30 characters"),
           epilog="example:\n  scrm scripts add ww0123456789abcdef --group 开场 --title 问候 --text '{name}您好'",
           formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    action(acts, "edit", cmd_scripts_edit, "change a corp-wide script", CORP_ID, sid,
           arg("--title"), arg("--text"), arg("--group"))  # fmt: skip
    action(acts, "delete", cmd_scripts_delete, "delete a corp-wide script", CORP_ID, sid)
    _usage(acts)

    mid = arg("material_id", metavar="MATERIAL_ID", help="the material's id (scrm materials list)")
    acts = area(sub, "materials", "the corp-wide material library (素材库): list, show, add, edit, delete, usage")

    def fields(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--group", help="≤ 30 characters")
        parser.add_argument("--text", help="text: the message ({name} is the customer's name)")
        parser.add_argument("--url", help="link: the page (http or https)")
        parser.add_argument("--desc", help="link: the summary")
        parser.add_argument("--cover-url", dest="cover_url", help="link, miniprogram: the cover image's address")
        parser.add_argument("--appid", help="miniprogram: its appid (wx…)")
        parser.add_argument("--page", help="miniprogram: the page, ending .html")
        parser.add_argument("--file", metavar="PATH", help="image, file, video: the file (≤ 700 KiB)")
        parser.add_argument("--filename", help="the name shown in the chat (default: the file's)")

    action(acts, "list", cmd_materials_list, "corp-wide materials by group and title", CORP_ID,
           arg("--q", metavar="WORDS", help="words in the title, text, description or file name"),
           arg("--kind", choices=KINDS, help="only this kind"), arg("--group", help="only this group"), _paging)  # fmt: skip
    action(acts, "show", cmd_materials_show, "one material's fields", CORP_ID, mid)
    action(acts, "add", cmd_materials_add, "add a corp-wide material", CORP_ID,
           arg("--kind", required=True, choices=KINDS), arg("--title", required=True, help="≤ 64 characters"), fields,
           epilog="examples:\n  scrm materials add ww0123456789abcdef --kind image --title 新品海报 --file poster.png\n"
           "  scrm materials add ww0123456789abcdef --kind link --title 活动 --url https://shop.example.com/a",
           formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    action(acts, "edit", cmd_materials_edit, "change a corp-wide material", CORP_ID, mid, arg("--title"), fields)
    action(acts, "delete", cmd_materials_delete, "delete a corp-wide material", CORP_ID, mid)
    _usage(acts)
