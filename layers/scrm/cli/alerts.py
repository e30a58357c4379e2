"""``scrm alerts``: a corp's churn-alert switches and digest rules, and the day's alerts with their state.
The same service as the admin API (/admin/alert-settings, /admin/alerts): bad input is one line naming
the field."""

from __future__ import annotations

import argparse
from typing import Any

from scrm.cli.actions import CORP_ID, action, area, arg
from scrm.cli.client import connect
from scrm.cli.common import moment, print_json, table


def _on_off(text: str) -> bool:
    if text not in ("on", "off"):
        raise argparse.ArgumentTypeError("on or off")
    return text == "on"


def cmd_settings(args: argparse.Namespace) -> None:
    """Churn alerts: a customer deleting an employee is told to that employee (employee alerts); an
    employee deleting a customer (not a handover) is told to the admins (admin alerts). Beyond
    --digest-above single alerts per recipient per China day, or when WeCom's per-member limits (30/min,
    1000/h) leave no room, alerts wait for the daily digest sent after --digest-time."""
    api = connect(args, args.corp_id)
    body: dict[str, Any] = {}
    for attr in ("employee_alerts", "admin_alerts", "digest_above", "digest_time", "link_url"):
        if getattr(args, attr) is not None:
            body[attr] = getattr(args, attr)
    if args.admins is not None:
        body["admins"] = [a.strip() for a in args.admins.split(",") if a.strip()]
    result = api.put("/admin/alert-settings", body) if body else api.get("/admin/alert-settings")
    if args.json:
        print_json(result)
        return
    for key, value in result.items():
        shown = ",".join(value) if isinstance(value, list) else ("on" if value is True else "off" if value is False else value)
        print(f"{key:16} {shown if shown != '' else '-'}")


def cmd_list(args: argparse.Namespace) -> None:
    """A China day's churn alerts, oldest first."""
    api = connect(args, args.corp_id)
    params = {"day": args.day or "", "recipient": args.recipient or "", "limit": str(args.limit)}
    result = api.get("/admin/alerts", params)
    while args.all and result.get("next_cursor"):  # every page: the API answers --limit a page
        more = api.get("/admin/alerts", {**params, "cursor": result["next_cursor"]})
        result = {**more, "alerts": [*result["alerts"], *more["alerts"]]}
    if args.json:
        print_json(result)
        return
    rows = [
        (a.get("recipient", ""), a.get("state", ""), a.get("kind", ""), (a.get("summary") or {}).get("name", ""),
         a.get("external_userid", ""), moment(int(a.get("create_time") or 0) * 1000), a.get("reason", ""))
        for a in result["alerts"]
    ]  # fmt: skip
    print(f"{result['day']}: {len(rows)} alert(s)")
    if rows:
        print(table(("recipient", "state", "kind", "customer", "external_userid", "at", "reason"), rows))
    if result.get("next_cursor"):
        print(f"more alerts that day: --all reads every page (--limit {args.limit} a page)")


def register(sub: Any) -> None:
    acts = area(sub, "alerts", "churn alerts: settings (switches, admins, digest) and the day's alerts")
    action(acts, "settings", cmd_settings, "show the corp's alert settings, or change the ones given", CORP_ID,
           arg("--employee-alerts", type=_on_off, metavar="on|off", help="del_follow_user → the employee"),
           arg("--admin-alerts", type=_on_off, metavar="on|off", help="del_external_contact → the admins"),
           arg("--admins", metavar="U1,U2", help="userids of the admins (synced employees; at most 20)"),
           arg("--digest-above", type=int, metavar="N", help="single alerts per recipient per day (0-1000)"),
           arg("--digest-time", metavar="HH:MM", help="China time the daily digest is due (e.g. 09:05)"),
           arg("--link-url", metavar="URL", help="the cards' link (empty: WeCom's site)"))  # fmt: skip
    action(acts, "list", cmd_list, "a China day's alerts with their state (sent, deferred, digested, failed)", CORP_ID,
           arg("--day", metavar="YYYY-MM-DD", help="China day (default: today)"),
           arg("--recipient", metavar="USERID", help="only alerts to this member"),
           arg("--limit", type=int, default=100, help="rows a page (1-500, default 100)"),
           arg("--all", action="store_true", help="every page of the day, not only the first"))  # fmt: skip
