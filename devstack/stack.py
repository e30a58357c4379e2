"""Start and stop the whole local stack as child processes: two moto servers, the sandbox, the app."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

from devstack.aws_env import aws_env
from devstack.ports import free_ports, wait_port

ROOT = Path(__file__).resolve().parent.parent


IDLE = -1  # "nice" value meaning SCHED_IDLE: run only on CPU nobody else wants


def _child_setup(nice: int) -> object:
    def setup() -> None:
        _die_with_parent()
        if nice == IDLE:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        elif nice:
            os.nice(nice)

    return setup


def _die_with_parent() -> None:
    """Runs in each child before exec: if the stack's owner dies (killed test run, Ctrl-C in a pipe), the
    child gets SIGTERM instead of living on as an orphan that holds ports and CPU."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class StackConfig:
    workdir: Path = ROOT / ".devstack"
    app_port: int = 0
    admin_port: int = 0
    control_port: int = 0
    sandbox_port: int = 0
    dynamodb_port: int = 0
    messaging_port: int = 0
    console_port: int = 0  # the web console (devstack/console_server.py), /console/ and /admin/ on one origin
    consumers: int = 4
    welcome_consumers: int = 4
    retry_after_s: int = 2  # before a failed record comes back (AWS: the queue's visibility timeout)
    # The consumers' side (the DynamoDB moto process and the workers process): nice 10 by default; IDLE
    # (SCHED_IDLE) in the callback benchmarks, so that two cores measure the route WeCom waits on, as on
    # AWS where the consumer functions and DynamoDB have capacity of their own.
    consumers_nice: int = 10
    dynamodb_nice: int | None = None  # the DynamoDB moto process; None: as the consumers
    log_level: str = "INFO"
    extra_env: dict[str, str] = field(default_factory=dict)


class Stack:
    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        c = self.config
        spare = iter(free_ports(9))
        self.app_port = c.app_port or next(spare)
        self.admin_port = c.admin_port or next(spare)
        self.app_control_port = next(spare)  # the HTTP process's own /stats (its AWS calls)
        self.admin_control_port = next(spare)  # the admin API process's /stats (the console bench's calls)
        self.control_port = c.control_port or next(spare)
        self.sandbox_port = c.sandbox_port or next(spare)
        self.dynamodb_port = c.dynamodb_port or next(spare)
        self.messaging_port = c.messaging_port or next(spare)
        self.console_port = c.console_port or next(spare)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            **aws_env(self.dynamodb_port, self.messaging_port),
            "SCRM_WECOM_API_BASE": f"{self.sandbox_url}/cgi-bin/",
            "SCRM_WECOM_LOGIN_BASE": f"{self.sandbox_url}/",  # WeCom's login pages (console login)
            "SCRM_WECOM_OAUTH_BASE": f"{self.sandbox_url}/",  # WeCom's OAuth link (the sidebar's login)
            "SCRM_LOG_LEVEL": c.log_level,
            "SCRM_WECOM_BACKOFF_BASE_S": "0.05",
            # Tests and benchmarks poll the admin API with one key every 50 ms for minutes; the per-key
            # limit is tested in process (tests/integration/test_admin_guards.py), not by their polling.
            "SCRM_ADMIN_KEY_REQUESTS_PER_MIN": "1000000",
            **c.extra_env,
        }

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.control_port}"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.console_port}/console/"

    @property
    def console_config_path(self) -> Path:
        return self.config.workdir / "console-config.json"

    @property
    def sidebar_url(self) -> str:
        """The employee sidebar (web/sidebar) on the console's origin; outside WeCom its config.json names the
        sandbox's WeCom client stand-in (docs/sandbox.md)."""
        return f"http://127.0.0.1:{self.console_port}/sidebar/"

    @property
    def landing_url(self) -> str:
        """The customers' landing pages (web/landing: store.html, issue 21) on the console's origin."""
        return f"http://127.0.0.1:{self.console_port}/landing/"

    @property
    def sidebar_config_path(self) -> Path:
        return self.config.workdir / "sidebar-config.json"

    def set_console_corp(self, corp_id: str) -> None:
        """The corp whose staff the console's 企业微信登录 button logs in (config.json's corp_id: the admin API
        builds the login URL with the corp's app); the console server re-reads the file on each request."""
        from devstack.console_server import console_config, write_config

        write_config(self.console_config_path, console_config(corp_id))

    def callback_url(self, corp_id: str = "{corp_id}") -> str:
        return f"{self.app_url}/wecom/callback/{corp_id}"

    def _spawn(self, name: str, args: list[str], nice: int = 0) -> None:
        self.config.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.config.workdir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        self.procs[name] = subprocess.Popen(
            [sys.executable, *args], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(ROOT),
            start_new_session=True, preexec_fn=_child_setup(nice),
        )

    def start(self) -> Stack:
        try:
            # The consumers' side (their moto and their process) runs at a lower priority: on AWS it has
            # capacity of its own, here it must not take the callback route's CPU (see local-stack.md).
            self._spawn(
                "moto-dynamodb",
                ["-m", "devstack.moto_server", "-H", "127.0.0.1", "-p", str(self.dynamodb_port), "--keep-alive"],
                nice=self.config.consumers_nice if self.config.dynamodb_nice is None else self.config.dynamodb_nice
            )
            self._spawn("moto-messaging", ["-m", "devstack.moto_server", "-H", "127.0.0.1", "-p", str(self.messaging_port)])
            self._spawn("sandbox", ["-m", "wecom_sandbox", "--host", "127.0.0.1", "--port", str(self.sandbox_port)])
            for port in (self.dynamodb_port, self.messaging_port):
                wait_port(port)
            os.environ.update(self.env)
            from devstack.resources import create_all

            create_all()
            server = ["-m", "devstack.app_server", "--port", str(self.app_port),
                      "--control-port", str(self.control_port), "--consumers", str(self.config.consumers),
                      "--retry-after", str(self.config.retry_after_s)]
            http = [*server[:4], "--control-port", str(self.app_control_port), *server[6:]]
            self._spawn("app", [*http, "--role", "http"])
            self._spawn("workers", [*server, "--role", "workers"], nice=self.config.consumers_nice)
            # Not niced: the welcome path has a 20 s deadline, the bulk consumers only have a backlog.
            welcome = ["-m", "devstack.app_server", "--port", "0", "--control-port", "0",
                       "--consumers", str(self.config.welcome_consumers), "--role", "welcome",
                       "--retry-after", str(self.config.retry_after_s)]
            self._spawn("welcome", welcome)
            admin = ["-m", "devstack.app_server", "--port", str(self.admin_port), "--role", "admin",
                     "--control-port", str(self.admin_control_port)]
            self._spawn("admin", admin)
            self.set_console_corp("")
            from devstack.console_server import CLIENT_SCRIPT, sidebar_config, write_config

            write_config(self.sidebar_config_path, sidebar_config(client_script=CLIENT_SCRIPT))
            self._spawn("console", ["-m", "devstack.console_server", "--port", str(self.console_port),
                                    "--config", str(self.console_config_path), "--api", self.admin_url,
                                    "--sidebar-config", str(self.sidebar_config_path), "--sandbox", self.sandbox_url])
            for port in (self.sandbox_port, self.app_port, self.control_port, self.admin_port, self.app_control_port,
                         self.console_port):
                wait_port(port, 30)
        except BaseException:
            self.stop()
            raise
        return self

    def healthy(self) -> dict[str, bool | None]:
        return {name: p.poll() is None for name, p in self.procs.items()}

    def run_job(self, name: str) -> dict:
        # longer than a Lambda's 55 s: the local stack on a loaded machine is slower, and a bench reads the time
        r = requests.post(f"{self.control_url}/jobs/{name}", timeout=300)
        r.raise_for_status()
        return r.json()["result"]

    def stats(self) -> dict:
        return requests.get(f"{self.control_url}/stats", timeout=5).json()

    @contextlib.contextmanager
    def schedules_held(self) -> Iterator[None]:
        """No scheduled job ticks inside (those running are waited for; those due are skipped): for a test
        that compares the store before and after and must see only what it caused."""
        requests.post(f"{self.control_url}/schedules/hold", timeout=150).raise_for_status()
        try:
            yield
        finally:
            requests.post(f"{self.control_url}/schedules/release", timeout=10).raise_for_status()

    def callback_stats(self) -> dict:
        """The HTTP process's counters: ``aws_calls`` by "service:operation:resource" (devstack.aws_calls)."""
        return requests.get(f"http://127.0.0.1:{self.app_control_port}/stats", timeout=5).json()

    def admin_stats(self) -> dict:
        """The admin API process's counters: ``aws_calls`` as callback_stats."""
        return requests.get(f"http://127.0.0.1:{self.admin_control_port}/stats", timeout=5).json()

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for p in self.procs.values():
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        self.procs.clear()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
