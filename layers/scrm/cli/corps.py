"""``scrm corps``: register, list, show and remove corps (their credentials live in Secrets Manager)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from scrm.cli.actions import area
from scrm.cli.common import CliError, print_json


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


def cmd_register(args: argparse.Namespace) -> None:
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


def cmd_list(args: argparse.Namespace) -> None:
    from scrm import bootstrap

    ids = sorted(bootstrap.corp_registry().list_ids())
    if args.json:
        print_json(ids)
    else:
        print("\n".join(ids) if ids else "no corps registered")


def cmd_show(args: argparse.Namespace) -> None:
    from scrm import bootstrap
    from scrm.adapters.corp_registry import CorpNotFound

    try:
        corp = bootstrap.corp_registry().get(args.corp_id)
    except CorpNotFound:
        raise CliError(f"no corp {args.corp_id}") from None
    print_json(
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


def cmd_remove(args: argparse.Namespace) -> None:
    from scrm import bootstrap
    from scrm.adapters.corp_registry import CorpNotFound

    try:
        bootstrap.corp_registry().remove(args.corp_id)
    except CorpNotFound:
        raise CliError(f"no corp {args.corp_id}") from None
    print(f"removed corp {args.corp_id}")


def register(sub: Any) -> None:
    cs = area(sub, "corps", "register, list, show and remove corps (credentials in Secrets Manager)")
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
    reg.set_defaults(func=cmd_register)
    ls = cs.add_parser("list", help="list registered corp ids")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    show = cs.add_parser("show", help="show a corp (secrets masked)")
    show.add_argument("corp_id")
    show.set_defaults(func=cmd_show)
    rm = cs.add_parser("remove", help="remove a corp and its credentials")
    rm.add_argument("corp_id")
    rm.set_defaults(func=cmd_remove)
