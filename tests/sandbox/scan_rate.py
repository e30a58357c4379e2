"""Can the sandbox produce N scans/s while delivering their callbacks?  A measuring script, not a test.

    .venv/bin/python tests/sandbox/scan_rate.py --count 6000 --rate 200

Starts `python -m wecom_sandbox` as its own process (so its CPU can be read from /proc), a
minimal receiver that answers every callback 200 at once, one corp with a 10-employee contact
way, then schedules the paced scans and reports: the rate achieved, the scheduler's worst lag,
how long callbacks waited between the scan and their first POST (from the welcome log), the
callbacks received, and the sandbox's CPU time per scan.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

TICK = os.sysconf("SC_CLK_TCK")


class _Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.n = 0
        self.last = 0.0


def _receiver(counter: _Counter) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            with counter.lock:
                counter.n += 1
                counter.last = time.monotonic()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=6000)
    parser.add_argument("--rate", type=float, default=200.0)
    args = parser.parse_args()

    proc = subprocess.Popen(
        [sys.executable, "-m", "wecom_sandbox", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().rsplit("port ", 1)[1].rstrip(")\n"))
        base = f"http://127.0.0.1:{port}"
        counter = _Counter()
        receiver = _receiver(counter)
        http = requests.Session()
        corp = http.post(
            base + "/control/corps",
            json={
                "callback_url": f"http://127.0.0.1:{receiver.server_address[1]}/cb",
                "seed": {"employees": 10, "customers_per_employee": 0, "tag_groups": 0, "groups": 0},
            },
        ).json()
        token = http.get(
            base + "/cgi-bin/gettoken", params={"corpid": corp["corp_id"], "corpsecret": corp["secret"]}
        ).json()["access_token"]
        users = [
            u["userid"]
            for u in http.get(
                base + "/cgi-bin/user/simplelist", params={"access_token": token, "department_id": 1}
            ).json()["userlist"]
        ]
        way = http.post(
            base + "/cgi-bin/externalcontact/add_contact_way",
            params={"access_token": token},
            data=json.dumps({"type": 2, "scene": 2, "user": users, "state": "bench"}),
        ).json()["config_id"]
        c = f"{base}/control/corps/{corp['corp_id']}"

        cpu0 = _cpu_s(proc.pid)
        started = time.monotonic()
        http.post(f"{c}/contact_ways/{way}/scans", json={"count": args.count, "rate_per_s": args.rate})
        while (stats := http.get(f"{c}/scans").json())["done"] < args.count:
            time.sleep(0.2)
        scans_done = time.monotonic() - started
        while counter.n < args.count and time.monotonic() - started < scans_done + 30:
            time.sleep(0.1)
        cpu = _cpu_s(proc.pid) - cpu0
        log = http.get(f"{c}/welcomes").json()["welcomes"]
        waits = [w["callback_first_sent_at"] - w["issued_at"] for w in log if w["callback_first_sent_at"]]
        report = {
            "scheduled": args.count,
            "rate_asked": args.rate,
            "rate_achieved": round(args.count / scans_done, 1),
            "scans_elapsed_s": round(scans_done, 2),
            "failed": stats["failed"],
            "max_schedule_lag_s": stats["max_lag_s"],
            "callbacks_received": counter.n,
            "last_callback_after_s": round(counter.last - started, 2),
            "callback_wait_ms_p50": round(_pct(waits, 50) * 1000, 1),
            "callback_wait_ms_p99": round(_pct(waits, 99) * 1000, 1),
            "callback_wait_ms_max": round(max(waits) * 1000, 1),
            "sandbox_cpu_s": round(cpu, 2),
            "sandbox_cpu_ms_per_scan": round(cpu / args.count * 1000, 3),
            "sandbox_cpu_share_of_one_core": round(cpu / scans_done, 2),
        }
        print(json.dumps(report, indent=2))
        receiver.shutdown()
        return 0 if stats["failed"] == 0 and counter.n == args.count else 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
