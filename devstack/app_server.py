"""The app process of the local stack: the Chalice app's HTTP routes, its SQS consumers and its schedules,
all from the same ``functions/app.py`` the deployment packages, found through ``app.event_sources``.

A small control server on another port lets tests and the demo run a scheduled job now and read the
dispatcher's counters; it is not part of the deployed app.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"


def load_app() -> Any:
    if str(FUNCTIONS) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS))
    import app as app_module  # functions/app.py

    return app_module.app


def load_admin() -> Any:
    """The admin API's Chalice object (deployed as the admin_api function behind its own API)."""
    load_app()
    from admin.api import admin

    return admin


FAST_CONSUMERS = frozenset({"send_welcomes"})


class AppProcess:
    """``role`` "http" serves the routes; "workers" runs the consumers and the schedules (and the control
    server); "all" does both in one process. Lambda runs each in its own sandbox; locally two processes
    keep the consumers' work from sharing one interpreter lock with the callback route."""

    def __init__(
        self, host: str, port: int, control_port: int, consumers: int, role: str = "all", retry_after_s: int = 2
    ) -> None:
        from chalice.app import ScheduledEventConfig, SQSEventConfig
        from chalice.cli.factory import CLIFactory
        from chalice.local import create_local_server
        from scrm.resources import QUEUES

        from devstack.dispatcher import QueuePoller, Stats
        from devstack.scheduler import Hold, Schedule, period_of

        self.app = load_app()
        self.role = role
        if role in ("all", "http", "workers", "admin"):
            from devstack import aws_calls

            aws_calls.install()  # the benchmarks read each process's AWS calls from /stats
        config = CLIFactory(str(FUNCTIONS)).create_config_obj(chalice_stage_name="dev")
        # Chalice's local handler writes an answer's headers and its body in two sends on a kept-alive
        # connection: with Nagle's algorithm on, a small body waits for the client's delayed ACK of the
        # headers (~40 ms on Linux) — a cost of this server, not of API Gateway, that every small answer
        # paid (measured on the store lookup, issue 21: 48 ms for a one-read route). TCP_NODELAY on each
        # accepted socket (socketserver's own switch) sends the body at once.
        from chalice.local import ChaliceRequestHandler

        ChaliceRequestHandler.disable_nagle_algorithm = True
        self.http = create_local_server(self.app, config, host, port) if role in ("all", "http") else None
        if role == "admin":
            self.http = create_local_server(load_admin(), config, host, port)
        self.stop = threading.Event()
        self.stats = Stats()
        self.pollers: list[QueuePoller] = []
        self.schedules: dict[str, Schedule] = {}
        self.hold = Hold()  # POST /schedules/hold and /schedules/release on the control API
        for source in self.app.event_sources if role in ("all", "workers", "welcome") else ():
            handler = self.app.handler_map[source.name]
            # The welcome consumer runs in a process of its own (as on Lambda, its own function): its
            # 20-second clock must not share an interpreter lock with the event and sync consumers.
            if role != "all" and (role == "welcome") != (source.name in FAST_CONSUMERS):
                continue
            if isinstance(source, SQSEventConfig):
                queue = next(q for q in QUEUES.values() if q.name == source.queue)
                retry_s = max(retry_after_s, queue.min_local_retry_s)
                for i in range(consumers):
                    poller = QueuePoller(
                        source.name, source.queue, source.batch_size, handler, self.stop, self.stats, retry_s
                    )
                    poller.name = f"poller-{source.name}-{i}"
                    self.pollers.append(poller)
            elif isinstance(source, ScheduledEventConfig):
                period = period_of(source.schedule_expression)
                scale = float(os.environ.get("SCRM_LOCAL_SCHEDULE_SCALE", "1"))
                self.schedules[source.name] = Schedule(
                    source.name, (period or 86400) * scale, handler, self.stop, self.hold
                )
        self.control = (
            ThreadingHTTPServer((host, control_port), _control_handler(self))
            if role in ("all", "workers") or (role in ("http", "admin") and control_port)
            else None
        )
        self.label = role

    def serve_forever(self) -> None:
        for t in [*self.pollers, *self.schedules.values()]:
            t.start()
        if self.control is not None:
            threading.Thread(target=self.control.serve_forever, name="control", daemon=True).start()
        try:
            if self.http is not None:
                print(f"app listening on http://{self.http.host}:{self.http.port}", flush=True)
                self.http.serve_forever()
            elif self.control is not None:
                print(f"workers running; control on port {self.control.server_address[1]}", flush=True)
                self.stop.wait()
            else:
                print(f"{self.label} consumers running", flush=True)
                self.stop.wait()
        finally:
            self.stop.set()


def _control_handler(proc: AppProcess) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/stats":
                from devstack import aws_calls

                self._send(200, {"dispatcher": proc.stats.as_dict(), "jobs": sorted(proc.schedules),
                                 "aws_calls": aws_calls.snapshot()})
            else:
                self._send(404, {"error": "unknown path"})

        def do_POST(self) -> None:
            parts = self.path.strip("/").split("/")
            if parts == ["schedules", "hold"]:
                self._send(200 if proc.hold.hold() else 503, {"held": proc.hold.held})
            elif parts == ["schedules", "release"]:
                proc.hold.release()
                self._send(200, {"held": False})
            elif len(parts) == 2 and parts[0] == "jobs" and parts[1] in proc.schedules:
                try:
                    self._send(200, {"result": proc.schedules[parts[1]].run_once()})
                except Exception as exc:  # the control API answers, it does not crash
                    self._send(500, {"error": type(exc).__name__})
            else:
                self._send(404, {"error": "unknown job"})

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the SCRM Chalice app locally with its consumers and jobs.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--control-port", type=int, default=8001)
    parser.add_argument("--consumers", type=int, default=4, help="pollers per queue (Lambda concurrency)")
    parser.add_argument("--role", choices=("all", "http", "workers", "welcome", "admin"), default="all")
    parser.add_argument("--retry-after", type=int, default=2, metavar="S",
                        help="seconds before a failed record is retried (AWS waits the visibility timeout)")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    AppProcess(
        args.host, args.port, args.control_port, args.consumers, args.role, args.retry_after
    ).serve_forever()


if __name__ == "__main__":
    main()
