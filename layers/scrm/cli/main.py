"""``scrm``: the admin command line of the WeCom SCRM.

Two kinds of command. Those the admin API serves (customers, tags, sync, codes, sends, moments, SOPs, transfers,
stats, alerts, employees, groups) are its client: they send the key of a profile (``scrm login`` first;
``--profile``; ``SCRM_API_URL``/``SCRM_API_KEY``), so they share the API's validation, authorisation, limits
and audit. Operator commands the API does not serve (corps, keys, roles, dlq) use AWS credentials directly
(``source .devstack/env`` for the local stack). Errors are one line on stderr and a non-zero exit (1 for a
failure, 2 for a bad command line), never a traceback. docs/cli.md has every command; each area is a
module of this package with a ``register(subparsers)`` that declares its actions through ``cli.actions``.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from scrm.cli import (
    alerts,
    codes,
    content,
    corps,
    customers,
    dlq,
    employees,
    fission,
    groups,
    keys,
    login,
    moments,
    roles,
    sends,
    sops,
    stages,
    stats,
    stores,
    sync,
    tags,
    transfers,
)
from scrm.cli.common import EXIT_FAIL, EXIT_USAGE, CliError, Parser

__all__ = ["EXIT_FAIL", "EXIT_USAGE", "CliError", "Parser", "build_parser", "main"]

API_AREAS = (
    login,
    sync,
    customers,
    tags,
    employees,
    groups,
    codes,
    stats,
    alerts,
    transfers,
    sends,
    moments,
    fission,
    sops,
    stages,
    content,
    stores,
)
AWS_AREAS = (corps, keys, roles, dlq)  # operator commands: AWS credentials, not an API key
AREAS = (login, corps, keys, roles, *API_AREAS[1:], dlq)  # the order of ``scrm --help``
PROFILE_HELP = "the saved profile to use (scrm login; default: $SCRM_PROFILE or 'default')"


def build_parser() -> Parser:
    p = Parser(prog="scrm", description="Admin command line of the WeCom SCRM. Start with scrm login.")
    p.add_argument("--profile", metavar="NAME", help=PROFILE_HELP)
    sub = p.add_subparsers(dest="area", required=True, parser_class=Parser)
    for area in AREAS:
        area.register(sub)
    for name in ("login", "sync", "customers", "tags", "employees", "groups", "codes", "group-codes", "stats",
                 "alerts", "transfers", "sends", "moments", "fission", "sops", "stages", "notes", "scripts", "materials", "stores"):  # fmt: skip
        for leaf in _leaves(sub.choices[name]):
            leaf.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS, help=PROFILE_HELP)
    return p


def _leaves(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers that run a command, so that ``--profile`` goes after the command as well as before."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [parser]
    return [leaf for action in subs for child in action.choices.values() for leaf in _leaves(child)]


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


def _describe(exc: BaseException) -> str:
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, NoRegionError

    # pynamodb wraps botocore's errors: say what the cause was.
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, (EndpointConnectionError, NoCredentialsError, NoRegionError, ClientError)):
            exc = cause
            break
        cause = cause.__cause__
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
    message = " ".join(str(exc).split())  # one line, whatever the message holds
    return f"{type(exc).__name__}: {message}"


if __name__ == "__main__":
    sys.exit(main())
