"""WeCom callback route: verify, decrypt, make the event durable, answer. Nothing slow inline.

WeCom waits 5 s and retries (three times) only when the connection fails or no answer comes in time, never
on a 4xx/5xx answer (doc 90930). So: 200 (empty body) once the event is in SQS or, if SQS refuses it, in
the parking table (the redrive job queues it later); if neither takes it, or the corp's keys cannot be
read, the answer is held past WeCom's deadline, which WeCom sees as a timeout and retries. A 503 would
lose the event. 4xx is only for requests that will never be valid.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from chalice import Blueprint, Response

T = TypeVar("T")

bp = Blueprint(__name__)

PATH = "/wecom/callback/{corp_id}"
# WeCom documents no Content-Type for either request: take whatever the request carries (the body is
# checked as XML, and the URL check has no body).
ANY_CONTENT_TYPE = ["*/*"]


class _Unavailable(Exception):
    """Our side failed before the event could be checked (the corp's keys could not be read)."""


def _text(status: int, body: str = "") -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "text/plain; charset=utf-8"})


def _with_corp(corp_id: str, what: str, work: Callable[[Any], T]) -> tuple[T | None, Response | None]:
    """Look the corp up and run ``work(corp)``; a problem becomes the answer WeCom should get: the
    Rejected status for a request that will never be valid; an unknown corp is checked against a stand-in
    whose keys nobody has, so its answer is exactly a registered corp's for the same request (in the end a
    bad signature's 403): nothing tells which corps exist. Our own failure raises _Unavailable (the caller
    decides how to make WeCom retry)."""
    from scrm import bootstrap
    from scrm.adapters.corp_registry import CorpNotFound
    from scrm.adapters.logs import logger
    from scrm.callbacks.intake import Rejected, stand_in_corp

    try:
        try:
            corp = bootstrap.corp_registry().get(corp_id, cache_unknown=True)
        except CorpNotFound:
            logger.warning(f"{what} for an unknown corp")
            corp = stand_in_corp(corp_id)
        return work(corp), None
    except Rejected as exc:
        logger.warning(f"{what} rejected", extra={"reason": exc.reason, "status": exc.status})
        return None, _text(exc.status, exc.reason)
    except Exception as exc:
        logger.exception(f"{what} failed")
        raise _Unavailable from exc


@bp.route(PATH, methods=["GET"], content_types=ANY_CONTENT_TYPE)
def verify_url(corp_id: str) -> Response:
    from scrm import bootstrap
    from scrm.adapters.logs import bind, logger
    from scrm.callbacks.intake import verify_url

    request = bp.current_request
    bind(corp_id=corp_id, request_id=_request_id(request))
    window = bootstrap.settings().timestamp_window_s
    try:
        plain, problem = _with_corp(
            corp_id, "url verification", lambda corp: verify_url(corp, request.query_params, window)
        )
    except _Unavailable:
        # An admin saving the URL in WeCom's console sees the failure and saves again: no event is lost.
        return _text(503, "temporarily unavailable")
    if problem is not None:
        return problem
    logger.info("url verified")
    return _text(200, plain or "")


@bp.route(PATH, methods=["POST"], content_types=ANY_CONTENT_TYPE)
def receive(corp_id: str) -> Response:
    from scrm import bootstrap
    from scrm.adapters.logs import bind, logger
    from scrm.callbacks.intake import AckBudget, NotDurable, make_durable, open_event

    started = time.monotonic()
    request = bp.current_request
    request_id = _request_id(request)
    bind(corp_id=corp_id, request_id=request_id)
    settings = bootstrap.settings()
    budget = AckBudget.for_deadline(settings.callback_deadline_s)
    try:
        inbound, problem = _with_corp(
            corp_id,
            "callback",
            lambda corp: open_event(
                corp,
                request.query_params,
                request.raw_body or b"",
                settings.timestamp_window_s,
                settings.max_body_bytes,
            ),
        )
    except _Unavailable:
        return _held(started, budget.hold_s, "corp keys unavailable")
    if problem is not None or inbound is None:
        return problem or _held(started, budget.hold_s, "no event")

    bind(corp_id=corp_id, request_id=request_id, event_key=inbound.event_id)
    try:
        outcome = make_durable(
            inbound.message(int(time.time() * 1000)), bootstrap.callback_outbox(), started, budget
        )
    except NotDurable as exc:
        logger.error("event not durable", extra={"reason": str(exc)})
        return _held(started, budget.hold_s, "not durable")
    if outcome == "parked":
        _count_fallback("CallbackParked", corp_id)
    logger.info(
        "callback accepted",
        extra={
            "event": inbound.event.event,
            "change_type": inbound.event.change_type,
            "outcome": outcome,
            "ms": round((time.monotonic() - started) * 1000, 2),
        },
    )
    return _text(200)


def _held(started: float, hold_s: float, why: str) -> Response:
    """Answer only after WeCom's deadline: WeCom sees a timeout and sends the event again."""
    from scrm.adapters.logs import logger

    _count_fallback("CallbackHeld", None)
    time.sleep(max(0.0, started + hold_s - time.monotonic()))
    logger.error("callback held past WeCom's deadline so that WeCom retries", extra={"reason": why})
    return _text(503, "temporarily unavailable")


def _count_fallback(metric: str, corp_id: str | None) -> None:
    from scrm.adapters.metrics import count_callback_fallback

    count_callback_fallback(metric, corp_id)


def _request_id(request: object) -> str:
    """API Gateway's request id, else the Lambda request id, else a fresh one (Chalice's local server
    gives neither): every log line of a request carries one."""
    ctx = getattr(request, "context", None) or {}
    rid = ctx.get("requestId") if isinstance(ctx, dict) else None
    if not rid:
        rid = getattr(bp.lambda_context, "aws_request_id", None)
    return str(rid or uuid.uuid4())
