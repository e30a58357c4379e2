"""``scrm``: the admin command line (corps, dead-letter queues, stored data).

It talks to AWS through the standard environment (credentials, region, and AWS_ENDPOINT_URL for the local
stack: ``source .devstack/env``). Errors are one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

EXIT_USAGE = 2
EXIT_FAIL = 1


class CliError(Exception):
    """A failure to report as one line."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage + message; we keep it to one line
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# corps -------------------------------------------------------------------------------------------------
def _read_corp_json(source: str) -> dict[str, Any]:
    if source == "-":
        text = sys.stdin.read()
    else:
        with open(source, encoding="utf-8") as fh:
            text = fh.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"--from-json: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise CliError("--from-json: expected a JSON object")
    return data


def cmd_corps_register(args: argparse.Namespace) -> None:
    from scrm import bootstrap
    from scrm.domain.corp import Corp, InvalidCorp

    data: dict[str, Any] = _read_corp_json(args.from_json) if args.from_json else {}
    secret = data.get("secret") or (os.environ.get(args.secret_env) if args.secret_env else None)
    if args.secret_env and not secret:
        raise CliError(f"environment variable {args.secret_env} is empty or unset")
    corp = Corp(
        corp_id=args.corp_id or data.get("corp_id", ""),
        token=args.token or data.get("token", ""),
        aes_key=args.aes_key or data.get("aes_key", ""),
        secret=secret or "",
        agent_id=str(args.agent_id or data.get("agent_id", "") or ""),
        name=args.name or data.get("name", ""),
    )
    try:
        created = bootstrap.corp_registry().register(corp)
    except InvalidCorp as exc:
        raise CliError(str(exc)) from None
    print(f"{'registered' if created else 'updated'} corp {corp.corp_id}")
    print(f"callback URL path: /wecom/callback/{corp.corp_id}")


def cmd_corps_list(args: argparse.Namespace) -> None:
    from scrm import bootstrap

    ids = sorted(bootstrap.corp_registry().list_ids())
    if args.json:
        _print(ids)
    else:
        print("\n".join(ids) if ids else "no corps registered")


def cmd_corps_show(args: argparse.Namespace) -> None:
    from scrm import bootstrap
    from scrm.adapters.corp_registry import CorpNotFound

    try:
        corp = bootstrap.corp_registry().get(args.corp_id)
    except CorpNotFound:
        raise CliError(f"no corp {args.corp_id}") from None
    _print(
        {
            "corp_id": corp.corp_id,
            "name": corp.name,
            "agent_id": corp.agent_id,
            "token": "set",
            "aes_key": "set",
            "secret": "set",
            "callback_path": f"/wecom/callback/{corp.corp_id}",
        }
    )


def cmd_corps_remove(args: argparse.Namespace) -> None:
    from scrm import bootstrap
    from scrm.adapters.corp_registry import CorpNotFound

    try:
        bootstrap.corp_registry().remove(args.corp_id)
    except CorpNotFound:
        raise CliError(f"no corp {args.corp_id}") from None
    print(f"removed corp {args.corp_id}")


# dead letters -------------------------------------------------------------------------------------------
def _dlq(name: str) -> Any:
    from scrm.adapters.queue import DeadLetters
    from scrm.resources import QUEUES

    if name not in QUEUES:
        raise CliError(f"unknown queue {name}; known: {', '.join(sorted(QUEUES))}")
    return DeadLetters(QUEUES[name])


def cmd_dlq_list(args: argparse.Namespace) -> None:
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
        _print({"queue": dlq.queue.dlq_name, "depth": dlq.depth(), "messages": rows})
        return
    print(f"{dlq.queue.dlq_name}: {dlq.depth()} message(s)")
    for r in rows:
        print(
            f"  {r['message_id']}  receives={r['receive_count']}  corp={r['corp_id']}  {r['event']}  event={r['event_id']}"
        )


def cmd_dlq_redrive(args: argparse.Namespace) -> None:
    dlq = _dlq(args.queue)
    moved = dlq.redrive(limit=args.limit, message_ids=set(args.id) if args.id else None)
    print(f"moved {moved} message(s) from {dlq.queue.dlq_name} back to {dlq.queue.name}")


# stored data ---------------------------------------------------------------------------------------------
def cmd_customers_show(args: argparse.Namespace) -> None:
    from scrm.adapters.dynamo import reads

    view = reads.customer_view(args.corp_id, args.external_userid, args.timeline)
    if view is None:
        raise CliError(f"no customer {args.external_userid} in corp {args.corp_id}")
    _print(view)


def build_parser() -> Parser:
    p = Parser(prog="scrm", description="Admin command line of the WeCom SCRM.")
    sub = p.add_subparsers(dest="area", required=True, parser_class=Parser)

    corps = sub.add_parser(
        "corps", help="register, list, show and remove corps (credentials in Secrets Manager)"
    )
    cs = corps.add_subparsers(dest="action", required=True, parser_class=Parser)
    reg = cs.add_parser(
        "register",
        help="register or update a corp",
        description="Register a corp. The app secret is never taken on the command line: give it in the "
        "--from-json document or through an environment variable named by --secret-env.",
    )
    reg.add_argument("corp_id", nargs="?", help="the CorpID (or in --from-json)")
    reg.add_argument("--token", help="callback Token (≤32 letters/digits)")
    reg.add_argument("--aes-key", help="callback EncodingAESKey (43 chars)")
    reg.add_argument("--agent-id", help="AgentId of the self-built app")
    reg.add_argument("--name", help="a display name")
    reg.add_argument("--secret-env", metavar="VAR", help="read the app secret from this environment variable")
    reg.add_argument(
        "--from-json", metavar="FILE", help="JSON with corp_id, token, aes_key, secret, agent_id ('-': stdin)"
    )
    reg.set_defaults(func=cmd_corps_register)
    ls = cs.add_parser("list", help="list registered corp ids")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_corps_list)
    show = cs.add_parser("show", help="show a corp (secrets masked)")
    show.add_argument("corp_id")
    show.set_defaults(func=cmd_corps_show)
    rm = cs.add_parser("remove", help="remove a corp and its credentials")
    rm.add_argument("corp_id")
    rm.set_defaults(func=cmd_corps_remove)

    dlq = sub.add_parser("dlq", help="list and redrive dead-letter queues")
    ds = dlq.add_subparsers(dest="action", required=True, parser_class=Parser)
    dl = ds.add_parser("list", help="list messages in a DLQ without removing them")
    dl.add_argument("--queue", default="events", help="logical queue name (default: events)")
    dl.add_argument("--limit", type=int, default=20)
    dl.add_argument("--json", action="store_true")
    dl.set_defaults(func=cmd_dlq_list)
    dr = ds.add_parser("redrive", help="move DLQ messages back to their queue")
    dr.add_argument("--queue", default="events", help="logical queue name (default: events)")
    dr.add_argument("--id", action="append", metavar="MESSAGE_ID", help="only these messages (repeatable)")
    dr.add_argument("--limit", type=int, help="at most this many")
    dr.set_defaults(func=cmd_dlq_redrive)

    cust = sub.add_parser("customers", help="stored customers")
    cu = cust.add_subparsers(dest="action", required=True, parser_class=Parser)
    sh = cu.add_parser("show", help="a customer's profile, follow relations and timeline")
    sh.add_argument("corp_id")
    sh.add_argument("external_userid")
    sh.add_argument("--timeline", type=int, default=20, help="timeline entries to show (newest first)")
    sh.set_defaults(func=cmd_customers_show)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
        return 0
    except CliError as exc:
        print(f"scrm: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # AWS unreachable, no credentials, …: one line, not a traceback
        print(f"scrm: {_describe(exc)}", file=sys.stderr)
        return EXIT_FAIL


def _describe(exc: Exception) -> str:
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, NoRegionError

    if isinstance(exc, EndpointConnectionError):
        return f"cannot reach AWS at {exc.kwargs.get('endpoint_url')} (is the local stack up? source .devstack/env)"
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)"
    if isinstance(exc, NoRegionError):
        return "no AWS region (set AWS_REGION)"
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"AWS refused: {err.get('Code')}: {err.get('Message')}"
    if isinstance(exc, FileNotFoundError):
        return f"no such file: {exc.filename}"
    return f"{type(exc).__name__}: {exc}"


if __name__ == "__main__":
    sys.exit(main())
