"""Command line: `python -m wecom_sandbox --host 127.0.0.1 --port 8900` (or `wecom-sandbox`)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

from . import control
from .control.common import Request
from .server import start_server


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wecom-sandbox",
        description="Local fake WeCom (企业微信) server: WeCom API under /cgi-bin/, control API under /control/, "
        "encrypted callbacks to your app. See docs/sandbox.md.",
        epilog="Control endpoints:\n  " + "\n  ".join(control.endpoints()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8900, help="port to bind; 0 picks a free one (default 8900)"
    )
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request to stderr")
    parser.add_argument(
        "--callback-url",
        help="also create one demo corp whose callbacks go to this URL ('{corp_id}' is substituted) "
        "and print its credentials as JSON",
    )
    parser.add_argument("--corp-id", help="corp id of the demo corp (default: generated)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the demo corp's world (default 1)")
    return parser


def _demo_corp(server: Any, args: argparse.Namespace) -> dict[str, Any]:
    from .control import corps

    body: dict[str, Any] = {"callback_url": args.callback_url, "seed": {"seed": args.seed}}
    if args.corp_id:
        body["corp_id"] = args.corp_id
    _, created = corps.create(server.app, Request("POST", "/control/corps", {}, {}, body))
    return created


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        server, thread = start_server(args.host, args.port, verbose=args.verbose)
    except OSError as exc:
        print(f"wecom_sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    print(f"wecom_sandbox listening on {server.url} (port {server.port})", flush=True)
    if args.callback_url:
        try:
            print(json.dumps(_demo_corp(server, args), ensure_ascii=False), flush=True)
        except Exception as exc:  # report and stop instead of a traceback
            print(f"wecom_sandbox: cannot create the demo corp: {exc}", file=sys.stderr)
            server.stop()
            return 2
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    server.stop()
    thread.join(timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
