"""SQS consumers: they do the real work that the callback route only queued.

Queue names must be literals (Chalice reads them at package time); tests check them against
scrm.resources. The step queues (sync, transfers, mass sends) hand each body to their feature's message bus
(scrm.kernel.bus): it decodes the typed command, runs its handler and re-sends throttled steps; a body it
cannot read raises, so SQS redelivers it and then moves it to the DLQ.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

bp = Blueprint(__name__)

EVENTS_QUEUE = "scrm-events"


@bp.on_sqs_message(queue=EVENTS_QUEUE, batch_size=10, name="apply_events")
def apply_events(event: Any) -> dict[str, Any]:
    """Apply callback events to the store, once per event key (a redelivered copy is skipped; one that
    arrives while the first is still running is retried later). Every write is also versioned or
    idempotent on its own, so a copy that slips through changes nothing."""
    from scrm import bootstrap
    from scrm.adapters.sqs_batch import process_batch

    context = getattr(event, "context", None)
    once = bootstrap.apply_once()
    return process_batch(event.to_dict(), context, lambda body: once(body, context))


SYNC_QUEUE = "scrm-sync"


@bp.on_sqs_message(queue=SYNC_QUEUE, batch_size=1, name="sync_worker")
def sync_worker(event: Any) -> dict[str, Any]:
    """Run full-sync steps (scrm.sync.full_sync). Each step is idempotent and counted once; a step
    that finds the WeCom call budget spent re-sends itself delayed instead of failing."""
    from scrm import bootstrap
    from scrm.adapters.sqs_batch import process_batch

    return process_batch(
        event.to_dict(),
        getattr(event, "context", None),
        bootstrap.full_sync().bus().handle,
        required=("corp_id", "job_id", "kind", "id"),
        id_field="id",
    )


WELCOME_QUEUE = "scrm-welcome"


@bp.on_sqs_message(queue=WELCOME_QUEUE, batch_size=10, name="send_welcomes")
def send_welcomes(event: Any) -> dict[str, Any]:
    """Send welcome messages, the records of a batch in parallel: each has at most 20 s from WeCom's
    event, so none waits behind another, behind callback events or behind bulk work (own queue, own
    function). A welcome that cannot be sent in time is counted as missed, never retried later."""
    from scrm import bootstrap
    from scrm.adapters.sqs_batch import process_concurrently

    sender = bootstrap.welcome_sender()
    welcomed: list[tuple[str, str, str]] = []
    result = process_concurrently(event.to_dict(), lambda message: sender.handle(message, welcomed))
    sender.mark_welcomed(welcomed)  # one write for the batch, after every send
    return result


TRANSFERS_QUEUE = "scrm-transfers"


@bp.on_sqs_message(queue=TRANSFERS_QUEUE, batch_size=1, name="transfer_worker")
def transfer_worker(event: Any) -> dict[str, Any]:
    """Run transfer steps (scrm.transfers.runner): plan a job, call WeCom for its chunks, poll
    the outcomes. Every WeCom call is fenced by its chunk's mark and every answer written under the
    chunk's version, so a redelivered step neither calls twice nor loses an answer."""
    from scrm import bootstrap
    from scrm.adapters.sqs_batch import process_batch

    return process_batch(
        event.to_dict(),
        getattr(event, "context", None),
        bootstrap.transfer_runner().bus().handle,
        required=("corp_id", "job_id", "step"),
        id_field="job_id",
    )


MASS_SENDS_QUEUE = "scrm-mass-sends"


@bp.on_sqs_message(queue=MASS_SENDS_QUEUE, batch_size=1, name="mass_send_worker")
def mass_send_worker(event: Any) -> dict[str, Any]:
    """Run mass-send steps (scrm.mass_sends.runner): plan a send, create one WeCom task per part,
    read the results, remind a SOP's members. Each WeCom call is fenced by its part's mark, so a
    redelivered step never creates a task twice; a step that finds the bulk call budget spent re-sends
    itself delayed. SOP enrolment pages (scrm.sops.enrolment) share this queue."""
    from scrm import bootstrap
    from scrm.adapters.sqs_batch import process_batch

    return process_batch(
        event.to_dict(),
        getattr(event, "context", None),
        bootstrap.mass_send_bus().handle,
        required=("corp_id", "step"),
        id_field="send_id",
    )
