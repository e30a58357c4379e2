"""Paced bulk scans of a contact way: `count` customers arriving at `rate_per_s`, for benchmarks.

The schedule is open-loop: scan i is due at start + i / rate_per_s whatever the previous scans
cost, so a slow app cannot slow the arrivals down (a real QR code does not wait for the SCRM).
Each scan is exactly a single scan (control/contact_ways.py); its callback goes out through the
shared delivery pool without waiting ("callback": false skips it).  One thread per job; it ends early when the sandbox closes
or the corp is deleted, counting the rest as failed so `done` still reaches `scheduled`.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from .common import ControlError, EmitOptions, Request, corp_or_404, field_value, str_list
from .contact_ways import scan_once, way_or_404
from .customers import NewContact, send_added

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..world import Corp

MAX_COUNT = 100_000
MIN_RATE, MAX_RATE = 0.1, 1000.0


def schedule(app: Sandbox, req: Request) -> tuple[int, dict[str, Any]]:
    body = req.body
    count = field_value(body, "count", int, required=True)
    rate = float(field_value(body, "rate_per_s", float, required=True))
    names = str_list(body, "names")
    opts = EmitOptions(callback=field_value(body, "callback", bool, default=True))
    if not 1 <= count <= MAX_COUNT:
        raise ControlError(400, f"field 'count' must be in [1, {MAX_COUNT}]")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ControlError(400, f"field 'rate_per_s' must be in [{MIN_RATE}, {MAX_RATE:g}]")
    config_id = req.params["config_id"]
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        way_or_404(corp, config_id)
        corp.scan_stats.scheduled += count
        corp.scan_stats.running += 1
    thread = threading.Thread(
        target=_run,
        args=(app, corp, config_id, count, rate, names, opts),
        name=f"wecom-sandbox-scans-{corp.corp_id}",
        daemon=True,
    )
    thread.start()
    return 202, {"scheduled": count, "config_id": config_id, "rate_per_s": rate}


def totals(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        return corp.scan_stats.to_json()


def _run(
    app: Sandbox, corp: Corp, config_id: str, count: int, rate: float, names: list[str], opts: EmitOptions
) -> None:
    stats = corp.scan_stats
    start = time.monotonic()
    performed = 0
    try:
        for i in range(count):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                if app.closed.wait(delay):
                    return
            elif -delay > stats.max_lag_s:
                stats.max_lag_s = -delay
            new = NewContact(userid="", profile={"name": names[i % len(names)]} if names else {})
            added = None
            with app.world.lock:
                performed += 1
                stats.done += 1
                try:
                    if app.world.corp(corp.corp_id) is not corp:
                        raise ControlError(404, f"corp '{corp.corp_id}' was deleted")
                    added = scan_once(app, corp, config_id, new, app.world.now_int())
                except ControlError as err:
                    stats.failed += 1
                    stats.last_error = err.message
                    if err.status == 404:
                        return
            if added is not None:
                send_added(app, corp, added, opts)
    finally:
        with app.world.lock:
            missed = count - performed
            stats.done += missed
            stats.failed += missed
            stats.running -= 1
