"""``scrm stats``: customer and group statistics, the same reports as the admin API's /admin/stats/*.

Text prints the totals and a table of the items; ``--format json`` the whole report; ``--format csv`` the
items (without the BOM the API adds for Excel). Per channel code statistics: ``scrm codes stats``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrm.cli.actions import area
from scrm.cli.client import connect
from scrm.cli.common import print_json, table

CUSTOMER_COLUMNS = ("adds", "lost_by_customer", "lost_by_employee", "net", "retention_7", "retention_30")
GROUP_COLUMNS = ("joins", "quits", "net", "customer_joins", "customer_quits")


def _params(args: argparse.Namespace) -> dict[str, str]:
    params = {"from": args.date_from, "to": args.date_to, "by": args.by, "userid": args.userid,
              "format": "csv" if args.format == "csv" else "json"}  # fmt: skip
    return {k: v for k, v in params.items() if v}


def _print(args: argparse.Namespace, result: Any, columns: tuple[str, ...], what: str) -> None:
    if isinstance(result, str):
        sys.stdout.write(result.lstrip("\ufeff"))
        return
    if args.format == "json":
        print_json(result)
        return
    t = result["totals"]
    print(f"{what}  {result['from']} .. {result['to']}: " + ", ".join(f"{c} {t[c]}" for c in columns))
    key = {"day": "day", "employee": "userid", "owner": "userid"}.get(result["by"])
    if key:
        print(table((key.upper(), *(c.upper() for c in columns)), [(i[key], *(i[c] for c in columns))
                                                                     for i in result["items"]]))  # fmt: skip
    for d in result["drift"]:
        print(f"drift: {d['day']} {d['userid']} {d['field']}: ours {d['ours']}, WeCom {d['wecom']}")


def cmd_customers(args: argparse.Namespace) -> None:
    result = connect(args, args.corp_id).get("/admin/stats/customers", _params(args))
    _print(args, result, CUSTOMER_COLUMNS, "customers")


def cmd_groups(args: argparse.Namespace) -> None:
    result = connect(args, args.corp_id).get("/admin/stats/groups", _params(args))
    _print(args, result, GROUP_COLUMNS, "group members")


def cmd_rollups(args: argparse.Namespace) -> None:
    """The migration's backfill: build the roll-ups of these months from the member-day counters (AWS
    credentials, no API key; idempotent: run it again after counting caught up, the result is exact)."""
    from datetime import UTC, date, datetime

    from scrm import bootstrap
    from scrm.kernel.china_time import CHINA

    first, last = date.fromisoformat(args.first + "-01"), date.fromisoformat(args.last + "-01")
    months = []
    while first <= last:
        months.append(first.isoformat()[:7])
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    today = datetime.now(UTC).astimezone(CHINA).date()
    for kind in ("cust", "group"):
        done = bootstrap.stats_rollups().rebuild(args.corp_id, kind, months)
        print(f"{kind}: {done['months']} months, {done['members']} member-months, {done['days']} days rolled up")
        sealed = bootstrap.stats_seals().refresh(args.corp_id, kind, today)  # the rebuilt months' seals are stale
        print(f"{kind}: {len(sealed['sealed'])} months sealed, {sealed['fresh']} already sealed"
              + (f", still moving (sealed by the next seal_stats run): {', '.join(sealed['busy'])}" if sealed["busy"] else ""))


def _flags(p: argparse.ArgumentParser, by: tuple[str, ...], who: str) -> None:
    p.add_argument("corp_id", metavar="CORP")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first China day (default: 29 days before --to)")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last China day (default: today); at most 366 days")
    p.add_argument("--by", choices=by, help=f"one line per {' / '.join(by)} (default: day)")
    p.add_argument("--userid", metavar="ID,ID", help=f"only these {who} (comma-separated, at most 100)")
    p.add_argument("--format", choices=("text", "json", "csv"), default="text", help="output (default: text)")


def register(sub: Any) -> None:
    ss = area(sub, "stats", "customer and group statistics: new, lost, net, retention; joins, quits",
              description="Statistics counted from WeCom's events (China days), with WeCom's own figures from the "
              "nightly reconcile next to ours.")  # fmt: skip
    c = ss.add_parser("customers", help="new customers, lost by customer / by employee, net, retention 7 / 30 days",
                      description="Customers per day, employee or corp. Retention after N days counts only cohorts "
                      "at least N days old (else empty). Per channel code: scrm codes stats.")  # fmt: skip
    _flags(c, ("day", "employee", "corp"), "employees")
    c.set_defaults(func=cmd_customers)
    g = ss.add_parser("groups", help="group members joined and quit, by day, owner or corp",
                      description="Customer-group members per day, group owner or corp (customers and employees "
                      "apart).")  # fmt: skip
    _flags(g, ("day", "owner", "corp"), "group owners")
    g.set_defaults(func=cmd_groups)
    r = ss.add_parser("rollups", help="build the statistics' roll-ups of some months (migration backfill; AWS credentials)",
                      description="Rebuild the corp's day and member-month roll-ups from the member-day counters "
                      "(idempotent), then seal the months of the last 13 that moved (what the seal_stats job does at 00:20 "
                      "China time). Run once after deploying the roll-ups, for every month with counters.")  # fmt: skip
    r.add_argument("corp_id", metavar="CORP")
    r.add_argument("--from", dest="first", metavar="YYYY-MM", required=True, help="first month")
    r.add_argument("--to", dest="last", metavar="YYYY-MM", required=True, help="last month")
    r.set_defaults(func=cmd_rollups)
