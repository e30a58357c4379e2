"""``python -m devstack`` (``scrm-devstack``): run the local stack in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from devstack.stack import ROOT, Stack, StackConfig


def write_env(stack: Stack, path: Path) -> None:
    """A file the CLI and make targets source, so they talk to this stack's moto servers."""
    lines = [f"export {k}={v}" for k, v in sorted(stack.env.items())]
    lines += [
        f"export SCRM_APP_URL={stack.app_url}",
        f"export SCRM_SANDBOX_URL={stack.sandbox_url}",
        f"export SCRM_CONTROL_URL={stack.control_url}",
        f"export SCRM_ADMIN_URL={stack.admin_url}",
        f"export SCRM_CONSOLE_URL={stack.console_url}",
    ]
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scrm-devstack",
        description="Run the local stack: moto (DynamoDB, SQS, Secrets Manager), the WeCom sandbox, and the "
        "Chalice app with its SQS consumers and scheduled jobs. Ctrl-C stops everything.",
    )
    parser.add_argument("--app-port", type=int, default=8000)
    parser.add_argument("--control-port", type=int, default=8001)
    parser.add_argument("--admin-port", type=int, default=8002)
    parser.add_argument("--sandbox-port", type=int, default=8900)
    parser.add_argument("--dynamodb-port", type=int, default=5701)
    parser.add_argument("--messaging-port", type=int, default=5702)
    parser.add_argument("--console-port", type=int, default=8003)
    parser.add_argument("--console-corp", default="", help="the corp the console's WeCom login button logs in "
                        "(a sandbox corp already registered); default: a seeded sandbox corp made and synced here")
    parser.add_argument("--no-console-corp", action="store_true", help="make no corp and grant nobody (a bare stack)")
    parser.add_argument("--consumers", type=int, default=4, help="pollers per queue, like Lambda concurrency")
    args = parser.parse_args(argv)
    config = StackConfig(
        app_port=args.app_port,
        control_port=args.control_port,
        admin_port=args.admin_port,
        sandbox_port=args.sandbox_port,
        dynamodb_port=args.dynamodb_port,
        messaging_port=args.messaging_port,
        console_port=args.console_port,
        consumers=args.consumers,
    )
    stack = Stack(config)
    try:
        stack.start()
    except Exception as exc:
        print(f"scrm-devstack: could not start: {exc} (logs in {config.workdir})", file=sys.stderr)
        return 1
    login = None
    corp_id = ""
    if not args.no_console_corp:
        from devstack.console_login import dev_corp, open_console
        from devstack.sandbox_client import SandboxClient

        try:
            if args.console_corp:
                agent = SandboxClient(stack.sandbox_url).corp(args.console_corp)["agent_id"]
                login, corp_id = open_console(stack, args.console_corp, agent), args.console_corp
            else:
                print("making the console's corp (a seeded sandbox corp, registered and synced) ...", flush=True)
                info = dev_corp(stack)
                login, corp_id = open_console(stack, info["corp_id"], info["agent_id"]), info["corp_id"]
        except Exception as exc:
            print(f"scrm-devstack: could not prepare the console's corp: {exc}", file=sys.stderr)
            stack.stop()
            return 1
    env_file = ROOT / ".devstack" / "env"
    write_env(stack, env_file)
    print(
        f"""local stack up
  web console       {stack.console_url}   (built by make web; login corp: --console-corp)
  sidebar           {stack.sidebar_url}   (outside WeCom: the sandbox's client stand-in; docs/sandbox.md)
  app (callbacks)   {stack.app_url}/wecom/callback/<corp_id>
  admin API         {stack.admin_url}/admin/   (keys: scrm keys create <corp> --role admin)
  WeCom sandbox     {stack.sandbox_url}   (control API: {stack.sandbox_url}/control/corps)
  dev control       {stack.control_url}   (GET /stats, POST /jobs/<name>)
  DynamoDB (moto)   http://127.0.0.1:{stack.dynamodb_port}
  SQS + Secrets     http://127.0.0.1:{stack.messaging_port}   (fault windows: POST /_devstack/faults)
  logs              {config.workdir}/*.log
  CLI environment   source {env_file}
Ctrl-C stops everything.""",
        flush=True,
    )
    if login:
        from devstack.console_login import describe

        print(describe(login), flush=True)
        from devstack import sidebar_chat

        try:
            chat = sidebar_chat.open_sidebar_chat(stack, corp_id)
            print(sidebar_chat.describe(chat), flush=True)
        except Exception as exc:  # the sidebar is extra: the stack stays up without a chat
            print(f"scrm-devstack: no sidebar chat: {exc}", file=sys.stderr)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        while all(stack.healthy().values()):
            time.sleep(1)
        print("scrm-devstack: a process exited: " + str(stack.healthy()), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
