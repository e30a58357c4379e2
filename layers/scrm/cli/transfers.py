"""``scrm transfers``: hand a member's customers and groups over to other members (离职继承 for one who
left, 在职继承 for one still employed), follow the job, cancel it, check it now, see who left customers
behind, and set the corp's policy for refusals.

The same service as the admin API's /admin/transfers (scrm.transfers.service), so a job started here
is the one the API shows. Bad input is one line naming the field; the 90-day rule names what it blocks and
the day each frees up.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from scrm.cli import transfer_progress as tp
from scrm.cli.actions import action, area, arg
from scrm.cli.client import Api, connect
from scrm.cli.common import CliError, print_json, show_list, table
from scrm.cli.follow import CORP, LIMIT, Stop, add_wait_flags, split_ids, stopped, watch


# following a job -------------------------------------------------------------------------------------
def stops(until: str) -> list[Stop]:
    """When ``--wait`` stops on its own: the job ended ("ended"), or with ``--until requested`` everything
    is sent to WeCom ("requested")."""
    return [("ended", tp.ended)] + ([("requested", tp.all_requested)] if until == "requested" else [])


def _wait(args: argparse.Namespace, api: Api, job_id: str) -> dict[str, Any]:
    p, why = watch(lambda: api.get(f"/admin/transfers/{job_id}"), tp.line, tp.measure, stops(args.until), args)
    if why in ("ended", "requested"):
        return p
    how = stopped(why, args.timeout)
    if tp.all_requested(p):
        print(f"scrm: stopped waiting ({how}): every customer and group is with WeCom; outcomes come after "
              f"WeCom's 24 h window (the job goes on: scrm transfers show {args.corp} {job_id})",
              file=sys.stderr)  # fmt: skip
        return p
    if why == "interrupted":
        print(f"scrm: stopped waiting (the job goes on: scrm transfers show {args.corp} {job_id})",
              file=sys.stderr)  # fmt: skip
        raise KeyboardInterrupt
    raise CliError(f"transfer job {job_id}: {p.get('requested_percent', 0):g}% sent to WeCom {how} (it goes on; "
                   f"scrm transfers show {args.corp} {job_id} --wait)")  # fmt: skip


# text output -----------------------------------------------------------------------------------------
def describe(p: dict[str, Any]) -> str:
    """A job's progress as labelled lines, then one row per taker."""
    c, g = p.get("customers") or {}, p.get("groups") or {}
    rows: list[tuple[str, Any]] = [
        (
            "job",
            f"{p.get('job_id')} ({p.get('kind')}: {'离职继承' if p.get('kind') == 'resigned' else '在职继承'})",
        ),
        ("state", f"{p.get('state')} ({tp.phase(p)})"),
        ("handover", p.get("handover_userid")),
        ("takers", ", ".join(p.get("takeover_userids") or [])),
        ("on refused", p.get("on_refused")),
        ("created", tp.clock(p.get("created_at"))),
        ("sent", f"{float(p.get('requested_percent') or 0):.1f}%"),
        ("settled", f"{float(p.get('settled_percent') or 0):.1f}%"),
        ("customers", f"{c.get('total', 0)}" + (f" ({d})" if (d := tp.counts(c, tp.CUSTOMER_ORDER)) else "")),
        ("groups", f"{g.get('total', 0)}" + (f" ({d})" if (d := tp.counts(g, tp.GROUP_ORDER)) else "")),
    ]
    if p.get("next_check_at") and not tp.ended(p):
        rows.append(("next check", tp.clock(p["next_check_at"])))
    if p.get("error"):
        rows.append(("error", p["error"]))
    text = "\n".join(f"{k + ':':<12}{'' if v is None else v}" for k, v in rows)
    by_taker = p.get("by_taker") or {}
    if by_taker:
        cols = [s for s in tp.CUSTOMER_ORDER if any(row.get(s) for row in by_taker.values())]
        text += "\n\n" + table(("TAKER", *(s.upper() for s in cols)),
                               [(t, *(row.get(s, 0) for s in cols)) for t, row in sorted(by_taker.items())])  # fmt: skip
    return text


def _items(p: dict[str, Any]) -> str:
    items = p.get("items") or []
    if not items:
        return "no customers or groups (yet: the job may still be planning)"
    return table(("TYPE", "ID", "TAKER", "STATE", "REASON", "AT"),
                 [(i["type"], i["id"], i["taker"], i["state"], i.get("reason") or "", tp.clock(i.get("at")))
                  for i in items])  # fmt: skip


# commands --------------------------------------------------------------------------------------------
def ids_or_all(text: str) -> str | list[str]:
    """An argparse type: ``all``, ``none`` (= []) or comma-separated ids."""
    if text.strip().lower() in ("all", "none"):
        return "all" if text.strip().lower() == "all" else []
    ids = split_ids(text)
    if not ids:
        raise argparse.ArgumentTypeError(f"all, none or comma-separated ids: {text!r}")
    return ids


def _takers(values: list[str]) -> list[str]:
    return list(dict.fromkeys(t.strip() for v in values for t in v.split(",") if t.strip()))


def request_body(args: argparse.Namespace) -> dict[str, Any]:
    """The admin API's body from the command line (only what was given, so the service's defaults hold)."""
    body: dict[str, Any] = {
        "kind": args.kind,
        "handover_userid": args.handover,
        "takeover_userids": _takers(args.to),
    }
    optional = {"customers": args.customers, "groups": args.groups, "transfer_success_msg": args.message,
                "on_refused": args.on_refused, "request_id": args.request_id}  # fmt: skip
    body.update({k: v for k, v in optional.items() if v is not None})
    return body


def cmd_create(args: argparse.Namespace) -> None:
    """Start a handover: the customers and groups of --from are split evenly across the --to members and
    sent to WeCom by the transfers queue. The same request again (same --request-id, or the same flags)
    returns the existing job. Refused when --from already has a job in progress, or (onjob) when WeCom's
    two-transfers-in-90-days rule blocks a named customer or group; the error line names them and the day
    each frees up."""
    api = connect(args, args.corp, detailed=True)
    answer = api.post("/admin/transfers", request_body(args))
    p, created = answer["job"], answer["created"]
    job_id = p["job_id"]
    said = (f"{'started' if created else 'the same request again, so the same'} transfer job {job_id} "
            f"({p['kind']}: {p['handover_userid']} → {', '.join(p['takeover_userids'])})")  # fmt: skip
    if args.wait:
        if not args.json:
            print(said, flush=True)
        p = _wait(args, api, job_id)
    if args.json:
        print_json({"created": created, "job": p})
        return
    if not args.wait:
        print(said)
    print(describe(p))
    if not tp.ended(p):
        print(f"\nfollow it: scrm transfers show {args.corp} {job_id} --wait")


def cmd_show(args: argparse.Namespace) -> None:
    """A job's progress: counts per state and per taker, the share sent to WeCom and the share settled,
    the next scheduled check."""
    api = connect(args, args.corp, detailed=True)
    p = api.get(f"/admin/transfers/{args.job_id}")
    if args.wait:
        p = _wait(args, api, args.job_id)
    if args.items:
        p = api.with_items(f"/admin/transfers/{args.job_id}")
    if args.json:
        print_json(p)
        return
    print(describe(p))
    if args.items:
        print()
        print(_items(p))


def cmd_list(args: argparse.Namespace) -> None:
    """The corp's transfer jobs, newest first."""
    items = connect(args, args.corp, detailed=True).get("/admin/transfers", {"limit": args.limit})["items"]
    show_list(args.json, items, f"corp {args.corp} has no transfer jobs", _jobs_table, {"items": items})


def _jobs_table(jobs: Sequence[dict[str, Any]]) -> str:
    rows = [(j["job_id"], j.get("kind"), j.get("state"), j.get("handover_userid"), ",".join(j.get("takers") or []),
             "" if j.get("customers_planned") is None else j["customers_planned"],
             "" if j.get("groups_planned") is None else j["groups_planned"],
             tp.clock(j.get("created_at")), tp.clock(j.get("finished_at"))) for j in jobs]  # fmt: skip
    return table(("JOB", "KIND", "STATE", "HANDOVER", "TAKERS", "CUSTOMERS", "GROUPS", "CREATED", "FINISHED"), rows)


def cmd_cancel(args: argparse.Namespace) -> None:
    """Cancel a job: customers not yet sent and queued groups are cancelled. Customers already in WeCom's
    24 h window cannot be called back and end as WeCom decides."""
    p = connect(args, args.corp, detailed=True).post(f"/admin/transfers/{args.job_id}/cancel")
    if args.json:
        print_json(p)
        return
    waiting = (p.get("customers") or {}).get("waiting", 0)
    print(f"cancelled what had not reached WeCom in transfer job {args.job_id}"
          + (f"; {waiting} customer(s) in WeCom's 24 h window end as WeCom decides" if waiting else ""))  # fmt: skip
    print(describe(p))


def cmd_refresh(args: argparse.Namespace) -> None:
    """Queue a check of the job now: poll WeCom's results and retry what is due."""
    p = connect(args, args.corp, detailed=True).post(f"/admin/transfers/{args.job_id}/refresh")
    if args.json:
        print_json(p)
        return
    print(f"asked for a check of transfer job {args.job_id} now (WeCom's results, retries due)")
    print(describe(p))


def cmd_unassigned(args: argparse.Namespace) -> None:
    """Departed members with customers not handed over yet (WeCom's get_unassigned_list) and their groups.
    With --from, that member's ids. This calls WeCom from this machine."""
    api = connect(args, args.corp, detailed=True)
    result = api.get("/admin/transfers/unassigned", {"handover_userid": args.handover or ""})
    if args.json:
        print_json(result)
        return
    items = result["items"]
    if not items:
        print(f"corp {args.corp}: no departed member has customers waiting for a taker")
        return
    print(table(("HANDOVER", "LEFT", "CUSTOMERS", "GROUPS"),
                [(i["handover_userid"], tp.clock(i.get("dimission_time")), i["customers"], i["groups"])
                 for i in items]))  # fmt: skip
    for i in items:
        if "customer_ids" in i:
            print(f"\ncustomers of {i['handover_userid']}: {', '.join(i['customer_ids']) or '-'}")
            print(f"groups of {i['handover_userid']}: {', '.join(i['group_ids']) or '-'}")


POLICY_TEXT = {
    "leave": "customers who refuse, or whose taker is at the customer limit, stay where they are (the admin decides)",
    "reassign": "customers who refuse, or whose taker is at the customer limit, go to the job's next taker",
}


def cmd_policy(args: argparse.Namespace) -> None:
    """The corp's default for customers who refuse, or whose taker is at the customer limit: leave (the
    admin decides) or reassign (the job's next taker). A job's --on-refused wins."""
    api = connect(args, args.corp, detailed=True)
    if args.set:
        result = api.put("/admin/transfer-policy", {"on_refused": args.set})
    else:
        result = api.get("/admin/transfer-policy")
    if args.json:
        print_json(result)
        return
    print(f"on_refused: {result['on_refused']} — {POLICY_TEXT.get(result['on_refused'], '')}")


# the parser ------------------------------------------------------------------------------------------
def _wait_flags(p: argparse.ArgumentParser) -> None:
    add_wait_flags(p, wait_help="show a progress bar (stderr) until every customer and group is sent to WeCom, "
                   "then until all have their outcome (Ctrl-C stops waiting, not the job)",
                   until=("requested", "finished"), default="finished",
                   until_help="with --wait: stop once everything is sent to WeCom (requested), or only when the "
                   "job ends (finished, the default; WeCom answers after its 24 h window)",
                   timeout_help="with --wait: stop waiting after S seconds; exit 1 if not everything was sent to "
                   "WeCom by then")  # fmt: skip


JOB = arg("job_id", metavar="JOB")


def _create_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kind", required=True, choices=("resigned", "onjob"),
                   help="resigned: --from has left (WeCom's delete_user reached us); onjob: still employed")
    p.add_argument("--from", dest="handover", required=True, metavar="USER", help="whose customers and groups move")
    p.add_argument("--to", action="append", required=True, metavar="USER",
                   help="a taker (an active employee); repeat it, or U1,U2, to split among several")
    p.add_argument("--customers", type=ids_or_all, metavar="all|none|ID,ID",
                   help="which customers (default: all of --from's)")
    p.add_argument("--groups", type=ids_or_all, metavar="all|none|ID,ID", help="which groups (default: all of --from's)")
    p.add_argument("--message", metavar="TEXT", help="onjob only: what WeCom sends the customer (≤200 characters)")
    p.add_argument("--on-refused", choices=("leave", "reassign"),
                   help="customers who refuse or whose taker is full: leave them or give them to the next taker "
                   "(default: the corp's policy)")
    p.add_argument("--request-id", metavar="X", help="makes a retry return the same job (≤64 characters)")
    _wait_flags(p)


def register(sub: Any) -> None:
    """Transfer a member's customers and groups to other members: resigned (离职继承) for a member who
    left, onjob (在职继承) for one still employed. WeCom moves a customer 24 h after the request unless the
    customer refuses; groups move at once."""
    ts = area(sub, "transfers", "hand customers and groups over (离职继承 / 在职继承): create, follow, cancel",
              description=register.__doc__)  # fmt: skip
    action(ts, "create", cmd_create, "start a handover job (a repeat of the same request returns the same job)",
           CORP, _create_flags)
    action(ts, "list", cmd_list, "the corp's transfer jobs, newest first", CORP, LIMIT)
    action(ts, "show", cmd_show, "a job's progress (with --items: every customer and group)", CORP, JOB,
           arg("--items", action="store_true", help="also every customer and group with its taker and state"),
           _wait_flags)  # fmt: skip
    action(ts, "cancel", cmd_cancel, "cancel what has not reached WeCom yet", CORP, JOB)
    action(ts, "refresh", cmd_refresh, "check a job now instead of at its next scheduled check", CORP, JOB)
    action(ts, "unassigned", cmd_unassigned, "departed members whose customers wait for a taker (calls WeCom)", CORP,
           arg("--from", dest="handover", metavar="USER", help="only this member, with their customer and group ids"))
    action(ts, "policy", cmd_policy, "show or set what jobs do with refusals (leave or reassign)", CORP,
           arg("--set", choices=("leave", "reassign"), help="set it"))
