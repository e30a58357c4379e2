"""``scrm sends``: customer mass sends (客户群发) — create one to a filter or a list of customers, or to
customer groups, follow it, list, show per member, cancel, remind, and set the corp's receive quota.

The same services as the admin API's /admin/mass-sends (scrm.mass_sends.runner for create,
scrm.mass_sends.service for the rest), so a send started here is the one the API shows. Bad input is one
line naming the field.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scrm.cli import send_progress as sp
from scrm.cli.actions import action, area, arg
from scrm.cli.client import Api, connect
from scrm.cli.common import CliError, print_json, show_list, table
from scrm.cli.follow import CORP, LIMIT, Stop, add_wait_flags, ids, stopped, watch
from scrm.cli.transfer_progress import clock

QUOTA_TEXT = {
    "month_days": "each customer receives at most as many mass messages a month as the month has days (WeCom's default)",
    "week_7": "each customer receives at most 7 mass messages a week (Monday to Sunday)",
    "day_1": "each customer receives at most 1 mass message a day",
}


# following a send ------------------------------------------------------------------------------------
def stops(until: str) -> list[Stop]:
    """When ``--wait`` stops on its own: the send ended ("ended"), or with ``--until created`` every task is
    created ("created")."""
    return [("ended", sp.ended)] + ([("created", sp.all_created)] if until == "created" else [])


def _wait(args: argparse.Namespace, api: Api, send_id: str, unit: str = sp.CUSTOMERS) -> dict[str, Any]:
    """Follows the send on a bar that names its recipients (``unit``: customers, or groups)."""
    p, why = watch(lambda: api.get(f"/admin/mass-sends/{send_id}"), lambda q: sp.line(q, unit=unit),
                   sp.measure, stops(args.until), args)  # fmt: skip
    if why in ("ended", "created"):
        return p
    how = stopped(why, args.timeout)
    if sp.all_created(p):
        print(f"scrm: stopped waiting ({how}): every task is in WeCom; members confirm them there and results "
              f"are read every 10 minutes (scrm sends show {args.corp} {send_id})", file=sys.stderr)  # fmt: skip
        return p
    if why == "interrupted":
        print(
            f"scrm: stopped waiting (the send goes on: scrm sends show {args.corp} {send_id})",
            file=sys.stderr,
        )
        raise KeyboardInterrupt
    done, total = sp.tasks(p)
    raise CliError(f"mass send {send_id}: {done}/{total} tasks created {how} (it goes on; "
                   f"scrm sends show {args.corp} {send_id} --wait)")  # fmt: skip


# text output -----------------------------------------------------------------------------------------
def describe(p: dict[str, Any], send: dict[str, Any] | None = None) -> str:
    """A send's progress as labelled lines, then one row per member (customers, or groups for a group
    send)."""
    unit = unit_of(send)
    done, total = sp.tasks(p)
    skipped = ", ".join(f"{k} {v}" for k, v in sorted((p.get("skipped") or {}).items()) if v)
    rows: list[tuple[str, Any]] = [("send", p.get("send_id"))]
    if send:
        rows.append(("name", (send.get("spec") or {}).get("name")))
    rows += [
        ("state", f"{p.get('state')} ({sp.phase(p)})"),
        ("tasks", f"{done}/{total} created" + (f" ({', '.join(f'{k} {v}' for k, v in sorted((p.get('parts') or {}).items()))})" if total else "")),
        (unit, f"{p.get('recipients') or 0}" + (f" ({d})" if (d := sp.counts(p)) else "")),
        ("skipped", skipped or "none"),
        ("completion", f"{100 * float(p.get('completion_rate') or 0):.1f}%"),
    ]  # fmt: skip
    text = "\n".join(f"{k + ':':<12}{'' if v is None else v}" for k, v in rows)
    members = p.get("members") or []
    if members:
        text += "\n\n" + table(("MEMBER", unit.upper(), "SENT", "TASKS", "COMPLETION"),
                               [(m["userid"], m["customers"], m["sent"], m["parts"],
                                 f"{100 * float(m['completion_rate']):.1f}%") for m in members])  # fmt: skip
    return text


def _items(p: dict[str, Any], unit: str = sp.CUSTOMERS) -> str:
    """Each recipient's outcome (a group send's ids are chat_ids, under the same ``external_userid`` key)."""
    items = p.get("items") or []
    if not items:
        return f"no {unit} (yet: the send may still be planning)"
    return table((unit[:-1].upper(), "NAME", "MEMBER", "OUTCOME"),
                 [(i["external_userid"], _name(i), i.get("userid") or "", i["outcome"]) for i in items])  # fmt: skip


def _name(item: dict[str, Any]) -> str:
    """The customer's (or group's) name, with the member's remark; "(unknown)" when we no longer hold it."""
    if item.get("known") is False:
        return "(unknown)"
    return str(item.get("name") or "") + (f" ({item['remark']})" if item.get("remark") else "")


# commands --------------------------------------------------------------------------------------------
def request_body(args: argparse.Namespace) -> dict[str, Any]:
    """The admin API's body from the command line: a list of customers (--customers, --customers-file), a
    filter (the other flags; none = every customer), or customer groups (--groups, --chat-ids)."""
    body: dict[str, Any] = {"name": args.name}
    if args.text is not None:
        body["text"] = args.text
    if args.attachments is not None:
        try:
            body["attachments"] = json.loads(args.attachments)
        except ValueError:
            raise CliError("--attachments: not valid JSON (field: attachments)") from None
    listed = list(args.customers or [])
    if args.customers_file:
        try:
            lines = Path(args.customers_file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CliError(
                f"--customers-file: {exc.strerror or exc} (field: recipients.external_userids)"
            ) from None
        listed += [s.strip() for s in lines if s.strip()]
    f: dict[str, Any] = {k: v for k, v in (("tags_all", args.tags_all), ("tags_any", args.tags_any),
                                           ("tags_none", args.tags_none), ("employees", args.employees),
                                           ("states", args.states), ("added_from", args.added_from),
                                           ("added_to", args.added_to)) if v is not None}  # fmt: skip
    if listed and f:
        raise CliError("give either customers (--customers, --customers-file) or filter flags, not both "
                       "(field: recipients)")  # fmt: skip
    groups = group_recipients(args)
    if groups and (listed or f):
        raise CliError("give either customers (--customers, --customers-file, filter flags) or groups "
                       "(--groups, --chat-ids), not both (field: recipients)")  # fmt: skip
    body["recipients"] = groups or ({"external_userids": listed} if listed else {"filter": f})
    if args.request_id is not None:
        body["request_id"] = args.request_id
    return body


def group_recipients(args: argparse.Namespace) -> dict[str, Any] | None:
    """A group mass send's recipients from --groups (narrowed by --owners, --name-contains) or --chat-ids;
    None when none of those flags is given (a send to customers)."""
    narrowed = {
        k: v for k, v in (("owners", args.owners), ("name_contains", args.name_contains)) if v is not None
    }
    if args.chat_ids is not None and (args.groups or narrowed):
        raise CliError("give either --chat-ids or --groups (with --owners, --name-contains), not both "
                       "(field: recipients)")  # fmt: skip
    if args.chat_ids is not None:
        return {"chat_ids": args.chat_ids}
    if narrowed and not args.groups:
        raise CliError("--owners and --name-contains narrow --groups: add --groups for a send to customer "
                       "groups (field: recipients.groups)")  # fmt: skip
    return {"groups": narrowed} if args.groups else None


def is_group_send(send: dict[str, Any] | None) -> bool:
    """A send to customer groups (chat_type group): its recipients and tasks count groups, not customers."""
    spec = (send or {}).get("spec") or {}
    recipients = spec.get("recipients") or {}
    return "groups" in recipients or "chat_ids" in recipients or spec.get("chat_type") == "group"


def unit_of(send: dict[str, Any] | None) -> str:
    """What the send's recipients are called in its bar and tables: groups for a group send, else
    customers."""
    return sp.GROUPS if is_group_send(send) else sp.CUSTOMERS


def recipients_header(sends: Sequence[dict[str, Any]]) -> tuple[str, bool]:
    """The list's recipients column: CUSTOMERS or GROUPS when every send counts the same, else RECIPIENTS
    with each count naming its unit (True)."""
    units = {unit_of(s) for s in sends}
    return (units.pop().upper(), False) if len(units) == 1 else ("RECIPIENTS", True)


def cmd_create(args: argparse.Namespace) -> None:
    """Start a mass send: to a list of customers (--customers, --customers-file) or to a filter (the other
    recipient flags; none = every customer). Each customer gets one message, from the member who added
    them most recently. The same request again (same --request-id, or the same flags while the send is
    open) returns the existing send. To customer groups instead: --groups (every group, or those --owners
    and --name-contains keep) or --chat-ids; each group gets one message, from its owner."""
    api = connect(args, args.corp, detailed=True)
    answer = api.post("/admin/mass-sends", request_body(args))
    send, created = answer["send"], answer["created"]
    send_id = send["send_id"]
    said = f"{'started' if created else 'the same request again, so the same'} mass send {send_id}"
    p = api.get(f"/admin/mass-sends/{send_id}")
    if args.wait:
        if not args.json:
            print(said, flush=True)
        p = _wait(args, api, send_id, unit_of(send))
    if args.json:
        print_json({"created": created, "send": send, "progress": p})
        return
    if not args.wait:
        print(said)
    print(describe(p, send))
    if not sp.ended(p):
        print(f"\nfollow it: scrm sends show {args.corp} {send_id} --wait")


def cmd_show(args: argparse.Namespace) -> None:
    """A send's progress: tasks created, customers by outcome (sent, not_sent, not_a_friend, over_quota,
    pending), skipped customers, completion per member."""
    api = connect(args, args.corp, detailed=True)
    p = api.get(f"/admin/mass-sends/{args.send_id}")
    send = _send_of(p)
    if args.wait:
        p = _wait(args, api, args.send_id, unit_of(send))
    if args.items:
        p["items"] = api.with_items(f"/admin/mass-sends/{args.send_id}")["items"]
    if args.json:
        print_json(p)
        return
    print(describe(p, send))
    if args.items:
        print()
        print(_items(p, unit_of(send)))


def _send_of(progress: dict[str, Any]) -> dict[str, Any]:
    """The send itself as the list shows it (its name, and whether it goes to groups), from the progress
    answer, which names both: any send, however old."""
    return {"send_id": progress.get("send_id"),
            "spec": {"name": progress.get("name") or "", "chat_type": progress.get("chat_type")}}  # fmt: skip


def cmd_list(args: argparse.Namespace) -> None:
    """The corp's mass sends, newest first."""
    items = connect(args, args.corp, detailed=True).get("/admin/mass-sends", {"limit": args.limit})["items"]
    show_list(args.json, items, f"corp {args.corp} has no mass sends", list_table, {"items": items})


def list_table(items: Sequence[dict[str, Any]]) -> str:
    """One row per send; the recipients column is named for what the sends count (``recipients_header``)."""
    header, mixed = recipients_header(items)
    rows = []
    for s in items:
        counts = s.get("counts") or {}
        skipped = sum(int(v) for v in (counts.get("skipped") or {}).values())
        recipients = counts.get("recipients", "")
        if mixed and recipients != "":
            recipients = f"{recipients} {unit_of(s)}"
        rows.append((s["send_id"], (s.get("spec") or {}).get("name", ""), s.get("state"), recipients,
                     counts.get("parts", ""), skipped if counts else "", clock(s.get("created_at"))))  # fmt: skip
    return table(("SEND", "NAME", "STATE", header, "TASKS", "SKIPPED", "CREATED"), rows)


def cmd_cancel(args: argparse.Namespace) -> None:
    """Cancel a send: tasks members have not sent are cancelled in WeCom (cancel_groupmsg_send) and tasks
    not created yet are not created. Messages already sent stay sent."""
    result = connect(args, args.corp, detailed=True).post(f"/admin/mass-sends/{args.send_id}/cancel")
    if args.json:
        print_json(result)
        return
    print(f"cancelled mass send {args.send_id}: {result.get('cancelled_tasks', 0)} task(s) members had not sent "
          "were cancelled in WeCom; tasks not created yet will not be")  # fmt: skip


def cmd_remind(args: argparse.Namespace) -> None:
    """Remind each member whose task is not sent yet (remind_groupmsg_send); WeCom allows 3 reminders per
    send in 24 hours."""
    result = connect(args, args.corp, detailed=True).post(f"/admin/mass-sends/{args.send_id}/remind")
    if args.json:
        print_json(result)
        return
    print(f"reminded {result['reminded']} member task(s) of mass send {args.send_id} (WeCom allows 3 a day)")
    if result.get("cancelled_in_wecom"):
        print(f"{result['cancelled_in_wecom']} task(s) were cancelled in WeCom (41093) and were not reminded")


def cmd_quota(args: argparse.Namespace) -> None:
    """The receive quota our planner enforces before creating tasks: the corp's setting in WeCom's 群发助手,
    which no API reads, so set it here to match: month_days (default), week_7 or day_1."""
    api = connect(args, args.corp, detailed=True)
    if args.set:
        value = api.put("/admin/mass-send-quota", {"msg_quota": args.set})["msg_quota"]
    else:
        value = api.get("/admin/mass-send-quota")["msg_quota"]
    if args.json:
        print_json({"msg_quota": value})
        return
    print(f"msg_quota: {value} — {QUOTA_TEXT.get(value, '')}")


# the parser ------------------------------------------------------------------------------------------
def _unix(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"unix seconds: {text!r}")
    return int(text)


def _wait_flags(p: argparse.ArgumentParser) -> None:
    add_wait_flags(p, wait_help="show a progress bar (stderr) until every WeCom task is created, or with --until "
                   "finished until every customer's outcome is known (Ctrl-C stops waiting, not the send)",
                   until=("created", "finished"), default="created",
                   until_help="with --wait: stop once every task is created (created, the default), or when every "
                   "customer has an outcome (finished: members confirm in WeCom; results are read every 10 "
                   "minutes)",
                   timeout_help="with --wait: stop waiting after S seconds; exit 1 if not every task was created "
                   "by then")  # fmt: skip


SEND = arg("send_id", metavar="SEND")


def _create_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", required=True, help="what the admin calls it (1..50 characters)")
    p.add_argument("--text", help="the message (≤ 4000 bytes; one text for everyone, no {name})")
    p.add_argument(
        "--attachments", metavar="JSON", help="a JSON list in WeCom's add_msg_template shape (≤ 9)"
    )
    _recipient_flags(p)
    p.add_argument("--request-id", metavar="X", help="makes a retry return the same send (≤64 characters)")
    _wait_flags(p)


def _recipient_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--customers", type=ids, metavar="ID,ID", help="these customers (external_userids)")
    p.add_argument(
        "--customers-file", metavar="PATH", help="customers from a file, one external_userid a line"
    )
    p.add_argument(
        "--tags-all", type=ids, metavar="TAG,TAG", help="filter: customers with every one of these tags"
    )
    p.add_argument(
        "--tags-any", type=ids, metavar="TAG,TAG", help="filter: customers with at least one of these"
    )
    p.add_argument("--tags-none", type=ids, metavar="TAG,TAG", help="filter: customers with none of these")
    p.add_argument("--employees", type=ids, metavar="USER,USER", help="filter: relations of these members")
    p.add_argument(
        "--states", type=ids, metavar="STATE,STATE", help="filter: customers from these channel codes"
    )
    p.add_argument(
        "--added-from", type=_unix, metavar="UNIX", help="filter: added at or after (unix seconds)"
    )
    p.add_argument(
        "--added-to", type=_unix, metavar="UNIX", help="filter: added at or before (unix seconds)"
    )
    p.add_argument("--groups", action="store_true",
                    help="send to customer groups instead: every group, or those --owners and --name-contains "
                    "keep (each owner gets one task per 2,000 groups)")  # fmt: skip
    p.add_argument("--owners", type=ids, metavar="USER,USER", help="with --groups: groups these members own")
    p.add_argument("--name-contains", metavar="TEXT",
                    help="with --groups: groups whose name contains TEXT (any case)")  # fmt: skip
    p.add_argument("--chat-ids", type=ids, metavar="ID,ID", help="send to these customer groups (chat_ids)")


def cmd_preview(args: argparse.Namespace) -> None:
    """Count who a send with these recipient flags would reach, before creating it: recipients, WeCom tasks,
    who the receive quota would skip now, and per member. Nothing is created or reserved; the send's own
    counts are the final word (the store may change in between)."""
    args.name, args.text, args.attachments, args.request_id = "preview", None, None, None
    recipients = request_body(args)["recipients"]
    p = connect(args, args.corp).post("/admin/mass-sends/preview", {"recipients": recipients})
    if args.json:
        print_json(p)
        return
    unit = sp.GROUPS if p.get("chat_type") == "group" else sp.CUSTOMERS
    skipped = ", ".join(f"{k} {n}" for k, n in sorted((p.get("skipped") or {}).items()) if n) or "none"
    print(f"would reach {p.get('recipients', 0)} {unit} in {p.get('parts', 0)} WeCom tasks; skipped: {skipped}"
          f" (quota {p.get('quota_setting')}, period {p.get('period')})")  # fmt: skip
    if p.get("complete") is False:
        print("counted in part only (a very large filter): the numbers are a lower bound")
    members = p.get("members") or []
    if members:
        print()
        print(table(("MEMBER", unit.upper(), "TASKS"), [(m.get("userid"), m.get("recipients"), m.get("parts")) for m in members]))


def register(sub: Any) -> None:
    """Mass sends to customers. WeCom does not message customers for the company: each member gets a
    task (add_msg_template) to confirm in WeCom, up to 10,000 customers each; customers past the corp's
    receive quota are skipped with the reason."""
    ss = area(sub, "sends", "customer mass sends (客户群发): create, follow, cancel, remind, quota", description=register.__doc__)
    action(ss, "create", cmd_create, "start a mass send (a repeat of the same request returns the same send)", CORP,
           _create_flags)  # fmt: skip
    action(ss, "preview", cmd_preview, "count who a send would reach, before creating it (nothing is sent)", CORP,
           _recipient_flags)  # fmt: skip
    action(ss, "list", cmd_list, "the corp's mass sends", CORP, LIMIT)
    action(ss, "show", cmd_show, "a send's progress per member (with --items: every customer's outcome)", CORP, SEND,
           arg("--items", action="store_true", help="also every customer with its outcome"), _wait_flags)  # fmt: skip
    action(ss, "cancel", cmd_cancel, "cancel what members have not sent yet", CORP, SEND)
    action(ss, "remind", cmd_remind, "remind members whose task is not sent (3 a day)", CORP, SEND)
    action(ss, "quota", cmd_quota, "show or set the corp's receive quota per customer", CORP,
           arg("--set", choices=tuple(QUOTA_TEXT), help="set it"))
