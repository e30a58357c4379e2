"""``scrm dlq``: look into and redrive the dead-letter queues."""

from __future__ import annotations

import argparse
import json
from typing import Any

from scrm.cli.actions import area
from scrm.cli.common import CliError, print_json


def _dlq(name: str) -> Any:
    from scrm.adapters.queue import DeadLetters
    from scrm.resources import QUEUES

    if name not in QUEUES:
        raise CliError(f"unknown queue {name}; known: {', '.join(sorted(QUEUES))}")
    return DeadLetters(QUEUES[name])


def cmd_list(args: argparse.Namespace) -> None:
    dlq = _dlq(args.queue)
    rows = []
    for m in dlq.peek(args.limit):
        try:
            body = json.loads(m["Body"])
        except json.JSONDecodeError:
            body = {}
        fields = body.get("fields", {}) if isinstance(body, dict) else {}
        rows.append(
            {
                "message_id": m["MessageId"],
                "receive_count": int(m.get("Attributes", {}).get("ApproximateReceiveCount", 0)),
                "corp_id": body.get("corp_id") if isinstance(body, dict) else None,
                "event_id": body.get("event_id") if isinstance(body, dict) else None,
                "event": f"{fields.get('Event', '?')}/{fields.get('ChangeType', '?')}"
                if fields
                else "unreadable",
            }
        )
    if args.json:
        print_json({"queue": dlq.queue.dlq_name, "depth": dlq.depth(), "messages": rows})
        return
    print(f"{dlq.queue.dlq_name}: {dlq.depth()} message(s)")
    for r in rows:
        print(
            f"  {r['message_id']}  receives={r['receive_count']}  corp={r['corp_id']}  {r['event']}  event={r['event_id']}"
        )


def cmd_redrive(args: argparse.Namespace) -> None:
    dlq = _dlq(args.queue)
    moved = dlq.redrive(limit=args.limit, message_ids=set(args.id) if args.id else None)
    print(f"moved {moved} message(s) from {dlq.queue.dlq_name} back to {dlq.queue.name}")


def register(sub: Any) -> None:
    ds = area(sub, "dlq", "list and redrive dead-letter queues")
    dl = ds.add_parser("list", help="list messages in a DLQ without removing them")
    dl.add_argument("--queue", default="events", help="logical queue name (default: events)")
    dl.add_argument("--limit", type=int, default=20)
    dl.add_argument("--json", action="store_true")
    dl.set_defaults(func=cmd_list)
    dr = ds.add_parser("redrive", help="move DLQ messages back to their queue")
    dr.add_argument("--queue", default="events", help="logical queue name (default: events)")
    dr.add_argument("--id", action="append", metavar="MESSAGE_ID", help="only these messages (repeatable)")
    dr.add_argument("--limit", type=int, help="at most this many")
    dr.set_defaults(func=cmd_redrive)
