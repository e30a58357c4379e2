"""``scrm customers``: search the corp's customer relations, show one customer, edit remarks and tags.

Edits go to WeCom first and are stored as WeCom reads them back (``services.customer_admin``).
"""

from __future__ import annotations

import argparse
import re
from datetime import UTC, date, datetime, time
from typing import Any

from scrm.cli.actions import CORP_ID, action, area, arg
from scrm.cli.client import Api, ApiError, connect
from scrm.cli.common import CliError, day, positive_int, print_json, table, warn

ALL_CAP = 10_000  # rows --all fetches at most
PAGE = 200  # rows per request with --all (the search's largest page)
FILTERS = ("tags_all", "tags_any", "tags_none", "employee", "added_from", "added_to", "state", "status",
           "name_prefix")  # fmt: skip
DIGITS = re.compile(r"\d+")
STATUSES = ("active", "deleted_by_customer", "deleted_by_employee", "transferred", "gone", "all")


# dates -------------------------------------------------------------------------------------------------
def parse_when(text: str, end: bool = False) -> int:
    """Unix seconds from unix seconds, ``YYYY-MM-DD`` (UTC midnight; the day's last second if ``end``) or an
    ISO 8601 time (UTC unless it names an offset)."""
    text = text.strip()
    if DIGITS.fullmatch(text):
        return int(text)
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return int(datetime.combine(d, time.max if end else time.min, UTC).timestamp())
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date: {text!r} (give unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+08:00])"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def when_from(text: str) -> int:
    return parse_when(text)


def when_to(text: str) -> int:
    return parse_when(text, end=True)


# search ------------------------------------------------------------------------------------------------
def search_params(args: argparse.Namespace) -> dict[str, str]:
    """The filters as the search service takes them (the admin API's query parameters)."""
    params = {name: str(getattr(args, name)) for name in FILTERS if getattr(args, name) not in (None, "")}
    if args.limit:
        params["limit"] = str(args.limit)
    if args.cursor:
        params["cursor"] = args.cursor
    return params


def _search_all(api: Api, params: dict[str, str]) -> dict[str, Any]:
    page = int(params.get("limit") or PAGE)
    items: list[dict[str, Any]] = []
    while True:
        want = min(page, ALL_CAP - len(items))
        found = api.get("/admin/customers", {**params, "limit": str(want)})
        items.extend(found["items"])
        params = {**params, "cursor": found["next_cursor"]}
        if not found["next_cursor"] or len(items) >= ALL_CAP:
            return {**found, "items": items, "capped": bool(found["next_cursor"])}


def _tag_names(row: dict[str, Any]) -> str:
    return ",".join(t["name"] or t["tag_id"] for t in row.get("tags") or [])


def cmd_search(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    params = search_params(args)
    found = _search_all(api, params) if args.all else api.get("/admin/customers", params)
    if found.get("capped"):
        warn(f"--all stops at {ALL_CAP} rows; more may match (continue with --cursor {found['next_cursor']})")
    if args.json:
        print_json({"items": found["items"], "next_cursor": found["next_cursor"], "driver": found["driver"]})
        return
    rows = [
        (
            r["external_userid"],
            r["userid"],
            r.get("name", ""),
            r.get("remark", ""),
            day(r.get("add_time")),
            r.get("status", ""),
            _tag_names(r),
        )
        for r in found["items"]
    ]
    if rows:
        print(table(("EXTERNAL_USERID", "USERID", "NAME", "REMARK", "ADDED", "STATUS", "TAGS"), rows))
        print(f"{len(rows)} relation(s)")
    elif found["next_cursor"]:  # the search reads a bounded number of items per page; this page found none
        print("0 relation(s) in this page")
    else:
        print("no customer relations match")
    if found["next_cursor"] and not found.get("capped"):
        print(f"more: repeat with --cursor {found['next_cursor']} (or --all)")


# one customer ------------------------------------------------------------------------------------------
def cmd_show(args: argparse.Namespace) -> None:
    api = connect(args, args.corp_id)
    try:
        view = api.get(f"/admin/customers/{args.external_userid}", {"timeline_limit": args.timeline})
    except ApiError as exc:
        if exc.status != 404:
            raise
        raise CliError(f"no customer {args.external_userid} in corp {args.corp_id}") from None
    print_json(view)


def _relation_out(args: argparse.Namespace, relation: dict[str, Any], what: str) -> None:
    if args.json:
        print_json(relation)
        return
    print(f"updated {what} of {args.external_userid} as {args.userid} holds them")
    tags = ", ".join(f"{t['name']} ({t['tag_id']})" for t in relation.get("tags") or []) or "-"
    for label, value in (
        ("remark", relation.get("remark", "")),
        ("description", relation.get("description", "")),
        ("tags", tags),
    ):
        print(f"{label + ':':<13}{value}")


def cmd_remark(args: argparse.Namespace) -> None:
    """Edit the remark fields of one relation (the customer as --userid holds them). WeCom is changed
    first; the stored relation is what WeCom reads back. An empty value clears a field."""
    api = connect(args, args.corp_id)
    body: dict[str, Any] = {"userid": args.userid}
    for name in ("remark", "description", "remark_company"):
        if getattr(args, name) is not None:
            body[name] = getattr(args, name)
    if len(body) == 1:
        raise CliError("nothing to change: give --remark, --description and/or --company")
    relation = api.put(f"/admin/customers/{args.external_userid}/remark", body)
    _relation_out(args, relation, "the remark")


def cmd_tag(args: argparse.Namespace) -> None:
    """Add and remove corp tags (ids, see scrm tags list) on one relation. WeCom is changed first; the
    stored relation is what WeCom reads back."""
    api = connect(args, args.corp_id)
    if not args.add and not args.remove:
        raise CliError("nothing to change: give --add and/or --remove tag ids")
    body = {"userid": args.userid, "add": args.add or [], "remove": args.remove or []}
    relation = api.post(f"/admin/customers/{args.external_userid}/tags", body)
    _relation_out(args, relation, "the tags")


EXT = arg("external_userid", metavar="EXT")
AS_EMPLOYEE = arg("--userid", required=True, help="the employee whose view of the customer to edit")


def _search_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tags-all", metavar="T1,T2", help="has every one of these tags")
    p.add_argument("--tags-any", metavar="T1,T2", help="has at least one of these tags")
    p.add_argument("--tags-none", metavar="T1,T2", help="has none of these tags")
    p.add_argument("--employee", metavar="USERID", help="held by this employee")
    p.add_argument("--added-from", type=when_from, metavar="WHEN", help="added at or after (seconds or date)")
    p.add_argument("--added-to", type=when_to, metavar="WHEN", help="added at or before (seconds or date)")
    p.add_argument("--state", help="the channel 'state' of the contact way they came through")
    p.add_argument("--status", choices=STATUSES, metavar="STATUS",
                   help=f"relation status: {', '.join(STATUSES)} (default: active)")  # fmt: skip
    p.add_argument("--name-prefix", metavar="P", help="the customer's name starts with P")
    p.add_argument("--limit", type=positive_int, metavar="N", help="rows per page (1..200; default 50, 200 with --all)")
    p.add_argument("--cursor", metavar="C", help="continue a previous search (same filters)")
    p.add_argument("--all", action="store_true", help=f"follow every page (at most {ALL_CAP} rows)")


def register(sub: Any) -> None:
    cu = area(sub, "customers", "search customers, show one, edit remarks and tags")
    action(cu, "search", cmd_search, "search the corp's customer relations (by tags, employee, add time, channel, name)",
           CORP_ID, _search_flags,
           description="Search customer relations: one row per customer and employee who holds them. Tag filters "
           "take comma-separated tag ids (scrm tags list): --tags-all needs every tag, --tags-any at least one, "
           "--tags-none none of them. Dates are unix seconds, YYYY-MM-DD (UTC; --added-to includes the whole day) "
           f"or ISO 8601 times. Rows come a page at a time; --cursor continues, --all follows every page (at most "
           f"{ALL_CAP} rows).")  # fmt: skip
    action(cu, "show", cmd_show, "a customer's profile, follow relations and timeline", arg("corp_id"),
           arg("external_userid"), arg("--timeline", type=int, default=20, help="timeline entries to show (newest first)"),
           json=False)  # fmt: skip
    action(cu, "remark", cmd_remark, "set the remark/description an employee holds for a customer (in WeCom, then here)",
           CORP_ID, EXT, AS_EMPLOYEE, arg("--remark", help="remark (≤20 characters)"),
           arg("--description", help="description (≤150 characters)"),
           arg("--company", dest="remark_company", help="company remark (≤20 characters)"))  # fmt: skip
    action(cu, "tag", cmd_tag, "add/remove tags on a customer as an employee holds them (in WeCom, then here)",
           CORP_ID, EXT, AS_EMPLOYEE, arg("--add", nargs="+", action="extend", metavar="TAG_ID", help="tag ids to add"),
           arg("--remove", nargs="+", action="extend", metavar="TAG_ID", help="tag ids to remove"))  # fmt: skip
