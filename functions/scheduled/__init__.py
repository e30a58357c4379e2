"""Timed jobs."""

from __future__ import annotations

import time
from typing import Any

from chalice import Blueprint

bp = Blueprint(__name__)


@bp.schedule("rate(30 minutes)", name="refresh_tokens")
def refresh_tokens(event: Any) -> dict[str, Any]:
    """Refresh each corp's access token well before it expires, so no consumer waits on gettoken."""
    from scrm import bootstrap
    from scrm.corps.token_refresh import refresh_all

    return refresh_all(bootstrap.corp_registry(), bootstrap.handlers().wecom)


@bp.schedule("rate(1 minute)", name="redrive_parked_events")
def redrive_parked_events(event: Any) -> dict[str, Any]:
    """Queue the callback events parked while SQS refused them (normally none: one empty Scan)."""
    from scrm import bootstrap
    from scrm.callbacks.redrive import redrive

    outbox = bootstrap.redrive_outbox()
    return redrive(outbox.parked, outbox.send)


@bp.schedule("cron(30 18 * * ? *)", name="nightly_reconcile")
def nightly_reconcile(event: Any) -> dict[str, Any]:
    """02:30 China time: a reconcile sync of every corp, which repairs drift both ways (a relation we
    hold that WeCom no longer has is marked gone; one WeCom has that we missed is written)."""
    from scrm import bootstrap

    sync = bootstrap.full_sync()
    started = {}
    for corp_id in bootstrap.corp_registry().list_ids():
        job, created = sync.start(corp_id, kind="reconcile")
        started[corp_id] = {"job_id": job["job_id"], "created": created}
    return {"corps": started}


@bp.schedule("rate(1 minute)", name="switch_code_staff")
def switch_code_staff(event: Any) -> dict[str, Any]:
    """Channel codes with a weekly schedule or a daily cap: set each one's WeCom staff to what its slots
    and caps say for this minute (slot boundaries; at China midnight the caps reset, as counts are per
    day). Codes that need no change cost one read each, no WeCom call."""
    from scrm import bootstrap

    staffing = bootstrap.code_staffing()
    return {"corps": {c: staffing.refresh_corp(c) for c in bootstrap.corp_registry().list_ids()}}


@bp.schedule("cron(50 18 * * ? *)", name="reconcile_stats")
def reconcile_stats(event: Any) -> dict[str, Any]:
    """02:50 China time (WeCom's figures for a day are ready after 02:30): WeCom's statistics of yesterday
    and the day before stored next to ours for every corp, differences logged as alert: stats_drift; then
    the corp's months that moved are sealed again (contact_stats/seal.py)."""
    from datetime import UTC, datetime

    from scrm import bootstrap
    from scrm.contact_stats.model import reconcile_days
    from scrm.kernel.china_time import CHINA

    today = datetime.now(UTC).astimezone(CHINA).date()
    job, seals, out = bootstrap.stats_reconcile(), bootstrap.stats_seals(), {}
    for c in bootstrap.corp_registry().list_ids():
        out[c] = job.run(c, reconcile_days(today))
        # the days WeCom's figures landed on moved: seal them again now rather than read them live all day
        out[c]["sealed"] = {kind: seals.refresh(c, kind, today) for kind in ("cust", "group")}
    return {"corps": out}


@bp.schedule("cron(20 16 * * ? *)", name="seal_stats")
def seal_stats(event: Any) -> dict[str, Any]:
    """00:20 China time (the day just ended; reconcile_stats seals again after WeCom's figures): each month
    of the last 13 whose counts moved since its seal is sealed again, so a report by employee reads a few
    compressed items a month instead of one per member (contact_stats/seal.py)."""
    from datetime import UTC, datetime

    from scrm import bootstrap
    from scrm.kernel.china_time import CHINA

    today = datetime.now(UTC).astimezone(CHINA).date()
    seals = bootstrap.stats_seals()
    return {"corps": {c: {kind: seals.refresh(c, kind, today) for kind in ("cust", "group")}
                      for c in bootstrap.corp_registry().list_ids()}}  # fmt: skip


@bp.schedule("rate(5 minutes)", name="alert_digest")
def alert_digest(event: Any) -> dict[str, Any]:
    """Churn alerts that could not be sent one by one (the day's allowance, WeCom's per-member limits)
    go out as one digest per recipient and day, after each corp's digest time (China)."""
    from scrm import bootstrap

    return bootstrap.alert_digest().run()


@bp.schedule("rate(5 minutes)", name="advance_transfers")
def advance_transfers(event: Any) -> dict[str, Any]:
    """Transfer jobs whose next check is due (a poll after WeCom's 24 h window, a retry with back-off,
    groups queued for the new owner's next daily allowance, a re-assignment after a refusal) get one
    step each on the transfers queue; the work itself runs there."""
    from scrm import bootstrap

    runner = bootstrap.transfer_runner()
    return {"corps": {c: runner.enqueue_due(c) for c in bootstrap.corp_registry().list_ids()}}


@bp.schedule("rate(10 minutes)", name="collect_mass_send_results")
def collect_mass_send_results(event: Any) -> dict[str, Any]:
    """Mass sends with work left get their steps on the mass-sends queue: a results read while a member's
    task is not final (41063, still dispatching, waits for the next run), parts whose call was lost, a
    plan whose message was lost. Sends with nothing left are closed and cost nothing afterwards."""
    from scrm import bootstrap

    runner = bootstrap.mass_send_runner()
    return {"corps": {c: runner.collect(c) for c in bootstrap.corp_registry().list_ids()}}


@bp.schedule("rate(1 minute)", name="plan_sops")
def plan_sops(event: Any) -> dict[str, Any]:
    """SOP steps that fell due in the minute just ended become mass sends (one per SOP, step and minute,
    created once however often this runs), planned and handed to members on the mass-sends queue."""
    from scrm import bootstrap

    return bootstrap.sop_planner().tick()


@bp.schedule("rate(1 minute)", name="advance_moments")
def advance_moments(event: Any) -> dict[str, Any]:
    """Moment tasks with work left: a scheduled task whose time came, or a call whose answer was lost, gets its
    WeCom call; a creation job is asked; created tasks' results (who posted, customers reached, likes and
    comments onto the customers' timelines) are read every 10 minutes for 7 days, within the bulk budget.
    Tasks with nothing left are closed and cost nothing afterwards."""
    from scrm import bootstrap
    from scrm.moments.service import RUN_SECONDS

    job, until = bootstrap.moments_job(), time.time() + RUN_SECONDS  # one end for every corp of this run
    return {"corps": {c: job.advance(c, until) for c in bootstrap.corp_registry().list_ids()}}


@bp.schedule("rate(1 minute)", name="advance_fission")
def advance_fission(event: Any) -> dict[str, Any]:
    """Fission campaigns (issue 21): a campaign whose end time came is ended; friends whose K days passed are
    confirmed and an inviter who reached the threshold gets the reward once; an ended campaign's contact ways
    are deleted, 500 calls a corp a minute, resumed on the next run."""
    from scrm import bootstrap

    job = bootstrap.fission_job()
    return {"corps": {c: job.advance(c) for c in bootstrap.corp_registry().list_ids()}}


@bp.schedule("rate(1 minute)", name="provision_store_codes")
def provision_store_codes(event: Any) -> dict[str, Any]:
    """Stores waiting for their contact way (an import of thousands) get it made, within each corp's shared
    WeCom call budget: a spent budget stops the corp's run, and the next minute carries on where it stopped.
    A corp with nothing waiting costs one query."""
    from scrm import bootstrap

    stores = bootstrap.stores()
    return {"corps": {c: stores.provision(c, budget_s=40.0) for c in bootstrap.corp_registry().list_ids()}}
