"""``scrm sync``: start a full sync of a corp from WeCom, follow it, and read past jobs."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from scrm.cli.actions import CORP_ID, action, area, arg
from scrm.cli.client import Api, ApiError, connect
from scrm.cli.common import CliError, moment, positive_int, print_json, seconds, show_list, table
from scrm.cli.progress import ProgressBar


def describe(p: dict[str, Any]) -> str:
    """A job's progress as labelled lines."""
    took = ""
    if p.get("finished_at_ms") and p.get("started_at_ms"):
        took = f" ({(p['finished_at_ms'] - p['started_at_ms']) / 1000:.1f} s)"
    rows = [
        ("job", f"{p.get('job_id')} ({p.get('kind', 'full')})"),
        ("state", f"{p.get('state')} ({p.get('percent', 0):.1f}%)"),
        ("started", moment(p.get("started_at_ms"))),
        ("finished", moment(p.get("finished_at_ms")) + took if p.get("finished_at_ms") else "-"),
        ("employees", p.get("employees", 0)),
        ("relations", p.get("relations", 0)),
        ("tags", p.get("tags", 0)),
        ("groups", f"{p.get('groups', 0)} of {p.get('groups_listed', 0)} listed"),
        ("drift removed", p.get("drift_removed", 0)),
        ("WeCom calls", p.get("wecom_calls", 0)),
    ]
    if p.get("error"):
        rows.append(("error", p["error"]))
    return "\n".join(f"{k + ':':<15}{v}" for k, v in rows)


def wait(
    get: Callable[[], dict[str, Any] | None],
    show: Callable[[dict[str, Any]], None],
    timeout_s: float | None,
    interval_s: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Polls the job (its progress, as the API answers it) until it is no longer running or ``timeout_s``
    passed; returns its last progress."""
    deadline = None if timeout_s is None else clock() + timeout_s
    while True:
        job = get()
        if job is None:
            raise CliError("the sync job disappeared while waiting for it")
        p = job
        show(p)
        if p.get("state") != "running" or (deadline is not None and clock() >= deadline):
            return p
        sleep(interval_s if deadline is None else max(0.0, min(interval_s, deadline - clock())))


def _finish(corp_id: str, p: dict[str, Any], timeout_s: float | None) -> None:
    if p.get("state") == "failed":
        raise CliError(f"sync job {p['job_id']} failed: {p.get('error') or 'no reason recorded'}")
    if p.get("state") == "running":
        raise CliError(
            f"sync job {p['job_id']} still running after {timeout_s:g} s (it goes on; "
            f"scrm sync status {corp_id} {p['job_id']})"
        )


def _job(api: Api, corp_id: str, job_id: str) -> dict[str, Any]:
    try:
        return api.get(f"/admin/sync/{job_id}")
    except ApiError as exc:
        if exc.status != 404:
            raise
        raise CliError(f"no sync job {job_id} in corp {corp_id}") from None


def cmd_start(args: argparse.Namespace) -> None:
    """Start a full sync of the corp from WeCom: employees, the tag library, every customer relation and
    every group chat. While a job of the corp is running, this reports that job instead of starting
    another. With --wait, a progress bar goes to stderr until the job ends, then the final counts go to
    stdout; the exit code is 1 if the job failed or --timeout passed."""
    api = connect(args, args.corp_id)
    answer = api.post("/admin/sync")
    job, created = answer["job"], answer["created"]
    job_id = job["job_id"]
    said = f"{'started' if created else 'already running:'} sync job {job_id} of corp {args.corp_id}"
    if not args.wait:
        if args.json:
            print_json({"created": created, "job": job})
        else:
            print(said)
            print(f"follow it: scrm sync status {args.corp_id} {job_id}")
        return
    if not args.json:
        print(said, flush=True)
    shown = ProgressBar(sys.stderr)
    try:
        p = wait(lambda: _job(api, args.corp_id, job_id), shown.update, args.timeout, args.interval)
    finally:
        shown.close()
    if args.json:
        print_json({"created": created, "job": p})
    else:
        print(describe(p))
    _finish(args.corp_id, p, args.timeout)


def cmd_status(args: argparse.Namespace) -> None:
    """Progress and counts of one sync job of the corp; the latest one when no JOB_ID is given."""
    api = connect(args, args.corp_id)
    if args.job_id:
        p = _job(api, args.corp_id, args.job_id)
    else:
        items = api.get("/admin/sync")["items"]
        if not items:
            raise CliError(f"corp {args.corp_id} has no sync jobs (scrm sync start {args.corp_id})")
        p = items[0]
    if args.json:
        print_json(p)
    else:
        print(describe(p))


def cmd_list(args: argparse.Namespace) -> None:
    """The corp's sync jobs, newest first."""
    items = connect(args, args.corp_id).get("/admin/sync", {"limit": args.limit})["items"]
    show_list(args.json, items, f"corp {args.corp_id} has no sync jobs", _table)


def _table(jobs: Sequence[dict[str, Any]]) -> str:
    rows = [
        (p["job_id"], p.get("kind", ""), p.get("state", ""), f"{p['percent']:.1f}%", moment(p.get("started_at_ms")),
         moment(p.get("finished_at_ms")), p.get("relations", 0), p.get("error", ""))
        for p in jobs
    ]  # fmt: skip
    return table(("JOB_ID", "KIND", "STATE", "DONE", "STARTED", "FINISHED", "RELATIONS", "ERROR"), rows)


def register(sub: Any) -> None:
    ss = area(sub, "sync", "full sync of a corp from WeCom: start, follow, list")
    action(ss, "start", cmd_start, "start a full sync (or show the one already running)", CORP_ID,
           arg("--wait", action="store_true", help="follow the job until it is done or failed"),
           arg("--timeout", type=seconds, metavar="S",
               help="with --wait: give up waiting after S seconds (the job goes on); default: no limit"),
           arg("--interval", type=seconds, default=1.0, metavar="S",
               help="with --wait: seconds between progress reads (default: 1)"))  # fmt: skip
    action(ss, "status", cmd_status, "progress of a sync job (the latest without JOB_ID)", CORP_ID,
           arg("job_id", metavar="JOB_ID", nargs="?", help="from 'sync start' or 'sync list'"))  # fmt: skip
    action(ss, "list", cmd_list, "the corp's sync jobs, newest first",
           CORP_ID, arg("--limit", type=positive_int, default=20, help="at most this many jobs (default: 20)"))
