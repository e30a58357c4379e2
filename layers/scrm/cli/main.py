"""``scrm``: the admin command line (corps, API keys, full sync, customers, tags, employees, customer
groups' labels, channel and group live codes, dead-letter queues).

It talks to AWS through the standard environment (credentials, region, and AWS_ENDPOINT_URL for the local
stack: ``source .devstack/env``). Errors are one line on stderr and a non-zero exit (1 for a failure, 2 for a
bad command line), never a traceback. docs/cli.md has every command. Each area is a module of this package
with a ``register(subparsers)``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from scrm.cli import (
    alerts,
    codes,
    corps,
    customers,
    dlq,
    employees,
    groups,
    keys,
    sends,
    sops,
    stats,
    sync,
    tags,
    transfers,
)
from scrm.cli.common import EXIT_FAIL, EXIT_USAGE, CliError, Parser

__all__ = ["EXIT_FAIL", "EXIT_USAGE", "CliError", "Parser", "build_parser", "main"]

AREAS = (
    corps,
    keys,
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
    sops,
    dlq,
)


def build_parser() -> Parser:
    p = Parser(prog="scrm", description="Admin command line of the WeCom SCRM.")
    sub = p.add_subparsers(dest="area", required=True, parser_class=Parser)
    for area in AREAS:
        area.register(sub)
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
