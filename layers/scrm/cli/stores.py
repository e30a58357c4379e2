"""``scrm stores``: store codes (门店活码, issue 21) — import a CSV of stores (all rows or none: every bad row is
printed by line and column), make their contact ways (within the corp's WeCom call budget; --wait carries on
until none is left), list them, and the scans and adds per store or city (--csv prints the API's CSV).

The admin API's /admin/stores, as the console uses it.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from scrm.cli.actions import action, area, arg
from scrm.cli.client import ApiError, connect
from scrm.cli.common import CliError, print_json, show_list, table
from scrm.cli.follow import CORP


def cmd_import(args: argparse.Namespace) -> None:
    """Import stores from a CSV file (UTF-8; header: store_id, name, city, address, latitude, longitude,
    hours, assistants, group). Nothing is written when any row is bad: each problem is printed."""
    try:
        with open(args.file, encoding="utf-8-sig") as f:
            text = f.read()
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}") from None
    api = connect(args, args.corp, detailed=True)
    try:
        result = api.post("/admin/stores/import", {"csv": text})
    except ApiError as exc:
        for d in exc.details or []:
            print(f"{args.file}:{d.get('line')}: {d.get('column') or '-'}: {d.get('message')}", file=sys.stderr)
        raise
    if args.json:
        print_json(result)
        return
    print(f"imported {result['imported']} store(s): {result['created']} new, {result['updated']} changed, "
          f"{result['unchanged']} unchanged; contact ways to make: {result['codes_pending']}")  # fmt: skip
    if result["codes_pending"]:
        print(f"they are made by the every-minute job, or now: scrm stores codes {args.corp} --wait")


def cmd_codes(args: argparse.Namespace) -> None:
    """Make the contact ways of stores waiting for one (20 s per call; --wait calls again until none is
    left, waiting out a spent WeCom call budget)."""
    api = connect(args, args.corp, detailed=True)
    deadline = time.monotonic() + args.timeout
    while True:
        result = api.post("/admin/stores/codes")
        if not args.json:
            note = f", budget spent: retry in {result.get('retry_after_s', 0):.0f} s" if result.get("throttled") else ""
            print(f"made {result['made']}, failed {result['failed']}, still waiting {result['pending']}{note}")
        if not args.wait or not result["pending"] or time.monotonic() > deadline:
            break
        time.sleep(min(float(result.get("retry_after_s") or 1), 30) if result.get("throttled") else 0)
    if args.json:
        print_json(result)


def cmd_list(args: argparse.Namespace) -> None:
    """The corp's stores (filters: --city, --q, --status)."""
    params = {k: v for k, v in (("city", args.city), ("q", args.q), ("status", args.status)) if v}
    items = connect(args, args.corp).get("/admin/stores", params)["items"]
    show_list(args.json, items, f"corp {args.corp} has no stores", _table, {"items": items})


def _table(items: list[dict[str, Any]]) -> str:
    rows = [(s["store_id"], s["name"], s["city"], f"{s['latitude']:.5f},{s['longitude']:.5f}",
             ",".join(s.get("assistants") or []), s["code_status"]) for s in items]  # fmt: skip
    return table(("STORE", "NAME", "CITY", "LAT,LNG", "ASSISTANTS", "CODE"), rows)


def cmd_stats(args: argparse.Namespace) -> None:
    """Scans (the landing page showed the store's QR) and adds (through the store's contact way), per store
    or per city, over China days."""
    params = {k: v for k, v in (("by", args.by), ("from", args.from_), ("to", args.to)) if v}
    api = connect(args, args.corp)
    if args.csv:
        sys.stdout.write(str(api.get("/admin/stores/stats", {**params, "format": "csv"})).lstrip("\ufeff"))
        return
    result = api.get("/admin/stores/stats", params)
    if args.json:
        print_json(result)
        return
    by = result["by"]
    t = result["totals"]
    print(f"stores by {by}, {result['from']} .. {result['to']}: scans {t['scans']}, adds {t['adds']}")
    if result["items"]:
        rows = [(r[by], *((r.get("name", ""), r.get("city", "")) if by == "store" else ()), r["scans"], r["adds"],
                 "-" if r.get("rate") is None else f"{r['rate'] * 100:.1f}%") for r in result["items"]]  # fmt: skip
        heads = (by.upper(), *(("NAME", "CITY") if by == "store" else ()), "SCANS", "ADDS", "RATE")
        print(table(heads, rows))


def register(sub: Any) -> None:
    """Store codes (门店活码): one printed code leads each customer to the nearest open store's assistants."""
    st = area(sub, "stores", "store codes (门店活码): import, codes, list, stats", description=register.__doc__)
    action(st, "import", cmd_import, "import stores from a CSV file (all rows or none)", CORP,
           arg("file", metavar="FILE", help="the CSV file"))  # fmt: skip
    action(st, "codes", cmd_codes, "make the waiting stores' contact ways", CORP,
           arg("--wait", action="store_true", help="call again until none is waiting"),
           arg("--timeout", type=float, default=3600, help="seconds --wait goes on at most (default 3600)"))  # fmt: skip
    action(st, "list", cmd_list, "the corp's stores", CORP, arg("--city"), arg("--q", help="text in id, name, address"),
           arg("--status", choices=("pending", "active", "failed")))  # fmt: skip
    action(st, "stats", cmd_stats, "scans and adds per store or city", CORP,
           arg("--by", choices=("store", "city"), help="rows per store (default) or city"),
           arg("--from", dest="from_", metavar="YYYY-MM-DD"), arg("--to", metavar="YYYY-MM-DD"),
           arg("--csv", action="store_true", help="print the rows as CSV"), json=True)  # fmt: skip
